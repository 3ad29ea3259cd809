//! A syntax error in a file saved with a BOM and CRLF line ends: the position is
//! the same as in the LF file, and the quoted line has no `\r`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_syntax_in_crlf_bom_file");

fn main() {}
