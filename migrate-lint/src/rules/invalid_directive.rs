//! `invalid-directive`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "invalid-directive",
    family: Family::Directives,
    severity: Severity::Error,
    reason: "a directive must be written exactly, allow a rule that can be allowed, and say why",
    help: "write `-- migrate:allow(rule, ...) reason`, e.g. \
           `-- migrate:allow(drop-table) replaced by audit_log in 012`",
    allowable: false,
    check: Check::Stage,
};
