//! Test databases cloned from a template (feature `testing`).
//!
//! Applying every migration to a fresh database for each test is slow when the set is large.
//! Instead, the first test to ask builds a *template* database with every migration applied,
//! and each test gets its own copy (`CREATE DATABASE ... TEMPLATE ...`, a file copy on the
//! server), dropped when the test ends:
//!
//! ```ignore
//! static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::embed_migrations!("migrations");
//!
//! #[test]
//! fn creates_a_user() {
//!     let db = MIGRATIONS.test_database(&std::env::var("DATABASE_URL").unwrap()).unwrap();
//!     let mut client = db.connect().unwrap();
//!     client.batch_execute("INSERT INTO users (email) VALUES ('a@example.com')").unwrap();
//! } // the database is dropped here, also when the test panics
//! ```
//!
//! - The template is the one of [`crate::template`], which also makes new tenant databases:
//!   named after a [`Fingerprint`] of the migration set (`migrate_<16 hex digits>` by default),
//!   reused by later test runs until a migration changes, built once under an advisory lock and
//!   a temporary name, never cloned half-built.
//! - When the template exists (every test but the first), a new database costs one connection
//!   and one `CREATE DATABASE` statement.
//! - [`TestDatabase`] drops its database in its destructor (`DROP DATABASE ... WITH (FORCE)`,
//!   PostgreSQL 13 or newer), which also runs when the test panics.
//! - [`TestDatabases::prune_stale`] drops the templates of other fingerprints (with the same
//!   prefix) after building a new one.
//! - A process killed mid-test (Ctrl-C, a CI timeout, `SIGKILL`) runs no destructor. So that its
//!   databases do not pile up, each live test database is marked by a session advisory lock on
//!   one connection per process and server, which the server releases when the process dies;
//!   the first [`TestDatabases::create`] of a process drops the test databases of its prefix
//!   whose lock is free (a [`TestDatabase::keep`]t one is spared).
//!
//! The connections are plain (no TLS), as to a local test server; the admin user needs
//! `CREATEDB`. Every call does its I/O on a thread of its own, so the sync API also works inside
//! an async test (`#[tokio::test]`); there connect with [`TestDatabase::url`] (or
//! `tokio_config` with the feature `tokio`).

mod builder;
mod database;
mod liveness;
mod names;
mod sweep;

pub use crate::template::{Fingerprint, DEFAULT_TEMPLATE_LOCK_WAIT};
pub use builder::TestDatabases;
pub use database::TestDatabase;
pub use names::DEFAULT_PREFIX;

/// Why a test database could not be made: the template's errors
/// ([`TemplateError`](crate::template::TemplateError)), under the name tests have used.
pub type TestDatabaseError = crate::template::TemplateError;
