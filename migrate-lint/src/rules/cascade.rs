//! `cascade`: PLACEHOLDER, to be written.

use crate::diagnostic::Severity;
use crate::rules::{Check, Family, Hit, Rule, StatementCtx};

pub(crate) static RULE: Rule = Rule {
    name: "cascade",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "PLACEHOLDER",
    help: "PLACEHOLDER",
    allowable: true,
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(_ctx: &StatementCtx<'_>) -> Vec<Hit> {
    Vec::new()
}
