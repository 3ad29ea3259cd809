//! `misplaced-directive`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "misplaced-directive",
    family: Family::Directives,
    severity: Severity::Error,
    reason: "a directive in the wrong place would apply to nothing",
    help: "put `no-transaction` and `allow-file` in the comments before the first statement, \
           and `allow` in the comments right above the statement it allows",
    allowable: false,
    check: Check::Stage,
};
