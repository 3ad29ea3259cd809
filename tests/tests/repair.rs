//! `Runner::repair` against a real PostgreSQL, through the sync and the async API: each action's
//! effect on the history, each refusal (nothing changed, no audit row), the audit row written
//! with the change, `status` showing it, and the migration lock held.

use std::time::Duration;

use migrate_runtime::{
    Error, Refusal, Repair, RepairAction, RowState, Runner, Version, DEFAULT_HISTORY_TABLE,
};
use migrate_tests::fixtures::*;
use migrate_tests::{for_both_apis, Api, TestDb};

use RepairAction::{AcceptChecksum, ForgetFailure, MarkApplied, MarkNotApplied};

for_both_apis!(
    accept_checksum_records_the_file_s_checksum,
    forget_failure_makes_a_failed_version_pending_again,
    mark_applied_records_without_running,
    mark_not_applied_forgets_the_row,
    a_refused_repair_changes_nothing_and_audits_nothing,
    the_repair_holds_the_migration_lock,
    the_audit_table_follows_the_history_table,
    the_change_and_its_audit_row_commit_together,
);

/// A repair with a reason, from `alice` on `laptop`.
fn repair(action: RepairAction, version: u64) -> Repair {
    Repair::new(action, version, "fixed by hand, INC-42")
        .client(Some("alice".to_owned()), Some("laptop".to_owned()))
}

/// The refusal of a repair that must be refused.
#[track_caller]
fn refusal(result: Result<migrate_runtime::RepairChange, Error>) -> Refusal {
    match result {
        Err(Error::RepairRefused { refusal, .. }) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The audit rows of `public.schema_migrations_repairs`, oldest first: action, version, name,
/// before, after, reason, who.
fn audit(db: &TestDb) -> Vec<String> {
    db.column(
        "SELECT concat_ws(' ', action, version, name, before_state, coalesce(before_checksum, '-'), \
         after_state, coalesce(after_checksum, '-'), '|', reason, '|', database_user = current_user, \
         client_user, client_host, abs(extract(epoch FROM now() - repaired_at)) < 60) \
         FROM public.schema_migrations_repairs ORDER BY id",
    )
}

fn checksum(version: u64) -> String {
    ORDERED.get(version).unwrap().checksum().to_owned()
}

fn modified_checksum() -> String {
    ORDERED_MODIFIED.get(2).unwrap().checksum().to_owned()
}

fn accept_checksum_records_the_file_s_checksum(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &ORDERED).unwrap();
    // 002 was edited on purpose after it was applied: a run refuses it.
    let error = api.apply(&db, &ORDERED_MODIFIED).unwrap_err();
    assert!(matches!(error, Error::Validation(_)), "{error}");

    let runner = ORDERED_MODIFIED.runner();
    let planned = api
        .repair_plan(&db, &runner, repair(AcceptChecksum, 2))
        .unwrap();
    assert!(
        !db.exists("schema_migrations_repairs"),
        "a dry run writes nothing"
    );
    let change = api
        .repair(&db, &runner, repair(AcceptChecksum, 2).confirmed(planned))
        .unwrap();
    assert_eq!(change.before, RowState::Applied(checksum(2)));
    assert_eq!(change.after, RowState::Applied(modified_checksum()));
    assert_eq!(
        db.column("SELECT checksum FROM schema_migrations WHERE version = 2"),
        [modified_checksum()]
    );
    assert_eq!(
        audit(&db),
        [format!(
            "accept-checksum 2 posts applied {} applied {} | fixed by hand, INC-42 | t alice laptop t",
            checksum(2),
            modified_checksum()
        )]
    );
    // The edited folder is now the applied one; the old one is the modified one.
    assert!(api.apply(&db, &ORDERED_MODIFIED).unwrap().is_empty());
    assert!(api.apply(&db, &ORDERED).is_err());

    let status = api.status(&db, &runner).unwrap();
    assert!(status.findings().is_empty(), "{status}");
    let [record] = &status.repairs[..] else {
        panic!("one repair: {status}");
    };
    assert_eq!(record.change, change);
    assert_eq!(record.reason, "fixed by hand, INC-42");
    assert_eq!(record.client_user.as_deref(), Some("alice"));
    assert_eq!(record.client_host.as_deref(), Some("laptop"));
    assert!(record.at.ends_with('Z'), "{}", record.at);
    let text = status.to_string();
    assert!(text.contains("Repairs (newest first):"), "{text}");
    assert!(
        text.contains("accept-checksum 2 (posts): applied (checksum "),
        "{text}"
    );
    assert!(
        text.contains("(alice@laptop): fixed by hand, INC-42"),
        "{text}"
    );

    // Accepted already: nothing to accept.
    assert!(matches!(
        refusal(api.repair(&db, &runner, repair(AcceptChecksum, 2))),
        Refusal::ChecksumMatches { .. }
    ));
    assert_eq!(audit(&db).len(), 1);
}

fn forget_failure_makes_a_failed_version_pending_again(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &FAILING).unwrap_err();
    assert_eq!(db.history(), ["1 true 1", "2 false 0"]);
    let strict = FAILING_FIXED.runner().retry_failed(false);
    // A strict run refuses to retry a failed migration ...
    assert!(matches!(
        api.run(&db, &strict).unwrap_err(),
        Error::Validation(_)
    ));
    let change = api.repair(&db, &strict, repair(ForgetFailure, 2)).unwrap();
    assert_eq!(
        change.before,
        RowState::Failed(FAILING.get(2).unwrap().checksum().to_owned())
    );
    assert_eq!(change.after, RowState::Absent);
    assert_eq!(db.history(), ["1 true 1"]);
    // ... and applies it once the failure is forgotten.
    assert_eq!(api.run(&db, &strict).unwrap().versions(), [2]);
    assert!(db.exists("audit"));
    let rows = audit(&db);
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].starts_with("forget-failure 2 broken failed ") && rows[0].contains(" absent - |"),
        "{rows:?}"
    );

    // Nothing failed any more: nothing to forget.
    assert_eq!(
        refusal(api.repair(&db, &strict, repair(ForgetFailure, 2))),
        Refusal::NoFailure { applied: true }
    );
    assert_eq!(
        refusal(api.repair(&db, &strict, repair(ForgetFailure, 9))),
        Refusal::NoFailure { applied: false }
    );
}

fn mark_applied_records_without_running(api: Api) {
    let db = TestDb::new();
    let runner = ORDERED.runner();
    api.run_to(&db, &runner, 1).unwrap();
    // 003's indexes were built by hand; 002 was not.
    db.execute("CREATE INDEX users_email_idx ON users (email)");
    assert_eq!(
        refusal(api.repair(&db, &runner, repair(MarkApplied, 3))),
        Refusal::PendingBelow {
            versions: vec![Version::new(2)]
        }
    );
    let error = api
        .repair(&db, &runner, repair(MarkApplied, 3))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Runner::allow_out_of_order(true) makes the repair anyway"),
        "{error}"
    );
    let change = api
        .repair(
            &db,
            &runner.clone().allow_out_of_order(true),
            repair(MarkApplied, 3),
        )
        .unwrap();
    assert_eq!(change.before, RowState::Absent);
    assert_eq!(change.after, RowState::Applied(checksum(3)));
    assert_eq!(db.history(), ["1 true 1", "3 true 2"]);
    assert_eq!(
        db.column(
            "SELECT checksum || ' ' || execution_ms FROM schema_migrations WHERE version = 3"
        ),
        [format!("{} 0", checksum(3))]
    );
    assert!(!db.exists("users_id_email_idx"), "003 did not run");

    // A failed attempt finished by hand is marked applied in its place.
    let db = TestDb::new();
    api.apply(&db, &FAILING).unwrap_err();
    db.execute(
        "CREATE TABLE audit (id bigint PRIMARY KEY); ALTER TABLE users ADD COLUMN nickname text",
    );
    let change = api
        .repair(&db, &FAILING.runner(), repair(MarkApplied, 2))
        .unwrap();
    assert!(matches!(change.before, RowState::Failed(_)), "{change}");
    assert_eq!(db.history(), ["1 true 1", "2 true 2"]);
    assert!(api.apply(&db, &FAILING).unwrap().is_empty());

    assert_eq!(
        refusal(api.repair(&db, &FAILING.runner(), repair(MarkApplied, 2))),
        Refusal::AlreadyApplied
    );
    let error = api
        .repair(&db, &FAILING.runner(), repair(MarkApplied, 7))
        .unwrap_err();
    assert!(matches!(
        error,
        Error::RepairRefused {
            refusal: Refusal::NotEmbedded,
            ..
        }
    ));
    assert!(
        error
            .to_string()
            .starts_with("refusing to mark migration 7 applied: migration 7 is not one of the embedded migrations"),
        "{error}"
    );
}

fn mark_not_applied_forgets_the_row(api: Api) {
    let db = TestDb::new();
    let runner = ORDERED.runner();
    api.apply(&db, &ORDERED).unwrap();
    assert_eq!(
        refusal(api.repair(&db, &runner, repair(MarkNotApplied, 2))),
        Refusal::AppliedAbove {
            newest: Version::new(3)
        }
    );
    // The indexes were dropped by hand: 003 is not applied any more.
    db.execute("DROP INDEX users_email_idx; DROP INDEX users_id_email_idx");
    let change = api.repair(&db, &runner, repair(MarkNotApplied, 3)).unwrap();
    assert_eq!(change.before, RowState::Applied(checksum(3)));
    assert_eq!(change.after, RowState::Absent);
    assert_eq!(db.history(), ["1 true 1", "2 true 2"]);
    // The next run applies it again.
    assert_eq!(api.apply(&db, &ORDERED).unwrap().versions(), [3]);
    assert!(db.exists("users_email_idx"));

    // A file removed on purpose: its version is forgotten though a newer one is applied (a
    // version this build does not embed never becomes pending).
    let gap = ORDERED_GAP.runner();
    let error = api.run(&db, &gap).unwrap_err();
    assert!(matches!(error, Error::Validation(_)), "{error}");
    api.repair(&db, &gap, repair(MarkNotApplied, 2)).unwrap();
    assert_eq!(db.history(), ["1 true 1", "3 true 2"]);
    assert!(api.run(&db, &gap).unwrap().is_empty());
    assert!(api.status(&db, &gap).unwrap().findings().is_empty());
    assert_eq!(audit(&db).len(), 2);
}

fn a_refused_repair_changes_nothing_and_audits_nothing(api: Api) {
    let db = TestDb::new();
    let runner = ORDERED.runner();
    api.run_to(&db, &runner, 2).unwrap();
    let before = db.snapshot();
    for reason in ["", "   "] {
        let error = api
            .repair(&db, &runner, Repair::new(MarkNotApplied, 2, reason))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("refusing to mark migration 2 not applied: no reason was given"),
            "{error}"
        );
    }
    for (action, version, expected) in [
        (
            AcceptChecksum,
            1,
            Refusal::ChecksumMatches {
                checksum: checksum(1),
            },
        ),
        (AcceptChecksum, 3, Refusal::NotApplied { failed: false }),
        (MarkNotApplied, 3, Refusal::NotApplied { failed: false }),
        (
            MarkNotApplied,
            1,
            Refusal::AppliedAbove {
                newest: Version::new(2),
            },
        ),
        (ForgetFailure, 1, Refusal::NoFailure { applied: true }),
        (MarkApplied, 2, Refusal::AlreadyApplied),
    ] {
        assert_eq!(
            refusal(api.repair(&db, &runner, repair(action, version))),
            expected,
            "{action} {version}"
        );
        assert_eq!(
            refusal(api.repair_plan(&db, &runner, repair(action, version))),
            expected,
            "{action} {version}, dry run"
        );
    }
    assert_eq!(db.snapshot(), before);
    assert!(!db.exists("schema_migrations_repairs"));
    assert!(db.advisory_locks().is_empty(), "the lock is released");
    // On an empty database a refused repair does not even create the history table.
    let empty = TestDb::new();
    assert_eq!(
        refusal(api.repair(&empty, &runner, repair(MarkNotApplied, 1))),
        Refusal::NotApplied { failed: false }
    );
    assert!(!empty.exists("schema_migrations"));
    // Marking applied the first migration of an empty database creates both tables.
    api.repair(&empty, &runner, repair(MarkApplied, 1)).unwrap();
    assert_eq!(empty.history(), ["1 true 1"]);
    assert_eq!(audit(&empty).len(), 1);
}

fn the_repair_holds_the_migration_lock(api: Api) {
    let db = TestDb::new();
    api.apply(&db, &FAILING).unwrap_err();
    let key = migrate_runtime::HistoryTable::default().lock_key();
    let mut holder = db.client();
    holder
        .batch_execute(&format!(
            "SET application_name = 'other-migrator'; SELECT pg_advisory_lock({key})"
        ))
        .unwrap();
    let waiting = FAILING.runner().lock_wait(Duration::from_millis(300));
    let error = api
        .repair(&db, &waiting, repair(ForgetFailure, 2))
        .unwrap_err();
    assert!(matches!(error, Error::LockTimeout { .. }), "{error}");
    assert!(error.to_string().contains("other-migrator"), "{error}");
    assert_eq!(db.history(), ["1 true 1", "2 false 0"], "nothing changed");
    assert!(!db.exists("schema_migrations_repairs"));
    // The repair waits for the holder, then goes on.
    let released = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        holder
            .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
            .unwrap();
    });
    api.repair(&db, &FAILING.runner(), repair(ForgetFailure, 2))
        .unwrap();
    released.join().unwrap();
    assert_eq!(db.history(), ["1 true 1"]);
    assert!(
        db.advisory_locks().is_empty(),
        "the repair released the lock"
    );
}

fn the_audit_table_follows_the_history_table(api: Api) {
    let db = TestDb::new();
    let runner: Runner = ORDERED.runner().history_table("Audit Trail", "applied");
    api.run(&db, &runner).unwrap();
    db.execute("DROP INDEX users_email_idx; DROP INDEX users_id_email_idx");
    api.repair(&db, &runner, repair(MarkNotApplied, 3)).unwrap();
    assert_eq!(
        db.column("SELECT action || ' ' || version FROM \"Audit Trail\".applied_repairs"),
        ["mark-not-applied 3"]
    );
    assert!(!db.exists(&format!("{DEFAULT_HISTORY_TABLE}_repairs")));
    assert_eq!(api.status(&db, &runner).unwrap().repairs.len(), 1);
    assert!(api
        .status(&db, &ORDERED.runner())
        .unwrap()
        .repairs
        .is_empty());
}

fn the_change_and_its_audit_row_commit_together(api: Api) {
    let db = TestDb::new();
    let runner = ORDERED.runner();
    api.apply(&db, &ORDERED).unwrap();
    db.execute("DROP INDEX users_email_idx; DROP INDEX users_id_email_idx");
    api.repair(&db, &runner, repair(MarkNotApplied, 3)).unwrap();
    api.apply(&db, &ORDERED).unwrap();
    // The audit refuses the next row: the change is rolled back with it.
    db.execute(
        "ALTER TABLE schema_migrations_repairs ADD CONSTRAINT no_tickets CHECK (reason NOT LIKE '%INC-%') NOT VALID",
    );
    let before = db.snapshot();
    let error = api
        .repair(&db, &runner, repair(MarkNotApplied, 3))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("could not record the repair: ERROR 23514"),
        "{error}"
    );
    assert_eq!(db.snapshot(), before);
    assert_eq!(audit(&db).len(), 1);
    assert!(db.advisory_locks().is_empty(), "the lock is released");
}
