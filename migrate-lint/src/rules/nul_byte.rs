//! `nul-byte`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Examples, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "nul-byte",
    family: Family::Files,
    severity: Severity::Error,
    reason: "PostgreSQL cannot receive a NUL byte in a query; the file is probably binary or \
             UTF-16",
    help: "remove the NUL byte, or save the file as UTF-8 if it is UTF-16",
    allowable: false,
    autofix: None,
    examples: Examples::NotShown(
        "a NUL byte is invisible on a page of text. The usual case is a file saved as UTF-16 (every other byte of an ASCII text is then a NUL); saving it as UTF-8 fixes it.",
    ),
    check: Check::Stage,
};
