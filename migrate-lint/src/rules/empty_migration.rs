//! `empty-migration`: found by parsing (`parse`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "empty-migration",
    family: Family::Syntax,
    severity: Severity::Warning,
    reason: "an up file without any statement records a migration that changes nothing",
    help: "write the migration's statements, or delete the file if it is not needed",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: ("002_add_orders.sql", "-- The orders table, for the shop.\n"),
        good: (
            "002_add_orders.sql",
            "-- The orders table, for the shop.
CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
",
        ),
    }]),
    check: Check::Stage,
};
