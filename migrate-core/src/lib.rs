//! The vocabulary shared by the checker (`migrate-lint`, build time) and the runner
//! (`migrate-runtime`, run time), each type defined once.
//!
//! The checker produces these values (a file's [`Version`], its [`checksum`], its
//! [`Transaction`] mode and [`IndexBuild`]s, the folder's [`Tenancy`] and [`Settings`], with
//! the [`PgVersion`] it targets);
//! `embed_migrations!` embeds them; the runner uses them. Both crates re-export what is here,
//! so applications and tools name `migrate_lint::Severity` or `migrate_runtime::Version`, which
//! are these types. The crate depends on `sha2` alone: the runtime shares the checker's
//! vocabulary without compiling the checker's PostgreSQL parser.
//!
//! The modules are leaves: none imports another, except `embedded` (the index of a set that
//! `embed_migrations!` writes and the runtime reads), which writes and reads the others, and
//! `checkpoint` (a checkpoint's header), which reads `version` and `checksum`.
#![warn(missing_docs)]

pub mod checkpoint;
mod checksum;
pub mod embedded;
mod script;
mod settings;
mod severity;
mod tenancy;
mod version;

pub use checksum::checksum;
pub use script::{IndexBuild, Transaction};
pub use settings::{
    PgVersion, Setting, SettingValue, Settings, DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE,
    DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT, DEFAULT_LOCK_WAIT, DEFAULT_RETRY_DELAY,
    MAX_DEFAULT_LOCK_TIMEOUT, MAX_RETRY_DELAY,
};
pub use severity::Severity;
pub use tenancy::{ParseTenancyError, Tenancy};
pub use version::{ParseVersionError, Version};
