//! An unterminated string: the scanner fails; the error points at the opening quote.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_syntax_unterminated_string");

fn main() {}
