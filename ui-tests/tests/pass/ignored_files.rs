//! Hidden files, editor backups, non-`.sql` files and folders without `.sql` files are ignored.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_ignored_files");

fn main() {
    assert_eq!(MIGRATIONS.len(), 1);
    let m = MIGRATIONS.get(1).unwrap();
    assert_eq!(m.name(), "init");
    assert_eq!(m.up().path(), "migrations/pass_ignored_files/001_init.sql");
    assert!(m.down().is_none());
}
