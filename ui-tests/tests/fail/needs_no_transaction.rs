//! `CREATE INDEX CONCURRENTLY` (and friends) cannot run in a transaction block: the file
//! needs `-- migrate:no-transaction`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_needs_no_transaction");

fn main() {}
