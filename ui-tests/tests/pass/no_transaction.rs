//! `-- migrate:no-transaction`: statements PostgreSQL refuses in a transaction block, each
//! run on its own.

use migrate_runtime::Transaction;

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_no_transaction");

fn main() {
    let modes: Vec<Transaction> = MIGRATIONS.iter().map(|m| m.up().transaction()).collect();
    assert_eq!(modes, [Transaction::Single, Transaction::None]);
    let index = MIGRATIONS.get(2).unwrap().up();
    let statements: Vec<&str> = index
        .statements()
        .iter()
        .map(|s| index.statement_sql(s))
        .collect();
    assert_eq!(
        statements,
        [
            "DROP INDEX CONCURRENTLY IF EXISTS idx_users_email_old",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email)",
            "VACUUM (ANALYZE) users",
        ]
    );
    // Where the runtime reports a failed statement.
    assert_eq!(index.line_col(index.statements()[1].start()), (4, 1));
}
