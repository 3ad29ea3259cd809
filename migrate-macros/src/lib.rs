//! `embed_migrations!`: checks a PostgreSQL migration folder at build time and embeds it.
//!
//! Use it through `migrate_runtime`, which re-exports it:
//!
//! ```ignore
//! static MIGRATIONS: migrate_runtime::Migrations =
//!     migrate_runtime::embed_migrations!("migrations");
//! ```
//!
//! The path is relative to the crate's `Cargo.toml`. Every error of every file becomes a compile
//! error; warnings show in cargo's output. Everything else about the folder (rules allowed, run
//! settings, the target server) lives in its `migrate.toml`, which the `migrate` command reads
//! too.
//!
//! Each file is included (`include_str!`, or `include_bytes!` for a file whose text the checker
//! normalised), so editing one rebuilds the crate. For cargo to notice a *new* file, add a
//! `build.rs` holding `fn main() { println!("cargo:rerun-if-changed=migrations"); }`; with it,
//! the verdict on an unchanged folder is also kept in the build's output directory, so that a
//! rebuild of the crate looks at the folder's file list instead of checking the files again.

mod cache;
mod expand;
mod input;

/// Checks every file of a migration folder with PostgreSQL's parser and the rules, fails the build
/// on errors, and expands to a `migrate_runtime::Migrations` value.
#[proc_macro]
pub fn embed_migrations(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as input::Input);
    expand::expand(&input).into()
}
