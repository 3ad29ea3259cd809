//! `unknown-rule`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "unknown-rule",
    family: Family::Directives,
    severity: Severity::Error,
    reason: "allowing a rule that does not exist allows nothing",
    help: "use a rule name from docs/rules/README.md",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_drop_sessions.sql",
            "-- migrate:allow(drop-tables) sessions moved to Redis
DROP TABLE IF EXISTS sessions;
",
        ),
        good: (
            "002_drop_sessions.sql",
            "-- migrate:allow(drop-table) sessions moved to Redis
DROP TABLE IF EXISTS sessions;
",
        ),
    }]),
    check: Check::Stage,
};
