//! `duplicate-version`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "duplicate-version",
    family: Family::Files,
    severity: Severity::Error,
    reason: "two files with the same version (`1` and `001` are the same) cannot both be applied \
             in a defined order",
    help: "give one of them the next free version",
    allowable: false,
    check: Check::Stage,
};
