//! Faults: what a run leaves when it is interrupted, and what the next run makes of it.
//!
//! - A server restart the hard way (`pg_ctl restart -m immediate`) and a dropped connection (the
//!   test proxy cuts it) at random points of a run: after each, the next run converges to
//!   exactly the schema, history and data of a clean run, and no lock is left. A point is a
//!   request of the run (any of those a clean run makes, counted by the proxy), which the proxy
//!   forwards to the server or holds back, and a delay after which the fault strikes; the run
//!   never hears the answer to that request, whatever the server did with it. The fixture has a
//!   slow transactional migration, a data migration whose second run would show, and a
//!   no-transaction file of four statements, two of them concurrent index builds. The points
//!   come from a seed, printed with each run: `MIGRATE_FAULTS_SEED=N` replays them,
//!   `MIGRATE_FAULT_POINTS=N` changes how many there are (default [`POINTS`]).
//! - A migrator's backend terminated, and the server restarted, in the middle of a concurrent
//!   index build: the next run drops the INVALID index left behind and builds it again.
//! - A migrator's backend terminated in the middle of a transactional migration: the error is
//!   the server's own, and the next run applies the migration.
//!
//! The tests that restart the server start a cluster of their own ([`Cluster`]): the shared test
//! server must not be restarted. The random cuts run on one too: the same code as the restarts,
//! on a server with nothing else on it.

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use migrate_runtime::{Error, Report};
use migrate_tests::cluster::Cluster;
use migrate_tests::fixtures::{FAULTS, INDEX_BUILD, POOLED, REINDEX};
use migrate_tests::proxy::CountingProxy;
use migrate_tests::random::Rng;
use migrate_tests::{Api, TestDb};

/// Points per fault.
const POINTS: usize = 24;

/// The seed unless `MIGRATE_FAULTS_SEED` says otherwise.
const DEFAULT_SEED: u64 = 11;

/// Delays from the request to the fault: at once, while a short statement runs, while the
/// slow migration sleeps (0.2 s), after it.
const DELAYS_MS: [u64; 8] = [0, 1, 3, 10, 30, 60, 120, 250];

/// What strikes.
#[derive(Clone, Copy)]
enum Fault<'c> {
    /// `pg_ctl restart -m immediate` of this cluster, then the proxy cuts what is left.
    Restart(&'c Cluster),
    /// The proxy closes the connection on both sides.
    Cut,
}

/// Where a fault strikes.
#[derive(Debug, Clone, Copy)]
struct Point {
    /// The request of the run (1: the first).
    request: usize,
    /// Whether the server received it.
    forwarded: bool,
    delay: Duration,
    api: Api,
}

impl Fault<'_> {
    fn name(&self) -> &'static str {
        match self {
            Fault::Restart(_) => "restart",
            Fault::Cut => "cut",
        }
    }
}

impl Point {
    /// A point at `request`, with the rest at random.
    fn random(rng: &mut Rng, request: usize) -> Self {
        Self {
            request,
            forwarded: rng.below(2) == 1,
            delay: Duration::from_millis(*rng.pick(&DELAYS_MS)),
            api: *rng.pick(&[Api::Sync, Api::Async]),
        }
    }
}

/// What a database looks like after the runs: its schema and history (without times, see
/// [`TestDb::snapshot`]) and its data.
fn state(db: &TestDb) -> Vec<String> {
    let mut state = db.snapshot();
    state.extend(db.column(
        "SELECT 'data ' || count(*) || ' rows, ' || count(*) FILTER (WHERE flagged) \
         || ' flagged, note of 1: ' || (SELECT note FROM accounts WHERE id = 1) FROM accounts",
    ));
    state
}

/// Runs `FAULTS` through a connection string with the sync or the async client.
fn run(url: &str, api: Api) -> Result<Report, Error> {
    match api {
        Api::Sync => FAULTS.run(&mut postgres::Client::connect(url, postgres::NoTls).unwrap()),
        Api::Async => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                FAULTS.run_async(&client).await
            }),
    }
}

/// Strikes `fault` at random points of runs of `FAULTS` through `proxy` on `db` (emptied
/// before each), and checks that the next run converges to a clean run's state.
fn converges_after_faults(fault: Fault<'_>, proxy: &CountingProxy, db: &TestDb) {
    let started = Instant::now();
    proxy.take();
    run(&proxy.url(db), Api::Sync).unwrap();
    let requests = proxy.take();
    let expected = state(db);
    assert!(expected.contains(&"data 5000 rows, 1 flagged, note of 1: a!".to_owned()));

    let points = std::env::var("MIGRATE_FAULT_POINTS").map_or(POINTS, |n| n.parse().unwrap());
    let mut rng = Rng::from_env("MIGRATE_FAULTS_SEED", DEFAULT_SEED);
    let mut order = Vec::new();
    let mut restarts = Duration::ZERO;
    let mut invalid_left = 0;
    for i in 1..=points {
        if order.is_empty() {
            // Every request of the run in turn, in a random order.
            order = (1..=requests).collect();
            rng.shuffle(&mut order);
        }
        let point = Point::random(&mut rng, order.pop().unwrap());
        // Everything FAULTS and the runner create lives in `public`.
        db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        let reached = proxy.trip_at(point.request, point.forwarded);
        let url = proxy.url(db);
        let interrupted = std::thread::spawn(move || run(&url, point.api));
        let request = match reached.recv_timeout(Duration::from_secs(30)) {
            Ok(request) => request,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => panic!(
                "point {i} {point:?}: the run never made request {} of {requests}: {:?}",
                point.request,
                interrupted.join()
            ),
        };
        std::thread::sleep(point.delay);
        if let Fault::Restart(cluster) = fault {
            restarts += cluster.restart();
        }
        proxy.cut();
        let error = interrupted
            .join()
            .unwrap()
            .expect_err("the run heard no answer to one of its requests");
        let where_ = format!(
            "{} point {i} {point:?} at `{request}`, which failed with: {error}",
            fault.name()
        );
        let invalid = db.column("SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid");
        invalid_left += usize::from(!invalid.is_empty());
        let next = FAULTS
            .run(&mut db.client())
            .unwrap_or_else(|e| panic!("{where_}; the next run failed: {e}"));
        assert_eq!(state(db), expected, "{where_}; then {next}");
        assert!(db.advisory_locks().is_empty(), "{where_}");
        eprintln!(
            "{where_}\n    INVALID indexes: {invalid:?}; the next run applied {:?}",
            next.versions()
        );
    }
    eprintln!(
        "{}: {points} points among {requests} requests ({invalid_left} with an INVALID index when \
         the next run began: a killed build's, or a cut-off one still running), each converged: \
         {:?} in all ({restarts:?} of it restarting)",
        fault.name(),
        started.elapsed(),
    );
}

/// Starts a cluster of the test's own and a proxy in front of it, then checks the faults.
fn check_faults(restart: bool) {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let proxy = CountingProxy::to("127.0.0.1".into(), cluster.port());
    let fault = if restart {
        Fault::Restart(&cluster)
    } else {
        Fault::Cut
    };
    converges_after_faults(fault, &proxy, &cluster.db());
}

#[test]
fn a_run_cut_off_at_random_points_converges_to_a_clean_run() {
    check_faults(false);
}

#[test]
fn a_run_interrupted_by_server_restarts_at_random_points_converges_to_a_clean_run() {
    check_faults(true);
}

#[test]
fn a_migration_whose_backend_is_terminated_fails_naming_the_cause_and_the_next_run_applies_it() {
    let db = TestDb::new();
    // Through the async client: the sync one may report the end of the connection before the
    // server's last message, which it has read (postgres 0.19's `Connection::poll_block_on`).
    let error = std::thread::scope(|scope| {
        let run =
            scope.spawn(|| db.with_async(|client| async move { POOLED.run_async(&client).await }));
        // 002 sleeps 1 s in its transaction: terminate the migrator's backend meanwhile.
        let pid = db.wait_for(
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event = 'PgSleep'",
            "002's sleep",
        );
        db.execute(&format!("SELECT pg_terminate_backend({pid}, 5000)"));
        run.join().unwrap().unwrap_err()
    });
    // The server's words, not those of the ROLLBACK that can no longer be sent.
    assert_eq!(
        error.to_string(),
        "could not run the migration (the connection failed): FATAL 57P01: terminating \
         connection due to administrator command"
    );
    assert_eq!(db.history(), ["1 true 2"]);
    assert!(!db.exists("slow_done"));

    let report = POOLED.run(&mut db.client()).unwrap();
    assert_eq!(report.versions().len(), 2, "{report}");
    assert_eq!(db.history(), ["1 true 2", "2 true 2", "3 true 1"]);
    assert_eq!(db.column("SELECT note FROM accounts"), ["a!"]);
    assert!(db.advisory_locks().is_empty());
}

/// Whether `events_note_idx` is valid (`true`, `false`), or `-` when missing.
fn note_index(db: &TestDb) -> String {
    db.column(
        "SELECT coalesce((SELECT indisvalid::text FROM pg_index \
         WHERE indexrelid = to_regclass('events_note_idx')), '-')",
    )
    .remove(0)
}

/// Whether `events_note_idx` is valid, and the INVALID copies an interrupted `REINDEX INDEX
/// CONCURRENTLY` of it left (`events_note_idx_ccnew`): `true, 0 left`.
fn rebuilt_index(db: &TestDb) -> String {
    let leftovers = db.column(
        "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE c.relname LIKE 'events\\_note\\_idx\\_cc%' AND NOT i.indisvalid",
    );
    format!("{}, {} left", note_index(db), leftovers[0])
}

/// Applies INDEX_BUILD's 002 (a concurrent index build) on a 1.5M-row table of `db` and, while
/// the index is being built (past the first wait phase), interrupts it with `interrupt`, given
/// the building backend's pid. Checks that the run failed with an error that contains `cause`
/// and left an INVALID index, and that the next run drops it and builds it again, valid, with
/// the history complete and no lock left.
fn an_interrupted_index_build_is_built_again(
    db: &TestDb,
    interrupt: impl FnOnce(&str),
    cause: &str,
) {
    interrupted_and_resumed(
        db,
        &INDEX_BUILD,
        interrupt,
        cause,
        (note_index, "false", "true"),
    );
}

/// Applies `fixture` but its last migration, which builds or rebuilds `events_note_idx`
/// concurrently, fills `events` with 1.5M rows, then runs the last one and, while the index is
/// being built, interrupts it with `interrupt` (given the backend's pid). Checks that the run
/// failed with an error that contains `cause`, that `state` then says `interrupted`, and that
/// after the next run, which applies the migration, it says `rebuilt`, with the history
/// complete and no lock left.
fn interrupted_and_resumed(
    db: &TestDb,
    fixture: &'static migrate_runtime::Migrations,
    interrupt: impl FnOnce(&str),
    cause: &str,
    (state, interrupted, rebuilt): (fn(&TestDb) -> String, &str, &str),
) {
    let last = fixture.iter().last().unwrap().version();
    let before: Vec<u64> = fixture
        .iter()
        .map(|m| m.version())
        .filter(|v| *v < last)
        .map(|v| v.to_string().parse().unwrap())
        .collect();
    fixture
        .runner()
        .run_to(&mut db.client(), *before.last().unwrap())
        .unwrap();
    db.execute(
        "INSERT INTO events SELECT i, md5(i::text) FROM generate_series(1, 1500000) i; ANALYZE events",
    );
    // Through the async client: the sync one may report the end of the connection before the
    // server's last message, which it has read (postgres 0.19's `Connection::poll_block_on`).
    let error = std::thread::scope(|scope| {
        let run = scope.spawn(|| {
            db.with_async(|client| async move { fixture.runner().run_async(&client).await })
        });
        let pid = db.wait_for(
            "SELECT pid FROM pg_stat_progress_create_index \
             WHERE datname = current_database() AND phase LIKE 'building index%'",
            "the index build",
        );
        interrupt(&pid);
        // The session ends and the runner cannot record anything more.
        run.join().unwrap().unwrap_err()
    });
    eprintln!("the interrupted run failed with: {error}");
    assert!(error.to_string().contains(cause), "{error}");
    assert_eq!(state(db), interrupted, "what the interrupted build left");

    let started = Instant::now();
    let report = fixture.runner().run(&mut db.client()).unwrap();
    eprintln!(
        "rebuilt the index after the interruption in {:?}",
        started.elapsed()
    );
    assert_eq!(report.steps.len(), 1, "{report}");
    assert_eq!(state(db), rebuilt);
    let history: Vec<String> = fixture
        .iter()
        .map(|m| format!("{} true {}", m.version(), m.up().statements().len()))
        .collect();
    assert_eq!(db.history(), history);
    assert!(db.advisory_locks().is_empty());
}

#[test]
fn a_concurrent_reindex_terminated_midway_leaves_no_invalid_copy() {
    let db = TestDb::new();
    interrupted_and_resumed(
        &db,
        &REINDEX,
        |pid| {
            assert_eq!(
                db.column(&format!("SELECT pg_terminate_backend({pid}, 5000)")),
                ["t"]
            );
        },
        "FATAL 57P01: terminating connection due to administrator command",
        // The old index stays valid; the new copy is left INVALID, then dropped and rebuilt.
        (rebuilt_index, "true, 1 left", "true, 0 left"),
    );
}

#[test]
fn a_concurrent_index_build_terminated_midway_is_dropped_and_built_again() {
    let db = TestDb::new();
    an_interrupted_index_build_is_built_again(
        &db,
        |pid| {
            assert_eq!(
                db.column(&format!("SELECT pg_terminate_backend({pid}, 5000)")),
                ["t"]
            );
        },
        // The server's own words: the session cannot record anything more after them.
        "could not run a statement of the migration (the connection failed): FATAL 57P01: \
         terminating connection due to administrator command",
    );

    // `status` reports an invalid index of an applied migration (as one applied before the
    // runner checked them would be), with the fix.
    let status = INDEX_BUILD.runner().status(&mut db.client()).unwrap();
    assert!(status.invalid_indexes.is_empty(), "{status}");
    db.execute(
        "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'events_note_idx'::regclass",
    );
    let status = INDEX_BUILD.runner().status(&mut db.client()).unwrap();
    assert_eq!(status.invalid_indexes.len(), 1, "{status}");
    assert!(
        status.to_string().contains(
            "error: index \"events_note_idx\" built by applied migration 2 \
             (migrations/index_build/002_events_note_idx.sql) is INVALID: rebuild it with \
             REINDEX INDEX CONCURRENTLY \"events_note_idx\""
        ),
        "{status}"
    );
}

#[test]
fn a_concurrent_index_build_cut_by_a_server_restart_is_dropped_and_built_again() {
    // The shared test server must not be restarted: a cluster of the test's own.
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let db = cluster.db();
    an_interrupted_index_build_is_built_again(
        &db,
        |_| {
            eprintln!(
                "restarted the server (-m immediate) mid-build in {:?}",
                cluster.restart()
            );
        },
        // The server only warns before it goes (WARNING 57P01, which the client does not
        // keep); the connection then closes.
        "could not run a statement of the migration (the connection failed): ",
    );
}
