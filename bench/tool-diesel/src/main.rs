//! diesel_migrations: `embed_migrations!` + `run_pending_migrations` on a diesel `PgConnection`
//! (libpq; one transaction per migration).
//! Usage: tool-diesel <100|1000> <connect|run> <url>; prints the run's nanoseconds.
use std::time::Instant;

use diesel::pg::PgConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const N100: EmbeddedMigrations = embed_migrations!("../generated/n100/diesel");
const N1000: EmbeddedMigrations = embed_migrations!("../generated/n1000/diesel");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = match args[1].as_str() {
        "100" => N100,
        "1000" => N1000,
        n => panic!("no embedded set of {n} migrations"),
    };
    let mut conn = PgConnection::establish(&args[3]).unwrap();
    if args[2] == "connect" {
        return;
    }
    let started = Instant::now();
    conn.run_pending_migrations(set).unwrap();
    println!("{}", started.elapsed().as_nanos());
}
