//! `DROP TABLE` destroys data: it needs `-- migrate:allow(drop-table) reason`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_drop_table");

fn main() {}
