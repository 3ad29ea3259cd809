//! `needs-no-transaction`: found by the transaction structure (`structure`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "needs-no-transaction",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "PostgreSQL refuses this statement inside a transaction block, so the migration \
             would fail at run time",
    help: "start the file with `-- migrate:no-transaction`; its statements then run one by one, \
           outside a transaction, and must be idempotent",
    allowable: false,
    check: Check::Stage,
};
