//! `not-utf8`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "not-utf8",
    family: Family::Files,
    severity: Severity::Error,
    reason: "migration files are UTF-8 text; other encodings would be sent to PostgreSQL garbled",
    help: "save the file as UTF-8",
    allowable: false,
    check: Check::Stage,
};
