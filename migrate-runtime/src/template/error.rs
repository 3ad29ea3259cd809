//! Why a database could not be made from a template.

use std::time::Duration;

use super::constants::{MAX_NAME_LEN, MAX_PREFIX_LEN, TEMPLATE_LOCK};

/// Why a database could not be made from a template: a tenant database
/// ([`TenantDatabases::create`](super::TenantDatabases::create)) or, with the feature `testing`, a test database (for which this
/// type is named `testing::TestDatabaseError`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The prefix (`TenantDatabases::prefix`, `TestDatabases::prefix`) is not usable in a
    /// database name.
    #[error(
        "invalid database prefix {prefix:?}: use 1 to {MAX_PREFIX_LEN} characters among \
         a-z, 0-9 and _ (it starts the name of the template database, and of test databases)"
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
        "timed out after {waited:?} waiting for another process to build a template database \
         (advisory lock ({}, {}) on the admin database). Look for a stuck session in \
         pg_stat_activity, or raise the wait (TenantDatabases::lock_wait, \
         TestDatabases::lock_wait)",
        TEMPLATE_LOCK.0, TEMPLATE_LOCK.1
    )]
    LockTimeout {
        /// How long the helper waited.
        waited: Duration,
    },

    /// A migration failed while building the template; the partial build was dropped.
    #[error(
        "could not build the template database {template}: {source}. The partial build was \
         dropped and no database was made; fix the migration and try again"
    )]
    Migrate {
        /// The template's name.
        template: String,
        /// The runner's error (naming the migration, statement and position).
        #[source]
        source: crate::Error,
    },

    /// The name asked for a new database is not one PostgreSQL keeps as given.
    #[error(
        "invalid database name {name:?}: use 1 to {MAX_NAME_LEN} bytes without NUL \
         (PostgreSQL would cut a longer name short)"
    )]
    InvalidName {
        /// The name given.
        name: String,
    },

    /// A database of that name exists already; nothing was changed.
    #[error(
        "the database {name} exists already, and was left as it is: choose another name, or \
         drop the existing database first when it is a leftover"
    )]
    Exists {
        /// The name given.
        name: String,
    },
}
