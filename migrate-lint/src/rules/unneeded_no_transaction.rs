//! `unneeded-no-transaction`: found by the transaction structure (`structure`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "unneeded-no-transaction",
    family: Family::Transactions,
    severity: Severity::Warning,
    reason: "`-- migrate:no-transaction` gives up atomicity; no statement of this file needs it",
    help: "remove `-- migrate:no-transaction` so the file runs in one transaction",
    allowable: true,
    check: Check::Stage,
};
