//! `tenancy = "schema"`: unqualified names, the `shared` objects, the system catalogs and an
//! allowed statement build.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_schema_tenancy");

fn main() {
    let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["accounts"]);
}
