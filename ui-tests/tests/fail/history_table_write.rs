//! The seed's required template: the hand-written `INSERT INTO public.schema_migrations`
//! is the one thing our rules reject in it.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_history_table_write");

fn main() {}
