//! `tenancy = "schema"`: a name outside the tenant's schema is a compile error, but for the
//! `shared` objects; so are `SET search_path` and an extension installed without `SCHEMA`.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_escapes_tenant");

fn main() {}
