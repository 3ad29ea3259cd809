//! The operations (`run`, `run_to`, `plan`, `status`, `rollback_to`, `rollback_plan`, `baseline`,
//! `repair`, `repair_plan`), written once as `async` code over
//! [`Connection`](crate::conn::Connection), one module per operation (`apply`, `rollback`,
//! `baseline`, `repair`, `status`), and [`Runner`] (`builder`), which holds
//! the options; the macro below exposes each operation for the sync client and (feature
//! `tokio`) the async one.
//!
//! Round trips (after connecting):
//! - nothing pending: 1 (read the applied versions and checksums; no lock), + 1 (read the whole
//!   rows, still no lock) when the history differs from the embedded set (a newer replica's
//!   migrations, an allowed change) and the findings need them;
//! - something pending: 1 (read) + 1 (create the table, when missing) + 1 (lock) + 1 (read the
//!   whole rows under the lock and check the table's shape) + 1 per transactional migration +
//!   1 (unlock); a no-transaction migration costs 2 per statement (the statement, its progress
//!   row) + 1.
//!
//! Behind a transaction pooler (the backend pid of the first read and of a lock attempt differ;
//! see [`crate::lock`]) no session lock is taken and there is no unlock; each transactional
//! migration guards itself in its own transaction, and pending no-transaction files are
//! refused before anything runs ([`Error::TransactionPooler`]).
//!
//! A repair: 1 (lock) + 1 (read the whole rows) + 1 (does the audit table exist) + 1 (the
//! change and its audit row in one transaction) + 1 (unlock). `status` reads the audit table
//! too: + 1 (does it exist), + 1 (its newest rows) when it does.
//!
//! A drift (`drift`: the part on the live database; `Runner::drift` itself is in
//! `template::drift`, which builds the throwaway database): 1 (lock) + 1 (read the whole
//! rows) + 1 (the catalog, every kind in one read-only transaction) + 1 (unlock); then, on
//! other connections, the throwaway database: create, apply, read the catalog, drop.

mod apply;
mod baseline;
mod builder;
pub(crate) mod drift;
mod repair;
mod rollback;
mod status;

pub use builder::Runner;

use crate::conn;
use crate::embedded::Migration;
use crate::error::Error;
use crate::peer::PeerHistory;
use crate::plan::Plan;
use crate::repair::{Repair, RepairChange};
use crate::report::{Report, Status};
use migrate_core::Version;

/// Declares each operation once, as a sync method and an async one calling the same code.
macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        fn $sync:ident / $async:ident ($($arg:ident : $ty:ty),*) -> $out:ty = $op:path;
    )*) => {
        impl Runner {
            $(
                $(#[doc = $doc])*
                pub fn $sync(&self, client: &mut postgres::Client $(, $arg: impl Into<$ty>)*) -> Result<$out, Error> {
                    conn::block_on($op(&mut conn::Blocking(client), self $(, $arg.into())*))
                }

                $(#[doc = $doc])*
                ///
                /// Async, on a `tokio_postgres::Client`. Dropping the future mid-way releases
                /// the lock (the release is queued on the connection).
                #[cfg(feature = "tokio")]
                pub async fn $async(&self, client: &tokio_postgres::Client $(, $arg: impl Into<$ty>)*) -> Result<$out, Error> {
                    $op(&mut conn::NonBlocking(client), self $(, $arg.into())*).await
                }
            )*
        }
    };
}

operations! {
    /// Applies every pending migration, in order, each with its history row in one transaction.
    /// Validates before it writes anything (see the builder methods for what is an error). When
    /// every embedded migration is applied it takes no lock and costs one round trip that reads
    /// only versions and checksums (a second one, for the findings, when the history also holds
    /// other rows). Stops at the first failing migration.
    fn run / run_async() -> Report = apply::run;
    /// Applies the pending migrations up to `version` (inclusive), which must be embedded.
    fn run_to / run_to_async(version: Version) -> Report = apply::run_to;
    /// Dry run: what `run` would apply, with its SQL, and what validation finds. Changes
    /// nothing (not even the history table's creation) and takes no lock.
    fn plan / plan_async() -> Plan = status::dry_run;
    /// The applied migrations (with time and duration), the pending ones, and the modified,
    /// missing and failed ones. Changes nothing.
    fn status / status_async() -> Status = status::status;
    /// Reverts the applied migrations newer than `version` with their down files, newest first,
    /// each with the deletion of its history row in one transaction. Fails before reverting
    /// anything when one of them has no down file or is not embedded.
    fn rollback_to / rollback_to_async(version: Version) -> Report = rollback::rollback_to;
    /// Dry run of [`Runner::rollback_to`]: the migrations it would revert, newest first, or the
    /// error it would return before reverting anything. Changes nothing and takes no lock.
    fn rollback_plan / rollback_plan_async(version: Version) -> Vec<Migration> = rollback::rollback_plan;
    /// Records the migrations up to `version` as applied without running them (for a database
    /// that already has that schema). Refuses a history table that holds rows unless
    /// [`Runner::force_baseline`].
    fn baseline / baseline_async(version: Version) -> Report = baseline::baseline;
    /// Records as applied exactly the migrations that another tool's history table (or a
    /// hand-written one, see [`PeerHistory`]) says are applied, in one transaction, without
    /// running them: the way to adopt this crate on a database another tool migrated. Refuses,
    /// naming them, rows that failed or are dirty and versions with no migration here; refuses
    /// a history table of ours that holds rows unless [`Runner::force_baseline`]. The next
    /// [`Runner::run`] applies only what is new.
    fn baseline_from_history / baseline_from_history_async(history: PeerHistory) -> Report = baseline::baseline_from_history;
    /// Changes one history row for what a person fixed by hand (see [`RepairAction`] for each
    /// action), under the migration lock, with an audit row (who: the database role, the
    /// client's user and host given with [`Repair::client`], its address; when: the server's
    /// clock; why: the reason; what: the row before and after) in the same transaction; returns
    /// the change. Refuses ([`Error::RepairRefused`], naming the version and what to do
    /// instead) a repair without a reason, one with nothing to repair, and one that would leave
    /// the history inconsistent: a migration pending below the newest applied one, unless
    /// [`Runner::allow_out_of_order`]. Needs a session of its own (refused through a
    /// transaction pooler). `status` shows the newest repairs.
    ///
    /// [`RepairAction`]: crate::RepairAction
    fn repair / repair_async(repair: Repair) -> RepairChange = repair::repair;
    /// Dry run of [`Runner::repair`]: the change it would make, or its refusal, from the
    /// history as it is now. Changes nothing and takes no lock.
    fn repair_plan / repair_plan_async(repair: Repair) -> RepairChange = repair::repair_plan;
}
