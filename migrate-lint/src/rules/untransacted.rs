//! `untransacted`: found by the transaction structure (`structure`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "untransacted",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "a statement before the file's `BEGIN` or after its `COMMIT` would run outside the \
             migration's transaction",
    help: "move the statement between `BEGIN;` and `COMMIT;`, or remove the `BEGIN;`/`COMMIT;` \
           lines (every migration runs in a transaction anyway)",
    allowable: false,
    check: Check::Stage,
};
