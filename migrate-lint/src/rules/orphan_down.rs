//! `orphan-down`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "orphan-down",
    family: Family::Files,
    severity: Severity::Error,
    reason: "a down file reverts an up file; without one of the same version and name it can \
             never run",
    help: "name it after its up file (`003_add_users.sql` -> `003_add_users.down.sql`) or \
           delete it",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: ("001_initial.down.sql", "DROP TABLE IF EXISTS users;\n"),
        good: ("001_init.down.sql", "DROP TABLE IF EXISTS users;\n"),
    }]),
    check: Check::Stage,
};
