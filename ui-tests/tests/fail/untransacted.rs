//! Statements before the file's `BEGIN` or after its `COMMIT` would run outside the
//! migration's transaction.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_untransacted");

fn main() {}
