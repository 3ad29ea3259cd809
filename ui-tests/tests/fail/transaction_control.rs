//! Transaction control the runner cannot honour: two transactions in one file, a
//! `COMMIT` in the middle, `BEGIN` without `COMMIT`, `BEGIN` in a no-transaction file, `BEGIN`
//! with options.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_transaction_control");

fn main() {}
