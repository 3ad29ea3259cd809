//! [`Override`]: a setting of the folder's `migrate.toml` that a builder call (or a command-line
//! flag) replaced for one run. Computed by comparing the runner's options with the settings
//! ([`Runner::overrides`](crate::Runner::overrides)), so it says what the run uses, whatever
//! the order of the calls.

use std::fmt;

use migrate_core::{Setting, SettingValue};

/// A setting `migrate.toml` gave one value and this run another. `Display`:
/// `lock_wait 5s overrides migrate.toml's 60s`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The setting.
    pub setting: Setting,
    /// Its value in `migrate.toml`.
    pub configured: SettingValue<'static>,
    /// Its value for this run.
    pub now: SettingValue<'static>,
}

impl Override {
    /// The override of `setting` when `migrate.toml` set it (`configured`) and the run uses
    /// another value (`now`); `None` otherwise.
    pub(crate) fn compare(
        setting: Setting,
        configured: Option<SettingValue<'_>>,
        now: Option<SettingValue<'_>>,
    ) -> Option<Override> {
        let (configured, now) = (configured?, now?);
        (configured != now).then(|| Override {
            setting,
            configured: configured.into_owned(),
            now: now.into_owned(),
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
