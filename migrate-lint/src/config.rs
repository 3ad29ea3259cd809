//! `migrate.toml`: the one configuration of a migration folder, read by the checker so that the
//! build (the macro) and the `migrate` command reach the same verdict, and embedded by the macro
//! so that the runtime uses the same history table and timeouts.
//!
//! ```toml
//! # The oldest PostgreSQL major version the migrations must run on (10 to 18; default 15):
//! # newer syntax is an error, lock rules and help lines follow it.
//! postgres = 14
//!
//! # History applied somewhere already: still parsed and embedded, but idempotency,
//! # destructive and lock-hazard findings are only counted.
//! legacy_until = 20240101000000
//!
//! # One schema per tenant: names outside the tenant's schema are findings, but these.
//! tenancy = "schema"             # or "database"
//! shared = ["public.countries", "extensions.*"]
//!
//! [history]
//! schema = "app"
//! table = "schema_migrations"
//!
//! [run]
//! lock_wait = "60s"
//! lock_timeout = "5s"
//! lock_retries = 5               # 0: a lock timeout fails the migration at once
//! statement_timeout = "10min"
//!
//! [trace]
//! max_lock_hold = "2s"           # `migrate trace` exits 1 past it (as --max-lock-hold)
//!
//! [drift]                        # objects `migrate drift` leaves out: [kind:]name, `*` ends
//! ignore = ["public.spatial_ref_sys", "extension:postgis", "partman.*"]
//!
//! [[allow]]
//! rules = ["unguarded-insert"]
//! reason = "reference data, inserted once"
//! from = 20240101000000          # optional: versions from ..
//! to = 20241231000000            # .. to (inclusive)
//! files = ["20240301000000_seed.sql"]   # optional: only these files
//! ```
//!
//! Reading is pure: [`Config::parse`] takes the text and returns the configuration or the
//! problems, each at `migrate.toml:line:col` with what to write instead.

use std::ops::Range;
use std::time::Duration;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use migrate_core::{
    PgVersion, Settings, Tenancy, Version, DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE,
};

use crate::diagnostic::{Diagnostic, Position};
use crate::quote::read_qualified;
pub use crate::rule::Shared;
use crate::rule::{Policy, Target};
use crate::rules::{allowable, closest, config};
use crate::source::{line_at, line_col};

/// The configuration file's name, in the migration folder.
pub const CONFIG_FILE: &str = "migrate.toml";

/// The settings of a migration folder's `migrate.toml`. Absent file: every field at its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `legacy_until`: files up to and including this version are history already applied
    /// somewhere; their idempotency, destructive and lock-hazard findings are counted, not
    /// reported.
    pub legacy_until: Option<Version>,
    /// `postgres`, `[history]` and `[run]`: the run-time settings, which `embed_migrations!`
    /// embeds with the set (the target server, the history table, lock wait, `lock_timeout`,
    /// lock retries, `statement_timeout`).
    pub settings: Settings,
    /// `[[allow]]` entries.
    pub allow: Vec<Allow>,
    /// `tenancy`: how the set is applied to a fleet of tenants, if it is.
    pub tenancy: Option<Tenancy>,
    /// `shared`: the objects outside the tenant's schema that migrations may name
    /// (`tenancy = "schema"` only).
    pub shared: Vec<Shared>,
    /// `[trace] max_lock_hold`: `migrate trace` exits 1 when a lock that blocks the application
    /// is held longer on a pre-existing table (`--max-lock-hold` overrides it).
    pub max_lock_hold: Option<Duration>,
}

/// One `[[allow]]` entry: rules allowed in part or all of the set, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// The rules allowed.
    pub rules: Vec<&'static str>,
    /// Why (required: the next reader needs it).
    pub reason: String,
    /// The first version it applies to (inclusive), if limited.
    pub from: Option<Version>,
    /// The last version it applies to (inclusive), if limited.
    pub to: Option<Version>,
    /// The file names it applies to (`003_seed.sql`), if limited.
    pub files: Vec<String>,
    /// Where each file name is written in `migrate.toml`, to report names of no file.
    pub(crate) file_spans: Vec<Range<usize>>,
}

impl Allow {
    fn covers(&self, version: Version, file: &str) -> bool {
        self.from.is_none_or(|from| version >= from)
            && self.to.is_none_or(|to| version <= to)
            && (self.files.is_empty() || self.files.iter().any(|f| f == file))
    }
}

impl Config {
    /// The PostgreSQL major version the migrations target: `postgres`, or
    /// [`PgVersion::DEFAULT`].
    pub fn target(&self) -> PgVersion {
        self.settings.postgres().unwrap_or_default()
    }

    /// The policy for the file `file` (its name in the folder) of version `version`.
    pub(crate) fn policy(&self, version: Version, file: &str) -> Policy {
        Policy {
            allowed: self
                .allow
                .iter()
                .filter(|a| a.covers(version, file))
                .flat_map(|a| a.rules.iter().copied())
                .collect(),
            legacy: self.legacy_until.is_some_and(|until| version <= until),
            tenant_schema: (self.tenancy == Some(Tenancy::Schema)).then(|| self.shared.clone()),
            target: Target {
                version: self.target(),
                declared: self.settings.postgres().is_some(),
            },
        }
    }

    /// The problems of `[[allow]] files` that name no file of the folder (`names`: the names of
    /// its entries), placed in `migrate.toml`'s `text`.
    pub(crate) fn unknown_files(&self, path: &str, text: &str, names: &[&str]) -> Vec<Diagnostic> {
        let mut reader = Reader {
            path,
            text,
            problems: Vec::new(),
        };
        for allow in &self.allow {
            for (file, span) in allow.files.iter().zip(&allow.file_spans) {
                if names.contains(&file.as_str()) {
                    continue;
                }
                let help = match closest(file, names.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "write the name of a file of this folder, as `ls` shows it".to_owned(),
                };
                reader.problem(span.start, format!("no file `{file}` in the folder"), help);
            }
        }
        reader.problems
    }

    /// Reads `migrate.toml`'s text. `path` is how the file is named in messages
    /// (`migrations/migrate.toml`). Every problem is reported, not only the first; the
    /// configuration returned then holds what could be read.
    pub fn parse(path: &str, text: &str) -> (Config, Vec<Diagnostic>) {
        let mut reader = Reader {
            path,
            text,
            problems: Vec::new(),
        };
        let config = match DeTable::parse(text) {
            Ok(table) => reader.config(table.get_ref()),
            Err(e) => {
                let at = e.span().map_or(0, |s| s.start);
                reader.problem(
                    at,
                    e.message().trim().to_owned(),
                    config::RULE.help.to_owned(),
                );
                Config::default()
            }
        };
        let mut problems = reader.problems;
        problems.sort_by_key(|d| d.position);
        (config, problems)
    }
}

/// The keys of each table, for "unknown key" and "did you mean".
const TOP: &[&str] = &[
    "postgres",
    "legacy_until",
    "tenancy",
    "shared",
    "history",
    "run",
    "trace",
    "drift",
    "allow",
];
const TRACE: &[&str] = &["max_lock_hold"];
const DRIFT: &[&str] = &["ignore"];
const HISTORY: &[&str] = &["schema", "table"];
const RUN: &[&str] = &[
    "lock_wait",
    "lock_timeout",
    "lock_retries",
    "statement_timeout",
];
const ALLOW: &[&str] = &["rules", "reason", "from", "to", "files"];

type Value<'i> = Spanned<DeValue<'i>>;

/// Reads the parsed tree into a [`Config`], collecting problems with their places.
struct Reader<'a> {
    path: &'a str,
    text: &'a str,
    problems: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn problem(&mut self, at: usize, message: String, help: String) {
        let at = at.min(self.text.len());
        let (line, column) = line_col(self.text, at);
        self.problems.push(Diagnostic {
            rule: config::RULE.name,
            severity: config::RULE.severity,
            path: self.path.to_owned(),
            position: Some(Position { line, column }),
            message,
            source_line: Some(line_at(self.text, at).to_owned()),
            help,
            fix: None,
        });
    }

    /// The entries of a table whose keys are all known; an unknown key is a problem.
    fn entries<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        section: &str,
        known: &[&str],
    ) -> Vec<(&'t str, &'t Value<'i>)> {
        let mut entries = Vec::new();
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            if known.contains(&name) {
                entries.push((name, value));
                continue;
            }
            let help = match closest(name, known.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the keys of {section} are {}", list(known)),
            };
            self.problem(
                key.span().start,
                format!("unknown key `{name}` in {section}"),
                help,
            );
        }
        entries
    }

    fn config(&mut self, top: &DeTable<'_>) -> Config {
        let mut config = Config::default();
        let mut shared_at = None;
        for (key, value) in self.entries(top, "migrate.toml", TOP) {
            match key {
                "postgres" => {
                    if let Some(target) = self.postgres(value) {
                        config.settings =
                            std::mem::take(&mut config.settings).with_postgres(target);
                    }
                }
                "legacy_until" => config.legacy_until = self.version(value, key),
                "tenancy" => config.tenancy = self.tenancy(value),
                "shared" => {
                    shared_at = Some(value.span().start);
                    config.shared = self.shared(value);
                }
                "history" => {
                    if let Some((schema, table)) = self.history(value) {
                        config.settings = config.settings.with_history_table(schema, table);
                    }
                }
                "run" => {
                    if let Some(table) = self.table(value, "[run]") {
                        for (key, value) in self.entries(table, "[run]", RUN) {
                            let settings = std::mem::take(&mut config.settings);
                            config.settings = match key {
                                "lock_retries" => match self.count(value, key) {
                                    Some(n) => settings.with_lock_retries(n),
                                    None => settings,
                                },
                                _ => match (self.duration(value, key), key) {
                                    (Some(d), "lock_wait") => settings.with_lock_wait(d),
                                    (Some(d), "lock_timeout") => settings.with_lock_timeout(d),
                                    (Some(d), _) => settings.with_statement_timeout(d),
                                    (None, _) => settings,
                                },
                            };
                        }
                    }
                }
                "trace" => {
                    if let Some(table) = self.table(value, "[trace]") {
                        for (key, value) in self.entries(table, "[trace]", TRACE) {
                            config.max_lock_hold = self.duration(value, key);
                        }
                    }
                }
                "drift" => {
                    if let Some(table) = self.table(value, "[drift]") {
                        for (key, value) in self.entries(table, "[drift]", DRIFT) {
                            let patterns = self.strings(value, key);
                            config.settings = std::mem::take(&mut config.settings)
                                .with_drift_ignore(patterns.into_iter().map(Spanned::into_inner));
                        }
                    }
                }
                _ => config.allow = self.allows(value),
            }
        }
        if let Some(at) = shared_at.filter(|_| config.tenancy != Some(Tenancy::Schema)) {
            self.problem(
                at,
                "`shared` without `tenancy = \"schema\"` shares nothing".to_owned(),
                "add `tenancy = \"schema\"` if each tenant is a schema, or remove `shared`"
                    .to_owned(),
            );
        }
        config
    }

    fn tenancy(&mut self, value: &Value<'_>) -> Option<Tenancy> {
        let text = self.string(value, "tenancy")?;
        if let Ok(tenancy) = text.parse() {
            return Some(tenancy);
        }
        let help = match closest(&text, Tenancy::ALL.map(Tenancy::as_str).into_iter()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => {
                "write `tenancy = \"schema\"` (a schema per tenant) or `tenancy = \"database\"` \
                     (a database per tenant)"
                    .to_owned()
            }
        };
        self.problem(
            value.span().start,
            format!("unknown tenancy `{text}`"),
            help,
        );
        None
    }

    /// `shared`: names as `schema.name` or `schema.*`.
    fn shared(&mut self, value: &Value<'_>) -> Vec<Shared> {
        let mut shared = Vec::new();
        for entry in self.strings(value, "shared") {
            match read_qualified(entry.get_ref()).as_deref() {
                Some([schema, name]) => shared.push(Shared {
                    schema: schema.clone(),
                    name: (name != "*").then(|| name.clone()),
                }),
                _ => self.problem(
                    entry.span().start,
                    format!("`{}` is not a shared name", entry.get_ref()),
                    "write `schema.name` (`public.countries`), or `schema.*` for every object \
                     of a schema"
                        .to_owned(),
                ),
            }
        }
        shared
    }

    fn table<'t, 'i>(&mut self, value: &'t Value<'i>, what: &str) -> Option<&'t DeTable<'i>> {
        let table = value.get_ref().as_table();
        if table.is_none() {
            self.expected(value, what, "a table");
        }
        table
    }

    fn expected(&mut self, value: &Value<'_>, what: &str, expected: &str) {
        self.problem(
            value.span().start,
            format!(
                "`{what}` must be {expected}, not {}",
                value.get_ref().type_str()
            ),
            config::RULE.help.to_owned(),
        );
    }

    fn string(&mut self, value: &Value<'_>, what: &str) -> Option<String> {
        let text = value.get_ref().as_str().map(str::to_owned);
        if text.is_none() {
            self.expected(value, what, "a string");
        }
        text
    }

    /// `[history]`: the schema and the table, each at its default when left out.
    fn history(&mut self, value: &Value<'_>) -> Option<(String, String)> {
        let table = self.table(value, "[history]")?;
        let mut history = (
            DEFAULT_HISTORY_SCHEMA.to_owned(),
            DEFAULT_HISTORY_TABLE.to_owned(),
        );
        for (key, value) in self.entries(table, "[history]", HISTORY) {
            let Some(name) = self.string(value, key) else {
                continue;
            };
            if name.is_empty() {
                self.problem(
                    value.span().start,
                    format!("`{key}` is empty"),
                    format!("write a {key} name, or leave the key out for the default"),
                );
                continue;
            }
            match key {
                "schema" => history.0 = name,
                _ => history.1 = name,
            }
        }
        Some(history)
    }

    /// A version: an integer, or a string of digits for versions longer than TOML's integers.
    fn version(&mut self, value: &Value<'_>, what: &str) -> Option<Version> {
        let digits = match value.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', ""),
            DeValue::String(s) => s.to_string(),
            _ => {
                self.expected(
                    value,
                    what,
                    "a version number (an integer or a string of digits)",
                );
                return None;
            }
        };
        let parsed = digits.parse::<Version>().ok();
        if parsed.is_none() {
            self.problem(
                value.span().start,
                format!("`{what}` is not a version: `{digits}`"),
                format!(
                    "write the version's digits, as in the file name (at most {}): \
                     `{what} = 20240101000000`",
                    Version::MAX_DIGITS
                ),
            );
        }
        parsed
    }

    /// `postgres`: a major version [`PgVersion::new`] accepts.
    fn postgres(&mut self, value: &Value<'_>) -> Option<PgVersion> {
        let target = match value.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', "").parse().ok(),
            _ => None,
        }
        .and_then(PgVersion::new);
        if target.is_none() {
            let written = &self.text[value.span()];
            self.problem(
                value.span().start,
                format!(
                    "`postgres = {written}`: the target must be a PostgreSQL major version from \
                     {} to {}",
                    PgVersion::OLDEST,
                    PgVersion::NEWEST
                ),
                format!(
                    "write the oldest major version your servers run, such as `postgres = {}` \
                     (the default when the key is left out)",
                    PgVersion::DEFAULT
                ),
            );
        }
        target
    }

    /// A small non-negative integer (a number of retries).
    fn count(&mut self, value: &Value<'_>, what: &str) -> Option<u32> {
        let parsed = match value.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', "").parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.problem(
                value.span().start,
                format!("`{what}` must be a whole number from 0 to {}", u32::MAX),
                format!("write a count such as `{what} = 5` (`0` for none)"),
            );
        }
        parsed
    }

    fn duration(&mut self, value: &Value<'_>, what: &str) -> Option<Duration> {
        let text = self.string(value, what)?;
        match parse_duration(&text) {
            Ok(duration) => Some(duration),
            Err(e) => {
                self.problem(
                    value.span().start,
                    format!("`{what}`: {e}"),
                    format!("write a duration such as `{what} = \"5s\"` (`\"0\"` for none)"),
                );
                None
            }
        }
    }

    fn allows(&mut self, value: &Value<'_>) -> Vec<Allow> {
        let Some(array) = value.get_ref().as_array() else {
            self.expected(
                value,
                "allow",
                "an array of tables (write each entry under `[[allow]]`)",
            );
            return Vec::new();
        };
        array
            .iter()
            .filter_map(|entry| {
                let table = self.table(entry, "[[allow]]")?;
                self.allow(entry.span().start, table)
            })
            .collect()
    }

    fn allow(&mut self, at: usize, table: &DeTable<'_>) -> Option<Allow> {
        let mut allow = Allow {
            rules: Vec::new(),
            reason: String::new(),
            from: None,
            to: None,
            files: Vec::new(),
            file_spans: Vec::new(),
        };
        let mut complete = true;
        for (key, value) in self.entries(table, "[[allow]]", ALLOW) {
            match key {
                "rules" => {
                    for name in self.strings(value, key) {
                        match allowable(name.get_ref()) {
                            Ok(rule) => allow.rules.push(rule.name),
                            Err(e) => {
                                complete = false;
                                self.problem(name.span().start, e.message(), e.help());
                            }
                        }
                    }
                }
                "reason" => allow.reason = self.string(value, key).unwrap_or_default(),
                "from" => allow.from = self.version(value, key),
                "to" => allow.to = self.version(value, key),
                _ => {
                    for file in self.strings(value, key) {
                        allow.file_spans.push(file.span());
                        allow.files.push(file.into_inner());
                    }
                }
            }
        }
        if allow.rules.is_empty() && complete {
            self.problem(
                at,
                "an `[[allow]]` entry without rules".to_owned(),
                "add `rules = [\"rule-name\", ...]`".to_owned(),
            );
        }
        if allow.reason.trim().is_empty() {
            complete = false;
            self.problem(
                at,
                "an `[[allow]]` entry without a reason".to_owned(),
                "add `reason = \"...\"`: why the rule does not apply here".to_owned(),
            );
        }
        complete.then_some(allow)
    }

    fn strings(&mut self, value: &Value<'_>, what: &str) -> Vec<Spanned<String>> {
        let Some(array) = value.get_ref().as_array() else {
            self.expected(value, what, "an array of strings");
            return Vec::new();
        };
        array
            .iter()
            .filter_map(|item| {
                let text = self.string(item, what)?;
                Some(Spanned::new(item.span(), text))
            })
            .collect()
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads `30s`, `500ms`, `2m` / `2min`, `1h` or a number of seconds (`10`, `0.5`); `0` is zero.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write e.g. `30s`, `500ms` or `2m`"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`; use ms, s, m or h"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{text}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Vec<String>) {
        let (config, problems) = Config::parse("m/migrate.toml", text);
        let problems = problems
            .iter()
            .map(|d| format!("{} {} ({})", d.location(), d.message, d.help))
            .collect();
        (config, problems)
    }

    #[test]
    fn reads_every_key() {
        let (config, problems) = parse(
            r#"
postgres = 13
legacy_until = "0020240101000000123456"
tenancy = "schema"
shared = ["Public.Countries", 'app."Plans"', "extensions.*"]

[history]
schema = "App"
table = "history"

[run]
lock_wait = "10s"
lock_timeout = "500ms"
lock_retries = 3
statement_timeout = "0"

[trace]
max_lock_hold = "2s"

[drift]
ignore = ["extension:postgis", "public.spatial_ref_sys"]

[[allow]]
rules = ["unguarded-insert", "drop-table"]
reason = "reference data"
from = 3
to = 5

[[allow]]
rules = ["cascade"]
reason = "one file"
files = ["007_x.sql"]
"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            config.legacy_until,
            Some(Version::new(20240101000000123456))
        );
        assert_eq!(config.settings.history_table(), Some(("App", "history")));
        assert_eq!(config.settings.lock_wait(), Some(Duration::from_secs(10)));
        assert_eq!(
            config.settings.lock_timeout(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(config.settings.lock_retries(), Some(3));
        assert_eq!(config.settings.statement_timeout(), Some(Duration::ZERO));
        assert_eq!(config.max_lock_hold, Some(Duration::from_secs(2)));
        assert_eq!(
            config.settings.drift_ignore(),
            Some(&["extension:postgis".into(), "public.spatial_ref_sys".into()][..])
        );
        assert_eq!(config.settings.postgres(), PgVersion::new(13));
        assert_eq!(
            config.policy(Version::new(2), "002_a.sql").target.version,
            config.target()
        );
        assert_eq!(config.allow.len(), 2);
        assert_eq!(
            config.policy(Version::new(2), "002_a.sql").allowed,
            Vec::<&str>::new()
        );
        assert_eq!(
            config.policy(Version::new(3), "003_a.sql").allowed,
            ["unguarded-insert", "drop-table"]
        );
        assert_eq!(
            config.policy(Version::new(7), "007_x.sql").allowed,
            ["cascade"]
        );
        assert!(config
            .policy(Version::new(7), "007_x.down.sql")
            .allowed
            .is_empty());
        assert!(
            config
                .policy(Version::new(20240101000000123456), "x")
                .legacy
        );
        assert!(
            !config
                .policy(Version::new(20240101000000123457), "x")
                .legacy
        );
        assert_eq!(config.tenancy, Some(Tenancy::Schema));
        let shared = |schema: &str, name: Option<&str>| Shared {
            schema: schema.into(),
            name: name.map(Into::into),
        };
        assert_eq!(
            config.shared,
            [
                shared("public", Some("countries")),
                shared("app", Some("Plans")),
                shared("extensions", None),
            ]
        );
        assert_eq!(
            config
                .policy(Version::new(1), "001_a.sql")
                .tenant_schema
                .as_deref(),
            Some(&config.shared[..])
        );
    }

    #[test]
    fn tenancy_database_checks_no_names() {
        let (config, problems) = parse("tenancy = \"database\"\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.tenancy, Some(Tenancy::Database));
        assert_eq!(
            config.policy(Version::new(1), "001_a.sql").tenant_schema,
            None
        );
        assert_eq!(Config::default().tenancy, None);
    }

    #[test]
    fn tenancy_problems_are_placed_with_a_fix() {
        let (config, problems) = parse(
            "tenency = \"schema\"\n\
             tenancy = \"schemas\"\n\
             shared = [\"countries\", \"public.countries\", \"a.b.c\", 3, \"app.\\\"x\"]\n",
        );
        assert_eq!(
            problems,
            [
                "m/migrate.toml:1:1 unknown key `tenency` in migrate.toml (did you mean `tenancy`?)",
                "m/migrate.toml:2:11 unknown tenancy `schemas` (did you mean `schema`?)",
                "m/migrate.toml:3:10 `shared` without `tenancy = \"schema\"` shares nothing (add \
                 `tenancy = \"schema\"` if each tenant is a schema, or remove `shared`)",
                "m/migrate.toml:3:11 `countries` is not a shared name (write `schema.name` \
                 (`public.countries`), or `schema.*` for every object of a schema)",
                "m/migrate.toml:3:44 `a.b.c` is not a shared name (write `schema.name` \
                 (`public.countries`), or `schema.*` for every object of a schema)",
                "m/migrate.toml:3:53 `shared` must be a string, not integer (see \
                 docs/guide/configuration.md for every key)",
                "m/migrate.toml:3:56 `app.\"x` is not a shared name (write `schema.name` \
                 (`public.countries`), or `schema.*` for every object of a schema)",
            ]
        );
        assert_eq!(config.tenancy, None);
        let (_, problems) = parse("tenancy = 1\n");
        assert_eq!(
            problems,
            [
                "m/migrate.toml:1:11 `tenancy` must be a string, not integer (see \
              docs/guide/configuration.md for every key)"
            ]
        );
        let (_, problems) = parse("tenancy = \"tenant\"\n");
        assert_eq!(
            problems,
            [
                "m/migrate.toml:1:11 unknown tenancy `tenant` (write `tenancy = \"schema\"` (a \
              schema per tenant) or `tenancy = \"database\"` (a database per tenant))"
            ]
        );
    }

    #[test]
    fn the_target_is_a_supported_major_version() {
        assert_eq!(Config::default().target(), PgVersion::DEFAULT);
        assert_eq!(parse("postgres = 10\n").0.target().major(), 10);
        for (text, written) in [
            ("postgres = 9\n", "9"),
            ("postgres = 19\n", "19"),
            ("postgres = \"15\"\n", "\"15\""),
            ("postgres = 15.4\n", "15.4"),
        ] {
            let (config, problems) = parse(text);
            assert_eq!(config.settings.postgres(), None);
            assert_eq!(
                problems,
                [format!(
                    "m/migrate.toml:1:12 `postgres = {written}`: the target must be a PostgreSQL \
                     major version from 10 to 18 (write the oldest major version your servers \
                     run, such as `postgres = 15` (the default when the key is left out))"
                )]
            );
        }
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(parse(""), (Config::default(), vec![]));
        assert_eq!(
            Config::default().policy(Version::new(1), "001_a.sql"),
            Policy::default()
        );
    }

    #[test]
    fn every_problem_is_reported_at_its_line_and_column_with_a_fix() {
        let (_, problems) = parse(
            "legacy_untill = 3\n\
             [run]\n\
             lock_timeout = \"5 parsecs\"\n\
             lock_wait = 5\n\
             lock_retries = -1\n\
             [[allow]]\n\
             rules = [\"unguarded-insrt\", \"syntax\"]\n\
             [history]\n\
             table = \"\"\n",
        );
        assert_eq!(
            problems,
            [
                "m/migrate.toml:1:1 unknown key `legacy_untill` in migrate.toml (did you mean `legacy_until`?)",
                "m/migrate.toml:3:16 `lock_timeout`: unknown unit `parsecs` in `5 parsecs`; use ms, s, m or h (write a duration such as `lock_timeout = \"5s\"` (`\"0\"` for none))",
                "m/migrate.toml:4:13 `lock_wait` must be a string, not integer (see docs/guide/configuration.md for every key)",
                "m/migrate.toml:5:16 `lock_retries` must be a whole number from 0 to 4294967295 (write a count such as `lock_retries = 5` (`0` for none))",
                "m/migrate.toml:6:1 an `[[allow]]` entry without a reason (add `reason = \"...\"`: why the rule does not apply here)",
                "m/migrate.toml:7:10 unknown rule `unguarded-insrt` (did you mean `unguarded-insert`?)",
                "m/migrate.toml:7:29 rule `syntax` cannot be allowed (it reports a problem the build cannot work around: fix what it reports instead)",
                "m/migrate.toml:9:9 `table` is empty (write a table name, or leave the key out for the default)",
            ]
        );
    }

    #[test]
    fn toml_syntax_errors_and_bad_versions_are_placed() {
        let (_, problems) = parse("legacy_until = \n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("m/migrate.toml:1:"), "{problems:?}");
        let (config, problems) = parse("legacy_until = \"2024-01-01\"\n");
        assert_eq!(config.legacy_until, None);
        assert_eq!(
            problems,
            [
                "m/migrate.toml:1:16 `legacy_until` is not a version: `2024-01-01` (write the \
              version's digits, as in the file name (at most 38): `legacy_until = 20240101000000`)"
            ]
        );
        let (_, problems) = parse("[[allow]]\nreason = \"x\"\n");
        assert_eq!(
            problems,
            ["m/migrate.toml:1:1 an `[[allow]]` entry without rules (add `rules = [\"rule-name\", ...]`)"]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 days").is_err());
    }
}
