static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_seed_style");

fn main() {
    assert_eq!(MIGRATIONS.len(), 1);
}
