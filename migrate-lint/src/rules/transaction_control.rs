//! `transaction-control`: found by the transaction structure (`structure`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "transaction-control",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "the runner opens and commits each migration's transaction together with its \
             history row; a second `BEGIN`, a `COMMIT`/`ROLLBACK` in the middle or a `BEGIN` \
             without `COMMIT` breaks that",
    help: "keep at most one outer `BEGIN;` ... `COMMIT;` around the whole file, or none",
    allowable: false,
    check: Check::Stage,
};
