//! `1` and `001` are the same version.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_duplicate_version");

fn main() {}
