//! `unneeded-no-transaction`: found by the transaction structure (`structure`), which reports it with this rule.

use super::examples::ORDERS;
use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "unneeded-no-transaction",
    family: Family::Transactions,
    severity: Severity::Warning,
    reason: "`-- migrate:no-transaction` gives up atomicity; no statement of this file needs it",
    help: "remove `-- migrate:no-transaction` so the file runs in one transaction",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "-- migrate:no-transaction
CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
",
        ),
        good: ORDERS,
    }]),
    check: Check::Stage,
};
