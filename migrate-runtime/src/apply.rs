//! Runs one script (a migration's up file, or its down file) and records the outcome.
//!
//! - A transactional script travels in ONE query string, one round trip:
//!   `BEGIN; <guard>; [SET LOCAL ...;] <body>; <history change>; COMMIT`. The body is the file's
//!   text from its first statement to its last (the file's own `BEGIN;`/`COMMIT;` wrapper
//!   excluded), so PostgreSQL's error position maps back to the file through the prefix length.
//!   The guard makes the transaction safe on any connection, pooled or not, whatever the session
//!   lock did: it takes the transaction-level advisory lock [`HistoryTable::guard_key`] (released
//!   by the commit or rollback, never left behind), then, for an up script, inserts the
//!   migration's success row, which fails when another migrator recorded the version first
//!   (see [`HistoryTable::record_sql`]): the runner then rolls back and reports the migration as
//!   applied elsewhere ([`Outcome::AppliedElsewhere`]). The body never runs twice.
//!   When its `lock_timeout` expires the transaction is rolled back and, while retries are left,
//!   run again after a growing sleep (see [`crate::retry`]).
//! - A `-- migrate:no-transaction` script sends each statement alone (a multi-statement string
//!   would run in an implicit transaction) and records its progress after each one, so a re-run
//!   resumes at the first statement not done.
//!
//! On failure of a transactional script, the transaction is rolled back, then the failure is
//! recorded by a separate statement. When PostgreSQL gives no error position (constraint
//! violations, errors inside PL/pgSQL, ...), the failing statement is located by replaying the
//! statements one by one inside a transaction that is rolled back: only on this failure path, it
//! costs one round trip per statement up to the failing one.

use std::time::{Duration, Instant};

use postgres::error::{DbError, ErrorPosition, Severity};

use crate::conn::Connection;
use migrate_core::{IndexBuild, Transaction};

use crate::embedded::{Migration, Script};
use crate::error::Error;
use crate::event::{Event, Observer};
use crate::history::{ExecutionMs, HistoryTable, Record};
use crate::lock::{parse_holders, LockHolder};
use crate::sql;

mod failure;
pub(crate) mod repeatable;
mod session;

use crate::report::{Operation, Step};
use crate::retry::{self, LockRetries, LOCK_NOT_AVAILABLE};
pub use failure::{Direction, MigrationFailure};
use session::SavedSession;

/// `lock_timeout` and `statement_timeout` for the statements of each migration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub(crate) lock_timeout: Option<Duration>,
    pub(crate) statement_timeout: Option<Duration>,
}

impl Timeouts {
    fn settings(&self) -> impl Iterator<Item = (&'static str, u128)> {
        [
            ("lock_timeout", self.lock_timeout),
            ("statement_timeout", self.statement_timeout),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, milliseconds(v))))
    }

    /// `SET LOCAL ...; ` for a transaction.
    fn set_local(&self) -> String {
        self.settings()
            .map(|(name, ms)| format!("SET LOCAL {name} = {ms}; "))
            .collect()
    }

    /// `SET ...` for a session (no-transaction scripts), or `None` when nothing is set.
    fn set_session(&self) -> Option<String> {
        let sql: Vec<String> = self
            .settings()
            .map(|(n, ms)| format!("SET {n} = {ms}"))
            .collect();
        (!sql.is_empty()).then(|| sql.join("; "))
    }
}

/// `SET LOCAL ...; ` for a script's transaction: `timeouts` and the tenant's search_path (quoted).
fn set_local(timeouts: &Timeouts, search_path: Option<&str>) -> String {
    let mut sql = timeouts.set_local();
    if let Some(path) = search_path {
        sql.push_str(&format!("SET LOCAL search_path = {path}; "));
    }
    sql
}

/// Two optional `;`-separated SQL lists as one.
fn join(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    }
}

/// A timeout in whole milliseconds as PostgreSQL takes it: zero is "none"; anything else at
/// least 1 ms (a sub-millisecond timeout must not turn into "none"), at most `i32::MAX`.
fn milliseconds(timeout: Duration) -> u128 {
    if timeout.is_zero() {
        0
    } else {
        timeout.as_millis().clamp(1, i32::MAX as u128)
    }
}

/// What running a script did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// It ran and its history change committed, in this long.
    Done(Duration),
    /// Another migrator recorded the version as applied first: nothing of this attempt stayed.
    AppliedElsewhere,
}

/// What one attempt of a transactional script did.
enum Attempted {
    /// It ended: applied, or applied elsewhere.
    Finished(Outcome),
    /// Its `lock_timeout` expired and a retry is left: it was rolled back, nothing recorded.
    LockTimedOut,
}

/// One script to run and how its outcome is recorded.
pub(crate) struct Job<'a> {
    pub(crate) migration: &'a Migration,
    pub(crate) direction: Direction,
    pub(crate) table: &'a HistoryTable,
    pub(crate) timeouts: Timeouts,
    pub(crate) retries: LockRetries,
    pub(crate) observer: &'a Observer,
    /// The tenant schema the statements run in ([`Runner::tenant_schema`]), quoted.
    ///
    /// [`Runner::tenant_schema`]: crate::Runner::tenant_schema
    pub(crate) search_path: Option<&'a str>,
    /// For a checkpoint's job, the migrations it stands for, up to `migration` (V) included:
    /// the job runs V's checkpoint file, and its transaction writes a success row for each of
    /// them. Empty for a migration's own up or down file.
    pub(crate) covers: &'a [Migration],
}

impl<'a> Job<'a> {
    fn script(&self) -> &'a Script {
        match self.direction {
            Direction::Up if !self.covers.is_empty() => self
                .migration
                .checkpoint()
                .expect("a checkpoint's job runs a migration's checkpoint"),
            Direction::Up => self.migration.up(),
            Direction::Repeatable => self.migration.up(),
            Direction::Down => self
                .migration
                .down()
                .expect("the runner checks that every down file exists before it starts"),
        }
    }

    fn record(
        &self,
        success: bool,
        execution_ms: ExecutionMs,
        done: usize,
        error: Option<&str>,
    ) -> String {
        self.table.record_sql(&Record {
            version: self.migration.version(),
            name: self.migration.name(),
            checksum: self.migration.checksum(),
            execution_ms,
            success,
            error,
            statements_done: done,
        })
    }

    /// The success row of an up script (for a checkpoint, of its migration V): all of the up
    /// file's statements done.
    fn success_sql(&self, execution_ms: ExecutionMs) -> String {
        let done = self.migration.up().statements().len();
        self.record(true, execution_ms, done, None)
    }

    /// What a transactional script's transaction runs before the script: the guard lock, and
    /// for an up script its success row (which fails when the version is applied already);
    /// for a checkpoint, the success rows of the migrations before V first, each with its own
    /// name, checksum and statement count.
    fn guard_sql(&self) -> String {
        let lock = format!("SELECT pg_advisory_xact_lock({})", self.table.guard_key());
        let covered: String = self
            .covers
            .iter()
            .filter(|m| m.version() != self.migration.version())
            .map(|m| format!("{}; ", self.table.record_sql(&Record::unrun(m))))
            .collect();
        match self.direction {
            Direction::Up | Direction::Repeatable => format!(
                "{lock}; {covered}{}; ",
                self.success_sql(ExecutionMs::Later)
            ),
            Direction::Down => format!("{lock}; "),
        }
    }

    /// What a transactional script's transaction runs after the script: the row's execution
    /// time, or its deletion.
    fn finish_in_transaction_sql(&self) -> String {
        match self.direction {
            Direction::Up | Direction::Repeatable => {
                self.table.execution_sql(self.migration.version())
            }
            Direction::Down => self.table.delete_sql(self.migration.version()),
        }
    }

    /// What a no-transaction script runs after its last statement: the success row, or the
    /// row's deletion.
    fn finish_alone_sql(&self, execution_ms: ExecutionMs) -> String {
        match self.direction {
            Direction::Up | Direction::Repeatable => self.success_sql(execution_ms),
            Direction::Down => self.table.delete_sql(self.migration.version()),
        }
    }

    /// Whether `error` says another migrator recorded this up script's version first.
    fn applied_elsewhere(&self, error: &DbError) -> bool {
        self.direction == Direction::Up && self.table.applied_elsewhere(error)
    }

    /// Records progress of a no-transaction up script (a down script is simply re-run).
    fn progress_sql(&self, done: usize) -> Option<String> {
        (self.direction == Direction::Up)
            .then(|| self.record(false, ExecutionMs::Measured(0), done, None))
    }

    /// Records a failure of an up script (a failed down script leaves its row as it was; a
    /// failed checkpoint leaves the history empty, so the next run tries it again).
    fn failure_sql(&self, done: usize, failure: &MigrationFailure) -> Option<String> {
        (self.direction == Direction::Up && self.covers.is_empty()).then(|| {
            self.record(
                false,
                ExecutionMs::Measured(0),
                done,
                Some(&failure.summary()),
            )
        })
    }

    /// `SET LOCAL ...; ` for the script's transaction: `timeouts` and the tenant's search_path.
    fn set_local(&self, timeouts: &Timeouts) -> String {
        set_local(timeouts, self.search_path)
    }

    /// What a no-transaction script's session runs first: [`session::SAVE_SQL`], then `SET ...`
    /// of the timeouts and the tenant's search_path (undone with the rest of the session by
    /// [`SavedSession::restore_sql`]).
    fn set_session(&self) -> String {
        let path = self.search_path.map(|p| format!("SET search_path = {p}"));
        join(
            Some(session::SAVE_SQL.to_owned()),
            join(self.timeouts.set_session(), path),
        )
        .expect("the save query is always there")
    }

    fn operation(&self) -> Operation {
        match self.direction {
            Direction::Up | Direction::Repeatable => Operation::Apply,
            Direction::Down => Operation::Rollback,
        }
    }

    /// Runs the script from statement `resume_at` and records the outcome: the step it made,
    /// or `None` when another migrator recorded the version first. Reports each moment to the
    /// observer and to `tracing`.
    pub(crate) async fn run<C: Connection>(
        &self,
        conn: &mut C,
        resume_at: usize,
    ) -> Result<Option<Step>, Error> {
        let (operation, migration, path) = (self.operation(), self.migration, self.script().path());
        self.observer.emit(Event::Started {
            operation,
            migration,
            path,
            resume_at,
        });
        let started = Instant::now();
        let outcome = match self.script().transaction() {
            Transaction::Single => self.run_retrying(conn, started).await,
            Transaction::None => self.run_statements(conn, resume_at, started).await,
        };
        let elapsed = match outcome {
            Ok(Outcome::Done(elapsed)) => elapsed,
            Ok(Outcome::AppliedElsewhere) => {
                tracing::info!(
                    version = %migration.version(),
                    name = migration.name(),
                    "migration {} {path} was applied by another migrator meanwhile; its attempt \
                     here was rolled back",
                    migration.version(),
                );
                self.observer.emit(Event::AppliedElsewhere { migration });
                return Ok(None);
            }
            Err(error) => {
                tracing::error!(
                    version = %migration.version(),
                    name = migration.name(),
                    "migration {} {path} failed: {error}",
                    migration.version(),
                );
                self.observer.emit(Event::Failed {
                    operation,
                    migration,
                    path,
                    error: &error,
                });
                return Err(error);
            }
        };
        let verb = match self.direction {
            Direction::Up | Direction::Repeatable => "applied",
            Direction::Down => "reverted",
        };
        tracing::info!(
            version = %migration.version(),
            name = migration.name(),
            elapsed_ms = elapsed.as_millis() as u64,
            "{verb} migration {} {path}",
            migration.version(),
        );
        let step = Step {
            version: migration.version(),
            name: migration.name().to_owned(),
            path: path.to_owned(),
            duration: elapsed,
            resumed_at: (resume_at > 0).then_some(resume_at),
        };
        self.observer.emit(Event::Finished {
            operation,
            step: &step,
        });
        Ok(Some(step))
    }

    /// Runs a transactional script, and again after a sleep each time its `lock_timeout`
    /// expires while retries are left (each attempt with its own `lock_timeout`).
    async fn run_retrying<C: Connection>(
        &self,
        conn: &mut C,
        started: Instant,
    ) -> Result<Outcome, Error> {
        let mut attempt = 1;
        loop {
            let timeouts = Timeouts {
                lock_timeout: self
                    .retries
                    .lock_timeout(self.timeouts.lock_timeout, attempt),
                ..self.timeouts
            };
            if let Attempted::Finished(outcome) = self
                .run_in_transaction(conn, started, &timeouts, attempt)
                .await?
            {
                return Ok(outcome);
            }
            let blockers = self.blockers(conn, &timeouts).await?;
            let sleep = self.retries.backoff(attempt, retry::jitter());
            let named: Vec<String> = blockers.iter().map(ToString::to_string).collect();
            tracing::warn!(
                version = %self.migration.version(),
                name = self.migration.name(),
                attempt,
                retries = self.retries.retries,
                sleep_ms = sleep.as_millis() as u64,
                blocked_by = ?blockers.iter().map(|b| b.pid).collect::<Vec<_>>(),
                "migration {} {} waited longer than its lock_timeout for a lock and was rolled \
                 back, letting the queries queued behind it through; retry {attempt} of {} in \
                 {sleep:?}; blocked by {}",
                self.migration.version(),
                self.script().path(),
                self.retries.retries,
                if named.is_empty() { "a session that has since let go".to_owned() } else { named.join("; ") },
            );
            self.observer.emit(Event::Retrying {
                migration: self.migration,
                path: self.script().path(),
                attempt,
                retries: self.retries.retries,
                sleep,
                blocked_by: &blockers,
            });
            conn.pause(sleep).await;
            attempt += 1;
        }
    }

    /// The likely blockers of a lock wait of this script that just timed out.
    async fn blockers<C: Connection>(
        &self,
        conn: &mut C,
        timeouts: &Timeouts,
    ) -> Result<Vec<LockHolder>, Error> {
        let waited = timeouts.lock_timeout.unwrap_or_default();
        let answer = conn
            .query(&retry::blockers_sql(self.script().sql(), waited))
            .await
            .map_err(Error::db("find the sessions blocking the migration"))?;
        Ok(parse_holders(&answer))
    }

    async fn run_in_transaction<C: Connection>(
        &self,
        conn: &mut C,
        started: Instant,
        timeouts: &Timeouts,
        attempt: u32,
    ) -> Result<Attempted, Error> {
        let script = self.script();
        let query = TransactionSql::new(
            script,
            &self.guard_sql(),
            &self.set_local(timeouts),
            &self.finish_in_transaction_sql(),
        );
        let error = match conn.query(&query.sql).await {
            Ok(_) => return Ok(Attempted::Finished(Outcome::Done(started.elapsed()))),
            Err(error) => error,
        };
        let Some(db) = statement_error(&error) else {
            // The session is over: the server rolls the transaction back itself.
            return Err(Error::db("run the migration (the connection failed)")(
                error,
            ));
        };
        conn.query("ROLLBACK")
            .await
            .map_err(Error::db("roll back the failed migration"))?;
        if self.applied_elsewhere(db) {
            return Ok(Attempted::Finished(Outcome::AppliedElsewhere));
        }
        let lock_timed_out = db.code().code() == LOCK_NOT_AVAILABLE;
        if lock_timed_out && attempt <= self.retries.retries {
            return Ok(Attempted::LockTimedOut);
        }
        let blocked_by = if lock_timed_out {
            self.blockers(conn, timeouts).await?
        } else {
            Vec::new()
        };
        let mut failure = match query.locate(db) {
            Located::Body(offset) => {
                self.failure(db, Some(offset), statement_at(script, offset), true, None)
            }
            Located::AfterBody => {
                // The history change itself failed (e.g. the migration dropped or altered the
                // history table).
                let mut failure = self.failure(db, None, None, false, None);
                failure.message = format!(
                    "{} (while recording the migration in {})",
                    failure.message,
                    self.table.qualified()
                );
                failure
            }
            Located::Unknown => {
                let (statement, offset) = self.locate(conn, timeouts).await?;
                let exact = offset.is_some();
                let offset = offset.or_else(|| statement.map(|i| script.statements()[i].start()));
                self.failure(db, offset, statement, exact, None)
            }
        };
        failure.attempts = attempt;
        failure.blocked_by = blocked_by;
        if let Some(sql) = self.failure_sql(0, &failure) {
            conn.query(&sql)
                .await
                .map_err(Error::db("record the failed migration"))?;
        }
        Err(Error::Migration(Box::new(failure)))
    }

    /// Finds the failing statement of the script by replaying it (see [`locate()`]).
    async fn locate<C: Connection>(
        &self,
        conn: &mut C,
        timeouts: &Timeouts,
    ) -> Result<(Option<usize>, Option<usize>), Error> {
        locate(conn, self.script(), &self.set_local(timeouts)).await
    }

    async fn run_statements<C: Connection>(
        &self,
        conn: &mut C,
        resume_at: usize,
        started: Instant,
    ) -> Result<Outcome, Error> {
        let script = self.script();
        let statements = script.statements();
        let answer = conn.query(&self.set_session()).await.map_err(Error::db(
            "save the session and set the migration's timeouts",
        ))?;
        let saved = SavedSession::read(&answer);
        for (i, statement) in statements.iter().enumerate().skip(resume_at) {
            let build = script.index_build(i);
            match build {
                Some(b) if b.rebuilds() => self.drop_rebuild_leftovers(conn, b.index()).await?,
                Some(b) => self.drop_invalid_index(conn, b.index()).await?,
                None => {}
            }
            if let Err(error) = conn.query(script.statement_sql(statement)).await {
                let Some(db) = statement_error(&error) else {
                    return Err(Error::db(
                        "run a statement of the migration (the connection failed)",
                    )(error));
                };
                let offset = statement_offset(script, i, db);
                let exact = offset.is_some();
                let offset = offset.unwrap_or(statement.start());
                let failure = self.failure(db, Some(offset), Some(i), exact, Some(i));
                if let Some(sql) = self.failure_sql(i, &failure) {
                    conn.query(&saved.as_runner(&sql))
                        .await
                        .map_err(Error::db("record the failed migration"))?;
                }
                restore(conn, &saved).await?;
                return Err(Error::Migration(Box::new(failure)));
            }
            if let Some(index) = build.map(IndexBuild::index) {
                if invalid_index(conn, index).await? {
                    restore(conn, &saved).await?;
                    let (line, column) = script.line_col(statement.start());
                    return Err(Error::InvalidIndex {
                        index: index.to_owned(),
                        location: format!("{}:{line}:{column}", script.path()),
                    });
                }
            }
            let done = i + 1;
            if done < statements.len() {
                if let Some(sql) = self.progress_sql(done) {
                    conn.query(&saved.as_runner(&sql))
                        .await
                        .map_err(Error::db("record the migration's progress"))?;
                }
            }
        }
        restore(conn, &saved).await?;
        let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match conn
            .query(&self.finish_alone_sql(ExecutionMs::Measured(ms)))
            .await
        {
            Ok(_) => Ok(Outcome::Done(started.elapsed())),
            Err(error)
                if error
                    .as_db_error()
                    .is_some_and(|db| self.applied_elsewhere(db)) =>
            {
                Ok(Outcome::AppliedElsewhere)
            }
            Err(error) => Err(Error::db("record the migration")(error)),
        }
    }

    /// Drops `index` concurrently when it exists and is INVALID: what a concurrent build that
    /// was interrupted (a crash, a terminated backend) leaves behind, and what `IF NOT EXISTS`
    /// would then skip.
    async fn drop_invalid_index<C: Connection>(
        &self,
        conn: &mut C,
        index: &str,
    ) -> Result<(), Error> {
        if !invalid_index(conn, index).await? {
            return Ok(());
        }
        tracing::warn!(
            version = %self.migration.version(),
            index,
            "index {index} of migration {} {} is INVALID (an interrupted concurrent build): \
             dropping it concurrently to build it again",
            self.migration.version(),
            self.script().path()
        );
        conn.query(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"))
            .await
            .map_err(Error::db(
                "drop the invalid index left by an interrupted build",
            ))?;
        Ok(())
    }

    /// Drops concurrently the INVALID indexes an interrupted `REINDEX INDEX CONCURRENTLY` of
    /// `index` leaves beside it: `<name>_ccnew` (the new copy, not finished) and `<name>_ccold`
    /// (the old one, not yet dropped), numbered when taken (`_ccnew1`). The index itself is
    /// kept: the statement rebuilds it again.
    async fn drop_rebuild_leftovers<C: Connection>(
        &self,
        conn: &mut C,
        index: &str,
    ) -> Result<(), Error> {
        let answer = conn
            .query(&rebuild_leftovers_sql(index))
            .await
            .map_err(Error::db(
                "look for the leftovers of an interrupted REINDEX",
            ))?;
        for leftover in sql::first_column(&answer) {
            tracing::warn!(
                version = %self.migration.version(),
                index,
                "index {leftover} is INVALID, left by an interrupted REINDEX CONCURRENTLY of \
                 {index} in migration {} {}: dropping it concurrently",
                self.migration.version(),
                self.script().path()
            );
            conn.query(&format!("DROP INDEX CONCURRENTLY IF EXISTS {leftover}"))
                .await
                .map_err(Error::db(
                    "drop an invalid index left by an interrupted REINDEX",
                ))?;
        }
        Ok(())
    }

    fn failure(
        &self,
        db: &DbError,
        offset: Option<usize>,
        statement: Option<usize>,
        exact: bool,
        statements_done: Option<usize>,
    ) -> MigrationFailure {
        MigrationFailure {
            version: self.migration.version(),
            name: self.migration.name().to_owned(),
            direction: self.direction,
            statements_done,
            ..failure_in(self.script(), db, offset, statement, exact)
        }
    }
}

/// The failure of `script` where PostgreSQL's error `db` was, at `offset` (the first statement's
/// start when unknown): for an up script's migration, whose version, name, direction and
/// progress the caller sets.
fn failure_in(
    script: &Script,
    db: &DbError,
    offset: Option<usize>,
    statement: Option<usize>,
    exact: bool,
) -> MigrationFailure {
    let offset = offset
        .or_else(|| script.statements().first().map(|s| s.start()))
        .unwrap_or(0);
    let (line, column) = script.line_col(offset);
    MigrationFailure {
        version: migrate_core::Version::new(0),
        name: String::new(),
        direction: Direction::Up,
        path: script.path().to_owned(),
        line,
        column,
        exact,
        statement,
        code: db.code().code().to_owned(),
        message: db.message().to_owned(),
        detail: db.detail().map(str::to_owned),
        hint: db.hint().map(str::to_owned),
        statements_done: None,
        attempts: 1,
        blocked_by: Vec::new(),
    }
}

/// Finds the failing statement of `script` by replaying its statements one by one in a
/// transaction (after `set_local`) that is rolled back. Returns its index and, when PostgreSQL
/// gave one, the error's offset in the file. `(None, None)` when no statement fails alone (e.g.
/// a deferred constraint at COMMIT).
async fn locate<C: Connection>(
    conn: &mut C,
    script: &Script,
    set_local: &str,
) -> Result<(Option<usize>, Option<usize>), Error> {
    let action = "replay the failed migration to locate the failing statement";
    conn.query(&format!("BEGIN; {set_local}"))
        .await
        .map_err(Error::db(action))?;
    let mut found = (None, None);
    for (i, statement) in script.statements().iter().enumerate() {
        if let Err(error) = conn.query(script.statement_sql(statement)).await {
            let offset = error
                .as_db_error()
                .and_then(|db| statement_offset(script, i, db));
            found = (Some(i), offset);
            break;
        }
    }
    conn.query("ROLLBACK").await.map_err(Error::db(action))?;
    Ok(found)
}

/// Puts the session back as it was before a no-transaction script (see [`session`]).
async fn restore<C: Connection>(conn: &mut C, saved: &SavedSession) -> Result<(), Error> {
    conn.query(&saved.restore_sql()).await.map_err(Error::db(
        "put the session back after a no-transaction migration",
    ))?;
    Ok(())
}

/// The server's error of a failed query, unless the failure ended the session: the connection
/// broke, or the server ended it with a FATAL (or PANIC) error, such as 57P01 when the backend
/// was terminated or 57P05 when it was idle too long. Such a session can neither roll back nor
/// record anything more, so the caller returns `error` as it is, naming the cause: treated as a
/// failure of the migration, its cause was lost behind the error of the next query (the
/// `ROLLBACK`, or the failure record: "connection reset by peer").
fn statement_error(error: &postgres::Error) -> Option<&DbError> {
    error.as_db_error().filter(|db| {
        !matches!(
            db.parsed_severity(),
            Some(Severity::Fatal | Severity::Panic)
        )
    })
}

/// Whether `index` (quoted as SQL names it) exists and is INVALID.
async fn invalid_index<C: Connection>(conn: &mut C, index: &str) -> Result<bool, Error> {
    let answer = conn
        .query(&invalid_index_sql(index))
        .await
        .map_err(Error::db("check the index built concurrently"))?;
    Ok(sql::first_value(&answer) == Some("f"))
}

/// `f` when `index` exists and is INVALID, `t` when valid, no row when missing.
pub(crate) fn invalid_index_sql(index: &str) -> String {
    format!(
        "SELECT i.indisvalid FROM pg_catalog.pg_index i WHERE i.indexrelid = to_regclass({})",
        sql::quote_literal(index)
    )
}

/// The INVALID indexes on the table of `index` named `<name>_ccnew[N]` or `<name>_ccold[N]`,
/// each quoted with its schema: what an interrupted `REINDEX INDEX CONCURRENTLY` leaves.
fn rebuild_leftovers_sql(index: &str) -> String {
    format!(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_index i \
         JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_class o ON o.oid = to_regclass({0}) \
         WHERE NOT i.indisvalid AND c.relnamespace = o.relnamespace \
         AND i.indrelid = (SELECT indrelid FROM pg_catalog.pg_index WHERE indexrelid = o.oid) \
         AND left(c.relname, length(o.relname)) = o.relname \
         AND substr(c.relname, length(o.relname) + 1) ~ '^_cc(new|old)[0-9]*$'",
        sql::quote_literal(index)
    )
}

/// The single query string of a transactional script, and where the body sits in it.
struct TransactionSql<'s> {
    sql: String,
    /// Characters before the body (PostgreSQL counts positions in characters).
    prefix_chars: usize,
    body: &'s str,
    body_offset: usize,
}

impl<'s> TransactionSql<'s> {
    /// `guard` and `set_local` run first in the transaction, `finish` after the body.
    fn new(script: &'s Script, guard: &str, set_local: &str, finish: &str) -> Self {
        let (body_offset, body) = script.body();
        let prefix = format!("BEGIN; {guard}{set_local}");
        let separator = if body.is_empty() { "" } else { ";\n" };
        let sql = format!("{prefix}{body}{separator}{finish};\nCOMMIT");
        Self {
            prefix_chars: prefix.chars().count(),
            sql,
            body,
            body_offset,
        }
    }

    /// Where PostgreSQL's error position points.
    fn locate(&self, db: &DbError) -> Located {
        let Some(ErrorPosition::Original(position)) = db.position() else {
            return Located::Unknown;
        };
        let Some(index) = usize::try_from(*position)
            .ok()
            .and_then(|p| p.checked_sub(1))
        else {
            return Located::Unknown;
        };
        let Some(in_body) = index.checked_sub(self.prefix_chars) else {
            return Located::Unknown;
        };
        match char_to_byte(self.body, in_body) {
            Some(byte) => Located::Body(self.body_offset + byte),
            None => Located::AfterBody,
        }
    }
}

/// Where an error of a transactional script's query string happened.
enum Located {
    /// At this byte offset of the file.
    Body(usize),
    /// In the history change appended after the body.
    AfterBody,
    /// PostgreSQL gave no usable position.
    Unknown,
}

/// The byte offset in the file of an error position in statement `i` sent alone.
fn statement_offset(script: &Script, i: usize, db: &DbError) -> Option<usize> {
    let Some(ErrorPosition::Original(position)) = db.position() else {
        return None;
    };
    let statement = &script.statements()[i];
    let index = usize::try_from(*position).ok()?.checked_sub(1)?;
    char_to_byte(script.statement_sql(statement), index).map(|b| statement.start() + b)
}

/// The byte offset of the `chars`-th character; `None` when past the end.
fn char_to_byte(text: &str, chars: usize) -> Option<usize> {
    text.char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .nth(chars)
        .filter(|&b| b < text.len())
}

/// The index of the statement containing byte `offset`.
fn statement_at(script: &Script, offset: usize) -> Option<usize> {
    script
        .statements()
        .iter()
        .rposition(|s| s.start() <= offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::Statement;

    #[test]
    fn char_offsets() {
        assert_eq!(char_to_byte("aé b", 2), Some(3));
        assert_eq!(char_to_byte("ab", 2), None);
    }

    #[test]
    fn transaction_sql_excludes_the_wrapper_and_keeps_the_body() {
        const SQL: &str = "BEGIN;\nCREATE TABLE IF NOT EXISTS t (id int);\nSELECT 1;\nCOMMIT;\n";
        let statements = vec![Statement::new(7, 44), Statement::new(46, 54)];
        let script = Script::new("m.sql", SQL, Transaction::Single, statements).unwrap();
        let timeouts = Timeouts {
            lock_timeout: Some(Duration::from_secs(2)),
            statement_timeout: None,
        };
        let q = TransactionSql::new(&script, "LOCK g; ", &timeouts.set_local(), "INSERT x");
        assert_eq!(
            q.sql,
            "BEGIN; LOCK g; SET LOCAL lock_timeout = 2000; CREATE TABLE IF NOT EXISTS t (id int);\nSELECT 1;\nINSERT x;\nCOMMIT"
        );
        // `SELECT` of line 3 is at character index prefix + 39 of the query.
        let index = q.prefix_chars + 39;
        assert_eq!(&q.sql[index..index + 6], "SELECT");
        let offset = q.body_offset + char_to_byte(q.body, 39).unwrap();
        assert_eq!(script.line_col(offset), (3, 1));
    }
}
