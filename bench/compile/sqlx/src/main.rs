//! Compile-time subject (scripts/bench): the tool-* program with only the N=1000 set.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../generated/n1000/sqlx");

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).unwrap();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    MIGRATOR.run(&pool).await.unwrap();
}
