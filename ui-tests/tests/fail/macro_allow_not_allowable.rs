//! File and syntax rules cannot be allowed.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_seed_style", allow = ["syntax"]);

fn main() {}
