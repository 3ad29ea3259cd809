//! A diesel-style sub-folder of `.sql` files would never run.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_nested_folder");

fn main() {}
