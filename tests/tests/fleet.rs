//! Many tenants: one set applied to 200 tenant schemas and to 50 tenant databases, a tenant
//! failing under each policy, a fleet killed midway and resumed, two fleets at once, and one
//! fleet over two servers (the test server and a cluster of the test's own), one of them dead.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate_runtime::fleet::{Fleet, FleetEvent, OnFailure, Outcome, Target};
use migrate_runtime::Event;
use migrate_tests::cluster::Cluster;
use migrate_tests::fixtures::{POOLED, TENANT};
use migrate_tests::tenants::{self, notes, outcomes, schema, schemas, schemas_on};
use migrate_tests::TestDb;
use tokio_postgres::NoTls;

fn count(db: &TestDb, sql: &str) -> usize {
    db.column(sql)[0].parse().unwrap()
}

#[test]
fn two_hundred_tenant_schemas_each_get_the_set_once_in_their_own_schema() {
    let db = TestDb::new();
    let (running, most, steps) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let fleet = Fleet::new(TENANT.runner(), schemas(&db, 200))
        .parallelism(8)
        .observe({
            let (running, most, steps) = (running.clone(), most.clone(), steps.clone());
            move |event| match event {
                FleetEvent::Started { .. } => {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                }
                FleetEvent::Step {
                    event: Event::Finished { .. },
                    ..
                } => {
                    steps.fetch_add(1, Ordering::SeqCst);
                }
                FleetEvent::Done { .. } => {
                    running.fetch_sub(1, Ordering::SeqCst);
                }
                _ => {}
            }
        });
    let started = Instant::now();
    let report = fleet.run(NoTls);
    let first = started.elapsed();
    assert!(report.is_success(), "{report}");
    assert_eq!(outcomes(&report), ["applied"; 200]);
    assert_eq!(steps.load(Ordering::SeqCst), 600);
    let most = most.load(Ordering::SeqCst);
    assert!(
        (2..=8).contains(&most),
        "at most 8 at once, and parallel: {most}"
    );
    // Each tenant's objects and history in its own schema, nothing in public.
    assert_eq!(notes(&db, 200), vec!["a!".to_owned(); 200]);
    assert!(!db.exists("accounts") && !db.exists("schema_migrations"));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' \
             AND schemaname LIKE 'tenant\\_%'"
        ),
        200
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c \
             ON c.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = 'accounts_note_idx' AND n.nspname LIKE 'tenant\\_%' \
             AND i.indisvalid"
        ),
        200
    );
    assert_eq!(
        db.column(&format!(
            "SELECT string_agg(version || ' ' || success, ',' ORDER BY version) FROM {}.schema_migrations",
            schema(117)
        )),
        ["1 true,2 true,3 true"]
    );
    assert!(db.advisory_locks().is_empty());

    // Again: every tenant current, nothing applied twice.
    let started = Instant::now();
    let again = fleet.run(NoTls);
    let noop = started.elapsed();
    assert_eq!(outcomes(&again), ["current"; 200], "{again}");
    assert_eq!(notes(&db, 200), vec!["a!".to_owned(); 200]);
    let statuses = fleet.status(NoTls);
    assert_eq!(statuses.len(), 200);
    for status in &statuses {
        let status = status.status.as_ref().unwrap();
        assert!(status.pending().is_empty() && status.applied.len() == 3);
        assert!(status.invalid_indexes.is_empty());
    }
    eprintln!("200 schemas x 3 migrations, parallelism 8: {first:?}; no-op rerun {noop:?}");
}

#[test]
fn fifty_tenant_databases() {
    let started = Instant::now();
    let dbs: Vec<TestDb> = (0..50).map(|_| TestDb::new()).collect();
    eprintln!("50 databases created in {:?}", started.elapsed());
    let targets: Vec<Target> = dbs
        .iter()
        .map(|db| Target::database(tenants::config(db.name())))
        .collect();
    assert_eq!(targets[7].name(), dbs[7].name());
    let fleet = Fleet::new(TENANT.runner(), targets).parallelism(8);
    let started = Instant::now();
    let report = fleet.run(NoTls);
    eprintln!(
        "50 databases x 3 migrations, parallelism 8: {:?}",
        started.elapsed()
    );
    assert_eq!(outcomes(&report), ["applied"; 50], "{report}");
    for db in &dbs {
        assert_eq!(db.column("SELECT note FROM accounts"), ["a!"]);
        assert_eq!(db.history(), ["1 true 2", "2 true 1", "3 true 1"]);
    }
    assert_eq!(outcomes(&fleet.run(NoTls)), ["current"; 50]);
}

/// Ten tenant schemas of a new database; tenant 4 (or `broken`) has an `accounts` table
/// without `note`, so its 001 fails.
fn with_broken_tenant(broken: usize) -> (TestDb, Vec<Target>) {
    let db = TestDb::new();
    db.execute(&format!(
        "CREATE SCHEMA {0}; CREATE TABLE {0}.accounts (id bigint PRIMARY KEY)",
        schema(broken)
    ));
    let targets = schemas(&db, 10);
    (db, targets)
}

#[test]
fn a_failing_tenant_stops_the_fleet_or_not_as_the_policy_says() {
    // Stop: no new target starts after the failure.
    let (db, targets) = with_broken_tenant(4);
    let fleet = Fleet::new(TENANT.runner(), targets).parallelism(1);
    let report = fleet.clone().on_failure(OnFailure::Stop).run(NoTls);
    assert_eq!(
        outcomes(&report),
        [
            "applied",
            "applied",
            "applied",
            "applied",
            "failed",
            "not reached",
            "not reached",
            "not reached",
            "not reached",
            "not reached"
        ]
    );
    let failures: Vec<_> = report.failures().collect();
    let (target, error) = failures[0];
    assert_eq!(target, "tenant_004");
    let failure = error.migration_failure().expect("a migration failure");
    assert_eq!(failure.code, "42703", "{error}");
    let text = report.to_string();
    assert!(
        text.contains("✗ tenant_004 failed: migration 1 (accounts) failed at migrations/tenant/001_accounts.sql:6:"),
        "{text}"
    );
    assert!(text.contains("- tenant_005 not reached"), "{text}");
    assert!(
        text.contains("Fleet: 10 target(s): 4 applied, 0 current, 1 failed, 5 not reached in "),
        "{text}"
    );
    assert_eq!(notes(&db, 10)[3..6], ["a!", "-", "-"]);

    // Fixed, and run again: each tenant gets only what it lacks.
    db.execute(&format!(
        "ALTER TABLE {}.accounts ADD COLUMN note text NOT NULL DEFAULT ''",
        schema(4)
    ));
    let report = fleet.run(NoTls);
    let mut expected = vec!["current"; 4];
    expected.extend(["applied"; 6]);
    assert_eq!(outcomes(&report), expected, "{report}");
    assert_eq!(notes(&db, 10), vec!["a!".to_owned(); 10]);

    // Continue: every other tenant is migrated; the report lists the failure.
    let (db, targets) = with_broken_tenant(4);
    let report = Fleet::new(TENANT.runner(), targets)
        .parallelism(3)
        .on_failure(OnFailure::Continue)
        .run(NoTls);
    let mut expected = vec!["applied"; 10];
    expected[4] = "failed";
    assert_eq!(outcomes(&report), expected, "{report}");
    assert!(!report.is_success());
    let mut expected = vec!["a!"; 10];
    expected[4] = "-";
    assert_eq!(notes(&db, 10), expected);

    // A failing canary stops the fleet whatever the policy.
    let (_db, targets) = with_broken_tenant(1);
    let report = Fleet::new(TENANT.runner(), targets)
        .parallelism(4)
        .canaries(2)
        .wave(3)
        .on_failure(OnFailure::Continue)
        .run(NoTls);
    let mut expected = vec!["not reached"; 10];
    expected[0] = "applied";
    expected[1] = "failed";
    assert_eq!(outcomes(&report), expected, "{report}");
    assert!(report.targets[1].canary && !report.targets[2].canary);
}

#[test]
fn a_fleet_killed_midway_resumes_where_each_tenant_stopped() {
    let db = TestDb::new();
    // 8 tenants, 2 at once, each about 1 s (POOLED's 002 sleeps): killed after 2 finished.
    let mut child = Command::new(env!("CARGO_BIN_EXE_child"))
        .args(["fleet", "pooled", db.name(), "8", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let done = |db: &TestDb| {
        (0..8)
            .filter(|&i| {
                db.column(&format!(
                    "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = '{}' \
                     AND tablename = 'schema_migrations'",
                    schema(i)
                ))[0]
                    == "1"
                    && db.column(&format!(
                        "SELECT count(*) FROM {}.schema_migrations WHERE version = 3",
                        schema(i)
                    ))[0]
                        == "1"
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while done(&db) < 2 {
        assert!(Instant::now() < deadline, "the fleet did not progress");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = done(&db);
    assert!(finished < 8, "killed before the end: {finished}");

    let report = Fleet::new(POOLED.runner(), schemas(&db, 8))
        .parallelism(4)
        .run(NoTls);
    assert!(report.is_success(), "{report}");
    assert!(
        report.failures().next().is_none()
            && outcomes(&report)
                .iter()
                .filter(|o| **o == "current")
                .count()
                >= 2,
        "{report}"
    );
    // Each data migration ran exactly once in each tenant.
    assert_eq!(notes(&db, 8), vec!["a!".to_owned(); 8]);
    assert!(db.advisory_locks().is_empty());
}

#[test]
fn two_fleets_at_once_apply_each_migration_once() {
    let db = TestDb::new();
    let fleet = Fleet::new(POOLED.runner(), schemas(&db, 8)).parallelism(4);
    let other = std::thread::spawn({
        let fleet = fleet.clone();
        move || fleet.run(NoTls)
    });
    let first = fleet.run(NoTls);
    let second = other.join().unwrap();
    assert!(
        first.is_success() && second.is_success(),
        "{first}\n{second}"
    );
    // Per tenant, the two runs applied 3 migrations between them.
    for (a, b) in first.targets.iter().zip(&second.targets) {
        let steps = |o: &Outcome| match o {
            Outcome::Applied(report) | Outcome::Current(report) => report.steps.len(),
            _ => 0,
        };
        assert_eq!(
            steps(&a.outcome) + steps(&b.outcome),
            3,
            "{first}\n{second}"
        );
    }
    assert_eq!(notes(&db, 8), vec!["a!".to_owned(); 8]);
    assert!(db.advisory_locks().is_empty());
}

/// A schema target takes over the connection a finished target of the same database left,
/// reset first: what one tenant's migrations set on the session (a setting, a temporary table,
/// a session lock) never reaches the next tenant.
#[test]
fn a_connection_serves_the_next_schema_target_only_once_reset() {
    use migrate_runtime::{Migration, Migrations, Script, Statement, Transaction};

    /// A script of these statements, as the checker would range them.
    fn script(path: &'static str, statements: &[&str], transaction: Transaction) -> Script {
        let (mut sql, mut ranges) = (String::new(), Vec::new());
        for s in statements {
            ranges.push(Statement::new(sql.len(), sql.len() + s.len()));
            sql.push_str(s);
            sql.push_str(";\n");
        }
        Script::new(path, sql, transaction, ranges).unwrap()
    }
    // 1 records the session as the tenant's run finds it; 2 leaves a setting, a temporary
    // table and a session lock on it.
    let record = script(
        "1_record.sql",
        &[
            "CREATE TABLE seen (pid int, app text, temp_table boolean, locks bigint)",
            "INSERT INTO seen SELECT pg_backend_pid(), current_setting('application_name'), \
             to_regclass('pg_temp.scratch') IS NOT NULL, (SELECT count(*) FROM pg_locks \
             WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objid = 4242)",
        ],
        Transaction::Single,
    );
    let pollute = script(
        "2_pollute.sql",
        &[
            "SET application_name TO 'left by a tenant'",
            "CREATE TEMP TABLE scratch (x int)",
            "SELECT pg_advisory_lock(4242)",
        ],
        Transaction::None,
    );
    let migrations = Migrations::new(vec![
        Migration::new(1.into(), "record", record, None),
        Migration::new(2.into(), "pollute", pollute, None),
    ])
    .unwrap();
    let db = TestDb::new();
    let report = Fleet::new(migrations.runner(), schemas(&db, 4))
        .parallelism(1)
        .run(NoTls);
    assert!(report.is_success(), "{report}");
    assert_eq!(outcomes(&report), ["applied"; 4]);
    let seen: Vec<String> = (0..4)
        .map(|i| {
            db.column(&format!(
                "SELECT pid || ' ' || app || ' ' || temp_table || ' ' || locks FROM {}.seen",
                schema(i)
            ))
            .remove(0)
        })
        .collect();
    let pids: std::collections::HashSet<&str> =
        seen.iter().map(|s| s.split(' ').next().unwrap()).collect();
    assert_eq!(
        pids.len(),
        1,
        "one connection served the four tenants: {seen:?}"
    );
    for s in &seen {
        assert!(s.ends_with("  false 0"), "a clean session: {seen:?}");
    }
}

/// How many targets run, per server and in all, and the most at once, from the fleet's
/// events.
#[derive(Default)]
struct AtOnce(std::sync::Mutex<AtOnceCounts>);

#[derive(Default)]
struct AtOnceCounts {
    /// Per server: running now, most at once.
    servers: std::collections::BTreeMap<String, (usize, usize)>,
    /// In all: running now, most at once.
    total: (usize, usize),
}

impl AtOnce {
    fn observe(&self, event: &FleetEvent<'_>) {
        let (server, started) = match event {
            FleetEvent::Started { server, .. } => (server, true),
            FleetEvent::Done { server, .. } => (server, false),
            _ => return,
        };
        let server = server.expect("every target names its server").to_owned();
        let mut counts = self.0.lock().unwrap();
        let count = |(now, most): &mut (usize, usize)| {
            if started {
                *now += 1;
                *most = (*most).max(*now);
            } else {
                *now -= 1;
            }
        };
        count(counts.servers.entry(server).or_default());
        count(&mut counts.total);
    }

    /// The most at once on each server, in server order, and in all.
    fn most(&self) -> (Vec<(String, usize)>, usize) {
        let counts = self.0.lock().unwrap();
        let servers = counts
            .servers
            .iter()
            .map(|(s, (_, most))| (s.clone(), *most))
            .collect();
        (servers, counts.total.1)
    }
}

#[test]
fn one_fleet_over_two_servers_keeps_each_servers_limit_and_stops_on_any_canary() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let (a, b) = (TestDb::new(), cluster.db());
    let targets = || {
        let mut targets = schemas_on(&a, 4, "a");
        targets.extend(schemas_on(&b, 4, "b"));
        targets
    };
    // POOLED's 002 sleeps 1 s: the targets overlap.
    let at_once = Arc::new(AtOnce::default());
    let fleet = Fleet::new(POOLED.runner(), targets())
        .parallelism(3)
        .server_parallelism("a", 2)
        .server_parallelism("b", 2)
        .observe({
            let at_once = Arc::clone(&at_once);
            move |event| at_once.observe(event)
        });
    let report = fleet.run(NoTls);
    assert_eq!(outcomes(&report), ["applied"; 8], "{report}");
    // At most 2 per server and 3 in all; the first three start at once (two of a, one of b).
    let (most, total) = at_once.most();
    assert_eq!(most.len(), 2, "{most:?}");
    assert!(most.iter().all(|(_, n)| (1..=2).contains(n)), "{most:?}");
    assert_eq!(total, 3, "{most:?}");
    // Each server's tenants got the set once, on that server.
    assert_eq!(notes(&a, 4), vec!["a!".to_owned(); 4]);
    assert_eq!(notes(&b, 4), vec!["a!".to_owned(); 4]);
    assert!(a.advisory_locks().is_empty() && b.advisory_locks().is_empty());
    // The report: each server's tenants under its name, with its counts, then the fleet's.
    let text = report.to_string();
    for server in ["a", "b"] {
        assert!(
            text.contains(&format!(
                "Server {server}\n✓ tenant_000 applied 1, 2, 3 in "
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "Server {server}: 4 target(s): 4 applied, 0 current, 0 failed, 0 not reached\n"
            )),
            "{text}"
        );
    }
    assert!(
        text.contains("Fleet: 2 server(s), 8 target(s): 8 applied, 0 current"),
        "{text}"
    );
    assert_eq!(report.servers(), [Some("a"), Some("b")]);

    // Status and drift read both servers.
    let statuses = fleet.status(NoTls);
    let servers: Vec<&str> = statuses
        .iter()
        .map(|t| t.server.as_deref().unwrap())
        .collect();
    assert_eq!(servers, ["a", "a", "a", "a", "b", "b", "b", "b"]);
    assert!(statuses
        .iter()
        .all(|t| t.status.as_ref().unwrap().pending().is_empty()));
    b.execute(&format!(
        "ALTER TABLE {}.accounts ADD COLUMN extra int",
        schema(2)
    ));
    let drifts = fleet.drift(NoTls);
    let drifted: Vec<(String, String)> = drifts
        .iter()
        .filter(|t| t.drift.as_ref().unwrap().drifted())
        .map(|t| (t.server.clone().unwrap(), t.target.clone()))
        .collect();
    assert_eq!(drifted, [("b".to_owned(), schema(2))]);

    // A canary failing on server b stops the fleet on both servers, whatever the policy: the
    // first tenant of each server is a canary.
    let (a, b) = (TestDb::new(), cluster.db());
    b.execute(&format!(
        "CREATE SCHEMA {0}; CREATE TABLE {0}.accounts (id bigint PRIMARY KEY)",
        schema(0)
    ));
    let mut targets = schemas_on(&a, 3, "a");
    targets.extend(schemas_on(&b, 3, "b"));
    let report = Fleet::new(TENANT.runner(), targets)
        .parallelism(4)
        .canaries(1)
        .on_failure(OnFailure::Continue)
        .run(NoTls);
    assert_eq!(
        outcomes(&report),
        [
            "applied",
            "not reached",
            "not reached",
            "failed",
            "not reached",
            "not reached"
        ],
        "{report}"
    );
    let canaries: Vec<bool> = report.targets.iter().map(|t| t.canary).collect();
    assert_eq!(canaries, [true, false, false, true, false, false]);
    let failures: Vec<_> = report.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].1.migration_failure().unwrap().code, "42703");
    assert_eq!(report.targets[3].server.as_deref(), Some("b"));
}

#[test]
fn a_dead_servers_tenants_fail_naming_it_and_the_others_go_on_or_stop() {
    let a = TestDb::new();
    // A port nothing listens on: connecting is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead: tokio_postgres::Config = format!("postgresql://ops:secret@127.0.0.1:{port}/app")
        .parse()
        .unwrap();
    let dead_targets = || {
        (0..2)
            .map(|i| Target::schema(dead.clone(), schema(i)).on_server("dead"))
            .collect::<Vec<_>>()
    };
    let mut targets = dead_targets();
    targets.extend(schemas_on(&a, 3, "a"));
    let fleet = Fleet::new(TENANT.runner(), targets).parallelism(1);
    let report = fleet.clone().on_failure(OnFailure::Continue).run(NoTls);
    assert_eq!(
        outcomes(&report),
        ["failed", "failed", "applied", "applied", "applied"],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains(&format!(
            "Server dead\n✗ tenant_000 failed: could not connect to server dead (database app \
             on 127.0.0.1 port {port} as user ops): "
        )),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");
    assert!(
        text.contains("Server dead: 2 target(s): 0 applied, 0 current, 2 failed, 0 not reached"),
        "{text}"
    );
    assert_eq!(notes(&a, 3), vec!["a!".to_owned(); 3]);

    // Stop: the dead server's first tenant fails, nothing else starts.
    let b = TestDb::new();
    let mut targets = dead_targets();
    targets.extend(schemas_on(&b, 3, "b"));
    let report = Fleet::new(TENANT.runner(), targets)
        .parallelism(1)
        .on_failure(OnFailure::Stop)
        .run(NoTls);
    assert_eq!(
        outcomes(&report),
        [
            "failed",
            "not reached",
            "not reached",
            "not reached",
            "not reached"
        ],
        "{report}"
    );
    assert_eq!(notes(&b, 3), vec!["-".to_owned(); 3]);
}
