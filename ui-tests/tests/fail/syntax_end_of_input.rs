//! A statement cut short at the end of the file: the error points just past its last token.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_syntax_end_of_input");

fn main() {}
