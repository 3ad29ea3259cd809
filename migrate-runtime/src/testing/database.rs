//! [`TestDatabase`]: one test's database, dropped with it.

use std::fmt;

use super::liveness::Liveness;
use super::sweep::KEPT_COMMENT;
use crate::sql::quote_ident;
use crate::template::{admin_error, connect, drop_sql, off_runtime, with_dbname_config};
#[cfg(doc)]
use crate::Migrations;

/// A database of one test, dropped (`DROP DATABASE ... WITH (FORCE)`) when this value is, also
/// when the test panics. Made by [`Migrations::test_database`] or
/// [`TestDatabases::create`](super::TestDatabases::create).
/// Its `Debug` output shows the names only (the URL holds the password).
pub struct TestDatabase {
    pub(super) name: String,
    pub(super) template: String,
    pub(super) url: String,
    pub(super) admin: postgres::Config,
}

impl TestDatabase {
    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the template it was cloned from.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// A connection string for it: the admin one with the database name replaced (to hand to a
    /// child process or to another client library).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its connection settings.
    pub fn config(&self) -> postgres::Config {
        with_dbname_config(&self.admin, &self.name)
    }

    /// Its connection settings for `tokio_postgres`.
    #[cfg(feature = "tokio")]
    pub fn tokio_config(&self) -> tokio_postgres::Config {
        self.url
            .parse()
            .expect("the test database's URL is the admin URL with another database name")
    }

    /// A new (sync, plain) connection to it.
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        let config = self.config();
        off_runtime(|| config.connect(postgres::NoTls))
    }

    /// Keeps the database after this value is gone (to look at it after a failed test) and
    /// returns its name. It is marked with a comment, which spares it from the sweep of
    /// databases left by dead processes.
    pub fn keep(self) -> String {
        let this = std::mem::ManuallyDrop::new(self);
        let marked = off_runtime(|| {
            let sql = format!(
                "COMMENT ON DATABASE {} IS {}",
                quote_ident(&this.name),
                crate::sql::quote_literal(KEPT_COMMENT)
            );
            connect(&this.admin, postgres::NoTls)?
                .batch_execute(&sql)
                .map_err(admin_error(format!(
                    "mark the test database {} as kept",
                    this.name
                )))
        });
        match marked {
            Ok(()) => eprintln!("kept test database {}", this.name),
            Err(error) => eprintln!(
                "kept test database {}, but {error}: a later test run may drop it",
                this.name
            ),
        }
        this.name.clone()
    }
}

impl fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestDatabase")
            .field("name", &self.name)
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let dropped = off_runtime(|| {
            let mut admin = connect(&self.admin, postgres::NoTls)?;
            admin
                .batch_execute(&drop_sql(&self.name))
                .map_err(admin_error(format!("drop the test database {}", self.name)))
        });
        match dropped {
            Ok(()) => off_runtime(|| Liveness::release(&self.admin, &self.name)),
            Err(error) => eprintln!(
                "warning: {error}; drop it by hand: DROP DATABASE {} WITH (FORCE)",
                quote_ident(&self.name)
            ),
        }
    }
}
