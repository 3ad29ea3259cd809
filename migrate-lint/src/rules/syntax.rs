//! `syntax`: found by parsing (`parse`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "syntax",
    family: Family::Syntax,
    severity: Severity::Error,
    reason: "PostgreSQL's parser rejects the file, so PostgreSQL would too",
    help: "fix the SQL at the position shown; it is the token where PostgreSQL's parser stopped",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[],
        bad: (
            "001_init.sql",
            "CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY,
    email text NOT NULL,
);
",
        ),
        good: (
            "001_init.sql",
            "CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY,
    email text NOT NULL
);
",
        ),
    }]),
    check: Check::Stage,
};
