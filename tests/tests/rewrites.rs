//! The server's word on what the lock-hazard rules of rewrites and strong locks claim: for each
//! statement, the locks `pg_locks` shows while it holds them, whether the table got a new
//! `relfilenode` (a rewrite), whether it read the table (`pg_stat_xact_user_tables.seq_scan`),
//! and that the checker reports it with the rule that says so.

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
    rules_after(SETUP, sql)
}

/// The rules the checker reports on `sql` as the migration after `setup`.
fn rules_after(setup: &str, sql: &str) -> Vec<&'static str> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_setup.sql"), setup).unwrap();
    std::fs::write(dir.path().join("002_change.sql"), sql).unwrap();
    let outcome = migrate_lint::check_dir(dir.path(), "migrations");
    outcome
        .diagnostics
        .iter()
        .filter(|d| Path::new(&d.path).ends_with("002_change.sql"))
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
        let found = rules_after(TABLES, &format!("{};\n", sql.replace("SET LOCAL", "SET")));
        assert_eq!(
            found.contains(&"column-type-change"),
            reported,
            "{sql}: {found:?}"
        );
    }
}
