//! `empty-migration`: found by parsing (`parse`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "empty-migration",
    family: Family::Syntax,
    severity: Severity::Warning,
    reason: "an up file without any statement records a migration that changes nothing",
    help: "write the migration's statements, or delete the file if it is not needed",
    allowable: true,
    check: Check::Stage,
};
