//! The checker behind `embed_migrations!` and the `migrate` command.
//!
//! It reads a migration folder, parses every file with PostgreSQL's own parser (`pg_query`),
//! reads the `-- migrate:` directives, runs the rules and returns every finding of every file
//! together with the checked, ordered migration set. The macro turns the findings into compile
//! errors and warnings; the CLI prints them. Both call [`check_dir`]: there is one checker.
//!
//! The stages, one module each: [`discover`] (names) and [`config`] (`migrate.toml`) -> `source`
//! (normalised text, checksum) -> `parse` -> `directives` -> `structure` (transactions) ->
//! [`rules`] (with `schema`, the model the earlier files built) -> [`Outcome`]. The types every
//! stage and rule share (`Rule`, `Hit`, `StatementCtx`) are in `rule`, which imports no stage.
//!
//! ```no_run
//! let outcome = migrate_lint::check_dir(std::path::Path::new("migrations"), "migrations");
//! for diagnostic in &outcome.diagnostics {
//!     eprintln!("{diagnostic}");
//! }
//! assert!(!outcome.has_errors());
//! ```
#![warn(missing_docs)]

mod check;
pub mod config;
mod diagnostic;
mod directives;
pub mod discover;
mod model;
mod objects;
mod parse;
mod plpgsql;
mod quote;
mod rule;
pub mod rules;
mod schema;
mod source;
mod structure;

pub use check::{check_dir, check_entries};
pub use config::{parse_duration, Config, CONFIG_FILE};
pub use diagnostic::{Diagnostic, Position, Severity};
/// The vocabulary the checker produces and the runtime uses, defined once in `migrate-core`.
pub use migrate_core::{
    checksum, IndexBuild, Setting, SettingValue, Settings, Tenancy, Transaction, Version,
};
pub use model::{Legacy, Migration, Outcome, Script};
pub use rule::{Family, Rule};
