//! `DROP ...` and `DROP CONSTRAINT` without `IF EXISTS` fail on a second run.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_missing_if_exists");

fn main() {}
