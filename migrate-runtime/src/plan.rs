//! The planner: a pure function of the embedded migrations, the history rows and the rules.
//! It decides what would run and what is wrong; it performs no I/O, so the sync and async runners
//! (and `plan`, `status`, `run`) share it. [`glance`] is its start-up shortcut: what the applied
//! versions and checksums alone say.

use migrate_core::Version;

use std::collections::BTreeMap;
use std::fmt;

use migrate_core::Transaction;

use crate::embedded::Repeatable;
use crate::embedded::{Migration, Migrations};
use crate::history::{Applied, HistoryRow};
use crate::remedy::Remedy;
use crate::repeatable::AppliedRepeatable;
pub use migrate_core::Severity;

/// How the planner treats each unusual situation. The defaults are the safe ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rules {
    /// Apply a pending migration older than the newest applied one (default: refuse).
    pub(crate) allow_out_of_order: bool,
    /// Accept an applied migration whose file changed since (default: refuse).
    pub(crate) allow_modified: bool,
    /// Accept an applied migration missing from the binary (default: refuse, unless it is newer
    /// than every embedded one).
    pub(crate) allow_missing: bool,
    /// Retry a migration whose earlier attempt failed (default: yes).
    pub(crate) retry_failed: bool,
    /// Run an interrupted no-transaction file again from its first statement when its checksum
    /// changed since (default: refuse).
    pub(crate) restart_changed: bool,
    /// On a database without history, run the latest checkpoint up to the target instead of
    /// replaying the migrations it stands for (default: yes).
    pub(crate) checkpoints: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            allow_out_of_order: false,
            allow_modified: false,
            allow_missing: false,
            retry_failed: true,
            restart_changed: false,
            checkpoints: true,
        }
    }
}

/// Something validation noticed, with how serious it is under the runner's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error (stops the run) or warning (reported).
    pub severity: Severity,
    /// What was found.
    pub kind: FindingKind,
}

/// What validation can find.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// An applied migration whose file changed since.
    Modified {
        /// The version.
        version: Version,
        /// The name.
        name: String,
        /// The checksum recorded when it was applied.
        applied: String,
        /// The checksum of the embedded file.
        embedded: String,
    },
    /// An applied migration that is not embedded, older than the newest embedded one.
    Missing {
        /// The version.
        version: Version,
        /// The name recorded in the history.
        name: String,
    },
    /// An applied migration that is not embedded and newer than every embedded one: a newer
    /// release of the application migrated this database.
    NewerMissing {
        /// The version.
        version: Version,
        /// The name recorded in the history.
        name: String,
    },
    /// A pending migration older than the newest applied one.
    OutOfOrder {
        /// The version.
        version: Version,
        /// The name.
        name: String,
        /// The newest applied version.
        newest_applied: Version,
    },
    /// An earlier attempt at a migration failed or was interrupted; it is retried.
    FailedEarlier {
        /// The version.
        version: Version,
        /// The name.
        name: String,
        /// When the attempt was recorded.
        at: String,
        /// Its error; `None` when it was interrupted (a no-transaction file whose process died).
        error: Option<String>,
        /// For a no-transaction file, the statement where the retry resumes (0-based).
        resume_at: usize,
    },
    /// An interrupted no-transaction file changed since: resuming in the middle is unsafe.
    ResumeChanged {
        /// The version.
        version: Version,
        /// The name.
        name: String,
        /// Statements completed by the interrupted attempt.
        statements_done: usize,
        /// The checksum of the file that started.
        recorded: String,
        /// The checksum of the embedded file.
        embedded: String,
    },
}

impl FindingKind {
    /// What the caller can change to accept the finding, if a setting can (`Display` states the
    /// fact only).
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            FindingKind::Modified { .. } => Some(Remedy::AllowModified),
            FindingKind::Missing { .. } => Some(Remedy::AllowMissing),
            FindingKind::OutOfOrder { .. } => Some(Remedy::AllowOutOfOrder),
            FindingKind::ResumeChanged { .. } => Some(Remedy::RestartChanged),
            FindingKind::NewerMissing { .. } | FindingKind::FailedEarlier { .. } => None,
        }
    }

    /// The version concerned.
    pub fn version(&self) -> Version {
        match self {
            FindingKind::Modified { version, .. }
            | FindingKind::Missing { version, .. }
            | FindingKind::NewerMissing { version, .. }
            | FindingKind::OutOfOrder { version, .. }
            | FindingKind::FailedEarlier { version, .. }
            | FindingKind::ResumeChanged { version, .. } => *version,
        }
    }
}

impl Finding {
    /// The finding without its remedy (`error: migration 2 (b) is pending but older than ...`),
    /// for a front end that words the remedy ([`FindingKind::remedy`]) itself; `Display` adds
    /// it in the words of this crate's API.
    pub fn fact(&self) -> impl fmt::Display + '_ {
        FindingFact(self)
    }
}

/// A finding's severity and fact.
struct FindingFact<'a>(&'a Finding);

impl fmt::Display for FindingFact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.severity, self.0.kind)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fact())?;
        match self.kind.remedy() {
            Some(remedy) => write!(f, ". {}", remedy.in_builder_terms()),
            None => Ok(()),
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingKind::Modified {
                version,
                name,
                applied,
                embedded,
            } => write!(
                f,
                "migration {version} ({name}) was modified after it was applied: \
                 applied checksum {applied}, file checksum {embedded}; restore the applied file \
                 and put the change in a new migration"
            ),
            FindingKind::Missing { version, name } => write!(
                f,
                "migration {version} ({name}) is applied but not in this build; \
                 restore its file"
            ),
            FindingKind::NewerMissing { version, name } => write!(
                f,
                "migration {version} ({name}) is applied but newer than this build: \
                 a newer release migrated this database"
            ),
            FindingKind::OutOfOrder {
                version,
                name,
                newest_applied,
            } => write!(
                f,
                "migration {version} ({name}) is pending but older than the newest applied \
                 migration {newest_applied}; renumber it after {newest_applied}"
            ),
            FindingKind::FailedEarlier {
                version,
                name,
                at,
                error,
                resume_at,
            } => {
                match error {
                    Some(error) => {
                        write!(f, "migration {version} ({name}) failed at {at}: {error}")?
                    }
                    None => write!(f, "migration {version} ({name}) was interrupted at {at}")?,
                }
                if *resume_at > 0 {
                    write!(f, "; resuming at statement {}", resume_at + 1)
                } else {
                    write!(f, "; retrying")
                }
            }
            FindingKind::ResumeChanged {
                version,
                name,
                statements_done,
                recorded,
                embedded,
            } => {
                write!(
                    f,
                    "migration {version} ({name}) runs without a transaction and stopped after \
                     {statements_done} statement(s), but its file changed since (checksum \
                     {recorded} then, {embedded} now): resuming in the middle is unsafe; restore \
                     the file"
                )
            }
        }
    }
}

/// A migration the run would apply. It shares the set it belongs to (a cheap clone), so a plan
/// outlives the runner that made it.
#[derive(Debug, Clone)]
pub struct Pending {
    set: Migrations,
    index: usize,
    resume_at: usize,
}

impl Pending {
    /// The migration.
    pub fn migration(&self) -> &Migration {
        &self.set.as_slice()[self.index]
    }

    /// Its version.
    pub fn version(&self) -> Version {
        self.migration().version()
    }

    /// Its name.
    pub fn name(&self) -> &str {
        self.migration().name()
    }

    /// The first statement that will run (0-based): non-zero when a no-transaction file resumes.
    pub fn resume_at(&self) -> usize {
        self.resume_at
    }

    /// The statements that will run, in order, as they will be sent (each alone for a
    /// no-transaction file, together in one transaction otherwise).
    pub fn statements(&self) -> impl Iterator<Item = &str> + '_ {
        let up = self.migration().up();
        up.statements()[self.resume_at..]
            .iter()
            .map(move |s| up.statement_sql(s))
    }
}

/// The checkpoint a run on a database without history applies instead of replaying the
/// migrations up to its version: `{V}_{name}.checkpoint.sql`, run in one transaction with the
/// history rows of every migration up to V (their own names and checksums).
#[derive(Debug, Clone)]
pub struct Checkpoint {
    set: Migrations,
    index: usize,
}

impl Checkpoint {
    /// The migration whose checkpoint it is (version V).
    pub fn migration(&self) -> &Migration {
        &self.set.as_slice()[self.index]
    }

    /// Its version, V.
    pub fn version(&self) -> Version {
        self.migration().version()
    }

    /// The checkpoint file.
    pub fn script(&self) -> &crate::embedded::Script {
        self.migration()
            .checkpoint()
            .expect("a plan's checkpoint is a migration's checkpoint")
    }

    /// The migrations it stands for, 1 to V, in order: each gets its history row.
    pub fn covers(&self) -> &[Migration] {
        &self.set.as_slice()[..=self.index]
    }
}

/// A repeatable migration the run would apply after the versioned ones: new, or changed since
/// it was last applied. It shares the set it belongs to, as [`Pending`] does.
#[derive(Debug, Clone)]
pub struct PendingRepeatable {
    set: Migrations,
    index: usize,
    recorded: Option<String>,
}

impl PendingRepeatable {
    /// The repeatable migration.
    pub fn repeatable(&self) -> &Repeatable {
        &self.set.repeatables()[self.index]
    }

    /// The checksum recorded when it was last applied; `None` when it never was.
    pub fn recorded_checksum(&self) -> Option<&str> {
        self.recorded.as_deref()
    }

    /// The statements that will run, in order, in one transaction.
    pub fn statements(&self) -> impl Iterator<Item = &str> + '_ {
        let script = self.repeatable().script();
        script
            .statements()
            .iter()
            .map(move |s| script.statement_sql(s))
    }
}

/// What a run would do, and what validation found.
#[derive(Debug, Clone)]
pub struct Plan {
    pending: Vec<Pending>,
    findings: Vec<Finding>,
    applied: usize,
    checkpoint: Option<Checkpoint>,
    repeatables: Vec<PendingRepeatable>,
    repeatables_gone: Vec<AppliedRepeatable>,
}

impl Plan {
    /// The migrations the run would apply, in order: all of them not applied yet, those a
    /// [`Plan::checkpoint`] stands for included.
    pub fn pending(&self) -> &[Pending] {
        &self.pending
    }

    /// The checkpoint the run applies first instead of replaying the pending migrations up to
    /// its version: only on a database without history, when a migration up to the target has
    /// one (the latest such) and checkpoints are not turned off.
    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }

    /// The pending migrations the run applies one by one: those after the checkpoint, or all of
    /// them without one.
    pub fn replayed(&self) -> impl Iterator<Item = &Pending> {
        let after = self.checkpoint.as_ref().map(Checkpoint::version);
        self.pending
            .iter()
            .filter(move |p| after.is_none_or(|v| p.version() > v))
    }

    /// Everything validation found, errors and warnings.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// How many embedded migrations are applied already.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// The repeatable migrations the run would apply after the versioned ones, in order: those
    /// never applied and those whose checksum differs from the one recorded.
    pub fn repeatables(&self) -> &[PendingRepeatable] {
        &self.repeatables
    }

    /// The repeatable migrations recorded as applied whose file is not in this build (renamed
    /// or removed): what they created stays in the database until a migration drops it.
    pub fn repeatables_gone(&self) -> &[AppliedRepeatable] {
        &self.repeatables_gone
    }

    /// Whether the run would apply nothing: no versioned and no repeatable migration.
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.repeatables.is_empty()
    }

    /// The same plan with the repeatable migrations of `migrations` that `recorded` (the rows of
    /// their table) says are pending, and the recorded ones this build does not have. Pure.
    pub(crate) fn with_repeatables(
        mut self,
        migrations: &Migrations,
        recorded: &[AppliedRepeatable],
    ) -> Plan {
        self.repeatables = pending_repeatables(migrations, recorded)
            .into_iter()
            .map(|(index, recorded)| PendingRepeatable {
                set: migrations.clone(),
                index,
                recorded,
            })
            .collect();
        self.repeatables_gone = recorded
            .iter()
            .filter(|row| {
                !migrations
                    .repeatables()
                    .iter()
                    .any(|r| r.name() == row.name)
            })
            .cloned()
            .collect();
        self
    }

    /// Whether a finding stops the run.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings of one severity.
    pub(crate) fn of(&self, severity: Severity) -> Vec<Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .cloned()
            .collect()
    }

    pub(crate) fn warnings(&self) -> Vec<Finding> {
        self.of(Severity::Warning)
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_current() {
            writeln!(f, "Nothing to apply: {} migration(s) applied", self.applied)?;
        } else if !self.pending.is_empty() {
            writeln!(f, "Would apply {} migration(s):", self.pending.len())?;
            if let Some(checkpoint) = &self.checkpoint {
                writeln!(
                    f,
                    "  • {} (the checkpoint of the {} migration(s) up to {}, in one transaction \
                     with their history rows)",
                    checkpoint.script().path(),
                    checkpoint.covers().len(),
                    checkpoint.version()
                )?;
            }
            for p in self.replayed() {
                let up = p.migration().up();
                let mode = match up.transaction() {
                    Transaction::Single => "in one transaction",
                    Transaction::None => "statement by statement, without a transaction",
                };
                write!(f, "  • {} ({mode}", up.path())?;
                if p.resume_at > 0 {
                    write!(f, ", resuming at statement {}", p.resume_at + 1)?;
                }
                writeln!(f, ")")?;
                for statement in p.statements() {
                    for line in statement.lines() {
                        writeln!(f, "      {line}")?;
                    }
                }
            }
        }
        if !self.repeatables.is_empty() {
            writeln!(
                f,
                "Would apply {} repeatable migration(s) after them:",
                self.repeatables.len()
            )?;
            for p in &self.repeatables {
                let why = match p.recorded_checksum() {
                    Some(_) => "changed",
                    None => "new",
                };
                writeln!(
                    f,
                    "  • {} ({why}, in one transaction)",
                    p.repeatable().script().path()
                )?;
                for statement in p.statements() {
                    for line in statement.lines() {
                        writeln!(f, "      {line}")?;
                    }
                }
            }
        }
        for finding in &self.findings {
            writeln!(f, "{}", finding.fact())?;
        }
        for gone in &self.repeatables_gone {
            writeln!(f, "warning: {}", RepeatableGone(gone))?;
        }
        Ok(())
    }
}

/// How a recorded repeatable migration whose file is gone is reported (a warning: `plan`,
/// `status` and `verify` say it).
#[derive(Debug, Clone, Copy)]
pub struct RepeatableGone<'a>(pub &'a AppliedRepeatable);

impl fmt::Display for RepeatableGone<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "repeatable migration {} was applied at {} but its file R__{}.sql is not in this \
             build: what it created stays until a migration drops it",
            self.0.name, self.0.applied_at, self.0.name
        )
    }
}

/// The repeatable migrations of `migrations` that `recorded` (the rows of their table) says are
/// pending: each one's index and the checksum recorded when it was last applied (`None`: never).
pub(crate) fn pending_repeatables(
    migrations: &Migrations,
    recorded: &[AppliedRepeatable],
) -> Vec<(usize, Option<String>)> {
    migrations
        .repeatables()
        .iter()
        .enumerate()
        .filter_map(|(index, r)| {
            let row = recorded.iter().find(|row| row.name == r.name());
            let checksum = row.map(|row| row.checksum.as_str());
            (checksum != Some(r.checksum())).then(|| (index, checksum.map(str::to_owned)))
        })
        .collect()
}

fn severity(allowed: bool) -> Severity {
    if allowed {
        Severity::Warning
    } else {
        Severity::Error
    }
}

/// What the versions and checksums of the history rows alone say about a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Glance {
    /// The rows are exactly the embedded migrations, each applied, with the same checksum:
    /// nothing to run, nothing to report.
    Current,
    /// An embedded migration up to the target has not been applied: take the lock and plan.
    Pending,
    /// Everything up to the target is applied, but rows differ from the embedded set (a changed
    /// checksum, a row this build does not embed, an unapplied migration past the target): the
    /// whole rows are needed to plan and to report.
    Differs,
}

/// Looks at the start-up read (versions, checksums, success) of a run up to `target`.
pub(crate) fn glance(
    migrations: &Migrations,
    applied: &[Applied<'_>],
    target: Option<Version>,
) -> Glance {
    let mut done: Vec<(Version, &str)> = applied
        .iter()
        .filter(|a| a.success)
        .map(|a| (a.version, a.checksum))
        .collect();
    done.sort_unstable_by_key(|&(version, _)| version);
    let checksum = |version| {
        done.binary_search_by_key(&version, |&(v, _)| v)
            .ok()
            .map(|i| done[i].1)
    };
    let pending = migrations
        .iter()
        .filter(|m| target.is_none_or(|t| m.version() <= t))
        .any(|m| checksum(m.version()).is_none());
    let current = applied.len() == migrations.len()
        && done.len() == migrations.len()
        && migrations
            .iter()
            .all(|m| checksum(m.version()) == Some(m.checksum()));
    match (pending, current) {
        (true, _) => Glance::Pending,
        (false, true) => Glance::Current,
        (false, false) => Glance::Differs,
    }
}

/// Plans a run up to `target` (inclusive; all when `None`).
pub(crate) fn plan(
    migrations: &Migrations,
    history: &[HistoryRow],
    rules: &Rules,
    target: Option<Version>,
) -> Plan {
    let rows: BTreeMap<Version, &HistoryRow> = history.iter().map(|r| (r.version, r)).collect();
    let newest_embedded = migrations.iter().map(Migration::version).max();
    let newest_applied = history
        .iter()
        .filter(|r| r.success)
        .map(|r| r.version)
        .max();
    let mut findings = Vec::new();
    let mut push = |severity, kind| findings.push(Finding { severity, kind });

    for row in history.iter().filter(|r| r.success) {
        match migrations.get(row.version) {
            Some(m) if m.checksum() != row.checksum => push(
                severity(rules.allow_modified),
                FindingKind::Modified {
                    version: m.version(),
                    name: m.name().to_owned(),
                    applied: row.checksum.clone(),
                    embedded: m.checksum().to_owned(),
                },
            ),
            Some(_) => {}
            None if newest_embedded.is_none_or(|newest| row.version > newest) => push(
                Severity::Warning,
                FindingKind::NewerMissing {
                    version: row.version,
                    name: row.name.clone(),
                },
            ),
            None => push(
                severity(rules.allow_missing),
                FindingKind::Missing {
                    version: row.version,
                    name: row.name.clone(),
                },
            ),
        }
    }

    let mut pending = Vec::new();
    let mut applied = 0;
    for (index, m) in migrations.iter().enumerate() {
        let row = rows.get(&m.version());
        if row.is_some_and(|r| r.success) {
            applied += 1;
            continue;
        }
        if target.is_some_and(|t| m.version() > t) {
            continue;
        }
        let mut resume_at = 0;
        if let Some(row) = row {
            let done = row
                .statements_done
                .map_or(0, |d| usize::try_from(d).unwrap_or(0));
            let partial = m.up().transaction() == Transaction::None && done > 0;
            if partial && row.checksum != m.checksum() {
                push(
                    severity(rules.restart_changed),
                    FindingKind::ResumeChanged {
                        version: m.version(),
                        name: m.name().to_owned(),
                        statements_done: done,
                        recorded: row.checksum.clone(),
                        embedded: m.checksum().to_owned(),
                    },
                );
            } else if partial {
                resume_at = done.min(m.up().statements().len());
            }
            push(
                severity(rules.retry_failed),
                FindingKind::FailedEarlier {
                    version: m.version(),
                    name: m.name().to_owned(),
                    at: row.applied_at.clone(),
                    error: row.error.clone(),
                    resume_at,
                },
            );
        }
        if let Some(newest) = newest_applied.filter(|&n| n > m.version()) {
            push(
                severity(rules.allow_out_of_order),
                FindingKind::OutOfOrder {
                    version: m.version(),
                    name: m.name().to_owned(),
                    newest_applied: newest,
                },
            );
        }
        pending.push(Pending {
            set: migrations.clone(),
            index,
            resume_at,
        });
    }
    let checkpoint = if rules.checkpoints && history.is_empty() {
        checkpoint_at(migrations, target)
    } else {
        None
    };
    Plan {
        pending,
        findings,
        applied,
        checkpoint,
        repeatables: Vec::new(),
        repeatables_gone: Vec::new(),
    }
}

/// The latest checkpoint of a migration up to `target`, for a database without history.
fn checkpoint_at(migrations: &Migrations, target: Option<Version>) -> Option<Checkpoint> {
    let index = migrations
        .iter()
        .rposition(|m| m.checkpoint().is_some() && target.is_none_or(|t| m.version() <= t))?;
    Some(Checkpoint {
        set: migrations.clone(),
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::embedded::THREE as MIGRATIONS;
    const V0: Version = Version::new(0);
    const V1: Version = Version::new(1);
    const V2: Version = Version::new(2);
    const V3: Version = Version::new(3);
    const V9: Version = Version::new(9);

    fn row(version: u64, checksum: &str, success: bool, done: Option<i32>) -> HistoryRow {
        HistoryRow {
            version: version.into(),
            name: format!("m{version}"),
            checksum: checksum.into(),
            applied_at: "then".into(),
            execution_ms: Some(1),
            success,
            error: None,
            statements_done: done,
        }
    }

    fn kinds(plan: &Plan) -> Vec<(Severity, &FindingKind)> {
        plan.findings
            .iter()
            .map(|f| (f.severity, &f.kind))
            .collect()
    }

    fn versions(plan: &Plan) -> Vec<Version> {
        plan.pending.iter().map(Pending::version).collect()
    }

    fn applied<'a>(rows: &[(u64, &'a str, bool)]) -> Vec<Applied<'a>> {
        rows.iter()
            .map(|&(version, checksum, success)| Applied {
                version: version.into(),
                checksum,
                success,
            })
            .collect()
    }

    #[test]
    fn a_glance_sees_current_pending_and_different_histories() {
        let all = [(1, "c1", true), (2, "c2", true), (3, "c3", true)];
        let at = |rows: &[(u64, &str, bool)], target| glance(&MIGRATIONS, &applied(rows), target);
        assert_eq!(at(&all, None), Glance::Current);
        assert_eq!(at(&all[..2], None), Glance::Pending);
        assert_eq!(at(&[], None), Glance::Pending);
        // A failed attempt is not applied.
        assert_eq!(
            at(&[all[0], (2, "c2", false), all[2]], None),
            Glance::Pending
        );
        // Nothing pending up to the target, but 3 is not applied: not the embedded set.
        assert_eq!(at(&all[..2], Some(Version::new(2))), Glance::Differs);
        assert_eq!(at(&all, Some(Version::new(2))), Glance::Current);
        // A changed file, a row this build does not embed.
        assert_eq!(
            at(&[all[0], (2, "edited", true), all[2]], None),
            Glance::Differs
        );
        assert_eq!(
            at(&[all[0], all[1], all[2], (4, "c4", true)], None),
            Glance::Differs
        );
        // The same versions, rows swapped between them.
        assert_eq!(
            at(&[(1, "c2", true), (2, "c1", true), all[2]], None),
            Glance::Differs
        );
    }

    #[test]
    fn fresh_database_runs_everything_up_to_the_target() {
        let plan = plan(&MIGRATIONS, &[], &Rules::default(), None);
        assert_eq!(versions(&plan), [1, 2, 3]);
        assert!(plan.findings.is_empty());
        let plan = super::plan(&MIGRATIONS, &[], &Rules::default(), Some(Version::new(2)));
        assert_eq!(versions(&plan), [1, 2]);
    }

    /// `THREE` with a checkpoint at `at` (and at 1, which a later one supersedes).
    fn with_checkpoints(at: u64) -> Migrations {
        let checkpoint = |path| {
            crate::embedded::Script::new(
                path,
                "SELECT 1;",
                Transaction::Single,
                vec![crate::embedded::Statement::new(0, 8)],
            )
            .unwrap()
        };
        let list = MIGRATIONS
            .iter()
            .map(|m| {
                let m = Migration::new(m.version(), m.name().to_owned(), m.up().clone(), None);
                match m.version().get() {
                    v if v == 1 || v == u128::from(at) => {
                        m.with_checkpoint(checkpoint("c.sql")).unwrap()
                    }
                    _ => m,
                }
            })
            .collect();
        Migrations::new(list).unwrap()
    }

    #[test]
    fn a_database_without_history_runs_the_latest_checkpoint_up_to_the_target() {
        let set = with_checkpoints(2);
        let p = plan(&set, &[], &Rules::default(), None);
        let checkpoint = p.checkpoint().expect("a checkpoint");
        assert_eq!(checkpoint.version(), V2);
        assert_eq!(checkpoint.covers().len(), 2);
        // Every unapplied migration stays pending; only those after it are replayed.
        assert_eq!(versions(&p), [1, 2, 3]);
        let replayed: Vec<Version> = p.replayed().map(Pending::version).collect();
        assert_eq!(replayed, [V3]);
        assert!(p
            .to_string()
            .contains("the checkpoint of the 2 migration(s) up to 2"));
        // Up to 1, the checkpoint of 1.
        let p = plan(&set, &[], &Rules::default(), Some(V1));
        assert_eq!(p.checkpoint().map(Checkpoint::version), Some(V1));
        // Turned off: everything is replayed.
        let off = Rules {
            checkpoints: false,
            ..Rules::default()
        };
        let p = plan(&set, &[], &off, None);
        assert!(p.checkpoint().is_none());
        assert_eq!(p.replayed().count(), 3);
        // A database with any row, even a failed attempt, never runs one.
        let history = [row(1, "x", false, Some(0))];
        assert!(plan(&set, &history, &Rules::default(), None)
            .checkpoint()
            .is_none());
    }

    #[test]
    fn modified_missing_and_newer_missing() {
        let history = [row(1, "other", true, None), row(2, "c2", true, None)];
        let p = plan(&MIGRATIONS, &history, &Rules::default(), None);
        assert!(matches!(
            kinds(&p)[..],
            [(Severity::Error, FindingKind::Modified { version: V1, .. })]
        ));
        let rules = Rules {
            allow_modified: true,
            ..Rules::default()
        };
        assert!(!plan(&MIGRATIONS, &history, &rules, None).has_errors());

        let history = [
            row(1, "c1", true, None),
            row(2, "c2", true, None),
            row(3, "c3", true, None),
            row(9, "x", true, None),
        ];
        let p = plan(&MIGRATIONS, &history, &Rules::default(), None);
        assert!(matches!(
            kinds(&p)[..],
            [(
                Severity::Warning,
                FindingKind::NewerMissing { version: V9, .. }
            )]
        ));

        let history = [row(0, "x", true, None), row(1, "c1", true, None)];
        let p = plan(&MIGRATIONS, &history, &Rules::default(), None);
        assert!(matches!(
            kinds(&p)[..],
            [(Severity::Error, FindingKind::Missing { version: V0, .. })]
        ));
    }

    #[test]
    fn out_of_order() {
        let history = [row(1, "c1", true, None), row(3, "c3", true, None)];
        let p = plan(&MIGRATIONS, &history, &Rules::default(), None);
        assert_eq!(versions(&p), [2]);
        assert!(matches!(
            kinds(&p)[..],
            [(
                Severity::Error,
                FindingKind::OutOfOrder {
                    version: V2,
                    newest_applied: V3,
                    ..
                }
            )]
        ));
        let rules = Rules {
            allow_out_of_order: true,
            ..Rules::default()
        };
        assert!(!plan(&MIGRATIONS, &history, &rules, None).has_errors());
    }

    #[test]
    fn failed_and_interrupted_attempts() {
        let history = [row(1, "c1", true, None), row(2, "c2", false, Some(1))];
        let p = plan(&MIGRATIONS, &history, &Rules::default(), None);
        assert_eq!(p.pending[0].resume_at(), 1);
        assert_eq!(p.pending[0].statements().collect::<Vec<_>>(), ["SELECT 2"]);
        assert!(matches!(
            kinds(&p)[..],
            [(
                Severity::Warning,
                FindingKind::FailedEarlier {
                    version: V2,
                    resume_at: 1,
                    ..
                }
            )]
        ));

        let history = [row(1, "c1", true, None), row(2, "changed", false, Some(1))];
        let p = plan(&MIGRATIONS, &history, &Rules::default(), None);
        assert!(p.has_errors());
        assert_eq!(p.pending[0].resume_at(), 0);
        let rules = Rules {
            restart_changed: true,
            ..Rules::default()
        };
        assert!(!plan(&MIGRATIONS, &history, &rules, None).has_errors());

        let rules = Rules {
            retry_failed: false,
            ..Rules::default()
        };
        let history = [row(1, "c1", false, Some(0))];
        assert!(plan(&MIGRATIONS, &history, &rules, None).has_errors());
    }
}
