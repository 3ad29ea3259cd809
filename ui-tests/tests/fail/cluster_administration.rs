//! Databases, tablespaces and server settings are not schema.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_cluster_administration");

fn main() {}
