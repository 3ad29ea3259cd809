//! An unknown rule in `allow = [...]`, with the rule that was probably meant.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_seed_style", allow = ["unguarded-inserts"]);

fn main() {}
