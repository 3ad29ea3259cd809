//! Why a test database could not be made.

use std::time::Duration;

use super::names::MAX_PREFIX_LEN;
use super::template::TEMPLATE_LOCK;
#[cfg(doc)]
use super::TestDatabases;

/// Why a test database could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestDatabaseError {
    /// [`TestDatabases::prefix`] is not usable in a database name.
    #[error(
        "invalid test database prefix {prefix:?}: use 1 to {MAX_PREFIX_LEN} characters among \
         a-z, 0-9 and _ (it starts the names of the template and test databases)"
    )]
    InvalidPrefix {
        /// The prefix given.
        prefix: String,
    },

    /// The admin connection string does not parse.
    #[error(
        "the admin connection string is not valid ({}); pass one like \
         postgresql://user:password@localhost:5432/postgres",
        crate::error::describe(.source)
    )]
    InvalidUrl {
        /// The parser's error.
        #[source]
        source: postgres::Error,
    },

    /// Connecting failed.
    #[error(
        "could not connect to {target}: {}. Is the server running, and does the user \
         exist with the CREATEDB privilege?",
        crate::error::describe(.source)
    )]
    Connect {
        /// Database, host, port and user (never the password).
        target: String,
        /// The client's error.
        #[source]
        source: postgres::Error,
    },

    /// A statement on the admin connection failed.
    #[error("could not {action}: {}", crate::error::describe(.source))]
    Admin {
        /// What the helper was doing, naming the databases involved.
        action: String,
        /// The client's error.
        #[source]
        source: postgres::Error,
    },

    /// Another thread or process held the template lock for longer than the configured wait.
    #[error(
        "timed out after {waited:?} waiting for another test to build a template database \
         (advisory lock ({}, {}) on the admin database). Look for a stuck session in \
         pg_stat_activity, or raise TestDatabases::lock_wait",
        TEMPLATE_LOCK.0, TEMPLATE_LOCK.1
    )]
    LockTimeout {
        /// How long the helper waited.
        waited: Duration,
    },

    /// A migration failed while building the template; the partial build was dropped.
    #[error(
        "could not build the template database {template}: {source}. The partial build was \
         dropped; fix the migration and run the tests again"
    )]
    Migrate {
        /// The template's name.
        template: String,
        /// The runner's error (naming the migration, statement and position).
        #[source]
        source: crate::Error,
    },
}
