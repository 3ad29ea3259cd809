//! The folder must be a string literal.

const MIGRATIONS_DIR: &str = "migrations/pass_seed_style";

static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::embed_migrations!(MIGRATIONS_DIR);

fn main() {}
