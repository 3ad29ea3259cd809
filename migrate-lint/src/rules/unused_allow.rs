//! `unused-allow`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "unused-allow",
    family: Family::Directives,
    severity: Severity::Warning,
    reason: "an allow directive that allows nothing hides nothing today, but would silently \
             allow a future problem",
    help: "remove the rule from the directive",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_expire_sessions.sql",
            "-- migrate:allow(truncate) sessions are recreated at login
DELETE FROM sessions WHERE expires_at < now();
",
        ),
        good: (
            "002_expire_sessions.sql",
            "DELETE FROM sessions WHERE expires_at < now();\n",
        ),
    }]),
    check: Check::Stage,
};
