//! `TRUNCATE` empties a table: it needs `-- migrate:allow(truncate) reason`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_truncate");

fn main() {}
