//! A NUL byte (binary junk, or a UTF-16 file) cannot be sent to PostgreSQL.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_nul_byte");

fn main() {}
