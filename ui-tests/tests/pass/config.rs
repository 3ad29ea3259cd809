//! `migrate.toml` allows rules for a range of versions or for files (each with a reason), marks
//! the old files as legacy history (not held to the idempotency rules), and its run-time
//! settings are embedded for the runner.

use std::time::Duration;

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_config");

fn main() {
    let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["fixtures", "more_fixtures", "index_users_email"]);
    let settings = MIGRATIONS.settings();
    assert_eq!(settings.history_table(), Some(("app", "migrations")));
    assert_eq!(settings.lock_wait(), Some(Duration::from_secs(10)));
    assert_eq!(settings.lock_timeout(), Some(Duration::from_secs(2)));
    assert_eq!(settings.lock_retries(), Some(2));
    assert_eq!(settings.statement_timeout(), Some(Duration::from_secs(300)));
    let runner = MIGRATIONS.runner();
    assert_eq!(runner.table().qualified(), "\"app\".\"migrations\"");
    assert!(runner.overrides().is_empty());
    let runner = runner.lock_wait(Duration::from_secs(1));
    let overrides = runner.overrides();
    assert_eq!(overrides.len(), 1);
    assert_eq!(overrides[0].setting, migrate_runtime::Setting::LockWait);
    assert_eq!(
        overrides[0].to_string(),
        "lock_wait 1s overrides migrate.toml's 10s"
    );
    // Set back to the configured value: nothing is overridden any more.
    let runner = runner.lock_wait(Duration::from_secs(10));
    assert!(runner.overrides().is_empty());
}
