//! `--format markdown`: the findings as a pull-request comment: a heading with the counts, then
//! one table row per finding (where, the rule, what is wrong and what to write instead), errors
//! first. A `migrate trace --format markdown` report can follow it in the same comment.

use migrate_lint::{Diagnostic, Severity};

/// The comment for the folder `dir`, whose `migrations` migrations were checked.
pub fn comment(dir: &str, migrations: usize, diagnostics: &[Diagnostic]) -> String {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let mark = match (errors, warnings) {
        (0, 0) => "✅",
        (0, _) => "⚠️",
        _ => "❌",
    };
    let mut out = format!(
        "### {mark} `migrate lint`: {errors} error(s), {warnings} warning(s) in `{}` \
         ({migrations} migration(s))\n",
        cell(dir)
    );
    if diagnostics.is_empty() {
        return out;
    }
    out.push_str("\n| | where | rule | finding | what to write instead |\n|---|---|---|---|---|\n");
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| d.severity != Severity::Error);
    for d in sorted {
        let icon = match d.severity {
            Severity::Error => "❌",
            Severity::Warning => "⚠️",
        };
        out.push_str(&format!(
            "| {icon} | `{}` | `{}` | {} | {} |\n",
            cell(&d.location()),
            d.rule,
            cell(&d.message),
            cell(&d.help)
        ));
    }
    out
}

/// A table cell: on one line, `|` escaped (also inside code spans, where GitHub reads it as a
/// column break too).
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_lint::Position;

    fn finding(severity: Severity, line: usize, message: &str) -> Diagnostic {
        Diagnostic {
            rule: "unguarded-update",
            severity,
            path: "migrations/002_a.sql".into(),
            position: Some(Position { line, column: 1 }),
            message: message.into(),
            source_line: None,
            help: "add `WHERE x <> y`".into(),
            fix: None,
        }
    }

    #[test]
    fn a_row_per_finding_errors_first_and_pipes_escaped() {
        let md = comment(
            "migrations",
            3,
            &[
                finding(Severity::Warning, 1, "a warning"),
                finding(Severity::Error, 4, "`x = x || 'a'` again"),
            ],
        );
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(
            lines[0],
            "### ❌ `migrate lint`: 1 error(s), 1 warning(s) in `migrations` (3 migration(s))"
        );
        assert_eq!(
            lines[4],
            "| ❌ | `migrations/002_a.sql:4:1` | `unguarded-update` | `x = x \\|\\| 'a'` again | \
             add `WHERE x <> y` |"
        );
        assert!(
            lines[5].starts_with("| ⚠️ | `migrations/002_a.sql:1:1`"),
            "{md}"
        );
        assert_eq!(
            comment("m", 0, &[]),
            "### ✅ `migrate lint`: 0 error(s), 0 warning(s) in `m` (0 migration(s))\n"
        );
    }
}
