//! An unknown rule in an allow directive, with the rule that was probably meant.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_unknown_rule");

fn main() {}
