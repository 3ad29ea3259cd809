//! `DROP SCHEMA` destroys data: it needs `-- migrate:allow(drop-schema) reason`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_drop_schema");

fn main() {}
