//! refinery: `embed_migrations!` + `runner().run` on a sync `postgres::Client` (defaults: one
//! transaction per migration).
//! Usage: tool-refinery <100|1000> <connect|run> <url>; prints the run's nanoseconds.
use std::time::Instant;

mod n100 {
    refinery::embed_migrations!("../generated/n100/refinery");
}
mod n1000 {
    refinery::embed_migrations!("../generated/n1000/refinery");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runner = match args[1].as_str() {
        "100" => n100::migrations::runner(),
        "1000" => n1000::migrations::runner(),
        n => panic!("no embedded set of {n} migrations"),
    };
    let mut client = postgres::Client::connect(&args[3], postgres::NoTls).unwrap();
    if args[2] == "connect" {
        return;
    }
    let started = Instant::now();
    runner.run(&mut client).unwrap();
    println!("{}", started.elapsed().as_nanos());
}
