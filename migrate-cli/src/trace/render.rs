//! A trace as text (a table per migration, for a terminal), JSON (for programs) and Markdown
//! (a pull-request comment).

use std::fmt::Write;
use std::time::Duration;

use super::model::{
    strongest, Hold, Judgement, Lock, MigrationTrace, Observed, StatementTrace, Trace, Verdict,
};

/// `12 ms`, `0.4 ms`, `2.35 s`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// The strongest mode on each relation (the JSON lists every mode).
fn locks(locks: &[Lock]) -> String {
    let shown: Vec<String> = strongest(locks).iter().map(ToString::to_string).collect();
    shown.join(", ")
}

/// The scans that read rows (an index build on a new, empty table scans it too: the JSON keeps
/// those).
fn scans(statement: &StatementTrace) -> String {
    let shown: Vec<String> = statement
        .scans
        .iter()
        .filter(|s| s.rows > 0)
        .map(|s| format!("{} ({} rows)", s.table, s.rows))
        .collect();
    shown.join(", ")
}

fn held_until_commit(statement: &StatementTrace) -> &'static str {
    match (statement.observed, statement.locks.is_empty()) {
        (Observed::TooShort, _) => "not observed (too short)",
        (_, true) => "",
        (Observed::InTransaction, false) => "yes",
        (Observed::Polled, false) => "no (statement only)",
    }
}

/// How the migration ran, for its heading.
fn mode(m: &MigrationTrace) -> &'static str {
    if m.transactional {
        "one transaction"
    } else {
        "no transaction: locks polled while each statement ran"
    }
}

fn hold_line(m: &MigrationTrace, hold: &Hold) -> String {
    let line = m.statements[hold.statement].line;
    let until = if m.transactional {
        "to the commit"
    } else {
        "for that statement"
    };
    format!(
        "{} {} for {} ({} from line {line} {until})",
        hold.table,
        hold.blocks,
        duration(hold.held),
        hold.mode
    )
}

/// The budget's verdict, when a budget was given: met or not, and the sentence that says so
/// (naming each hold over it).
pub fn budget_verdict(trace: &Trace) -> Option<(bool, String)> {
    let budget = trace.budget?;
    let over = trace.over_budget();
    if over.is_empty() {
        return Some((
            true,
            format!(
                "lock-hold budget {}: met (no blocking lock on a pre-existing table held longer)",
                duration(budget)
            ),
        ));
    }
    let shown: Vec<String> = over
        .iter()
        .map(|(m, h)| format!("{}: {}", m.path, hold_line(m, h)))
        .collect();
    Some((
        false,
        format!(
            "lock-hold budget {}: exceeded by {} hold(s):\n  {}",
            duration(budget),
            over.len(),
            shown.join("\n  ")
        ),
    ))
}

/// The judgement's figures, then one line per contradicted finding and per miss.
fn judgement_lines(j: &Judgement) -> (String, Vec<String>) {
    let summary = format!(
        "the checker's lock findings against this trace: {} confirmed, {} contradicted, {} not \
         judged; {} miss(es)",
        j.count(Verdict::Confirmed),
        j.count(Verdict::Contradicted),
        j.count(Verdict::NotJudged),
        j.misses.len()
    );
    let contradicted = j
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::Contradicted)
        .map(|f| {
            format!(
                "contradicted: {} {} (no blocking lock on a pre-existing table held through a \
                 scan or rewrite there)",
                f.location, f.rule
            )
        });
    let misses = j.misses.iter().map(|m| {
        format!(
            "miss: {} `{}` (a scan or rewrite under a blocking lock, no lock finding)",
            m.location, m.sql
        )
    });
    (summary, contradicted.chain(misses).collect())
}

/// The columns of a statement row: line, statement, locks taken, held until commit, rewrite,
/// scans, time.
fn cells(statement: &StatementTrace) -> [String; 7] {
    [
        statement.line.to_string(),
        statement.sql.clone(),
        locks(&statement.locks),
        held_until_commit(statement).to_owned(),
        statement.rewrites.join(", "),
        scans(statement),
        duration(statement.duration),
    ]
}

const HEADERS: [&str; 7] = [
    "line",
    "statement",
    "locks taken",
    "held until commit",
    "rewrite",
    "seq scans",
    "time",
];

/// Text for a terminal: a table per migration, its blocking holds, and the budget's verdict.
pub fn text(trace: &Trace) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Trace of {} ({} migration(s), {} rows in each empty table before each file)",
        trace.folder,
        trace.migrations.len(),
        trace.rows
    );
    for m in &trace.migrations {
        let _ = writeln!(
            out,
            "\n{} ({}, {})",
            m.path,
            mode(m),
            duration(m.duration())
        );
        let mut rows: Vec<[String; 7]> = vec![HEADERS.map(String::from)];
        rows.extend(m.statements.iter().map(cells));
        if m.transactional {
            let mut commit: [String; 7] = Default::default();
            commit[1] = "COMMIT".to_owned();
            commit[6] = duration(m.commit);
            rows.push(commit);
        }
        let widths: Vec<usize> = (0..7)
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        }
        if m.transactional && !m.held_at_commit.is_empty() {
            let _ = writeln!(out, "  held at commit: {}", locks(&m.held_at_commit));
        }
        for hold in &m.holds {
            let _ = writeln!(out, "  {}", hold_line(m, hold));
        }
    }
    if !trace.unfilled.is_empty() {
        let _ = writeln!(out, "\nTables left empty (their rows were refused):");
        for why in &trace.unfilled {
            let _ = writeln!(out, "  {why}");
        }
    }
    if let Some(j) = &trace.judgement {
        let (summary, lines) = judgement_lines(j);
        let _ = writeln!(out, "\n{}", capitalized(&summary));
        for line in lines {
            let _ = writeln!(out, "  {line}");
        }
    }
    if let Some((_, verdict)) = budget_verdict(trace) {
        let _ = writeln!(out, "\n{verdict}");
    }
    out
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// JSON: the whole trace, durations in milliseconds.
pub fn json(trace: &Trace) -> String {
    serde_json::to_string_pretty(trace).expect("a trace serializes") + "\n"
}

/// A Markdown table cell: on one line, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Markdown for a pull-request comment: the verdict first, then a table per migration.
pub fn markdown(trace: &Trace) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### `migrate trace`: {} migration(s), {} rows per table\n",
        trace.migrations.len(),
        trace.rows
    );
    if let Some(failure) = &trace.failure {
        let (first, help) = failure.split_once("\n").unwrap_or((failure, ""));
        let _ = writeln!(out, "❌ **A migration failed**: {}\n", cell(first));
        if !help.is_empty() {
            let _ = writeln!(out, "{}\n", cell(help.trim().trim_start_matches("= ")));
        }
    }
    if let Some((met, verdict)) = budget_verdict(trace) {
        let mark = if met { "✅" } else { "❌" };
        let (first, rest) = verdict.split_once(":\n").unwrap_or((&verdict, ""));
        let _ = writeln!(out, "{mark} **{}**", cell(first));
        for line in rest.lines() {
            let _ = writeln!(out, "- {}", line.trim());
        }
        out.push('\n');
    }
    for m in &trace.migrations {
        let _ = writeln!(
            out,
            "#### `{}` ({}, {})\n",
            m.path,
            mode(m),
            duration(m.duration())
        );
        let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
        let _ = writeln!(out, "|---:|---|---|---|---|---|---:|");
        for s in &m.statements {
            let [line, sql, taken, held, rewrite, scanned, time] = cells(s);
            let sql = format!("`{}`", sql.replace('`', "'"));
            let row = [line, sql, taken, held, rewrite, scanned, time].map(|c| cell(&c));
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        if m.transactional {
            let _ = writeln!(out, "| | `COMMIT` | | | | | {} |", duration(m.commit));
        }
        if m.holds.is_empty() {
            let _ = writeln!(out, "\nNo blocking lock on a pre-existing table.\n");
        } else {
            out.push('\n');
            for hold in &m.holds {
                let _ = writeln!(out, "- ⚠️ {}", cell(&hold_line(m, hold)));
            }
            out.push('\n');
        }
    }
    if let Some(j) = &trace.judgement {
        let (summary, lines) = judgement_lines(j);
        let _ = writeln!(out, "**{}**\n", cell(&capitalized(&summary)));
        for line in lines {
            let _ = writeln!(out, "- {}", cell(&line));
        }
        if !j.findings.is_empty() || !j.misses.is_empty() {
            out.push('\n');
        }
    }
    if !trace.unfilled.is_empty() {
        let _ = writeln!(out, "<details><summary>Tables left empty</summary>\n");
        for why in &trace.unfilled {
            let _ = writeln!(out, "- {}", cell(why));
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::model::holds;
    use super::super::model::tests::{lock, statement};
    use super::*;
    use migrate_lint::locks::Level;

    fn trace(budget: Option<Duration>) -> Trace {
        let mut statements = vec![
            statement(2, vec![lock("public.users", Level::AccessExclusive)]),
            statement(1500, vec![lock("public.users", Level::RowExclusive)]),
        ];
        statements[1].line = 3;
        statements[1].sql = "UPDATE users SET a = 1 | 2".to_owned();
        let pre = ["public.users".to_owned()];
        let commit = Duration::from_millis(1);
        Trace {
            folder: "migrations".into(),
            rows: 10_000,
            unfilled: vec!["public.odd: no value".into()],
            migrations: vec![MigrationTrace {
                version: "2".into(),
                path: "migrations/002_backfill.sql".into(),
                transactional: true,
                holds: holds(&statements, commit, true, &pre),
                held_at_commit: vec![lock("public.users", Level::AccessExclusive)],
                statements,
                commit,
            }],
            budget,
            failure: None,
            judgement: None,
        }
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Duration::from_micros(400)), "0.4 ms");
        assert_eq!(duration(Duration::from_millis(312)), "312 ms");
        assert_eq!(duration(Duration::from_millis(2346)), "2.35 s");
    }

    #[test]
    fn text_has_a_table_per_migration_and_the_holds() {
        let text = text(&trace(Some(Duration::from_secs(1))));
        assert!(
            text.contains("migrations/002_backfill.sql (one transaction, 1.50 s)"),
            "{text}"
        );
        assert!(text.contains("  line  statement"), "{text}");
        assert!(
            text.contains("held at commit: ACCESS EXCLUSIVE public.users"),
            "{text}"
        );
        assert!(
            text.contains(
                "public.users blocks reads for 1.50 s (ACCESS EXCLUSIVE from line 1 to the commit)"
            ),
            "{text}"
        );
        assert!(
            text.contains("lock-hold budget 1.00 s: exceeded by 1 hold(s)"),
            "{text}"
        );
        assert!(text.contains("public.odd: no value"), "{text}");
    }

    #[test]
    fn markdown_is_a_table_with_the_verdict_first() {
        let md = markdown(&trace(Some(Duration::from_secs(2))));
        let lines: Vec<&str> = md.lines().collect();
        assert!(
            lines[2].starts_with("✅ **lock-hold budget 2.00 s: met"),
            "{md}"
        );
        assert!(md.contains(
            "| line | statement | locks taken | held until commit | rewrite | seq scans | time |"
        ));
        assert!(
            md.contains(
                "| 3 | `UPDATE users SET a = 1 \\| 2` | ROW EXCLUSIVE public.users | yes |"
            ),
            "{md}"
        );
        assert!(
            md.contains("- ⚠️ public.users blocks reads for 1.50 s"),
            "{md}"
        );
        let over = markdown(&trace(Some(Duration::from_secs(1))));
        assert!(
            over.contains("❌ **lock-hold budget 1.00 s: exceeded by 1 hold(s)**"),
            "{over}"
        );
    }

    #[test]
    fn a_statement_too_short_to_observe_says_so_and_empty_scans_are_not_shown() {
        let mut s = statement(1, Vec::new());
        s.observed = Observed::TooShort;
        s.scans = vec![super::super::model::Scan {
            table: "public.new".into(),
            scans: 1,
            rows: 0,
        }];
        let [_, _, _, held, _, scanned, _] = cells(&s);
        assert_eq!(held, "not observed (too short)");
        assert_eq!(scanned, "");
    }

    #[test]
    fn json_has_durations_in_milliseconds() {
        let value: serde_json::Value = serde_json::from_str(&json(&trace(None))).unwrap();
        let m = &value["migrations"][0];
        assert_eq!(m["statements"][1]["duration"], 1500.0);
        assert_eq!(m["holds"][0]["blocks"], "reads");
        assert_eq!(m["holds"][0]["mode"], "ACCESS EXCLUSIVE");
        assert!(value["budget"].is_null());
    }
}
