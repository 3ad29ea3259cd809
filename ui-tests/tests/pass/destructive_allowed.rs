//! Destructive statements confirmed by directives with their reasons: per statement with
//! `-- migrate:allow(rule, ...) reason`, for the whole file with `-- migrate:allow-file(...)`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_destructive_allowed");

fn main() {
    assert_eq!(MIGRATIONS.len(), 2);
    let retire = MIGRATIONS.get(2).unwrap().up();
    let statements: Vec<&str> = retire
        .statements()
        .iter()
        .map(|s| retire.statement_sql(s))
        .collect();
    assert_eq!(
        statements,
        [
            "DROP TABLE IF EXISTS legacy_sessions",
            "ALTER TABLE users DROP COLUMN IF EXISTS email",
            "DROP SCHEMA IF EXISTS staging CASCADE",
            "TRUNCATE query_cache",
            "DELETE FROM refresh_tokens",
        ]
    );
}
