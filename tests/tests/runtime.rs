//! The runtime against a real PostgreSQL: every scenario runs through the sync and the async API
//! (the bodies take an [`Api`]; `for_both_apis!` declares both tests).

use std::time::Duration;

use migrate_runtime::{Error, FindingKind, Operation, Severity, Version};
use migrate_tests::fixtures::*;
use migrate_tests::{for_both_apis, Api, Events, TestDb};

const V2: Version = Version::new(2);
const V3: Version = Version::new(3);
const V4: Version = Version::new(4);
const V7: Version = Version::new(7);

for_both_apis!(
    fresh_apply,
    noop_rerun,
    modified_is_an_error_showing_both_checksums,
    crlf_checkout_is_not_modified,
    missing_is_an_error_unless_allowed,
    newer_missing_is_reported_not_fatal,
    out_of_order_refused_then_allowed,
    failed_earlier_is_reported_and_retried,
    target_version,
    rollback_with_down_files,
    rollback_needs_every_down_file,
    baseline_records_without_running,
    custom_schema_and_table,
    wrong_shape_is_an_error_and_left_alone,
    rejected_migration_with_position,
    rejected_migration_without_position,
    no_transaction_failure_records_progress_and_resumes,
    no_transaction_files_leave_the_session_as_they_found_it,
    plan_changes_nothing,
    status_lists_everything,
    lock_timeout_names_the_holder,
    statement_timeout_applies_per_migration,
    the_observer_sees_each_step_as_it_starts_and_ends,
    only_confirmed_steps_run,
);

fn fresh_apply(api: Api) {
    let db = TestDb::new();
    let report = api.apply(&db, &ORDERED).unwrap();
    assert_eq!(report.versions(), [1, 2, 3]);
    assert_eq!(report.operation, Operation::Apply);
    assert_eq!(report.applied_total, 3);
    assert!(report.warnings.is_empty());
    assert!(db.exists("users") && db.exists("posts") && db.exists("users_id_email_idx"));
    assert_eq!(db.history(), ["1 true 1", "2 true 2", "3 true 2"]);
    assert_eq!(
        db.column("SELECT checksum FROM schema_migrations WHERE version = 2"),
        [ORDERED.get(2).unwrap().checksum()]
    );
    let text = report.to_string();
    assert!(text.contains("Applying 3 migration(s)"), "{text}");
    assert!(
        text.contains("✓ migrations/ordered/003_indexes.sql applied in"),
        "{text}"
    );
    // The lock is released.
    assert!(db.advisory_locks().is_empty());
}

fn noop_rerun(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &ORDERED).unwrap();
    let before = db.snapshot();
    let report = api.apply(&db, &ORDERED).unwrap();
    assert!(report.is_empty());
    assert_eq!(report.applied_total, 3);
    assert_eq!(report.to_string(), "Nothing to do: 3 migration(s) applied");
    assert_eq!(db.snapshot(), before);
}

fn modified_is_an_error_showing_both_checksums(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &ORDERED).unwrap();
    let error = api.apply(&db, &ORDERED_MODIFIED).unwrap_err();
    let [finding] = error.findings() else {
        panic!("{error}")
    };
    assert_eq!(finding.severity, Severity::Error);
    let FindingKind::Modified {
        version: V2,
        applied,
        embedded,
        ..
    } = &finding.kind
    else {
        panic!("{error}")
    };
    assert_eq!(applied, ORDERED.get(2).unwrap().checksum());
    assert_eq!(*embedded, ORDERED_MODIFIED.get(2).unwrap().checksum());
    let text = error.to_string();
    assert!(
        text.contains(applied.as_str()) && text.contains(embedded),
        "{text}"
    );
    let allowed = api
        .run(&db, &ORDERED_MODIFIED.runner().allow_modified(true))
        .unwrap();
    assert!(allowed.is_empty());
    assert_eq!(allowed.warnings.len(), 1);
}

fn crlf_checkout_is_not_modified(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &ORDERED).unwrap();
    assert!(ORDERED_CRLF.get(1).unwrap().up().sql().contains("BEGIN;\n"));
    let report = api.apply(&db, &ORDERED_CRLF).unwrap();
    assert!(report.is_empty() && report.warnings.is_empty());
}

fn missing_is_an_error_unless_allowed(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &ORDERED).unwrap();
    let error = api.apply(&db, &ORDERED_GAP).unwrap_err();
    assert!(
        matches!(error.findings(), [f] if matches!(f.kind, FindingKind::Missing { version: V2, .. })),
        "{error}"
    );
    let report = api
        .run(&db, &ORDERED_GAP.runner().allow_missing(true))
        .unwrap();
    assert!(report.is_empty());
}

fn newer_missing_is_reported_not_fatal(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &ORDERED_MORE).unwrap();
    let report = api.apply(&db, &ORDERED).unwrap();
    assert!(report.is_empty());
    assert!(
        matches!(&report.warnings[..], [f] if matches!(f.kind, FindingKind::NewerMissing { version: V4, .. })),
        "{report}"
    );
    assert!(report.to_string().contains("newer than this build"));
}

fn out_of_order_refused_then_allowed(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &ORDERED_GAP).unwrap();
    let error = api.apply(&db, &ORDERED).unwrap_err();
    assert!(
        matches!(error.findings(), [f] if matches!(f.kind, FindingKind::OutOfOrder { version: V2, newest_applied: V3, .. })),
        "{error}"
    );
    assert!(!db.exists("posts"));
    let report = api
        .run(&db, &ORDERED.runner().allow_out_of_order(true))
        .unwrap();
    assert_eq!(report.versions(), [2]);
    assert!(db.exists("posts"));
}

fn failed_earlier_is_reported_and_retried(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &FAILING).unwrap_err();
    let report = api.apply(&db, &FAILING_FIXED).unwrap();
    assert_eq!(report.versions(), [2]);
    assert!(
        matches!(&report.warnings[..], [f] if matches!(&f.kind, FindingKind::FailedEarlier { version: V2, error: Some(e), .. } if e.contains("42704"))),
        "{report}"
    );
    assert_eq!(db.history(), ["1 true 1", "2 true 2"]);
    assert_eq!(
        db.column("SELECT count(*) FROM schema_migrations WHERE error IS NOT NULL"),
        ["0"]
    );
    // Refused when retrying is off.
    let db = TestDb::new();
    api.apply(&db, &FAILING).unwrap_err();
    let error = api
        .run(&db, &FAILING_FIXED.runner().retry_failed(false))
        .unwrap_err();
    assert!(matches!(error, Error::Validation(_)), "{error}");
}

fn target_version(api: Api) {
    let db = TestDb::new();
    let report = api.run_to(&db, &ORDERED.runner(), 2).unwrap();
    assert_eq!(report.versions(), [1, 2]);
    assert!(!db.exists("users_email_idx"));
    let error = api.run_to(&db, &ORDERED.runner(), 7).unwrap_err();
    assert!(
        matches!(error, Error::UnknownVersion { version: V7, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("1, 2, 3"));
    assert_eq!(api.apply(&db, &ORDERED).unwrap().versions(), [3]);
}

fn rollback_with_down_files(api: Api) {
    let db = TestDb::new();
    let clean = TestDb::new();
    api.run_to(&clean, &ORDERED.runner(), 1).unwrap();
    api.apply(&db, &ORDERED).unwrap();
    let report = api.rollback_to(&db, &ORDERED.runner(), 1).unwrap();
    assert_eq!(report.operation, Operation::Rollback);
    assert_eq!(report.versions(), [3, 2]);
    assert_eq!(report.applied_total, 1);
    assert!(report
        .to_string()
        .contains("✓ migrations/ordered/002_posts.down.sql reverted"));
    assert_eq!(db.history(), ["1 true 1"]);
    assert!(!db.exists("posts") && !db.exists("users_email_idx"));
    assert_eq!(db.snapshot(), clean.snapshot());
    // Nothing left to roll back: no-op; then forward again.
    assert!(api
        .rollback_to(&db, &ORDERED.runner(), 1)
        .unwrap()
        .is_empty());
    assert_eq!(api.apply(&db, &ORDERED).unwrap().versions(), [2, 3]);
    assert_eq!(
        api.rollback_to(&db, &ORDERED.runner(), 0)
            .unwrap()
            .versions(),
        [3, 2, 1]
    );
    assert!(db.history().is_empty() && !db.exists("users"));
}

fn rollback_needs_every_down_file(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &ORDERED_MORE).unwrap();
    let error = api.rollback_to(&db, &ORDERED_MORE.runner(), 2).unwrap_err();
    assert!(
        matches!(error, Error::CannotRollBack { version: V4, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("no .down.sql file"), "{error}");
    assert_eq!(db.history().len(), 4);
    assert!(db.exists("users_email_idx"));
}

fn baseline_records_without_running(api: Api) {
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL); \
         CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), title text NOT NULL)",
    );
    let report = api.baseline(&db, &ORDERED.runner(), 2).unwrap();
    assert_eq!(report.operation, Operation::Baseline);
    assert_eq!(report.versions(), [1, 2]);
    assert_eq!(
        db.column("SELECT count(*) FROM users"),
        ["0"],
        "002's insert did not run"
    );
    assert_eq!(api.apply(&db, &ORDERED).unwrap().versions(), [3]);
    let error = api.baseline(&db, &ORDERED.runner(), 3).unwrap_err();
    assert!(
        matches!(error, Error::BaselineNotEmpty { rows: 3, .. }),
        "{error}"
    );
    let forced = api
        .baseline(&db, &ORDERED.runner().force_baseline(true), 3)
        .unwrap();
    assert!(forced.is_empty());
}

fn custom_schema_and_table(api: Api) {
    let db = TestDb::new();
    let runner = ORDERED
        .runner()
        .history_table("Audit Trail", "applied \"migrations\"");
    assert_eq!(api.run(&db, &runner).unwrap().versions(), [1, 2, 3]);
    assert_eq!(
        db.column(
            "SELECT count(*) FROM \"Audit Trail\".\"applied \"\"migrations\"\"\" WHERE success"
        ),
        ["3"]
    );
    assert!(!db.exists("schema_migrations"));
    assert!(api.run(&db, &runner).unwrap().is_empty());
    // Another table is another history (and another lock).
    assert_eq!(api.apply(&db, &ORDERED).unwrap().versions(), [1, 2, 3]);
}

fn wrong_shape_is_an_error_and_left_alone(api: Api) {
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE schema_migrations (version varchar(255) PRIMARY KEY, name text, applied_at timestamp DEFAULT now()); \
         INSERT INTO schema_migrations (version, name) VALUES ('001', 'baseline')",
    );
    let error = api.apply(&db, &ORDERED).unwrap_err();
    let Error::HistoryShape { differences, .. } = &error else {
        panic!("{error}")
    };
    assert!(
        differences.contains(&"column checksum (text) is missing".to_owned()),
        "{error}"
    );
    assert!(
        differences.contains(&"column version is character varying, expected numeric".to_owned()),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("\"public\".\"schema_migrations\""),
        "{error}"
    );
    assert_eq!(
        db.column("SELECT count(*) FROM information_schema.columns WHERE table_name = 'schema_migrations'"),
        ["3"]
    );
    assert!(!db.exists("users"));
    // Same names, another type: found by the one-query read.
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text, checksum text, \
         applied_at timestamptz, execution_ms bigint, success boolean, error text, statements_done integer)",
    );
    let error = api.apply(&db, &ORDERED).unwrap_err();
    let Error::HistoryShape { differences, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!(
        differences,
        &["column version is integer, expected numeric"]
    );
}

fn rejected_migration_with_position(api: Api) {
    let db = TestDb::new();
    let error = api.apply(&db, &FAILING).unwrap_err();
    let failure = error
        .migration_failure()
        .unwrap_or_else(|| panic!("{error}"));
    assert_eq!((failure.version, failure.name.as_str()), (V2, "broken"));
    assert_eq!(failure.location(), "migrations/failing/002_broken.sql:6:53");
    assert!(failure.exact);
    assert_eq!(failure.statement, Some(1));
    assert_eq!(failure.code, "42704");
    assert_eq!(failure.message, "type \"nosuchtype\" does not exist");
    let text = error.to_string();
    assert!(
        text.starts_with(
            "migration 2 (broken) failed at migrations/failing/002_broken.sql:6:53: ERROR 42704"
        ),
        "{text}"
    );
    // Earlier migrations stay; the failing one leaves no trace; its failure is recorded.
    assert!(db.exists("users"));
    assert!(!db.exists("audit"));
    assert_eq!(db.history(), ["1 true 1", "2 false 0"]);
    let recorded = db.column("SELECT error FROM schema_migrations WHERE version = 2");
    assert!(
        recorded[0].contains("42704 at migrations/failing/002_broken.sql:6:53"),
        "{recorded:?}"
    );
    assert!(db.advisory_locks().is_empty());
}

fn rejected_migration_without_position(api: Api) {
    let db = TestDb::new();
    let error = api.apply(&db, &FAILING_NOPOS).unwrap_err();
    let failure = error
        .migration_failure()
        .unwrap_or_else(|| panic!("{error}"));
    assert_eq!(failure.code, "23502");
    assert_eq!(
        failure.location(),
        "migrations/failing_nopos/002_bad_data.sql:3:1"
    );
    assert!(!failure.exact);
    assert_eq!(failure.statement, Some(1));
    assert!(failure.detail.is_some());
    assert!(!db.exists("audit"));
    assert_eq!(db.history(), ["1 true 1", "2 false 0"]);
}

fn no_transaction_failure_records_progress_and_resumes(api: Api) {
    let db = TestDb::new();
    let error = api.apply(&db, &NOTX_FAILING).unwrap_err();
    let failure = error
        .migration_failure()
        .unwrap_or_else(|| panic!("{error}"));
    // PostgreSQL gives no position for this error: the statement's start.
    assert_eq!(
        failure.location(),
        "migrations/notx_failing/002_indexes.sql:3:1"
    );
    assert!(!failure.exact);
    assert_eq!(
        (failure.statement, failure.statements_done),
        (Some(1), Some(1))
    );
    assert_eq!(failure.code, "42703");
    assert!(db.exists("users_email_idx"));
    assert_eq!(db.history(), ["1 true 1", "2 false 1"]);
    // Unchanged file: resumes at the failing statement (which fails again).
    let plan = api.plan(&db, &NOTX_FAILING.runner()).unwrap();
    assert_eq!(plan.pending()[0].resume_at(), 1);
    // Changed file: resuming in the middle is refused...
    let error = api.apply(&db, &NOTX_FIXED).unwrap_err();
    assert!(
        matches!(error.findings(), [f] if matches!(f.kind, FindingKind::ResumeChanged { version: V2, statements_done: 1, .. })),
        "{error}"
    );
    // ... unless restarting from the first statement is allowed.
    let report = api
        .run(&db, &NOTX_FIXED.runner().restart_changed(true))
        .unwrap();
    assert_eq!(report.versions(), [2]);
    assert_eq!(db.history(), ["1 true 1", "2 true 2"]);
    assert!(db.exists("users_nick_idx"));
}

fn no_transaction_files_leave_the_session_as_they_found_it(api: Api) {
    let db = TestDb::new();
    db.execute(
        "DO $$ BEGIN CREATE ROLE migrate_session_role; \
         EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    );
    // The application's own session settings, set before the run on the runner's connection.
    let before = "SET work_mem = '8MB'; SET application_name = 'the app'";
    let show = "SELECT current_setting('work_mem'), current_setting('application_name'), \
                current_setting('statement_timeout'), current_setting('search_path'), \
                coalesce(current_setting('app.flag', true), ''), current_user::text";
    let first_row = |answer: Vec<postgres::SimpleQueryMessage>| -> Vec<String> {
        answer
            .into_iter()
            .find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).unwrap().to_owned())
                        .collect(),
                ),
                _ => None,
            })
            .unwrap()
    };
    let (error, session) = match api {
        Api::Sync => {
            let mut client = db.client();
            client.batch_execute(before).unwrap();
            let error = SESSION.runner().run(&mut client).unwrap_err();
            (error, first_row(client.simple_query(show).unwrap()))
        }
        Api::Async => db.with_async(|client| async move {
            client.batch_execute(before).await.unwrap();
            let error = SESSION.runner().run_async(&client).await.unwrap_err();
            (error, first_row(client.simple_query(show).await.unwrap()))
        }),
    };
    // 003 changed the session and failed; what it set is gone, the application's are back.
    let failure = error
        .migration_failure()
        .unwrap_or_else(|| panic!("{error}"));
    assert_eq!(failure.location(), "migrations/session/003_fails.sql:6:1");
    let user = db.column("SELECT session_user::text").remove(0);
    assert_eq!(
        session,
        [
            "8MB",
            "the app",
            "0",
            "\"$user\", public",
            "",
            user.as_str()
        ]
    );
    // 002 ran after 001's SET ROLE, SET search_path and SET statement_timeout: none reached it.
    assert_eq!(
        db.rows("SELECT statement_timeout, search_path, coalesce(flag, ''), who FROM seen"),
        [[
            Some("0"),
            Some("\"$user\", public"),
            Some(""),
            Some(user.as_str())
        ]
        .map(|v| v.map(str::to_owned))]
    );
    assert_eq!(db.history(), ["1 true 6", "2 true 1", "3 false 3"]);
}

fn plan_changes_nothing(api: Api) {
    let db = TestDb::new();
    let plan = api.plan(&db, &ORDERED.runner()).unwrap();
    let versions: Vec<Version> = plan.pending().iter().map(|p| p.version()).collect();
    assert_eq!(versions, [1, 2, 3]);
    assert!(plan.pending()[0]
        .statements()
        .next()
        .unwrap()
        .starts_with("CREATE TABLE IF NOT EXISTS users"));
    let text = plan.to_string();
    assert!(
        text.contains("migrations/ordered/003_indexes.sql (statement by statement"),
        "{text}"
    );
    assert!(
        !db.exists("schema_migrations"),
        "the dry run created nothing"
    );
    // Findings are returned, not raised.
    api.apply(&db, &ORDERED).unwrap();
    let plan = api.plan(&db, &ORDERED_MODIFIED.runner()).unwrap();
    assert!(plan.has_errors() && plan.pending().is_empty());
}

fn status_lists_everything(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &FAILING).unwrap_err();
    let status = api.status(&db, &FAILING_FIXED.runner()).unwrap();
    assert_eq!(status.applied.len(), 1);
    assert!(status.applied[0].execution_ms.is_some());
    assert_eq!(status.failed(), [2]);
    assert_eq!(status.pending().len(), 1);
    let text = status.to_string();
    assert!(
        text.contains("Applied Migrations:\n  ✓ 1 users ("),
        "{text}"
    );
    assert!(text.contains("Total: 1 applied, 1 pending"), "{text}");

    let db = TestDb::new();
    api.apply(&db, &ORDERED_MORE).unwrap();
    let status = api.status(&db, &ORDERED_MODIFIED.runner()).unwrap();
    assert_eq!((status.modified(), status.missing()), (vec![V2], vec![V4]));
}

fn lock_timeout_names_the_holder(api: Api) {
    let db = TestDb::new();
    let runner = ORDERED.runner().lock_wait(Duration::from_millis(300));
    let mut holder = db.client();
    holder
        .batch_execute(&format!(
            "SET application_name = 'holder-test'; SELECT pg_advisory_lock({})",
            runner.table().lock_key()
        ))
        .unwrap();
    let pid = db_pid(&mut holder);
    let error = api.run(&db, &runner).unwrap_err();
    let Error::LockTimeout {
        holder: Some(found),
        waited,
        ..
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(
        (found.pid, found.application_name.as_str()),
        (pid, "holder-test")
    );
    assert!(*waited >= Duration::from_millis(300));
    assert!(
        error
            .to_string()
            .contains(&format!("pid {pid} (application_name 'holder-test'")),
        "{error}"
    );
    assert!(!db.exists("users"));
    drop(holder);
    assert_eq!(api.run(&db, &runner).unwrap().versions(), [1, 2, 3]);
}

fn statement_timeout_applies_per_migration(api: Api) {
    let db = TestDb::new();
    let runner = SLOW.runner().statement_timeout(Duration::from_millis(300));
    let error = api.run(&db, &runner).unwrap_err();
    let failure = error
        .migration_failure()
        .unwrap_or_else(|| panic!("{error}"));
    assert_eq!(failure.code, "57014");
    assert_eq!(failure.location(), "migrations/slow/002_slow.sql:2:1");
    assert!(!db.exists("slow_done"));
    // The setting was local to the migration's transaction.
    assert_eq!(db.history(), ["1 true 1", "2 false 0"]);
}

fn db_pid(client: &mut postgres::Client) -> i32 {
    client
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0)
}

/// The async operations' futures are `Send` (usable with `tokio::spawn`): checked at compile time.
#[allow(dead_code)]
fn async_operations_are_send(runner: &migrate_runtime::Runner, client: &tokio_postgres::Client) {
    fn send<T: Send>(_: T) {}
    send(runner.run_async(client));
    send(runner.run_to_async(client, 1));
    send(runner.plan_async(client));
    send(runner.status_async(client));
    send(runner.rollback_to_async(client, 1));
    send(runner.baseline_async(client, 1));
    send(ORDERED.run_async(client));
}

fn the_observer_sees_each_step_as_it_starts_and_ends(api: Api) {
    let db = TestDb::new();
    let events = Events::default();
    let report = api.run(&db, &events.observe(ORDERED.runner())).unwrap();
    assert_eq!(report.versions(), [1, 2, 3]);
    assert_eq!(
        events.take(),
        [
            "planned Apply 1,2,3",
            "started 1 migrations/ordered/001_users.sql at 0",
            "finished 1",
            "started 2 migrations/ordered/002_posts.sql at 0",
            "finished 2",
            "started 3 migrations/ordered/003_indexes.sql at 0",
            "finished 3",
        ]
    );
    // Nothing to do: no lock, no event.
    assert!(api
        .run(&db, &events.observe(ORDERED.runner()))
        .unwrap()
        .is_empty());
    assert!(events.take().is_empty());

    api.rollback_to(&db, &events.observe(ORDERED.runner()), 1)
        .unwrap();
    assert_eq!(
        events.take(),
        [
            "planned Rollback 3,2",
            "started 3 migrations/ordered/003_indexes.down.sql at 0",
            "finished 3",
            "started 2 migrations/ordered/002_posts.down.sql at 0",
            "finished 2",
        ]
    );

    // A failure: the step that failed, with the error the run returns; nothing after it.
    let db = TestDb::new();
    let error = api.run(&db, &events.observe(FAILING.runner())).unwrap_err();
    assert_eq!(error.migration_failure().unwrap().code, "42704", "{error}");
    assert_eq!(
        events.take(),
        [
            "planned Apply 1,2",
            "started 1 migrations/failing/001_users.sql at 0",
            "finished 1",
            "started 2 migrations/failing/002_broken.sql at 0",
            "failed 2 42704",
        ]
    );
}

fn only_confirmed_steps_run(api: Api) {
    let db = TestDb::new();
    api.run_to(&db, &ORDERED.runner(), 1).unwrap();
    // Someone confirms reverting 1; meanwhile a replica applies 2 and 3.
    let confirmed = ORDERED.runner().rollback_plan(&mut db.client(), 0).unwrap();
    assert_eq!(confirmed.len(), 1);
    api.apply(&db, &ORDERED).unwrap();
    let events = Events::default();
    let runner = events.observe(ORDERED.runner().only(confirmed.iter().map(|m| m.version())));
    let error = api.rollback_to(&db, &runner, 0).unwrap_err();
    assert!(
        matches!(&error, Error::NotConfirmed { operation: Operation::Rollback, unconfirmed } if unconfirmed[..] == [V3, V2]),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("it would now also revert 3, 2, which were not confirmed"),
        "{error}"
    );
    // Nothing ran, nothing was reported, the lock is released.
    assert!(events.take().is_empty());
    assert_eq!(db.history(), ["1 true 1", "2 true 2", "3 true 2"]);
    assert!(db.exists("posts"));
    assert!(db.advisory_locks().is_empty());
    // Fewer steps than confirmed are fine: 2 and 3 confirmed, 2 applied meanwhile.
    let db = TestDb::new();
    api.run_to(&db, &ORDERED.runner(), 2).unwrap();
    let runner = ORDERED.runner().only([V2, V3]);
    assert_eq!(api.run(&db, &runner).unwrap().versions(), [3]);
}
