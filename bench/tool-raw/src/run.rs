//! The raw baseline's runner, shared by tool-raw and compile/raw: one `SELECT` of the applied
//! versions, then per pending migration `BEGIN`, `batch_execute(sql)`, history `INSERT`,
//! `COMMIT` (4 round trips) with `postgres::Client`.

/// Applies the pending migrations of `set` (version, name, SQL).
pub fn run(client: &mut postgres::Client, set: &[(i64, &str, &str)]) {
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
