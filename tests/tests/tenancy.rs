//! `tenancy = "schema"` on a real server: what `escapes-tenant` reports is what PostgreSQL does.
//! Each statement runs as a tenant's migration runs (a transaction with `SET LOCAL search_path`
//! to the tenant's schema); it escapes when it creates an object outside the tenant's schema or
//! leaves another `search_path` behind. The checker must report exactly the statements that
//! escape (reads change nothing PostgreSQL can show, and are covered by the rule's own tests).

use migrate_lint::discover::{Entry, EntryKind};
use migrate_lint::{check_entries, CONFIG_FILE};
use migrate_tests::prerequisite;
use migrate_tests::TestDb;

const CONFIG: &str = "tenancy = \"schema\"\nshared = [\"public.countries\", \"extensions.*\"]\n";

/// The `escapes-tenant` findings of a folder holding `files`, under [`CONFIG`].
fn findings(files: &[&str]) -> Vec<String> {
    let mut entries = vec![entry(CONFIG_FILE, CONFIG)];
    for (i, sql) in files.iter().enumerate() {
        entries.push(entry(&format!("{:03}_m.sql", i + 1), sql));
    }
    check_entries("migrations", entries)
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == "escapes-tenant")
        .map(|d| d.to_string())
        .collect()
}

fn entry(name: &str, text: &str) -> Entry {
    Entry {
        name: name.to_owned(),
        path: name.into(),
        kind: EntryKind::File(Ok(text.as_bytes().to_vec())),
    }
}

/// Every schema, and every relation, type and function outside the tenant's schema `t1`, the
/// catalogs and the session's temporary schemas; then the `search_path`.
const OUTSIDE: &str = "\
    SELECT string_agg(x, ', ' ORDER BY x) FROM (\
      SELECT 'schema ' || nspname AS x, nspname AS s FROM pg_namespace \
      UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname, n.nspname \
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
      UNION ALL SELECT 'type ' || n.nspname || '.' || t.typname, n.nspname \
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
      UNION ALL SELECT 'function ' || n.nspname || '.' || p.proname, n.nspname \
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace\
    ) o WHERE s NOT IN ('t1', 'pg_catalog', 'information_schema', 'pg_toast') \
      AND s NOT LIKE 'pg_temp%' AND s NOT LIKE 'pg_toast_temp%'";

#[test]
fn the_rule_reports_exactly_the_statements_that_escape_the_tenant_schema() {
    let db = TestDb::new();
    db.execute(
        "CREATE SCHEMA t1; CREATE SCHEMA other; CREATE TABLE other.t (id int);\n\
         CREATE TABLE public.countries (code text PRIMARY KEY, name text);",
    );
    let mut client = db.client();
    let mut mismatches = Vec::new();
    let mut escapes = 0;
    for sql in [
        "CREATE TABLE IF NOT EXISTS users (id int)",
        "CREATE TABLE IF NOT EXISTS users (id int); INSERT INTO users SELECT 1",
        "CREATE TABLE IF NOT EXISTS other.leak (id int)",
        "CREATE TABLE IF NOT EXISTS public.leak (id int)",
        "CREATE TABLE IF NOT EXISTS users (id int, country text REFERENCES public.countries)",
        "CREATE SCHEMA IF NOT EXISTS reporting",
        "CREATE TYPE other.mood AS ENUM ('a')",
        "CREATE TYPE mood AS ENUM ('a')",
        "CREATE OR REPLACE FUNCTION other.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE SEQUENCE IF NOT EXISTS other.s",
        "CREATE INDEX IF NOT EXISTS t_id ON other.t (id)",
        "CREATE OR REPLACE VIEW other.v AS SELECT 1 AS x",
        "CREATE OR REPLACE VIEW v AS SELECT pg_catalog.now() AS x, 1::pg_catalog.int4 AS y",
        "CREATE TEMP TABLE scratch (id int)",
        "CREATE TABLE IF NOT EXISTS pg_temp.scratch2 (id int)",
        "SELECT set_config('search_path', 'public', true)",
        "SET LOCAL search_path TO other",
        "SELECT set_config('lock_timeout', '1s', true)",
    ] {
        let mut tx = client.transaction().unwrap();
        tx.batch_execute("SET LOCAL search_path TO t1").unwrap();
        let before: Option<String> = tx.query_one(OUTSIDE, &[]).unwrap().get(0);
        tx.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let after: Option<String> = tx.query_one(OUTSIDE, &[]).unwrap().get(0);
        let path: String = tx
            .query_one("SELECT current_setting('search_path')", &[])
            .unwrap()
            .get(0);
        tx.rollback().unwrap();
        let escaped = before != after || path != "t1";
        escapes += usize::from(escaped);
        let found = findings(&[sql]);
        if escaped == found.is_empty() {
            mismatches.push(format!(
                "{sql}: PostgreSQL {} (path {path}; outside before {before:?}, after {after:?}), \
                 the checker {found:?}",
                if escaped { "escaped" } else { "stayed in t1" }
            ));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    // Not vacuous: the schema, the six objects of `other` or `public`, the index on `other.t`
    // and both `search_path` changes escape.
    assert_eq!(escapes, 10);
}

/// An extension exists once per database: installed without `SCHEMA` it lands in the first
/// tenant's schema, and the next tenant's `IF NOT EXISTS` skips it; in a shared schema every
/// tenant reaches it.
#[test]
fn an_extension_without_schema_serves_the_first_tenant_only() {
    let db = TestDb::new();
    let available = db.column("SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto'");
    if available.is_empty() {
        prerequisite::missing("the pgcrypto extension (PostgreSQL's contrib modules)");
        return;
    }
    db.execute("CREATE SCHEMA t1; CREATE SCHEMA t2;");
    let mut client = db.client();
    let mut run = |tenant: &str, sql: &str| {
        let mut tx = client.transaction().unwrap();
        tx.batch_execute(&format!("SET LOCAL search_path TO {tenant}"))
            .unwrap();
        let result = tx.batch_execute(sql).map_err(|e| e.code().cloned());
        if result.is_ok() {
            tx.commit().unwrap();
        }
        result
    };

    let unscoped = "CREATE EXTENSION IF NOT EXISTS pgcrypto;\nSELECT gen_random_bytes(1);\n";
    assert_eq!(run("t1", unscoped), Ok(()));
    assert_eq!(
        run("t2", unscoped),
        Err(Some(postgres::error::SqlState::UNDEFINED_FUNCTION))
    );
    assert_eq!(
        findings(&[unscoped]),
        ["migrations/001_m.sql:1:32: error[escapes-tenant]: `CREATE EXTENSION pgcrypto` without \
          `SCHEMA` installs it in the first tenant's schema only: an extension exists once per \
          database, so every other tenant skips it and cannot use it unqualified\n    \
          1 | CREATE EXTENSION IF NOT EXISTS pgcrypto;\n      = help: install it once in a \
          shared schema: `CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA extensions`, list \
          `shared = [\"extensions.*\"]` in migrate.toml, and name its objects `extensions.` \
          qualified"]
    );

    db.execute("DROP EXTENSION pgcrypto");
    let shared = "CREATE SCHEMA IF NOT EXISTS extensions;\n\
                  CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA extensions;\n\
                  SELECT extensions.gen_random_bytes(1);\n";
    assert_eq!(run("t1", shared), Ok(()));
    assert_eq!(run("t2", shared), Ok(()));
    assert_eq!(findings(&[shared]), Vec::<String>::new());
}
