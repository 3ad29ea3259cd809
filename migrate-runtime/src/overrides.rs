//! [`Override`]: a setting of the folder's `migrate.toml` that a builder call (or a command-line
//! flag) replaced for one run. Computed by comparing the runner's options with the settings
//! ([`Runner::overrides`](crate::Runner::overrides)), so it says what the run uses, whatever
//! the order of the calls.

use std::fmt;
use std::time::Duration;

use crate::history::HistoryTable;

/// A setting of `migrate.toml` that a run can override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Setting {
    /// `[history] schema` and `table`.
    HistoryTable,
    /// `[run] lock_wait`.
    LockWait,
    /// `[run] lock_timeout`.
    LockTimeout,
    /// `[run] lock_retries`.
    LockRetries,
    /// `[run] statement_timeout`.
    StatementTimeout,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::HistoryTable => "history table",
            Setting::LockWait => "lock_wait",
            Setting::LockTimeout => "lock_timeout",
            Setting::LockRetries => "lock_retries",
            Setting::StatementTimeout => "statement_timeout",
        })
    }
}

/// The value of a [`Setting`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingValue {
    /// A history table.
    Table(HistoryTable),
    /// A wait or a timeout (zero: none).
    Duration(Duration),
    /// A number of retries.
    Count(u32),
}

impl fmt::Display for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingValue::Table(table) => f.write_str(&table.qualified()),
            SettingValue::Duration(duration) => write!(f, "{duration:?}"),
            SettingValue::Count(count) => write!(f, "{count}"),
        }
    }
}

/// A setting `migrate.toml` gave one value and this run another. `Display`:
/// `lock_wait 5s overrides migrate.toml's 60s`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The setting.
    pub setting: Setting,
    /// Its value in `migrate.toml`.
    pub configured: SettingValue,
    /// Its value for this run.
    pub now: SettingValue,
}

impl Override {
    /// The override of `setting` when `migrate.toml` set it (`configured`) and the run uses
    /// another value (`now`); `None` otherwise.
    pub(crate) fn compare(
        setting: Setting,
        configured: Option<SettingValue>,
        now: Option<SettingValue>,
    ) -> Option<Override> {
        let (configured, now) = (configured?, now?);
        (configured != now).then_some(Override {
            setting,
            configured,
            now,
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} overrides migrate.toml's {}",
            self.setting, self.now, self.configured
        )
    }
}
