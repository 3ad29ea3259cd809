//! `syntax`: found by parsing (`parse`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "syntax",
    family: Family::Syntax,
    severity: Severity::Error,
    reason: "PostgreSQL's parser rejects the file, so PostgreSQL would too",
    help: "fix the SQL at the position shown; it is the token where PostgreSQL's parser stopped",
    allowable: false,
    check: Check::Stage,
};
