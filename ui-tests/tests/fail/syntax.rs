//! A syntax error: PostgreSQL's parser rejects `NOT NUL`; the error points at the token.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_syntax");

fn main() {}
