//! The fleet benchmark's program (scripts/bench, fleet section): one embedded set
//! (bench/generated/fleet, FLEET_MIGRATIONS files) applied to tenant schemas `tenant_00001`,
//! `tenant_00002`, ... of the database `url` names, which the driver creates fresh.
//!
//! Usage, each printing nanoseconds on stdout, timed in this process from before the first
//! connection to after the last target is done:
//! - `fleet sequential <url> <tenants>`: the loop users write today, for each schema: connect,
//!   `MIGRATIONS.runner().tenant_schema(s).run(&mut client)`;
//! - `fleet fleet <parallelism> <url> <tenants>`: `Fleet::new(..).parallelism(p).run(NoTls)`;
//!   prints the whole run's time, then the median of the targets' own times (connect and run,
//!   as the fleet's report gives them);
//! - `fleet single <url> <schema>`: one target alone: connect and run;
//! - `fleet raw <parallelism> <url> <tenants>`: the same SQL without the tool, as the floor of
//!   what the server costs: `parallelism` threads, each with one connection, take the next
//!   tenant and run each migration's SQL in its own transaction under `SET LOCAL search_path`
//!   (no history table, no lock, no checksum).
//!
//! Every target must end with every migration applied, or the program panics.
use std::time::{Duration, Instant};

use migrate_runtime::fleet::{Fleet, Outcome, Target};
use migrate_runtime::{Migrations, Report};

static MIGRATIONS: Migrations = migrate_runtime::embed_migrations!("../generated/fleet");

/// The name of tenant `i` (from 1).
fn schema(i: usize) -> String {
    format!("tenant_{i:05}")
}

/// Panics unless `report` applied the whole set to `target`.
fn check(target: &str, report: &Report) {
    let applied = report.versions().len();
    assert_eq!(
        applied,
        MIGRATIONS.len(),
        "{target}: {applied} migrations applied, expected {}",
        MIGRATIONS.len()
    );
}

/// Connects to `url` and applies the set to `schema`, as one target of the users' loop.
fn migrate_one(url: &str, schema: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{schema}: connect: {e}"));
    let report = MIGRATIONS
        .runner()
        .tenant_schema(schema)
        .run(&mut client)
        .unwrap_or_else(|e| panic!("{schema}: {e}"));
    check(schema, &report);
}

/// The same SQL without the tool, `parallelism` tenants at a time.
fn raw(parallelism: usize, url: &str, tenants: usize) {
    let next = std::sync::atomic::AtomicUsize::new(1);
    std::thread::scope(|scope| {
        for _ in 0..parallelism {
            scope.spawn(|| {
                let mut client = postgres::Client::connect(url, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("connect: {e}"));
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i > tenants {
                        break;
                    }
                    let schema = schema(i);
                    client
                        .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                        .unwrap_or_else(|e| panic!("{schema}: {e}"));
                    for migration in &MIGRATIONS {
                        client
                            .batch_execute(&format!(
                                "BEGIN; SET LOCAL search_path TO {schema}; {}; COMMIT",
                                migration.up().sql()
                            ))
                            .unwrap_or_else(|e| panic!("{schema}: {}: {e}", migration.name()));
                    }
                }
            });
        }
    });
}

/// Runs the fleet over `tenants` schemas at `parallelism`; returns the median of the targets'
/// own times.
fn fleet(parallelism: usize, url: &str, tenants: usize) -> Duration {
    let config: tokio_postgres::Config = url.parse().expect("a connection URL");
    let targets = (1..=tenants)
        .map(|i| Target::schema(config.clone(), schema(i)))
        .collect();
    let report = Fleet::new(MIGRATIONS.runner(), targets)
        .parallelism(parallelism)
        .run(tokio_postgres::NoTls);
    let mut times: Vec<Duration> = report
        .targets
        .iter()
        .map(|t| {
            match &t.outcome {
                Outcome::Applied(r) => check(&t.target, r),
                other => panic!("{}: {other:?}", t.target),
            }
            t.elapsed
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = |s: &str| -> usize { s.parse().expect("a count") };
    let started = Instant::now();
    let target_median = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["sequential", url, tenants] => {
            for i in 1..=count(tenants) {
                migrate_one(url, &schema(i));
            }
            None
        }
        ["fleet", parallelism, url, tenants] => {
            Some(fleet(count(parallelism), url, count(tenants)))
        }
        ["raw", parallelism, url, tenants] => {
            raw(count(parallelism), url, count(tenants));
            None
        }
        ["single", url, schema] => {
            migrate_one(url, schema);
            None
        }
        _ => panic!(
            "usage: fleet sequential URL TENANTS | fleet fleet PARALLELISM URL TENANTS | \
             fleet raw PARALLELISM URL TENANTS | fleet single URL SCHEMA"
        ),
    };
    let elapsed = started.elapsed().as_nanos();
    match target_median {
        Some(m) => println!("{elapsed} {}", m.as_nanos()),
        None => println!("{elapsed}"),
    }
}
