//! `invalid-directive`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "invalid-directive",
    family: Family::Directives,
    severity: Severity::Error,
    reason: "a directive must be written exactly, allow a rule that can be allowed, and say why",
    help: "write `-- migrate:allow(rule, ...) reason`, e.g. \
           `-- migrate:allow(drop-table) replaced by audit_log in 012`",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_drop_sessions.sql",
            "-- migrate:allow(drop-table)
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
