//! The crates.io corpus (`tests/corpus/cratesio`, as `migrate import --from diesel` converts it)
//! and the OpenTDF corpus (goose, `tests/corpus/opentdf`) applied in order to a real database
//! through the runtime, then rolled back with their down files. Their SQL was not written to be
//! idempotent, so those rules are relaxed here.

use migrate_runtime::Version;
use migrate_tests::fixtures::{cratesio_runner as runner, CRATESIO, OPENTDF};
use migrate_tests::proxy::CountingProxy;
use migrate_tests::{Api, TestDb};

fn cratesio_applies_then_rolls_back(api: Api) {
    let db = TestDb::new();
    let report = api.run(&db, &runner()).unwrap();
    assert_eq!(report.steps.len(), CRATESIO.len());
    assert!(db.exists("crates") && db.exists("versions"));
    assert!(api.run(&db, &runner()).unwrap().is_empty());

    // Roll back with the down files, newest first, down to the first one that is broken as
    // written (it drops a constraint that its up file created as an index).
    let broken: Version = "20241025112826000014".parse().unwrap();
    let newer = CRATESIO.iter().filter(|m| m.version() > broken).count();
    let report = api.rollback_to(&db, &runner(), broken).unwrap();
    assert_eq!(report.steps.len(), newer, "{report}");
    let error = api
        .rollback_to(&db, &runner(), Version::new(u128::from(broken) - 1))
        .unwrap_err();
    let failure = error
        .migration_failure()
        .unwrap_or_else(|| panic!("{error}"));
    assert_eq!(failure.version, broken);
    assert_eq!(failure.code, "42704");
    // Forward again: the reverted migrations re-apply.
    assert_eq!(api.run(&db, &runner()).unwrap().steps.len(), newer);
}

migrate_tests::for_both_apis!(
    cratesio_applies_then_rolls_back,
    opentdf_applies_rolls_back_and_applies_again
);

/// Start-up over a long history: with everything applied, one round trip (versions and
/// checksums only) and no lock; a row from a newer build, or a changed file, costs one more read
/// for the findings, still without the lock.
#[test]
fn start_up_over_a_long_history_reads_once_and_takes_no_lock() {
    let db = TestDb::new();
    runner().run(&mut db.client()).unwrap();
    let proxy = CountingProxy::start();
    let mut client = proxy.config(&db).connect(postgres::NoTls).unwrap();
    proxy.take();

    assert!(runner().run(&mut client).unwrap().is_empty());
    assert_eq!(proxy.take(), 1);

    db.execute(
        "INSERT INTO migrate_history (version, name, checksum, success) \
         VALUES (99999999999999999999999, 'from_a_newer_build', 'c', true)",
    );
    let report = runner().run(&mut client).unwrap();
    assert_eq!(proxy.take(), 2);
    assert!(
        report.is_empty() && report.to_string().contains("from_a_newer_build"),
        "{report}"
    );

    let changed = CRATESIO.as_slice()[100].version();
    db.execute(&format!(
        "UPDATE migrate_history SET checksum = 'edited' WHERE version = {changed}"
    ));
    let error = runner().run(&mut client).unwrap_err();
    assert_eq!(proxy.take(), 2);
    assert!(
        error.to_string().contains(&changed.to_string()) && error.to_string().contains("edited"),
        "{error}"
    );
}

/// The OpenTDF corpus (`tests/corpus/opentdf`, goose files as `migrate import --from goose`
/// splits them): applied in order, rolled back to nothing with the down files (goose's `Down`
/// sections), then applied again.
fn opentdf_applies_rolls_back_and_applies_again(api: Api) {
    let db = TestDb::new();
    let runner = OPENTDF.runner();
    assert_eq!(api.run(&db, &runner).unwrap().steps.len(), OPENTDF.len());
    assert!(db.exists("attribute_definitions") && db.exists("subject_mappings"));
    let report = api.rollback_to(&db, &runner, Version::new(0)).unwrap();
    assert_eq!(report.steps.len(), OPENTDF.len(), "{report}");
    assert!(!db.exists("attribute_definitions"));
    assert_eq!(api.run(&db, &runner).unwrap().steps.len(), OPENTDF.len());
}
