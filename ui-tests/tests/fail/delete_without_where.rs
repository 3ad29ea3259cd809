//! `DELETE` without `WHERE` empties a table.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_delete_without_where");

fn main() {}
