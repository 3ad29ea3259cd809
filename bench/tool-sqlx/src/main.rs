//! sqlx: `sqlx::migrate!` + `Migrator::run` on a `PgPool` (one connection), tokio runtime.
//! Usage: tool-sqlx <100|1000> <connect|run> <url>; prints the run's nanoseconds (after connecting).
use std::time::Instant;

use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;

static N100: Migrator = sqlx::migrate!("../generated/n100/sqlx");
static N1000: Migrator = sqlx::migrate!("../generated/n1000/sqlx");

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = match args[1].as_str() {
        "100" => &N100,
        "1000" => &N1000,
        n => panic!("no embedded set of {n} migrations"),
    };
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&args[3])
        .await
        .unwrap();
    if args[2] != "connect" {
        let started = Instant::now();
        set.run(&pool).await.unwrap();
        println!("{}", started.elapsed().as_nanos());
    }
    pool.close().await;
}
