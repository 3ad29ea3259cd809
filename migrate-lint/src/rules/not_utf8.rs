//! `not-utf8`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Examples, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "not-utf8",
    family: Family::Files,
    severity: Severity::Error,
    reason: "migration files are UTF-8 text; other encodings would be sent to PostgreSQL garbled",
    help: "save the file as UTF-8",
    allowable: false,
    autofix: None,
    examples: Examples::NotShown(
        "bytes that are not UTF-8 cannot be written on a page of text, nor in the registry's examples, which are text. The usual case is a file saved as Latin-1 or Windows-1252 holding an accented letter (`'Zürich'`); saving it as UTF-8 fixes it.",
    ),
    check: Check::Stage,
};
