//! `needs-no-transaction`: found by the transaction structure (`structure`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "needs-no-transaction",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "PostgreSQL refuses this statement inside a transaction block, so the migration \
             would fail at run time",
    help: "start the file with `-- migrate:no-transaction`; its statements then run one by one, \
           outside a transaction, and must be idempotent",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_index_users_email.sql",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);\n",
        ),
        good: (
            "002_index_users_email.sql",
            "-- migrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
",
        ),
    }]),
    check: Check::Stage,
};
