//! [`Settings`]: what a migration folder's `migrate.toml` tells the runner, and the defaults of
//! what it leaves unset; [`PgVersion`], the value of `postgres`.
//!
//! The checker reads them from `migrate.toml`, `embed_migrations!` embeds them with the set, and
//! the runner starts from them; a builder call or a CLI flag overrides one for one run. Each
//! setting is a [`Setting`] (its `migrate.toml` key) with a [`SettingValue`]: the macro embeds a
//! set through [`Settings::entries`] without naming any setting itself, so a new setting is
//! defined here, read from `migrate.toml` by the checker, and used by the runner.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// The history table's schema when none is set.
pub const DEFAULT_HISTORY_SCHEMA: &str = "public";

/// The history table's name when none is set.
pub const DEFAULT_HISTORY_TABLE: &str = "schema_migrations";

/// How long a migrator waits for another one's lock when no `lock_wait` is set.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// The `lock_timeout` of a transactional migration's first attempt when none is set and lock
/// retries are on. A migration waiting for a lock blocks every query queued behind it for as
/// long as it waits, so it gives up early, lets them through, and tries again; each retry waits
/// twice as long as the one before, up to [`MAX_DEFAULT_LOCK_TIMEOUT`].
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_millis(100);

/// The longest `lock_timeout` of an attempt when none is set: what bounds the application's
/// stall behind a migration that waits for a lock.
pub const MAX_DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_millis(200);

/// How many times a transactional migration whose `lock_timeout` expired runs again when no
/// `lock_retries` is set.
pub const DEFAULT_LOCK_RETRIES: u32 = 5;

/// The sleep before the first lock retry; it doubles after each one, up to
/// [`MAX_RETRY_DELAY`].
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(1);

/// The longest sleep between two lock retries.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// A PostgreSQL major version from [`PgVersion::OLDEST`] to [`PgVersion::NEWEST`]: the oldest
/// server a migration folder must run on (`postgres = 15` in `migrate.toml`).
///
/// The checker reports syntax and features newer than it as errors, models locks as it behaves
/// and only suggests what it accepts; the runner warns when the server is older.
///
/// ```
/// use migrate_core::PgVersion;
///
/// assert_eq!(PgVersion::new(14).map(PgVersion::major), Some(14));
/// assert_eq!(PgVersion::new(9), None);
/// assert_eq!(Some(PgVersion::from_server_version_num(150_004)), PgVersion::new(15));
/// assert_eq!(PgVersion::DEFAULT.to_string(), "15");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgVersion(u32);

impl PgVersion {
    /// The oldest major version `postgres` accepts.
    pub const OLDEST: PgVersion = PgVersion(10);

    /// The newest major version `postgres` accepts: the grammar the checker parses.
    pub const NEWEST: PgVersion = PgVersion(18);

    /// The target when `migrate.toml` declares none: the oldest major version the PostgreSQL
    /// community still supported when this release was made (14 reached its end of life in
    /// November 2026).
    pub const DEFAULT: PgVersion = PgVersion(15);

    /// The major version `major`, if `postgres` accepts it (from [`PgVersion::OLDEST`] to
    /// [`PgVersion::NEWEST`]).
    pub const fn new(major: u32) -> Option<PgVersion> {
        if major >= Self::OLDEST.0 && major <= Self::NEWEST.0 {
            Some(PgVersion(major))
        } else {
            None
        }
    }

    /// The major version of a server's `server_version_num` (`150004` is 15), whatever it is:
    /// a server older than [`PgVersion::OLDEST`] or newer than [`PgVersion::NEWEST`] is still
    /// compared as it is.
    pub const fn from_server_version_num(num: u32) -> PgVersion {
        PgVersion(num / 10_000)
    }

    /// The version as `embed_migrations!` writes it, in `static` context: any number.
    #[doc(hidden)]
    pub const fn __major(major: u32) -> PgVersion {
        PgVersion(major)
    }

    /// The major version number (`15`).
    pub const fn major(self) -> u32 {
        self.0
    }

    /// Whether this is major version `major` or newer: whether it accepts what `major` brought.
    pub const fn at_least(self, major: u32) -> bool {
        self.0 >= major
    }
}

impl Default for PgVersion {
    /// [`PgVersion::DEFAULT`].
    fn default() -> Self {
        PgVersion::DEFAULT
    }
}

impl fmt::Display for PgVersion {
    /// The major version number, as `postgres = 15` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One run-time setting of `migrate.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Setting {
    /// `[history] schema` and `table`: where applied migrations are recorded.
    HistoryTable,
    /// `[run] lock_wait`: how long a migrator waits for another one's lock.
    LockWait,
    /// `[run] lock_timeout` of each migration's statements (zero: none).
    LockTimeout,
    /// `[run] lock_retries`: how many times a transactional migration that hit its
    /// `lock_timeout` runs again (zero: off, and no default `lock_timeout` either).
    LockRetries,
    /// `[run] statement_timeout` of each migration's statements (zero: none).
    StatementTimeout,
    /// `postgres`: the oldest PostgreSQL major version the migrations must run on; the runner
    /// warns when the server is older.
    Postgres,
    /// `[drift] ignore`: the objects drift leaves out (those the application does not own).
    DriftIgnore,
}

impl Setting {
    /// Every setting, in the order [`Settings::entries`] lists them.
    pub const ALL: [Setting; 7] = [
        Setting::HistoryTable,
        Setting::LockWait,
        Setting::LockTimeout,
        Setting::LockRetries,
        Setting::StatementTimeout,
        Setting::Postgres,
        Setting::DriftIgnore,
    ];

    /// The name messages use: the `migrate.toml` key (`lock_wait`), `history table` or
    /// `drift ignore`.
    pub const fn name(self) -> &'static str {
        match self {
            Setting::HistoryTable => "history table",
            Setting::LockWait => "lock_wait",
            Setting::LockTimeout => "lock_timeout",
            Setting::LockRetries => "lock_retries",
            Setting::StatementTimeout => "statement_timeout",
            Setting::Postgres => "postgres",
            Setting::DriftIgnore => "drift ignore",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The value of one [`Setting`]: borrowed from a [`Settings`] (or, embedded, from the binary),
/// or owned ([`SettingValue::into_owned`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SettingValue<'a> {
    /// A schema and a table ([`Setting::HistoryTable`]).
    Table(Cow<'a, str>, Cow<'a, str>),
    /// A duration (for a timeout, zero: none).
    Duration(Duration),
    /// A count.
    Count(u32),
    /// A PostgreSQL major version ([`Setting::Postgres`]).
    Postgres(PgVersion),
    /// A list of texts ([`Setting::DriftIgnore`]'s patterns).
    Texts(Cow<'a, [Cow<'static, str>]>),
}

impl SettingValue<'_> {
    /// The same value, owning its names.
    pub fn into_owned(self) -> SettingValue<'static> {
        match self {
            SettingValue::Table(schema, table) => {
                SettingValue::Table(schema.into_owned().into(), table.into_owned().into())
            }
            SettingValue::Duration(d) => SettingValue::Duration(d),
            SettingValue::Count(n) => SettingValue::Count(n),
            SettingValue::Postgres(v) => SettingValue::Postgres(v),
            SettingValue::Texts(texts) => SettingValue::Texts(Cow::Owned(texts.into_owned())),
        }
    }
}

impl fmt::Display for SettingValue<'_> {
    /// A table as SQL names it, each part quoted (`"app"."schema_migrations"`), a duration as
    /// `Debug` writes it (`5s`, `1.5s`), the count, the major version, or the texts as a TOML
    /// array (`["extension:postgis"]`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingValue::Table(schema, table) => write!(
                f,
                "\"{}\".\"{}\"",
                schema.replace('"', "\"\""),
                table.replace('"', "\"\"")
            ),
            SettingValue::Duration(d) => write!(f, "{d:?}"),
            SettingValue::Count(n) => write!(f, "{n}"),
            SettingValue::Postgres(v) => write!(f, "{v}"),
            SettingValue::Texts(texts) => {
                let quoted: Vec<String> = texts.iter().map(|t| format!("{t:?}")).collect();
                write!(f, "[{}]", quoted.join(", "))
            }
        }
    }
}

/// The run-time settings of a migration folder's `migrate.toml`: the history table, the
/// defaults of lock wait, `lock_timeout`, lock retries and `statement_timeout`, and the target
/// server. Each is unset (`None`) unless the file sets it; the runner then uses the `DEFAULT_…`
/// constants of this crate (and [`PgVersion::DEFAULT`]).
///
/// ```
/// use std::time::Duration;
/// use migrate_core::{Setting, SettingValue, Settings};
///
/// let settings = Settings::new()
///     .with_history_table("app", "schema_migrations")
///     .with_lock_wait(Duration::from_secs(10));
/// assert_eq!(settings.lock_wait(), Some(Duration::from_secs(10)));
/// assert_eq!(
///     settings.entries(),
///     [
///         (Setting::HistoryTable, SettingValue::Table("app".into(), "schema_migrations".into())),
///         (Setting::LockWait, SettingValue::Duration(Duration::from_secs(10))),
///     ]
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    history: Option<(Cow<'static, str>, Cow<'static, str>)>,
    lock_wait: Option<Duration>,
    lock_timeout: Option<Duration>,
    lock_retries: Option<u32>,
    statement_timeout: Option<Duration>,
    postgres: Option<PgVersion>,
    drift_ignore: Option<Cow<'static, [Cow<'static, str>]>>,
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
            postgres: None,
            drift_ignore: None,
        }
    }

    /// The settings `entries` name, in `static` context: what `embed_migrations!` expands to.
    /// A setting given twice keeps the last value; a value of the wrong kind for its setting
    /// is a compile-time error of the expansion.
    #[doc(hidden)]
    pub const fn __from(entries: &'static [(Setting, SettingValue<'static>)]) -> Self {
        let mut history = None;
        let (mut lock_wait, mut lock_timeout, mut statement_timeout) = (None, None, None);
        let (mut lock_retries, mut postgres, mut drift_ignore) = (None, None, None);
        let mut i = 0;
        while i < entries.len() {
            match &entries[i] {
                (
                    Setting::HistoryTable,
                    SettingValue::Table(Cow::Borrowed(schema), Cow::Borrowed(table)),
                ) => history = Some((*schema, *table)),
                (Setting::LockWait, SettingValue::Duration(d)) => lock_wait = Some(*d),
                (Setting::LockTimeout, SettingValue::Duration(d)) => lock_timeout = Some(*d),
                (Setting::LockRetries, SettingValue::Count(n)) => lock_retries = Some(*n),
                (Setting::StatementTimeout, SettingValue::Duration(d)) => {
                    statement_timeout = Some(*d);
                }
                (Setting::Postgres, SettingValue::Postgres(v)) => postgres = Some(*v),
                (Setting::DriftIgnore, SettingValue::Texts(Cow::Borrowed(texts))) => {
                    drift_ignore = Some(Cow::Borrowed(*texts));
                }
                _ => panic!("a setting with a value of another kind, or owned names"),
            }
            i += 1;
        }
        Self {
            history: match history {
                Some((schema, table)) => Some((Cow::Borrowed(schema), Cow::Borrowed(table))),
                None => None,
            },
            lock_wait,
            lock_timeout,
            lock_retries,
            statement_timeout,
            postgres,
            drift_ignore,
        }
    }

    /// Every setting that is set, with its value, in [`Setting::ALL`]'s order.
    pub fn entries(&self) -> Vec<(Setting, SettingValue<'_>)> {
        Setting::ALL
            .into_iter()
            .filter_map(|setting| Some((setting, self.get(setting)?)))
            .collect()
    }

    /// The value of one setting, if set.
    pub fn get(&self, setting: Setting) -> Option<SettingValue<'_>> {
        match setting {
            Setting::HistoryTable => self.history_table().map(|(schema, table)| {
                SettingValue::Table(Cow::Borrowed(schema), Cow::Borrowed(table))
            }),
            Setting::LockWait => self.lock_wait.map(SettingValue::Duration),
            Setting::LockTimeout => self.lock_timeout.map(SettingValue::Duration),
            Setting::LockRetries => self.lock_retries.map(SettingValue::Count),
            Setting::StatementTimeout => self.statement_timeout.map(SettingValue::Duration),
            Setting::Postgres => self.postgres.map(SettingValue::Postgres),
            Setting::DriftIgnore => self
                .drift_ignore
                .as_deref()
                .map(|texts| SettingValue::Texts(Cow::Borrowed(texts))),
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

    /// `postgres`: the oldest PostgreSQL major version the migrations must run on.
    pub fn with_postgres(mut self, target: PgVersion) -> Self {
        self.postgres = Some(target);
        self
    }

    /// `[drift] ignore`: the patterns of the objects drift leaves out.
    pub fn with_drift_ignore(mut self, patterns: impl IntoIterator<Item = String>) -> Self {
        self.drift_ignore = Some(patterns.into_iter().map(Cow::Owned).collect());
        self
    }

    /// The history table's schema and name, if set.
    pub fn history_table(&self) -> Option<(&str, &str)> {
        self.history
            .as_ref()
            .map(|(schema, table)| (schema.as_ref(), table.as_ref()))
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

    /// The target PostgreSQL major version, if set.
    pub const fn postgres(&self) -> Option<PgVersion> {
        self.postgres
    }

    /// `[drift] ignore`'s patterns, if set.
    pub fn drift_ignore(&self) -> Option<&[Cow<'static, str>]> {
        self.drift_ignore.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static ENTRIES: [(Setting, SettingValue<'static>); 7] = [
        (
            Setting::HistoryTable,
            SettingValue::Table(Cow::Borrowed("app"), Cow::Borrowed("h")),
        ),
        (
            Setting::LockWait,
            SettingValue::Duration(Duration::from_secs(10)),
        ),
        (
            Setting::LockTimeout,
            SettingValue::Duration(Duration::from_millis(1500)),
        ),
        (Setting::LockRetries, SettingValue::Count(0)),
        (
            Setting::StatementTimeout,
            SettingValue::Duration(Duration::ZERO),
        ),
        (
            Setting::Postgres,
            SettingValue::Postgres(PgVersion::__major(14)),
        ),
        (
            Setting::DriftIgnore,
            SettingValue::Texts(Cow::Borrowed(&[Cow::Borrowed("extension:postgis")])),
        ),
    ];

    #[test]
    fn the_embedded_form_is_the_built_form() {
        static EMBEDDED: Settings = Settings::__from(&ENTRIES);
        let built = Settings::new()
            .with_history_table("app", String::from("h"))
            .with_lock_wait(Duration::from_secs(10))
            .with_lock_timeout(Duration::from_millis(1500))
            .with_lock_retries(0)
            .with_statement_timeout(Duration::ZERO)
            .with_postgres(PgVersion::new(14).unwrap())
            .with_drift_ignore(["extension:postgis".to_owned()]);
        assert_eq!(EMBEDDED, built);
        assert_eq!(built.entries(), ENTRIES);
        assert!(Settings::new().entries().is_empty());
        let shown: Vec<String> = ENTRIES.iter().map(|(s, v)| format!("{s} {v}")).collect();
        assert_eq!(
            shown,
            [
                "history table \"app\".\"h\"",
                "lock_wait 10s",
                "lock_timeout 1.5s",
                "lock_retries 0",
                "statement_timeout 0ns",
                "postgres 14",
                "drift ignore [\"extension:postgis\"]"
            ]
        );
    }

    #[test]
    fn a_target_is_a_supported_major_version() {
        assert_eq!(PgVersion::new(10), Some(PgVersion::OLDEST));
        assert_eq!(PgVersion::new(18), Some(PgVersion::NEWEST));
        assert_eq!(PgVersion::new(19), None);
        assert_eq!(PgVersion::new(0), None);
        assert!(PgVersion::OLDEST <= PgVersion::DEFAULT && PgVersion::DEFAULT <= PgVersion::NEWEST);
        assert_eq!(PgVersion::from_server_version_num(90_624).major(), 9);
        assert_eq!(
            PgVersion::from_server_version_num(180_001),
            PgVersion::NEWEST
        );
    }
}
