//! Repairs: what a person fixed by hand, recorded in the history without hand-written SQL.
//!
//! A [`Repair`] names an action ([`RepairAction`]), a version and a reason. [`decide`] is the
//! pure decision: the [`RepairChange`] it makes to the history rows, or the [`Refusal`] when it
//! would leave the history inconsistent or there is nothing to repair. Each repair is audited:
//! a row of the audit table (the history table's name with `_repairs`, in its schema), written
//! in the transaction of the change, says who, when, why and what; [`RepairRecord`] is such a
//! row as `status` reads it. The SQL of the audit table and of each change is built here as
//! text, quoted with [`crate::sql`]; `runner::repair` runs it under the migration lock.

use std::fmt;

use postgres::SimpleQueryMessage;

use crate::embedded::Migrations;
use crate::history::{HistoryRow, HistoryTable, Record};
use crate::remedy::Remedy;
use crate::sql::{self, quote_ident, quote_literal};
use migrate_core::Version;

/// How many repairs `status` shows, newest first.
pub(crate) const REPAIRS_SHOWN: usize = 10;

/// What a repair does to one version's history row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairAction {
    /// The migration is applied and its file was changed on purpose: the embedded file's
    /// checksum becomes the recorded one (`accept-checksum`).
    AcceptChecksum,
    /// The last attempt failed (or a no-transaction file was interrupted) and was dealt with
    /// by hand: the failed row goes away, so the version is pending again from its first
    /// statement (`forget-failure`).
    ForgetFailure,
    /// The migration's effect is already in the database (done by hand): it is recorded as
    /// applied without running (`mark-applied`).
    MarkApplied,
    /// The migration's effect was undone by hand, or its file removed on purpose: its row is
    /// forgotten, without running a down file (`mark-not-applied`).
    MarkNotApplied,
}

impl RepairAction {
    /// Every action, in the order the documentation lists them.
    pub const ALL: [RepairAction; 4] = [
        RepairAction::AcceptChecksum,
        RepairAction::ForgetFailure,
        RepairAction::MarkApplied,
        RepairAction::MarkNotApplied,
    ];

    /// The action's name, as the audit table records it and the `migrate repair` subcommand
    /// spells it: `accept-checksum`, `forget-failure`, `mark-applied`, `mark-not-applied`.
    pub fn as_str(self) -> &'static str {
        match self {
            RepairAction::AcceptChecksum => "accept-checksum",
            RepairAction::ForgetFailure => "forget-failure",
            RepairAction::MarkApplied => "mark-applied",
            RepairAction::MarkNotApplied => "mark-not-applied",
        }
    }

    /// What the action does to `version`, as a refusal says it would not.
    fn doing(self, version: Version) -> String {
        match self {
            RepairAction::AcceptChecksum => {
                format!("accept the file's checksum for migration {version}")
            }
            RepairAction::ForgetFailure => {
                format!("forget the failed attempt of migration {version}")
            }
            RepairAction::MarkApplied => format!("mark migration {version} applied"),
            RepairAction::MarkNotApplied => format!("mark migration {version} not applied"),
        }
    }
}

impl fmt::Display for RepairAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RepairAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        RepairAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown repair action {s:?}"))
    }
}

/// A repair to make: the action, the version, why, and who asks, as the client machine knows
/// them (the database role and the server time are the server's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    action: RepairAction,
    version: Version,
    reason: String,
    client_user: Option<String>,
    client_host: Option<String>,
    confirmed: Option<RepairChange>,
}

impl Repair {
    /// A repair of `version`; `reason` (required, not blank) is recorded in the audit row.
    pub fn new(
        action: RepairAction,
        version: impl Into<Version>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            action,
            version: version.into(),
            reason: reason.into(),
            client_user: None,
            client_host: None,
            confirmed: None,
        }
    }

    /// The change a person saw and confirmed (from [`Runner::repair_plan`]): the change is
    /// decided again under the lock, and refused ([`Refusal::HistoryChanged`]) when it is
    /// another one, because the history changed meanwhile.
    ///
    /// [`Runner::repair_plan`]: crate::Runner::repair_plan
    pub fn confirmed(mut self, change: RepairChange) -> Self {
        self.confirmed = Some(change);
        self
    }

    /// The operating-system user and host that ask for the repair, recorded beside the
    /// database role (`current_user`) and the client address the server sees.
    pub fn client(mut self, user: Option<String>, host: Option<String>) -> Self {
        self.client_user = user;
        self.client_host = host;
        self
    }

    /// The action.
    pub fn action(&self) -> RepairAction {
        self.action
    }

    /// The version repaired.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Why.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// What the history says of one version, before or after a repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    /// Applied, with this checksum.
    Applied(String),
    /// The last attempt failed or was interrupted; the checksum of the file that ran.
    Failed(String),
    /// No row.
    Absent,
}

impl RowState {
    fn of(row: Option<&HistoryRow>) -> Self {
        match row {
            Some(row) if row.success => RowState::Applied(row.checksum.clone()),
            Some(row) => RowState::Failed(row.checksum.clone()),
            None => RowState::Absent,
        }
    }

    /// `applied`, `failed` or `absent`, as the audit table records it.
    pub fn as_str(&self) -> &'static str {
        match self {
            RowState::Applied(_) => "applied",
            RowState::Failed(_) => "failed",
            RowState::Absent => "absent",
        }
    }

    /// The checksum recorded, when there is a row.
    pub fn checksum(&self) -> Option<&str> {
        match self {
            RowState::Applied(checksum) | RowState::Failed(checksum) => Some(checksum),
            RowState::Absent => None,
        }
    }

    /// The state of an audit row's `state` and `checksum` columns.
    fn parse(state: Option<&str>, checksum: Option<&str>) -> Option<Self> {
        let checksum = || checksum.map(str::to_owned);
        match state? {
            "applied" => checksum().map(RowState::Applied),
            "failed" => checksum().map(RowState::Failed),
            "absent" => Some(RowState::Absent),
            _ => None,
        }
    }
}

impl fmt::Display for RowState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowState::Applied(checksum) => write!(f, "applied (checksum {checksum})"),
            RowState::Failed(checksum) => write!(f, "failed (checksum {checksum})"),
            RowState::Absent => f.write_str("not recorded"),
        }
    }
}

/// What a repair changes in the history: one version's row, from `before` to `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairChange {
    /// The action.
    pub action: RepairAction,
    /// The version.
    pub version: Version,
    /// Its name: the history's, else the embedded migration's.
    pub name: String,
    /// The row before.
    pub before: RowState,
    /// The row after.
    pub after: RowState,
}

impl fmt::Display for RepairChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}): {} -> {}",
            self.action, self.version, self.name, self.before, self.after
        )
    }
}

/// A repair as the audit table recorded it: who, when, why, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairRecord {
    /// When, by the server's clock (UTC, ISO 8601).
    pub at: String,
    /// The database role that made it (`current_user`).
    pub database_user: String,
    /// The operating-system user the client gave, if any.
    pub client_user: Option<String>,
    /// The client's host name, if it gave one.
    pub client_host: Option<String>,
    /// The client's address as the server saw it (none over a Unix socket).
    pub client_addr: Option<String>,
    /// Why.
    pub reason: String,
    /// What changed.
    pub change: RepairChange,
}

impl fmt::Display for RepairRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} by role {}",
            self.at, self.change, self.database_user
        )?;
        match (&self.client_user, &self.client_host) {
            (Some(user), Some(host)) => write!(f, " ({user}@{host})")?,
            (Some(who), None) | (None, Some(who)) => write!(f, " ({who})")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why a repair was refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The reason is empty or blank.
    NoReason,
    /// The version is not one of the embedded migrations.
    NotEmbedded,
    /// `accept-checksum`: the recorded checksum is already the file's.
    ChecksumMatches {
        /// The checksum, recorded and embedded.
        checksum: String,
    },
    /// `accept-checksum`, `mark-not-applied`: the version is not applied.
    NotApplied {
        /// Whether its last attempt failed (else it has no row).
        failed: bool,
    },
    /// `forget-failure`: no failed attempt is recorded.
    NoFailure {
        /// Whether the version is applied (else it has no row).
        applied: bool,
    },
    /// `mark-applied`: the version is applied already.
    AlreadyApplied,
    /// `mark-applied`: older embedded migrations are not applied, and would be pending out of
    /// order.
    PendingBelow {
        /// Those migrations.
        versions: Vec<Version>,
    },
    /// `mark-not-applied`: a newer migration is applied, so the version would be pending out of
    /// order.
    AppliedAbove {
        /// The newest applied version.
        newest: Version,
    },
    /// The change decided under the lock is not the one confirmed ([`Repair::confirmed`]).
    HistoryChanged {
        /// The change confirmed.
        confirmed: Box<RepairChange>,
        /// The change the history now calls for.
        now: Box<RepairChange>,
    },
}

impl Refusal {
    /// What the caller can change to make the repair anyway, if a setting can.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Refusal::PendingBelow { .. } | Refusal::AppliedAbove { .. } => {
                Some(Remedy::RepairOutOfOrder)
            }
            _ => None,
        }
    }

    /// The refusal of `action` on `version`: the fact and what to do instead.
    pub(crate) fn describe(&self, action: RepairAction, version: Version) -> String {
        let why = match (self, action) {
            (Refusal::NoReason, _) => "no reason was given: every repair is audited with one \
                 (what happened, who asked, the incident or ticket); give a reason that is not \
                 blank"
                .to_owned(),
            (Refusal::NotEmbedded, RepairAction::AcceptChecksum) => format!(
                "migration {version} is not in this build, so there is no file whose checksum \
                 to accept: restore its file, or, if it was removed on purpose, mark it not \
                 applied (mark-not-applied)"
            ),
            (Refusal::NotEmbedded, _) => format!(
                "migration {version} is not one of the embedded migrations: only a migration of \
                 this build can be recorded as applied; check the version against the folder"
            ),
            (Refusal::ChecksumMatches { checksum }, _) => format!(
                "its recorded checksum is already the file's ({checksum}): there is nothing to \
                 accept"
            ),
            (Refusal::NotApplied { failed: true }, RepairAction::AcceptChecksum) => format!(
                "migration {version} is not applied, its last attempt failed: the next run \
                 retries it with the file as it is now, so there is no checksum to accept; to \
                 forget that attempt use forget-failure"
            ),
            (Refusal::NotApplied { failed: true }, _) => format!(
                "migration {version} is not applied, its last attempt failed: to forget that \
                 attempt use forget-failure"
            ),
            (Refusal::NotApplied { failed: false }, _) => format!(
                "migration {version} has no row in the history: it is not applied, there is \
                 nothing to change"
            ),
            (Refusal::NoFailure { applied: true }, _) => format!(
                "migration {version} is applied, not failed: to record that it is not applied \
                 use mark-not-applied"
            ),
            (Refusal::NoFailure { applied: false }, _) => format!(
                "no failed attempt of migration {version} is recorded: there is nothing to \
                 forget"
            ),
            (Refusal::AlreadyApplied, _) => format!(
                "migration {version} is already recorded as applied; if its file was changed on \
                 purpose since, use accept-checksum"
            ),
            (Refusal::PendingBelow { versions }, _) => format!(
                "the older migration(s) {} are not applied: once {version} is marked applied \
                 they would be pending out of order, which a run refuses; apply them first \
                 (a run up to {}) or mark them applied first",
                list(versions),
                versions.last().copied().unwrap_or(version)
            ),
            (Refusal::HistoryChanged { confirmed, now }, _) => format!(
                "the history changed after the repair was confirmed: the row was to go from \
                 {} to {}, it would now go from {} to {}; look at the history (`status`) and \
                 repair again",
                confirmed.before, confirmed.after, now.before, now.after
            ),
            (Refusal::AppliedAbove { newest }, _) => format!(
                "the newer migration {newest} is applied: once {version} is not applied it \
                 would be pending out of order below {newest}, which a run refuses; mark the \
                 newer ones not applied first (newest first), or roll back to an older version \
                 with the down files"
            ),
        };
        format!(
            "refusing to {}: {why}; nothing was changed",
            action.doing(version)
        )
    }
}

fn list(versions: &[Version]) -> String {
    versions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decides what `repair` changes in the history `rows` (by ascending version), or why it must
/// not: a pure function. `allow_out_of_order`: whether a run would apply a migration older
/// than the newest applied one (then a repair may leave one pending).
pub(crate) fn decide(
    migrations: &Migrations,
    rows: &[HistoryRow],
    repair: &Repair,
    allow_out_of_order: bool,
) -> Result<RepairChange, Refusal> {
    if repair.reason.trim().is_empty() {
        return Err(Refusal::NoReason);
    }
    let version = repair.version;
    let row = rows.iter().find(|r| r.version == version);
    let embedded = migrations.get(version);
    let before = RowState::of(row);
    let applied = |v: Version| rows.iter().any(|r| r.success && r.version == v);
    let not_applied = || Refusal::NotApplied {
        failed: matches!(before, RowState::Failed(_)),
    };
    let after = match repair.action {
        RepairAction::AcceptChecksum => {
            let RowState::Applied(checksum) = &before else {
                return Err(not_applied());
            };
            let file = embedded.ok_or(Refusal::NotEmbedded)?.checksum();
            if file == checksum {
                return Err(Refusal::ChecksumMatches {
                    checksum: file.to_owned(),
                });
            }
            RowState::Applied(file.to_owned())
        }
        RepairAction::ForgetFailure => match &before {
            RowState::Failed(_) => RowState::Absent,
            state => {
                return Err(Refusal::NoFailure {
                    applied: matches!(state, RowState::Applied(_)),
                })
            }
        },
        RepairAction::MarkApplied => {
            if let RowState::Applied(_) = before {
                return Err(Refusal::AlreadyApplied);
            }
            let migration = embedded.ok_or(Refusal::NotEmbedded)?;
            let below: Vec<Version> = migrations
                .iter()
                .map(|m| m.version())
                .filter(|&v| v < version && !applied(v))
                .collect();
            if !below.is_empty() && !allow_out_of_order {
                return Err(Refusal::PendingBelow { versions: below });
            }
            RowState::Applied(migration.checksum().to_owned())
        }
        RepairAction::MarkNotApplied => {
            if !matches!(before, RowState::Applied(_)) {
                return Err(not_applied());
            }
            // A version this build does not embed never becomes pending again.
            let newest = rows
                .iter()
                .filter(|r| r.success && r.version > version)
                .map(|r| r.version)
                .max();
            match newest {
                Some(newest) if embedded.is_some() && !allow_out_of_order => {
                    return Err(Refusal::AppliedAbove { newest })
                }
                _ => RowState::Absent,
            }
        }
    };
    let name = row
        .map(|r| r.name.clone())
        .or_else(|| embedded.map(|m| m.name().to_owned()))
        .unwrap_or_default();
    let change = RepairChange {
        action: repair.action,
        version,
        name,
        before,
        after,
    };
    match &repair.confirmed {
        Some(confirmed) if *confirmed != change => Err(Refusal::HistoryChanged {
            confirmed: Box::new(confirmed.clone()),
            now: Box::new(change),
        }),
        _ => Ok(change),
    }
}

/// The name of the audit table of `table`, in the same schema: `table_repairs`.
pub(crate) fn audit_table_name(table: &HistoryTable) -> String {
    format!("{}_repairs", table.table())
}

/// The audit table of `table`: `"schema"."table_repairs"`, quoted.
pub(crate) fn audit_table(table: &HistoryTable) -> String {
    format!(
        "{}.{}",
        quote_ident(table.schema()),
        quote_ident(&audit_table_name(table))
    )
}

/// Whether the audit table exists: `t` or `f`.
pub(crate) fn audit_exists_sql(table: &HistoryTable) -> String {
    format!(
        "SELECT to_regclass({}) IS NOT NULL",
        quote_literal(&audit_table(table))
    )
}

/// Creates the audit table (run only when it is missing: `IF NOT EXISTS` alone would still
/// need the `CREATE` privilege on the schema).
fn create_audit_sql(table: &HistoryTable) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
         repaired_at timestamptz NOT NULL DEFAULT now(), \
         database_user text NOT NULL DEFAULT current_user, \
         client_user text, \
         client_host text, \
         client_addr inet DEFAULT inet_client_addr(), \
         action text NOT NULL, \
         version numeric(38, 0) NOT NULL, \
         name text NOT NULL, \
         before_state text NOT NULL, \
         before_checksum text, \
         after_state text NOT NULL, \
         after_checksum text, \
         reason text NOT NULL CHECK (btrim(reason) <> ''))",
        audit_table(table)
    )
}

/// Where the repair's transaction starts from: whether the history table and the audit table
/// exist already.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tables {
    pub(crate) history: bool,
    pub(crate) audit: bool,
}

/// The repair's one transaction: the transaction-level guard every migrator takes (a migrator
/// behind a transaction pooler holds no session lock), the tables when missing, the change
/// and its audit row. `migrations` gives the row that `mark-applied` writes.
pub(crate) fn repair_sql(
    table: &HistoryTable,
    tables: Tables,
    migrations: &Migrations,
    repair: &Repair,
    change: &RepairChange,
) -> String {
    let mut statements = vec![format!(
        "BEGIN; SELECT pg_advisory_xact_lock({})",
        table.guard_key()
    )];
    if !tables.history {
        statements.push(table.create_sql());
    }
    if !tables.audit {
        statements.push(create_audit_sql(table));
    }
    let optional = |value: Option<&str>| value.map_or_else(|| "NULL".to_owned(), quote_literal);
    let version = change.version;
    let history = table.qualified();
    statements.push(match change.action {
        RepairAction::AcceptChecksum => format!(
            "UPDATE {history} SET checksum = {} WHERE version = {version} AND success",
            optional(change.after.checksum())
        ),
        RepairAction::ForgetFailure => {
            format!("DELETE FROM {history} WHERE version = {version} AND NOT success")
        }
        RepairAction::MarkApplied => {
            let migration = migrations
                .get(version)
                .expect("decide marks only an embedded migration applied");
            table.record_sql(&Record::unrun(migration))
        }
        RepairAction::MarkNotApplied => {
            format!("DELETE FROM {history} WHERE version = {version} AND success")
        }
    });
    statements.push(format!(
        "INSERT INTO {audit} (client_user, client_host, action, version, name, before_state, \
         before_checksum, after_state, after_checksum, reason) VALUES \
         ({client_user}, {client_host}, {action}, {version}, {name}, {before_state}, \
         {before_checksum}, {after_state}, {after_checksum}, {reason})",
        audit = audit_table(table),
        client_user = optional(repair.client_user.as_deref()),
        client_host = optional(repair.client_host.as_deref()),
        action = quote_literal(change.action.as_str()),
        name = quote_literal(&change.name),
        before_state = quote_literal(change.before.as_str()),
        before_checksum = optional(change.before.checksum()),
        after_state = quote_literal(change.after.as_str()),
        after_checksum = optional(change.after.checksum()),
        reason = quote_literal(&repair.reason),
    ));
    statements.push("COMMIT".to_owned());
    statements.join(";\n")
}

/// The newest [`REPAIRS_SHOWN`] audit rows, newest first (the audit table must exist).
pub(crate) fn recent_sql(table: &HistoryTable) -> String {
    format!(
        "SELECT to_char(repaired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
         database_user, client_user, client_host, host(client_addr), action, version, name, \
         before_state, before_checksum, after_state, after_checksum, reason \
         FROM {} ORDER BY id DESC LIMIT {REPAIRS_SHOWN}",
        audit_table(table)
    )
}

/// Reads the answer of [`recent_sql`]; `Err` names the first unreadable row's id order.
pub(crate) fn parse_recent(messages: &[SimpleQueryMessage]) -> Result<Vec<RepairRecord>, String> {
    sql::rows(messages)
        .enumerate()
        .map(|(i, row)| {
            let text = |column: usize| row.get(column).map(str::to_owned);
            let bad = || format!("repair row {} (newest first) is unreadable", i + 1);
            let change = RepairChange {
                action: row.get(5).and_then(|a| a.parse().ok()).ok_or_else(bad)?,
                version: sql::parse(row.get(6)).ok_or_else(bad)?,
                name: text(7).unwrap_or_default(),
                before: RowState::parse(row.get(8), row.get(9)).ok_or_else(bad)?,
                after: RowState::parse(row.get(10), row.get(11)).ok_or_else(bad)?,
            };
            Ok(RepairRecord {
                at: text(0).unwrap_or_default(),
                database_user: text(1).unwrap_or_default(),
                client_user: text(2),
                client_host: text(3),
                client_addr: text(4),
                reason: text(12).unwrap_or_default(),
                change,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::THREE as MIGRATIONS;

    fn row(version: u64, checksum: &str, success: bool) -> HistoryRow {
        HistoryRow {
            version: version.into(),
            name: format!("m{version}"),
            checksum: checksum.into(),
            applied_at: "then".into(),
            execution_ms: Some(1),
            success,
            error: None,
            statements_done: None,
        }
    }

    fn decided(
        rows: &[HistoryRow],
        action: RepairAction,
        version: u64,
        out_of_order: bool,
    ) -> Result<(RowState, RowState), Refusal> {
        decide(
            &MIGRATIONS,
            rows,
            &Repair::new(action, version, "fixed by hand"),
            out_of_order,
        )
        .map(|change| (change.before, change.after))
    }

    use RepairAction::*;
    use RowState::{Absent, Applied, Failed};

    #[test]
    fn accept_checksum_takes_the_file_s_checksum_of_an_applied_migration_only() {
        let rows = [
            row(1, "edited", true),
            row(2, "c2", false),
            row(9, "x", true),
        ];
        assert_eq!(
            decided(&rows, AcceptChecksum, 1, false),
            Ok((Applied("edited".into()), Applied("c1".into())))
        );
        let rows = [row(1, "c1", true), row(2, "c2", false), row(9, "x", true)];
        assert_eq!(
            decided(&rows, AcceptChecksum, 1, false),
            Err(Refusal::ChecksumMatches {
                checksum: "c1".into()
            })
        );
        assert_eq!(
            decided(&rows, AcceptChecksum, 2, false),
            Err(Refusal::NotApplied { failed: true })
        );
        assert_eq!(
            decided(&rows, AcceptChecksum, 3, false),
            Err(Refusal::NotApplied { failed: false })
        );
        assert_eq!(
            decided(&rows, AcceptChecksum, 9, false),
            Err(Refusal::NotEmbedded)
        );
    }

    #[test]
    fn forget_failure_removes_a_failed_row_only() {
        let rows = [row(1, "c1", true), row(2, "c2", false), row(7, "x", false)];
        assert_eq!(
            decided(&rows, ForgetFailure, 2, false),
            Ok((Failed("c2".into()), Absent))
        );
        // A failure of a version no longer in the folder may be forgotten too.
        assert_eq!(
            decided(&rows, ForgetFailure, 7, false),
            Ok((Failed("x".into()), Absent))
        );
        assert_eq!(
            decided(&rows, ForgetFailure, 1, false),
            Err(Refusal::NoFailure { applied: true })
        );
        assert_eq!(
            decided(&rows, ForgetFailure, 3, false),
            Err(Refusal::NoFailure { applied: false })
        );
    }

    #[test]
    fn mark_applied_records_an_embedded_migration_with_nothing_pending_below_it() {
        let rows = [row(1, "c1", true), row(2, "c2", false)];
        assert_eq!(
            decided(&rows, MarkApplied, 2, false),
            Ok((Failed("c2".into()), Applied("c2".into())))
        );
        assert_eq!(
            decided(&rows, MarkApplied, 3, false),
            Err(Refusal::PendingBelow {
                versions: vec![Version::new(2)]
            })
        );
        assert_eq!(
            decided(&rows, MarkApplied, 3, true),
            Ok((Absent, Applied("c3".into())))
        );
        assert_eq!(
            decided(&rows, MarkApplied, 1, false),
            Err(Refusal::AlreadyApplied)
        );
        assert_eq!(
            decided(&rows, MarkApplied, 9, false),
            Err(Refusal::NotEmbedded)
        );
    }

    #[test]
    fn mark_not_applied_forgets_the_newest_applied_or_a_missing_one() {
        let rows = [
            row(1, "c1", true),
            row(2, "c2", true),
            row(3, "c3", false),
            row(8, "x", true),
            row(9, "y", true),
        ];
        // 3 failed, 8 and 9 are not embedded: 2 is the newest embedded one applied, but 8
        // and 9 are applied above it.
        assert_eq!(
            decided(&rows, MarkNotApplied, 2, false),
            Err(Refusal::AppliedAbove {
                newest: Version::new(9)
            })
        );
        assert_eq!(
            decided(&rows, MarkNotApplied, 2, true),
            Ok((Applied("c2".into()), Absent))
        );
        // A version not in the build never becomes pending: forgetting it is consistent.
        assert_eq!(
            decided(&rows, MarkNotApplied, 8, false),
            Ok((Applied("x".into()), Absent))
        );
        assert_eq!(
            decided(&rows, MarkNotApplied, 3, false),
            Err(Refusal::NotApplied { failed: true })
        );
        assert_eq!(
            decided(&rows[..2], MarkNotApplied, 2, false),
            Ok((Applied("c2".into()), Absent))
        );
    }

    #[test]
    fn a_confirmed_change_is_refused_when_the_history_changed_since() {
        let repair = Repair::new(ForgetFailure, 2, "fixed by hand");
        let failed = [row(1, "c1", true), row(2, "c2", false)];
        let change = decide(&MIGRATIONS, &failed, &repair, false).unwrap();
        let repair = repair.confirmed(change.clone());
        assert_eq!(decide(&MIGRATIONS, &failed, &repair, false), Ok(change));
        // Another attempt failed meanwhile, with another file.
        let again = [row(1, "c1", true), row(2, "c2-edited", false)];
        assert!(matches!(
            decide(&MIGRATIONS, &again, &repair, false),
            Err(Refusal::HistoryChanged { .. })
        ));
    }

    #[test]
    fn every_repair_needs_a_reason() {
        for reason in ["", "  \n"] {
            let repair = Repair::new(MarkApplied, 1, reason);
            assert_eq!(
                decide(&MIGRATIONS, &[], &repair, false),
                Err(Refusal::NoReason)
            );
        }
    }

    #[test]
    fn refusals_name_the_version_and_what_to_do_instead() {
        let v = Version::new(4);
        let text = Refusal::NotApplied { failed: true }.describe(AcceptChecksum, v);
        assert_eq!(
            text,
            "refusing to accept the file's checksum for migration 4: migration 4 is not \
             applied, its last attempt failed: the next run retries it with the file as it is \
             now, so there is no checksum to accept; to forget that attempt use forget-failure; \
             nothing was changed"
        );
        let text = Refusal::PendingBelow {
            versions: vec![Version::new(2), Version::new(3)],
        }
        .describe(MarkApplied, v);
        assert!(text.contains("2, 3 are not applied"), "{text}");
        assert!(text.contains("a run up to 3"), "{text}");
        for action in RepairAction::ALL {
            assert_eq!(action.as_str().parse(), Ok(action));
        }
    }
}
