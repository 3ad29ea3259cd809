//! Directives must give a reason, list rules in parentheses, and allow only rules that
//! can be allowed.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_invalid_directive");

fn main() {}
