//! `CASCADE` also drops whatever depends on the object.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_cascade");

fn main() {}
