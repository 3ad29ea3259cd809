//! `rollback_to` and `rollback_plan`: revert the newest migrations with their down files.

use std::time::Instant;

use crate::apply::Direction;
use crate::conn::Connection;
use crate::embedded::Migration;
use crate::error::{Error, Irreversible};
use crate::history::{Detail, HistoryRow};
use crate::lock::Locked;
use crate::plan::{Finding, FindingKind, Severity};
use crate::read::read;
use crate::report::{Operation, Report};
use migrate_core::Version;

use super::builder::Runner;

/// The migrations to revert to get back to `version`, newest first, or why that is impossible.
fn rollback_steps<'r>(
    runner: &'r Runner,
    rows: &[HistoryRow],
    version: Version,
) -> Result<Vec<&'r Migration>, Error> {
    let mut steps = Vec::new();
    for row in rows
        .iter()
        .rev()
        .filter(|r| r.success && r.version > version)
    {
        let cannot = |reason| Error::CannotRollBack {
            version: row.version,
            name: row.name.clone(),
            reason,
        };
        let migration = runner
            .migrations
            .get(row.version)
            .ok_or_else(|| cannot(Irreversible::NotEmbedded))?;
        if migration.down().is_none() {
            return Err(cannot(Irreversible::NoDownFile));
        }
        if migration.checksum() != row.checksum && !runner.rules.allow_modified {
            return Err(Error::Validation(vec![Finding {
                severity: Severity::Error,
                kind: FindingKind::Modified {
                    version: row.version,
                    name: migration.name().to_owned(),
                    applied: row.checksum.clone(),
                    embedded: migration.checksum().to_owned(),
                },
            }]));
        }
        steps.push(migration);
    }
    Ok(steps)
}

pub(super) async fn rollback_plan<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    version: Version,
) -> Result<Vec<Migration>, Error> {
    let history = read(conn, &runner.table, Detail::Lean).await?;
    let steps = rollback_steps(runner, history.rows(), version)?;
    Ok(steps.into_iter().cloned().collect())
}

pub(super) async fn rollback_to<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    version: Version,
) -> Result<Report, Error> {
    let started = Instant::now();
    let report = |steps, rows: &[HistoryRow]| Report {
        operation: Operation::Rollback,
        steps,
        repeatables: Vec::new(),
        applied_total: runner.applied_total(rows),
        warnings: Vec::new(),
        overrides: runner.overrides(),
        elapsed: started.elapsed(),
    };
    let history = read(conn, &runner.table, Detail::Lean).await?;
    if rollback_steps(runner, history.rows(), version)?.is_empty() {
        return Ok(report(Vec::new(), history.rows()));
    }

    let mut lock = Locked::acquire(conn, &runner.table, runner.lock_wait, None).await?;
    lock.session_required(Operation::Rollback)?;
    let rows = read(lock.conn(), &runner.table, Detail::Lean)
        .await?
        .rows()
        .to_vec();
    let migrations = rollback_steps(runner, &rows, version)?;
    let versions: Vec<Version> = migrations.iter().map(|m| m.version()).collect();
    runner.planned(Operation::Rollback, &versions)?;
    let mut steps = Vec::with_capacity(migrations.len());
    for migration in migrations {
        let step = runner
            .job(migration, Direction::Down)
            .run(lock.conn(), 0)
            .await?;
        steps.extend(step);
    }
    lock.release().await?;
    let remaining: Vec<HistoryRow> = rows.into_iter().filter(|r| r.version <= version).collect();
    Ok(report(steps, &remaining))
}
