//! Statements without an idempotent form, made safe to re-run: an earlier `DROP ... IF EXISTS`
//! of the same object in the file, or a `DO` block; inserts guarded by `ON CONFLICT` or
//! `WHERE NOT EXISTS`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_guarded_forms");

fn main() {
    let up = MIGRATIONS.get(2).unwrap().up();
    assert_eq!(up.statements().len(), 12);
    assert!(up
        .body()
        .1
        .starts_with("ALTER TABLE users DROP CONSTRAINT IF EXISTS"));
}
