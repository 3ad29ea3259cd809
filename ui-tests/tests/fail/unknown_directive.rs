//! A misspelt `-- migrate:no-transaction` is an error, not silently ignored (and the
//! index then needs the header it misses).

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_unknown_directive");

fn main() {}
