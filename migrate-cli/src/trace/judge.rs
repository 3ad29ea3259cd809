//! The trace as the judge of the checker's lock rules, as `scripts/oracle` judges its
//! idempotency rules: each lock finding is set beside what the server did at that statement.
//!
//! A lock rule claims one of two things ([`Claim`]): that the statement holds a lock that blocks
//! the application on a table that existed before the file (`DROP INDEX`, `DETACH PARTITION`),
//! or that it holds such a lock while work that grows with the table runs (a scan, a rewrite:
//! an index build, a `VALIDATE`, a type change). So a finding is
//!
//! - **confirmed** when the trace saw, at its statement, what the rule claims: a lock that
//!   blocks reads or writes of a pre-existing table held (taken by the statement or, in a
//!   transaction, earlier), and for a work claim a scan or rewrite of a pre-existing relation by
//!   the statement;
//! - **contradicted** when it did not;
//! - **not judged** when the statement's locks were not seen (a no-transaction statement shorter
//!   than a read of `pg_locks`).
//!
//! A statement where the trace saw a scan or rewrite under such a lock, and the checker
//! reported no lock finding, is a **miss**. Pure: the trace and the findings in, the verdicts
//! out.

use std::ops::Range;

use migrate_lint::Diagnostic;

use super::model::{JudgedFinding, Judgement, MigrationTrace, Miss, Observed, Trace, Verdict};

/// What a lock rule claims about its statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    /// A lock that blocks the application's reads or writes of a pre-existing table.
    Lock,
    /// That lock, held while the statement scans or rewrites a pre-existing relation.
    LongWork,
}

/// Each rule of the lock hazards family, with its claim. `not-null-without-default` is about
/// failing on rows, but PostgreSQL scans the table under the lock for the nulls it then finds.
const CLAIMS: &[(&str, Claim)] = &[
    ("attach-partition-without-check", Claim::LongWork),
    ("column-type-change", Claim::LongWork),
    ("constraint-without-not-valid", Claim::LongWork),
    ("detach-partition-without-concurrently", Claim::Lock),
    ("exclusion-constraint", Claim::LongWork),
    // `CREATE INDEX` and `REINDEX` also scan, `DROP INDEX` takes its lock only.
    ("index-without-concurrently", Claim::Lock),
    ("long-work-under-lock", Claim::LongWork),
    ("not-null-without-default", Claim::LongWork),
    ("refresh-without-concurrently", Claim::LongWork),
    ("set-not-null", Claim::LongWork),
    ("table-rewrite", Claim::LongWork),
    ("unique-without-index", Claim::LongWork),
    ("volatile-default", Claim::LongWork),
];

/// The claim of `rule`, when it is a lock rule.
fn claim(rule: &str) -> Option<Claim> {
    CLAIMS
        .iter()
        .find(|(name, _)| *name == rule)
        .map(|(_, claim)| *claim)
}

/// Judges the checker's `findings` (any family: only lock hazards are judged) on the files
/// `trace` traced.
pub fn judge(trace: &Trace, findings: &[Diagnostic]) -> Judgement {
    let mut judgement = Judgement::default();
    for m in &trace.migrations {
        let of_file: Vec<(&Diagnostic, Claim, usize)> = findings
            .iter()
            .filter(|d| d.path == m.path)
            .filter_map(|d| Some((d, claim(d.rule)?, d.position?.line)))
            .collect();
        for (i, statement) in m.statements.iter().enumerate() {
            let lines = lines(m, i);
            let here: Vec<(&Diagnostic, Claim)> = of_file
                .iter()
                .filter(|(_, _, line)| lines.contains(line))
                .map(|(d, claim, _)| (*d, *claim))
                .collect();
            let seen = statement.observed != Observed::TooShort;
            let locked = seen && blocking_lock_held(m, i);
            let worked = locked && statement.long_work;
            for (d, claim) in &here {
                let shown = match claim {
                    Claim::Lock => locked,
                    Claim::LongWork => worked,
                };
                judgement.findings.push(JudgedFinding {
                    location: d.location(),
                    rule: d.rule,
                    verdict: match (seen, shown) {
                        (false, _) => Verdict::NotJudged,
                        (true, true) => Verdict::Confirmed,
                        (true, false) => Verdict::Contradicted,
                    },
                });
            }
            if worked && here.is_empty() {
                judgement.misses.push(Miss {
                    location: format!("{}:{}", m.path, statement.line),
                    sql: statement.sql.clone(),
                });
            }
        }
    }
    judgement
}

/// The lines of statement `i` of `m`: from its first line to the next statement's.
fn lines(m: &MigrationTrace, i: usize) -> Range<usize> {
    let end = m.statements.get(i + 1).map_or(usize::MAX, |s| s.line);
    m.statements[i].line..end.max(m.statements[i].line + 1)
}

/// Whether a lock that blocks the application was held on a pre-existing table while statement
/// `i` of `m` ran: taken by it, or earlier in the same transaction.
fn blocking_lock_held(m: &MigrationTrace, i: usize) -> bool {
    m.holds.iter().any(|h| {
        if m.transactional {
            h.statement <= i
        } else {
            h.statement == i
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::model::holds;
    use super::super::model::tests::{lock, statement};
    use super::*;
    use migrate_lint::locks::Level;
    use migrate_lint::Position;

    fn finding(rule: &'static str, line: usize) -> Diagnostic {
        Diagnostic {
            rule,
            severity: migrate_lint::Severity::Warning,
            path: "m/002_x.sql".into(),
            position: Some(Position { line, column: 1 }),
            message: String::new(),
            source_line: None,
            help: String::new(),
            fix: None,
        }
    }

    /// `ALTER TABLE users ...` (ACCESS EXCLUSIVE, no work) at line 1, then a statement at
    /// line 3 that scans `users` (`long_work`) under it, then one at line 5 that does nothing.
    fn migration(transactional: bool) -> Trace {
        let mut statements = vec![
            statement(1, vec![lock("public.users", Level::AccessExclusive)]),
            statement(5, vec![lock("public.users", Level::RowExclusive)]),
            statement(1, vec![]),
        ];
        for (s, line) in statements.iter_mut().zip([1, 3, 5]) {
            s.line = line;
        }
        statements[1].long_work = true;
        let pre = ["public.users".to_owned()];
        Trace {
            folder: "m".into(),
            rows: 10,
            unfilled: Vec::new(),
            migrations: vec![MigrationTrace {
                version: "2".into(),
                path: "m/002_x.sql".into(),
                transactional,
                holds: holds(&statements, Duration::ZERO, transactional, &pre),
                held_at_commit: Vec::new(),
                statements,
                commit: Duration::ZERO,
            }],
            budget: None,
            failure: None,
            judgement: None,
        }
    }

    #[test]
    fn every_lock_rule_has_its_claim_and_nothing_else_is_judged() {
        let mut lock_rules: Vec<&str> = migrate_lint::rules::all()
            .iter()
            .filter(|r| r.family == migrate_lint::Family::LockHazards)
            .map(|r| r.name)
            .collect();
        lock_rules.sort_unstable();
        let claimed: Vec<&str> = CLAIMS.iter().map(|(name, _)| *name).collect();
        assert_eq!(claimed, lock_rules, "CLAIMS lists each lock rule, by name");
    }

    #[test]
    fn a_lock_claim_needs_the_lock_only() {
        let j = judge(
            &migration(true),
            &[finding("index-without-concurrently", 1)],
        );
        assert_eq!(j.findings[0].verdict, Verdict::Confirmed);
        let j = judge(&migration(true), &[finding("missing-if-not-exists", 1)]);
        assert!(j.findings.is_empty(), "not a lock rule");
    }

    #[test]
    fn a_lock_finding_on_long_work_under_an_earlier_lock_is_confirmed() {
        let j = judge(
            &migration(true),
            &[
                finding("long-work-under-lock", 4),
                finding("missing-if-not-exists", 3),
            ],
        );
        assert_eq!(j.findings.len(), 1, "only lock rules are judged");
        assert_eq!(j.findings[0].verdict, Verdict::Confirmed);
        assert_eq!(j.findings[0].location, "m/002_x.sql:4:1");
        assert!(j.misses.is_empty());
    }

    #[test]
    fn a_lock_finding_where_no_long_work_ran_is_contradicted() {
        let j = judge(
            &migration(true),
            &[
                finding("table-rewrite", 1),
                finding("long-work-under-lock", 3),
            ],
        );
        let verdicts: Vec<Verdict> = j.findings.iter().map(|f| f.verdict).collect();
        assert_eq!(verdicts, [Verdict::Contradicted, Verdict::Confirmed]);
    }

    #[test]
    fn long_work_under_a_blocking_lock_without_a_finding_is_a_miss() {
        let j = judge(&migration(true), &[]);
        assert_eq!(j.misses.len(), 1);
        assert_eq!(j.misses[0].location, "m/002_x.sql:3");
    }

    #[test]
    fn without_a_transaction_an_earlier_statements_lock_is_gone() {
        let j = judge(&migration(false), &[finding("long-work-under-lock", 3)]);
        assert_eq!(j.findings[0].verdict, Verdict::Contradicted);
        assert!(j.misses.is_empty());
    }

    #[test]
    fn a_statement_too_short_to_observe_is_not_judged() {
        let mut trace = migration(false);
        trace.migrations[0].statements[1].observed = Observed::TooShort;
        let j = judge(&trace, &[finding("index-without-concurrently", 3)]);
        assert_eq!(j.findings[0].verdict, Verdict::NotJudged);
    }
}
