//! `unknown-directive`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "unknown-directive",
    family: Family::Directives,
    severity: Severity::Error,
    reason: "a `-- migrate:` comment that is not a directive is probably a typo that would \
             otherwise be ignored",
    help: "write `-- migrate:no-transaction`, `-- migrate:allow-file(rule, ...) reason` or \
           `-- migrate:allow(rule, ...) reason`",
    allowable: false,
    check: Check::Stage,
};
