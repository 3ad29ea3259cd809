//! `misplaced-directive`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "misplaced-directive",
    family: Family::Directives,
    severity: Severity::Error,
    reason: "a directive in the wrong place would apply to nothing",
    help: "put `no-transaction` and `allow-file` in the comments before the first statement, \
           and `allow` in the comments right above the statement it allows",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_index_users.sql",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
-- migrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_created_at_idx ON users (created_at);
",
        ),
        good: (
            "002_index_users.sql",
            "-- migrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_created_at_idx ON users (created_at);
",
        ),
    }]),
    check: Check::Stage,
};
