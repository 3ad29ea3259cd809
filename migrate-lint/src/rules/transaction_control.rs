//! `transaction-control`: found by the transaction structure (`structure`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "transaction-control",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "the runner opens and commits each migration's transaction together with its \
             history row; a second `BEGIN`, a `COMMIT`/`ROLLBACK` in the middle or a `BEGIN` \
             without `COMMIT` breaks that",
    help: "keep at most one outer `BEGIN;` ... `COMMIT;` around the whole file, or none",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "BEGIN;
CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
COMMIT;
BEGIN;
CREATE INDEX IF NOT EXISTS orders_user_id_idx ON orders (user_id);
COMMIT;
",
        ),
        good: (
            "002_add_orders.sql",
            "BEGIN;
CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_user_id_idx ON orders (user_id);
COMMIT;
",
        ),
    }]),
    check: Check::Stage,
};
