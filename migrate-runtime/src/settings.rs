//! [`Settings`]: what the migration folder's `migrate.toml` tells the runner, embedded by
//! `embed_migrations!` so that the application does not repeat it.

use std::borrow::Cow;
use std::time::Duration;

use crate::history::HistoryTable;

/// The run-time settings of a migration folder's `migrate.toml`: the history table and the
/// defaults of lock wait, `lock_timeout`, lock retries and `statement_timeout`. [`Runner::new`] starts from
/// them; a builder call (or a CLI flag) overrides one for that run and the [`Report`] says so.
///
/// [`Runner::new`]: crate::Runner::new
/// [`Report`]: crate::Report
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    history: Option<(Cow<'static, str>, Cow<'static, str>)>,
    lock_wait: Option<Duration>,
    lock_timeout: Option<Duration>,
    lock_retries: Option<u32>,
    statement_timeout: Option<Duration>,
}

impl Settings {
    /// No setting: the runner's defaults.
    pub const fn new() -> Self {
        Self {
            history: None,
            lock_wait: None,
            lock_timeout: None,
            lock_retries: None,
            statement_timeout: None,
        }
    }

    #[doc(hidden)]
    pub const fn __new(
        history: Option<(&'static str, &'static str)>,
        lock_wait: Option<Duration>,
        lock_timeout: Option<Duration>,
        lock_retries: Option<u32>,
        statement_timeout: Option<Duration>,
    ) -> Self {
        let history = match history {
            Some((schema, table)) => Some((Cow::Borrowed(schema), Cow::Borrowed(table))),
            None => None,
        };
        Self {
            history,
            lock_wait,
            lock_timeout,
            lock_retries,
            statement_timeout,
        }
    }

    /// `[history] schema` and `table`.
    pub fn with_history_table(
        mut self,
        schema: impl Into<Cow<'static, str>>,
        table: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.history = Some((schema.into(), table.into()));
        self
    }

    /// `[run] lock_wait`.
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = Some(wait);
        self
    }

    /// `[run] lock_timeout` (zero: none).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = Some(timeout);
        self
    }

    /// `[run] lock_retries` (zero: off).
    pub fn with_lock_retries(mut self, retries: u32) -> Self {
        self.lock_retries = Some(retries);
        self
    }

    /// `[run] statement_timeout` (zero: none).
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = Some(timeout);
        self
    }

    /// The history table, if set.
    pub fn history_table(&self) -> Option<HistoryTable> {
        self.history
            .as_ref()
            .map(|(schema, table)| HistoryTable::new(schema.as_ref(), table.as_ref()))
    }

    /// The lock wait, if set.
    pub const fn lock_wait(&self) -> Option<Duration> {
        self.lock_wait
    }

    /// The `lock_timeout`, if set.
    pub const fn lock_timeout(&self) -> Option<Duration> {
        self.lock_timeout
    }

    /// The number of lock retries, if set.
    pub const fn lock_retries(&self) -> Option<u32> {
        self.lock_retries
    }

    /// The `statement_timeout`, if set.
    pub const fn statement_timeout(&self) -> Option<Duration> {
        self.statement_timeout
    }
}
