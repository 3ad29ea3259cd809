//! Findings, as the build, the CLI and CI show them.

use std::fmt;

use crate::fix::Fix;
pub use migrate_core::Severity;

/// A 1-based line and column (counted in characters) in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// One problem found in a migration folder.
///
/// Its [`Display`](fmt::Display) is the form the build prints:
///
/// ```text
/// migrations/003_add_users.sql:4:1: error[missing-if-not-exists]: `CREATE TABLE users` fails when ...
///     4 | CREATE TABLE users (
///       = help: write `CREATE TABLE IF NOT EXISTS users (...)`
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule's stable kebab-case name.
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The file, as the folder was named by the caller (`migrations/003_add_users.sql`).
    pub path: String,
    /// Where in the file, when the finding is about a place and not the whole file.
    pub position: Option<Position>,
    /// What is wrong.
    pub message: String,
    /// The source line at `position`: for a statement, its first line.
    pub source_line: Option<String>,
    /// What to write instead.
    pub help: String,
    /// The help as edits of the file, when it is a mechanical rewrite (see [`crate::fix`]).
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// `path:line:col` (or `path` for a finding about the whole file).
    pub fn location(&self) -> String {
        match self.position {
            Some(p) => format!("{}:{}:{}", self.path, p.line, p.column),
            None => self.path.clone(),
        }
    }

    /// Whether this finding fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub(crate) fn sort_key(&self) -> (&str, Option<Position>, &'static str) {
        (&self.path, self.position, self.rule)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}[{}]: {}",
            self.location(),
            self.severity,
            self.rule,
            self.message
        )?;
        let gutter = match (self.position, &self.source_line) {
            (Some(p), Some(line)) => {
                let number = p.line.to_string();
                write!(f, "\n    {number} | {line}")?;
                " ".repeat(number.len())
            }
            _ => String::new(),
        };
        write!(f, "\n    {gutter} = help: {}", self.help)
    }
}

/// One place a rule fires, as a byte offset: the stages and the rules find hits, the pipeline
/// turns each into a [`Diagnostic`] with its rule, file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Byte offset in the file the finding points at.
    pub at: usize,
    /// What is wrong, about this statement.
    pub message: String,
    /// The fix for this statement, when more precise than the rule's general one.
    pub help: Option<String>,
    /// The help as edits, when it is a mechanical rewrite.
    pub fix: Option<Fix>,
}

impl Hit {
    pub(crate) fn new(at: usize, message: impl Into<String>) -> Self {
        Self {
            at,
            message: message.into(),
            help: None,
            fix: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The help as a mechanical fix, when there is one.
    pub(crate) fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }
}
