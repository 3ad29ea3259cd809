//! The examples of the seed `000_e982c1f21aa8a975.txt`, written as they are under our rules:
//! the `BEGIN;`/`COMMIT;` wrapper kept, the hand-written `INSERT INTO public.schema_migrations`
//! removed (the runtime records each migration), `IF NOT EXISTS` and `DO`-block guards,
//! `ON CONFLICT DO NOTHING`, and `CREATE INDEX CONCURRENTLY` in a `-- migrate:no-transaction`
//! file.

use migrate_runtime::Transaction;

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_seed_examples");

fn main() {
    let versions: Vec<u128> = MIGRATIONS.iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, (1..=11).collect::<Vec<_>>());
    assert_eq!(MIGRATIONS.get(2).unwrap().name(), "add_query_cache");

    for m in &MIGRATIONS {
        let up = m.up();
        let (start, body) = up.body();
        // The file's own wrapper is in the text but not among the statements that run.
        assert!(!body.starts_with("BEGIN"), "{}: {body}", up.path());
        assert!(!body.ends_with("COMMIT"), "{}: {body}", up.path());
        assert_eq!(start, up.statements()[0].start());
        for statement in up.statements() {
            let sql = up.statement_sql(statement);
            assert!(!sql.contains("schema_migrations"), "{}: {sql}", up.path());
            assert!(!sql.ends_with(';'), "{sql}");
        }
        let expected = if m.version() == 5 {
            Transaction::None
        } else {
            assert!(up.sql().contains("BEGIN;") && up.sql().contains("COMMIT;"));
            Transaction::Single
        };
        assert_eq!(up.transaction(), expected, "{}", up.path());
    }

    let cache = MIGRATIONS.get(2).unwrap().up();
    let statements: Vec<&str> = cache
        .statements()
        .iter()
        .map(|s| cache.statement_sql(s))
        .collect();
    assert_eq!(statements.len(), 2);
    let (_, body) = cache.body();
    assert!(cache.sql().contains("BEGIN;") && !body.contains("BEGIN") && !body.contains("COMMIT"));
    assert!(statements[0].starts_with("CREATE TABLE IF NOT EXISTS kg_api.query_cache ("));
    assert_eq!(
        statements[1],
        "CREATE INDEX IF NOT EXISTS idx_query_cache_expires\nON kg_api.query_cache(expires_at)"
    );

    // The `DO` block is one statement, its inner `BEGIN`/`END` included.
    let email = MIGRATIONS.get(4).unwrap().up();
    assert_eq!(email.statements().len(), 3);
    assert!(email
        .statement_sql(&email.statements()[1])
        .starts_with("DO $$\nBEGIN"));

    let index = MIGRATIONS.get(5).unwrap().up();
    assert_eq!(index.statements().len(), 1);
    assert!(index
        .body()
        .1
        .starts_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS"));
}
