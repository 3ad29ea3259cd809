//! Run-time half of compile-time checked PostgreSQL migrations.
//!
//! [`embed_migrations!`] checks every file of a migration folder at build time and expands to a
//! [`Migrations`] value: a static, ordered list of [`Migration`]s whose SQL has already been parsed
//! by PostgreSQL's own parser. This crate applies them: it does not depend on the parser, so an
//! application pays nothing for it at run time.
//!
//! ```ignore
//! static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::embed_migrations!("migrations");
//!
//! let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
//! let report = MIGRATIONS.run(&mut client)?; // applies what is pending, records it
//! println!("{report}");
//! ```
//!
//! The data flows plan -> lock -> apply -> record:
//! - [`plan`](Runner::plan) is a pure function of the embedded set, the history rows and the
//!   options ([`Plan`], [`Finding`]);
//! - the history table ([`HistoryTable`], default `public.schema_migrations`) is read in one
//!   query; when nothing is pending that is the whole start-up;
//! - otherwise an advisory lock serialises migrators (bounded wait, [`DEFAULT_LOCK_WAIT`]), the
//!   history is read again under it, validated, and each migration runs with its history row in
//!   one transaction (one round trip), or statement by statement with recorded progress for a
//!   `-- migrate:no-transaction` file;
//! - a [`Report`] says what ran; errors are one [`Error`] enum.
//!
//! Every operation exists for `postgres::Client` and, with the feature `tokio`, for
//! `tokio_postgres::Client` (methods ending in `_async`). Both run the same code: the operations
//! are written once as async code over a private connection trait, which the sync client
//! implements with blocking calls.
//!
//! [`template::TenantDatabases`] creates a new tenant database as a clone of a template database
//! that holds every migration (built on first use, named after a fingerprint of the set). With
//! the feature `testing`, the `testing` module gives each test a database of its own, cloned from
//! the same kind of template ([`Migrations::test_database`](Migrations)).
#![warn(missing_docs)]

// The modules, each using only those before it here (`tests/tests/layering.rs` checks that
// none imports, directly or through others, a module that imports it back):
// - `migrate_core`, another crate: the version, the checksum, the transaction mode, the index
//   builds, the tenancy and the run settings with their defaults, shared with the checker;
// - leaves: `sql` (quoting, reading rows, the first column), `fnv`, `remedy` (what a caller
//   can change, which each front end words);
// - the vocabulary: `history` (the history table: names, lock keys, shape, SQL text, rows),
//   `embedded` (the migration set), `overrides` (settings a run replaced),
//   `peer` (other tools' history tables), `retry` (lock_timeout retries), `repeatable` (the
//   table recording the repeatable migrations: its SQL and rows);
// - the pure decisions: `plan` (pending, modified, missing, out of order), `repair` (what a
//   repair changes or why it is refused, and the SQL of its audit table), `drift` (two
//   catalog snapshots compared, the ignore patterns), then `report`;
// - what errors name: `lock::holder` (who holds or blocks a lock; the pooler),
//   `apply::failure` (a rejected migration and its direction); then `error`, one enum over
//   them, each variant a fact with typed fields and its remedies;
// - the I/O: `conn` (one connection trait, sync and async), `read` (the history read and
//   checked), `lock` (the advisory lock), `catalog` (a schema's snapshot for drift), `event`,
//   `apply` (one migration with its row);
// - `runner`: `builder` (the options, the overrides), then one module per operation
//   (`apply`, `rollback`, `baseline`, `repair`, `status`, `drift`); then `template` (with
//   drift's throwaway database), `fleet`, `testing`.

mod apply;
mod catalog;
mod conn;
mod drift;
mod embedded;
mod error;
mod event;
#[cfg(feature = "tokio")]
pub mod fleet;
mod fnv;
mod history;
mod lock;
mod overrides;
pub mod peer;
mod plan;
mod read;
mod remedy;
mod repair;
mod repeatable;
mod report;
mod retry;
mod runner;
mod sql;
pub mod template;
#[cfg(feature = "testing")]
pub mod testing;

pub use apply::{Direction, MigrationFailure};
pub use drift::{Difference, Drift, Ignore, ObjectId, ObjectKind};
#[doc(hidden)]
pub use embedded::Embedded;
pub use embedded::{InvalidMigration, Migration, Migrations, Repeatable, Script, Statement};
pub use error::{Error, Irreversible};
pub use event::Event;
pub use history::{HistoryRow, HistoryTable};
pub use lock::{LockHolder, Pooler};
/// The vocabulary the checker produces and the runner uses, defined once in `migrate-core`.
pub use migrate_core::{
    IndexBuild, ParseTenancyError, ParseVersionError, PgVersion, Setting, SettingValue, Settings,
    Severity, Tenancy, Transaction, Version, DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE,
    DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT, DEFAULT_LOCK_WAIT, DEFAULT_RETRY_DELAY,
    MAX_DEFAULT_LOCK_TIMEOUT, MAX_RETRY_DELAY,
};
pub use overrides::Override;
pub use peer::{PeerHistory, Tool};
pub use plan::{
    Checkpoint, Finding, FindingKind, Pending, PendingRepeatable, Plan, RepeatableGone,
};
pub use remedy::Remedy;
pub use repair::{Refusal, Repair, RepairAction, RepairChange, RepairRecord, RowState};
pub use repeatable::AppliedRepeatable;
pub use report::{InvalidIndex, Operation, RepeatableStep, Report, Status, Step};
pub use runner::Runner;

/// Checks a migration folder at build time and embeds it as a [`Migrations`] value.
///
/// See the `migrate-macros` crate for the options it takes.
pub use migrate_macros::embed_migrations;
