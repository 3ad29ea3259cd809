//! The seed's "Phase 3: drop old column", without a confirmation.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_drop_column");

fn main() {}
