//! The migration tools a project may move from: their names, how their versions become ours, and
//! how their history tables say what is applied.
//!
//! `migrate import` converts a tool's folder with [`Tool::our_versions`]; `baseline --from-history`
//! ([`Runner::baseline_from_history`](crate::Runner::baseline_from_history)) reads the tool's
//! history table and finds each row's migration through the same conversion read backwards.
//! The decisions here are pure; the runner does the query.

use std::fmt;
use std::str::FromStr;

use crate::sql::{quote_ident, quote_literal};
use migrate_core::Version;

/// Another migration tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tool {
    /// sqlx: `{version}_{name}.sql` or `.up.sql` / `.down.sql`; history `_sqlx_migrations`.
    Sqlx,
    /// diesel: `{version}_{name}/up.sql`, `down.sql`, `metadata.toml`; history
    /// `__diesel_schema_migrations`.
    Diesel,
    /// refinery: `V{version}__{name}.sql`; history `refinery_schema_history`.
    Refinery,
    /// goose: `{version}_{name}.sql` with `-- +goose Up` / `-- +goose Down`; history
    /// `goose_db_version`.
    Goose,
    /// dbmate: `{version}_{name}.sql` with `-- migrate:up` / `-- migrate:down`; history
    /// `schema_migrations`.
    Dbmate,
    /// Flyway: `V{version}__{description}.sql` (versions such as `1`, `1.2`, `2_1`); history
    /// `flyway_schema_history`.
    Flyway,
}

impl Tool {
    /// Every tool, in the order the documentation lists them.
    pub const ALL: [Tool; 6] = [
        Tool::Sqlx,
        Tool::Diesel,
        Tool::Refinery,
        Tool::Goose,
        Tool::Dbmate,
        Tool::Flyway,
    ];

    /// The name used on the command line (`sqlx`, `diesel`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::Diesel => "diesel",
            Tool::Refinery => "refinery",
            Tool::Goose => "goose",
            Tool::Dbmate => "dbmate",
            Tool::Flyway => "flyway",
        }
    }

    /// The history table the tool creates, found through the `search_path` as the tool does.
    pub fn history_table(self) -> &'static str {
        match self {
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Diesel => "__diesel_schema_migrations",
            Tool::Refinery => "refinery_schema_history",
            Tool::Goose => "goose_db_version",
            Tool::Dbmate => "schema_migrations",
            Tool::Flyway => "flyway_schema_history",
        }
    }

    /// Our versions for the tool's versions as its files write them, in the same order, keeping
    /// the tool's order of application. `None` for a version that is not a version of the tool.
    ///
    /// - sqlx, refinery, goose, dbmate: the number itself.
    /// - diesel: the digits of the name's first part (`2017-08-31-230457` -> `20170831230457`,
    ///   as diesel records it). Diesel orders versions as strings, so when the lengths differ
    ///   (`20260527120000` after `202511190914440000`) each becomes its digits padded with zeros
    ///   to the longest, followed by its length in two digits, which keeps diesel's order.
    /// - Flyway: `1`, `1.2`, `1_2` (Flyway compares the parts as numbers, `1.0` = `1`). When
    ///   every version is one number, that number; else each part is padded to the widest of
    ///   its position and the parts are joined (`1.2`, `1.10` -> `10 2`, `1 10` -> `102`,
    ///   `110`).
    pub fn our_versions(self, theirs: &[&str]) -> Vec<Option<String>> {
        match self {
            Tool::Diesel => diesel_versions(theirs),
            Tool::Flyway => flyway_versions(theirs),
            _ => theirs
                .iter()
                .map(|v| digits(v).map(str::to_owned))
                .collect(),
        }
    }

    /// The versions of ours that a version recorded in the tool's history table may have become
    /// through [`Tool::our_versions`], whichever other versions the folder held.
    pub(crate) fn candidates(self, recorded: &str) -> Vec<Version> {
        let recorded = recorded.trim();
        match self {
            Tool::Diesel => {
                let Some(d) = digits(recorded) else {
                    return Vec::new();
                };
                let mut all: Vec<Version> = d.parse().ok().into_iter().collect();
                for width in d.len()..=36 {
                    if let Ok(v) = diesel_padded(d, width).parse() {
                        all.push(v);
                    }
                }
                all
            }
            // Flyway's dotted versions are found by their description (see `matches_name`).
            Tool::Flyway => recorded.parse().ok().into_iter().collect(),
            _ => recorded.parse().ok().into_iter().collect(),
        }
    }

    /// Whether rows of this tool's history are matched by name as well as by version: Flyway
    /// records the description, and its dotted versions are only found that way.
    pub(crate) fn matches_name(self) -> bool {
        self == Tool::Flyway
    }

    /// The query reading the tool's history: one row per applied (or failed) migration, with
    /// the version as text, the name when the tool records one, and whether it succeeded.
    pub(crate) fn history_sql(self) -> String {
        let table = self.history_table();
        match self {
            Tool::Sqlx => format!("SELECT version::text, description, success FROM {table}"),
            Tool::Diesel => format!("SELECT version::text, NULL, true FROM {table}"),
            Tool::Refinery => format!("SELECT version::text, name, true FROM {table}"),
            // goose appends a row per up and per down; the newest row of a version says whether
            // it is applied. Version 0 is goose's own first row.
            Tool::Goose => format!(
                "SELECT version_id::text, NULL, true FROM (SELECT DISTINCT ON (version_id) \
                 version_id, is_applied FROM {table} ORDER BY version_id, id DESC) s \
                 WHERE is_applied AND version_id <> 0"
            ),
            Tool::Dbmate => format!("SELECT version::text, NULL, true FROM {table}"),
            // Repeatable migrations have no version; `DELETE` rows are Flyway's own repairs.
            Tool::Flyway => format!(
                "SELECT version, description, success FROM {table} \
                 WHERE version IS NOT NULL AND type NOT IN ('DELETE', 'SCHEMA')"
            ),
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of the [`Tool`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tool `{0}`: use one of sqlx, diesel, refinery, goose, dbmate, flyway")]
pub struct UnknownTool(pub String);

impl FromStr for Tool {
    type Err = UnknownTool;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tool::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownTool(s.to_owned()))
    }
}

/// Where `baseline --from-history` reads what is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerHistory {
    /// The history table of another tool.
    Tool(Tool),
    /// A hand-written history table whose `version` column holds the applied versions (the
    /// seeds' `schema_migrations (version, name, applied_at)`). Rows with `success = false` or
    /// `dirty = true`, when the table has such a column, are failed.
    Table {
        /// The schema, or `None` for the `search_path`.
        schema: Option<String>,
        /// The table name, as written (it is quoted).
        table: String,
    },
}

impl From<Tool> for PeerHistory {
    fn from(tool: Tool) -> Self {
        PeerHistory::Tool(tool)
    }
}

impl FromStr for PeerHistory {
    type Err = UnknownTool;

    /// A tool's name, else `table` or `schema.table`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(tool) = s.parse() {
            return Ok(PeerHistory::Tool(tool));
        }
        let plain = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        };
        match s.split_once('.') {
            Some((schema, table)) if plain(schema) && plain(table) => Ok(PeerHistory::Table {
                schema: Some(schema.to_owned()),
                table: table.to_owned(),
            }),
            None if plain(s) => Ok(PeerHistory::Table {
                schema: None,
                table: s.to_owned(),
            }),
            _ => Err(UnknownTool(s.to_owned())),
        }
    }
}

impl fmt::Display for PeerHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerHistory::Tool(tool) => write!(f, "{} ({tool})", tool.history_table()),
            PeerHistory::Table {
                schema: Some(s),
                table,
            } => write!(f, "{s}.{table}"),
            PeerHistory::Table {
                schema: None,
                table,
            } => f.write_str(table),
        }
    }
}

impl PeerHistory {
    /// The table as SQL: quoted when named by the user, as the tool names it otherwise.
    pub(crate) fn table_sql(&self) -> String {
        match self {
            PeerHistory::Tool(tool) => tool.history_table().to_owned(),
            PeerHistory::Table {
                schema: Some(s),
                table,
            } => {
                format!("{}.{}", quote_ident(s), quote_ident(table))
            }
            PeerHistory::Table {
                schema: None,
                table,
            } => quote_ident(table),
        }
    }

    /// The query listing the table's columns (none when the table does not exist).
    pub(crate) fn columns_sql(&self) -> String {
        format!(
            "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass({}) \
             AND attnum > 0 AND NOT attisdropped",
            quote_literal(&self.table_sql())
        )
    }

    /// The query reading the history, given the table's columns; `Err` names what is missing.
    pub(crate) fn history_sql(&self, columns: &[String]) -> Result<String, String> {
        let has = |c: &str| columns.iter().any(|col| col == c);
        let needed: &[&str] = match self {
            PeerHistory::Tool(Tool::Sqlx) => &["version", "description", "success"],
            PeerHistory::Tool(Tool::Refinery) => &["version", "name"],
            PeerHistory::Tool(Tool::Goose) => &["id", "version_id", "is_applied"],
            PeerHistory::Tool(Tool::Flyway) => &["version", "description", "type", "success"],
            _ => &["version"],
        };
        if let Some(missing) = needed.iter().find(|c| !has(c)) {
            return Err(format!("it has no column `{missing}`"));
        }
        Ok(match self {
            PeerHistory::Tool(tool) => tool.history_sql(),
            PeerHistory::Table { .. } => {
                let ok = if has("success") {
                    "success"
                } else if has("dirty") {
                    "NOT dirty"
                } else {
                    "true"
                };
                let name = if has("name") { "name::text" } else { "NULL" };
                format!(
                    "SELECT version::text, {name}, {ok} FROM {}",
                    self.table_sql()
                )
            }
        })
    }

    fn tool(&self) -> Option<Tool> {
        match self {
            PeerHistory::Tool(tool) => Some(*tool),
            PeerHistory::Table { .. } => None,
        }
    }
}

/// One row of another tool's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeerRow {
    /// The version as the tool recorded it.
    pub(crate) version: String,
    /// The name or description, when the tool records one.
    pub(crate) name: Option<String>,
    /// Whether the migration succeeded (false: failed or dirty).
    pub(crate) success: bool,
}

/// Our migrations that another tool's history says are applied: each row matched to exactly one
/// of `ours` (version, name). Pure. `Err` lists every row that cannot be trusted: failed or
/// dirty, or with no migration here.
pub(crate) fn applied_versions(
    history: &PeerHistory,
    rows: &[PeerRow],
    ours: &[(Version, &str)],
) -> Result<Vec<Version>, Vec<String>> {
    let tool = history.tool();
    let mut problems = Vec::new();
    let mut applied = Vec::new();
    for row in rows {
        if !row.success {
            problems.push(format!(
                "version {} is recorded as failed or dirty: repair it with {} first",
                row.version,
                tool.map_or("the tool that wrote it", Tool::name)
            ));
            continue;
        }
        let candidates = match tool {
            Some(tool) => tool.candidates(&row.version),
            None => row.version.trim().parse().ok().into_iter().collect(),
        };
        let mut found: Vec<Version> = ours
            .iter()
            .filter(|(v, _)| candidates.contains(v))
            .map(|(v, _)| *v)
            .collect();
        if found.is_empty() && tool.is_some_and(Tool::matches_name) {
            let wanted = row.name.as_deref().map(|n| n.replace(' ', "_"));
            found = ours
                .iter()
                .filter(|(_, name)| wanted.as_deref() == Some(*name))
                .map(|(v, _)| *v)
                .collect();
        }
        match found.as_slice() {
            [one] => applied.push(*one),
            [] => problems.push(format!(
                "version {}{} has no migration file here",
                row.version,
                row.name
                    .as_deref()
                    .map_or_else(String::new, |n| format!(" ({n})"))
            )),
            several => problems.push(format!(
                "version {} could be any of {}",
                row.version,
                several
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    applied.sort();
    if let Some(twice) = applied.windows(2).find(|w| w[0] == w[1]) {
        problems.push(format!("migration {} is recorded twice", twice[0]));
    }
    if problems.is_empty() {
        Ok(applied)
    } else {
        Err(problems)
    }
}

/// The digits of a version, when it is only digits.
fn digits(version: &str) -> Option<&str> {
    let v = version.trim();
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then_some(v)
}

fn diesel_padded(digits: &str, width: usize) -> String {
    format!("{digits:0<width$}{:02}", digits.len())
}

fn diesel_versions(theirs: &[&str]) -> Vec<Option<String>> {
    let stripped: Vec<Option<String>> = theirs
        .iter()
        .map(|v| digits(&v.replace('-', "")).map(str::to_owned))
        .collect();
    let lengths: Vec<usize> = stripped.iter().flatten().map(String::len).collect();
    let width = lengths.iter().copied().max().unwrap_or(0);
    if lengths.iter().all(|&l| l == width) {
        return stripped;
    }
    stripped
        .into_iter()
        .map(|d| d.map(|d| diesel_padded(&d, width)))
        .collect()
}

fn flyway_parts(version: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = version.split(['.', '_']).collect();
    parts.iter().all(|p| digits(p).is_some()).then_some(parts)
}

fn flyway_versions(theirs: &[&str]) -> Vec<Option<String>> {
    let parts: Vec<Option<Vec<&str>>> = theirs.iter().map(|v| flyway_parts(v)).collect();
    // Trailing zero parts do not count (`1.0` is `1`).
    let trimmed: Vec<Option<Vec<&str>>> = parts
        .into_iter()
        .map(|p| {
            p.map(|mut p| {
                while p.len() > 1 && p.last().is_some_and(|x| x.bytes().all(|b| b == b'0')) {
                    p.pop();
                }
                p
            })
        })
        .collect();
    let positions = trimmed.iter().flatten().map(Vec::len).max().unwrap_or(0);
    if positions <= 1 {
        return trimmed
            .into_iter()
            .map(|p| p.map(|p| p[0].to_owned()))
            .collect();
    }
    let widths: Vec<usize> = (0..positions)
        .map(|i| {
            trimmed
                .iter()
                .flatten()
                .filter_map(|p| p.get(i))
                .map(|x| x.trim_start_matches('0').len().max(1))
                .max()
                .unwrap_or(1)
        })
        .collect();
    trimmed
        .into_iter()
        .map(|p| {
            p.map(|p| {
                widths
                    .iter()
                    .enumerate()
                    .map(|(i, &w)| {
                        let x = p.get(i).map_or("0", |x| x.trim_start_matches('0'));
                        format!("{:0>w$}", if x.is_empty() { "0" } else { x })
                    })
                    .collect()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(tool: Tool, theirs: &[&str]) -> Vec<String> {
        tool.our_versions(theirs).into_iter().flatten().collect()
    }

    fn as_numbers(versions: &[String]) -> Vec<Version> {
        versions.iter().map(|v| v.parse().unwrap()).collect()
    }

    #[test]
    fn diesel_versions_of_one_length_are_kept() {
        assert_eq!(
            ours(
                Tool::Diesel,
                &["00000000000000", "2017-08-31-230457", "20170901000000"]
            ),
            ["00000000000000", "20170831230457", "20170901000000"]
        );
    }

    #[test]
    fn diesel_versions_of_mixed_lengths_keep_diesels_string_order() {
        // Real crates.io names: a 14-digit version after 18-digit ones, and two sharing a second.
        let theirs = [
            "2025-11-19-091444-0000",
            "2026-05-27-120000",
            "2026-05-27-120000-0000",
            "2014-09-24-113530",
        ];
        let converted = ours(Tool::Diesel, &theirs);
        assert_eq!(converted[1], "20260527120000000014");
        let mut by_string: Vec<String> = theirs.iter().map(|t| t.replace('-', "")).collect();
        by_string.sort();
        let mut by_number: Vec<(Version, String)> = as_numbers(&converted)
            .into_iter()
            .zip(theirs.iter().map(|t| t.replace('-', "")))
            .collect();
        by_number.sort();
        let by_number: Vec<String> = by_number.into_iter().map(|(_, t)| t).collect();
        assert_eq!(by_number, by_string);
        // And the history's versions find them again, whatever the width was.
        for (t, v) in theirs.iter().zip(as_numbers(&converted)) {
            assert!(
                Tool::Diesel.candidates(&t.replace('-', "")).contains(&v),
                "{t}"
            );
        }
    }

    #[test]
    fn flyway_versions_compare_part_by_part() {
        let converted = ours(Tool::Flyway, &["1", "1.1", "1.10", "1_2", "2.0", "2.0.1"]);
        assert_eq!(converted, ["1000", "1010", "1100", "1020", "2000", "2001"]);
        assert_eq!(ours(Tool::Flyway, &["1", "2", "10"]), ["1", "2", "10"]);
        assert_eq!(Tool::Flyway.our_versions(&["1.a"]), [None]);
    }

    #[test]
    fn history_rows_match_one_migration_each_or_are_named() {
        let ours = [
            (Version::from(1u64), "create_users"),
            (Version::from(2u64), "add_email"),
            (Version::from(3u64), "new_here"),
        ];
        let row = |v: &str, success| PeerRow {
            version: v.to_owned(),
            name: None,
            success,
        };
        let sqlx = PeerHistory::Tool(Tool::Sqlx);
        assert_eq!(
            applied_versions(&sqlx, &[row("2", true), row("1", true)], &ours).unwrap(),
            [Version::from(1u64), Version::from(2u64)]
        );
        let problems =
            applied_versions(&sqlx, &[row("1", false), row("7", true)], &ours).unwrap_err();
        assert_eq!(
            problems,
            [
                "version 1 is recorded as failed or dirty: repair it with sqlx first",
                "version 7 has no migration file here"
            ]
        );
        let flyway = PeerHistory::Tool(Tool::Flyway);
        let named = PeerRow {
            version: "1.1".to_owned(),
            name: Some("add email".to_owned()),
            success: true,
        };
        assert_eq!(
            applied_versions(&flyway, &[named], &ours).unwrap(),
            [Version::from(2u64)]
        );
    }

    #[test]
    fn tools_and_tables_are_read_from_their_names() {
        assert_eq!("Diesel".parse(), Ok(PeerHistory::Tool(Tool::Diesel)));
        assert_eq!(
            "ops.schema_migrations".parse(),
            Ok(PeerHistory::Table {
                schema: Some("ops".to_owned()),
                table: "schema_migrations".to_owned()
            })
        );
        assert!("no such; table".parse::<PeerHistory>().is_err());
        assert_eq!(
            "liquibase".parse::<Tool>().unwrap_err().to_string(),
            "unknown tool `liquibase`: use one of sqlx, diesel, refinery, goose, dbmate, flyway"
        );
    }
}
