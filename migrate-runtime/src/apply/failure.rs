//! A migration (or down file) that PostgreSQL rejected: where, why, and in which direction.

use std::fmt;

use crate::lock::LockHolder;
use crate::retry::LOCK_NOT_AVAILABLE;
use migrate_core::Version;

/// Whether a failed script was the migration (up), its down file, or a repeatable migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Applying the migration.
    Up,
    /// Reverting it with its down file.
    Down,
    /// Applying a repeatable migration (`R__{name}.sql`), which has no version.
    Repeatable,
}

/// A migration (or down file) that PostgreSQL rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFailure {
    /// The migration's version (0 for a repeatable migration, which has none).
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
        self.code == LOCK_NOT_AVAILABLE
    }
}

impl fmt::Display for MigrationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.direction {
            Direction::Up => write!(f, "migration {} ({})", self.version, self.name)?,
            Direction::Down => write!(f, "rollback of migration {} ({})", self.version, self.name)?,
            Direction::Repeatable => write!(f, "repeatable migration {}", self.name)?,
        }
        write!(
            f,
            " failed at {}: ERROR {}: {}",
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
                     pg_terminate_backend(pid)), then run again",
                    holders.join("; ")
                )?;
            }
        }
        match self.statements_done {
            Some(done) => write!(
                f,
                "\n  the file runs without a transaction: its first {done} statement(s) stay applied; \
                 the next run resumes at statement {} if the file is unchanged",
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
