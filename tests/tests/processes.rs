//! Separate processes against one database: 16 migrators starting together, and migrators
//! killed with SIGKILL in the middle of a migration. The children are the `child` binary of this
//! crate (`src/bin/child.rs`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use migrate_tests::fixtures::{ORDERED, SLOW, SLOW_NOTX};
use migrate_tests::proxy::CountingProxy;
use migrate_tests::{Api, TestDb};

fn spawn_child(db: &TestDb, fixture: &str, api: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_child"))
        .args(["apply", fixture, db.name(), api])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The versions a finished child applied.
fn applied_by(child: Child) -> Vec<i64> {
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("APPLIED ").map(|(_, v)| v))
        .expect("the child's report");
    line.split_whitespace()
        .map(|v| v.parse().expect("a version"))
        .collect()
}

#[test]
fn sixteen_processes_migrate_one_database_once() {
    let db = TestDb::new();
    let children: Vec<Child> = (0..16)
        .map(|i| spawn_child(&db, "ordered", if i % 2 == 0 { "sync" } else { "async" }))
        .collect();
    let mut applied: Vec<i64> = children.into_iter().flat_map(applied_by).collect();
    applied.sort();
    assert_eq!(
        applied,
        [1, 2, 3],
        "each migration applied by exactly one process"
    );
    assert_eq!(db.history(), ["1 true 1", "2 true 2", "3 true 2"]);
    assert!(db.advisory_locks().is_empty());
}

/// Waits until a session of `db` runs a query containing `text`.
fn wait_for_query(db: &TestDb, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let sql = format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'active' AND query LIKE '%{text}%' AND pid <> pg_backend_pid()"
    );
    while db.column(&sql).is_empty() {
        assert!(Instant::now() < deadline, "no session ran {text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills a child in the middle of the fixture's `pg_sleep(3)` (not the lock's short poll), runs again, and compares with a
/// clean run. `resumed_at`: the statement a no-transaction file must resume at.
fn killed_then_rerun(
    fixture: &str,
    migrations: &migrate_runtime::Migrations,
    resumed_at: Option<usize>,
) {
    let db = TestDb::new();
    let mut child = spawn_child(&db, fixture, "sync");
    wait_for_query(&db, "pg_sleep(3)");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let report = Api::Sync.apply(&db, migrations).unwrap();
    assert_eq!(report.applied_total, migrations.len(), "{report}");
    if resumed_at.is_some() {
        assert_eq!(report.steps[0].resumed_at, resumed_at, "{report}");
    }

    let clean = TestDb::new();
    Api::Sync.apply(&clean, migrations).unwrap();
    assert_eq!(db.snapshot(), clean.snapshot());
    assert!(db.advisory_locks().is_empty());
}

#[test]
fn killed_during_a_transactional_migration_then_rerun() {
    // The server finishes the query string it received (the migration and its history row
    // commit together, or neither does); the re-run waits for the lock of the dead session, then
    // has nothing or everything left to do.
    killed_then_rerun("slow", &SLOW, None);
}

#[test]
fn killed_during_a_no_transaction_migration_then_rerun_resumes() {
    // Killed during statement 2 (the sleep): statement 1 is recorded, the re-run resumes at 2.
    killed_then_rerun("slow_notx", &SLOW_NOTX, Some(1));
}

#[test]
fn dropped_future_releases_the_lock() {
    let db = TestDb::new();
    let (db, runner) = (&db, SLOW.runner());
    db.with_async(|client| async move {
        let run = runner.run_async(&client);
        let outcome = tokio::time::timeout(Duration::from_millis(500), run).await;
        assert!(outcome.is_err(), "the run was cut short");
        // The same connection stays open: the queued release must free the lock once the
        // server finishes the statement in flight.
        // Observed from another connection, on a thread outside the runtime.
        let locks = || std::thread::scope(|s| s.spawn(|| db.advisory_locks()).join().unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        while !locks().is_empty() {
            assert!(Instant::now() < deadline, "the lock leaked");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(client.simple_query("SELECT 1").await.is_ok());
    });
    Api::Sync.apply(db, &SLOW).unwrap();
    assert_eq!(db.history(), ["1 true 1", "2 true 3"]);
}

#[test]
fn round_trips() {
    let db = TestDb::new();
    let proxy = CountingProxy::start();
    let mut client = proxy.config(&db).connect(postgres::NoTls).unwrap();
    proxy.take();
    ORDERED.runner().run_to(&mut client, 1).unwrap();
    // read (missing), create, lock, read, 001, unlock
    assert_eq!(proxy.take(), 6);
    ORDERED.runner().run_to(&mut client, 2).unwrap();
    // read, lock, read, 002 (one round trip for the migration and its row), unlock
    assert_eq!(proxy.take(), 5);
    ORDERED.run(&mut client).unwrap();
    // read, lock, read, 003: 2 statements + 1 progress row + 1 final row, unlock; since both
    // statements build an index concurrently, a validity check before (an invalid leftover is
    // rebuilt) and after each; and the session saved before the file and put back after it
    assert_eq!(proxy.take(), 14);
    // Nothing pending: one round trip, no lock.
    assert!(ORDERED.run(&mut client).unwrap().is_empty());
    assert_eq!(proxy.take(), 1);
}
