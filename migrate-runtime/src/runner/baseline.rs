//! `baseline` and `baseline_from_history`: record migrations as applied without running them.

use std::time::{Duration, Instant};

use crate::conn::Connection;
use crate::embedded::Migration;
use crate::error::Error;
use crate::history::Record;
use crate::lock::Locked;
use crate::peer::{self, PeerHistory, PeerRow};
use crate::read::read_or_create;
use crate::report::{Operation, Report, Step};
use crate::sql;
use migrate_core::Version;

use super::builder::Runner;

pub(super) async fn baseline<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    version: Version,
) -> Result<Report, Error> {
    runner.check_version(version)?;
    let chosen = runner
        .migrations
        .iter()
        .map(|m| m.version())
        .filter(|v| *v <= version)
        .collect();
    record_baseline(conn, runner, chosen).await
}

pub(super) async fn baseline_from_history<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    history: PeerHistory,
) -> Result<Report, Error> {
    let refused = |problems: Vec<String>| Error::PeerHistory {
        table: history.clone(),
        problems,
    };
    let columns = sql::first_column(
        &conn
            .query(&history.columns_sql())
            .await
            .map_err(Error::db("read the other tool's history table"))?,
    );
    if columns.is_empty() {
        return Err(refused(vec![
            "the table does not exist (looked for through the search_path)".to_owned(),
        ]));
    }
    let sql = history
        .history_sql(&columns)
        .map_err(|problem| refused(vec![problem]))?;
    let messages = conn
        .query(&sql)
        .await
        .map_err(Error::db("read the other tool's history table"))?;
    let rows: Vec<PeerRow> = sql::rows(&messages)
        .map(|row| PeerRow {
            version: row.get(0).unwrap_or_default().to_owned(),
            name: row.get(1).map(str::to_owned),
            success: row.get(2) == Some("t"),
        })
        .collect();
    let ours: Vec<(Version, &str)> = runner
        .migrations
        .iter()
        .map(|m| (m.version(), m.name()))
        .collect();
    let applied = peer::applied_versions(&history, &rows, &ours).map_err(refused)?;
    tracing::info!(from = %history, count = applied.len(), "read the other tool's history");
    record_baseline(conn, runner, applied).await
}

/// Records the chosen migrations as applied without running them, in one transaction, under
/// the lock; those already applied are left as they are.
async fn record_baseline<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    chosen: Vec<Version>,
) -> Result<Report, Error> {
    let started = Instant::now();
    let mut lock = Locked::acquire(conn, &runner.table, runner.lock_wait, None).await?;
    lock.session_required(Operation::Baseline)?;
    let rows = read_or_create(lock.conn(), &runner.table).await?;
    if !rows.is_empty() && !runner.force_baseline {
        return Err(Error::BaselineNotEmpty {
            table: runner.table.clone(),
            rows: rows.len(),
        });
    }
    let applied = |m: &Migration| rows.iter().any(|r| r.success && r.version == m.version());
    let recorded: Vec<&Migration> = runner
        .migrations
        .iter()
        .filter(|m| chosen.contains(&m.version()) && !applied(m))
        .collect();
    if !recorded.is_empty() {
        let inserts: Vec<String> = recorded
            .iter()
            .map(|m| runner.table.record_sql(&Record::unrun(m)))
            .collect();
        let sql = format!("BEGIN; {}; COMMIT", inserts.join(";\n"));
        lock.conn()
            .query(&sql)
            .await
            .map_err(Error::db("record the baseline"))?;
        tracing::info!(count = recorded.len(), "recorded baseline");
    }
    lock.release().await?;
    let steps = recorded
        .iter()
        .map(|m| Step {
            version: m.version(),
            name: m.name().to_owned(),
            path: m.up().path().to_owned(),
            duration: Duration::ZERO,
            resumed_at: None,
        })
        .collect::<Vec<_>>();
    Ok(Report {
        operation: Operation::Baseline,
        applied_total: runner.applied_total(&rows) + steps.len(),
        steps,
        repeatables: Vec::new(),
        warnings: Vec::new(),
        overrides: runner.overrides(),
        elapsed: started.elapsed(),
    })
}
