//! `COPY ... FROM STDIN` needs psql to stream the rows.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_copy_from_stdin");

fn main() {}
