//! The seed's zero-downtime rename, as written there: every problem of both files at once.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_seed_as_written");

fn main() {}
