//! The raw baseline: one `SELECT` of the applied versions, then per pending migration `BEGIN`,
//! `batch_execute(sql)`, history `INSERT`, `COMMIT` (4 round trips) with `postgres::Client`.
//! Usage: tool-raw <100|1000> <connect|run> <url>; prints the run's nanoseconds (after connecting).
use std::time::Instant;

mod run;
use run::run;

static N100: &[(i64, &str, &str)] = include!("../../generated/n100/raw.rs");
static N1000: &[(i64, &str, &str)] = include!("../../generated/n1000/raw.rs");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = match args[1].as_str() {
        "100" => N100,
        "1000" => N1000,
        n => panic!("no embedded set of {n} migrations"),
    };
    let mut client = postgres::Client::connect(&args[3], postgres::NoTls).unwrap();
    if args[2] == "connect" {
        return;
    }
    let started = Instant::now();
    run(&mut client, set);
    println!("{}", started.elapsed().as_nanos());
}
