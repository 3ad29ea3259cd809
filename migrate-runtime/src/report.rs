//! What an operation did ([`Report`]) and where the database stands ([`Status`]).

use migrate_core::Version;

use std::fmt;
use std::time::Duration;

use crate::history::HistoryRow;
use crate::overrides::Override;
use crate::plan::{Checkpoint, Finding, FindingKind, Pending, Plan, RepeatableGone};
use crate::repair::RepairRecord;
use crate::repeatable::AppliedRepeatable;

/// Which operation a [`Report`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `run` / `run_to`: migrations applied.
    Apply,
    /// `rollback_to`: migrations reverted with their down files.
    Rollback,
    /// `baseline`: migrations recorded as applied without running them.
    Baseline,
    /// `repair`: one history row changed for what a person fixed by hand. Errors name it
    /// (a repair refused through a transaction pooler); a repair returns a
    /// [`RepairChange`](crate::RepairChange), not a report.
    Repair,
    /// `drift`: the live schema compared with what its applied migrations build. Errors name
    /// it (refused through a transaction pooler); a drift returns a [`Drift`](crate::Drift).
    Drift,
}

/// One migration an operation applied, reverted or recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The version.
    pub version: Version,
    /// The name.
    pub name: String,
    /// The file that ran (the down file for a rollback).
    pub path: String,
    /// How long it took (zero for a baseline).
    pub duration: Duration,
    /// The statement it resumed at (0-based), when a no-transaction file resumed.
    pub resumed_at: Option<usize>,
}

/// One repeatable migration a run applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatableStep {
    /// The name (`views` for `R__views.sql`).
    pub name: String,
    /// The file that ran.
    pub path: String,
    /// How long it took.
    pub duration: Duration,
}

/// What `run`, `run_to`, `rollback_to` or `baseline` did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The operation.
    pub operation: Operation,
    /// The migrations applied (reverted, recorded), in the order they ran.
    pub steps: Vec<Step>,
    /// The repeatable migrations a run applied after them, in the order they ran.
    pub repeatables: Vec<RepeatableStep>,
    /// How many embedded migrations are applied after the operation.
    pub applied_total: usize,
    /// Warnings of validation (newer migrations missing, failed attempts retried, ...).
    pub warnings: Vec<Finding>,
    /// The settings of `migrate.toml` overridden for this run ([`Runner::overrides`]).
    ///
    /// [`Runner::overrides`]: crate::Runner::overrides
    pub overrides: Vec<Override>,
    /// The operation's wall time, including the history reads and the lock.
    pub elapsed: Duration,
}

impl Report {
    /// Whether nothing was applied, reverted or recorded.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.repeatables.is_empty()
    }

    /// The versions applied (reverted, recorded), in order.
    pub fn versions(&self) -> Vec<Version> {
        self.steps.iter().map(|s| s.version).collect()
    }
}

fn ms(duration: Duration) -> u128 {
    duration.as_millis()
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for note in &self.overrides {
            writeln!(f, "note: {note}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "{}", warning.fact())?;
        }
        let (doing, done) = match self.operation {
            Operation::Apply => ("Applying", "applied"),
            Operation::Rollback => ("Rolling back", "reverted"),
            Operation::Baseline => ("Recording as applied", "recorded"),
            Operation::Repair => ("Repairing", "repaired"),
            Operation::Drift => ("Comparing", "compared"),
        };
        if self.is_empty() {
            return write!(
                f,
                "Nothing to do: {} migration(s) applied",
                self.applied_total
            );
        }
        writeln!(f, "{doing} {} migration(s)...", self.steps.len())?;
        for step in &self.steps {
            write!(f, "  ✓ {} {done}", step.path)?;
            if self.operation != Operation::Baseline {
                write!(f, " in {}ms", ms(step.duration))?;
            }
            if let Some(at) = step.resumed_at {
                write!(f, " (resumed at statement {})", at + 1)?;
            }
            writeln!(f)?;
        }
        if !self.repeatables.is_empty() {
            writeln!(
                f,
                "Applying {} repeatable migration(s)...",
                self.repeatables.len()
            )?;
        }
        for step in &self.repeatables {
            writeln!(f, "  ✓ {} applied in {}ms", step.path, ms(step.duration))?;
        }
        write!(
            f,
            "Migration summary: {} {done} in {}ms; {} migration(s) applied in total",
            self.steps.len(),
            ms(self.elapsed),
            self.applied_total
        )?;
        match self.repeatables.len() {
            0 => Ok(()),
            n => write!(f, "; {n} repeatable migration(s) applied"),
        }
    }
}

/// Where the database stands: `status`.
#[derive(Debug, Clone)]
pub struct Status {
    /// Applied migrations (successful history rows), by version, whether embedded or not.
    pub applied: Vec<HistoryRow>,
    /// The repeatable migrations recorded as applied (the rows of their table), by name,
    /// whether embedded or not; [`Plan::repeatables`] are those a run would apply.
    pub repeatables: Vec<AppliedRepeatable>,
    /// What a run would do and what validation finds (modified, missing, failed, ...).
    pub plan: Plan,
    /// Indexes that applied migrations built concurrently and that are INVALID (an
    /// interrupted build recorded as applied, or an index broken since).
    pub invalid_indexes: Vec<InvalidIndex>,
    /// The newest repairs of the history ([`Runner::repair`](crate::Runner::repair)), newest
    /// first, at most ten; empty when none was ever made.
    pub repairs: Vec<RepairRecord>,
}

/// An INVALID index built concurrently by an applied migration: queries do not use it, every
/// write maintains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidIndex {
    /// The migration that built it.
    pub version: Version,
    /// Its file, as the build saw it.
    pub path: String,
    /// The index, quoted as SQL names it.
    pub index: String,
}

impl fmt::Display for InvalidIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "index {} built by applied migration {} ({}) is INVALID: rebuild it with \
             REINDEX INDEX CONCURRENTLY {}",
            self.index, self.version, self.path, self.index
        )
    }
}

impl Status {
    /// The migrations a run would apply.
    pub fn pending(&self) -> &[Pending] {
        self.plan.pending()
    }

    /// The checkpoint a run would apply first (a database without history, see
    /// [`Plan::checkpoint`]).
    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.plan.checkpoint()
    }

    /// Every finding.
    pub fn findings(&self) -> &[Finding] {
        self.plan.findings()
    }

    fn versions_where(&self, keep: impl Fn(&FindingKind) -> bool) -> Vec<Version> {
        self.findings()
            .iter()
            .filter(|f| keep(&f.kind))
            .map(|f| f.kind.version())
            .collect()
    }

    /// Applied migrations whose file changed since.
    pub fn modified(&self) -> Vec<Version> {
        self.versions_where(|k| matches!(k, FindingKind::Modified { .. }))
    }

    /// Applied migrations not in this build (older and newer ones).
    pub fn missing(&self) -> Vec<Version> {
        self.versions_where(|k| {
            matches!(
                k,
                FindingKind::Missing { .. } | FindingKind::NewerMissing { .. }
            )
        })
    }

    /// Migrations whose last attempt failed or was interrupted.
    pub fn failed(&self) -> Vec<Version> {
        self.versions_where(|k| matches!(k, FindingKind::FailedEarlier { .. }))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Applied Migrations:")?;
        if self.applied.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for row in &self.applied {
            write!(f, "  ✓ {} {} ({}", row.version, row.name, row.applied_at)?;
            if let Some(ms) = row.execution_ms {
                write!(f, ", {ms}ms")?;
            }
            writeln!(f, ")")?;
        }
        writeln!(f, "\nPending Migrations:")?;
        if self.pending().is_empty() {
            writeln!(f, "  (none)")?;
        }
        if let Some(checkpoint) = self.checkpoint() {
            writeln!(
                f,
                "  (the {} up to {} through the checkpoint {}, in one transaction)",
                checkpoint.covers().len(),
                checkpoint.version(),
                checkpoint.script().path()
            )?;
        }
        for p in self.pending() {
            writeln!(f, "  • {}", p.migration().up().path())?;
        }
        if !self.repeatables.is_empty() || !self.plan.repeatables().is_empty() {
            writeln!(f, "\nRepeatable Migrations:")?;
        }
        for row in &self.repeatables {
            let pending = self
                .plan
                .repeatables()
                .iter()
                .any(|p| p.repeatable().name() == row.name);
            let mark = if pending { "•" } else { "✓" };
            write!(f, "  {mark} R__{}.sql ({}", row.name, row.applied_at)?;
            if let Some(ms) = row.execution_ms {
                write!(f, ", {ms}ms")?;
            }
            writeln!(f, "{})", if pending { "; changed since" } else { "" })?;
        }
        for p in self.plan.repeatables() {
            if p.recorded_checksum().is_none() {
                writeln!(f, "  • {} (never applied)", p.repeatable().script().path())?;
            }
        }
        for finding in self.findings() {
            writeln!(f, "{}", finding.fact())?;
        }
        for gone in self.plan.repeatables_gone() {
            writeln!(f, "warning: {}", RepeatableGone(gone))?;
        }
        for invalid in &self.invalid_indexes {
            writeln!(f, "error: {invalid}")?;
        }
        if !self.repairs.is_empty() {
            writeln!(f, "\nRepairs (newest first):")?;
            for repair in &self.repairs {
                writeln!(f, "  ! {repair}")?;
            }
        }
        write!(
            f,
            "\nTotal: {} applied, {} pending",
            self.applied.len(),
            self.pending().len()
        )?;
        match self.plan.repeatables().len() {
            0 => Ok(()),
            n => write!(f, ", {n} repeatable(s) to apply"),
        }
    }
}
