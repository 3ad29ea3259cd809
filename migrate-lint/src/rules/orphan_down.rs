//! `orphan-down`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "orphan-down",
    family: Family::Files,
    severity: Severity::Error,
    reason: "a down file reverts an up file; without one of the same version and name it can \
             never run",
    help: "name it after its up file (`003_add_users.sql` -> `003_add_users.down.sql`) or \
           delete it",
    allowable: false,
    check: Check::Stage,
};
