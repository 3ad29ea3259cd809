//! The seed's default config without `ON CONFLICT DO NOTHING`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_unguarded_insert");

fn main() {}
