//! `untransacted`: found by the transaction structure (`structure`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "untransacted",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "a statement before the file's `BEGIN` or after its `COMMIT` would run outside the \
             migration's transaction",
    help: "move the statement between `BEGIN;` and `COMMIT;`, or remove the `BEGIN;`/`COMMIT;` \
           lines (every migration runs in a transaction anyway)",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto;
BEGIN;
CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
COMMIT;
",
        ),
        good: (
            "002_add_orders.sql",
            "BEGIN;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
COMMIT;
",
        ),
    }]),
    check: Check::Stage,
};
