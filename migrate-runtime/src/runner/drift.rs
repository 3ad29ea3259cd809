//! `drift`, the part on the live database: under the migration lock, read the history and the
//! catalog; then (lock released) have the expected schema built from the applied versions and
//! compare. Building the throwaway database is the caller's (`template::drift`), which this
//! module does not import: it gets it as a function of the versions to apply.

use std::future::Future;

use crate::catalog::{self, Scope};
use crate::conn::Connection;
use crate::drift::{self, Drift, Ignore, Snapshot};
use crate::error::Error;
use crate::event::Observer;
use crate::history::{Detail, HistoryRow};
use crate::lock::Locked;
use crate::read::read;
use crate::repair;
use crate::report::Operation;
use migrate_core::Version;

use super::builder::Runner;

/// Drift of the database behind `conn`: `expected` builds the schema of the versions it is
/// given (in that order) and reads its snapshot.
pub(crate) async fn drift<C, F, Fut>(
    conn: &mut C,
    runner: &Runner,
    expected: F,
) -> Result<Drift, Error>
where
    C: Connection,
    F: FnOnce(Vec<Version>) -> Fut,
    Fut: Future<Output = Result<Snapshot, Error>>,
{
    let ignore = runner.ignore()?;
    let mut lock = Locked::acquire(conn, &runner.table, runner.lock_wait, None).await?;
    lock.session_required(Operation::Drift)?;
    let history = read(lock.conn(), &runner.table, Detail::Full).await?;
    let actual = catalog::read(lock.conn(), runner.scope()).await?;
    lock.release().await?;
    let applied = applied_order(history.rows());
    let unknown: Vec<Version> = applied
        .iter()
        .copied()
        .filter(|v| runner.migrations.get(*v).is_none())
        .collect();
    if !unknown.is_empty() {
        return Err(Error::NotEmbedded { versions: unknown });
    }
    let expected = expected(applied.clone()).await?;
    let (compared, differences) = drift::compare(&expected, &actual, &ignore);
    Ok(Drift {
        applied,
        compared,
        differences,
    })
}

/// The successful rows' versions in the order they were applied (then by version).
fn applied_order(rows: &[HistoryRow]) -> Vec<Version> {
    let mut applied: Vec<&HistoryRow> = rows.iter().filter(|r| r.success).collect();
    applied.sort_by(|a, b| (&a.applied_at, a.version).cmp(&(&b.applied_at, b.version)));
    applied.into_iter().map(|r| r.version).collect()
}

impl Runner {
    /// The runs that apply `order` on an empty database: `order` cut where a version is lower
    /// than the one before it, each run a runner over the versions up to its cut (out of order
    /// allowed), which applies that ascending stretch; one run when `order` ascends.
    pub(crate) fn replay(&self, order: &[Version]) -> Vec<Runner> {
        let cuts = (1..order.len()).filter(|&i| order[i] < order[i - 1]);
        cuts.chain([order.len()])
            .map(|end| self.over(&order[..end]))
            .collect()
    }

    /// This runner over the migrations of `versions` only (every one embedded), out of order
    /// allowed. A checkpoint stands for every migration up to its version: only a runner over
    /// the set's first migrations, in order, may use one.
    fn over(&self, versions: &[Version]) -> Runner {
        let prefix = self
            .migrations
            .iter()
            .zip(versions)
            .all(|(m, v)| m.version() == *v);
        let migrations = versions
            .iter()
            .filter_map(|v| self.migrations.get(*v).cloned())
            .collect();
        let migrations = crate::embedded::Migrations::new(migrations)
            .expect("versions of one set are distinct")
            .with_settings(self.migrations.settings().clone());
        Runner {
            migrations,
            only: None,
            observer: Observer::default(),
            ..self.clone()
        }
        .allow_out_of_order(true)
        .checkpoints(self.rules.checkpoints && prefix)
    }

    /// What drift reads: the tenant schema, or the whole database.
    pub(crate) fn scope(&self) -> Scope<'_> {
        match self.tenant() {
            Some(schema) => Scope::Schema(schema),
            None => Scope::Database,
        }
    }

    /// The ignore patterns, with the history table and its repairs' audit table.
    fn ignore(&self) -> Result<Ignore, Error> {
        let patterns = self.drift_ignore.iter().map(String::as_str);
        let ignore = Ignore::new(patterns).map_err(|problem| Error::DriftIgnore { problem })?;
        let schema = self.table.schema();
        Ok(ignore
            .with_name(format!("{schema}.{}", self.table.table()))
            .with_name(format!(
                "{schema}.{}",
                repair::audit_table_name(&self.table)
            )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::{Migration, Migrations, Script};
    use migrate_core::Transaction;

    fn runner() -> Runner {
        let migration = |v: u128| {
            Migration::new(
                Version::new(v),
                format!("m{v}"),
                Script::new(
                    format!("{v}_m{v}.sql"),
                    "SELECT 1;",
                    Transaction::Single,
                    vec![],
                )
                .unwrap(),
                None,
            )
        };
        Migrations::new((1..=4).map(migration).collect())
            .unwrap()
            .runner()
    }

    fn versions(runner: &Runner) -> Vec<u128> {
        runner
            .migrations
            .iter()
            .map(|m| m.version().get())
            .collect()
    }

    #[test]
    fn a_replay_is_one_run_unless_the_history_went_out_of_order() {
        let v = |list: &[u128]| list.iter().map(|n| Version::new(*n)).collect::<Vec<_>>();
        let runs = runner().replay(&v(&[1, 2, 4]));
        assert_eq!(
            runs.iter().map(versions).collect::<Vec<_>>(),
            [vec![1, 2, 4]]
        );
        let runs = runner().replay(&v(&[1, 3, 2, 4]));
        assert_eq!(
            runs.iter().map(versions).collect::<Vec<_>>(),
            [vec![1, 3], vec![1, 2, 3, 4]]
        );
        let runs = runner().replay(&v(&[4, 1, 3, 2]));
        assert_eq!(
            runs.iter().map(versions).collect::<Vec<_>>(),
            [vec![4], vec![1, 3, 4], vec![1, 2, 3, 4]]
        );
        assert_eq!(runner().replay(&[]).iter().map(versions).count(), 1);
    }
}
