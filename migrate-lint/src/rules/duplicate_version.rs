//! `duplicate-version`: found by discovery (`discover`), which reports it with this rule.

use super::examples::ORDERS;
use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "duplicate-version",
    family: Family::Files,
    severity: Severity::Error,
    reason: "two files with the same version (`1` and `001` are the same) cannot both be applied \
             in a defined order",
    help: "give one of them the next free version",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "1_add_orders.sql",
            "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
",
        ),
        good: ORDERS,
    }]),
    check: Check::Stage,
};
