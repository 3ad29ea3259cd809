//! A file saved as Latin-1: the position of the first invalid byte is shown.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_not_utf8");

fn main() {}
