//! A down file must have an up file of the same version and name.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_orphan_down");

fn main() {}
