//! Deploying: the history's invariants held by SQL whatever the session lock did, and migrators
//! racing through a transaction pooler.

use std::time::{Duration, Instant};

use migrate_runtime::Migrations;
use migrate_tests::fixtures::{NOTX_FAILING, ORDERED};
use migrate_tests::TestDb;

/// Another migrator in the middle of its transaction: it recorded `version` of `migrations` as
/// applied and has not committed yet. It holds no lock of the runner's (as through a transaction
/// pooler, or a runner without the session lock).
fn uncommitted_success(db: &TestDb, migrations: &Migrations, version: u64) -> postgres::Client {
    let migration = migrations.get(version).unwrap();
    let mut other = db.client();
    other
        .batch_execute(&format!(
            "BEGIN; INSERT INTO public.schema_migrations \
             (version, name, checksum, execution_ms, success, statements_done) \
             VALUES ({version}, '{}', '{}', 7, true, {})",
            migration.name(),
            migration.checksum(),
            migration.up().statements().len()
        ))
        .unwrap();
    other
}

/// Waits until another session of `db` waits for a lock.
fn wait_for_lock_wait(db: &TestDb) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
               AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()";
    while db.column(sql).is_empty() {
        assert!(Instant::now() < deadline, "no session waited for a lock");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_success_of_one_version_fails_and_counts_as_applied_elsewhere() {
    let db = TestDb::new();
    ORDERED.runner().run_to(&mut db.client(), 1).unwrap();
    let mut other = uncommitted_success(&db, &ORDERED, 2);
    let runner = std::thread::spawn({
        let mut client = db.client();
        move || ORDERED.runner().run_to(&mut client, 2)
    });
    // The runner does not see the uncommitted row: 2 is pending for it, and its success row
    // waits for the other transaction.
    wait_for_lock_wait(&db);
    other.batch_execute("COMMIT").unwrap();
    let report = runner.join().unwrap().unwrap();
    assert!(report.steps.is_empty(), "{report}");
    assert_eq!(report.applied_total, 2, "{report}");
    // Its attempt was rolled back whole: 002 did not run here, and the other's row stands.
    assert!(!db.exists("posts"));
    assert_eq!(db.history(), ["1 true 1", "2 true 2"]);
    assert_eq!(
        db.column("SELECT execution_ms FROM public.schema_migrations WHERE version = 2"),
        ["7"]
    );
    assert!(db.advisory_locks().is_empty());
}

#[test]
fn a_failure_or_progress_record_never_replaces_a_success() {
    let db = TestDb::new();
    NOTX_FAILING.runner().run_to(&mut db.client(), 1).unwrap();
    let mut other = uncommitted_success(&db, &NOTX_FAILING, 2);
    let runner = std::thread::spawn({
        let mut client = db.client();
        move || NOTX_FAILING.runner().run(&mut client)
    });
    wait_for_lock_wait(&db);
    other.batch_execute("COMMIT").unwrap();
    // 002 runs here (statement 1 done, statement 2 fails) after the other recorded it: its
    // progress and failure records leave the other's success alone.
    let error = runner.join().unwrap().unwrap_err();
    assert!(error.migration_failure().is_some(), "{error}");
    assert_eq!(db.history(), ["1 true 1", "2 true 2"]);
    assert_eq!(
        db.column("SELECT coalesce(error, '-') FROM public.schema_migrations WHERE version = 2"),
        ["-"]
    );
    assert!(db.advisory_locks().is_empty());
}
