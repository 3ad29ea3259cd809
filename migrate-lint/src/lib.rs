//! The checker behind `embed_migrations!` and the `migrate` command.
//!
//! It reads a migration folder, parses every file with PostgreSQL's own parser (`pg_query`),
//! reads the `-- migrate:` directives, runs the rules and returns every finding of every file
//! together with the checked, ordered migration set. The macro turns the findings into compile
//! errors and warnings; the CLI prints them. Both call [`check_dir`]: there is one checker.
//! The editor server (`migrate lsp`) keeps a [`Folder`] between edits and checks again only what
//! an edit can change; [`check_entries`] is a [`Folder`] checked once.
//!
//! The stages, one module each: [`discover`] (names) and [`config`] (`migrate.toml`) -> `source`
//! (normalised text; the checksum is `migrate_core`'s) -> `parse` -> `directives` -> `structure` (transactions) ->
//! [`rules`] (with `schema`, the model the earlier files built) -> [`Outcome`]; `check` runs them
//! in that order.
//!
//! The imports run one way, and no module imports one that imports it back:
//!
//! * leaves, importing no module of the crate: [`fix`] (the edits a finding's fix makes),
//!   `diagnostic` (severity, positions, the `Hit` a stage or a rule finds, on `fix` only),
//!   `quote`, `source`, [`discover`];
//! * what a rule reads, on those: `parse` (and `plpgsql`, which reads PL/pgSQL with it),
//!   `objects` (the names statements create and drop), `schema` (the model), [`locks`] (the
//!   lock each statement takes, checked on a real server, and what a file holds until it
//!   commits);
//! * `rule`, the rule types ([`Rule`], [`Family`], how a rule is checked, the `StatementCtx` a
//!   rule sees, the `Policy` `migrate.toml` gives a file), on the readers only;
//! * one module per rule, `rules/<name>.rs`, on `rule` and the readers; a rule that a stage finds
//!   (a file name, `migrate.toml`, syntax, a directive, the transaction structure) is defined
//!   there too, and the stage imports it to report it;
//! * the registry [`rules`]: every rule, [`rules::find`] and the did-you-mean of a misspelt name;
//!   it imports no stage;
//! * the stages that look rules up, [`config`], `directives` and `structure`, then `model` (the
//!   checked set) and `check`, which runs the whole; `fixing` (`migrate lint --fix`: check,
//!   apply the fixes, check again) on `check`.
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
pub mod fix;
mod fixing;
pub mod locks;
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

pub use check::{check_dir, check_entries, Folder};
pub use config::{parse_duration, Config, CONFIG_FILE};
pub use diagnostic::{Diagnostic, Position, Severity};
pub use directives::{allow_directive, Insertion, REASON_PLACEHOLDER};
pub use fix::{Edit, Fix, NewFile};
pub use fixing::{fix_entries, Fixed, Fixing, MAX_PASSES};
/// The vocabulary the checker produces and the runtime uses, defined once in `migrate-core`.
pub use migrate_core::{
    checkpoint, checksum, embedded, IndexBuild, PgVersion, Setting, SettingValue, Settings,
    Tenancy, Transaction, Version,
};
pub use model::{Legacy, Migration, Outcome, Repeatable, Script};
pub use rule::{Example, Examples, Family, Rule};
