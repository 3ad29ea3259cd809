//! `allow = [...]` in the macro call allows rules for every file of the set.

static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::embed_migrations!(
    "migrations/pass_macro_allow",
    allow = ["unguarded-insert", "index-without-concurrently"],
);

fn main() {
    let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["fixtures", "index_users_email"]);
    assert_eq!(MIGRATIONS.get(1).unwrap().up().statements().len(), 2);
}
