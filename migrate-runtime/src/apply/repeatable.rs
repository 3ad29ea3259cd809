//! Runs one repeatable migration and records it, in ONE query string, one round trip:
//! `BEGIN; <guard>; [SET LOCAL ...;] <body>; <upsert of its row>; COMMIT`, as a transactional
//! versioned migration travels (see the parent module): it commits whole or not at all, through
//! a transaction pooler too. The guard is the transaction-level advisory lock
//! [`HistoryTable::guard_key`]; a repeatable migration is re-runnable by construction, so two
//! migrators that both apply it one after the other leave what one alone leaves. On failure the
//! transaction is rolled back and nothing is recorded: the next run applies it again.

use std::time::Instant;

use super::{failure_in, locate, set_local, statement_at, statement_error, Located};
use super::{Direction, MigrationFailure, Timeouts, TransactionSql};
use crate::conn::Connection;
use crate::embedded::Repeatable;
use crate::error::Error;
use crate::history::HistoryTable;
use crate::repeatable::record_sql;
use crate::report::RepeatableStep;

/// One repeatable migration to apply.
pub(crate) struct RepeatableJob<'a> {
    pub(crate) repeatable: &'a Repeatable,
    pub(crate) table: &'a HistoryTable,
    pub(crate) timeouts: Timeouts,
    /// The tenant schema the statements run in, quoted.
    pub(crate) search_path: Option<&'a str>,
}

impl RepeatableJob<'_> {
    /// Applies the repeatable migration with its row: the step, or the failure naming the file,
    /// the line and the statement (nothing applied, nothing recorded).
    pub(crate) async fn run<C: Connection>(&self, conn: &mut C) -> Result<RepeatableStep, Error> {
        let script = self.repeatable.script();
        let set_local = set_local(&self.timeouts, self.search_path);
        let guard = format!("SELECT pg_advisory_xact_lock({}); ", self.table.guard_key());
        let query = TransactionSql::new(
            script,
            &guard,
            &set_local,
            &record_sql(self.table, self.repeatable),
        );
        let started = Instant::now();
        let error = match conn.query(&query.sql).await {
            Ok(_) => {
                let duration = started.elapsed();
                tracing::info!(
                    name = self.repeatable.name(),
                    elapsed_ms = duration.as_millis() as u64,
                    "applied repeatable migration {}",
                    script.path()
                );
                return Ok(RepeatableStep {
                    name: self.repeatable.name().to_owned(),
                    path: script.path().to_owned(),
                    duration,
                });
            }
            Err(error) => error,
        };
        let Some(db) = statement_error(&error) else {
            return Err(Error::db(
                "run the repeatable migration (the connection failed)",
            )(error));
        };
        conn.query("ROLLBACK")
            .await
            .map_err(Error::db("roll back the failed repeatable migration"))?;
        let failure = match query.locate(db) {
            Located::Body(offset) => {
                failure_in(script, db, Some(offset), statement_at(script, offset), true)
            }
            Located::AfterBody => {
                let mut failure = failure_in(script, db, None, None, false);
                failure.message = format!(
                    "{} (while recording the repeatable migration in {})",
                    failure.message,
                    crate::repeatable::qualified(self.table)
                );
                failure
            }
            Located::Unknown => {
                let (statement, offset) = locate(conn, script, &set_local).await?;
                let exact = offset.is_some();
                let offset = offset.or_else(|| statement.map(|i| script.statements()[i].start()));
                failure_in(script, db, offset, statement, exact)
            }
        };
        let failure = MigrationFailure {
            name: self.repeatable.name().to_owned(),
            direction: Direction::Repeatable,
            ..failure
        };
        tracing::error!(
            name = self.repeatable.name(),
            "repeatable migration {} failed: {failure}",
            script.path()
        );
        Err(Error::Migration(Box::new(failure)))
    }
}
