//! `scripts/bench`: the runtime against a raw baseline, on the throwaway server of
//! `DATABASE_URL`. Not a timed test: it prints medians of several runs, their ratio to the
//! baseline, and the round trips each takes (counted by a proxy).
//!
//! - baseline: per migration `BEGIN`, `batch_execute(sql)`, history `INSERT`, `COMMIT` with
//!   `postgres::Client` (4 round trips), after one `SELECT` of the applied versions;
//! - runtime: `Migrations::run`.
//!
//! The migrations are generated (`CREATE TABLE IF NOT EXISTS t_N (...)`) and built at run time
//! with the same constructors `embed_migrations!` expands to.

use std::time::{Duration, Instant};

use migrate_runtime::{Migration, Migrations, Script, Statement, Transaction};
use migrate_tests::proxy::CountingProxy;
use migrate_tests::TestDb;

const RUNS: usize = 5;

fn generated(count: usize) -> Migrations {
    let migrations: Vec<Migration> = (1..=count)
        .map(|i| {
            let sql: &'static str = Box::leak(
                format!("CREATE TABLE IF NOT EXISTS t_{i} (id bigint PRIMARY KEY, note text);\n")
                    .into_boxed_str(),
            );
            let statements: &'static [Statement] =
                Box::leak(Box::new([Statement::__new(0, sql.len() - 2)]));
            let path: &'static str = Box::leak(format!("bench/{i:04}_t.sql").into_boxed_str());
            let checksum: &'static str = Box::leak(format!("{i:064x}").into_boxed_str());
            let up = Script::__new(path, sql, Transaction::Single, statements);
            Migration::__new(i as i64, "t", checksum, up, None)
        })
        .collect();
    Migrations::__new(Box::leak(migrations.into_boxed_slice()))
}

fn baseline(client: &mut postgres::Client, migrations: &Migrations) {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS raw_history (version bigint PRIMARY KEY, name text, \
             checksum text, applied_at timestamptz DEFAULT now())",
        )
        .unwrap();
    let applied: Vec<i64> = client
        .query("SELECT version FROM raw_history", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for m in migrations
        .iter()
        .filter(|m| !applied.contains(&m.version()))
    {
        client.batch_execute("BEGIN").unwrap();
        client.batch_execute(m.up().sql()).unwrap();
        client
            .execute(
                "INSERT INTO raw_history (version, name, checksum) VALUES ($1, $2, $3)",
                &[&m.version(), &m.name(), &m.checksum()],
            )
            .unwrap();
        client.batch_execute("COMMIT").unwrap();
    }
}

/// Median time of `f` over [`RUNS`] fresh databases on direct connections, then its round trips
/// in one more run through the counting proxy (`prepare` runs first, untimed and uncounted).
fn measure(
    proxy: &CountingProxy,
    prepare: impl Fn(&mut postgres::Client),
    f: impl Fn(&mut postgres::Client),
) -> (Duration, usize) {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let db = TestDb::new();
        let mut client = db.client();
        prepare(&mut client);
        let started = Instant::now();
        f(&mut client);
        times.push(started.elapsed());
    }
    times.sort();
    let db = TestDb::new();
    let mut client = proxy.config(&db).connect(postgres::NoTls).unwrap();
    prepare(&mut client);
    proxy.take();
    f(&mut client);
    (times[RUNS / 2], proxy.take())
}

fn main() {
    let proxy = CountingProxy::start();
    println!("| scenario | baseline | runtime | ratio | round trips (baseline / runtime) |");
    println!("|---|---|---|---|---|");
    for count in [100, 1000] {
        let set = generated(count);
        let raw = measure(&proxy, |_| {}, |c| baseline(c, &set));
        let ours = measure(
            &proxy,
            |_| {},
            |c| {
                set.run(c).unwrap();
            },
        );
        row(&format!("fresh apply, {count} migrations"), raw, ours);
    }
    let set = generated(1000);
    let raw = measure(&proxy, |c| baseline(c, &set), |c| baseline(c, &set));
    let ours = measure(
        &proxy,
        |c| {
            set.run(c).unwrap();
        },
        |c| {
            set.run(c).unwrap();
        },
    );
    row("no-op start-up, 1000 applied", raw, ours);
}

fn row(name: &str, (raw, raw_trips): (Duration, usize), (ours, our_trips): (Duration, usize)) {
    println!(
        "| {name} | {:.1} ms | {:.1} ms | {:.2}x | {raw_trips} / {our_trips} |",
        raw.as_secs_f64() * 1000.0,
        ours.as_secs_f64() * 1000.0,
        ours.as_secs_f64() / raw.as_secs_f64()
    );
}
