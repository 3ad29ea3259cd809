//! Checkpoints through the runtime, on a real PostgreSQL: a database without history runs the
//! checkpoint of `ORDERED` at 2 in one transaction with the history rows of 1 and 2 (their own
//! names, checksums and statement counts), then replays 3, and ends exactly as the replay of
//! 1, 2, 3 does; a database that has any version never runs it; `checkpoints(false)` replays;
//! `status` says the checkpoint will be used; a new tenant database's template is built
//! through it; through a transaction pooler, it is one transaction like any file. (The proof on the real corpora, with checkpoints that `migrate squash` writes
//! with `pg_dump`, is `migrate-cli/tests/squash.rs`.)

use migrate_runtime::template::TenantDatabases;
use migrate_runtime::{Migration, Migrations, Script, Statement, Transaction, Version};
use migrate_tests::fixtures::ORDERED;
use migrate_tests::pgbouncer::PgBouncer;
use migrate_tests::{server_url, Events, TestDb};

/// What 001 and 002 of `ORDERED` build, written as `pg_dump` writes it: qualified names, no
/// `IF NOT EXISTS`, the seed row as a plain `INSERT`.
const CHECKPOINT: &str = "\
CREATE TABLE public.users (id bigint NOT NULL, email text NOT NULL);
CREATE TABLE public.posts (id bigint NOT NULL, user_id bigint NOT NULL, title text NOT NULL);
INSERT INTO public.users (id, email) VALUES (1, 'admin@example.com');
ALTER TABLE ONLY public.posts ADD CONSTRAINT posts_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);
";

/// `ORDERED` with the checkpoint above at 2.
fn with_checkpoint() -> Migrations {
    let mut statements = Vec::new();
    let mut start = 0;
    for (end, _) in CHECKPOINT.match_indices(";\n") {
        statements.push(Statement::new(start, end));
        start = end + 2;
    }
    let checkpoint = Script::new(
        "migrations/ordered/002_posts.checkpoint.sql",
        CHECKPOINT,
        Transaction::Single,
        statements,
    )
    .unwrap();
    let list = ORDERED
        .iter()
        .map(|m| {
            let copy = Migration::new(m.version(), m.name().to_owned(), m.up().clone(), None);
            if m.version() == Version::new(2) {
                copy.with_checkpoint(checkpoint.clone()).unwrap()
            } else {
                copy
            }
        })
        .collect();
    Migrations::new(list).unwrap()
}

/// The paths of the scripts a run started.
fn started(events: &Events) -> Vec<String> {
    events
        .take()
        .into_iter()
        .filter_map(|line| Some(line.strip_prefix("started ")?.to_owned()))
        .collect()
}

#[test]
fn a_database_without_history_runs_the_checkpoint_then_the_later_files() {
    let set = with_checkpoint();
    let db = TestDb::new();
    let status = set.runner().status(&mut db.client()).unwrap();
    assert_eq!(
        status.checkpoint().map(|c| c.version()),
        Some(Version::new(2))
    );
    assert!(
        status.to_string().contains(
            "(the 2 up to 2 through the checkpoint migrations/ordered/002_posts.checkpoint.sql"
        ),
        "{status}"
    );
    let events = Events::default();
    let report = events.observe(set.runner()).run(&mut db.client()).unwrap();
    assert_eq!(
        started(&events),
        [
            "2 migrations/ordered/002_posts.checkpoint.sql at 0",
            "3 migrations/ordered/003_indexes.sql at 0"
        ]
    );
    assert_eq!(report.applied_total, 3);
    // The same schema, rows and history (names, checksums, statement counts) as the replay.
    let replayed = TestDb::new();
    ORDERED.run(&mut replayed.client()).unwrap();
    assert_eq!(db.snapshot(), replayed.snapshot());
    assert_eq!(
        db.column("SELECT id || ' ' || email FROM users"),
        ["1 admin@example.com"]
    );
    // Nothing left to do afterwards.
    let again = set.runner().run(&mut db.client()).unwrap();
    assert!(again.steps.is_empty());
}

#[test]
fn a_database_with_a_version_never_runs_the_checkpoint() {
    let set = with_checkpoint();
    let db = TestDb::new();
    let events = Events::default();
    // Up to 1: the checkpoint at 2 is past the target.
    events
        .observe(set.runner())
        .run_to(&mut db.client(), Version::new(1))
        .unwrap();
    assert_eq!(
        started(&events),
        ["1 migrations/ordered/001_users.sql at 0"]
    );
    events.observe(set.runner()).run(&mut db.client()).unwrap();
    assert_eq!(
        started(&events),
        [
            "2 migrations/ordered/002_posts.sql at 0",
            "3 migrations/ordered/003_indexes.sql at 0"
        ]
    );
    // Turned off, a fresh database replays every file.
    let fresh = TestDb::new();
    events
        .observe(set.runner().checkpoints(false))
        .run(&mut fresh.client())
        .unwrap();
    assert_eq!(started(&events).len(), 3);
    assert_eq!(db.snapshot(), fresh.snapshot());
}

#[test]
fn a_new_tenant_database_comes_from_a_template_built_through_the_checkpoint() {
    let set = with_checkpoint();
    let events = Events::default();
    let prefix = format!("mt_checkpoint_{}", std::process::id());
    let tenants = TenantDatabases::new(events.observe(set.runner())).prefix(&prefix);
    let name = format!("{prefix}_one");
    let created = tenants.create(&server_url(), &name);
    let paths = started(&events);
    let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
    for row in admin
        .query(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)",
            &[&prefix],
        )
        .unwrap()
    {
        let name: String = row.get(0);
        let _ = admin.batch_execute(&format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false"));
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    }
    created.unwrap();
    assert_eq!(
        paths,
        [
            "2 migrations/ordered/002_posts.checkpoint.sql at 0",
            "3 migrations/ordered/003_indexes.sql at 0"
        ]
    );
}

#[test]
fn through_a_transaction_pooler_the_checkpoint_is_one_transaction() {
    let Some(bouncer) = PgBouncer::start("transaction", 2) else {
        return;
    };
    let db = TestDb::new();
    let events = Events::default();
    // Up to 2: 3 runs without a transaction, which a transaction pooler cannot run.
    let report = events
        .observe(with_checkpoint().runner())
        .run_to(&mut bouncer.client(&db), Version::new(2))
        .unwrap();
    assert_eq!(
        started(&events),
        ["2 migrations/ordered/002_posts.checkpoint.sql at 0"]
    );
    assert_eq!(report.applied_total, 2);
    assert_eq!(db.history(), ["1 true 1", "2 true 2"]);
}
