//! What the server says about a migration while it runs: the relations and their storage
//! (`pg_class.relfilenode`, read on the migration's own connection, which sees its uncommitted
//! changes), the relation locks of the migration's backend (`pg_locks`, read on a second
//! connection), and the sequential scans (`pg_stat_*_user_tables`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use postgres::Client;

use migrate_lint::locks::Level;

use super::model::{Lock, Scan};

/// A relation's object id.
pub type Oid = u32;

/// A user relation as `pg_class` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// `schema.name`.
    pub name: String,
    /// `pg_class.relkind`: `r` table, `p` partitioned table, `m` materialized view, `i` index...
    pub kind: char,
    /// The storage file; a new one means the relation was rewritten.
    pub filenode: Oid,
}

impl Relation {
    /// Whether rows live in it: a table, partitioned table or materialized view.
    pub fn is_table(&self) -> bool {
        matches!(self.kind, 'r' | 'p' | 'm')
    }
}

/// The user relations of the database (not in `pg_catalog`, `information_schema`, the TOAST and
/// temporary schemas), by object id.
pub type Catalog = BTreeMap<Oid, Relation>;

/// The user relations, as the connection `client` sees them (its own uncommitted changes too).
pub fn catalog(client: &mut Client) -> Result<Catalog, postgres::Error> {
    let rows = client.query(
        "SELECT c.oid, n.nspname || '.' || c.relname, c.relkind::text, c.relfilenode \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let kind: String = r.get(2);
            let relation = Relation {
                name: r.get(1),
                kind: kind.chars().next().unwrap_or('?'),
                filenode: r.get(3),
            };
            (r.get(0), relation)
        })
        .collect())
}

/// The relations whose storage changed between two catalogs: rewritten.
pub fn rewrites(before: &Catalog, after: &Catalog) -> Vec<String> {
    let mut names: Vec<String> = after
        .iter()
        .filter(|(oid, r)| {
            before
                .get(oid)
                .is_some_and(|b| b.filenode != r.filenode && r.filenode != 0)
        })
        .map(|(_, r)| r.name.clone())
        .collect();
    names.sort();
    names
}

/// The query that reads the granted relation locks of a backend.
const LOCKS: &str = "SELECT relation, mode FROM pg_locks \
                     WHERE pid = $1 AND locktype = 'relation' AND granted AND relation IS NOT NULL";

/// The granted relation locks of the backend `pid`, read on `observer` (another connection).
pub fn relation_locks(
    observer: &mut Client,
    pid: i32,
) -> Result<BTreeSet<(Oid, Level)>, postgres::Error> {
    let statement = observer.prepare(LOCKS)?;
    read_locks(observer, &statement, pid)
}

fn read_locks(
    observer: &mut Client,
    statement: &postgres::Statement,
    pid: i32,
) -> Result<BTreeSet<(Oid, Level)>, postgres::Error> {
    Ok(observer
        .query(statement, &[&pid])?
        .iter()
        .filter_map(|r| Some((r.get(0), Level::from_mode(r.get(1))?)))
        .collect())
}

/// What polling `pg_locks` during a statement saw.
#[derive(Debug, Default)]
pub struct Polled {
    /// Every lock seen.
    pub locks: BTreeSet<(Oid, Level)>,
    /// How many reads ended while the statement was running: none means the statement was too
    /// short to be observed.
    pub reads: usize,
}

/// Runs `statement` while a scoped thread reads the relation locks of `pid` on `observer`
/// again and again (one read per round trip, so a lock held for less than that can be missed);
/// returns its result and what the reads saw. The statement starts once the thread is ready.
pub fn polled<T>(
    observer: &mut Client,
    pid: i32,
    statement: impl FnOnce() -> T,
) -> (T, Result<Polled, postgres::Error>) {
    let done = AtomicBool::new(false);
    let done = &done;
    let (ready, started) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let poller = scope.spawn(move || {
            let prepared = observer.prepare(LOCKS);
            let _ = ready.send(());
            let prepared = prepared?;
            let mut polled = Polled::default();
            while !done.load(Ordering::Acquire) {
                polled.locks.extend(read_locks(observer, &prepared, pid)?);
                if !done.load(Ordering::Acquire) {
                    polled.reads += 1;
                }
            }
            Ok(polled)
        });
        let _ = started.recv();
        let result = statement();
        done.store(true, Ordering::Release);
        (
            result,
            poller.join().expect("the lock poller does not panic"),
        )
    })
}

/// The locks of `seen` on relations of one of the catalogs (the newer first), named.
pub fn named(seen: &BTreeSet<(Oid, Level)>, catalogs: [&Catalog; 2]) -> Vec<Lock> {
    let mut locks: Vec<Lock> = seen
        .iter()
        .filter_map(|(oid, mode)| {
            let relation = catalogs.iter().find_map(|c| c.get(oid))?;
            Some(Lock {
                relation: relation.name.clone(),
                mode: *mode,
            })
        })
        .collect();
    locks.sort_by(|a, b| a.relation.cmp(&b.relation).then(b.mode.cmp(&a.mode)));
    locks
}

/// Sequential scans and rows read so far, per table.
pub type ScanCounts = BTreeMap<Oid, (i64, i64)>;

/// Where the scan counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanSource {
    /// `pg_stat_xact_user_tables`: the open transaction's own counts, exact between statements.
    Transaction,
    /// `pg_stat_user_tables` after `pg_stat_force_next_flush()` (PostgreSQL 15 and later): the
    /// counts of statements that ran in autocommit.
    Flushed,
}

/// The scan counts of the connection `client` (see [`ScanSource`]).
pub fn scan_counts(client: &mut Client, source: ScanSource) -> Result<ScanCounts, postgres::Error> {
    let view = match source {
        ScanSource::Transaction => "pg_stat_xact_user_tables",
        ScanSource::Flushed => {
            // The flag makes the backend publish its counts when this query ends.
            client.batch_execute("SELECT pg_stat_force_next_flush()")?;
            "pg_stat_user_tables"
        }
    };
    let rows = client.query(
        &format!("SELECT relid, coalesce(seq_scan, 0), coalesce(seq_tup_read, 0) FROM {view}"),
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect())
}

/// The scans between two counts, named from `catalog`.
pub fn scans(before: &ScanCounts, after: &ScanCounts, catalog: &Catalog) -> Vec<Scan> {
    let mut scans: Vec<Scan> = after
        .iter()
        .filter_map(|(oid, (n, rows))| {
            let (n0, rows0) = before.get(oid).copied().unwrap_or((0, 0));
            let relation = catalog.get(oid)?;
            (n > &n0).then(|| Scan {
                table: relation.name.clone(),
                scans: n - n0,
                rows: rows - rows0,
            })
        })
        .collect();
    scans.sort_by(|a, b| a.table.cmp(&b.table));
    scans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relation(name: &str, filenode: Oid) -> Relation {
        Relation {
            name: name.to_owned(),
            kind: 'r',
            filenode,
        }
    }

    #[test]
    fn a_changed_filenode_is_a_rewrite_and_a_new_relation_is_not() {
        let before = Catalog::from([(1, relation("public.a", 10)), (2, relation("public.b", 20))]);
        let after = Catalog::from([
            (1, relation("public.a", 11)),
            (2, relation("public.b", 20)),
            (3, relation("public.c", 30)),
        ]);
        assert_eq!(rewrites(&before, &after), ["public.a"]);
    }

    #[test]
    fn locks_are_named_from_the_newest_catalog_that_knows_the_relation() {
        let before = Catalog::from([(1, relation("public.dropped", 10))]);
        let after = Catalog::from([(2, relation("public.kept", 20))]);
        let seen = BTreeSet::from([
            (1, Level::AccessExclusive),
            (2, Level::RowExclusive),
            (99, Level::AccessShare),
        ]);
        let locks: Vec<String> = named(&seen, [&after, &before])
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            locks,
            [
                "ACCESS EXCLUSIVE public.dropped",
                "ROW EXCLUSIVE public.kept"
            ]
        );
    }

    #[test]
    fn scans_are_the_growth_of_the_counts() {
        let catalog = Catalog::from([(1, relation("public.a", 10)), (2, relation("public.b", 20))]);
        let before = ScanCounts::from([(1, (1, 100))]);
        let after = ScanCounts::from([(1, (3, 300)), (2, (0, 0))]);
        assert_eq!(
            scans(&before, &after, &catalog),
            [Scan {
                table: "public.a".into(),
                scans: 2,
                rows: 200
            }]
        );
    }
}
