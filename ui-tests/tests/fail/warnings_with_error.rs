//! Warnings (a lock hazard, an unneeded `no-transaction`, an unused allow) are shown
//! together with the error that fails the build.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_warnings_with_error");

fn main() {}
