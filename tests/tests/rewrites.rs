//! The server's word on what the lock-hazard rules of rewrites and strong locks claim: for each
//! statement, the locks `pg_locks` shows while it holds them, whether the table got a new
//! `relfilenode` (a rewrite), whether it read the table (`pg_stat_xact_user_tables.seq_scan`),
//! and that the checker reports it with the rule that says so; and beside them the statements
//! PostgreSQL refuses that the checker reports, and the one it re-runs that the checker leaves
//! alone.

use std::path::Path;

use migrate_tests::TestDb;
use postgres::Client;

/// A table of 100 rows with an index, a referenced table, a materialized view with a unique
/// index, a domain used by a column, a range-partitioned table and a table to attach to it.
const SETUP: &str = "\
CREATE TABLE t (id int PRIMARY KEY, a int, during tsrange);
INSERT INTO t SELECT g, g, tsrange('2026-01-01'::timestamp + g * interval '1 day', \
'2026-01-01'::timestamp + (g + 1) * interval '1 day') FROM generate_series(1, 100) g;
CREATE INDEX t_a ON t (a);
CREATE TABLE parent (id int PRIMARY KEY);
INSERT INTO parent SELECT g FROM generate_series(1, 100) g;
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
CREATE UNIQUE INDEX mv_id ON mv (id);
CREATE DOMAIN positive AS int;
CREATE TABLE d (x positive);
INSERT INTO d VALUES (1);
CREATE TABLE p (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE p1 (id int, k int);
INSERT INTO p1 VALUES (1, 5);
";

/// A database with [`SETUP`] applied.
fn database() -> (TestDb, Client) {
    let db = TestDb::new();
    let mut client = db.client();
    client.batch_execute(SETUP).unwrap();
    (db, client)
}

/// `(relation, mode)` of each lock the statement holds on a table of the test, in a
/// transaction rolled back after.
fn locks(client: &mut Client, sql: &str) -> Vec<(String, String)> {
    in_transaction(client, sql, |client| {
        client
            .query(
                "SELECT c.relname::text, l.mode FROM pg_locks l JOIN pg_class c \
                 ON c.oid = l.relation WHERE l.pid = pg_backend_pid() \
                 AND c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'm') \
                 AND l.mode <> 'AccessShareLock' ORDER BY 1, 2",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    })
}

/// Runs `sql` in a transaction, then `then` in it, then rolls back.
fn in_transaction<T>(client: &mut Client, sql: &str, then: impl FnOnce(&mut Client) -> T) -> T {
    client.batch_execute("BEGIN").unwrap();
    client.batch_execute(sql).unwrap();
    let out = then(client);
    client.batch_execute("ROLLBACK").unwrap();
    out
}

fn relfilenode(client: &mut Client, relation: &str) -> u32 {
    client
        .query_one(
            "SELECT relfilenode FROM pg_class WHERE oid = $1::text::regclass",
            &[&relation],
        )
        .unwrap()
        .get::<_, postgres::types::Oid>(0)
}

/// Whether `sql` gives `relation` a new file (its rows written again), in a transaction
/// rolled back after.
fn rewrites(client: &mut Client, sql: &str, relation: &str) -> bool {
    let before = relfilenode(client, relation);
    in_transaction(client, sql, |client| {
        relfilenode(client, relation) != before
    })
}

/// How many sequential scans of `relation` the statement made, in a transaction rolled back.
/// The transaction's statistics may still hold the backend's earlier, unreported ones: the
/// difference is the statement's.
fn scans(client: &mut Client, sql: &str, relation: &str) -> i64 {
    let count = |client: &mut Client| -> i64 {
        client
            .query_one(
                "SELECT coalesce(sum(seq_scan), 0)::int8 FROM pg_stat_xact_user_tables \
                 WHERE relname = $1",
                &[&relation],
            )
            .unwrap()
            .get(0)
    };
    client.batch_execute("BEGIN").unwrap();
    let before = count(client);
    client.batch_execute(sql).unwrap();
    let after = count(client);
    client.batch_execute("ROLLBACK").unwrap();
    after - before
}

fn lock(relation: &str, mode: &str) -> (String, String) {
    (relation.to_owned(), mode.to_owned())
}

/// The rules the checker reports on `sql` as the migration after [`SETUP`].
fn rules(sql: &str) -> Vec<&'static str> {
    rules_after(&[], sql)
}

/// The rules the checker reports on `sql` as the migration after [`SETUP`] and the migrations
/// `earlier`, in order.
fn rules_after(earlier: &[&str], sql: &str) -> Vec<&'static str> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_setup.sql"), SETUP).unwrap();
    for (i, file) in earlier.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{:03}_earlier.sql", i + 2)), file).unwrap();
    }
    let last = format!("{:03}_change.sql", earlier.len() + 2);
    std::fs::write(dir.path().join(&last), sql).unwrap();
    let outcome = migrate_lint::check_dir(dir.path(), "migrations");
    outcome
        .diagnostics
        .iter()
        .filter(|d| Path::new(&d.path).ends_with(&last))
        .map(|d| d.rule)
        .collect()
}

#[track_caller]
fn reported(sql: &str, rule: &str) {
    let found = rules(sql);
    assert!(
        found.contains(&rule),
        "{rule} not reported on {sql}: {found:?}"
    );
}

#[test]
fn cluster_and_set_logged_or_unlogged_rewrite_under_access_exclusive() {
    let (_db, mut client) = database();
    for sql in ["CLUSTER t USING t_a", "ALTER TABLE t SET UNLOGGED"] {
        assert!(rewrites(&mut client, sql, "t"), "{sql}");
        assert!(
            locks(&mut client, sql).contains(&lock("t", "AccessExclusiveLock")),
            "{sql}"
        );
    }
    client.batch_execute("ALTER TABLE t SET UNLOGGED").unwrap();
    let logged = "ALTER TABLE t SET LOGGED";
    assert!(rewrites(&mut client, logged, "t"));
    assert!(locks(&mut client, logged).contains(&lock("t", "AccessExclusiveLock")));
    reported("CLUSTER t USING t_a;", "table-rewrite");
    reported("ALTER TABLE t SET UNLOGGED;", "table-rewrite");
    reported("ALTER TABLE t SET LOGGED;", "table-rewrite");
}

#[test]
fn set_access_method_and_set_tablespace_rewrite_under_access_exclusive() {
    let (db, mut client) = database();
    client
        .batch_execute("CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler")
        .unwrap();
    let sql = "ALTER TABLE t SET ACCESS METHOD heap2";
    assert!(rewrites(&mut client, sql, "t"));
    assert!(locks(&mut client, sql).contains(&lock("t", "AccessExclusiveLock")));
    reported("ALTER TABLE t SET ACCESS METHOD heap2;", "table-rewrite");

    // A tablespace in a directory the server creates (as its own user), dropped after; each
    // statement alone (`CREATE TABLESPACE` refuses a transaction).
    let space = format!("{}_space", db.name());
    let dir = format!("/tmp/{space}");
    for sql in [
        format!("COPY (SELECT 1) TO PROGRAM 'cat > /dev/null && mkdir -p {dir}'"),
        format!("CREATE TABLESPACE {space} LOCATION '{dir}'"),
    ] {
        client.batch_execute(&sql).unwrap();
    }
    let sql = format!("ALTER TABLE t SET TABLESPACE {space}");
    let moved = rewrites(&mut client, &sql, "t");
    let held = locks(&mut client, &sql);
    for sql in [
        format!("DROP TABLESPACE {space}"),
        format!("COPY (SELECT 1) TO PROGRAM 'cat > /dev/null && rmdir {dir}'"),
    ] {
        client.batch_execute(&sql).unwrap();
    }
    assert!(moved);
    assert!(held.contains(&lock("t", "AccessExclusiveLock")), "{held:?}");
    reported(&format!("{sql};"), "table-rewrite");
}

/// `VACUUM FULL` cannot run in a transaction: its lock is seen from another session, while it
/// waits behind a reader.
#[test]
fn vacuum_full_rewrites_under_access_exclusive() {
    let (db, mut client) = database();
    let before = relfilenode(&mut client, "t");
    client.batch_execute("VACUUM FULL t").unwrap();
    assert_ne!(relfilenode(&mut client, "t"), before);

    let mut reader = db.client();
    reader.batch_execute("BEGIN; SELECT * FROM t").unwrap();
    let config = db.config();
    let vacuum = std::thread::spawn(move || {
        let mut client = config.connect(postgres::NoTls).unwrap();
        client.batch_execute("VACUUM FULL t").unwrap();
    });
    let waiting = db.wait_for(
        "SELECT l.mode FROM pg_locks l WHERE NOT l.granted AND l.relation = 't'::regclass",
        "VACUUM FULL waiting for its lock",
    );
    reader.batch_execute("COMMIT").unwrap();
    vacuum.join().unwrap();
    assert_eq!(waiting, "AccessExclusiveLock");
    reported("-- migrate:no-transaction\nVACUUM FULL t;", "table-rewrite");
}

#[test]
fn refresh_blocks_reads_and_concurrently_does_not() {
    let (_db, mut client) = database();
    let plain = "REFRESH MATERIALIZED VIEW mv";
    assert!(rewrites(&mut client, plain, "mv"));
    assert!(locks(&mut client, plain).contains(&lock("mv", "AccessExclusiveLock")));
    let concurrently = "REFRESH MATERIALIZED VIEW CONCURRENTLY mv";
    let held = locks(&mut client, concurrently);
    assert!(held.contains(&lock("mv", "ExclusiveLock")), "{held:?}");
    assert!(
        !held.contains(&lock("mv", "AccessExclusiveLock")),
        "{held:?}"
    );
    reported(
        "REFRESH MATERIALIZED VIEW mv;",
        "refresh-without-concurrently",
    );
    assert!(!rules("REFRESH MATERIALIZED VIEW CONCURRENTLY mv;")
        .contains(&"refresh-without-concurrently"));
}

/// PostgreSQL skips the check of a foreign key on a column added without a default (every
/// value is `NULL`), and checks every row when the column has one.
#[test]
fn foreign_keys_lock_the_referenced_table_and_add_column_references_with_a_default_scans() {
    let (_db, mut client) = database();
    let add = "ALTER TABLE t ADD COLUMN pid int REFERENCES parent (id)";
    let held = locks(&mut client, add);
    assert!(held.contains(&lock("t", "AccessExclusiveLock")), "{held:?}");
    assert!(
        held.contains(&lock("parent", "ShareRowExclusiveLock")),
        "{held:?}"
    );
    assert_eq!(scans(&mut client, add, "t"), 0);
    assert!(!rules(&format!("{add};")).contains(&"constraint-without-not-valid"));
    let with_default = "ALTER TABLE t ADD COLUMN pid int DEFAULT 1 REFERENCES parent (id)";
    assert!(scans(&mut client, with_default, "t") > 0);
    reported(&format!("{with_default};"), "constraint-without-not-valid");

    // The fix: the column, then the key `NOT VALID`, which reads no row.
    client
        .batch_execute("ALTER TABLE t ADD COLUMN pid int DEFAULT 1")
        .unwrap();
    let not_valid =
        "ALTER TABLE t ADD CONSTRAINT t_pid_fkey FOREIGN KEY (pid) REFERENCES parent NOT VALID";
    assert_eq!(scans(&mut client, not_valid, "t"), 0);
    let validate = "ALTER TABLE t ADD CONSTRAINT t_pid_fkey FOREIGN KEY (pid) REFERENCES parent";
    assert!(scans(&mut client, validate, "t") > 0);

    // `CREATE TABLE ... REFERENCES`: the referenced table too, for an instant; not reported.
    let create = "CREATE TABLE child (id int REFERENCES parent (id))";
    assert!(locks(&mut client, create).contains(&lock("parent", "ShareRowExclusiveLock")));
    assert!(!rules(&format!("{create};")).contains(&"constraint-without-not-valid"));
}

#[test]
fn a_domain_check_locks_the_tables_using_it() {
    let (_db, mut client) = database();
    let add = "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)";
    assert_eq!(locks(&mut client, add), [lock("d", "ShareLock")]);
    reported(&format!("{add};"), "constraint-without-not-valid");
    let not_valid = format!("{add} NOT VALID");
    assert_eq!(
        locks(&mut client, &not_valid),
        Vec::<(String, String)>::new()
    );
    client.batch_execute(&not_valid).unwrap();
    // PostgreSQL 15's `VALIDATE` takes the same `SHARE` lock, in a migration of its own.
    let validate = "ALTER DOMAIN positive VALIDATE CONSTRAINT positive_check";
    assert_eq!(locks(&mut client, validate), [lock("d", "ShareLock")]);
}

#[test]
fn an_exclusion_constraint_is_built_under_access_exclusive() {
    let (_db, mut client) = database();
    let sql = "ALTER TABLE t ADD CONSTRAINT t_no_overlap EXCLUDE USING gist (during WITH &&)";
    assert!(locks(&mut client, sql).contains(&lock("t", "AccessExclusiveLock")));
    reported(&format!("{sql};"), "exclusion-constraint");
}

#[test]
fn attach_partition_scans_unless_a_valid_check_implies_the_bound() {
    let (_db, mut client) = database();
    let attach = "ALTER TABLE p ATTACH PARTITION p1 FOR VALUES FROM (0) TO (10)";
    assert_eq!(
        locks(&mut client, attach),
        [
            lock("p", "ShareUpdateExclusiveLock"),
            lock("p1", "AccessExclusiveLock")
        ]
    );
    assert!(scans(&mut client, attach, "p1") > 0);
    reported(&format!("{attach};"), "attach-partition-without-check");

    let check =
        "ALTER TABLE p1 ADD CONSTRAINT p1_bound CHECK (k IS NOT NULL AND k >= 0 AND k < 10)";
    client.batch_execute(check).unwrap();
    assert_eq!(scans(&mut client, attach, "p1"), 0);
    let after_check = format!("{check};\n{attach};");
    assert!(!rules(&after_check).contains(&"attach-partition-without-check"));
}

/// A type change that keeps the stored values leaves the table's file as it is, yet PostgreSQL
/// builds some of its indexes again (a new `relfilenode`, a scan of the table): an index on an
/// expression or with a predicate reading the column; and every index of the column when the
/// ordering changes (another collation, or `timestamp` to `timestamptz` under a UTC session,
/// which rewrites the table under any other time zone). `column-type-change` reports exactly
/// the changes that rebuild something.
#[test]
fn type_changes_that_keep_the_values_rebuild_some_indexes() {
    const TABLES: &str = "\
CREATE TABLE k (id int PRIMARY KEY, word varchar(64), note varchar(64), plain varchar(64), \
label varchar, seen timestamp, bare timestamp);
INSERT INTO k SELECT g, 'w' || g, 'n' || g, 'p' || g, 'l' || g, now(), now() \
FROM generate_series(1, 100) g;
CREATE INDEX k_lower ON k (lower(word));
CREATE INDEX k_noted ON k (id) WHERE note IS NOT NULL;
CREATE INDEX k_plain ON k (plain);
CREATE INDEX k_seen ON k (seen);
";
    let db = TestDb::new();
    let mut client = db.client();
    client.batch_execute(TABLES).unwrap();
    const ALL: [&str; 6] = ["k", "k_lower", "k_noted", "k_pkey", "k_plain", "k_seen"];
    // (change, the relations it gives a new file, reported)
    for (sql, expected, reported) in [
        ("ALTER TABLE k ALTER word TYPE text", &["k_lower"][..], true),
        ("ALTER TABLE k ALTER note TYPE text", &["k_noted"][..], true),
        ("ALTER TABLE k ALTER plain TYPE text", &[][..], false),
        (
            "ALTER TABLE k ALTER plain TYPE varchar(64) COLLATE \"C\"",
            &["k_plain"][..],
            true,
        ),
        (
            "ALTER TABLE k ALTER label TYPE varchar COLLATE \"C\"",
            &[][..],
            false,
        ),
        (
            "SET LOCAL timezone = 'UTC'; ALTER TABLE k ALTER seen TYPE timestamptz",
            &["k_seen"][..],
            true,
        ),
        (
            "SET LOCAL timezone = 'UTC'; ALTER TABLE k ALTER bare TYPE timestamptz",
            &[][..],
            false,
        ),
        (
            "SET LOCAL timezone = 'Europe/Paris'; ALTER TABLE k ALTER bare TYPE timestamptz",
            &ALL[..],
            true,
        ),
    ] {
        let renewed: Vec<&str> = ALL
            .into_iter()
            .filter(|r| rewrites(&mut client, sql, r))
            .collect();
        assert_eq!(renewed, expected, "{sql}");
        assert_eq!(
            scans(&mut client, sql, "k") > 0,
            !expected.is_empty(),
            "{sql}"
        );
        let found = rules_after(
            &[TABLES],
            &format!("{};\n", sql.replace("SET LOCAL", "SET")),
        );
        assert_eq!(
            found.contains(&"column-type-change"),
            reported,
            "{sql}: {found:?}"
        );
    }
}

/// The path `set-not-null`'s help recommends: its last step, `SET NOT NULL` after a validated
/// `CHECK (col IS NOT NULL)`, reads no row, and the checker says nothing of it. A `NOT VALID`
/// check proves nothing yet, and a column already `NOT NULL` is not read either.
#[test]
fn set_not_null_reads_no_row_after_a_validated_check() {
    let (_db, mut client) = database();
    let set = "ALTER TABLE t ALTER COLUMN a SET NOT NULL";
    assert!(scans(&mut client, set, "t") > 0);
    assert!(locks(&mut client, set).contains(&lock("t", "AccessExclusiveLock")));
    reported(&format!("{set};"), "set-not-null");

    let not_valid = "ALTER TABLE t ADD CONSTRAINT t_a_not_null CHECK (a IS NOT NULL) NOT VALID";
    client.batch_execute(not_valid).unwrap();
    assert!(scans(&mut client, set, "t") > 0);
    let after_not_valid = rules_after(&[&format!("{not_valid};")], &format!("{set};"));
    assert!(
        after_not_valid.contains(&"set-not-null"),
        "{after_not_valid:?}"
    );

    let validate = "ALTER TABLE t VALIDATE CONSTRAINT t_a_not_null";
    client.batch_execute(validate).unwrap();
    assert_eq!(scans(&mut client, set, "t"), 0);
    let earlier = [format!("{not_valid};"), format!("{validate};")];
    let earlier: Vec<&str> = earlier.iter().map(String::as_str).collect();
    let after_validate = rules_after(&earlier, &format!("{set};"));
    assert!(after_validate.is_empty(), "{after_validate:?}");
    // Nor is it long work under another lock.
    let under_lock = format!("LOCK TABLE parent;\n{set};");
    assert!(rules_after(&earlier, &under_lock).is_empty());

    // A column already `NOT NULL` (the primary key): nothing to check.
    let again = "ALTER TABLE t ALTER COLUMN id SET NOT NULL";
    assert_eq!(scans(&mut client, again, "t"), 0);
    assert!(rules(&format!("{again};")).is_empty());
}

/// `REINDEX SCHEMA` (which cannot run in a transaction) rebuilds each table's indexes under a
/// `SHARE` lock on the table, which blocks writes, and an `ACCESS EXCLUSIVE` lock on each index,
/// which blocks the queries that use it: seen from other sessions, while it waits behind a
/// reader of an index.
#[test]
fn reindex_schema_blocks_writes_and_the_reads_of_each_index() {
    let db = TestDb::new();
    db.execute(
        "CREATE SCHEMA r; CREATE TABLE r.t (id int PRIMARY KEY, a int); \
         INSERT INTO r.t SELECT g, g FROM generate_series(1, 100) g",
    );
    let mut reader = db.client();
    reader
        .batch_execute("BEGIN; SELECT * FROM r.t WHERE id = 1")
        .unwrap();
    let config = db.config();
    let reindex = std::thread::spawn(move || {
        let mut client = config.connect(postgres::NoTls).unwrap();
        client.batch_execute("REINDEX SCHEMA r").unwrap();
    });
    let pid = db.wait_for(
        "SELECT pid::text FROM pg_locks WHERE NOT granted AND locktype = 'relation' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        "REINDEX SCHEMA waiting for a lock",
    );
    let held = db.column(&format!(
        "SELECT c.relname || ' ' || l.mode || ' ' || l.granted FROM pg_locks l \
         JOIN pg_class c ON c.oid = l.relation \
         WHERE l.pid = {pid} AND c.relnamespace = 'r'::regnamespace ORDER BY 1"
    ));
    let mut writer = db.client();
    writer.batch_execute("SET lock_timeout = '100ms'").unwrap();
    let write = writer.batch_execute("INSERT INTO r.t VALUES (1000, 1)");
    reader.batch_execute("COMMIT").unwrap();
    reindex.join().unwrap();
    assert_eq!(
        held,
        ["t ShareLock true", "t_pkey AccessExclusiveLock false"],
        "{held:?}"
    );
    let code = write.expect_err("the write waits").code().cloned();
    assert_eq!(code, Some(postgres::error::SqlState::LOCK_NOT_AVAILABLE));
    reported(
        "-- migrate:no-transaction\nREINDEX SCHEMA public;",
        "index-without-concurrently",
    );
    let concurrently = rules("-- migrate:no-transaction\nREINDEX SCHEMA CONCURRENTLY public;");
    assert!(!concurrently.contains(&"index-without-concurrently"));
}

/// PostgreSQL refuses `DROP INDEX CONCURRENTLY` of two indexes, or with `CASCADE`, on every run.
#[test]
fn drop_index_concurrently_takes_one_index_without_cascade() {
    let (db, _client) = database();
    db.execute("CREATE INDEX t_a2 ON t (a)");
    let mut client = db.client();
    for sql in [
        "DROP INDEX CONCURRENTLY IF EXISTS t_a, t_a2",
        "DROP INDEX CONCURRENTLY t_a CASCADE",
    ] {
        let error = client.batch_execute(sql).expect_err(sql);
        assert_eq!(
            error.code(),
            Some(&postgres::error::SqlState::FEATURE_NOT_SUPPORTED),
            "{sql}: {error}"
        );
        reported(
            &format!("-- migrate:no-transaction\n{sql};"),
            "unsupported-drop-index-concurrently",
        );
    }
    assert!(db.exists("t_a") && db.exists("t_a2"));
    client
        .batch_execute("DROP INDEX CONCURRENTLY IF EXISTS t_a")
        .unwrap();
    assert!(
        !rules("-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS t_a;")
            .contains(&"unsupported-drop-index-concurrently")
    );
}

/// A migration that fills a `TEMP ... ON COMMIT DROP` table runs again: the table is gone when
/// the transaction commits, and each run fills a new one. The checker reports neither the
/// `CREATE` nor the `INSERT`.
#[test]
fn an_on_commit_drop_table_is_new_on_each_run() {
    let (_db, mut client) = database();
    let migration = "CREATE TEMP TABLE staging (id int) ON COMMIT DROP;\n\
                     INSERT INTO staging SELECT id FROM t;\n\
                     UPDATE staging SET id = id + 1;\n\
                     INSERT INTO parent SELECT id FROM staging ON CONFLICT DO NOTHING;\n";
    for _ in 0..2 {
        client.batch_execute("BEGIN").unwrap();
        client.batch_execute(migration).unwrap();
        let rows: i64 = client
            .query_one("SELECT count(*) FROM staging", &[])
            .unwrap()
            .get(0);
        assert_eq!(rows, 100);
        client.batch_execute("COMMIT").unwrap();
    }
    let found = rules(migration);
    assert!(found.is_empty(), "{found:?}");
}

/// A column named twice in an assignment list or among a view's or a new table's columns:
/// PostgreSQL refuses the statement (42601 for an assignment, 42701 otherwise), and
/// `duplicate-column` reports it.
#[test]
fn a_column_named_twice_is_refused() {
    let (db, mut client) = database();
    db.execute(
        "CREATE EXTENSION IF NOT EXISTS postgres_fdw; \
                CREATE SERVER IF NOT EXISTS remote FOREIGN DATA WRAPPER postgres_fdw",
    );
    for (sql, code) in [
        ("INSERT INTO parent VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 1, id = 2", "42601"),
        ("MERGE INTO t USING parent p ON t.id = p.id WHEN MATCHED THEN UPDATE SET a = 1, a = 2", "42601"),
        ("MERGE INTO t USING parent p ON t.id = p.id WHEN NOT MATCHED THEN INSERT (id, id) VALUES (1, 2)", "42701"),
        ("CREATE VIEW v (a, a) AS SELECT 1, 2", "42701"),
        ("CREATE VIEW v AS SELECT 1 AS a, 2 AS a", "42701"),
        ("CREATE VIEW v AS SELECT t.a, t.a FROM t", "42701"),
        ("CREATE MATERIALIZED VIEW m AS SELECT 1 AS a, 2 AS a", "42701"),
        ("CREATE TABLE c AS SELECT 1 AS a, 2 AS a", "42701"),
        ("SELECT 1 AS a, 2 AS a INTO c", "42701"),
        ("CREATE FOREIGN TABLE f (a int, a int) SERVER remote", "42701"),
    ] {
        let error = client.batch_execute(sql).expect_err(sql);
        assert_eq!(error.code().map(|c| c.code()), Some(code), "{sql}: {error}");
        reported(&format!("{sql};"), "duplicate-column");
    }
}
