//! `tracing` logs one line per migration; a panic while the lock is held releases it (the guard's
//! destructor), leaving the connection usable. The panic is raised by a `tracing` subscriber on
//! the first "applied" line, i.e. in the middle of a run, with the lock held.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use migrate_tests::fixtures::ORDERED;
use migrate_tests::TestDb;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Counts the runtime's INFO events; panics on the first one when asked to.
struct Lines {
    count: Arc<AtomicUsize>,
    panic: bool,
}

impl Subscriber for Lines {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        if metadata.target().starts_with("migrate_runtime")
            && *metadata.level() == tracing::Level::INFO
        {
            self.count.fetch_add(1, Ordering::SeqCst);
            assert!(!self.panic, "a panic in the middle of a run");
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn one_log_line_per_migration() {
    let db = TestDb::new();
    let count = Arc::new(AtomicUsize::new(0));
    let lines = Lines {
        count: Arc::clone(&count),
        panic: false,
    };
    tracing::subscriber::with_default(lines, || ORDERED.run(&mut db.client()).unwrap());
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[test]
fn a_panic_releases_the_lock() {
    let db = TestDb::new();
    let mut client = db.client();
    let lines = Lines {
        count: Arc::new(AtomicUsize::new(0)),
        panic: true,
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tracing::subscriber::with_default(lines, || ORDERED.run(&mut client))
    }));
    assert!(outcome.is_err(), "the run panicked");
    // The client is still open, yet holds no lock: the guard released it while unwinding.
    assert!(db.advisory_locks().is_empty());
    assert_eq!(db.history(), ["1 true 1"]);
    // The same client goes on.
    assert_eq!(ORDERED.run(&mut client).unwrap().versions(), [2, 3]);
}
