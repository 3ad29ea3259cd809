//! The sweep: dropping the test databases of processes that died without dropping them.

use std::sync::Mutex;

use super::liveness::{liveness_key, LIVE_CLASS};
use crate::template::TemplateError as TestDatabaseError;
use crate::template::{admin_error, describe, drop_sql};

/// The comment [`TestDatabase::keep`](super::TestDatabase::keep) puts on a database, which spares it from the sweep.
pub(super) const KEPT_COMMENT: &str = "kept by migrate-runtime testing";

/// Drops the test databases of `prefix` whose process is gone: not kept, and their liveness lock
/// free (taken here for the time of the drop, so that two sweeps never race on one). Once per
/// process, server and prefix: what dies later is swept by the next test run.
pub(super) fn sweep(
    admin: &mut postgres::Client,
    admin_config: &postgres::Config,
    prefix: &str,
) -> Result<(), TestDatabaseError> {
    static SWEPT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut swept = SWEPT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = format!("{} prefix {prefix}", describe(admin_config));
    if swept.contains(&key) {
        return Ok(());
    }
    let names: Vec<String> = admin
        .query(
            "SELECT datname::text FROM pg_database d \
             WHERE NOT datistemplate AND starts_with(datname, $1) \
             AND shobj_description(d.oid, 'pg_database') IS DISTINCT FROM $2",
            &[&format!("{prefix}_test_"), &KEPT_COMMENT],
        )
        .map_err(admin_error("list the test databases".into()))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let keys: Vec<i32> = names.iter().map(|name| liveness_key(name)).collect();
    let dead = admin
        .query(
            "SELECT name, key FROM unnest($1::text[], $2::int4[]) AS t(name, key) \
             WHERE pg_try_advisory_lock($3, key)",
            &[&names, &keys, &LIVE_CLASS],
        )
        .map_err(admin_error(
            "find the test databases of dead processes".into(),
        ))?;
    for row in &dead {
        let (name, key): (String, i32) = (row.get(0), row.get(1));
        let dropped = admin.batch_execute(&drop_sql(&name));
        let _ = admin.execute("SELECT pg_advisory_unlock($1, $2)", &[&LIVE_CLASS, &key]);
        dropped.map_err(admin_error(format!(
            "drop the test database {name}, left by a process that ended without dropping it"
        )))?;
        tracing::info!(database = %name, "dropped a test database left by a dead process");
    }
    swept.push(key);
    Ok(())
}
