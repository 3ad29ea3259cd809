//! Versions are integers (`1`, `002`, `10`, `20251018143000`, 24 digits with leading zeros)
//! and order numerically, not by file name; a down file is embedded with its up file.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_versions_and_down_files");

fn main() {
    let versions: Vec<u128> = MIGRATIONS.iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, [1, 2, 10, 20251018143000, 202510181430001234567]);
    let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["users", "posts", "tags", "add-Likes.v2", "long_stamp"]);
    let long: migrate_runtime::Version = "202510181430001234567".parse().unwrap();
    assert_eq!(MIGRATIONS.get(long).unwrap().name(), "long_stamp");

    let posts = MIGRATIONS.get(2).unwrap();
    let down = posts.down().expect("002_posts.down.sql is embedded");
    assert_eq!(
        down.path(),
        "migrations/pass_versions_and_down_files/002_posts.down.sql"
    );
    assert_eq!(down.statements().len(), 1);
    assert!(MIGRATIONS.iter().filter(|m| m.down().is_some()).count() == 1);
    assert!(MIGRATIONS.get(3).is_none());
}
