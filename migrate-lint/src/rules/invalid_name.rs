//! `invalid-name`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "invalid-name",
    family: Family::Files,
    severity: Severity::Error,
    reason: "a `.sql` file whose name does not follow `{version}_{name}.sql` would otherwise be \
             skipped without a word",
    help: "rename it `{version}_{name}.sql` (or `{version}_{name}.down.sql` for a down file), \
           e.g. `003_add_users.sql`",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[],
        bad: (
            "add_users.sql",
            "CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY
);
",
        ),
        good: (
            "001_add_users.sql",
            "CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY
);
",
        ),
    }]),
    check: Check::Stage,
};
