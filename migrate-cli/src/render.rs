//! The checker's findings as people read them (rustc-style code frames) and as CI reads them
//! (JSON, GitHub Actions annotations, SARIF, GitLab Code Quality, a Markdown pull-request
//! comment). Pure: values in, strings out.

pub mod github;
pub mod gitlab;
mod help;
pub mod markdown;
pub mod sarif;

use migrate_lint::{Diagnostic, Outcome, Severity};
use serde::Serialize;

use crate::args::Format;

/// Everything `migrate lint` prints on stdout for a checked folder, in the format asked for.
/// `dir` is the folder as given on the command line.
pub fn report(format: Format, dir: &str, outcome: &Outcome) -> String {
    let diagnostics = &outcome.diagnostics;
    // The closing lines of the formats read in a log: the summary, and what `legacy_until` hid.
    let closing = || {
        let summary = summary(dir, outcome.checked(), diagnostics);
        match legacy(outcome) {
            Some(note) => format!("{summary}\n{note}\n"),
            None => format!("{summary}\n"),
        }
    };
    match format {
        Format::Human => {
            let frames: String = diagnostics.iter().map(|d| frame(d) + "\n").collect();
            frames + &closing()
        }
        Format::Json => json(diagnostics) + "\n",
        Format::Github => github::annotations(diagnostics) + &closing(),
        Format::Sarif => sarif::log(diagnostics) + "\n",
        Format::Gitlab => gitlab::report(diagnostics) + "\n",
        Format::Markdown => markdown::comment(dir, outcome.checked(), diagnostics),
    }
}

/// One finding in `--format json`: the documented schema.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct JsonFinding<'a> {
    /// The rule's stable kebab-case name.
    pub rule: &'a str,
    /// `error` or `warning`.
    pub severity: &'a str,
    /// The file, as `folder/name.sql` (the folder as given on the command line).
    pub file: &'a str,
    /// 1-based line, `null` for a finding about the whole file.
    pub line: Option<usize>,
    /// 1-based column in characters, `null` for a finding about the whole file.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: &'a str,
    /// What to do about it.
    pub help: &'a str,
    /// The source line at `line`, `null` when there is none.
    pub source_line: Option<&'a str>,
}

impl<'a> From<&'a Diagnostic> for JsonFinding<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        JsonFinding {
            rule: d.rule,
            severity: d.severity.as_str(),
            file: &d.path,
            line: d.position.map(|p| p.line),
            column: d.position.map(|p| p.column),
            message: &d.message,
            help: &d.help,
            source_line: d.source_line.as_deref(),
        }
    }
}

/// Every finding as one pretty-printed JSON array (`[]` when there is none).
pub fn json(diagnostics: &[Diagnostic]) -> String {
    let findings: Vec<JsonFinding<'_>> = diagnostics.iter().map(JsonFinding::from).collect();
    serde_json::to_string_pretty(&findings).expect("findings serialise")
}

/// One finding as a rustc-style code frame:
///
/// ```text
/// error[missing-if-not-exists]: `CREATE TABLE users` fails when the table exists
///  --> migrations/003_add_users.sql:4:1
///   |
/// 4 | CREATE TABLE users (
///   | ^^^^^^
///   |
///   = help: write `CREATE TABLE IF NOT EXISTS users (...)`
/// ```
pub fn frame(d: &Diagnostic) -> String {
    let mut out = format!("{}[{}]: {}\n", d.severity, d.rule, d.message);
    match (d.position, &d.source_line) {
        (Some(p), Some(line)) => {
            let number = p.line.to_string();
            let pad = " ".repeat(number.len());
            let (shown, caret_at, caret_len) = underline(line, p.column);
            out.push_str(&format!("{pad}--> {}\n", d.location()));
            out.push_str(&format!("{pad} |\n"));
            out.push_str(&format!("{number} | {shown}\n"));
            out.push_str(&format!(
                "{pad} | {}{}\n",
                " ".repeat(caret_at),
                "^".repeat(caret_len)
            ));
            out.push_str(&format!("{pad} |\n"));
            out.push_str(&format!("{pad} = help: {}\n", d.help));
        }
        _ => {
            out.push_str(&format!(" --> {}\n", d.location()));
            out.push_str(&format!("  = help: {}\n", d.help));
        }
    }
    out
}

/// The line as shown (tabs as four spaces), where the caret starts (in columns) and how long it
/// is: the word at `column` (letters, digits, `_`), or one character.
fn underline(line: &str, column: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    let index = column.saturating_sub(1).min(chars.len());
    let width = |c: &char| if *c == '\t' { 4 } else { 1 };
    let caret_at = chars[..index].iter().map(width).sum();
    let is_word = |c: &char| c.is_alphanumeric() || *c == '_';
    let word = chars[index..].iter().take_while(|c| is_word(c)).count();
    let shown = line.replace('\t', "    ");
    (shown, caret_at, word.max(1))
}

/// The closing line: how many errors and warnings in how many files, or that all is well.
pub fn summary(dir: &str, migrations: usize, diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => format!(
            "{dir}: {} checked, no findings",
            plural(migrations, "migration")
        ),
        (0, w) => format!(
            "{dir}: {} checked, {}",
            plural(migrations, "migration"),
            plural(w, "warning")
        ),
        (e, w) => format!(
            "error: {dir} has {} and {}; nothing can be applied until the errors are fixed",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

/// The line that counts what `legacy_until` kept out of the report, if it kept anything.
pub fn legacy(outcome: &Outcome) -> Option<String> {
    let legacy = outcome.legacy;
    let until = outcome.config.legacy_until?;
    (legacy.findings > 0).then(|| {
        format!(
            "note: {} finding(s) in {} legacy file(s) not shown (`legacy_until = {until}` in \
             migrate.toml: history already applied)",
            legacy.findings, legacy.files
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_lint::Position;

    fn diagnostic(position: Option<Position>, source_line: Option<&str>) -> Diagnostic {
        Diagnostic {
            rule: "missing-if-not-exists",
            severity: Severity::Error,
            path: "migrations/003_add_users.sql".to_owned(),
            position,
            message: "`CREATE TABLE users` fails when the table exists".to_owned(),
            source_line: source_line.map(str::to_owned),
            help: "write `CREATE TABLE IF NOT EXISTS users (...)`".to_owned(),
            fix: None,
        }
    }

    #[test]
    fn a_frame_points_at_the_word() {
        let d = diagnostic(
            Some(Position { line: 4, column: 2 }),
            Some("\tCREATE TABLE users ("),
        );
        let frame = frame(&d);
        let lines: Vec<&str> = frame.lines().collect();
        assert_eq!(
            lines,
            [
                "error[missing-if-not-exists]: `CREATE TABLE users` fails when the table exists",
                " --> migrations/003_add_users.sql:4:2",
                "  |",
                "4 |     CREATE TABLE users (",
                "  |     ^^^^^^",
                "  |",
                "  = help: write `CREATE TABLE IF NOT EXISTS users (...)`",
            ]
        );
    }

    #[test]
    fn a_file_finding_has_no_frame() {
        let d = diagnostic(None, None);
        assert!(frame(&d).ends_with(
            " --> migrations/003_add_users.sql\n  = help: write `CREATE TABLE IF NOT EXISTS users (...)`\n"
        ));
    }

    #[test]
    fn json_has_the_documented_fields() {
        let d = diagnostic(
            Some(Position { line: 4, column: 1 }),
            Some("CREATE TABLE users ("),
        );
        let value: serde_json::Value = serde_json::from_str(&json(&[d])).unwrap();
        let object = value[0].as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "column",
                "file",
                "help",
                "line",
                "message",
                "rule",
                "severity",
                "source_line"
            ]
        );
        assert_eq!(value[0]["line"], 4);
        assert_eq!(json(&[]), "[]");
    }

    #[test]
    fn summaries() {
        assert_eq!(summary("m", 1, &[]), "m: 1 migration checked, no findings");
        let d = diagnostic(None, None);
        assert!(summary("m", 0, &[d]).starts_with("error: m has 1 error and 0 warnings"));
    }
}
