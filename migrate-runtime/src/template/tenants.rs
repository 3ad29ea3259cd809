//! [`TenantDatabases`]: new tenant databases, cloned from the template.

use std::fmt;
use std::time::Duration;

use postgres::NoTls;

use super::admin::{connect, off_runtime, parse, MakeTls};
#[cfg(doc)]
use super::constants::DEFAULT_TEMPLATE_LOCK_WAIT;
use super::constants::DEFAULT_TENANT_PREFIX;
use super::names::check_name;
use super::protocol::Template;
use super::url::with_dbname;
use super::{Fingerprint, TemplateError};
use crate::Runner;

/// Makes new tenant databases for one migration set: the options, then
/// [`TenantDatabases::create`]. See the [module](super) for the protocol. `T` is the TLS
/// connector of its connections ([`TenantDatabases::tls`]).
///
/// ```ignore
/// let tenants = TenantDatabases::new(MIGRATIONS.runner());
/// // On sign-up: the first call builds the template, every later one clones it.
/// let url = tenants.create(&admin_url, "tenant_acme")?;
/// ```
#[derive(Clone)]
pub struct TenantDatabases<T = NoTls> {
    template: Template,
    tls: T,
}

impl TenantDatabases {
    /// Tenant databases with everything `runner` applies (its migrations and history table),
    /// template prefix [`DEFAULT_TENANT_PREFIX`], no pruning, lock wait
    /// [`DEFAULT_TEMPLATE_LOCK_WAIT`], plain connections.
    pub fn new(runner: Runner) -> Self {
        Self {
            template: Template::new(runner, DEFAULT_TENANT_PREFIX),
            tls: NoTls,
        }
    }
}

impl<T: MakeTls> TenantDatabases<T> {
    /// Connects (to the admin database, and to the template while it is built) with this TLS
    /// connector: for a server that requires TLS, with `sslmode=require` or stricter in the
    /// admin connection string.
    ///
    /// ```ignore
    /// let connector = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls())?;
    /// let tenants = TenantDatabases::new(MIGRATIONS.runner())
    ///     .tls(postgres_openssl::MakeTlsConnector::new(connector.build()));
    /// ```
    pub fn tls<U: MakeTls>(self, tls: U) -> TenantDatabases<U> {
        TenantDatabases {
            template: self.template,
            tls,
        }
    }

    /// Starts the template's name with `prefix` (1 to 30 characters among `a-z`, `0-9`, `_`)
    /// instead of [`DEFAULT_TENANT_PREFIX`]. Give each application its own when several share
    /// a server and prune.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.template.prefix = prefix.into();
        self
    }

    /// After building a new template, drops the templates of the same prefix with another
    /// fingerprint (default `false`: old templates stay, for instance for the previous release
    /// while both run side by side; a dropped one is built again when asked for).
    pub fn prune_stale(mut self, prune: bool) -> Self {
        self.template.prune_stale = prune;
        self
    }

    /// How long to wait for another thread or process that is building a template (default
    /// [`DEFAULT_TEMPLATE_LOCK_WAIT`]).
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

    /// Creates the database `name`, a clone of the template (built first when missing), and
    /// returns its connection string: `admin_url` with the database name replaced (it holds the
    /// admin's password, if `admin_url` does: do not log it).
    ///
    /// `admin_url` is a connection string to any database of the server (e.g. `postgres`) for
    /// a user with `CREATEDB`; the new database and its objects belong to that user. `name` is
    /// any name of 1 to 63 bytes (it is quoted). The database is permanent: nothing drops it.
    /// Its history table says every migration is applied (with the template's times), so a
    /// later fleet run (`migrate_runtime::fleet`) or `Runner::run` applies only newer migrations.
    ///
    /// A name that exists is refused with [`TemplateError::Exists`] and nothing changes. The
    /// I/O runs on a thread of its own, so this also works inside an async runtime, where it
    /// blocks the calling task: prefer `create_async` there (feature `tokio`).
    pub fn create(&self, admin_url: &str, name: &str) -> Result<String, TemplateError> {
        self.template.check_prefix()?;
        check_name(name)?;
        let admin_config = parse(admin_url)?;
        off_runtime(|| {
            let mut admin = connect(&admin_config, self.tls.clone())?;
            self.template.create_database(
                &mut admin,
                &admin_config,
                name,
                "tenant database",
                &self.tls,
            )
        })?;
        tracing::info!(database = %name, template = %self.template_name(), "created tenant database");
        Ok(with_dbname(admin_url, name))
    }

    /// [`TenantDatabases::create`] on tokio's blocking thread pool, for async code (a sign-up
    /// handler): the calling task waits without holding a runtime thread.
    #[cfg(feature = "tokio")]
    pub async fn create_async(&self, admin_url: &str, name: &str) -> Result<String, TemplateError> {
        let (this, admin_url, name) = (self.clone(), admin_url.to_owned(), name.to_owned());
        tokio::task::spawn_blocking(move || this.create(&admin_url, &name))
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
    }
}

impl<T> fmt::Debug for TenantDatabases<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantDatabases")
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}
