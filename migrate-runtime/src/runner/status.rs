//! `plan` and `status`: what the history says, what would run and the newest repairs; nothing
//! changes.

use crate::conn::Connection;
use crate::embedded::Migration;
use crate::error::Error;
use crate::history::{Detail, HistoryRow};
use crate::plan::{self, Plan};
use crate::read::{read, read_repeatables};
use crate::report::{InvalidIndex, Status};
use crate::sql::{self, quote_literal};

use super::builder::Runner;

pub(super) async fn dry_run<C: Connection>(conn: &mut C, runner: &Runner) -> Result<Plan, Error> {
    let history = read(conn, &runner.table, Detail::Lean).await?;
    let plan = plan::plan(&runner.migrations, history.rows(), &runner.rules, None);
    with_repeatables(conn, runner, plan).await
}

/// `plan` with the repeatable migrations that are pending and those recorded but gone: one
/// read of their table.
async fn with_repeatables<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    plan: Plan,
) -> Result<Plan, Error> {
    let recorded = read_repeatables(conn, &runner.table)
        .await?
        .unwrap_or_default();
    Ok(plan.with_repeatables(&runner.migrations, &recorded))
}

pub(super) async fn status<C: Connection>(conn: &mut C, runner: &Runner) -> Result<Status, Error> {
    let history = read(conn, &runner.table, Detail::Full).await?;
    let repeatables = read_repeatables(conn, &runner.table)
        .await?
        .unwrap_or_default();
    let plan = plan::plan(&runner.migrations, history.rows(), &runner.rules, None)
        .with_repeatables(&runner.migrations, &repeatables);
    let applied: Vec<HistoryRow> = history
        .rows()
        .iter()
        .filter(|r| r.success)
        .cloned()
        .collect();
    let invalid_indexes = invalid_indexes(conn, runner, &applied).await?;
    let repairs = super::repair::recent(conn, &runner.table).await?;
    Ok(Status {
        applied,
        repeatables,
        plan,
        invalid_indexes,
        repairs,
    })
}

/// The INVALID indexes among those the `applied` migrations built concurrently: one query, and
/// none when no applied migration builds an index concurrently.
async fn invalid_indexes<C: Connection>(
    conn: &mut C,
    runner: &Runner,
    applied: &[HistoryRow],
) -> Result<Vec<InvalidIndex>, Error> {
    let built: Vec<(&Migration, &str)> = applied
        .iter()
        .filter_map(|row| runner.migrations.get(row.version))
        .flat_map(|m| m.up().index_builds().iter().map(move |b| (m, b.index())))
        .collect();
    if built.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = built.iter().map(|(_, i)| quote_literal(i)).collect();
    let select = format!(
        "SELECT n FROM unnest(ARRAY[{}]::text[]) n WHERE EXISTS (SELECT 1 FROM \
         pg_catalog.pg_index i WHERE i.indexrelid = to_regclass(n) AND NOT i.indisvalid)",
        names.join(", ")
    );
    // A tenant's index names resolve in the tenant's schema, as when they were built.
    let sql = match &runner.search_path {
        Some(path) => format!("BEGIN; SET LOCAL search_path = {path}; {select}; COMMIT"),
        None => select,
    };
    let answer = conn
        .query(&sql)
        .await
        .map_err(Error::db("check the indexes built concurrently"))?;
    let invalid = sql::first_column(&answer);
    Ok(built
        .into_iter()
        .filter(|(_, index)| invalid.iter().any(|i| i == index))
        .map(|(m, index)| InvalidIndex {
            version: m.version(),
            path: m.up().path().to_owned(),
            index: index.to_owned(),
        })
        .collect())
}
