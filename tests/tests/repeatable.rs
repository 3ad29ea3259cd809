//! Repeatable migrations (`R__{name}.sql`) on a real server: applied after the versioned ones,
//! again exactly when their text changed, each with its row in `<history>_repeatables` in one
//! transaction (nothing recorded when it fails), through a transaction pooler too.

use migrate_runtime::{Direction, Error, Migrations};
use migrate_tests::fixtures::{REPEATABLE, REPEATABLE_CHANGED, REPEATABLE_FAILING};
use migrate_tests::pgbouncer::PgBouncer;
use migrate_tests::TestDb;

const ROWS: &str =
    "SELECT name, checksum, applied_at::text FROM public.schema_migrations_repeatables \
                    ORDER BY name";

/// `name checksum` of each recorded repeatable migration.
fn recorded(db: &TestDb) -> Vec<String> {
    db.rows(ROWS)
        .into_iter()
        .map(|r| format!("{} {}", r[0].as_deref().unwrap(), r[1].as_deref().unwrap()))
        .collect()
}

/// When each recorded repeatable migration was applied, by name.
fn applied_at(db: &TestDb) -> Vec<String> {
    db.rows(ROWS)
        .into_iter()
        .map(|r| r[2].clone().unwrap())
        .collect()
}

/// `name checksum` of each repeatable migration of a set.
fn embedded(set: &Migrations) -> Vec<String> {
    set.repeatables()
        .iter()
        .map(|r| format!("{} {}", r.name(), r.checksum()))
        .collect()
}

fn names(report: &migrate_runtime::Report) -> Vec<&str> {
    report.repeatables.iter().map(|r| r.name.as_str()).collect()
}

/// The whole story on one connection: first run, no-op run, one file changed, status and plan.
fn applied_exactly_when_changed(db: &TestDb, mut client: postgres::Client) {
    let report = REPEATABLE.run(&mut client).unwrap();
    assert_eq!(report.versions().len(), 2, "{report}");
    assert_eq!(names(&report), ["a_views", "b_functions"], "{report}");
    assert!(
        report
            .to_string()
            .contains("2 repeatable migration(s) applied"),
        "{report}"
    );
    assert_eq!(recorded(db), embedded(&REPEATABLE));
    assert_eq!(db.column("SELECT total_balance()::text"), ["0"]);

    let report = REPEATABLE.run(&mut client).unwrap();
    assert!(report.is_empty(), "{report}");
    let before = applied_at(db);

    // Only `R__b_functions.sql` changed: it alone runs again.
    let plan = REPEATABLE_CHANGED.runner().plan(&mut client).unwrap();
    assert!(plan.pending().is_empty());
    let pending: Vec<&str> = plan
        .repeatables()
        .iter()
        .map(|p| p.repeatable().name())
        .collect();
    assert_eq!(pending, ["b_functions"]);
    assert_eq!(
        plan.repeatables()[0].recorded_checksum(),
        Some(REPEATABLE.repeatables()[1].checksum())
    );
    assert!(
        plan.to_string().contains("R__b_functions.sql (changed"),
        "{plan}"
    );
    let report = REPEATABLE_CHANGED.run(&mut client).unwrap();
    assert!(report.steps.is_empty(), "{report}");
    assert_eq!(names(&report), ["b_functions"], "{report}");
    assert_eq!(recorded(db), embedded(&REPEATABLE_CHANGED));
    let after = applied_at(db);
    assert_eq!(
        after[0], before[0],
        "the unchanged one is not applied again"
    );
    assert_ne!(after[1], before[1]);
    assert_eq!(db.column("SELECT total_balance()::text"), ["1000"]);

    let status = REPEATABLE_CHANGED.runner().status(&mut client).unwrap();
    assert!(status.plan.is_current());
    assert_eq!(status.repeatables.len(), 2);
    assert!(REPEATABLE_CHANGED.run(&mut client).unwrap().is_empty());
    // The older release sees its own text as changed: pending, not an error.
    let status = REPEATABLE.runner().status(&mut client).unwrap();
    assert!(status.findings().is_empty());
    assert_eq!(status.plan.repeatables().len(), 1);
}

#[test]
fn repeatables_run_after_the_versioned_ones_and_again_exactly_when_changed() {
    let db = TestDb::new();
    applied_exactly_when_changed(&db, db.client());
}

#[test]
fn repeatables_are_applied_exactly_when_changed_through_a_transaction_pooler() {
    let Some(bouncer) = PgBouncer::start("transaction", 2) else {
        return;
    };
    let db = TestDb::new();
    applied_exactly_when_changed(&db, bouncer.client(&db));
    assert!(db.advisory_locks().is_empty(), "{:?}", db.advisory_locks());
}

#[test]
fn a_failing_repeatable_rolls_back_and_records_nothing() {
    let db = TestDb::new();
    let error = REPEATABLE_FAILING.run(&mut db.client()).unwrap_err();
    let Error::Migration(failure) = &error else {
        panic!("{error}");
    };
    assert_eq!(failure.direction, Direction::Repeatable);
    assert_eq!(
        failure.path,
        "migrations/repeatable_failing/R__c_narrower.sql"
    );
    assert_eq!(failure.statement, Some(1), "{failure}");
    assert_eq!(failure.line, 4, "{failure}");
    assert_eq!(failure.code, "42P16", "{failure}");
    let message = error.to_string();
    assert!(
        message.contains("repeatable migration c_narrower failed at"),
        "{message}"
    );
    assert!(
        message.contains("the transaction was rolled back"),
        "{message}"
    );
    // The versioned migrations and the repeatables before it committed, each on its own; the
    // failing one left nothing: no row, the view as it was, its grant not given.
    assert_eq!(db.history().len(), 2, "{:?}", db.history());
    assert_eq!(recorded(&db), embedded(&REPEATABLE));
    assert_eq!(
        db.column(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'account_notes'::regclass \
             AND attnum > 0 ORDER BY attnum"
        ),
        ["id", "note", "balance"]
    );
    assert_eq!(
        db.column("SELECT has_table_privilege('public', 'account_notes', 'SELECT')::text"),
        ["false"]
    );
    // The next run tries it again (and fails again, naming it).
    let status = REPEATABLE_FAILING
        .runner()
        .status(&mut db.client())
        .unwrap();
    let pending: Vec<&str> = status
        .plan
        .repeatables()
        .iter()
        .map(|p| p.repeatable().name())
        .collect();
    assert_eq!(pending, ["c_narrower"]);
}

#[test]
fn a_recorded_repeatable_whose_file_is_gone_is_reported() {
    let db = TestDb::new();
    REPEATABLE.run(&mut db.client()).unwrap();
    db.execute(
        "INSERT INTO public.schema_migrations_repeatables (name, checksum) VALUES ('old', 'x')",
    );
    let plan = REPEATABLE.runner().plan(&mut db.client()).unwrap();
    assert!(plan.is_current());
    let gone: Vec<&str> = plan
        .repeatables_gone()
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(gone, ["old"]);
    assert!(
        plan.to_string()
            .contains("repeatable migration old was applied at"),
        "{plan}"
    );
}

/// What 001 and 002 of `REPEATABLE` build, written as `pg_dump` writes it.
const CHECKPOINT: &str = "\
CREATE TABLE public.accounts (id bigint NOT NULL, note text NOT NULL, balance bigint DEFAULT 0 NOT NULL);
ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
";

/// A fresh database whose set has a checkpoint runs the checkpoint, then the repeatables (the
/// checkpoint stands for versioned files only), and ends as the replay does.
#[test]
fn a_fresh_database_runs_the_checkpoint_then_the_repeatables() {
    use migrate_runtime::{Migration, Script, Statement, Transaction, Version};
    let statements = CHECKPOINT
        .match_indices(";\n")
        .scan(0, |start, (end, _)| {
            let statement = Statement::new(*start, end);
            *start = end + 2;
            Some(statement)
        })
        .collect();
    let checkpoint = Script::new(
        "migrations/repeatable/002_balance.checkpoint.sql",
        CHECKPOINT,
        Transaction::Single,
        statements,
    )
    .unwrap();
    let list = REPEATABLE
        .iter()
        .map(|m| {
            let copy = Migration::new(m.version(), m.name().to_owned(), m.up().clone(), None);
            match m.version() == Version::new(2) {
                true => copy.with_checkpoint(checkpoint.clone()).unwrap(),
                false => copy,
            }
        })
        .collect();
    let set = Migrations::new(list)
        .unwrap()
        .with_repeatables(REPEATABLE.repeatables().to_vec())
        .unwrap();

    let db = TestDb::new();
    let status = set.runner().status(&mut db.client()).unwrap();
    assert_eq!(
        status.checkpoint().map(|c| c.version()),
        Some(Version::new(2))
    );
    assert_eq!(status.plan.repeatables().len(), 2);
    let report = set.runner().run(&mut db.client()).unwrap();
    assert_eq!(
        report
            .steps
            .iter()
            .map(|s| s.path.as_str())
            .collect::<Vec<_>>(),
        ["migrations/repeatable/002_balance.checkpoint.sql"],
        "{report}"
    );
    assert_eq!(names(&report), ["a_views", "b_functions"], "{report}");
    assert_eq!(recorded(&db), embedded(&REPEATABLE));
    let replayed = TestDb::new();
    REPEATABLE.run(&mut replayed.client()).unwrap();
    assert_eq!(db.snapshot(), replayed.snapshot());
    assert_eq!(db.column("SELECT total_balance()::text"), ["0"]);
    assert!(set.runner().run(&mut db.client()).unwrap().is_empty());
}
