//! The macro takes only the folder.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_seed_style", allow_all = true);

fn main() {}
