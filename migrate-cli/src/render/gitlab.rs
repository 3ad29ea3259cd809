//! `--format gitlab`: GitLab's Code Quality report, a JSON array that a job publishes as
//! `artifacts: reports: codequality` and that GitLab shows in the merge request:
//!
//! ```json
//! [{"description": "missing-if-not-exists: `CREATE TABLE users` ...\nhelp: ...",
//!   "check_name": "missing-if-not-exists", "fingerprint": "3f9a...", "severity": "major",
//!   "location": {"path": "migrations/001_users.sql", "lines": {"begin": 2}}}]
//! ```
//!
//! An error is `major`, a warning `minor`. The fingerprint, which GitLab uses to tell a new
//! finding from one already on the target branch, is a SHA-256 of the rule, the file and the
//! message: it stays the same when lines are added above the finding.

use migrate_lint::{checksum, Diagnostic, Severity};
use serde_json::{json, Value};

use super::help::with_help;

/// The findings as one Code Quality report (`[]` when there is none).
pub fn report(diagnostics: &[Diagnostic]) -> String {
    let issues: Vec<Value> = diagnostics.iter().map(issue).collect();
    serde_json::to_string_pretty(&issues).expect("findings serialise")
}

fn issue(d: &Diagnostic) -> Value {
    json!({
        "description": format!("{}: {}", d.rule, with_help(d)),
        "check_name": d.rule,
        "fingerprint": checksum(&format!("{}\n{}\n{}", d.rule, d.path, d.message)),
        "severity": match d.severity {
            Severity::Error => "major",
            Severity::Warning => "minor",
        },
        "location": {
            "path": d.path,
            "lines": { "begin": d.position.map_or(1, |p| p.line) },
        },
    })
}
