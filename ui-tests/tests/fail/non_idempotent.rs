//! Statements with no idempotent form, not guarded by an earlier `DROP ... IF EXISTS` or a
//! `DO` block.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_non_idempotent");

fn main() {}
