//! [`Runner::drift`]: the live database compared with the schema its applied migrations build
//! in a throwaway database ([`Throwaway`]) on the same server, dropped after the comparison
//! (also when building it fails).

use std::time::{SystemTime, UNIX_EPOCH};

use postgres::NoTls;

use super::admin::{drop_sql, parse, MakeTls};
use super::url::with_dbname_config;
use super::TemplateError;
use crate::catalog;
use crate::conn::{self, Blocking};
use crate::drift::{Drift, Snapshot};
use crate::error::Error;
use crate::runner::drift::drift;
use crate::sql::quote_ident;
use crate::Runner;
use migrate_core::Version;

/// Where [`Runner::drift`] builds its throwaway database: a connection string to the live
/// database's server (any database of it, e.g. the live one) for a role with `CREATEDB` that
/// may create every object the migrations create, and the TLS connector of those connections.
///
/// ```ignore
/// let throwaway = Throwaway::new(&url)?;
/// let drift = MIGRATIONS.runner().drift(&mut client, &throwaway)?;
/// if drift.drifted() {
///     eprintln!("{drift}");
/// }
/// ```
#[derive(Clone)]
pub struct Throwaway<T = NoTls> {
    config: postgres::Config,
    tls: T,
}

impl Throwaway {
    /// Throwaway databases on the server of `url`, over plain connections.
    pub fn new(url: &str) -> Result<Self, TemplateError> {
        Ok(Self {
            config: parse(url)?,
            tls: NoTls,
        })
    }
}

impl From<postgres::Config> for Throwaway {
    /// Throwaway databases on the server of `config`, over plain connections.
    fn from(config: postgres::Config) -> Self {
        Self { config, tls: NoTls }
    }
}

impl<T: MakeTls> Throwaway<T> {
    /// Connects with this TLS connector (for a server that requires TLS).
    pub fn tls<U: MakeTls>(self, tls: U) -> Throwaway<U> {
        Throwaway {
            config: self.config,
            tls,
        }
    }

    /// Creates a throwaway database, applies `order` to it with `runner`'s options, reads its
    /// snapshot, and drops it whatever happened. Blocking.
    fn expected(&self, runner: &Runner, order: &[Version]) -> Result<Snapshot, Error> {
        self.with_database(|_, client| {
            for run in runner.replay(order) {
                run.run(client)
                    .map_err(|e| ("apply the migrations to", e.into()))?;
            }
            conn::block_on(catalog::read(&mut Blocking(client), runner.scope()))
                .map_err(|e| ("read the catalog of", e.into()))
        })
    }

    /// Creates a throwaway database, applies `runner`'s migrations up to `target` to it (with
    /// the runner's options: [`Runner::checkpoints`]`(false)` replays every file), hands its
    /// connection settings to `inspect` (`migrate squash` runs `pg_dump` there), and drops it
    /// whatever happened. Blocking.
    pub fn inspect_built<R>(
        &self,
        runner: &Runner,
        target: Version,
        inspect: impl FnOnce(&postgres::Config) -> R,
    ) -> Result<R, Error> {
        self.with_database(|config, client| {
            runner
                .run_to(client, target)
                .map_err(|e| ("apply the migrations to", e.into()))?;
            Ok(inspect(config))
        })
    }

    /// Creates a throwaway database, runs `work` with its connection settings and a connection
    /// to it, and drops it whatever happened; on failure, what `work` was doing and why.
    fn with_database<R>(
        &self,
        work: impl FnOnce(
            &postgres::Config,
            &mut postgres::Client,
        )
            -> Result<R, (&'static str, Box<dyn std::error::Error + Send + Sync>)>,
    ) -> Result<R, Error> {
        let name = throwaway_name();
        let failed = |action: &str, left: bool| {
            let (database, action) = (name.clone(), action.to_owned());
            move |source: Box<dyn std::error::Error + Send + Sync>| Error::Throwaway {
                database,
                action,
                left,
                source,
            }
        };
        let mut admin = self
            .config
            .connect(self.tls.clone())
            .map_err(|e| failed("connect to the server to create", false)(e.into()))?;
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {} TEMPLATE template0",
                quote_ident(&name)
            ))
            .map_err(|e| failed("create", false)(e.into()))?;
        tracing::debug!(database = %name, "created the throwaway database");
        let config = with_dbname_config(&self.config, &name);
        let done = config
            .connect(self.tls.clone())
            .map_err(|e| ("connect to", e.into()))
            .and_then(|mut client| work(&config, &mut client))
            .map_err(|(action, source)| failed(action, false)(source));
        let dropped = admin
            .batch_execute(&drop_sql(&name))
            .map_err(|e| failed("drop", true)(e.into()));
        let done = done?;
        dropped?;
        Ok(done)
    }
}

impl<T> std::fmt::Debug for Throwaway<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throwaway")
            .field("server", &super::url::describe(&self.config))
            .finish_non_exhaustive()
    }
}

/// `migrate_drift_<pid>_<nanoseconds>`: unique on the server for one process at a time.
fn throwaway_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("migrate_drift_{}_{:x}", std::process::id(), nanos)
}

impl Runner {
    /// Compares the live database (or, with [`Runner::tenant_schema`], the tenant's schema)
    /// with the schema its applied migrations build: under the migration lock (so a migration
    /// in flight never looks like drift) it reads the history and the catalog; then it applies
    /// the versions the history says are applied, in the order they were applied, to a
    /// throwaway database on the same server ([`Throwaway`]), reads its catalog, drops it, and
    /// compares object by object (tables, columns, constraints, indexes, views, materialized
    /// views, sequences, functions and procedures, triggers, enums, domains, extensions,
    /// policies), leaving out the history table, its repairs' audit table and
    /// [`Runner::drift_ignore`]'s objects. Fails with [`Error::NotEmbedded`] when the history
    /// holds versions this build lacks, and through a transaction pooler.
    pub fn drift(
        &self,
        client: &mut postgres::Client,
        throwaway: &Throwaway<impl MakeTls>,
    ) -> Result<Drift, Error> {
        conn::block_on(drift(&mut Blocking(client), self, |order| {
            std::future::ready(throwaway.expected(self, &order))
        }))
    }

    /// [`Runner::drift`], async, on a `tokio_postgres::Client`: the throwaway database is built
    /// on tokio's blocking thread pool.
    #[cfg(feature = "tokio")]
    pub async fn drift_async(
        &self,
        client: &tokio_postgres::Client,
        throwaway: &Throwaway<impl MakeTls>,
    ) -> Result<Drift, Error> {
        let (runner, throwaway) = (self.clone(), throwaway.clone());
        drift(&mut conn::NonBlocking(client), self, |order| async move {
            tokio::task::spawn_blocking(move || throwaway.expected(&runner, &order))
                .await
                .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
        })
        .await
    }
}
