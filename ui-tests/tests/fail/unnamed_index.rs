//! An index without a name cannot use `IF NOT EXISTS`; each run builds another one.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_unnamed_index");

fn main() {}
