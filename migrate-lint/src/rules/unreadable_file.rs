//! `unreadable-file`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "unreadable-file",
    family: Family::Files,
    severity: Severity::Error,
    reason: "a migration file (or the folder) cannot be read",
    help: "check that the path exists and that the build can read it",
    allowable: false,
    check: Check::Stage,
};
