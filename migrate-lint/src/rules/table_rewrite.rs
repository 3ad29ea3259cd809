//! `table-rewrite`: statements that write a new copy of a whole existing table while holding an
//! `ACCESS EXCLUSIVE` lock on it, which blocks every read and write until the copy is done:
//! `CLUSTER`, `VACUUM FULL`, and `ALTER TABLE ... SET LOGGED`, `SET UNLOGGED`, `SET TABLESPACE`
//! (a copy of its files) and `SET ACCESS METHOD`. Checked on PostgreSQL: the table's
//! `relfilenode` changes and `pg_locks` shows `AccessExclusiveLock` (`tests/tests/rewrites.rs`).
//! A table created earlier in the same file is empty and seen by nobody: not reported.

use pg_query::protobuf::{AlterTableType, ClusterStmt, RangeVar, VacuumStmt};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "table-rewrite",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`CLUSTER`, `VACUUM FULL` and `ALTER TABLE ... SET LOGGED | SET UNLOGGED | SET \
             TABLESPACE | SET ACCESS METHOD` rewrite an existing table under an `ACCESS \
             EXCLUSIVE` lock that blocks its reads and writes until the copy is done",
    help: "leave the table as it is (a plain `VACUUM` makes dead rows reusable without \
           blocking), or rewrite it outside the migrations with a tool that does it online \
           (`pg_repack`); allow it with a reason when the table is small",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: ("002_users_logged.sql", "ALTER TABLE users SET LOGGED;\n"),
        good: (
            "002_users_logged.sql",
            "-- migrate:allow(table-rewrite) users holds a few hundred rows
ALTER TABLE users SET LOGGED;
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

/// What a rewrite blocks, the end of every message.
const BLOCKS: &str = "under an `ACCESS EXCLUSIVE` lock: reads and writes wait until it is done";

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    match ctx.node {
        NodeEnum::ClusterStmt(s) => cluster(ctx, s).into_iter().collect(),
        NodeEnum::VacuumStmt(s) => vacuum_full(ctx, s),
        _ => ctx
            .existing_table_cmds()
            .filter_map(|(relation, cmd, at)| {
                let what = match cmd.subtype() {
                    AlterTableType::AtSetLogged => "SET LOGGED",
                    AlterTableType::AtSetUnLogged => "SET UNLOGGED",
                    AlterTableType::AtSetTableSpace => "SET TABLESPACE",
                    AlterTableType::AtSetAccessMethod => "SET ACCESS METHOD",
                    _ => return None,
                };
                let table = display_relation(Some(relation));
                Some(
                    Hit::new(
                        at,
                        format!("`ALTER TABLE {table} {what}` rewrites the table {BLOCKS}"),
                    )
                    .help(format!(
                        "on a large table, do it outside the migrations with a tool that \
                         rewrites online (`pg_repack`), or allow it with a reason when \
                         `{table}` is small"
                    )),
                )
            })
            .collect(),
    }
}

/// `CLUSTER t [USING i]`; `CLUSTER` alone rewrites every table clustered before.
fn cluster(ctx: &StatementCtx<'_>, s: &ClusterStmt) -> Option<Hit> {
    let what = match s.relation.as_ref() {
        Some(r) if !ctx.existed(r) => return None,
        Some(r) => format!("`CLUSTER {}` rewrites the table", display_relation(Some(r))),
        None => "`CLUSTER` rewrites every table clustered before".to_owned(),
    };
    Some(
        ctx.hit(format!("{what} {BLOCKS}"))
            .help(rewrite_help(s.relation.as_ref())),
    )
}

/// `VACUUM FULL [t, ...]`: without a table, every table of the database.
fn vacuum_full(ctx: &StatementCtx<'_>, s: &VacuumStmt) -> Vec<Hit> {
    let full = s.options.iter().any(|o| {
        matches!(o.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "full"
            && !matches!(d.arg.as_deref().and_then(|a| a.node.as_ref()),
                Some(NodeEnum::String(v)) if matches!(v.sval.as_str(), "false" | "off" | "0")))
    });
    if !s.is_vacuumcmd || !full {
        return Vec::new();
    }
    let relations: Vec<&RangeVar> = s
        .rels
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::VacuumRelation(v)) => v.relation.as_ref(),
            _ => None,
        })
        .collect();
    if relations.is_empty() {
        return vec![ctx
            .hit(format!(
                "`VACUUM FULL` without a table rewrites every table of the database {BLOCKS}"
            ))
            .help(rewrite_help(None))];
    }
    relations
        .into_iter()
        .filter(|r| ctx.existed(r))
        .map(|r| {
            Hit::new(
                ctx.at(r.location),
                format!(
                    "`VACUUM FULL {}` rewrites the table {BLOCKS}",
                    display_relation(Some(r))
                ),
            )
            .help(rewrite_help(Some(r)))
        })
        .collect()
}

/// The fix of `CLUSTER` and `VACUUM FULL`: a plain `VACUUM`, or an online tool.
fn rewrite_help(relation: Option<&RangeVar>) -> String {
    let vacuum = match relation {
        Some(r) => format!("VACUUM {}", display_relation(Some(r))),
        None => "VACUUM".to_owned(),
    };
    format!(
        "a plain `{vacuum}` (in a `-- migrate:no-transaction` migration) makes dead rows \
         reusable without blocking; to shrink or reorder the table, use a tool that rewrites \
         online (`pg_repack`) outside the migrations"
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, fires, helps, passes};

    #[test]
    fn fires_on_rewrites_of_existing_tables() {
        for sql in [
            "CLUSTER users USING users_pkey;",
            "CLUSTER users;",
            "-- migrate:no-transaction\nCLUSTER;",
            "-- migrate:no-transaction\nVACUUM FULL users;",
            "-- migrate:no-transaction\nVACUUM (FULL, ANALYZE) app.users, orders;",
            "-- migrate:no-transaction\nVACUUM FULL;",
            "ALTER TABLE users SET LOGGED;",
            "ALTER TABLE users SET UNLOGGED;",
            "ALTER TABLE users SET TABLESPACE fast;",
            "ALTER TABLE users SET ACCESS METHOD heap2;",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS a int, SET LOGGED;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn names_the_table_and_points_at_the_sub_command() {
        let sql = "ALTER TABLE app.users\n  ALTER COLUMN a SET DEFAULT 1,\n  SET UNLOGGED;\n\
                   VACUUM (FULL) orders, app.users;";
        assert_eq!(
            findings(&RULE, sql),
            [
                (
                    3,
                    3,
                    "`ALTER TABLE app.users SET UNLOGGED` rewrites the table under an `ACCESS \
                     EXCLUSIVE` lock: reads and writes wait until it is done"
                        .to_owned()
                ),
                (
                    4,
                    15,
                    "`VACUUM FULL orders` rewrites the table under an `ACCESS EXCLUSIVE` lock: \
                     reads and writes wait until it is done"
                        .to_owned()
                ),
                (
                    4,
                    23,
                    "`VACUUM FULL app.users` rewrites the table under an `ACCESS EXCLUSIVE` \
                     lock: reads and writes wait until it is done"
                        .to_owned()
                ),
            ]
        );
        assert_eq!(
            helps(&RULE, "CLUSTER app.users;")[0],
            "a plain `VACUUM app.users` (in a `-- migrate:no-transaction` migration) makes dead \
             rows reusable without blocking; to shrink or reorder the table, use a tool that \
             rewrites online (`pg_repack`) outside the migrations"
        );
    }

    #[test]
    fn passes_new_tables_plain_vacuum_other_commands_and_allowed() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS t (id int);\nALTER TABLE t SET UNLOGGED;\nCLUSTER t;",
            "CREATE UNLOGGED TABLE IF NOT EXISTS t (id int);\nALTER TABLE t SET LOGGED;",
            "-- migrate:no-transaction\nCREATE TABLE IF NOT EXISTS t (id int);\nVACUUM FULL t;",
            "-- migrate:no-transaction\nVACUUM users;",
            "-- migrate:no-transaction\nVACUUM (ANALYZE) users;",
            "-- migrate:no-transaction\nVACUUM (FULL false) users;",
            "ANALYZE users;",
            "ALTER TABLE users ALTER COLUMN a SET STATISTICS 100;",
            "ALTER TABLE users SET (fillfactor = 70);",
            "SELECT 'CLUSTER users';",
            "-- migrate:allow(table-rewrite) ten rows\nALTER TABLE users SET LOGGED;",
        ] {
            passes(&RULE, sql);
        }
    }
}
