//! A missing `;`: the error is on the next statement and the help names the line.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_syntax_missing_semicolon");

fn main() {}
