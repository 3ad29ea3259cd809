//! [`TestDatabases`]: the options, and making a test database.

use std::time::Duration;

use postgres::error::SqlState;

use super::admin::{admin_error, connect, off_runtime};
use super::liveness::Liveness;
use super::names::{check_prefix, next_test_name, template_name};
use super::sweep::sweep;
use super::template::create_from_template_sql;
use super::url::with_dbname;
use super::{
    Fingerprint, TestDatabase, TestDatabaseError, DEFAULT_PREFIX, DEFAULT_TEMPLATE_LOCK_WAIT,
};
use crate::{Migrations, Runner};

/// Makes [`TestDatabase`]s for one migration set: the options, then [`TestDatabases::create`].
///
/// ```ignore
/// let databases = TestDatabases::new(MIGRATIONS.runner().history_table("app", "migrations"))
///     .prefix("myapp")
///     .prune_stale(true);
/// let db = databases.create(&admin_url)?;
/// ```
#[derive(Debug, Clone)]
pub struct TestDatabases {
    pub(super) runner: Runner,
    pub(super) prefix: String,
    pub(super) prune_stale: bool,
    pub(super) lock_wait: Duration,
}

impl TestDatabases {
    /// Test databases with everything `runner` applies (its migrations and history table),
    /// prefix [`DEFAULT_PREFIX`], no pruning, lock wait [`DEFAULT_TEMPLATE_LOCK_WAIT`].
    pub fn new(runner: Runner) -> Self {
        Self {
            runner,
            prefix: DEFAULT_PREFIX.to_owned(),
            prune_stale: false,
            lock_wait: DEFAULT_TEMPLATE_LOCK_WAIT,
        }
    }

    /// Starts the template's and the test databases' names with `prefix` (1 to 30 characters
    /// among `a-z`, `0-9`, `_`). Give each application its own when several share a server and
    /// prune.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// After building a new template, drops the templates of the same prefix with another
    /// fingerprint (default `false`: old templates stay, e.g. for another branch's test run).
    pub fn prune_stale(mut self, prune: bool) -> Self {
        self.prune_stale = prune;
        self
    }

    /// How long to wait for another thread or process that is building a template.
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The fingerprint of the migration set.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.runner)
    }

    /// The template database's name: `<prefix>_<fingerprint>`.
    pub fn template_name(&self) -> String {
        template_name(&self.prefix, self.fingerprint())
    }

    /// A new database cloned from the template, which is built first when missing. `admin_url`
    /// is a connection string to any database of the server (e.g. `postgres`) for a user with
    /// `CREATEDB`.
    pub fn create(&self, admin_url: &str) -> Result<TestDatabase, TestDatabaseError> {
        check_prefix(&self.prefix)?;
        let admin_config: postgres::Config = admin_url
            .parse()
            .map_err(|source| TestDatabaseError::InvalidUrl { source })?;
        let template = self.template_name();
        let name = next_test_name(&self.prefix);
        // Marked live before it exists, so that no other process's sweep can take it for dead.
        off_runtime(|| Liveness::hold(&admin_config, &name))?;
        let created = off_runtime(|| {
            let mut admin = connect(&admin_config)?;
            sweep(&mut admin, &admin_config, &self.prefix)?;
            let create = create_from_template_sql(&name, &template);
            let action = || format!("create the test database {name} from the template {template}");
            match admin.batch_execute(&create) {
                Err(e) if e.code() == Some(&SqlState::INVALID_CATALOG_NAME) => {
                    self.build_template(&mut admin, &admin_config, &template)?;
                    admin.batch_execute(&create).map_err(admin_error(action()))
                }
                other => other.map_err(admin_error(action())),
            }
        });
        if let Err(error) = created {
            off_runtime(|| Liveness::release(&admin_config, &name));
            return Err(error);
        }
        tracing::debug!(database = %name, %template, "created test database");
        Ok(TestDatabase {
            url: with_dbname(admin_url, &name),
            name,
            template,
            admin: admin_config,
        })
    }
}

impl Migrations {
    /// A database of its own for one test, cloned from a template with every migration applied
    /// (built on first use): see [`crate::testing`]. `admin_url` is a connection string to any
    /// database of the server for a user with `CREATEDB`.
    pub fn test_database(&self, admin_url: &str) -> Result<TestDatabase, TestDatabaseError> {
        TestDatabases::new(self.runner()).create(admin_url)
    }
}
