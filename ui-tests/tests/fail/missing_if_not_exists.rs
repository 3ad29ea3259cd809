//! `CREATE ...` and `ADD COLUMN` without `IF NOT EXISTS` fail on a second run.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_missing_if_not_exists");

fn main() {}
