//! `unknown-directive`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "unknown-directive",
    family: Family::Directives,
    severity: Severity::Error,
    reason: "a `-- migrate:` comment that is not a directive is probably a typo that would \
             otherwise be ignored",
    help: "write `-- migrate:no-transaction`, `-- migrate:allow-file(rule, ...) reason` or \
           `-- migrate:allow(rule, ...) reason`",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_index_users_email.sql",
            "-- migrate:no-transactions
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
",
        ),
        good: (
            "002_index_users_email.sql",
            "-- migrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
",
        ),
    }]),
    check: Check::Stage,
};
