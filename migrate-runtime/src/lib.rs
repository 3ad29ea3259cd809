//! Run-time half of compile-time checked PostgreSQL migrations.
//!
//! [`embed_migrations!`] checks every file of a migration folder at build time and expands to a
//! [`Migrations`] value: a static, ordered list of [`Migration`]s whose SQL has already been parsed
//! by PostgreSQL's own parser. This crate holds those types; it does not depend on the parser, so an
//! application pays nothing for it at run time.
//!
//! ```ignore
//! static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::embed_migrations!("migrations");
//! ```
#![warn(missing_docs)]

mod embedded;

pub use embedded::{Migration, Migrations, Script, Statement, Transaction};

/// Checks a migration folder at build time and embeds it as a [`Migrations`] value.
///
/// See the `migrate-macros` crate for the options it takes.
pub use migrate_macros::embed_migrations;
