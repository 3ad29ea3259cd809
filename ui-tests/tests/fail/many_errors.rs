//! Several errors in several files (up, down and a bad name), reported in one pass,
//! sorted by file and line.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_many_errors");

fn main() {}
