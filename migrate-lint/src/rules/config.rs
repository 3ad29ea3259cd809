//! `config`: found by the reading of `migrate.toml` (`config`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "config",
    family: Family::Files,
    severity: Severity::Error,
    reason: "`migrate.toml` holds a key, a value or a rule name the checker does not know: a \
             setting that is silently ignored is a setting that does not hold",
    help: "see docs/guide/configuration.md for every key",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "migrate.toml",
            "[run]
lock_timout = \"5s\"
",
        ),
        good: (
            "migrate.toml",
            "[run]
lock_timeout = \"5s\"
",
        ),
    }]),
    check: Check::Stage,
};
