//! [`Runner`]: the options of a run, from the folder's `migrate.toml` ([`Migrations::settings`])
//! and the builder calls that override them for one run ([`Runner::overrides`]).

use std::time::Duration;

use crate::apply::repeatable::RepeatableJob;
use crate::apply::{Direction, Job, Timeouts};
use crate::embedded::{Migration, Migrations, Repeatable};
use crate::error::Error;
use crate::event::{Event, Observer};
use crate::history::{HistoryRow, HistoryTable};
use crate::overrides::Override;
use crate::plan::{Checkpoint, Rules};
use crate::report::{Operation, Report};
use crate::retry::LockRetries;
use crate::sql::quote_ident;
use migrate_core::{PgVersion, Setting, Settings, Version, DEFAULT_LOCK_WAIT};

/// Runs the embedded migrations with options. Build it with [`Migrations::runner`], adjust it
/// with the builder methods, then call an operation:
///
/// ```ignore
/// let report = MIGRATIONS
///     .runner()
///     .history_table("app", "schema_migrations")
///     .lock_wait(Duration::from_secs(10))
///     .statement_timeout(Duration::from_secs(300))
///     .run(&mut client)?;
/// ```
///
/// Every operation takes a client that is not inside a transaction.
#[derive(Debug, Clone)]
pub struct Runner {
    pub(super) migrations: Migrations,
    pub(super) table: HistoryTable,
    pub(super) lock_wait: Duration,
    pub(super) timeouts: Timeouts,
    pub(super) retries: LockRetries,
    pub(super) rules: Rules,
    pub(super) force_baseline: bool,
    /// The history table chosen (`migrate.toml`'s or [`Runner::history_table`]'s) before
    /// [`Runner::tenant_schema`] moves it into the tenant's schema.
    pub(super) history: HistoryTable,
    pub(super) observer: Observer,
    /// The only versions `apply` and `rollback` may run ([`Runner::only`]).
    pub(super) only: Option<Vec<Version>>,
    /// The tenant schema ([`Runner::tenant_schema`]), quoted for SQL.
    pub(super) search_path: Option<String>,
    /// The objects drift leaves out ([`Runner::drift_ignore`]).
    pub(super) drift_ignore: Vec<String>,
}

impl Migrations {
    /// A [`Runner`] over these migrations with the default options.
    pub fn runner(&self) -> Runner {
        Runner::new(self.clone())
    }

    /// Applies every pending migration with the default options: see [`Runner::run`].
    pub fn run(&self, client: &mut postgres::Client) -> Result<Report, Error> {
        self.runner().run(client)
    }

    /// Applies every pending migration with the default options: see [`Runner::run_async`].
    #[cfg(feature = "tokio")]
    pub async fn run_async(&self, client: &tokio_postgres::Client) -> Result<Report, Error> {
        self.runner().run_async(client).await
    }
}

impl Runner {
    /// A runner with the settings of the folder's `migrate.toml` ([`Migrations::settings`]) and
    /// otherwise the defaults: history table `public.schema_migrations`, lock wait
    /// [`DEFAULT_LOCK_WAIT`], lock-safe DDL (each transactional migration with a short
    /// `lock_timeout`, [`DEFAULT_LOCK_TIMEOUT`](crate::DEFAULT_LOCK_TIMEOUT) growing to
    /// [`MAX_DEFAULT_LOCK_TIMEOUT`](crate::MAX_DEFAULT_LOCK_TIMEOUT), retried up to
    /// [`DEFAULT_LOCK_RETRIES`](crate::DEFAULT_LOCK_RETRIES) times when it expires), no
    /// `statement_timeout`, strict validation (modified, missing and out-of-order migrations
    /// are errors; failed attempts are retried).
    pub fn new(migrations: Migrations) -> Self {
        let settings = migrations.settings();
        let history = settings
            .history_table()
            .map_or_else(HistoryTable::default, |(schema, table)| {
                HistoryTable::new(schema, table)
            });
        Self {
            table: history.clone(),
            history,
            lock_wait: settings.lock_wait().unwrap_or(DEFAULT_LOCK_WAIT),
            timeouts: Timeouts {
                lock_timeout: settings.lock_timeout(),
                statement_timeout: settings.statement_timeout(),
            },
            retries: LockRetries {
                retries: settings
                    .lock_retries()
                    .unwrap_or(LockRetries::default().retries),
                ..LockRetries::default()
            },
            rules: Rules::default(),
            force_baseline: false,
            observer: Observer::default(),
            only: None,
            search_path: None,
            drift_ignore: settings
                .drift_ignore()
                .map(|patterns| patterns.iter().map(|p| p.to_string()).collect())
                .unwrap_or_default(),
            migrations,
        }
    }

    /// Records migrations in `schema.table` instead of `public.schema_migrations` (or the table
    /// `migrate.toml` names). The schema and the table are created when missing.
    pub fn history_table(mut self, schema: impl Into<String>, table: impl Into<String>) -> Self {
        self.history = HistoryTable::new(schema, table);
        self.table = self.history.clone();
        self
    }

    /// How long to wait for another migrator's lock (default [`DEFAULT_LOCK_WAIT`], or
    /// `migrate.toml`'s `lock_wait`).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// `lock_timeout` for each migration's statements (`SET LOCAL` in its transaction; for a
    /// no-transaction file, `SET` for the session and `RESET` after). Zero: none. It replaces
    /// the default of transactional migrations, [`DEFAULT_LOCK_TIMEOUT`](crate::DEFAULT_LOCK_TIMEOUT).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.lock_timeout = Some(timeout);
        self
    }

    /// How many times a transactional migration whose `lock_timeout` expired runs again (default
    /// [`DEFAULT_LOCK_RETRIES`](crate::DEFAULT_LOCK_RETRIES), or `migrate.toml`'s
    /// `lock_retries`). Between two attempts the transaction is rolled back (the queries queued
    /// behind its lock wait go through) and the runner sleeps, longer each time, with jitter;
    /// each retry is logged with the sessions that blocked it, and the error after the last one
    /// names them. Zero turns lock-safe DDL off: no default `lock_timeout`, no retry.
    pub fn lock_retries(mut self, retries: u32) -> Self {
        self.retries.retries = retries;
        self
    }

    /// The sleep before the first lock retry (default
    /// [`DEFAULT_RETRY_DELAY`](crate::DEFAULT_RETRY_DELAY)); it doubles after each retry up to
    /// [`MAX_RETRY_DELAY`](crate::MAX_RETRY_DELAY), and each sleep is between half and all of
    /// it (jitter).
    pub fn lock_retry_delay(mut self, delay: Duration) -> Self {
        self.retries.delay = delay;
        self
    }

    /// `statement_timeout` for each migration's statements, set like [`Runner::lock_timeout`].
    pub fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.statement_timeout = Some(timeout);
        self
    }

    /// The settings of `migrate.toml` this runner does not use as written: each setting the
    /// folder's `migrate.toml` gives whose value for this run, after every builder call, is
    /// another (`lock_wait 5s overrides migrate.toml's 60s`); every [`Report`] repeats them.
    pub fn overrides(&self) -> Vec<Override> {
        let configured = self.migrations.settings();
        let mut options = Settings::new()
            .with_history_table(
                self.history.schema().to_owned(),
                self.history.table().to_owned(),
            )
            .with_lock_wait(self.lock_wait)
            .with_lock_retries(self.retries.retries);
        if let Some(timeout) = self.timeouts.lock_timeout {
            options = options.with_lock_timeout(timeout);
        }
        if let Some(timeout) = self.timeouts.statement_timeout {
            options = options.with_statement_timeout(timeout);
        }
        if configured.drift_ignore().is_some() || !self.drift_ignore.is_empty() {
            options = options.with_drift_ignore(self.drift_ignore.iter().cloned());
        }
        Setting::ALL
            .into_iter()
            .filter_map(|setting| {
                Override::compare(setting, configured.get(setting), options.get(setting))
            })
            .collect()
    }

    /// The PostgreSQL major version the migrations were checked for: `postgres` in
    /// `migrate.toml`, or [`PgVersion::DEFAULT`].
    pub fn target(&self) -> PgVersion {
        self.migrations.settings().postgres().unwrap_or_default()
    }

    /// Logs a warning and reports [`Event::OlderServer`] when the server (its major version,
    /// read at the start of a run) is older than [`Runner::target`]: a statement newer than the
    /// server fails when it runs.
    pub(super) fn check_server(&self, server: Option<PgVersion>) {
        let target = self.target();
        let Some(server) = server else {
            return;
        };
        if let Some(warning) = older_server(target, server) {
            tracing::warn!("{warning}");
            self.observer.emit(Event::OlderServer { server, target });
        }
    }

    /// Applies a pending migration older than the newest applied one instead of refusing.
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.rules.allow_out_of_order = allow;
        self
    }

    /// Accepts applied migrations whose file changed since (reported as warnings).
    pub fn allow_modified(mut self, allow: bool) -> Self {
        self.rules.allow_modified = allow;
        self
    }

    /// Accepts applied migrations missing from this build (reported as warnings). Newer ones
    /// than every embedded migration are always accepted and reported.
    pub fn allow_missing(mut self, allow: bool) -> Self {
        self.rules.allow_missing = allow;
        self
    }

    /// Whether to retry a migration whose earlier attempt failed (default `true`; `false` makes
    /// it an error).
    pub fn retry_failed(mut self, retry: bool) -> Self {
        self.rules.retry_failed = retry;
        self
    }

    /// Runs an interrupted no-transaction migration whose file changed since again from its
    /// first statement, instead of refusing (its statements are idempotent by the build's rules).
    pub fn restart_changed(mut self, restart: bool) -> Self {
        self.rules.restart_changed = restart;
        self
    }

    /// Whether a run on a database without history applies the latest checkpoint up to its
    /// target (`{V}_{name}.checkpoint.sql`, written by `migrate squash --until V`) instead of
    /// replaying the migrations up to V (default `true`; `false` replays every file, as the
    /// proof that both build the same schema does).
    pub fn checkpoints(mut self, use_them: bool) -> Self {
        self.rules.checkpoints = use_them;
        self
    }

    /// Lets [`Runner::baseline`] record migrations in a history table that already holds rows.
    pub fn force_baseline(mut self, force: bool) -> Self {
        self.force_baseline = force;
        self
    }

    /// The objects [`Runner::drift`] leaves out, instead of `migrate.toml`'s `[drift] ignore`:
    /// patterns `[kind:]name`, where `name` is an object's schema-qualified name or the table it
    /// belongs to, and a `*` at its end matches any rest (`extension:postgis`,
    /// `public.spatial_ref_sys`, `partman.*`; see [`Ignore`](crate::Ignore)). An unknown kind
    /// makes `drift` fail with [`Error::DriftIgnore`] before it reads anything.
    pub fn drift_ignore<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.drift_ignore = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// The migrations this runner applies.
    pub fn migrations(&self) -> &Migrations {
        &self.migrations
    }

    /// The history table.
    pub fn table(&self) -> &HistoryTable {
        &self.table
    }

    /// Reports each step of `run`, `run_to` and `rollback_to` to `observer` as it starts and
    /// ends (see [`Event`] for the order), beside the `tracing` events: for a progress display,
    /// metrics, or a deploy log. The observer runs on the migrating task, between round trips:
    /// keep it quick.
    ///
    /// ```ignore
    /// let report = MIGRATIONS
    ///     .runner()
    ///     .observe(|event| {
    ///         if let Event::Finished { step, .. } = event {
    ///             println!("applied {} in {:?}", step.path, step.duration);
    ///         }
    ///     })
    ///     .run(&mut client)?;
    /// ```
    pub fn observe(mut self, observer: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Observer::new(observer);
        self
    }

    /// Schema per tenant: applies the migrations to the tenant schema `schema`. Its history
    /// table is in that schema (`schema.schema_migrations`, or the table name `migrate.toml`
    /// or [`Runner::history_table`] chose), created with the schema when missing, so each tenant
    /// has its own history and its own lock. Each transactional migration runs with
    /// `SET LOCAL search_path` to the schema inside its own transaction, so unqualified names
    /// resolve there and nothing outlives the transaction; a no-transaction migration sets
    /// the session's `search_path` before its first statement and resets it after its last
    /// (and on failure). Shared objects (in `public`, say) must be written schema-qualified
    /// (see `tenancy` in the README's `migrate.toml` section).
    pub fn tenant_schema(mut self, schema: impl Into<String>) -> Self {
        let schema = schema.into();
        self.search_path = Some(quote_ident(&schema));
        self.table = HistoryTable::new(schema, self.table.table());
        self
    }

    /// The tenant schema set with [`Runner::tenant_schema`].
    pub fn tenant(&self) -> Option<&str> {
        self.search_path.as_ref().map(|_| self.table.schema())
    }

    /// Lets `run`, `run_to` and `rollback_to` run only these versions: the steps a person saw
    /// and confirmed. The steps are decided again under the lock, from the history as it is
    /// then; when they hold another version (a replica applied a migration after the
    /// confirmation, so a rollback would now revert it too), the operation fails with
    /// [`Error::NotConfirmed`] before running anything. Fewer steps are fine (another migrator
    /// did some meanwhile).
    pub fn only(mut self, versions: impl IntoIterator<Item = Version>) -> Self {
        self.only = Some(versions.into_iter().collect());
        self
    }

    /// Checks the steps decided under the lock against [`Runner::only`], then reports them.
    pub(super) fn planned(&self, operation: Operation, versions: &[Version]) -> Result<(), Error> {
        if let Some(only) = &self.only {
            let unconfirmed: Vec<Version> = versions
                .iter()
                .filter(|v| !only.contains(v))
                .copied()
                .collect();
            if !unconfirmed.is_empty() {
                return Err(Error::NotConfirmed {
                    operation,
                    unconfirmed,
                });
            }
        }
        self.observer.emit(Event::Planned {
            operation,
            versions,
        });
        Ok(())
    }

    pub(super) fn job<'r>(&'r self, migration: &'r Migration, direction: Direction) -> Job<'r> {
        Job {
            migration,
            direction,
            table: &self.table,
            timeouts: self.timeouts,
            retries: self.retries,
            observer: &self.observer,
            search_path: self.search_path.as_deref(),
            covers: &[],
        }
    }

    /// The job that runs a plan's checkpoint and records every migration it stands for.
    pub(super) fn checkpoint_job<'r>(&'r self, checkpoint: &'r Checkpoint) -> Job<'r> {
        Job {
            covers: checkpoint.covers(),
            ..self.job(checkpoint.migration(), Direction::Up)
        }
    }

    pub(super) fn repeatable_job<'r>(&'r self, repeatable: &'r Repeatable) -> RepeatableJob<'r> {
        RepeatableJob {
            repeatable,
            table: &self.table,
            timeouts: self.timeouts,
            search_path: self.search_path.as_deref(),
        }
    }

    pub(super) fn check_version(&self, version: Version) -> Result<(), Error> {
        if self.migrations.get(version).is_some() {
            return Ok(());
        }
        Err(Error::UnknownVersion {
            version,
            known: self.migrations.iter().map(Migration::version).collect(),
        })
    }

    pub(super) fn applied_total(&self, rows: &[HistoryRow]) -> usize {
        rows.iter()
            .filter(|r| r.success && self.migrations.get(r.version).is_some())
            .count()
    }
}

/// The warning for a server older than the migrations' target, if it is.
fn older_server(target: PgVersion, server: PgVersion) -> Option<String> {
    (server < target).then(|| {
        format!(
            "the server runs PostgreSQL {server}, older than PostgreSQL {target}, the version \
             the migrations were checked for (`postgres` in migrate.toml): a statement newer \
             than the server fails when it runs; lower `postgres` to {server} and rebuild to \
             find them"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_about_a_server_older_than_the_target_only() {
        let v = |major| PgVersion::new(major).unwrap();
        assert_eq!(older_server(v(15), v(15)), None);
        assert_eq!(older_server(v(15), v(18)), None);
        assert_eq!(
            older_server(v(18), v(15)).as_deref(),
            Some(
                "the server runs PostgreSQL 15, older than PostgreSQL 18, the version the \
                 migrations were checked for (`postgres` in migrate.toml): a statement newer \
                 than the server fails when it runs; lower `postgres` to 15 and rebuild to find \
                 them"
            )
        );
        let declared = Migrations::new(vec![])
            .unwrap()
            .with_settings(Settings::new().with_postgres(v(17)));
        assert_eq!(declared.runner().target(), v(17));
        assert_eq!(
            Migrations::new(vec![]).unwrap().runner().target(),
            PgVersion::DEFAULT
        );
    }
    use migrate_core::SettingValue;

    fn configured() -> Runner {
        let settings = Settings::new()
            .with_history_table("app", "migrations")
            .with_lock_wait(Duration::from_secs(10))
            .with_lock_timeout(Duration::from_secs(2))
            .with_lock_retries(2);
        Migrations::new(vec![])
            .unwrap()
            .with_settings(settings)
            .runner()
    }

    fn lines(runner: &Runner) -> Vec<String> {
        runner.overrides().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_overrides_are_what_the_run_uses_after_every_call() {
        assert!(configured().overrides().is_empty());
        // Set twice: the last value counts; set back: nothing is overridden.
        let runner = configured()
            .lock_wait(Duration::from_secs(1))
            .lock_wait(Duration::from_secs(5));
        assert_eq!(
            lines(&runner),
            ["lock_wait 5s overrides migrate.toml's 10s"]
        );
        assert!(runner
            .lock_wait(Duration::from_secs(10))
            .overrides()
            .is_empty());
        let runner = configured()
            .history_table("app", "other")
            .lock_timeout(Duration::from_millis(500))
            .lock_retries(0)
            .statement_timeout(Duration::from_secs(60));
        assert_eq!(
            lines(&runner),
            [
                "history table \"app\".\"other\" overrides migrate.toml's \"app\".\"migrations\"",
                "lock_timeout 500ms overrides migrate.toml's 2s",
                "lock_retries 0 overrides migrate.toml's 2",
            ]
        );
        assert_eq!(
            runner.overrides()[2],
            Override {
                setting: Setting::LockRetries,
                configured: SettingValue::Count(2),
                now: SettingValue::Count(0),
            }
        );
        // A tenant schema moves the table the settings name; it overrides nothing.
        assert!(configured().tenant_schema("t1").overrides().is_empty());
    }
}
