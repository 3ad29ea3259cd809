//! `CREATE FUNCTION/VIEW/TRIGGER` without `OR REPLACE` (or an earlier `DROP ... IF EXISTS`).

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_missing_or_replace");

fn main() {}
