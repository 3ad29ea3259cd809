//! `migrate status --format json`: one database's status as one JSON object, for scripts and
//! dashboards. Pure: values in, a string out.

use migrate_runtime::{RowState, Status};
use serde_json::{json, Value};

/// The status of the database `target` (as `user@host:port/database`) whose history table is
/// `table` (quoted): the applied and pending migrations, the checkpoint a run would apply first
/// (`null` without one), the repeatable migrations (applied, to apply, gone), the findings, the
/// INVALID indexes and the newest repairs, newest first.
pub fn json(target: &str, table: &str, status: &Status) -> String {
    let state = |state: &RowState| json!({ "state": state.as_str(), "checksum": state.checksum() });
    let value = json!({
        "database": target,
        "history_table": table,
        "applied": status.applied.iter().map(|row| json!({
            "version": row.version.to_string(),
            "name": row.name,
            "checksum": row.checksum,
            "applied_at": row.applied_at,
            "execution_ms": row.execution_ms,
        })).collect::<Vec<Value>>(),
        "pending": status.pending().iter().map(|p| json!({
            "version": p.version().to_string(),
            "name": p.name(),
            "path": p.migration().up().path(),
            "resume_at": p.resume_at(),
        })).collect::<Vec<Value>>(),
        "checkpoint": status.checkpoint().map(|c| json!({
            "version": c.version().to_string(),
            "path": c.script().path(),
            "covers": c.covers().len(),
        })),
        "repeatables": {
            "applied": status.repeatables.iter().map(|r| json!({
                "name": r.name,
                "checksum": r.checksum,
                "applied_at": r.applied_at,
                "execution_ms": r.execution_ms,
            })).collect::<Vec<Value>>(),
            "pending": status.plan.repeatables().iter().map(|p| json!({
                "name": p.repeatable().name(),
                "path": p.repeatable().script().path(),
                "checksum": p.repeatable().checksum(),
                "recorded_checksum": p.recorded_checksum(),
            })).collect::<Vec<Value>>(),
            "gone": status.plan.repeatables_gone().iter().map(|r| r.name.as_str()).collect::<Vec<&str>>(),
        },
        "findings": status.findings().iter().map(|f| json!({
            "severity": f.severity.as_str(),
            "version": f.kind.version().to_string(),
            "message": f.kind.to_string(),
        })).collect::<Vec<Value>>(),
        "invalid_indexes": status.invalid_indexes.iter().map(|i| json!({
            "version": i.version.to_string(),
            "path": i.path,
            "index": i.index,
        })).collect::<Vec<Value>>(),
        "repairs": status.repairs.iter().map(|r| json!({
            "at": r.at,
            "action": r.change.action.as_str(),
            "version": r.change.version.to_string(),
            "name": r.change.name,
            "before": state(&r.change.before),
            "after": state(&r.change.after),
            "reason": r.reason,
            "database_user": r.database_user,
            "client_user": r.client_user,
            "client_host": r.client_host,
            "client_addr": r.client_addr,
        })).collect::<Vec<Value>>(),
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).expect("JSON values serialise")
    )
}
