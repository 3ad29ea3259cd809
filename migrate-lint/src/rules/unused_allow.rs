//! `unused-allow`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "unused-allow",
    family: Family::Directives,
    severity: Severity::Warning,
    reason: "an allow directive that allows nothing hides nothing today, but would silently \
             allow a future problem",
    help: "remove the rule from the directive",
    allowable: false,
    check: Check::Stage,
};
