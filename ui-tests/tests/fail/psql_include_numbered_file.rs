//! The seeds' `\i schema/migrations/002_add_query_cache.sql`: a psql include of a
//! numbered file.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_psql_include_numbered_file");

fn main() {}
