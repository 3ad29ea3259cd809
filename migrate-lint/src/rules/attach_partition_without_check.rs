//! `attach-partition-without-check`: `ALTER TABLE parent ATTACH PARTITION child FOR VALUES ...`
//! reads every row of `child` to check that it fits the bound, under an `ACCESS EXCLUSIVE` lock
//! on `child` (and a `SHARE UPDATE EXCLUSIVE` one on `parent`), unless a valid `CHECK`
//! constraint of `child` implies the bound: then PostgreSQL skips the scan ("partition
//! constraint ... is implied by existing constraints"; both checked in `tests/tests/rewrites.rs`).
//! The checker does not compare constraints with bounds: it stays silent when the schema model
//! knows a validated `CHECK` constraint of `child` (taken to be the one proving the bound), and
//! reports the attach of any other table that existed before the file. A table created earlier
//! in the same file is empty and not reported.

use pg_query::protobuf::{AlterTableType, PartitionCmd};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::schema::Known;

pub(crate) static RULE: Rule = Rule {
    name: "attach-partition-without-check",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`ATTACH PARTITION` of an existing table scans it to check the partition bound \
             under an `ACCESS EXCLUSIVE` lock, unless a valid `CHECK` constraint implies the \
             bound",
    help: "add a `CHECK` constraint matching the bound with `NOT VALID`, `VALIDATE` it in a \
           later migration, then attach: PostgreSQL skips the scan",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[
            (
                "001_events.sql",
                "CREATE TABLE IF NOT EXISTS events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE IF NOT EXISTS events_2026 (id bigint, at date NOT NULL);
",
            ),
            (
                "002_events_2026_bound.sql",
                "ALTER TABLE events_2026 DROP CONSTRAINT IF EXISTS events_2026_bound;
ALTER TABLE events_2026 ADD CONSTRAINT events_2026_bound
    CHECK (at >= '2026-01-01' AND at < '2027-01-01') NOT VALID;
",
            ),
        ],
        bad: (
            "003_attach_events_2026.sql",
            "ALTER TABLE events ATTACH PARTITION events_2026
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
",
        ),
        good: (
            "003_attach_events_2026.sql",
            "-- The scan of VALIDATE lets reads and writes go on; the attach then skips its own.
ALTER TABLE events_2026 VALIDATE CONSTRAINT events_2026_bound;
ALTER TABLE events ATTACH PARTITION events_2026
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    ctx.alter_table_cmds_at()
        .into_iter()
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtAttachPartition)
        .filter_map(|(parent, cmd, at)| {
            let Some(NodeEnum::PartitionCmd(PartitionCmd {
                name: Some(child), ..
            })) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
            else {
                return None;
            };
            let proven = matches!(ctx.schema.relation(child),
                Known::Present(r) if r.checks.iter().any(|c| c.valid));
            if proven || !ctx.existed(child) {
                return None;
            }
            let (parent, partition) = (display_relation(parent), display_relation(Some(child)));
            let constraint = ident(&format!("{}_bound", child.relname));
            Some(
                Hit::new(
                    at,
                    format!(
                        "`ALTER TABLE {parent} ATTACH PARTITION {partition}` scans \
                         `{partition}` to check the bound under an `ACCESS EXCLUSIVE` lock, \
                         unless a valid `CHECK` constraint implies the bound"
                    ),
                )
                .help(format!(
                    "first `ALTER TABLE {partition} ADD CONSTRAINT {constraint} CHECK ... NOT \
                     VALID` (the bound as a condition, `NOT NULL` of the key included) and \
                     `ALTER TABLE {partition} VALIDATE CONSTRAINT {constraint}` in a later \
                     migration, then attach; or allow it with the reason that a `CHECK` \
                     already proves the bound"
                )),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, findings_after, helps, passes};

    #[test]
    fn fires_on_attaching_an_existing_table() {
        let sql = "ALTER TABLE app.events ATTACH PARTITION app.events_2026 \
                   FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');";
        assert_eq!(
            findings(&RULE, sql),
            [(
                1,
                24,
                "`ALTER TABLE app.events ATTACH PARTITION app.events_2026` scans \
                 `app.events_2026` to check the bound under an `ACCESS EXCLUSIVE` lock, unless \
                 a valid `CHECK` constraint implies the bound"
                    .to_owned()
            )]
        );
        assert_eq!(
            helps(&RULE, sql),
            ["first `ALTER TABLE app.events_2026 ADD CONSTRAINT events_2026_bound CHECK ... NOT \
              VALID` (the bound as a condition, `NOT NULL` of the key included) and `ALTER \
              TABLE app.events_2026 VALIDATE CONSTRAINT events_2026_bound` in a later \
              migration, then attach; or allow it with the reason that a `CHECK` already \
              proves the bound"]
        );
        assert_eq!(
            findings(&RULE, "ALTER TABLE t ATTACH PARTITION t_other DEFAULT;").len(),
            1
        );
    }

    #[test]
    fn a_validated_check_of_the_table_is_taken_as_the_proof() {
        let attach = "ALTER TABLE events ATTACH PARTITION events_2026 \
                      FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');";
        let table = "CREATE TABLE IF NOT EXISTS events_2026 (id bigint, at date);";
        let not_valid = "ALTER TABLE events_2026 ADD CONSTRAINT b CHECK (at >= '2026-01-01') \
                         NOT VALID;";
        assert_eq!(findings_after(&RULE, &[table], attach).len(), 1);
        assert_eq!(findings_after(&RULE, &[table, not_valid], attach).len(), 1);
        let validated = "ALTER TABLE events_2026 VALIDATE CONSTRAINT b;";
        assert_eq!(
            findings_after(&RULE, &[table, not_valid, validated], attach),
            []
        );
        let valid = "ALTER TABLE events_2026 ADD CONSTRAINT b CHECK (at >= '2026-01-01');";
        assert_eq!(findings_after(&RULE, &[table, valid], attach), []);
        let dropped = "ALTER TABLE events_2026 DROP CONSTRAINT b;";
        assert_eq!(
            findings_after(&RULE, &[table, valid, dropped], attach).len(),
            1
        );
    }

    #[test]
    fn passes_new_tables_detach_and_allowed() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS events_2026 (id bigint, at date);\n\
             ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') \
             TO ('2027-01-01');",
            "ALTER TABLE events DETACH PARTITION events_2025;",
            "CREATE TABLE IF NOT EXISTS events_2027 PARTITION OF events \
             FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');",
            "-- migrate:allow(attach-partition-without-check) events_2026_bound proves it\n\
             ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') \
             TO ('2027-01-01');",
        ] {
            passes(&RULE, sql);
        }
    }
}
