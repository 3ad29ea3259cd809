//! Compile-time subject (scripts/bench): the tool-* program with only the N=1000 set.
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../generated/n1000/diesel");

fn main() {
    let url = std::env::args().nth(1).unwrap();
    let mut conn = diesel::pg::PgConnection::establish(&url).unwrap();
    conn.run_pending_migrations(MIGRATIONS).unwrap();
}
