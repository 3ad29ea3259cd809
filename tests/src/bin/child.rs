//! The child process of the tests with processes (`tests/processes.rs`, `tests/testing.rs`,
//! `tests/deploy.rs`): a binary of its own, so that a normal test run reports no test for it.
//!
//! ```text
//! child apply FIXTURE DATABASE sync|async   applies a fixture, prints `APPLIED v1 v2 ...`
//! child run FIXTURE URL                     applies a fixture through a connection string (a
//!                                           pooler's), prints `APPLIED v1 v2 ...` or
//!                                           `ERROR message` on one line
//! child fleet FIXTURE DATABASE N PARALLEL   applies a fixture to N tenant schemas of
//!                                           DATABASE, prints the fleet's report
//! child template PREFIX drop|keep|hold      creates a database from the template of PREFIX,
//!                                           prints `CREATED name`, then drops it, keeps it,
//!                                           or holds it until killed
//! ```
//!
//! The server is `DATABASE_URL`, as for the tests.

use std::io::Write;
use std::time::Duration;

use migrate_runtime::fleet::Fleet;
use migrate_runtime::testing::TestDatabases;
use migrate_tests::fixtures::{self, ORDERED};
use migrate_tests::{server_url, tenants, Api, TestDb};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args[..] {
        ["apply", fixture, db, api @ ("sync" | "async")] => apply(fixture, db, api),
        ["run", fixture, url] => run(fixture, url),
        ["fleet", fixture, db, n, parallel] => fleet(fixture, db, n, parallel),
        ["template", prefix, mode @ ("drop" | "keep" | "hold")] => template(prefix, mode),
        _ => {
            eprintln!(
                "usage: child apply FIXTURE DATABASE sync|async | child run FIXTURE URL | \
                 child fleet FIXTURE DATABASE N PARALLEL | child template PREFIX drop|keep|hold \
                 (got {args:?})"
            );
            std::process::exit(2);
        }
    }
}

fn apply(fixture: &str, db: &str, api: &str) {
    let api = if api == "async" {
        Api::Async
    } else {
        Api::Sync
    };
    let db = TestDb::existing(db);
    let report = api.apply(&db, fixtures::by_name(fixture)).unwrap();
    let versions: Vec<String> = report.versions().iter().map(ToString::to_string).collect();
    println!("APPLIED {}", versions.join(" "));
}

fn run(fixture: &str, url: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    match fixtures::by_name(fixture).run(&mut client) {
        Ok(report) => {
            let versions: Vec<String> = report.versions().iter().map(ToString::to_string).collect();
            println!("APPLIED {}", versions.join(" "));
        }
        Err(error) => println!("ERROR {}", error.to_string().replace('\n', " ")),
    }
}

fn fleet(fixture: &str, db: &str, n: &str, parallel: &str) {
    let db = TestDb::existing(db);
    let targets = tenants::schemas(&db, n.parse().unwrap());
    let report = Fleet::new(fixtures::by_name(fixture).runner(), targets)
        .parallelism(parallel.parse().unwrap())
        .run(tokio_postgres::NoTls);
    println!("{report}");
}

fn template(prefix: &str, mode: &str) {
    let databases_of = TestDatabases::new(ORDERED.runner()).prefix(prefix.to_owned());
    let db = databases_of.create(&server_url()).unwrap();
    let users: Vec<String> = db
        .connect()
        .unwrap()
        .query("SELECT email FROM users ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(users, ["admin@example.com"], "the template's seed row");
    // Flushed at once: the parent waits for this line.
    println!("CREATED {}", db.name());
    std::io::stdout().flush().unwrap();
    match mode {
        "keep" => {
            db.keep();
        }
        "hold" => loop {
            std::thread::sleep(Duration::from_secs(1));
        },
        _ => {}
    }
}
