//! The text of a finding where a format has no field of its own for the fix.

use migrate_lint::Diagnostic;

/// The finding's message and, on a second line, its help: the text of an annotation or a
/// SARIF result, which have no field of their own for the fix.
pub fn with_help(d: &Diagnostic) -> String {
    format!("{}\nhelp: {}", d.message, d.help)
}
