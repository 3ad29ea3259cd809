//! What the runner is doing, as it happens: the [`Event`]s given to the observer set with
//! [`Runner::observe`](crate::Runner::observe), beside the `tracing` events.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::embedded::Migration;
use crate::error::Error;
use crate::lock::LockHolder;
use crate::report::{Operation, Step};
use migrate_core::{PgVersion, Version};

/// One moment of an operation, in the order they happen: `OlderServer` after the first read of
/// a run, when the server is older than the migrations' target; `Planned` once the lock is
/// held and the history read under it, then for each migration `Started`, any number of
/// `Retrying`, and one of `Finished`, `AppliedElsewhere` or `Failed`.
///
/// Nothing else is reported for an operation that finds nothing to do (it takes no lock), nor
/// for errors before `Planned` (validation, the lock wait): the operation returns those.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The server's major version is older than the one the migrations were checked for
    /// ([`Runner::target`](crate::Runner::target), `postgres` in `migrate.toml`): a statement
    /// newer than the server fails when it runs. The run goes on.
    OlderServer {
        /// The server's major version.
        server: PgVersion,
        /// The migrations' target.
        target: PgVersion,
    },
    /// The steps the operation will run, in order, as decided under the lock.
    Planned {
        /// `Apply` or `Rollback`.
        operation: Operation,
        /// The versions, in the order they will run (newest first for a rollback).
        versions: &'a [Version],
    },
    /// A migration's script starts (its down file for a rollback).
    Started {
        /// `Apply` or `Rollback`.
        operation: Operation,
        /// The migration.
        migration: &'a Migration,
        /// The file that runs.
        path: &'a str,
        /// The first statement that runs (0-based): non-zero when a no-transaction file
        /// resumes after an interruption.
        resume_at: usize,
    },
    /// A transactional script waited longer than its `lock_timeout` for a lock and was rolled
    /// back (nothing of it stayed); it runs again after `sleep`.
    Retrying {
        /// The migration.
        migration: &'a Migration,
        /// The file that runs again.
        path: &'a str,
        /// The attempt that timed out (1 for the first).
        attempt: u32,
        /// How many retries the runner makes in all ([`Runner::lock_retries`]).
        ///
        /// [`Runner::lock_retries`]: crate::Runner::lock_retries
        retries: u32,
        /// The pause before the next attempt.
        sleep: Duration,
        /// The sessions that likely held the lock (empty when they let go before being read).
        blocked_by: &'a [LockHolder],
    },
    /// A migration's script ran and its history change committed.
    Finished {
        /// `Apply` or `Rollback`.
        operation: Operation,
        /// The step, as the operation's [`Report`](crate::Report) holds it.
        step: &'a Step,
    },
    /// Another migrator recorded the migration as applied first; nothing of this attempt
    /// stayed, and the operation goes on with the next one.
    AppliedElsewhere {
        /// The migration.
        migration: &'a Migration,
    },
    /// A migration's script failed; the operation stops and returns `error`.
    Failed {
        /// `Apply` or `Rollback`.
        operation: Operation,
        /// The migration.
        migration: &'a Migration,
        /// The file that failed.
        path: &'a str,
        /// The error the operation returns.
        error: &'a Error,
    },
}

/// A callback that receives events.
type Callback = dyn Fn(&Event<'_>) + Send + Sync;

/// The observer of a runner: a shared callback, or none.
#[derive(Clone, Default)]
pub(crate) struct Observer(Option<Arc<Callback>>);

impl Observer {
    pub(crate) fn new(f: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    /// Reports `event` to the callback, if there is one.
    pub(crate) fn emit(&self, event: Event<'_>) {
        if let Some(f) = &self.0 {
            f(&event);
        }
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Observer(set)"
        } else {
            "Observer(none)"
        })
    }
}
