//! The raw baseline: one `SELECT` of the applied versions, then per pending migration `BEGIN`,
//! `batch_execute(sql)`, history `INSERT`, `COMMIT` (4 round trips) with `postgres::Client`.
//! Usage: tool-raw <100|1000> <connect|run> <url>; prints the run's nanoseconds (after connecting).
use std::time::Instant;

static N100: &[(i64, &str, &str)] = include!("../../generated/n100/raw.rs");
static N1000: &[(i64, &str, &str)] = include!("../../generated/n1000/raw.rs");

fn run(client: &mut postgres::Client, set: &[(i64, &str, &str)]) {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS raw_history (version bigint PRIMARY KEY, name text, \
             applied_at timestamptz DEFAULT now())",
        )
        .unwrap();
    let applied: std::collections::HashSet<i64> = client
        .query("SELECT version FROM raw_history", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for (version, name, sql) in set.iter().filter(|m| !applied.contains(&m.0)) {
        client.batch_execute("BEGIN").unwrap();
        client.batch_execute(sql).unwrap();
        client
            .execute(
                "INSERT INTO raw_history (version, name) VALUES ($1, $2)",
                &[version, name],
            )
            .unwrap();
        client.batch_execute("COMMIT").unwrap();
    }
}

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
