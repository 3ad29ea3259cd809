//! `no-transaction` after the first statement, and an `allow` above no statement.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_misplaced_directive");

fn main() {}
