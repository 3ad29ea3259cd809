//! [`TestDatabases`]: the options, and making a test database.

use std::time::Duration;

use postgres::NoTls;

use super::database::TestDatabase;
use super::liveness::Liveness;
use super::names::{next_test_name, DEFAULT_PREFIX};
use super::sweep::sweep;
use crate::template::Fingerprint;
use crate::template::TemplateError as TestDatabaseError;
#[cfg(doc)]
use crate::template::DEFAULT_TEMPLATE_LOCK_WAIT;
use crate::template::{connect, off_runtime, parse, with_dbname, Template};
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
    pub(super) template: Template,
}

impl TestDatabases {
    /// Test databases with everything `runner` applies (its migrations and history table),
    /// prefix [`DEFAULT_PREFIX`], no pruning, lock wait [`DEFAULT_TEMPLATE_LOCK_WAIT`].
    pub fn new(runner: Runner) -> Self {
        Self {
            template: Template::new(runner, DEFAULT_PREFIX),
        }
    }

    /// Starts the template's and the test databases' names with `prefix` (1 to 30 characters
    /// among `a-z`, `0-9`, `_`). Give each application its own when several share a server and
    /// prune.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.template.prefix = prefix.into();
        self
    }

    /// After building a new template, drops the templates of the same prefix with another
    /// fingerprint (default `false`: old templates stay, e.g. for another branch's test run).
    pub fn prune_stale(mut self, prune: bool) -> Self {
        self.template.prune_stale = prune;
        self
    }

    /// How long to wait for another thread or process that is building a template.
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.template.lock_wait = wait;
        self
    }

    /// The fingerprint of the migration set.
    pub fn fingerprint(&self) -> Fingerprint {
        self.template.fingerprint()
    }

    /// The template database's name: `<prefix>_<fingerprint>`.
    pub fn template_name(&self) -> String {
        self.template.name()
    }

    /// A new database cloned from the template, which is built first when missing. `admin_url`
    /// is a connection string to any database of the server (e.g. `postgres`) for a user with
    /// `CREATEDB`.
    pub fn create(&self, admin_url: &str) -> Result<TestDatabase, TestDatabaseError> {
        self.template.check_prefix()?;
        let admin_config = parse(admin_url)?;
        let prefix = &self.template.prefix;
        let name = next_test_name(prefix);
        // Marked live before it exists, so that no other process's sweep can take it for dead.
        off_runtime(|| Liveness::hold(&admin_config, &name))?;
        let created = off_runtime(|| {
            let mut admin = connect(&admin_config, NoTls)?;
            sweep(&mut admin, &admin_config, prefix)?;
            self.template
                .create_database(&mut admin, &admin_config, &name, "test database", &NoTls)
        });
        if let Err(error) = created {
            off_runtime(|| Liveness::release(&admin_config, &name));
            return Err(error);
        }
        let template = self.template_name();
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
