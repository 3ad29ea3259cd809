//! `migrate drift --format json`: what drift found as one JSON object, for scripts and CI.
//! Pure: values in, a string out.

use migrate_runtime::Drift;
use serde_json::{json, Value};

/// The drift of the database `target` (as `user@host:port/database`): whether it drifted, the
/// applied versions the comparison rebuilt, and each difference with both definitions (`null`
/// for the side that lacks the object).
pub fn json(target: &str, drift: &Drift) -> String {
    let value = json!({
        "database": target,
        "drifted": drift.drifted(),
        "applied": drift.applied.iter().map(ToString::to_string).collect::<Vec<String>>(),
        "compared": drift.compared,
        "differences": drift.differences.iter().map(|d| json!({
            "change": d.change(),
            "kind": d.object().kind.as_str(),
            "name": d.object().name,
            "table": d.object().table,
            "expected": d.expected(),
            "actual": d.actual(),
        })).collect::<Vec<Value>>(),
    });
    format!("{value:#}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_runtime::{Difference, ObjectId, ObjectKind, Version};

    #[test]
    fn each_difference_with_both_definitions() {
        let drift = Drift {
            applied: vec![Version::new(1)],
            compared: 3,
            differences: vec![Difference::Changed {
                object: ObjectId {
                    kind: ObjectKind::Column,
                    name: "public.users.email".into(),
                    table: Some("public.users".into()),
                },
                expected: "text".into(),
                actual: "character varying(100)".into(),
            }],
        };
        let value: Value = serde_json::from_str(&json("u@h:5432/db", &drift)).unwrap();
        assert_eq!(value["drifted"], true);
        assert_eq!(value["applied"], json!(["1"]));
        assert_eq!(
            value["differences"][0],
            json!({
                "change": "changed", "kind": "column", "name": "public.users.email",
                "table": "public.users", "expected": "text", "actual": "character varying(100)",
            })
        );
    }
}
