//! `detach-partition-without-concurrently`: `ALTER TABLE ... DETACH PARTITION` takes an
//! `ACCESS EXCLUSIVE` lock on the partitioned table and on the partition: every read and write of
//! the whole partitioned table waits for it, and it waits for every running query on it. Since
//! PostgreSQL 14, `DETACH PARTITION ... CONCURRENTLY` lets reads and writes of the partitioned
//! table go on while it waits for the queries already running, but cannot run in a transaction
//! block, so it goes in a `-- migrate:no-transaction` file. A partitioned table created earlier in the same file is not
//! reported.

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::newer_than_target::DETACH_CONCURRENTLY;

pub(crate) static RULE: Rule = Rule {
    name: "detach-partition-without-concurrently",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`DETACH PARTITION` without `CONCURRENTLY` takes an `ACCESS EXCLUSIVE` lock on the \
             partitioned table that blocks reads and writes of all its partitions",
    help: "write `DETACH PARTITION ... CONCURRENTLY` (PostgreSQL 14 or later) in a migration of \
           its own that starts with `-- migrate:no-transaction`",
    allowable: true,
    autofix: Some(
        "writes `CONCURRENTLY` in a file that starts with `-- migrate:no-transaction` when the \
         target server has it; in a file with a transaction, prints the plan (the statement \
         moved into a new migration of its own) and changes nothing",
    ),
    examples: Examples::Shown(&[Example {
        before: &[(
            "001_events.sql",
            "CREATE TABLE IF NOT EXISTS events (
    at timestamptz NOT NULL,
    payload jsonb
) PARTITION BY RANGE (at);
CREATE TABLE IF NOT EXISTS events_2024 PARTITION OF events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
",
        )],
        bad: (
            "002_archive_events_2024.sql",
            "ALTER TABLE events DETACH PARTITION events_2024;\n",
        ),
        good: (
            "002_archive_events_2024.sql",
            "-- migrate:no-transaction
ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    // `DETACH ... CONCURRENTLY` must be the statement's only sub-command.
    let alone = ctx.alter_table_cmds_at().len() == 1;
    ctx.existing_table_cmds()
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtDetachPartition)
        .filter_map(|(relation, cmd, at)| {
            let Some(NodeEnum::PartitionCmd(p)) = cmd.def.as_ref()?.node.as_ref() else {
                return None;
            };
            if p.concurrent {
                return None;
            }
            let table = display_relation(Some(relation));
            let partition = display_relation(p.name.as_ref());
            let fix = (alone && ctx.target.at_least(DETACH_CONCURRENTLY))
                .then(|| ctx.name_at(p.name.as_ref()?.location))
                .flatten()
                .and_then(|name| ctx.concurrently(name.end, ""));
            let help = if ctx.target.at_least(DETACH_CONCURRENTLY) {
                format!(
                    "write `ALTER TABLE {table} DETACH PARTITION {partition} CONCURRENTLY` \
                     (refused while `{table}` has a `DEFAULT` partition) in a migration of its \
                     own that starts with `-- migrate:no-transaction`"
                )
            } else {
                format!(
                    "`CONCURRENTLY` needs PostgreSQL {DETACH_CONCURRENTLY} ({}): detach it when \
                     few queries use `{table}` and allow the rule with a reason, or raise \
                     `postgres` in migrate.toml",
                    ctx.target
                )
            };
            Some(
                Hit::new(
                    at,
                    format!(
                        "`DETACH PARTITION {partition}` without `CONCURRENTLY` takes an \
                         `ACCESS EXCLUSIVE` lock on `{table}`: reads and writes of all its \
                         partitions wait until it is done"
                    ),
                )
                .help(help)
                .fix(fix),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{
        findings, findings_in, fires, fixed, helps, helps_targeting, passes,
    };

    #[test]
    fn fires_on_detach_from_existing_tables() {
        for sql in [
            "ALTER TABLE events DETACH PARTITION events_2024;",
            "ALTER TABLE IF EXISTS app.events DETACH PARTITION app.events_2024;",
            "CREATE TABLE IF NOT EXISTS events_2024 (id int);\n\
             ALTER TABLE events DETACH PARTITION events_2024;",
        ] {
            fires(&RULE, sql);
        }
        let down = "ALTER TABLE events DETACH PARTITION events_2024;";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }

    #[test]
    fn names_the_partition_and_the_table() {
        let sql = "SELECT 1;\nALTER TABLE app.\"Events\" DETACH PARTITION app.events_2024;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (2, 26));
        assert_eq!(
            found[0].2,
            "`DETACH PARTITION app.events_2024` without `CONCURRENTLY` takes an \
             `ACCESS EXCLUSIVE` lock on `app.\"Events\"`: reads and writes of all its \
             partitions wait until it is done"
        );
        assert_eq!(
            helps(&RULE, sql),
            [
                "write `ALTER TABLE app.\"Events\" DETACH PARTITION app.events_2024 CONCURRENTLY` \
              (refused while `app.\"Events\"` has a `DEFAULT` partition) in a migration of its \
              own that starts with `-- migrate:no-transaction`"
            ]
        );
        assert_eq!(
            helps_targeting(&RULE, 13, sql),
            [
                "`CONCURRENTLY` needs PostgreSQL 14 (migrate.toml declares `postgres = 13`): \
                 detach it when few queries use `app.\"Events\"` and allow the rule with a \
                 reason, or raise `postgres` in migrate.toml"
            ]
        );
    }

    #[test]
    fn passes_concurrently_new_tables_other_commands_text_and_allowed() {
        for sql in [
            "-- migrate:no-transaction\n\
             ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;",
            "ALTER TABLE events DETACH PARTITION events_2024 FINALIZE;",
            "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM (1) TO (2);",
            "CREATE TABLE IF NOT EXISTS events (id int) PARTITION BY RANGE (id);\n\
             CREATE TABLE IF NOT EXISTS events_1 PARTITION OF events FOR VALUES FROM (1) TO (2);\n\
             ALTER TABLE events DETACH PARTITION events_1;",
            "SELECT 'ALTER TABLE events DETACH PARTITION events_2024';",
            "-- ALTER TABLE events DETACH PARTITION events_2024;\nSELECT 1;",
            // Inside a `DO` block, allowed like any other: above the `DO`.
            "-- migrate:allow(detach-partition-without-concurrently) reviewed\nDO $$ BEGIN ALTER TABLE events DETACH PARTITION e1; END $$;",
            "-- migrate:allow(detach-partition-without-concurrently) it has a default partition\n\
             ALTER TABLE events DETACH PARTITION events_2024;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn in_a_file_without_a_transaction_the_fix_writes_concurrently() {
        assert_eq!(
            fixed(
                &RULE,
                "-- migrate:no-transaction\nALTER TABLE events DETACH PARTITION app.\"E\" -- old\n;"
            ),
            "-- migrate:no-transaction\nALTER TABLE events DETACH PARTITION app.\"E\" CONCURRENTLY \
             -- old\n;"
        );
        // With another sub-command, or before PostgreSQL 14, there is no concurrent form.
        for (target, sql) in [
            (
                17,
                "-- migrate:no-transaction\nALTER TABLE e DETACH PARTITION p, ADD COLUMN x int;",
            ),
            (
                13,
                "-- migrate:no-transaction\nALTER TABLE e DETACH PARTITION p;",
            ),
        ] {
            let (_, found, _) = crate::check::check_script(
                "t.sql",
                sql,
                ScriptKind::Up,
                &crate::rule::Policy {
                    target: crate::rule::Target {
                        version: migrate_core::PgVersion::new(target).unwrap(),
                        declared: true,
                    },
                    ..Default::default()
                },
            );
            assert!(found.iter().all(|d| d.fix.is_none()), "{sql}");
        }
    }
}
