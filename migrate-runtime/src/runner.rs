//! The operations (`run`, `run_to`, `plan`, `status`, `rollback_to`, `rollback_plan`, `baseline`),
//! written once as `async` code over [`Connection`], and [`Runner`], which holds the options and
//! exposes each operation for the sync client and (feature `tokio`) the async one.
//!
//! Round trips (after connecting):
//! - nothing pending: 1 (read the applied versions and checksums; no lock), + 1 (read the whole
//!   rows, still no lock) when the history differs from the embedded set (a newer replica's
//!   migrations, an allowed change) and the findings need them;
//! - something pending: 1 (read) + 1 (create the table, when missing) + 1 (lock) + 1 (read the
//!   whole rows under the lock and check the table's shape) + 1 per transactional migration +
//!   1 (unlock); a no-transaction migration costs 2 per statement (the statement, its progress
//!   row) + 1.
//!
//! Behind a transaction pooler (the backend pid of the first read and of a lock attempt differ;
//! see [`crate::lock`]) no session lock is taken and there is no unlock; each transactional
//! migration guards itself in its own transaction, and pending no-transaction files are
//! refused before anything runs ([`Error::TransactionPooler`]).

use migrate_core::{Version, DEFAULT_LOCK_WAIT};

use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::SimpleQueryMessage;

use crate::apply::{Job, Timeouts};
use crate::conn::{self, Connection};
use migrate_core::Transaction;

use crate::embedded::{Migration, Migrations};
use crate::error::{Direction, Error};
use crate::event::{Event, Observer};
use crate::history::{
    self, quote_literal, Detail, ExecutionMs, History, HistoryRow, HistoryTable, Record,
};
use crate::lock::Locked;
use crate::peer::{self, PeerHistory, PeerRow};
use crate::plan::{self, Finding, FindingKind, Glance, Pending, Plan, Rules, Severity};
use crate::report::{InvalidIndex, Operation, Report, Status, Step};
use crate::retry::LockRetries;

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
    migrations: Migrations,
    table: HistoryTable,
    lock_wait: Duration,
    timeouts: Timeouts,
    retries: LockRetries,
    rules: Rules,
    force_baseline: bool,
    /// The settings of `migrate.toml` this runner was told to override, as the report says.
    overrides: Vec<String>,
    observer: Observer,
    /// The only versions `apply` and `rollback` may run ([`Runner::only`]).
    only: Option<Vec<Version>>,
    /// The tenant schema ([`Runner::tenant_schema`]), quoted for SQL.
    search_path: Option<String>,
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
    /// [`DEFAULT_LOCK_WAIT`], lock-safe DDL (each transactional migration with `lock_timeout`
    /// [`DEFAULT_LOCK_TIMEOUT`](crate::DEFAULT_LOCK_TIMEOUT), retried up to
    /// [`DEFAULT_LOCK_RETRIES`](crate::DEFAULT_LOCK_RETRIES) times when it expires), no
    /// `statement_timeout`, strict validation (modified, missing and out-of-order migrations
    /// are errors; failed attempts are retried).
    pub fn new(migrations: Migrations) -> Self {
        let settings = migrations.settings();
        Self {
            table: settings
                .history_table()
                .map_or_else(HistoryTable::default, |(schema, table)| {
                    HistoryTable::new(schema, table)
                }),
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
            overrides: Vec::new(),
            observer: Observer::default(),
            only: None,
            search_path: None,
            migrations,
        }
    }

    /// Notes that `what` is overridden when `migrate.toml` set it to something else.
    fn note_override(&mut self, what: &str, configured: Option<String>, now: String) {
        if let Some(configured) = configured.filter(|c| *c != now) {
            self.overrides
                .retain(|o| !o.starts_with(&format!("{what} ")));
            self.overrides.push(format!(
                "{what} {now} overrides migrate.toml's {configured}"
            ));
        }
    }

    /// Records migrations in `schema.table` instead of `public.schema_migrations` (or the table
    /// `migrate.toml` names). The schema and the table are created when missing.
    pub fn history_table(mut self, schema: impl Into<String>, table: impl Into<String>) -> Self {
        self.table = HistoryTable::new(schema, table);
        let configured = self.migrations.settings().history_table();
        self.note_override(
            "history table",
            configured.map(|(schema, table)| HistoryTable::new(schema, table).qualified()),
            self.table.qualified(),
        );
        self
    }

    /// How long to wait for another migrator's lock (default [`DEFAULT_LOCK_WAIT`], or
    /// `migrate.toml`'s `lock_wait`).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        let configured = self.migrations.settings().lock_wait();
        self.note_override(
            "lock_wait",
            configured.map(|d| format!("{d:?}")),
            format!("{wait:?}"),
        );
        self
    }

    /// `lock_timeout` for each migration's statements (`SET LOCAL` in its transaction; for a
    /// no-transaction file, `SET` for the session and `RESET` after). Zero: none. It replaces
    /// the default of transactional migrations, [`DEFAULT_LOCK_TIMEOUT`](crate::DEFAULT_LOCK_TIMEOUT).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.lock_timeout = Some(timeout);
        let configured = self.migrations.settings().lock_timeout();
        self.note_override(
            "lock_timeout",
            configured.map(|d| format!("{d:?}")),
            format!("{timeout:?}"),
        );
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
        let configured = self.migrations.settings().lock_retries();
        self.note_override(
            "lock_retries",
            configured.map(|n| n.to_string()),
            retries.to_string(),
        );
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
        let configured = self.migrations.settings().statement_timeout();
        self.note_override(
            "statement_timeout",
            configured.map(|d| format!("{d:?}")),
            format!("{timeout:?}"),
        );
        self
    }

    /// The settings of `migrate.toml` that builder calls overrode, one line each
    /// (`lock_wait 5s overrides migrate.toml's 60s`); every [`Report`] repeats them.
    pub fn overrides(&self) -> &[String] {
        &self.overrides
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

    /// Lets [`Runner::baseline`] record migrations in a history table that already holds rows.
    pub fn force_baseline(mut self, force: bool) -> Self {
        self.force_baseline = force;
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
    /// (see `tenancy` in docs/guide/configuration.md).
    pub fn tenant_schema(mut self, schema: impl Into<String>) -> Self {
        let schema = schema.into();
        self.search_path = Some(history::quote_ident(&schema));
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
    fn planned(&self, operation: Operation, versions: &[Version]) -> Result<(), Error> {
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

    fn job<'r>(&'r self, migration: &'r Migration, direction: Direction) -> Job<'r> {
        Job {
            migration,
            direction,
            table: &self.table,
            timeouts: self.timeouts,
            retries: self.retries,
            observer: &self.observer,
            search_path: self.search_path.as_deref(),
        }
    }

    fn check_version(&self, version: Version) -> Result<(), Error> {
        if self.migrations.get(version).is_some() {
            return Ok(());
        }
        let known: Vec<String> = self
            .migrations
            .iter()
            .map(|m| m.version().to_string())
            .collect();
        Err(Error::UnknownVersion {
            version,
            known: known.join(", "),
        })
    }

    fn applied_total(&self, rows: &[HistoryRow]) -> usize {
        rows.iter()
            .filter(|r| r.success && self.migrations.get(r.version).is_some())
            .count()
    }
}

/// Declares each operation once, as a sync method and an async one calling the same code.
macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        fn $sync:ident / $async:ident ($($arg:ident : $ty:ty),*) -> $out:ty = $op:ident;
    )*) => {
        impl Runner {
            $(
                $(#[doc = $doc])*
                pub fn $sync(&self, client: &mut postgres::Client $(, $arg: impl Into<$ty>)*) -> Result<$out, Error> {
                    conn::block_on($op(&mut conn::Blocking(client), self $(, $arg.into())*))
                }

                $(#[doc = $doc])*
                ///
                /// Async, on a `tokio_postgres::Client`. Dropping the future mid-way releases
                /// the lock (the release is queued on the connection).
                #[cfg(feature = "tokio")]
                pub async fn $async(&self, client: &tokio_postgres::Client $(, $arg: impl Into<$ty>)*) -> Result<$out, Error> {
                    $op(&mut conn::NonBlocking(client), self $(, $arg.into())*).await
                }
            )*
        }
    };
}

operations! {
    /// Applies every pending migration, in order, each with its history row in one transaction.
    /// Validates before it writes anything (see the builder methods for what is an error). When
    /// every embedded migration is applied it takes no lock and costs one round trip that reads
    /// only versions and checksums (a second one, for the findings, when the history also holds
    /// other rows). Stops at the first failing migration.
    fn run / run_async() -> Report = run;
    /// Applies the pending migrations up to `version` (inclusive), which must be embedded.
    fn run_to / run_to_async(version: Version) -> Report = run_to;
    /// Dry run: what `run` would apply, with its SQL, and what validation finds. Changes
    /// nothing (not even the history table's creation) and takes no lock.
    fn plan / plan_async() -> Plan = dry_run;
    /// The applied migrations (with time and duration), the pending ones, and the modified,
    /// missing and failed ones. Changes nothing.
    fn status / status_async() -> Status = status;
    /// Reverts the applied migrations newer than `version` with their down files, newest first,
    /// each with the deletion of its history row in one transaction. Fails before reverting
    /// anything when one of them has no down file or is not embedded.
    fn rollback_to / rollback_to_async(version: Version) -> Report = rollback_to;
    /// Dry run of [`Runner::rollback_to`]: the migrations it would revert, newest first, or the
    /// error it would return before reverting anything. Changes nothing and takes no lock.
    fn rollback_plan / rollback_plan_async(version: Version) -> Vec<Migration> = rollback_plan;
    /// Records the migrations up to `version` as applied without running them (for a database
    /// that already has that schema). Refuses a history table that holds rows unless
    /// [`Runner::force_baseline`].
    fn baseline / baseline_async(version: Version) -> Report = baseline;
    /// Records as applied exactly the migrations that another tool's history table (or a
    /// hand-written one, see [`PeerHistory`]) says are applied, in one transaction, without
    /// running them: the way to adopt this crate on a database another tool migrated. Refuses,
    /// naming them, rows that failed or are dirty and versions with no migration here; refuses
    /// a history table of ours that holds rows unless [`Runner::force_baseline`]. The next
    /// [`Runner::run`] applies only what is new.
    fn baseline_from_history / baseline_from_history_async(history: PeerHistory) -> Report = baseline_from_history;
}

/// Runs one query on the history table: `None` when the table does not exist, a shape error
/// naming every difference when a column is missing.
async fn query_history<C: Connection>(
    conn: &mut C,
    table: &HistoryTable,
    sql: &str,
) -> Result<Option<Vec<SimpleQueryMessage>>, Error> {
    match conn.query(sql).await {
        Ok(messages) => Ok(Some(messages)),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Ok(None),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_COLUMN) => {
            let shape = conn
                .query(&table.shape_sql())
                .await
                .map_err(Error::db("read the history table's columns"))?;
            Err(history::shape_error(table, &shape))
        }
        Err(e) => Err(Error::db("read the history table")(e)),
    }
}

async fn read<C: Connection>(
    conn: &mut C,
    table: &HistoryTable,
    detail: Detail,
) -> Result<History, Error> {
    match query_history(conn, table, &table.read_sql(detail)).await? {
        Some(messages) => Ok(History::Rows(history::parse_read(table, &messages)?)),
        None => Ok(History::Missing),
    }
}

/// Reads the history, creating the table (and schema) in the same round trip when missing.
async fn read_or_create<C: Connection>(
    conn: &mut C,
    table: &HistoryTable,
) -> Result<Vec<HistoryRow>, Error> {
    match read(conn, table, Detail::Lean).await? {
        History::Rows(rows) => Ok(rows),
        History::Missing => {
            let sql = format!("{};\n{}", table.create_sql(), table.read_sql(Detail::Lean));
            let messages = conn
                .query(&sql)
                .await
                .map_err(Error::db("create the history table"))?;
            history::parse_read(table, &messages)
        }
    }
}

async fn run<C: Connection>(conn: &mut C, runner: &Runner) -> Result<Report, Error> {
    apply(conn, runner, None).await
}

async fn run_to<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    version: Version,
) -> Result<Report, Error> {
    runner.check_version(version)?;
    apply(conn, runner, Some(version)).await
}

async fn apply<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    target: Option<Version>,
) -> Result<Report, Error> {
    let started = Instant::now();
    let plan_for =
        |rows: &[HistoryRow]| plan::plan(&runner.migrations, rows, &runner.rules, target);
    let nothing_to_do = |applied_total, warnings| Report {
        operation: Operation::Apply,
        steps: Vec::new(),
        applied_total,
        warnings,
        overrides: runner.overrides.clone(),
        elapsed: started.elapsed(),
    };
    let messages = query_history(conn, &runner.table, &runner.table.applied_sql()).await?;
    let (mut backend, applied) = match &messages {
        Some(messages) => {
            let (backend, rest) = history::split_backend(messages);
            (backend, history::parse_applied(&runner.table, rest)?)
        }
        None => (None, Vec::new()),
    };
    match plan::glance(&runner.migrations, &applied, target) {
        Glance::Current => return Ok(nothing_to_do(runner.migrations.len(), Vec::new())),
        Glance::Pending => {}
        Glance::Differs => {
            let plan =
                plan_for(read(conn, &runner.table, Detail::Lean).await?.rows()).validate()?;
            if plan.pending().is_empty() {
                return Ok(nothing_to_do(plan.applied(), plan.warnings()));
            }
        }
    }
    if messages.is_none() {
        let created = conn
            .query(&runner.table.create_guarded_sql())
            .await
            .map_err(Error::db("create the history table"))?;
        backend = history::split_backend(&created).0;
    }

    let mut lock = Locked::acquire(conn, &runner.table, runner.lock_wait, backend).await?;
    let rows = read_or_create(lock.conn(), &runner.table).await?;
    let plan = plan_for(&rows).validate()?;
    if let (Some(pooler), Some(reason)) = (lock.pooler(), needs_session(&plan)) {
        return Err(Error::TransactionPooler {
            operation: "apply",
            pooler,
            reason,
        });
    }
    let versions: Vec<Version> = plan.pending().iter().map(Pending::version).collect();
    runner.planned(Operation::Apply, &versions)?;
    let mut steps = Vec::with_capacity(plan.pending().len());
    let mut elsewhere = 0;
    for pending in plan.pending() {
        match runner
            .job(pending.migration(), Direction::Up)
            .run(lock.conn(), pending.resume_at())
            .await?
        {
            Some(step) => steps.push(step),
            None => elsewhere += 1,
        }
    }
    lock.release().await?;
    Ok(Report {
        operation: Operation::Apply,
        applied_total: plan.applied() + steps.len() + elsewhere,
        steps,
        warnings: plan.warnings(),
        overrides: runner.overrides.clone(),
        elapsed: started.elapsed(),
    })
}

/// Why `plan` cannot be applied without a session lock: its pending no-transaction files.
fn needs_session(plan: &Plan) -> Option<String> {
    let files: Vec<String> = plan
        .pending()
        .iter()
        .map(Pending::migration)
        .filter(|m| m.up().transaction() == Transaction::None)
        .map(|m| format!("{} ({})", m.version(), m.up().path()))
        .collect();
    (!files.is_empty()).then(|| {
        format!(
            "Pending migration {} is marked `-- migrate:no-transaction`: its statements run \
             outside any transaction, where only the session lock keeps two migrators from \
             running them at the same time, and a pooled connection cannot hold it",
            files.join(", ")
        )
    })
}

/// Refuses an operation that needs the session lock (`rollback`, `baseline`) when the
/// connection goes through a transaction pooler.
fn session_required<C: Connection>(
    lock: &Locked<'_, C>,
    operation: &'static str,
) -> Result<(), Error> {
    match lock.pooler() {
        None => Ok(()),
        Some(pooler) => Err(Error::TransactionPooler {
            operation,
            pooler,
            reason: format!("To {operation} safely the runner holds the session lock throughout, and a pooled connection cannot hold it"),
        }),
    }
}

async fn dry_run<C: Connection>(conn: &mut C, runner: &Runner) -> Result<Plan, Error> {
    let history = read(conn, &runner.table, Detail::Lean).await?;
    Ok(plan::plan(
        &runner.migrations,
        history.rows(),
        &runner.rules,
        None,
    ))
}

async fn status<C: Connection>(conn: &mut C, runner: &Runner) -> Result<Status, Error> {
    let history = read(conn, &runner.table, Detail::Full).await?;
    let plan = plan::plan(&runner.migrations, history.rows(), &runner.rules, None);
    let applied: Vec<HistoryRow> = history
        .rows()
        .iter()
        .filter(|r| r.success)
        .cloned()
        .collect();
    let invalid_indexes = invalid_indexes(conn, runner, &applied).await?;
    Ok(Status {
        applied,
        plan,
        invalid_indexes,
    })
}

/// The INVALID indexes among those the `applied` migrations built concurrently: one query, and
/// none when no applied migration builds an index concurrently.
async fn invalid_indexes<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    applied: &[HistoryRow],
) -> Result<Vec<InvalidIndex>, Error> {
    let built: Vec<(&Migration, &str)> = applied
        .iter()
        .filter_map(|row| runner.migrations.get(row.version))
        .flat_map(|m| m.up().index_builds().iter().map(move |b| (m, b.index())))
        .collect();
    if built.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = built.iter().map(|(_, i)| quote_literal(i)).collect();
    let select = format!(
        "SELECT n FROM unnest(ARRAY[{}]::text[]) n WHERE EXISTS (SELECT 1 FROM \
         pg_catalog.pg_index i WHERE i.indexrelid = to_regclass(n) AND NOT i.indisvalid)",
        names.join(", ")
    );
    // A tenant's index names resolve in the tenant's schema, as when they were built.
    let sql = match &runner.search_path {
        Some(path) => format!("BEGIN; SET LOCAL search_path = {path}; {select}; COMMIT"),
        None => select,
    };
    let answer = conn
        .query(&sql)
        .await
        .map_err(Error::db("check the indexes built concurrently"))?;
    let invalid: Vec<String> = history::data_rows(&answer)
        .filter_map(|row| row.get(0).map(str::to_owned))
        .collect();
    Ok(built
        .into_iter()
        .filter(|(_, index)| invalid.iter().any(|i| i == index))
        .map(|(m, index)| InvalidIndex {
            version: m.version(),
            path: m.up().path().to_owned(),
            index: index.to_owned(),
        })
        .collect())
}

/// The migrations to revert to get back to `version`, newest first, or why that is impossible.
fn rollback_steps<'r>(
    runner: &'r Runner,
    rows: &[HistoryRow],
    version: Version,
) -> Result<Vec<&'r Migration>, Error> {
    let mut steps = Vec::new();
    for row in rows
        .iter()
        .rev()
        .filter(|r| r.success && r.version > version)
    {
        let cannot = |reason: &str| Error::CannotRollBack {
            version: row.version,
            name: row.name.clone(),
            reason: reason.to_owned(),
        };
        let migration = runner
            .migrations
            .get(row.version)
            .ok_or_else(|| cannot("it is applied but not embedded in this build"))?;
        if migration.down().is_none() {
            return Err(cannot("it has no .down.sql file"));
        }
        if migration.checksum() != row.checksum && !runner.rules.allow_modified {
            return Err(Error::Validation(vec![Finding {
                severity: Severity::Error,
                kind: FindingKind::Modified {
                    version: row.version,
                    name: migration.name().to_owned(),
                    applied: row.checksum.clone(),
                    embedded: migration.checksum().to_owned(),
                },
            }]));
        }
        steps.push(migration);
    }
    Ok(steps)
}

async fn rollback_plan<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    version: Version,
) -> Result<Vec<Migration>, Error> {
    let history = read(conn, &runner.table, Detail::Lean).await?;
    let steps = rollback_steps(runner, history.rows(), version)?;
    Ok(steps.into_iter().cloned().collect())
}

async fn rollback_to<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    version: Version,
) -> Result<Report, Error> {
    let started = Instant::now();
    let report = |steps, rows: &[HistoryRow]| Report {
        operation: Operation::Rollback,
        steps,
        applied_total: runner.applied_total(rows),
        warnings: Vec::new(),
        overrides: runner.overrides.clone(),
        elapsed: started.elapsed(),
    };
    let history = read(conn, &runner.table, Detail::Lean).await?;
    if rollback_steps(runner, history.rows(), version)?.is_empty() {
        return Ok(report(Vec::new(), history.rows()));
    }

    let mut lock = Locked::acquire(conn, &runner.table, runner.lock_wait, None).await?;
    session_required(&lock, "roll back")?;
    let rows = read(lock.conn(), &runner.table, Detail::Lean)
        .await?
        .rows()
        .to_vec();
    let migrations = rollback_steps(runner, &rows, version)?;
    let versions: Vec<Version> = migrations.iter().map(|m| m.version()).collect();
    runner.planned(Operation::Rollback, &versions)?;
    let mut steps = Vec::with_capacity(migrations.len());
    for migration in migrations {
        let step = runner
            .job(migration, Direction::Down)
            .run(lock.conn(), 0)
            .await?;
        steps.extend(step);
    }
    lock.release().await?;
    let remaining: Vec<HistoryRow> = rows.into_iter().filter(|r| r.version <= version).collect();
    Ok(report(steps, &remaining))
}

async fn baseline<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    version: Version,
) -> Result<Report, Error> {
    runner.check_version(version)?;
    let chosen = runner
        .migrations
        .iter()
        .map(|m| m.version())
        .filter(|v| *v <= version)
        .collect();
    record_baseline(conn, runner, chosen).await
}

async fn baseline_from_history<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    history: PeerHistory,
) -> Result<Report, Error> {
    let refused = |problems: Vec<String>| Error::PeerHistory {
        table: history.to_string(),
        problems,
    };
    let columns: Vec<String> = history::data_rows(
        &conn
            .query(&history.columns_sql())
            .await
            .map_err(Error::db("read the other tool's history table"))?,
    )
    .filter_map(|row| row.get(0).map(str::to_owned))
    .collect();
    if columns.is_empty() {
        return Err(refused(vec![
            "the table does not exist (looked for through the search_path)".to_owned(),
        ]));
    }
    let sql = history
        .history_sql(&columns)
        .map_err(|problem| refused(vec![problem]))?;
    let messages = conn
        .query(&sql)
        .await
        .map_err(Error::db("read the other tool's history table"))?;
    let rows: Vec<PeerRow> = history::data_rows(&messages)
        .map(|row| PeerRow {
            version: row.get(0).unwrap_or_default().to_owned(),
            name: row.get(1).map(str::to_owned),
            success: row.get(2) == Some("t"),
        })
        .collect();
    let ours: Vec<(Version, &str)> = runner
        .migrations
        .iter()
        .map(|m| (m.version(), m.name()))
        .collect();
    let applied = peer::applied_versions(&history, &rows, &ours).map_err(refused)?;
    tracing::info!(from = %history, count = applied.len(), "read the other tool's history");
    record_baseline(conn, runner, applied).await
}

/// Records the chosen migrations as applied without running them, in one transaction, under
/// the lock; those already applied are left as they are.
async fn record_baseline<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    chosen: Vec<Version>,
) -> Result<Report, Error> {
    let started = Instant::now();
    let mut lock = Locked::acquire(conn, &runner.table, runner.lock_wait, None).await?;
    session_required(&lock, "record a baseline")?;
    let rows = read_or_create(lock.conn(), &runner.table).await?;
    if !rows.is_empty() && !runner.force_baseline {
        return Err(Error::BaselineNotEmpty {
            table: runner.table.qualified(),
            rows: rows.len(),
        });
    }
    let applied = |m: &Migration| rows.iter().any(|r| r.success && r.version == m.version());
    let recorded: Vec<&Migration> = runner
        .migrations
        .iter()
        .filter(|m| chosen.contains(&m.version()) && !applied(m))
        .collect();
    if !recorded.is_empty() {
        let inserts: Vec<String> = recorded
            .iter()
            .map(|m| {
                runner.table.record_sql(&Record {
                    version: m.version(),
                    name: m.name(),
                    checksum: m.checksum(),
                    execution_ms: ExecutionMs::Measured(0),
                    success: true,
                    error: None,
                    statements_done: m.up().statements().len(),
                })
            })
            .collect();
        let sql = format!("BEGIN; {}; COMMIT", inserts.join(";\n"));
        lock.conn()
            .query(&sql)
            .await
            .map_err(Error::db("record the baseline"))?;
        tracing::info!(count = recorded.len(), "recorded baseline");
    }
    lock.release().await?;
    let steps = recorded
        .iter()
        .map(|m| Step {
            version: m.version(),
            name: m.name().to_owned(),
            path: m.up().path().to_owned(),
            duration: Duration::ZERO,
            resumed_at: None,
        })
        .collect::<Vec<_>>();
    Ok(Report {
        operation: Operation::Baseline,
        applied_total: runner.applied_total(&rows) + steps.len(),
        steps,
        warnings: Vec::new(),
        overrides: runner.overrides.clone(),
        elapsed: started.elapsed(),
    })
}
