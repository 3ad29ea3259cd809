//! `SELECT ... INTO table` has no `IF NOT EXISTS` form.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_select_into");

fn main() {}
