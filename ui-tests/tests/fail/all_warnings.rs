//! Every lock-hazard warning and an empty migration, shown next to the error that fails
//! the build.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_all_warnings");

fn main() {}
