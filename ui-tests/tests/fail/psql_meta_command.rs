//! psql's backslash commands are not SQL: each is reported, and the SQL around them is
//! still checked.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_psql_meta_command");

fn main() {}
