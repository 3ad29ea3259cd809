//! A function body whose closing `$$` is missing: the error points at the opening one.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_syntax_unterminated_dollar_quote");

fn main() {}
