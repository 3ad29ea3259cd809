//! Deploying: the history's invariants held by SQL whatever the session lock did, and migrators
//! racing through a transaction pooler.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use migrate_runtime::Migrations;
use migrate_tests::fixtures::{ALTERING, NOTX_FAILING, ORDERED, POOLED_NOTX};
use migrate_tests::pgbouncer::PgBouncer;
use migrate_tests::proxy::CountingProxy;
use migrate_tests::{Events, TestDb};

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
    db.wait_for(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
         AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        "a session waiting for a lock",
    );
}

#[test]
fn a_second_success_of_one_version_fails_and_counts_as_applied_elsewhere() {
    let db = TestDb::new();
    ORDERED.runner().run_to(&mut db.client(), 1).unwrap();
    let mut other = uncommitted_success(&db, &ORDERED, 2);
    let events = Events::default();
    let runner = std::thread::spawn({
        let mut client = db.client();
        let runner = events.observe(ORDERED.runner());
        move || runner.run_to(&mut client, 2)
    });
    // The runner does not see the uncommitted row: 2 is pending for it, and its success row
    // waits for the other transaction.
    wait_for_lock_wait(&db);
    other.batch_execute("COMMIT").unwrap();
    let report = runner.join().unwrap().unwrap();
    assert!(report.steps.is_empty(), "{report}");
    assert_eq!(report.applied_total, 2, "{report}");
    assert_eq!(
        events.take(),
        [
            "planned Apply 2",
            "started 2 migrations/ordered/002_posts.sql at 0",
            "elsewhere 2"
        ]
    );
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

/// What one child did: the versions it applied, or its error.
type ChildOutcome = Result<Vec<u64>, String>;

/// Starts 16 children (`src/bin/child.rs`) at once on `fixture` through `url`, and waits for
/// them.
fn race(url: &str, fixture: &str) -> Vec<ChildOutcome> {
    let children: Vec<Child> = (0..16)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_child"))
                .args(["run", fixture, url])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children.into_iter().map(outcome).collect()
}

fn outcome(child: Child) -> ChildOutcome {
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parse = |line: &str| -> Option<ChildOutcome> {
        if let Some((_, error)) = line.split_once("ERROR ") {
            return Some(Err(error.to_owned()));
        }
        let (_, versions) = line.split_once("APPLIED")?;
        Some(Ok(versions
            .split_whitespace()
            .map(|v| v.parse().expect("a version"))
            .collect()))
    };
    stdout
        .lines()
        .find_map(parse)
        .unwrap_or_else(|| panic!("no outcome in the child's output: {stdout}"))
}

/// Every version the children applied, sorted; panics naming any child's error.
fn applied(outcomes: &[ChildOutcome]) -> Vec<u64> {
    let mut all: Vec<u64> = outcomes
        .iter()
        .flat_map(|o| o.clone().unwrap_or_else(|e| panic!("a child failed: {e}")))
        .collect();
    all.sort_unstable();
    all
}

/// The history, the data and the locks after `POOLED` (and 004 when `index`) applied once each.
fn assert_applied_once(db: &TestDb, index: bool) {
    let mut history = vec!["1 true 2", "2 true 2", "3 true 1"];
    if index {
        history.push("4 true 1");
    }
    assert_eq!(db.history(), history);
    // 003 ran exactly once, 002 committed; 004's index is valid exactly when recorded.
    assert_eq!(db.column("SELECT note FROM accounts"), ["a!"]);
    assert!(db.exists("slow_done"));
    assert_eq!(
        db.column("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('public.accounts_note_idx')"),
        if index { vec!["t"] } else { vec![] }
    );
    assert!(db.advisory_locks().is_empty(), "{:?}", lock_holders(db));
}

/// The sessions holding advisory locks in `db`, with their last query.
fn lock_holders(db: &TestDb) -> Vec<Vec<Option<String>>> {
    db.rows(
        "SELECT l.pid::text, l.classid::text, l.objid::text, a.state, a.query FROM pg_locks l \
         JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
}

/// A run through PgBouncer with everything applied: a no-op in one round trip.
fn later_run_is_a_quick_noop(bouncer: &PgBouncer, db: &TestDb) {
    let proxy = CountingProxy::to("127.0.0.1".into(), bouncer.port());
    let url = bouncer.url(db).replace(
        &format!("port={}", bouncer.port()),
        &format!("port={}", proxy.port()),
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    proxy.take();
    let started = Instant::now();
    let report = POOLED_NOTX.run(&mut client).unwrap();
    let elapsed = started.elapsed();
    assert!(report.is_empty(), "{report}");
    assert_eq!(proxy.take(), 1, "one round trip");
    eprintln!("no-op run through PgBouncer: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
}

#[test]
fn sixteen_processes_through_pgbouncer_in_transaction_mode() {
    let Some(bouncer) = PgBouncer::start("transaction", 4) else {
        return;
    };
    let db = TestDb::new();
    let url = bouncer.url(&db);

    // The transactional migrations: each applied by exactly one process, though the session
    // lock means nothing here.
    let outcomes = race(&url, "pooled");
    assert_eq!(applied(&outcomes), [1, 2, 3]);
    assert_applied_once(&db, false);

    // A no-transaction file: refused before anything runs, naming the file, the pooler and the
    // fix. (A process the pooler happened to give one backend until it took the lock cannot
    // tell: it applies the file under that lock, alone, which the history shows.)
    let outcomes = race(&url, "pooled_notx");
    let refused: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    eprintln!(
        "{} of 16 refused through transaction pooling",
        refused.len()
    );
    for error in &refused {
        assert!(
            error.contains("refusing to apply through a transaction pooler"),
            "{error}"
        );
        assert!(
            error.contains("4 (migrations/pooled_notx/004_note_index.sql)"),
            "{error}"
        );
        assert!(error.contains("pool_mode = session"), "{error}");
    }
    let by_others = applied(
        &outcomes
            .iter()
            .filter(|o| o.is_ok())
            .cloned()
            .collect::<Vec<_>>(),
    );
    assert!(by_others.is_empty() || by_others == [4], "{outcomes:?}");
    // Either some process was refused, or the one that looked direct applied the file alone
    // (the documented limit of the detection); never neither.
    assert!(!refused.is_empty() || by_others == [4], "{outcomes:?}");
    assert!(db.advisory_locks().is_empty(), "{:?}", db.advisory_locks());

    // Through a direct connection it applies.
    let report = POOLED_NOTX.run(&mut db.client()).unwrap();
    assert_eq!(
        report.versions().len() + by_others.len(),
        1,
        "004 applied once: {report}"
    );
    assert_applied_once(&db, true);
    later_run_is_a_quick_noop(&bouncer, &db);
}

#[test]
fn sixteen_processes_through_pgbouncer_in_session_mode() {
    let Some(bouncer) = PgBouncer::start("session", 20) else {
        return;
    };
    let db = TestDb::new();
    let outcomes = race(&bouncer.url(&db), "pooled_notx");
    assert_eq!(applied(&outcomes), [1, 2, 3, 4]);
    assert_applied_once(&db, true);
    later_run_is_a_quick_noop(&bouncer, &db);
}

/// A long read transaction on `users` (a report, say) under `application_name` `nightly-report`:
/// it holds ACCESS SHARE on the table until it ends. Returns the session and its pid.
fn long_reader(db: &TestDb) -> (postgres::Client, i32) {
    let mut reader = db.client();
    let pid: i32 = reader
        .query_one(
            "SELECT pg_backend_pid() FROM set_config('application_name', 'nightly-report', false)",
            &[],
        )
        .unwrap()
        .get(0);
    reader
        .batch_execute("BEGIN; SELECT count(*) FROM users")
        .unwrap();
    (reader, pid)
}

/// What happened while a long reader held `users` for 2 s and `runner` applied ALTERING's 002.
struct Contended {
    outcome: Result<migrate_runtime::Report, migrate_runtime::Error>,
    /// How long the run took.
    run: Duration,
    /// The longest any other query on `users` waited meanwhile.
    worst_query: Duration,
}

fn contended(runner: migrate_runtime::Runner) -> Contended {
    let db = TestDb::new();
    ALTERING.runner().run_to(&mut db.client(), 1).unwrap();
    let (mut reader, _) = long_reader(&db);
    let started = Instant::now();
    let run = std::thread::spawn({
        let mut client = db.client();
        move || {
            let outcome = runner.run(&mut client);
            (outcome, started.elapsed())
        }
    });
    wait_for_lock_wait(&db);
    // The application's queries on users, one after the other, while the reader holds it.
    let queries = std::thread::spawn({
        let mut client = db.client();
        move || {
            let mut worst = Duration::ZERO;
            while started.elapsed() < Duration::from_millis(2500) {
                let query = Instant::now();
                client.batch_execute("SELECT count(*) FROM users").unwrap();
                worst = worst.max(query.elapsed());
                std::thread::sleep(Duration::from_millis(10));
            }
            worst
        }
    });
    std::thread::sleep(Duration::from_secs(2).saturating_sub(started.elapsed()));
    reader.batch_execute("COMMIT").unwrap();
    let worst_query = queries.join().unwrap();
    let (outcome, run) = run.join().unwrap();
    assert!(db.advisory_locks().is_empty());
    Contended {
        outcome,
        run,
        worst_query,
    }
}

#[test]
fn a_migration_waiting_for_a_lock_steps_aside_and_retries_until_the_holder_is_done() {
    let safe = contended(
        ALTERING
            .runner()
            .lock_timeout(Duration::from_millis(200))
            .lock_retries(30)
            .lock_retry_delay(Duration::from_millis(100)),
    );
    let report = safe.outcome.unwrap();
    assert_eq!(report.steps.len(), 1, "{report}");
    assert!(safe.run >= Duration::from_secs(2), "{:?}", safe.run);
    // Each attempt waits at most its lock_timeout, and so do the queries queued behind it.
    assert!(
        safe.worst_query < Duration::from_millis(900),
        "{:?}",
        safe.worst_query
    );

    let unsafe_ = contended(ALTERING.runner().lock_retries(0));
    unsafe_.outcome.unwrap();
    // Without it, the ALTER waits for the reader and every query on users waits behind it.
    assert!(
        unsafe_.worst_query >= Duration::from_millis(1500),
        "{:?}",
        unsafe_.worst_query
    );
    eprintln!(
        "held 2 s: with lock retries the run took {:?}, the worst query on the table waited {:?}; \
         without, {:?} and {:?}",
        safe.run, safe.worst_query, unsafe_.run, unsafe_.worst_query
    );
}

#[test]
fn after_the_last_lock_retry_the_error_names_the_blocking_session() {
    let db = TestDb::new();
    ALTERING.runner().run_to(&mut db.client(), 1).unwrap();
    let (mut reader, pid) = long_reader(&db);
    let events = Events::default();
    let runner = events.observe(
        ALTERING
            .runner()
            .lock_timeout(Duration::from_millis(100))
            .lock_retries(2)
            .lock_retry_delay(Duration::from_millis(50)),
    );
    let started = Instant::now();
    let error = runner.run(&mut db.client()).unwrap_err();
    let elapsed = started.elapsed();
    // Each retry reported as it happens, naming the blocker.
    assert_eq!(
        events.take(),
        [
            "planned Apply 2".to_owned(),
            "started 2 migrations/altering/002_nickname.sql at 0".to_owned(),
            format!("retrying 2 attempt 1 blocked by {pid}"),
            format!("retrying 2 attempt 2 blocked by {pid}"),
            "failed 2 55P03".to_owned(),
        ]
    );
    let failure = error.migration_failure().expect("a migration failure");
    assert_eq!(failure.code, "55P03", "{error}");
    assert_eq!(failure.attempts, 3, "{error}");
    let blocker = &failure.blocked_by[..];
    assert_eq!(blocker.len(), 1, "{error}");
    assert_eq!(blocker[0].pid, pid, "{error}");
    assert_eq!(blocker[0].application_name, "nightly-report", "{error}");
    assert_eq!(
        blocker[0].query.as_deref(),
        Some("BEGIN; SELECT count(*) FROM users"),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!("its lock_timeout expired on each of its 3 attempt(s); blocked by pid {pid} (application_name 'nightly-report'")),
        "{message}"
    );
    assert!(message.contains("pg_terminate_backend"), "{message}");
    // 3 waits of 100 ms, 2 sleeps of 25-50 and 50-100 ms, the replay that locates the statement.
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(db.history(), ["1 true 1", "2 false 0"]);
    let recorded = db.column("SELECT error FROM public.schema_migrations WHERE version = 2");
    assert!(
        recorded[0].contains(&format!("(after 3 attempts) (blocked by pid {pid}")),
        "{recorded:?}"
    );
    assert!(db.advisory_locks().is_empty());
    reader.batch_execute("COMMIT").unwrap();
    runner.run(&mut db.client()).unwrap();
    assert_eq!(db.history(), ["1 true 1", "2 true 1"]);
}
