//! The crates.io corpus (`../shared/corpus/cratesio`, imported by `scripts/import-corpus`)
//! applied in order to a real database through the runtime, then rolled back with its down
//! files. Its SQL was not written to be idempotent, so those rules are relaxed here.

use migrate_tests::fixtures::{cratesio_runner as runner, CRATESIO};
use migrate_tests::{Api, TestDb};

fn cratesio_applies_then_rolls_back(api: Api) {
    let db = TestDb::new();
    let report = api.run(&db, &runner()).unwrap();
    assert_eq!(report.steps.len(), CRATESIO.len());
    assert!(db.exists("crates") && db.exists("versions"));
    assert!(api.run(&db, &runner()).unwrap().is_empty());

    // Roll back with the down files, newest first, down to the first one that is broken as
    // written (it drops a constraint that its up file created as an index).
    let broken = 202410251128260;
    let newer = CRATESIO.iter().filter(|m| m.version() > broken).count();
    let report = api.rollback_to(&db, &runner(), broken).unwrap();
    assert_eq!(report.steps.len(), newer, "{report}");
    let error = api.rollback_to(&db, &runner(), broken - 1).unwrap_err();
    let failure = error
        .migration_failure()
        .unwrap_or_else(|| panic!("{error}"));
    assert_eq!(failure.version, broken);
    assert_eq!(failure.code, "42704");
    // Forward again: the reverted migrations re-apply.
    assert_eq!(api.run(&db, &runner()).unwrap().steps.len(), newer);
}

migrate_tests::for_both_apis!(cratesio_applies_then_rolls_back);
