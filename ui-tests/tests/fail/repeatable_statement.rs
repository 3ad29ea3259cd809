//! A table created in a repeatable migration (`R__{name}.sql`): it belongs in a versioned one.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_repeatable_statement");

fn main() {}
