//! The checker behind `embed_migrations!` and the `migrate` command.
//!
//! It reads a migration folder, parses every file with PostgreSQL's own parser (`pg_query`),
//! reads the `-- migrate:` directives, runs the rules and returns every finding of every file
//! together with the checked, ordered migration set. The macro turns the findings into compile
//! errors and warnings; the CLI prints them. Both call [`check_dir`]: there is one checker.
//!
//! The stages, one module each: [`discover`] (names) -> `source` (normalised text, checksum) ->
//! `parse` -> `directives` -> `structure` (transactions) -> [`rules`] -> [`Outcome`].
//!
//! ```no_run
//! let outcome = migrate_lint::check_dir(
//!     std::path::Path::new("migrations"),
//!     "migrations",
//!     &migrate_lint::Options::default(),
//! );
//! for diagnostic in &outcome.diagnostics {
//!     eprintln!("{diagnostic}");
//! }
//! assert!(!outcome.has_errors());
//! ```
#![warn(missing_docs)]

mod check;
mod diagnostic;
mod directives;
pub mod discover;
mod model;
mod objects;
mod parse;
pub mod rules;
mod source;
mod structure;

use std::fmt;

pub use check::{check_dir, check_entries};
pub use diagnostic::{Diagnostic, Position, Severity};
pub use model::{Migration, Outcome, Script, TransactionMode};
pub use rules::{Family, Rule};
pub use source::checksum;

/// Settings for a whole migration set.
#[derive(Debug, Clone, Default)]
pub struct Options {
    allowed: Vec<&'static str>,
}

impl Options {
    /// Allows a rule in every file of the set (the macro's `allow = [...]`).
    pub fn allow(mut self, rule: &str) -> Result<Self, AllowError> {
        match rules::find(rule) {
            Some(r) if r.allowable => {
                self.allowed.push(r.name);
                Ok(self)
            }
            Some(r) => Err(AllowError::NotAllowable(r.name)),
            None => Err(AllowError::Unknown {
                name: rule.to_owned(),
                suggestion: directives::closest_rule(rule),
            }),
        }
    }

    /// Whether a rule is allowed for the whole set.
    pub fn allows(&self, rule: &str) -> bool {
        self.allowed.contains(&rule)
    }
}

/// A rule name that [`Options::allow`] cannot take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowError {
    /// No rule has this name.
    Unknown {
        /// The name given.
        name: String,
        /// A rule with a close name.
        suggestion: Option<&'static str>,
    },
    /// The rule exists but cannot be allowed (file, syntax and structure problems).
    NotAllowable(&'static str),
}

impl fmt::Display for AllowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllowError::Unknown {
                name,
                suggestion: Some(s),
            } => write!(f, "unknown rule `{name}`; did you mean `{s}`?"),
            AllowError::Unknown { name, .. } => write!(
                f,
                "unknown rule `{name}`; the rules are listed in the README's rules table"
            ),
            AllowError::NotAllowable(name) => write!(
                f,
                "rule `{name}` cannot be allowed: it reports a problem the build cannot work \
                 around; fix what it reports instead"
            ),
        }
    }
}

impl std::error::Error for AllowError {}
