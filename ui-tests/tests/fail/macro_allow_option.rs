//! The macro has no `allow = [...]` option any more: rules are allowed in `migrate.toml`, where
//! the `migrate` command reads them too. The error says where and how.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_seed_style", allow = ["unguarded-insert"]);

fn main() {}
