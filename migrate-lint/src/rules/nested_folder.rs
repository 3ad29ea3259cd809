//! `nested-folder`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "nested-folder",
    family: Family::Files,
    severity: Severity::Error,
    reason: "migrations are read from one folder only; `.sql` files in a sub-folder would never \
             run",
    help: "move the files up into the migration folder as `{version}_{name}.sql` (a diesel \
           `{version}_{name}/up.sql` becomes `{version}_{name}.sql`, its `down.sql` \
           `{version}_{name}.down.sql`)",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[],
        bad: (
            "001_init/up.sql",
            "CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY
);
",
        ),
        good: (
            "001_init.sql",
            "CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY
);
",
        ),
    }]),
    check: Check::Stage,
};
