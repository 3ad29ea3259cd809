//! `repair` and `repair_plan`: change one history row for what a person fixed by hand, under
//! the lock, with its audit row in the same transaction; and `status`'s read of the audit.

use crate::conn::Connection;
use crate::error::Error;
use crate::history::{Detail, History, HistoryTable};
use crate::lock::Locked;
use crate::read::read;
use crate::repair::{self, Repair, RepairChange, RepairRecord, Tables};
use crate::report::Operation;
use crate::sql::first_value;

use super::builder::Runner;

/// What `repair` would change, or its refusal, from the history as it is now. No lock, no write.
pub(super) async fn repair_plan<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    repair: Repair,
) -> Result<RepairChange, Error> {
    let history = read(conn, &runner.table, Detail::Lean).await?;
    decide(runner, &history, &repair)
}

pub(super) async fn repair<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    repair: Repair,
) -> Result<RepairChange, Error> {
    let mut lock = Locked::acquire(conn, &runner.table, runner.lock_wait, None).await?;
    lock.session_required(Operation::Repair)?;
    let history = read(lock.conn(), &runner.table, Detail::Lean).await?;
    let change = decide(runner, &history, &repair)?;
    let tables = Tables {
        history: matches!(history, History::Rows(_)),
        audit: audit_exists(lock.conn(), &runner.table).await?,
    };
    let sql = repair::repair_sql(&runner.table, tables, &runner.migrations, &repair, &change);
    lock.conn()
        .query(&sql)
        .await
        .map_err(Error::db("record the repair"))?;
    tracing::info!(
        action = %change.action,
        version = %change.version,
        reason = repair.reason(),
        "repaired the history"
    );
    lock.release().await?;
    Ok(change)
}

fn decide(runner: &Runner, history: &History, repair: &Repair) -> Result<RepairChange, Error> {
    repair::decide(
        &runner.migrations,
        history.rows(),
        repair,
        runner.rules.allow_out_of_order,
    )
    .map_err(|refusal| Error::RepairRefused {
        action: repair.action(),
        version: repair.version(),
        refusal,
    })
}

async fn audit_exists<C: Connection>(conn: &mut C, table: &HistoryTable) -> Result<bool, Error> {
    let answer = conn
        .query(&repair::audit_exists_sql(table))
        .await
        .map_err(Error::db("look for the repairs' audit table"))?;
    Ok(first_value(&answer) == Some("t"))
}

/// The newest repairs, newest first; none when no repair was ever made (no audit table).
pub(super) async fn recent<C: Connection>(
    conn: &mut C,
    table: &HistoryTable,
) -> Result<Vec<RepairRecord>, Error> {
    if !audit_exists(conn, table).await? {
        return Ok(Vec::new());
    }
    let answer = conn
        .query(&repair::recent_sql(table))
        .await
        .map_err(Error::db("read the repairs' audit table"))?;
    repair::parse_recent(&answer).map_err(|problem| Error::HistoryRow {
        table: table.clone(),
        problem: format!("in {}: {problem}", repair::audit_table(table)),
    })
}
