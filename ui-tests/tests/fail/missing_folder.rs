//! The folder does not exist (paths are relative to Cargo.toml).

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_missing_folder_does_not_exist");

fn main() {}
