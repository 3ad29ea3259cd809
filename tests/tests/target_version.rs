//! The server's word on the target version (`postgres` in `migrate.toml`): each feature the rule
//! `newer-than-target` dates is run on the PostgreSQL of the tests (15). What the rule says came
//! in 16 or later fails there with its SQLSTATE, what it says came in 15 or earlier succeeds; and
//! the checker reports exactly the first with `postgres = 15`, and each with the version it
//! names when the target is the version before. The runner warns when the server is older than the
//! target, and a constant `DEFAULT` keeps the table on 15 (no rewrite: only a target before 11
//! reports it).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use migrate_lint::discover::{Entry, EntryKind};
use migrate_runtime::{Event as RunEvent, Migrations, PgVersion, Settings};
use migrate_tests::fixtures::ORDERED;
use migrate_tests::TestDb;
use postgres::Client;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What the features need: a table, a partitioned table with a partition, a trigger function,
/// a procedure, a referenced table.
const SETUP: &str = "\
CREATE TABLE t (id int PRIMARY KEY, a int, data text, b int GENERATED ALWAYS AS (a * 2) STORED);
CREATE UNIQUE INDEX t_a ON t (a);
CREATE TABLE p (id int) PARTITION BY RANGE (id);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (10);
CREATE TABLE fk_parent (x int, y int, PRIMARY KEY (x, y));
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE pr() LANGUAGE sql AS 'SELECT 1';
";

/// Each feature: a statement using it, the first version the rule names, and the SQLSTATE
/// PostgreSQL 15 answers (`None`: it succeeds).
const FEATURES: &[(&str, u32, Option<&str>)] = &[
    (
        "CREATE PROCEDURE pr2() LANGUAGE sql AS 'SELECT 1'",
        11,
        None,
    ),
    ("CALL pr()", 11, None),
    ("CREATE INDEX t_i ON t (a) INCLUDE (data)", 11, None),
    (
        "CREATE TABLE u (a int, b int, UNIQUE (a) INCLUDE (b))",
        11,
        None,
    ),
    ("CREATE TABLE h (id int) PARTITION BY HASH (id)", 11, None),
    ("CREATE TABLE pd PARTITION OF p DEFAULT", 11, None),
    (
        "CREATE TABLE g (a int, b int GENERATED ALWAYS AS (a * 2) STORED)",
        12,
        None,
    ),
    (
        "CREATE OR REPLACE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int)",
        12,
        None,
    ),
    ("ALTER TABLE t ALTER COLUMN b DROP EXPRESSION", 13, None),
    (
        "CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch()",
        14,
        None,
    ),
    (
        "CREATE FUNCTION one() RETURNS int LANGUAGE sql RETURN 1",
        14,
        None,
    ),
    ("CREATE TABLE c (a text COMPRESSION pglz)", 14, None),
    (
        "ALTER TABLE t ALTER COLUMN data SET COMPRESSION pglz",
        14,
        None,
    ),
    (
        "MERGE INTO t USING (SELECT 1 AS id) s ON t.id = s.id \
         WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)",
        15,
        None,
    ),
    (
        "CREATE UNIQUE INDEX t_n ON t (a) NULLS NOT DISTINCT",
        15,
        None,
    ),
    ("CREATE TABLE n (a int UNIQUE NULLS NOT DISTINCT)", 15, None),
    (
        "CREATE TABLE f (x int, y int, FOREIGN KEY (x, y) REFERENCES fk_parent \
         ON DELETE SET NULL (y))",
        15,
        None,
    ),
    (
        "CREATE VIEW v WITH (security_invoker = true) AS SELECT 1 AS x",
        15,
        None,
    ),
    (
        "SELECT * FROM (SELECT 1) AS s, (VALUES (1)) AS v (x)",
        0,
        None,
    ),
    ("SELECT json('{}'), json_object('{a,b}')", 0, None),
    ("SELECT * FROM (SELECT 1)", 16, Some("42601")),
    ("SELECT * FROM (VALUES (1))", 16, Some("42601")),
    ("SELECT json_object('a': 1)", 16, Some("42601")),
    ("SELECT json_array(1, 2)", 16, Some("42883")),
    ("SELECT json_arrayagg(a) FROM t", 16, Some("42883")),
    ("SELECT json_objectagg('k': a) FROM t", 16, Some("42601")),
    ("SELECT '{}' IS JSON", 16, Some("42601")),
    (
        "MERGE INTO t USING (SELECT 1 AS id) s ON t.id = s.id \
         WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id) RETURNING t.id",
        17,
        Some("42601"),
    ),
    (
        "MERGE INTO t USING (SELECT 1 AS id) s ON t.id = s.id \
         WHEN NOT MATCHED BY SOURCE THEN DELETE",
        17,
        Some("42601"),
    ),
    (
        "ALTER TABLE t ALTER COLUMN b SET EXPRESSION AS (a * 3)",
        17,
        Some("42601"),
    ),
    (
        "SELECT * FROM json_table('[]', '$[*]' COLUMNS (x int PATH '$')) AS j",
        17,
        Some("42601"),
    ),
    ("SELECT json('{}' WITH UNIQUE KEYS)", 17, Some("42601")),
    ("SELECT json_scalar(1)", 17, Some("42883")),
    ("SELECT json_serialize('{}')", 17, Some("42883")),
    ("SELECT json_exists('{}', '$.a')", 17, Some("42883")),
    ("SELECT json_query('{}', '$.a')", 17, Some("42883")),
    ("SELECT json_value('{}', '$.a')", 17, Some("42883")),
    (
        "CREATE TABLE g2 (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL)",
        18,
        Some("42601"),
    ),
    (
        "CREATE TABLE g3 (a int, b int GENERATED ALWAYS AS (a * 2))",
        18,
        Some("42601"),
    ),
    (
        "CREATE TABLE e (a int CHECK (a > 0) NOT ENFORCED)",
        18,
        Some("42601"),
    ),
    (
        "CREATE TABLE e2 (x int, y int, FOREIGN KEY (x, y) REFERENCES fk_parent NOT ENFORCED)",
        18,
        Some("42601"),
    ),
    (
        "CREATE TABLE w (id int, r int4range, PRIMARY KEY (id, r WITHOUT OVERLAPS))",
        18,
        Some("42601"),
    ),
    // Outside a transaction block: last, they change the setup.
    ("REINDEX INDEX CONCURRENTLY t_a", 12, None),
    ("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", 14, None),
];

/// The SQLSTATE PostgreSQL answers to `sql` (`None`: it succeeds), in a transaction rolled back
/// after, or alone for what cannot run in one.
fn answer(client: &mut Client, sql: &str) -> Option<String> {
    let alone = sql.contains("CONCURRENTLY");
    if !alone {
        client.batch_execute("BEGIN").unwrap();
    }
    let code = client.batch_execute(sql).err().map(|e| {
        e.code()
            .map_or_else(|| e.to_string(), |c| c.code().to_owned())
    });
    if !alone {
        client.batch_execute("ROLLBACK").unwrap();
    }
    code
}

/// The findings of `sql` as the migration after [`SETUP`], with `postgres = target`.
fn checked(target: u32, sql: &str) -> Vec<migrate_lint::Diagnostic> {
    let file = |name: &str, text: String| Entry {
        name: name.to_owned(),
        path: PathBuf::from(name),
        kind: EntryKind::File(Ok(text.into_bytes())),
    };
    let entries = vec![
        file("migrate.toml", format!("postgres = {target}\n")),
        file("001_setup.sql", SETUP.to_owned()),
        file("002_change.sql", format!("{sql};\n")),
    ];
    migrate_lint::check_entries("migrations", entries)
        .diagnostics
        .into_iter()
        .filter(|d| d.path.ends_with("002_change.sql"))
        .collect()
}

/// The messages of `newer-than-target` on `sql`, with `postgres = target`.
fn newer(target: u32, sql: &str) -> Vec<String> {
    checked(target, sql)
        .into_iter()
        .filter(|d| d.rule == "newer-than-target")
        .map(|d| d.message)
        .collect()
}

/// The table's file: a new one after a rewrite.
fn relfilenode(client: &mut Client) -> u32 {
    client
        .query_one("SELECT relfilenode FROM pg_class WHERE relname = 't'", &[])
        .unwrap()
        .get(0)
}

#[test]
fn each_first_version_holds_on_postgresql_15() {
    let db = TestDb::new();
    let mut client = db.client();
    let server: u32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .unwrap()
        .get::<_, i32>(0)
        .try_into()
        .unwrap();
    assert_eq!(
        server / 10_000,
        15,
        "these versions are checked on PostgreSQL 15"
    );
    client.batch_execute(SETUP).unwrap();
    for &(sql, since, code) in FEATURES {
        assert_eq!(
            answer(&mut client, sql).as_deref(),
            code,
            "PostgreSQL 15 on {sql}"
        );
        assert_eq!(code.is_some(), since > 15, "{sql}");
        let at_15 = newer(15, sql);
        assert_eq!(at_15.len(), usize::from(since > 15), "{sql}: {at_15:?}");
        if since == 0 {
            assert_eq!(
                newer(PgVersion::OLDEST.major(), sql),
                Vec::<String>::new(),
                "{sql}"
            );
            continue;
        }
        let before = newer(since - 1, sql);
        assert_eq!(before.len(), 1, "{sql}: {before:?}");
        assert!(
            before[0].contains(&format!("needs PostgreSQL {since};")),
            "{sql}: {before:?}"
        );
        assert!(newer(since, sql).is_empty(), "{sql} at {since}");
    }
}

#[test]
fn a_constant_default_keeps_the_table_from_11_on() {
    let db = TestDb::new();
    let mut client = db.client();
    client.batch_execute(SETUP).unwrap();
    let before = relfilenode(&mut client);
    let sql = "ALTER TABLE t ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true";
    client.batch_execute(sql).unwrap();
    assert_eq!(
        before,
        relfilenode(&mut client),
        "PostgreSQL 15 wrote no row"
    );
    let rules = |target| -> Vec<&str> { checked(target, sql).iter().map(|d| d.rule).collect() };
    assert_eq!(rules(11), Vec::<&str>::new());
    assert_eq!(rules(10), ["volatile-default"]);
}

/// Keeps the runtime's WARN events.
struct Warnings(Arc<Mutex<Vec<String>>>);

impl Subscriber for Warnings {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        if metadata.target().starts_with("migrate_runtime")
            && *metadata.level() == tracing::Level::WARN
        {
            struct Message<'a>(&'a mut String);
            impl tracing::field::Visit for Message<'_> {
                fn record_debug(
                    &mut self,
                    field: &tracing::field::Field,
                    value: &dyn std::fmt::Debug,
                ) {
                    if field.name() == "message" {
                        *self.0 = format!("{value:?}");
                    }
                }
            }
            let mut message = String::new();
            event.record(&mut Message(&mut message));
            self.0.lock().unwrap().push(message);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// The warnings of a run of `set` on a new database, and of a second run with nothing to do,
/// and the `(server, target)` of each [`RunEvent::OlderServer`].
fn warnings(set: &Migrations) -> (Vec<String>, Vec<(u32, u32)>) {
    let db = TestDb::new();
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let runner = set.runner().observe(move |event| {
        if let RunEvent::OlderServer { server, target } = event {
            seen.lock().unwrap().push((server.major(), target.major()));
        }
    });
    tracing::subscriber::with_default(Warnings(Arc::clone(&warnings)), || {
        runner.run(&mut db.client()).unwrap();
        runner.run(&mut db.client()).unwrap();
    });
    let found = warnings.lock().unwrap().clone();
    let events = events.lock().unwrap().clone();
    (found, events)
}

#[test]
fn the_runner_warns_when_the_server_is_older_than_the_target() {
    let target = |major| {
        ORDERED
            .clone()
            .with_settings(Settings::new().with_postgres(PgVersion::new(major).unwrap()))
    };
    let warned = "the server runs PostgreSQL 15, older than PostgreSQL 18, the version the \
                  migrations were checked for (`postgres` in migrate.toml): a statement newer \
                  than the server fails when it runs; lower `postgres` to 15 and rebuild to \
                  find them";
    assert_eq!(
        warnings(&target(18)),
        (
            vec![warned.to_owned(), warned.to_owned()],
            vec![(15, 18), (15, 18)]
        )
    );
    assert_eq!(warnings(&target(15)), (vec![], vec![]));
    assert_eq!(warnings(&ORDERED), (vec![], vec![]));
}
