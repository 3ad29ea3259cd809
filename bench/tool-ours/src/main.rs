//! migrate-runtime: `embed_migrations!` + `Migrations::run` on a sync `postgres::Client`.
//! Usage: tool-ours <100|1000> <connect|run> <url>; prints the run's nanoseconds (after connecting).
use std::time::Instant;

static N100: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("../generated/n100/ours");
static N1000: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("../generated/n1000/ours");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = match args[1].as_str() {
        "100" => &N100,
        "1000" => &N1000,
        n => panic!("no embedded set of {n} migrations"),
    };
    let mut client = postgres::Client::connect(&args[3], postgres::NoTls).unwrap();
    if args[2] == "connect" {
        return;
    }
    let started = Instant::now();
    set.run(&mut client).unwrap();
    println!("{}", started.elapsed().as_nanos());
}
