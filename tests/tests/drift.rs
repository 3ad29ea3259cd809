//! `Runner::drift` against a real PostgreSQL, through the sync and the async API: a database
//! its folder migrated has no drift; each change made by hand (a column added, an index
//! dropped, a function's body replaced, a table created, a column's type changed) is found and
//! named with both definitions; ignored objects are not reported; the throwaway database is
//! gone after every run, a failing one too; the migration lock is held; a tenant schema is
//! compared alone; and real corpora, applied, show no drift (the catalog reading is
//! deterministic on real SQL).

use std::sync::Mutex;
use std::time::Duration;

use migrate_runtime::template::Throwaway;
use migrate_runtime::{Difference, Drift, Error, HistoryTable, Runner, Version};
use migrate_tests::fixtures::*;
use migrate_tests::{for_both_apis, Api, TestDb};

for_both_apis!(
    a_migrated_database_has_no_drift,
    each_change_made_by_hand_is_named_with_both_definitions,
    ignored_objects_are_not_reported,
    the_throwaway_database_is_gone_after_a_failing_run,
    drift_holds_the_migration_lock,
    a_tenant_schema_is_compared_alone,
    an_out_of_order_history_is_replayed_in_its_order,
);

/// The throwaway databases are counted on the server: one drift at a time in this binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Drift of `db`'s server's throwaway databases: on the same server as `db`.
fn throwaway(db: &TestDb) -> Throwaway {
    Throwaway::from(db.config())
}

fn compare(api: Api, db: &TestDb, runner: &Runner) -> Result<Drift, Error> {
    let drift = api.drift(db, runner, &throwaway(db));
    assert_eq!(
        throwaways(db),
        Vec::<String>::new(),
        "the throwaway is dropped"
    );
    drift
}

/// The throwaway databases on the server.
fn throwaways(db: &TestDb) -> Vec<String> {
    db.column("SELECT datname FROM pg_database WHERE datname LIKE 'migrate\\_drift\\_%'")
}

/// `change kind name` of each difference.
fn named(drift: &Drift) -> Vec<String> {
    drift
        .differences
        .iter()
        .map(|d| format!("{} {}", d.change(), d.object()))
        .collect()
}

fn find<'d>(drift: &'d Drift, name: &str) -> &'d Difference {
    drift
        .differences
        .iter()
        .find(|d| d.object().name == name)
        .unwrap_or_else(|| panic!("no difference on {name} in {drift}"))
}

fn a_migrated_database_has_no_drift(api: Api) {
    let _serial = serial();
    let db = TestDb::new();
    api.apply(&db, &DRIFTING).unwrap();
    let drift = compare(api, &db, &DRIFTING.runner()).unwrap();
    assert!(!drift.drifted(), "{drift}");
    assert_eq!(drift.applied, [Version::new(1), Version::new(2)]);
    // Every object of every kind the fixture makes was read: the extension plpgsql, the schema
    // public, 2 tables with 9 columns, 4 constraints, 5 indexes, a view, a materialized view,
    // 2 sequences (one an identity's), a function and a procedure, a trigger, an enum, a
    // domain, a policy (the history table left out).
    assert_eq!(drift.compared, 32);
    assert!(
        db.advisory_locks().is_empty(),
        "the migration lock is released"
    );
}

fn each_change_made_by_hand_is_named_with_both_definitions(api: Api) {
    let _serial = serial();
    let db = TestDb::new();
    api.apply(&db, &DRIFTING).unwrap();
    db.execute(
        "ALTER TABLE users ADD COLUMN nickname text;
         DROP INDEX users_lower_name_idx;
         CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             NEW.name := upper(NEW.name);
             RETURN NEW;
         END
         $$;
         CREATE TABLE audit (id bigint);
         ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2);",
    );
    let drift = compare(api, &db, &DRIFTING.runner()).unwrap();
    assert_eq!(
        named(&drift),
        [
            "extra table public.audit",
            "extra column public.audit.id",
            "changed column public.orders.total",
            "extra column public.users.nickname",
            "missing index public.users_lower_name_idx",
            "changed function public.touch()",
        ],
        "{drift}"
    );
    assert_eq!(find(&drift, "public.users.nickname").actual(), Some("text"));
    let total = find(&drift, "public.orders.total");
    assert_eq!(total.expected(), Some("numeric(10,2) NOT NULL"));
    assert_eq!(total.actual(), Some("numeric(12,2) NOT NULL"));
    assert_eq!(
        find(&drift, "public.users_lower_name_idx").expected(),
        Some("CREATE INDEX users_lower_name_idx ON public.users USING btree (lower_name)")
    );
    let touch = find(&drift, "public.touch()");
    assert!(
        touch.expected().unwrap().contains("trim(NEW.name)"),
        "{touch}"
    );
    assert!(
        touch.actual().unwrap().contains("upper(NEW.name)"),
        "{touch}"
    );
    let shown = drift.to_string();
    assert!(
        shown.starts_with("drift: 6 object(s) differ from what the 2 applied migration(s) build"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "changed column public.orders.total\n  expected (the migrations): numeric(10,2) \
             NOT NULL\n  actual (the database):     numeric(12,2) NOT NULL"
        ),
        "{shown}"
    );
}

fn ignored_objects_are_not_reported(api: Api) {
    let _serial = serial();
    let db = TestDb::new();
    api.apply(&db, &DRIFTING).unwrap();
    db.execute(
        "CREATE TABLE spatial_ref_sys (srid int PRIMARY KEY);
         CREATE SCHEMA partman;
         CREATE FUNCTION partman.run() RETURNS int LANGUAGE sql AS 'SELECT 1';
         ALTER TABLE users ADD COLUMN nickname text;",
    );
    // The folder's migrate.toml ignores `public.spatial_ref_sys`; the builder replaces it.
    let drift = compare(api, &db, &DRIFTING.runner()).unwrap();
    assert_eq!(
        named(&drift),
        [
            "extra schema partman",
            "extra column public.users.nickname",
            "extra function partman.run()"
        ],
        "{drift}"
    );
    let runner = DRIFTING.runner().drift_ignore([
        "public.spatial_ref_sys",
        "partman*",
        "column:public.users.nick*",
    ]);
    assert_eq!(
        runner.overrides()[0].to_string(),
        "drift ignore [\"public.spatial_ref_sys\", \"partman*\", \"column:public.users.nick*\"] \
         overrides migrate.toml's [\"public.spatial_ref_sys\"]"
    );
    let drift = compare(api, &db, &runner).unwrap();
    assert!(!drift.drifted(), "{drift}");
    let error = drift_error(api, &db, DRIFTING.runner().drift_ignore(["tabel:users"]));
    assert!(matches!(error, Error::DriftIgnore { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("`tabel` is not a kind of object"),
        "{error}"
    );
}

fn drift_error(api: Api, db: &TestDb, runner: Runner) -> Error {
    compare(api, db, &runner).unwrap_err()
}

fn the_throwaway_database_is_gone_after_a_failing_run(api: Api) {
    let _serial = serial();
    let db = TestDb::new();
    // 002 fails wherever it runs: recorded by a baseline, it fails in the throwaway database.
    api.baseline(&db, &FAILING.runner(), 2).unwrap();
    let error = drift_error(api, &db, FAILING.runner());
    match &error {
        Error::Throwaway {
            database,
            action,
            left,
            ..
        } => {
            assert!(database.starts_with("migrate_drift_"), "{error}");
            assert_eq!(action, "apply the migrations to");
            assert!(!left);
        }
        other => panic!("expected a throwaway failure, got {other}"),
    }
    let shown = error.to_string();
    assert!(
        shown
            .starts_with("could not apply the migrations to the throwaway database migrate_drift_"),
        "{shown}"
    );
    assert!(shown.contains("002_broken.sql"), "{shown}");
    assert!(
        shown.ends_with("; nothing of it is left on the server"),
        "{shown}"
    );
    // A history with a version this build lacks cannot be rebuilt.
    api.apply(&db, &ORDERED).unwrap_err();
    db.execute(
        "INSERT INTO schema_migrations (version, name, checksum, success) \
         VALUES (9, 'later', 'x', true)",
    );
    let error = drift_error(api, &db, FAILING.runner());
    match &error {
        Error::NotEmbedded { versions } => assert_eq!(versions, &[Version::new(9)]),
        other => panic!("expected NotEmbedded, got {other}"),
    }
    assert!(
        error.to_string().starts_with(
            "cannot compare: the history says 9 applied, but this build does not embed"
        ),
        "{error}"
    );
}

fn drift_holds_the_migration_lock(api: Api) {
    let _serial = serial();
    let db = TestDb::new();
    api.apply(&db, &DRIFTING).unwrap();
    let key = HistoryTable::default().lock_key();
    let mut holder = db.client();
    holder
        .batch_execute(&format!(
            "SET application_name = 'other-migrator'; SELECT pg_advisory_lock({key})"
        ))
        .unwrap();
    let waiting = DRIFTING.runner().lock_wait(Duration::from_millis(300));
    let error = drift_error(api, &db, waiting);
    assert!(matches!(error, Error::LockTimeout { .. }), "{error}");
    assert!(error.to_string().contains("other-migrator"), "{error}");
    // A drift waits for the holder (a migration in flight), then compares.
    let released = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        holder
            .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
            .unwrap();
    });
    let drift = compare(api, &db, &DRIFTING.runner()).unwrap();
    released.join().unwrap();
    assert!(!drift.drifted(), "{drift}");
}

fn a_tenant_schema_is_compared_alone(api: Api) {
    let _serial = serial();
    let db = TestDb::new();
    let tenant = TENANT.runner().tenant_schema("tenant_1");
    api.run(&db, &tenant).unwrap();
    // Objects outside the tenant's schema are not the tenant's.
    db.execute("CREATE TABLE public.other (id int); CREATE SCHEMA tenant_2;");
    let drift = compare(api, &db, &tenant).unwrap();
    assert!(!drift.drifted(), "{drift}");
    db.execute("ALTER TABLE tenant_1.accounts ALTER COLUMN note DROP NOT NULL");
    let drift = compare(api, &db, &tenant).unwrap();
    assert_eq!(
        named(&drift),
        ["changed column tenant_1.accounts.note"],
        "{drift}"
    );
}

fn an_out_of_order_history_is_replayed_in_its_order(api: Api) {
    let _serial = serial();
    let db = TestDb::new();
    api.apply(&db, &ORDERED_GAP).unwrap();
    api.run(&db, &ORDERED.runner().allow_out_of_order(true))
        .unwrap();
    let drift = compare(api, &db, &ORDERED.runner()).unwrap();
    assert_eq!(
        drift.applied,
        [Version::new(1), Version::new(3), Version::new(2)]
    );
    assert!(!drift.drifted(), "{drift}");
}

/// Real corpora, applied by the runner, then compared with the same migrations rebuilt: no
/// drift, so every object's definition reads the same in two databases.
#[test]
fn real_corpora_applied_have_no_drift() {
    let _serial = serial();
    for corpus in ["atuin", "docsrs", "cratesio", "svix", "opentdf"] {
        let db = TestDb::new();
        let runner = by_name(corpus).runner();
        runner.run(&mut db.client()).unwrap();
        let drift = compare(Api::Sync, &db, &runner).unwrap();
        assert!(!drift.drifted(), "{corpus}: {drift}");
        println!("{corpus}: {} objects compared", drift.compared);
    }
}
