//! Databases cloned from a template that holds every migration: new tenant databases
//! ([`TenantDatabases`]) and, with the feature `testing`, a database per test
//! (`testing::TestDatabases`), both on this one implementation; and drift's throwaway database
//! ([`Throwaway`], [`Runner::drift`](crate::Runner::drift)).
//!
//! ```ignore
//! use migrate_runtime::template::TenantDatabases;
//!
//! let tenants = TenantDatabases::new(MIGRATIONS.runner());
//! // A customer signs up: a database of its own, every migration applied.
//! let url = tenants.create(&admin_url, "tenant_acme")?;
//! ```
//!
//! - The template is named after a [`Fingerprint`] of the migration set (every version and
//!   checksum, the history table and the tenant schema): `<prefix>_<16 hex digits>`. It is
//!   reused until a migration changes; then the new fingerprint names a new template, built
//!   next to the old one on first use.
//! - Building is safe when many threads and processes start at once: it happens under a
//!   PostgreSQL advisory lock on the admin connection (a bounded wait), under a temporary name
//!   (`<template>_build`), and the finished database is marked `IS_TEMPLATE` (with
//!   `ALLOW_CONNECTIONS false`) before it is renamed to the template's name, so nobody ever
//!   clones a half-built template. A build left behind by a killed process is dropped and redone.
//!   A failing migration leaves no template ([`TemplateError::Migrate`] names it).
//! - Once the template exists, a new database costs one connection and one
//!   `CREATE DATABASE <name> TEMPLATE <template>` (a file copy on the server).
//! - `prune_stale(true)` drops the templates of other fingerprints (with the same prefix) after
//!   building a new one.
//!
//! The connections are plain unless [`TenantDatabases::tls`] gives a connector (test databases:
//! always plain, as to a local server); the admin user needs `CREATEDB`. A template does not
//! accept connections, so a fleet cannot migrate it by mistake; list tenant databases with
//! `NOT datistemplate` all the same.

mod admin;
pub(crate) mod constants;
mod drift;
mod error;
mod fingerprint;
pub(crate) mod names;
mod protocol;
mod tenants;
mod url;

pub use admin::MakeTls;
pub use constants::{DEFAULT_TEMPLATE_LOCK_WAIT, DEFAULT_TENANT_PREFIX};
pub use drift::Throwaway;
pub use error::TemplateError;
pub use fingerprint::Fingerprint;
pub use tenants::TenantDatabases;

#[cfg(feature = "testing")]
pub(crate) use admin::{admin_error, connect, drop_sql, off_runtime, parse};
#[cfg(feature = "testing")]
pub(crate) use protocol::Template;
#[cfg(any(feature = "testing", feature = "tokio"))]
pub(crate) use url::describe;
#[cfg(feature = "testing")]
pub(crate) use url::{with_dbname, with_dbname_config};
