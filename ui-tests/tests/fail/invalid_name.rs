//! Every `.sql` file must be named `{version}_{name}.sql`: each bad name is an error
//! (`README.md` is ignored).

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_invalid_name");

fn main() {}
