//! `unreadable-file`: found by discovery (`discover`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::rule::{Check, Examples, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "unreadable-file",
    family: Family::Files,
    severity: Severity::Error,
    reason: "a migration file (or the folder) cannot be read",
    help: "check that the path exists and that the build can read it",
    allowable: false,
    autofix: None,
    examples: Examples::NotShown(
        "the rule is about the disk, not the text: the build cannot read a file (no read permission, a link to nothing) or the folder itself (a wrong path). The message names the file or folder and the operating system's error.",
    ),
    check: Check::Stage,
};
