//! What a trace found, and the decisions made from it without a database: which lock modes
//! block the application, how long each pre-existing table was blocked, whether the budget holds.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use migrate_lint::locks::Level;
use serde::Serialize;

/// What a lock stops the application from doing. Blocking reads also blocks writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocks {
    /// `INSERT`, `UPDATE`, `DELETE` wait (a `SHARE` lock or stronger).
    Writes,
    /// Even `SELECT` waits (`ACCESS EXCLUSIVE`).
    Reads,
}

impl Blocks {
    /// What a lock of this level blocks, if anything (the checker's lock model says which
    /// levels block reads and writes).
    pub fn of(level: Level) -> Option<Blocks> {
        if level.blocks_reads() {
            Some(Blocks::Reads)
        } else if level.blocks_writes() {
            Some(Blocks::Writes)
        } else {
            None
        }
    }
}

impl fmt::Display for Blocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Writes => "blocks writes",
            Self::Reads => "blocks reads",
        })
    }
}

/// A lock on a relation, as `pg_locks` showed it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Lock {
    /// `schema.name` of the relation (`oid N` when it no longer exists).
    pub relation: String,
    /// The mode.
    #[serde(serialize_with = "level_name")]
    pub mode: Level,
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.mode, self.relation)
    }
}

/// How a statement's locks were seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// Read from `pg_locks` after the statement, its transaction still open: every lock it
    /// took, held until the migration commits.
    InTransaction,
    /// No-transaction file: `pg_locks` polled while the statement ran (a lock held for less
    /// than a read of `pg_locks` can be missed); released when the statement ends.
    Polled,
    /// No-transaction file, but the statement ended before a read of `pg_locks` did: its
    /// locks are unknown (and were held for less than that read).
    TooShort,
}

/// Sequential scans of a table by one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// `schema.name`.
    pub table: String,
    /// How many sequential scans.
    pub scans: i64,
    /// Rows they read.
    pub rows: i64,
}

/// One statement of a traced migration.
#[derive(Debug, Clone, Serialize)]
pub struct StatementTrace {
    /// 1-based line of the statement in its file.
    pub line: usize,
    /// The statement's text, on one line, shortened.
    pub sql: String,
    /// How the locks were seen.
    pub observed: Observed,
    /// The locks the statement took (in a transaction: those not held before it), strongest
    /// first per relation.
    pub locks: Vec<Lock>,
    /// Relations whose `relfilenode` changed: rewritten (a table, an index).
    pub rewrites: Vec<String>,
    /// Tables the statement read sequentially.
    pub scans: Vec<Scan>,
    /// Whether it scanned a table or rewrote a relation that existed before its file: work that
    /// lasts as long as that table is large (see [`long_work`]).
    pub long_work: bool,
    /// How long it ran.
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
}

/// How long a lock that blocks the application was held on a pre-existing table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hold {
    /// `schema.name`.
    pub table: String,
    /// What it blocked.
    pub blocks: Blocks,
    /// The strongest mode held in that time.
    #[serde(serialize_with = "level_name")]
    pub mode: Level,
    /// Index (0-based) of the statement that took it.
    pub statement: usize,
    /// From the start of that statement to the commit (no-transaction file: to its end).
    #[serde(serialize_with = "millis")]
    pub held: Duration,
}

/// One traced migration file.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationTrace {
    /// The version, as its file name writes it.
    pub version: String,
    /// The file's path.
    pub path: String,
    /// Whether it ran in one transaction (otherwise statement by statement).
    pub transactional: bool,
    /// The statements, in order.
    pub statements: Vec<StatementTrace>,
    /// The locks held when the transaction committed (empty for a no-transaction file).
    pub held_at_commit: Vec<Lock>,
    /// How long the `COMMIT` took (zero for a no-transaction file).
    #[serde(serialize_with = "millis")]
    pub commit: Duration,
    /// The blocking holds on pre-existing tables, longest first.
    pub holds: Vec<Hold>,
}

impl MigrationTrace {
    /// The whole migration's run time.
    pub fn duration(&self) -> Duration {
        self.statements.iter().map(|s| s.duration).sum::<Duration>() + self.commit
    }
}

/// A trace of a folder.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// The folder.
    pub folder: String,
    /// Rows put in each empty table before each file.
    pub rows: u64,
    /// Tables that could not be filled, and why.
    pub unfilled: Vec<String>,
    /// The migrations, in order.
    pub migrations: Vec<MigrationTrace>,
    /// The lock-hold budget, when one was given.
    #[serde(serialize_with = "optional_millis")]
    pub budget: Option<Duration>,
    /// Why the trace stopped before the end (a migration failed), when it did.
    pub failure: Option<String>,
    /// With `--judge`: the checker's lock findings against this trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judgement: Option<Judgement>,
}

/// The trace's verdict on one lock finding of the checker (see `judge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The server held a blocking lock on a pre-existing table through long work there.
    Confirmed,
    /// It did not (no such lock, or no scan or rewrite of a pre-existing relation).
    Contradicted,
    /// The statement's locks were not observed.
    NotJudged,
}

/// A lock finding of the checker, judged.
#[derive(Debug, Clone, Serialize)]
pub struct JudgedFinding {
    /// `file:line:col`.
    pub location: String,
    /// The rule.
    pub rule: &'static str,
    /// The trace's verdict.
    pub verdict: Verdict,
}

/// Long work under a blocking lock that no lock finding reported.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// `file:line`.
    pub location: String,
    /// The statement, on one line.
    pub sql: String,
}

/// The checker's lock findings against a trace.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Judgement {
    /// Every lock finding on a traced file, in order.
    pub findings: Vec<JudgedFinding>,
    /// The statements where the trace saw what no finding reported.
    pub misses: Vec<Miss>,
}

impl Judgement {
    /// How many findings got `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == verdict)
            .count()
    }
}

impl Trace {
    /// The holds longer than the budget, with their migration (none without a budget).
    pub fn over_budget(&self) -> Vec<(&MigrationTrace, &Hold)> {
        let Some(budget) = self.budget else {
            return Vec::new();
        };
        self.migrations
            .iter()
            .flat_map(|m| m.holds.iter().map(move |h| (m, h)))
            .filter(|(_, h)| h.held > budget)
            .collect()
    }
}

/// A lock level as SQL names it: `"ACCESS EXCLUSIVE"`.
fn level_name<S: serde::Serializer>(level: &Level, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(level.name())
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

fn optional_millis<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => millis(d, s),
        None => s.serialize_none(),
    }
}

/// The blocking holds on the pre-existing tables `pre_existing` of one migration whose
/// statements are `statements`, longest first. In a transaction a lock is held from the start
/// of the statement that took it until the end of the `COMMIT` (`commit` long); in a
/// no-transaction file, for the statement alone. A hold that blocks reads blocks writes too; a
/// table blocked for writes first and for reads later has one hold of each kind.
pub fn holds(
    statements: &[StatementTrace],
    commit: Duration,
    transactional: bool,
    pre_existing: &[String],
) -> Vec<Hold> {
    // (table, blocks) -> the hold so far
    let mut found: BTreeMap<(String, Blocks), Hold> = BTreeMap::new();
    for (i, statement) in statements.iter().enumerate() {
        let until_end: Duration = if transactional {
            statements[i..].iter().map(|s| s.duration).sum::<Duration>() + commit
        } else {
            statement.duration
        };
        for lock in &statement.locks {
            if !pre_existing.contains(&lock.relation) {
                continue;
            }
            let Some(blocks) = Blocks::of(lock.mode) else {
                continue;
            };
            let hold = Hold {
                table: lock.relation.clone(),
                blocks,
                mode: lock.mode,
                statement: i,
                held: until_end,
            };
            let started = |kind| found.get(&(lock.relation.clone(), kind));
            let already = match (transactional, blocks) {
                // Reads blocked means writes blocked: a write hold starts only if none is on.
                (true, Blocks::Writes) => {
                    started(Blocks::Writes).is_some() || started(Blocks::Reads).is_some()
                }
                (true, Blocks::Reads) => started(Blocks::Reads).is_some(),
                // Each no-transaction statement holds its own lock: keep the longest.
                (false, _) => started(blocks).is_some_and(|h| h.held >= hold.held),
            };
            if !already {
                found.insert((lock.relation.clone(), blocks), hold);
            }
        }
    }
    let mut holds: Vec<Hold> = found.into_values().collect();
    // A read hold from the same statement or earlier, as long, says it all.
    let reads: Vec<Hold> = holds
        .iter()
        .filter(|h| h.blocks == Blocks::Reads)
        .cloned()
        .collect();
    holds.retain(|w| {
        w.blocks == Blocks::Reads
            || !reads
                .iter()
                .any(|r| r.table == w.table && r.statement <= w.statement && r.held >= w.held)
    });
    holds.sort_by(|a, b| b.held.cmp(&a.held).then(b.blocks.cmp(&a.blocks)));
    holds
}

/// Whether a statement that scanned `scans` and rewrote `rewrites` worked on what existed before
/// its file (`pre_existing`: the names now of every relation that existed then, tables and
/// indexes): a scan of a table the file created costs nothing on a database with data.
pub fn long_work(scans: &[Scan], rewrites: &[String], pre_existing: &[String]) -> bool {
    scans.iter().any(|s| pre_existing.contains(&s.table))
        || rewrites.iter().any(|r| pre_existing.contains(r))
}

/// The locks in `after` that are new compared with `before`: a relation locked for the first
/// time, or in a mode it was not held in. Sorted by relation, strongest mode first.
pub fn new_locks(before: &[Lock], after: &[Lock]) -> Vec<Lock> {
    let mut new: Vec<Lock> = after
        .iter()
        .filter(|l| !before.contains(l))
        .cloned()
        .collect();
    new.sort_by(|a, b| a.relation.cmp(&b.relation).then(b.mode.cmp(&a.mode)));
    new.dedup();
    new
}

/// The strongest mode per relation, as `locks` lists them (sorted by relation).
pub fn strongest(locks: &[Lock]) -> Vec<Lock> {
    let mut by_relation: BTreeMap<&str, Level> = BTreeMap::new();
    for lock in locks {
        let mode = by_relation.entry(&lock.relation).or_insert(lock.mode);
        *mode = (*mode).max(lock.mode);
    }
    by_relation
        .into_iter()
        .map(|(relation, mode)| Lock {
            relation: relation.to_owned(),
            mode,
        })
        .collect()
}

/// A statement's text on one line, at most `width` characters (`…` when cut).
pub fn one_line(sql: &str, width: usize) -> String {
    let joined = sql
        .lines()
        .map(|l| without_comment(l).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if joined.chars().count() <= width {
        joined
    } else {
        let cut: String = joined.chars().take(width.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// A line without its `--` comment; a `--` inside a string or quoted name is not one.
fn without_comment(line: &str) -> &str {
    let mut quote = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '-') if chars.peek().is_some_and(|(_, next)| *next == '-') => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn lock(relation: &str, mode: Level) -> Lock {
        Lock {
            relation: relation.to_owned(),
            mode,
        }
    }

    pub(crate) fn statement(ms: u64, locks: Vec<Lock>) -> StatementTrace {
        StatementTrace {
            line: 1,
            sql: "SELECT 1".to_owned(),
            observed: Observed::InTransaction,
            locks,
            rewrites: Vec::new(),
            scans: Vec::new(),
            long_work: false,
            duration: Duration::from_millis(ms),
        }
    }

    #[test]
    fn only_share_and_stronger_block_writes_and_only_access_exclusive_blocks_reads() {
        let blocking: Vec<_> = [
            "AccessShareLock",
            "RowShareLock",
            "RowExclusiveLock",
            "ShareUpdateExclusiveLock",
            "ShareLock",
            "ShareRowExclusiveLock",
            "ExclusiveLock",
            "AccessExclusiveLock",
        ]
        .iter()
        .map(|m| Blocks::of(Level::from_mode(m).unwrap()))
        .collect();
        use Blocks::*;
        assert_eq!(
            blocking,
            [
                None,
                None,
                None,
                None,
                Some(Writes),
                Some(Writes),
                Some(Writes),
                Some(Reads)
            ]
        );
        assert_eq!(Level::from_mode("SIReadLock"), None);
    }

    #[test]
    fn a_lock_taken_in_a_transaction_is_held_from_its_statement_to_the_commit() {
        let statements = [
            statement(5, vec![lock("public.users", Level::AccessExclusive)]),
            statement(300, vec![lock("public.users", Level::RowExclusive)]),
            statement(7, vec![lock("public.new", Level::AccessExclusive)]),
        ];
        let pre = ["public.users".to_owned()];
        let holds = holds(&statements, Duration::from_millis(3), true, &pre);
        assert_eq!(
            holds,
            [Hold {
                table: "public.users".into(),
                blocks: Blocks::Reads,
                mode: Level::AccessExclusive,
                statement: 0,
                held: Duration::from_millis(315),
            }]
        );
    }

    #[test]
    fn writes_blocked_first_and_reads_later_are_two_holds() {
        let statements = [
            statement(10, vec![lock("public.t", Level::Share)]),
            statement(20, vec![lock("public.t", Level::AccessExclusive)]),
        ];
        let holds = holds(&statements, Duration::ZERO, true, &["public.t".to_owned()]);
        let got: Vec<_> = holds
            .iter()
            .map(|h| (h.blocks, h.statement, h.held.as_millis(), h.mode))
            .collect();
        assert_eq!(
            got,
            [
                (Blocks::Writes, 0, 30, Level::Share),
                (Blocks::Reads, 1, 20, Level::AccessExclusive)
            ]
        );
    }

    #[test]
    fn no_transaction_statements_hold_their_locks_alone_and_non_blocking_modes_do_not_count() {
        let statements = [
            statement(900, vec![lock("public.t", Level::ShareUpdateExclusive)]),
            statement(40, vec![lock("public.t", Level::AccessExclusive)]),
            statement(
                60,
                vec![
                    lock("public.t", Level::AccessExclusive),
                    lock("public.t", Level::Share),
                ],
            ),
        ];
        let holds = holds(&statements, Duration::ZERO, false, &["public.t".to_owned()]);
        assert_eq!(holds.len(), 1);
        assert_eq!((holds[0].statement, holds[0].held.as_millis()), (2, 60));
    }

    #[test]
    fn the_budget_names_the_holds_longer_than_it() {
        let statements = [statement(
            2500,
            vec![lock("public.t", Level::AccessExclusive)],
        )];
        let pre = ["public.t".to_owned()];
        let migration = MigrationTrace {
            version: "1".into(),
            path: "m/1_a.sql".into(),
            transactional: true,
            holds: holds(&statements, Duration::ZERO, true, &pre),
            statements: statements.to_vec(),
            held_at_commit: Vec::new(),
            commit: Duration::ZERO,
        };
        let mut trace = Trace {
            folder: "m".into(),
            rows: 10,
            unfilled: Vec::new(),
            migrations: vec![migration],
            budget: None,
            failure: None,
            judgement: None,
        };
        assert!(trace.over_budget().is_empty());
        trace.budget = Some(Duration::from_secs(2));
        assert_eq!(trace.over_budget().len(), 1);
        trace.budget = Some(Duration::from_secs(3));
        assert!(trace.over_budget().is_empty());
    }

    #[test]
    fn new_locks_are_those_not_held_before() {
        let before = [lock("public.a", Level::AccessShare)];
        let after = [
            lock("public.a", Level::AccessShare),
            lock("public.a", Level::AccessExclusive),
            lock("public.b", Level::RowExclusive),
        ];
        assert_eq!(
            new_locks(&before, &after),
            [
                lock("public.a", Level::AccessExclusive),
                lock("public.b", Level::RowExclusive)
            ]
        );
    }

    #[test]
    fn the_strongest_mode_per_relation_stands_for_the_others() {
        let locks = [
            lock("public.a", Level::RowExclusive),
            lock("public.a", Level::AccessExclusive),
            lock("public.b", Level::AccessShare),
        ];
        assert_eq!(
            strongest(&locks),
            [
                lock("public.a", Level::AccessExclusive),
                lock("public.b", Level::AccessShare)
            ]
        );
    }

    #[test]
    fn statements_are_shown_on_one_line_without_comments() {
        assert_eq!(
            one_line("-- why\nUPDATE t\n   SET x = 1 -- all\n WHERE y", 80),
            "UPDATE t SET x = 1 WHERE y"
        );
        assert_eq!(one_line("SELECT 123456789", 10), "SELECT 12…");
        assert_eq!(
            one_line("UPDATE t SET a = '--x', \"b--\" = 1 -- why", 80),
            "UPDATE t SET a = '--x', \"b--\" = 1"
        );
    }
}
