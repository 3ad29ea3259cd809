//! Everything that can go wrong, as one enum whose messages say what, where and what to do.

use migrate_core::Version;

use crate::lock::Pooler;
use std::fmt;
use std::time::Duration;

use crate::plan::Finding;
use crate::report::Operation;

/// An error of a migration operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A query of the runner itself (not of a migration) failed.
    ///
    /// The message holds the client's error with its causes (SQLSTATE, detail, hint), so
    /// `source()` does not return it again: error reporters print it once.
    #[error("could not {action}: {}", describe(error))]
    Database {
        /// What the runner was doing, e.g. "read the history table".
        action: &'static str,
        /// The client's error, e.g. for its [`SqlState`](postgres::error::SqlState).
        error: postgres::Error,
    },

    /// A migration PostgreSQL rejected. The database is as it was before that migration.
    #[error("{0}")]
    Migration(Box<MigrationFailure>),

    /// Validation found problems before anything was applied; nothing was changed.
    #[error("{}", Findings(.0))]
    Validation(Vec<Finding>),

    /// The history table exists with another shape; it was not changed.
    #[error(
        "the history table {table} exists but does not have the expected shape: {}. \
         It was left unchanged: migrate it by hand to the documented columns \
         (version numeric(38, 0) primary key, name text, checksum text, applied_at timestamptz, \
         execution_ms bigint, success boolean, error text, statements_done integer), \
         or choose another table with Runner::history_table",
        .differences.join("; ")
    )]
    HistoryShape {
        /// The table, as quoted in SQL.
        table: String,
        /// One entry per difference, e.g. `column checksum is missing`.
        differences: Vec<String>,
    },

    /// The history table holds a value the runner cannot read.
    #[error("the history table {table} holds an unreadable row: {problem}")]
    HistoryRow {
        /// The table, as quoted in SQL.
        table: String,
        /// What is wrong.
        problem: String,
    },

    /// Another migrator held the advisory lock for longer than the configured wait.
    #[error(
        "timed out after {waited:?} waiting for the migration lock (advisory lock {key}) held by {}. \
         Wait for that migrator to finish, end it (SELECT pg_terminate_backend(pid)), \
         or raise Runner::lock_wait",
        .holder.as_ref().map_or_else(|| "a session that has since released it".to_owned(), ToString::to_string)
    )]
    LockTimeout {
        /// The advisory lock key.
        key: i64,
        /// How long the runner waited.
        waited: Duration,
        /// The session holding the lock, when it could be read.
        holder: Option<Box<LockHolder>>,
    },

    /// `run_to`, `rollback_to` or `baseline` named a version that is not embedded.
    #[error("version {version} is not one of the embedded migrations; use one of: {known}")]
    UnknownVersion {
        /// The version asked for.
        version: Version,
        /// The embedded versions, comma separated.
        known: String,
    },

    /// A rollback needs a down file that does not exist.
    #[error(
        "cannot roll back migration {version} ({name}): {reason}; nothing was rolled back. \
         Add the down file, or roll back to a version at or after {version}"
    )]
    CannotRollBack {
        /// The version that cannot be reverted.
        version: Version,
        /// Its name, or `?` when not embedded.
        name: String,
        /// Why, e.g. `it has no .down.sql file`.
        reason: String,
    },

    /// The connection goes through a transaction pooler and the operation needs a session of
    /// its own (a no-transaction migration is pending, or a rollback or baseline was asked);
    /// nothing was changed.
    #[error(
        "refusing to {operation} through a transaction pooler: {pooler}, as PgBouncer's \
         pool_mode = transaction does. {reason}. Nothing was changed. Connect to PostgreSQL \
         directly or through session pooling (PgBouncer pool_mode = session) to {operation}, \
         e.g. with a separate migration URL that bypasses the pooler; the transactional \
         migrations alone are safe through the pooler"
    )]
    TransactionPooler {
        /// What was refused: `apply`, `roll back` or `record a baseline`.
        operation: &'static str,
        /// How the pooler showed.
        pooler: Pooler,
        /// Why the operation needs a session, naming the no-transaction files when those are
        /// the reason.
        reason: String,
    },

    /// A concurrent index build of a no-transaction migration finished but left its index
    /// INVALID (e.g. `IF NOT EXISTS` skipped an invalid index of that name).
    #[error(
        "index {index} built at {location} is INVALID after its build: queries do not use it \
         but every write maintains it. The next run drops it (DROP INDEX CONCURRENTLY) and \
         builds it again from that statement; if it stays invalid, look for the cause in the \
         server log (a unique violation, a cancelled build)"
    )]
    InvalidIndex {
        /// The index, quoted as SQL names it.
        index: String,
        /// The building statement, `file:line:col`.
        location: String,
    },

    /// Under the lock, `run`, `run_to` or `rollback_to` found steps outside the versions given
    /// to [`Runner::only`](crate::Runner::only) (the history changed after they were
    /// confirmed); nothing was run.
    #[error(
        "refusing to {}: the history changed after the steps were confirmed, and it would now \
         also {} {}, which were not confirmed. Nothing was changed; look at the history \
         (`migrate status`) and run the command again",
        match .operation { Operation::Rollback => "roll back", _ => "apply" },
        match .operation { Operation::Rollback => "revert", _ => "apply" },
        .unconfirmed.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    NotConfirmed {
        /// `Apply` or `Rollback`.
        operation: Operation,
        /// The versions it would have run without confirmation.
        unconfirmed: Vec<Version>,
    },

    /// `baseline` on a history table that already holds rows.
    #[error(
        "refusing to baseline: the history table {table} already holds {rows} row(s). \
         Use Runner::force_baseline(true) to record the baseline anyway"
    )]
    BaselineNotEmpty {
        /// The table, as quoted in SQL.
        table: String,
        /// How many rows it holds.
        rows: usize,
    },

    /// `baseline_from_history` found rows in the other tool's history it cannot trust, or no
    /// such table; nothing was recorded.
    #[error(
        "refusing to baseline from {table}, nothing was recorded: {}",
        .problems.join("; ")
    )]
    PeerHistory {
        /// The table read, e.g. `_sqlx_migrations (sqlx)`.
        table: String,
        /// One entry per problem, each naming its version.
        problems: Vec<String>,
    },
}

impl Error {
    pub(crate) fn db(action: &'static str) -> impl FnOnce(postgres::Error) -> Error {
        move |error| Error::Database { action, error }
    }

    /// The findings, when this is a validation error.
    pub fn findings(&self) -> &[Finding] {
        match self {
            Error::Validation(findings) => findings,
            _ => &[],
        }
    }

    /// The failure, when a migration PostgreSQL rejected caused this error.
    pub fn migration_failure(&self) -> Option<&MigrationFailure> {
        match self {
            Error::Migration(failure) => Some(failure),
            _ => None,
        }
    }
}

struct Findings<'a>(&'a [Finding]);

impl fmt::Display for Findings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "validation failed, nothing was applied:")?;
        for finding in self.0 {
            write!(f, "\n  {finding}")?;
        }
        Ok(())
    }
}

/// The session holding the migration lock, from `pg_locks` and `pg_stat_activity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Its backend process id.
    pub pid: i32,
    /// Its `application_name`.
    pub application_name: String,
    /// Its client address, when connected over TCP.
    pub client_addr: Option<String>,
    /// When it connected (UTC, ISO 8601).
    pub backend_start: Option<String>,
    /// When its current (or last) query started (UTC, ISO 8601).
    pub query_start: Option<String>,
    /// Its state (`active`, `idle`, ...), when visible to this role.
    pub state: Option<String>,
    /// Its current (or last) query, shortened, when visible to this role.
    pub query: Option<String>,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} (application_name '{}'",
            self.pid, self.application_name
        )?;
        if let Some(addr) = &self.client_addr {
            write!(f, ", from {addr}")?;
        }
        if let Some(start) = &self.backend_start {
            write!(f, ", connected since {start}")?;
        }
        if let Some(state) = &self.state {
            write!(f, ", {state}")?;
        }
        if let Some(start) = &self.query_start {
            write!(f, " since {start}")?;
        }
        if let Some(query) = &self.query {
            write!(f, ": {query}")?;
        }
        write!(f, ")")
    }
}

/// Whether a failed script was the migration (up) or its down file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Applying the migration.
    Up,
    /// Reverting it with its down file.
    Down,
}

/// A migration (or down file) that PostgreSQL rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFailure {
    /// The migration's version.
    pub version: Version,
    /// The migration's name.
    pub name: String,
    /// Whether the up or the down file failed.
    pub direction: Direction,
    /// The file, as the build saw it (`migrations/003_add_users.sql`).
    pub path: String,
    /// 1-based line of the error in the file: PostgreSQL's error position when it gave one,
    /// otherwise the start of the failing statement.
    pub line: usize,
    /// 1-based column (in characters) matching [`MigrationFailure::line`].
    pub column: usize,
    /// Whether [`line`](MigrationFailure::line) and [`column`](MigrationFailure::column) come
    /// from PostgreSQL's error position (`true`) or are the failing statement's start.
    pub exact: bool,
    /// 0-based index of the failing statement among the script's statements, when known.
    pub statement: Option<usize>,
    /// The SQLSTATE code, e.g. `42P01`.
    pub code: String,
    /// PostgreSQL's primary message.
    pub message: String,
    /// PostgreSQL's detail, if any.
    pub detail: Option<String>,
    /// PostgreSQL's hint, if any.
    pub hint: Option<String>,
    /// For a no-transaction script: how many statements had completed (they stay applied).
    pub statements_done: Option<usize>,
    /// How many times the script ran: more than one when its `lock_timeout` expired and it was
    /// retried (see `Runner::lock_retries`).
    pub attempts: u32,
    /// When its `lock_timeout` expired: the sessions that held a lock on a table the script
    /// names, in a transaction open since before the wait began (the likely blockers).
    pub blocked_by: Vec<LockHolder>,
}

impl MigrationFailure {
    /// `file:line:col`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.path, self.line, self.column)
    }

    /// One line (plus detail and hint) for the history table's `error` column.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "ERROR {} at {}: {}",
            self.code,
            self.location(),
            self.message
        );
        if let Some(detail) = &self.detail {
            text.push_str(&format!(" (detail: {detail})"));
        }
        if let Some(hint) = &self.hint {
            text.push_str(&format!(" (hint: {hint})"));
        }
        if self.attempts > 1 {
            text.push_str(&format!(" (after {} attempts)", self.attempts));
        }
        for holder in &self.blocked_by {
            text.push_str(&format!(" (blocked by {holder})"));
        }
        text
    }

    /// Whether the script failed because its `lock_timeout` expired.
    pub fn lock_timed_out(&self) -> bool {
        self.code == crate::retry::LOCK_NOT_AVAILABLE
    }
}

impl fmt::Display for MigrationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.direction {
            Direction::Up => "migration",
            Direction::Down => "rollback of migration",
        };
        write!(
            f,
            "{what} {} ({}) failed at {}: ERROR {}: {}",
            self.version,
            self.name,
            self.location(),
            self.code,
            self.message
        )?;
        if !self.exact {
            write!(
                f,
                "\n  (PostgreSQL gave no error position: {}:{} is where the failing statement starts)",
                self.line, self.column
            )?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  detail: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        if self.lock_timed_out() {
            write!(
                f,
                "\n  its lock_timeout expired on each of its {} attempt(s); ",
                self.attempts
            )?;
            if self.blocked_by.is_empty() {
                write!(
                    f,
                    "no session holds a lock on a table it names any more, in a transaction \
                     older than the wait: run again"
                )?;
            } else {
                let holders: Vec<String> =
                    self.blocked_by.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "blocked by {}. Let that transaction finish or end it (SELECT \
                     pg_terminate_backend(pid)), then run again; or raise lock_timeout or \
                     lock_retries",
                    holders.join("; ")
                )?;
            }
        }
        match self.statements_done {
            Some(done) => write!(
                f,
                "\n  the file runs without a transaction: its first {done} statement(s) stay applied; \
                 the next run resumes at statement {} if the file is unchanged, or, if you fix it, \
                 runs it again from its first statement with Runner::restart_changed(true)",
                done + 1
            ),
            None => write!(
                f,
                "\n  the transaction was rolled back: the database is as before this migration; \
                 fix the file and run again"
            ),
        }
    }
}

/// The client's error with its cause: `postgres::Error` alone prints only "db error" or "error
/// connecting to server"; the server's message (or the I/O error) is its source.
pub(crate) fn describe(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let severity = db
            .parsed_severity()
            .map_or_else(|| "ERROR".to_owned(), |s| s.to_string());
        let mut text = format!("{severity} {}: {}", db.code().code(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" (detail: {detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        return text;
    }
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod describe_tests {
    #[test]
    fn a_connection_error_shows_its_cause() {
        let error = postgres::Client::connect(
            "host=127.0.0.1 port=1 user=x connect_timeout=1",
            postgres::NoTls,
        )
        .err()
        .expect("nothing listens on port 1");
        let text = super::describe(&error);
        assert!(text.starts_with("error connecting to server: "), "{text}");
        assert!(text.len() > "error connecting to server: ".len(), "{text}");
    }
}
