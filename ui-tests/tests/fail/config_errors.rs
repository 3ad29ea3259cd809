//! Every problem of `migrate.toml` is a compile error at `migrate.toml:line:col` with a fix:
//! unknown keys and rules (with the name probably meant), rules that cannot be allowed, bad
//! values, a missing reason, a file name that names no file.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/fail_config_errors");

fn main() {}
