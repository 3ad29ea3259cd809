//! `unknown-rule`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "unknown-rule",
    family: Family::Directives,
    severity: Severity::Error,
    reason: "allowing a rule that does not exist allows nothing",
    help: "use a rule name from the README's rules table",
    allowable: false,
    check: Check::Stage,
};
