//! `run` and `run_to`: plan, lock, apply what is pending, each migration with its history row,
//! then the repeatable migrations that are new or changed, each with its row.

use std::time::Instant;

use crate::apply::Direction;
use crate::conn::Connection;
use crate::error::Error;
use crate::history::{self, Detail, HistoryRow};
use crate::lock::Locked;
use crate::plan::{self, Finding, Glance, Pending, Plan, Severity};
use crate::read::{self, query_history, read_or_create, read_repeatables};
use crate::repeatable;
use crate::report::{Operation, Report};
use migrate_core::Transaction;
use migrate_core::Version;

use super::builder::Runner;

pub(super) async fn run<C: Connection>(conn: &mut C, runner: &Runner) -> Result<Report, Error> {
    apply(conn, runner, None).await
}

pub(super) async fn run_to<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    version: Version,
) -> Result<Report, Error> {
    runner.check_version(version)?;
    apply(conn, runner, Some(version)).await
}

async fn apply<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    target: Option<Version>,
) -> Result<Report, Error> {
    let started = Instant::now();
    let plan_for =
        |rows: &[HistoryRow]| plan::plan(&runner.migrations, rows, &runner.rules, target);
    let nothing_to_do = |applied_total, warnings| Report {
        operation: Operation::Apply,
        steps: Vec::new(),
        repeatables: Vec::new(),
        applied_total,
        warnings,
        overrides: runner.overrides(),
        elapsed: started.elapsed(),
    };
    let messages = query_history(conn, &runner.table, &runner.table.applied_sql()).await?;
    let (mut backend, applied) = match &messages {
        Some(messages) => {
            let (backend, rest) = history::split_backend(messages);
            runner.check_server(backend.server);
            (backend.pid, read::parse_applied(&runner.table, rest)?)
        }
        None => (None, Vec::new()),
    };
    // The repeatable migrations run after every versioned one: a run to an earlier version
    // leaves them (they are written against the newest schema).
    let newest = runner.migrations.iter().map(|m| m.version()).max();
    let with_repeatables = !runner.migrations.repeatables().is_empty()
        && target.is_none_or(|t| newest.is_none_or(|n| n <= t));
    let glance = plan::glance(&runner.migrations, &applied, target);
    // Read before the lock only when the run could stop here: with versions pending, the
    // repeatables' rows are read once, under the lock.
    let repeatables_current = glance == Glance::Pending
        || !with_repeatables
        || plan::pending_repeatables(
            &runner.migrations,
            &read_repeatables(conn, &runner.table)
                .await?
                .unwrap_or_default(),
        )
        .is_empty();
    match glance {
        Glance::Current if repeatables_current => {
            return Ok(nothing_to_do(runner.migrations.len(), Vec::new()))
        }
        Glance::Current | Glance::Pending => {}
        Glance::Differs => {
            let plan = validated(plan_for(
                read::read(conn, &runner.table, Detail::Lean).await?.rows(),
            ))?;
            if plan.pending().is_empty() && repeatables_current {
                return Ok(nothing_to_do(plan.applied(), plan.warnings()));
            }
        }
    }
    if messages.is_none() {
        let created = conn
            .query(&runner.table.create_guarded_sql())
            .await
            .map_err(Error::db("create the history table"))?;
        let (created, _) = history::split_backend(&created);
        runner.check_server(created.server);
        backend = created.pid;
    }

    let mut lock = Locked::acquire(conn, &runner.table, runner.lock_wait, backend).await?;
    let rows = read_or_create(lock.conn(), &runner.table).await?;
    let mut plan = validated(plan_for(&rows))?;
    let recorded = match with_repeatables {
        true => read_repeatables(lock.conn(), &runner.table).await?,
        false => None,
    };
    if with_repeatables {
        let rows = recorded.as_deref().unwrap_or_default();
        plan = plan.with_repeatables(&runner.migrations, rows);
    }
    if let Some(pooler) = lock.pooler() {
        let no_transaction = no_transaction(&plan);
        if !no_transaction.is_empty() {
            return Err(Error::TransactionPooler {
                operation: Operation::Apply,
                pooler,
                no_transaction,
            });
        }
    }
    let versions: Vec<Version> = plan.pending().iter().map(Pending::version).collect();
    runner.planned(Operation::Apply, &versions)?;
    let mut steps = Vec::with_capacity(plan.pending().len());
    // The migrations applied without a step of their own: those a checkpoint's step stands for
    // besides its own version, and those another migrator applied meanwhile.
    let mut without_step = 0;
    if let Some(checkpoint) = plan.checkpoint() {
        let covered = checkpoint.covers().len();
        match runner
            .checkpoint_job(checkpoint)
            .run(lock.conn(), 0)
            .await?
        {
            Some(step) => {
                steps.push(step);
                without_step += covered - 1;
            }
            None => without_step += covered,
        }
    }
    for pending in plan.replayed() {
        match runner
            .job(pending.migration(), Direction::Up)
            .run(lock.conn(), pending.resume_at())
            .await?
        {
            Some(step) => steps.push(step),
            None => without_step += 1,
        }
    }
    if recorded.is_none() && !plan.repeatables().is_empty() {
        lock.conn()
            .query(&repeatable::create_sql(&runner.table))
            .await
            .map_err(Error::db("create the repeatable migrations' table"))?;
    }
    let mut repeatables = Vec::with_capacity(plan.repeatables().len());
    for pending in plan.repeatables() {
        let job = runner.repeatable_job(pending.repeatable());
        repeatables.push(job.run(lock.conn()).await?);
    }
    lock.release().await?;
    Ok(Report {
        operation: Operation::Apply,
        applied_total: plan.applied() + steps.len() + without_step,
        steps,
        repeatables,
        warnings: plan.warnings(),
        overrides: runner.overrides(),
        elapsed: started.elapsed(),
    })
}

/// The pending no-transaction migrations of `plan`, with their files: what cannot be applied
/// without a session lock.
fn no_transaction(plan: &Plan) -> Vec<(Version, String)> {
    plan.replayed()
        .map(Pending::migration)
        .filter(|m| m.up().transaction() == Transaction::None)
        .map(|m| (m.version(), m.up().path().to_owned()))
        .collect()
}

/// The plan, or [`Error::Validation`] with its error findings: nothing is applied then.
fn validated(plan: Plan) -> Result<Plan, Error> {
    let errors: Vec<Finding> = plan.of(Severity::Error);
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(Error::Validation(errors))
    }
}
