//! The stall benchmark (scripts/bench stall): how long the application's queries on a table wait
//! while a migration of that table waits for its lock behind a long reader.
//!
//! A reader holds `ACCESS SHARE` on `stall_users` for `READER_SECONDS` (default 8: a report
//! query). Meanwhile a migration `ALTER TABLE stall_users ADD COLUMN ...` (which needs
//! `ACCESS EXCLUSIVE`) starts, and the application reads one row every 10 ms from another
//! connection. Every query queued behind a waiting `ALTER` waits as long as the `ALTER` waits, so
//! the worst query latency is how long the migration's lock wait stalls the application.
//!
//! Usage: `stall <url> [modes]`, each mode run on a fresh table, printing one Markdown row per
//! mode: the worst and the median query latency, the queries, the migration's attempts and
//! total time. The modes:
//! - `default`: `MIGRATIONS.run(&mut client)`, the runner's defaults;
//! - `timeout5s`: a `lock_timeout` of 5 s on each attempt (`Runner::lock_timeout`), the default
//!   before the attempts' timeouts were made short;
//! - `none`: no `lock_timeout` and no retry (`Runner::lock_retries(0)`): the `ALTER` waits as
//!   long as the reader runs.
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate_runtime::{
    Event, Migration, Migrations, Runner, Script, Statement, Transaction, Version,
};

const TABLE: &str = "CREATE TABLE stall_users (id int PRIMARY KEY, email text NOT NULL); \
                     INSERT INTO stall_users SELECT i, 'user' || i || '@example.com' \
                     FROM generate_series(1, 10000) i";
const MIGRATION: &str = "ALTER TABLE stall_users ADD COLUMN IF NOT EXISTS note text;\n";

/// The one-migration set the benchmark applies.
fn migrations() -> Migrations {
    let script = Script::new(
        "migrations/001_add_note.sql",
        MIGRATION,
        Transaction::Single,
        vec![Statement::new(0, MIGRATION.len() - 2)],
    )
    .expect("the statement lies inside the text");
    Migrations::new(vec![Migration::new(
        Version::new(1),
        "add_note",
        script,
        None,
    )])
    .expect("one migration")
}

fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| panic!("connect: {e}"))
}

/// One mode's figures.
struct Measured {
    worst: Duration,
    median: Duration,
    queries: usize,
    attempts: u32,
    migration: Duration,
}

fn measure(url: &str, runner: Runner, reader_seconds: f64) -> Measured {
    let mut admin = connect(url);
    admin
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS stall_users; DROP TABLE IF EXISTS public.schema_migrations; {TABLE}"
        ))
        .expect("create the table");
    let attempts = Arc::new(AtomicU32::new(1));
    let counted = Arc::clone(&attempts);
    let runner = runner.observe(move |event| {
        if let Event::Retrying { .. } = event {
            counted.fetch_add(1, Ordering::Relaxed);
        }
    });
    let done = AtomicBool::new(false);
    let mut reader = connect(url);
    let holding = std::sync::Barrier::new(2);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut tx = reader.transaction().expect("begin");
            tx.batch_execute("SELECT count(*) FROM stall_users")
                .expect("read");
            holding.wait();
            tx.batch_execute(&format!("SELECT pg_sleep({reader_seconds})"))
                .expect("the long reader");
            tx.commit().expect("commit");
        });
        holding.wait();
        let app = scope.spawn(|| {
            let mut client = connect(url);
            let query = client
                .prepare("SELECT email FROM stall_users WHERE id = $1")
                .expect("prepare");
            let mut latencies = Vec::new();
            let mut id = 0;
            while !done.load(Ordering::Relaxed) {
                id = id % 10000 + 1;
                let started = Instant::now();
                client
                    .query_one(&query, &[&id])
                    .expect("the application's query");
                latencies.push(started.elapsed());
                std::thread::sleep(Duration::from_millis(10));
            }
            latencies
        });
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let mut client = connect(url);
        let report = runner
            .run(&mut client)
            .unwrap_or_else(|e| panic!("the migration: {e}"));
        assert_eq!(report.versions().len(), 1, "the migration applied");
        let migration = started.elapsed();
        std::thread::sleep(Duration::from_millis(200));
        done.store(true, Ordering::Relaxed);
        let mut latencies = app.join().expect("the application thread");
        latencies.sort();
        Measured {
            worst: *latencies.last().expect("queries ran"),
            median: latencies[latencies.len() / 2],
            queries: latencies.len(),
            attempts: attempts.load(Ordering::Relaxed),
            migration,
        }
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .expect("usage: stall <url> [default|timeout5s|none ...]");
    let mut modes: Vec<String> = args.collect();
    if modes.is_empty() {
        modes = ["default", "timeout5s", "none"].map(String::from).to_vec();
    }
    let reader_seconds: f64 = std::env::var("READER_SECONDS").ok().map_or(8.0, |s| {
        s.parse().expect("READER_SECONDS is a number of seconds")
    });
    let set = migrations();
    println!("| mode | worst query | median query | queries | attempts | migration |");
    println!("|---|---|---|---|---|---|");
    for mode in &modes {
        let (label, runner) = match mode.as_str() {
            "default" => ("defaults", set.runner()),
            "timeout5s" => (
                "`lock_timeout` 5 s per attempt",
                set.runner().lock_timeout(Duration::from_secs(5)),
            ),
            "none" => ("no `lock_timeout`, no retry", set.runner().lock_retries(0)),
            other => panic!("unknown mode {other}: default, timeout5s or none"),
        };
        let m = measure(&url, runner, reader_seconds);
        println!(
            "| {label} | {:.3} s | {:.1} ms | {} | {} | {:.1} s |",
            m.worst.as_secs_f64(),
            m.median.as_secs_f64() * 1000.0,
            m.queries,
            m.attempts,
            m.migration.as_secs_f64()
        );
    }
}
