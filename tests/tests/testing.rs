//! The template-database test helper (`migrate_runtime::testing`, feature `testing`) against a
//! real server: reuse, isolation, drop at the end and on panic, many threads and processes at
//! once, a new template when the set changes, a failing migration. Each test uses a prefix of its
//! own, so its templates are its own, and drops them at the end ([`Templates`]).
//!
//! `template_vs_migrations` (ignored) measures a database from the template against applying the
//! crates.io corpus; run it by hand:
//! `scripts/test -p migrate-tests --test testing -- --ignored --nocapture template_vs_migrations`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use migrate_runtime::testing::{TestDatabaseError, TestDatabases};
use migrate_runtime::Migrations;
use migrate_tests::fixtures::{cratesio_runner, FAILING, ORDERED, ORDERED_MORE};
use migrate_tests::{server_url, TestDb};

/// The server's catalogue, read on a connection to the admin database.
fn admin_column(sql: &str) -> Vec<String> {
    let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
    admin
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Names of the databases whose name starts with `prefix_`.
fn databases(prefix: &str) -> Vec<String> {
    admin_column(&format!(
        "SELECT datname::text FROM pg_database WHERE starts_with(datname, '{prefix}_') \
         ORDER BY datname"
    ))
}

fn oid(name: &str) -> Option<String> {
    admin_column(&format!(
        "SELECT oid::text FROM pg_database WHERE datname = '{name}'"
    ))
    .pop()
}

/// A prefix of this test's own; its templates (and anything else left) are dropped on drop.
struct Templates {
    prefix: String,
}

impl Templates {
    fn new(test: &str) -> Self {
        Self {
            prefix: format!("mt_{test}_{}", std::process::id()),
        }
    }

    fn of(&self, migrations: &Migrations) -> TestDatabases {
        TestDatabases::new(migrations.runner()).prefix(&self.prefix)
    }
}

impl Drop for Templates {
    fn drop(&mut self) {
        let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
        for name in databases(&self.prefix) {
            let _ =
                admin.batch_execute(&format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false"));
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// The row `ORDERED`'s 001 inserts.
const ADMIN: &str = "admin@example.com";

fn users(db: &migrate_runtime::testing::TestDatabase) -> Vec<String> {
    db.connect()
        .unwrap()
        .query("SELECT email FROM users ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn the_template_is_built_once_and_reused() {
    let templates = Templates::new("reuse");
    let databases_of = templates.of(&ORDERED);
    let template = databases_of.template_name();
    assert!(oid(&template).is_none());

    let first = databases_of.create(&server_url()).unwrap();
    assert_eq!(first.template(), template);
    let built = oid(&template).expect("the template exists after the first use");
    let flags = admin_column(&format!(
        "SELECT datistemplate || ' ' || datallowconn FROM pg_database WHERE datname = '{template}'"
    ));
    assert_eq!(flags, ["true false"]);

    let second = databases_of.create(&server_url()).unwrap();
    assert_eq!(oid(&template), Some(built), "the template was not rebuilt");
    assert_ne!(first.name(), second.name());
    // Both hold every migration, recorded in the history table.
    for db in [&first, &second] {
        let versions: Vec<i64> = db
            .connect()
            .unwrap()
            .query(
                "SELECT version::bigint FROM schema_migrations ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert_eq!(versions, [1, 2, 3]);
        // The runner sees nothing to do in a clone.
        assert!(ORDERED.run(&mut db.connect().unwrap()).unwrap().is_empty());
    }
    // `Migrations::test_database` is the same with the default prefix.
    let default = ORDERED.test_database(&server_url()).unwrap();
    assert_eq!(
        default.template(),
        TestDatabases::new(ORDERED.runner()).template_name()
    );
    assert!(default.template().starts_with("migrate_"));
}

#[test]
fn test_databases_are_isolated_and_dropped() {
    let templates = Templates::new("isolated");
    let databases_of = templates.of(&ORDERED);
    let a = databases_of.create(&server_url()).unwrap();
    let b = databases_of.create(&server_url()).unwrap();
    a.connect()
        .unwrap()
        .batch_execute("INSERT INTO users (id, email) VALUES (2, 'a@example.com')")
        .unwrap();
    assert_eq!(users(&a), [ADMIN, "a@example.com"]);
    assert_eq!(users(&b), [ADMIN]);

    // The URL reaches the same database (e.g. for a child process).
    let mut by_url = postgres::Client::connect(a.url(), postgres::NoTls).unwrap();
    let name: String = by_url
        .query_one("SELECT current_database()::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(name, a.name());
    drop(by_url);

    let (a_name, b_name) = (a.name().to_owned(), b.name().to_owned());
    // An open connection does not keep the database alive (WITH (FORCE)).
    let mut open = b.connect().unwrap();
    drop((a, b));
    assert!(oid(&a_name).is_none() && oid(&b_name).is_none());
    assert!(open.is_closed() || open.is_valid(Duration::from_secs(1)).is_err());
}

#[test]
fn a_panicking_test_drops_its_database() {
    let templates = Templates::new("panic");
    let databases_of = templates.of(&ORDERED);
    let mut name = String::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let db = databases_of.create(&server_url()).unwrap();
        name = db.name().to_owned();
        panic!("the test fails");
    }));
    assert!(result.is_err());
    assert!(!name.is_empty());
    assert!(oid(&name).is_none(), "{name} was not dropped");
}

#[test]
fn threads_starting_together_build_one_template() {
    let templates = Templates::new("threads");
    let databases_of = Arc::new(templates.of(&ORDERED));
    let start = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (databases_of, start) = (Arc::clone(&databases_of), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                databases_of.create(&server_url()).unwrap()
            })
        })
        .collect();
    let dbs: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for db in &dbs {
        assert_eq!(users(db), [ADMIN]);
    }
    let template = databases_of.template_name();
    let mut expected: Vec<String> = dbs.iter().map(|db| db.name().to_owned()).collect();
    expected.push(template);
    expected.sort();
    assert_eq!(
        databases(&templates.prefix),
        expected,
        "one template, no build left"
    );
}

/// A child process in `mode`, once it has printed the name of its database; killed (`SIGKILL`,
/// so no destructor runs) when this value is dropped.
struct ChildWithDatabase {
    process: std::process::Child,
    name: String,
}

impl ChildWithDatabase {
    fn start(prefix: &str, mode: &str) -> Self {
        let mut process = Command::new(env!("CARGO_BIN_EXE_child"))
            .args(["template", prefix, mode])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(process.stdout.take().unwrap());
        let name = stdout
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.split_once("CREATED ").map(|(_, name)| name.to_owned()))
            .expect("the child prints its database's name");
        Self { process, name }
    }

    fn kill(mut self) -> String {
        self.stop();
        std::mem::take(&mut self.name)
    }

    fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Drop for ChildWithDatabase {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn databases_of_killed_processes_are_dropped_by_the_next_run() {
    let templates = Templates::new("killed");
    // Every process sweeps once, at its first database: start the killed one last.
    let mut keeper = ChildWithDatabase::start(&templates.prefix, "keep");
    keeper.process.wait().unwrap();
    let alive = ChildWithDatabase::start(&templates.prefix, "hold");
    let dead = ChildWithDatabase::start(&templates.prefix, "hold").kill();
    let (kept, live) = (keeper.name.clone(), alive.name.clone());
    assert!(oid(&dead).is_some() && oid(&kept).is_some() && oid(&live).is_some());

    let mine = templates.of(&ORDERED).create(&server_url()).unwrap();
    assert!(
        oid(&dead).is_none(),
        "the killed process's database is dropped"
    );
    assert!(oid(&kept).is_some(), "a kept database stays");
    assert!(oid(&live).is_some(), "a running process's database stays");
    assert!(oid(mine.name()).is_some());
}

#[test]
fn processes_starting_together_build_one_template() {
    let templates = Templates::new("processes");
    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_child"))
                .args(["template", &templates.prefix, "drop"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("CREATED"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Every child dropped its database; one template remains.
    assert_eq!(
        databases(&templates.prefix),
        [templates.of(&ORDERED).template_name()]
    );
}

#[test]
fn a_changed_migration_set_gets_a_new_template() {
    let templates = Templates::new("changed");
    let before = templates.of(&ORDERED);
    let after = templates.of(&ORDERED_MORE);
    assert_ne!(before.template_name(), after.template_name());

    let old = before.create(&server_url()).unwrap();
    let new = after.create(&server_url()).unwrap();
    let versions = |db: &migrate_runtime::testing::TestDatabase| -> Vec<i64> {
        db.connect()
            .unwrap()
            .query(
                "SELECT version::bigint FROM schema_migrations ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect()
    };
    assert_eq!(versions(&old), [1, 2, 3]);
    assert_eq!(versions(&new), [1, 2, 3, 4]);
    drop((old, new));
    let mut both = vec![before.template_name(), after.template_name()];
    both.sort();
    assert_eq!(
        databases(&templates.prefix),
        both,
        "old templates stay by default"
    );

    // Pruning: building the ORDERED template again (after dropping it) drops ORDERED_MORE's.
    let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
    let template = before.template_name();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{template}\" WITH IS_TEMPLATE false"
        ))
        .unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE \"{template}\""))
        .unwrap();
    let pruning = before.clone().prune_stale(true);
    drop(pruning.create(&server_url()).unwrap());
    assert_eq!(databases(&templates.prefix), [before.template_name()]);
}

#[test]
fn a_failing_migration_leaves_no_template() {
    let templates = Templates::new("failing");
    let error = templates.of(&FAILING).create(&server_url()).unwrap_err();
    let TestDatabaseError::Migrate { template, source } = &error else {
        panic!("{error}");
    };
    assert_eq!(*template, templates.of(&FAILING).template_name());
    assert_eq!(source.migration_failure().unwrap().version, 2);
    let message = error.to_string();
    assert!(message.contains("002_broken.sql"), "{message}");
    assert!(message.contains("partial build was dropped"), "{message}");
    assert!(databases(&templates.prefix).is_empty());
}

#[test]
fn a_build_left_by_a_killed_process_is_redone() {
    let templates = Templates::new("leftover");
    let databases_of = templates.of(&ORDERED);
    let leftover = format!("{}_build", databases_of.template_name());
    let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE \"{leftover}\""))
        .unwrap();
    let db = databases_of.create(&server_url()).unwrap();
    assert_eq!(users(&db), [ADMIN]);
    let left = databases(&templates.prefix);
    assert!(!left.contains(&leftover), "{left:?}");
}

#[test]
fn a_test_waits_a_bounded_time_for_another_builder() {
    let templates = Templates::new("lockwait");
    // Another builder holds the template lock (the helper's advisory lock key).
    let mut other = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
    other
        .batch_execute("SELECT pg_advisory_lock(x'6d696772'::int, x'74706c30'::int)")
        .unwrap();
    let started = Instant::now();
    let error = templates
        .of(&ORDERED)
        .lock_wait(Duration::from_millis(300))
        .create(&server_url())
        .unwrap_err();
    assert!(
        matches!(error, TestDatabaseError::LockTimeout { .. }),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        error.to_string().contains("TestDatabases::lock_wait"),
        "{error}"
    );
    // Once the other builder is done, the same call succeeds.
    drop(other);
    assert!(templates.of(&ORDERED).create(&server_url()).is_ok());
}

#[test]
fn a_kept_database_stays_and_debug_hides_the_password() {
    let templates = Templates::new("keep");
    let db = templates.of(&ORDERED).create(&server_url()).unwrap();
    let debug = format!("{db:?}");
    assert!(
        debug.contains(db.name()) && !debug.contains("url"),
        "{debug}"
    );
    let name = db.keep();
    assert!(oid(&name).is_some());
    // The Templates guard drops it with everything else of the prefix.
}

#[test]
fn bad_arguments_are_explained() {
    let error = TestDatabases::new(ORDERED.runner())
        .prefix("Bad-Prefix")
        .create(&server_url())
        .unwrap_err();
    assert!(error.to_string().contains("a-z, 0-9 and _"), "{error}");
    let error = ORDERED
        .test_database("postgresql://u:secret@[bad")
        .unwrap_err();
    assert!(error.to_string().contains("not valid"), "{error}");
    let error = ORDERED
        .test_database("postgresql://nobody:secret@127.0.0.1:1/postgres")
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(
            "could not connect to database postgres on 127.0.0.1 port 1 as user nobody: \
             error connecting to server: "
        ),
        "{message}"
    );
    assert!(!message.contains("secret"), "{message}");
}

/// The sync helper inside an async runtime (as in `#[tokio::test]`): it does its blocking I/O on
/// a thread of its own, also when the value is dropped on the runtime's thread.
#[test]
fn works_inside_an_async_runtime() {
    let templates = Templates::new("async");
    let databases_of = templates.of(&ORDERED);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let name = runtime.block_on(async {
        let db = databases_of.create(&server_url()).unwrap();
        let (client, connection) = db
            .tokio_config()
            .connect(tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let rows = client.query("SELECT email FROM users", &[]).await.unwrap();
        assert_eq!(rows[0].get::<_, String>(0), ADMIN);
        db.name().to_owned()
    });
    assert!(oid(&name).is_none(), "{name} was not dropped");
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Not a timed assertion: prints how long a database takes from the template and from the
/// migrations (the crates.io corpus, 285 migrations).
#[test]
#[ignore = "a measurement: run by hand with --ignored --nocapture"]
fn template_vs_migrations() {
    const RUNS: usize = 7;
    let templates = Templates::new("bench");
    let databases_of = TestDatabases::new(cratesio_runner()).prefix(&templates.prefix);

    let started = Instant::now();
    drop(databases_of.create(&server_url()).unwrap());
    let first_use = started.elapsed();

    let from_template = median(
        (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                let db = databases_of.create(&server_url()).unwrap();
                let elapsed = started.elapsed();
                drop(db);
                elapsed
            })
            .collect(),
    );
    let from_migrations = median(
        (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                let db = TestDb::new();
                cratesio_runner().run(&mut db.client()).unwrap();
                started.elapsed()
            })
            .collect(),
    );
    // What the server's CREATE DATABASE alone costs, for scale.
    let create_sql = |sql: &str| {
        let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
        median(
            (0..RUNS)
                .map(|i| {
                    let name = format!("{}_raw_{i}", templates.prefix);
                    let started = Instant::now();
                    admin
                        .batch_execute(&format!("CREATE DATABASE {name} {sql}"))
                        .unwrap();
                    let elapsed = started.elapsed();
                    admin
                        .batch_execute(&format!("DROP DATABASE {name}"))
                        .unwrap();
                    elapsed
                })
                .collect(),
        )
    };
    let template = databases_of.template_name();
    let empty = create_sql("");
    let wal_log = create_sql(&format!("TEMPLATE {template} STRATEGY WAL_LOG"));
    let file_copy = create_sql(&format!("TEMPLATE {template} STRATEGY FILE_COPY"));
    println!(
        "crates.io corpus ({} migrations), median of {RUNS}:\n  \
         empty database + every migration: {from_migrations:?}\n  \
         database from the template:       {from_template:?} ({:.1}x faster)\n  \
         first use (builds the template):  {first_use:?}\n\
         for scale, CREATE DATABASE alone:\n  \
         empty (from template1):           {empty:?}\n  \
         from the template, WAL_LOG:       {wal_log:?}\n  \
         from the template, FILE_COPY:     {file_copy:?}",
        migrate_tests::fixtures::CRATESIO.len(),
        from_migrations.as_secs_f64() / from_template.as_secs_f64()
    );
}
