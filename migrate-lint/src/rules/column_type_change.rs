//! `column-type-change`: `ALTER COLUMN ... TYPE` rewrites the whole table (and rebuilds its
//! indexes) under an `ACCESS EXCLUSIVE` lock that blocks reads and writes until it is done. The
//! safe path is a new column of the new type, filled in batches, then swapped. A few changes need
//! no rewrite (raising a `varchar` limit, `varchar` to `text`, `text` to `varchar`, a larger
//! `numeric` precision): when the schema model knows the column's type (an earlier file or
//! statement defined it) such a change is not reported; when it does not, it is confirmed with an
//! allow directive. A table created earlier in the same file is not reported.

use pg_query::protobuf::{AlterTableCmd, AlterTableType, RangeVar};

use crate::diagnostic::{Hit, Severity};
use crate::objects::{cmd_column, display_relation, display_type};
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;
use crate::schema::{type_change, ColumnType, Known, TypeChange};

pub(crate) static RULE: Rule = Rule {
    name: "column-type-change",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`ALTER COLUMN ... TYPE` on an existing table usually rewrites it under an \
             `ACCESS EXCLUSIVE` lock that blocks reads and writes",
    help: "add a column of the new type, backfill it in batches, switch to it and drop the old \
           one in later migrations; a change that needs no rewrite (a larger `varchar` limit, \
           `varchar` to `text`) is not reported when an earlier file defined the column, else \
           confirm it with `-- migrate:allow(column-type-change)`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[
            USERS,
            (
                "002_add_orders.sql",
                "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL
);
",
            ),
        ],
        bad: (
            "003_orders_user_id_bigint.sql",
            "ALTER TABLE orders ALTER COLUMN user_id TYPE bigint;\n",
        ),
        good: (
            "003_orders_user_id_bigint.sql",
            "-- Backfilled in batches by the application; the switch comes in a later migration.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS user_id_new bigint;
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    ctx.existing_table_cmds()
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtAlterColumnType)
        .filter_map(|(relation, cmd, at)| {
            let table = display_relation(Some(relation));
            let column = ident(&cmd.name);
            let type_name = cmd_column(cmd).and_then(|c| c.type_name.as_ref());
            let new_type = type_name.map_or_else(String::new, display_type);
            let at = type_name.map_or(at, |t| ctx.at(t.location));
            let change = format!("`ALTER COLUMN {column} TYPE {new_type}`");
            let hit = match rebuilt_indexes(ctx, relation, cmd) {
                None if zone_dependent(ctx, relation, cmd) => Hit::new(
                    at,
                    format!(
                        "{change} locks `{table}` (`ACCESS EXCLUSIVE`) and rewrites it, unless \
                         the session's TimeZone is UTC"
                    ),
                )
                .help(
                    "if the stored values are in UTC, write `SET LOCAL timezone = 'UTC';` above \
                     it: PostgreSQL (12 and later) then keeps the table and rebuilds only the \
                     column's indexes; otherwise add a column of the new type, backfill it in \
                     batches and switch to it in later migrations",
                ),
                None => Hit::new(
                    at,
                    format!(
                        "{change} locks `{table}` (`ACCESS EXCLUSIVE`) and rewrites it, unless \
                         the old type converts without a rewrite"
                    ),
                )
                .help(format!(
                    "add `{} {new_type}` to `{table}`, backfill it in batches, then switch to \
                     it and drop `{column}` in later migrations; if this change needs no \
                     rewrite (a larger `varchar` limit, `varchar` to `text`), write \
                     `-- migrate:allow(column-type-change) <why>` above the statement",
                    ident(&format!("{}_new", cmd.name))
                )),
                Some(indexes) if indexes.is_empty() => return None,
                Some(indexes) => Hit::new(
                    at,
                    format!(
                        "{change} keeps the stored values but rebuilds {} on `{table}` under \
                         its `ACCESS EXCLUSIVE` lock: a scan of the whole table",
                        indexes.join(", ")
                    ),
                )
                .help(format!(
                    "on a large table, drop {} in one migration and build it again with \
                     `CREATE INDEX CONCURRENTLY` after the type change; or, when the table is \
                     small, write `-- migrate:allow(column-type-change) <why>` above the \
                     statement",
                    indexes.join(", ")
                )),
            };
            Some(hit)
        })
        .collect()
}

/// Whether the change is `timestamp` to `timestamptz` or back, which rewrites the table unless
/// the session's TimeZone is UTC (and the file did not set it so).
fn zone_dependent(ctx: &StatementCtx<'_>, relation: &RangeVar, cmd: &AlterTableCmd) -> bool {
    let Some(new) = cmd_column(cmd).filter(|c| c.raw_default.is_none()) else {
        return false;
    };
    let new = ColumnType::of_column(new);
    match ctx.schema.column(relation, &cmd.name) {
        Known::Present(old) => {
            !ctx.schema.utc()
                && type_change(&old.ty, &new, true) != TypeChange::Rewrites
                && type_change(&old.ty, &new, false) == TypeChange::Rewrites
        }
        Known::Absent | Known::Unknown => false,
    }
}

/// When the model knows the column's type and the new one keeps every stored value (no
/// `USING`), PostgreSQL leaves the table as it is and rebuilds only some of its indexes: those,
/// as far as the model knows them (empty: nothing to report). `None` when the table is
/// rewritten, or when the model cannot tell.
fn rebuilt_indexes(
    ctx: &StatementCtx<'_>,
    relation: &RangeVar,
    cmd: &AlterTableCmd,
) -> Option<Vec<String>> {
    let new = cmd_column(cmd).filter(|c| c.raw_default.is_none())?;
    let new = ColumnType::of_column(new);
    let Known::Present(old) = ctx.schema.column(relation, &cmd.name) else {
        return None;
    };
    match type_change(&old.ty, &new, ctx.schema.utc()) {
        TypeChange::Rewrites => None,
        change => ctx.schema.rebuilt_indexes(relation, &cmd.name, change),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_after, findings_in, fires, passes};

    #[test]
    fn fires_on_type_changes_of_existing_tables() {
        for sql in [
            "ALTER TABLE users ALTER COLUMN id TYPE bigint;",
            "ALTER TABLE users ALTER id SET DATA TYPE bigint;",
            "ALTER TABLE app.users ALTER COLUMN age TYPE integer USING age::integer;",
            "CREATE TABLE IF NOT EXISTS other (id int);\n\
             ALTER TABLE users ALTER COLUMN id TYPE bigint;",
        ] {
            fires(&RULE, sql);
        }
        let down = "ALTER TABLE users ALTER COLUMN id TYPE int;";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }

    #[test]
    fn points_at_the_new_type_and_names_it() {
        let sql = "ALTER TABLE users\n  ALTER COLUMN email TYPE varchar(320),\n  \
                   ALTER COLUMN id TYPE bigint,\n  ALTER COLUMN tags TYPE text[];";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 3);
        assert_eq!((found[0].0, found[0].1), (2, 27));
        assert_eq!(
            found[0].2,
            "`ALTER COLUMN email TYPE varchar(320)` locks `users` (`ACCESS EXCLUSIVE`) and \
             rewrites it, unless the old type converts without a rewrite"
        );
        assert!(found[1].2.starts_with("`ALTER COLUMN id TYPE bigint`"));
        assert!(found[2].2.starts_with("`ALTER COLUMN tags TYPE text[]`"));
        let (_, diagnostics, _) = crate::check::check_script(
            "t.sql",
            sql,
            ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let d = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert!(d
            .help
            .starts_with("add `email_new varchar(320)` to `users`, backfill it in batches"));
    }

    #[test]
    fn passes_new_tables_other_commands_text_and_allowed() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS users (id int);\n\
             ALTER TABLE users ALTER COLUMN id TYPE bigint;",
            "ALTER TABLE users ALTER COLUMN id SET DEFAULT 0;",
            "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
            "SELECT 'ALTER TABLE users ALTER COLUMN id TYPE bigint';",
            "-- ALTER TABLE users ALTER COLUMN id TYPE bigint;\nSELECT 1;",
            // Inside a `DO` block, allowed like any other: above the `DO`.
            "-- migrate:allow(column-type-change) reviewed\nDO $$ BEGIN ALTER TABLE users ALTER COLUMN id TYPE bigint; END $$;",
            "-- migrate:allow(column-type-change) varchar(64) to text needs no rewrite\n\
             ALTER TABLE users ALTER COLUMN name TYPE text;",
        ] {
            passes(&RULE, sql);
        }
    }

    /// Checked on PostgreSQL: the table's `relfilenode` stays the same for the changes that
    /// pass, and changes for those that fire.
    #[test]
    fn knows_the_old_type_from_earlier_files() {
        let earlier = [
            "CREATE TABLE IF NOT EXISTS users (email varchar(64), name text, \
                        bio varchar, price numeric(10, 2), tags varchar(64)[], n int);",
        ];
        for sql in [
            "ALTER TABLE users ALTER COLUMN email TYPE varchar(255);",
            "ALTER TABLE users ALTER COLUMN email TYPE text;",
            "ALTER TABLE users ALTER COLUMN email TYPE character varying;",
            "ALTER TABLE users ALTER COLUMN name TYPE varchar;",
            "ALTER TABLE users ALTER COLUMN bio TYPE text;",
            "ALTER TABLE users ALTER COLUMN price TYPE numeric(12, 2);",
            "ALTER TABLE users ALTER COLUMN price TYPE numeric;",
            "ALTER TABLE public.users ALTER COLUMN email TYPE varchar(64);",
        ] {
            assert_eq!(findings_after(&RULE, &earlier, sql), [], "{sql}");
        }
        for sql in [
            "ALTER TABLE users ALTER COLUMN email TYPE varchar(32);",
            "ALTER TABLE users ALTER COLUMN name TYPE varchar(300);",
            "ALTER TABLE users ALTER COLUMN email TYPE text USING lower(email);",
            "ALTER TABLE users ALTER COLUMN price TYPE numeric(12, 3);",
            "ALTER TABLE users ALTER COLUMN tags TYPE varchar(100)[];",
            "ALTER TABLE users ALTER COLUMN n TYPE bigint;",
            "ALTER TABLE other.users ALTER COLUMN email TYPE varchar(255);",
            "ALTER TABLE unknown ALTER COLUMN email TYPE varchar(255);",
        ] {
            assert_eq!(findings_after(&RULE, &earlier, sql).len(), 1, "{sql}");
        }
        // The model follows the earlier changes: the limit is 255 by now.
        let widened = [
            earlier[0],
            "ALTER TABLE users ALTER COLUMN email TYPE varchar(255);",
        ];
        let sql = "ALTER TABLE users ALTER COLUMN email TYPE varchar(128);";
        assert_eq!(findings_after(&RULE, &widened, sql).len(), 1);
        let sql = "ALTER TABLE users ALTER COLUMN email TYPE varchar(255);";
        assert_eq!(findings_after(&RULE, &widened, sql), []);
    }

    /// Checked on PostgreSQL 15 (`relfilenode` of the table and of each index; `migrate trace`
    /// sees the scan): `varchar` to `text` leaves the table and a plain index as they are but
    /// rebuilds an index on `lower(keyword)` or with a predicate reading the column; under a
    /// UTC session `timestamp` to `timestamptz` leaves the table but rebuilds every index on
    /// the column, and rewrites the table otherwise; a new collation rebuilds the column's
    /// indexes only.
    #[test]
    fn names_the_indexes_a_change_that_keeps_the_values_rebuilds() {
        let earlier = [
            "CREATE TABLE IF NOT EXISTS keywords (id bigint PRIMARY KEY, keyword varchar(64), \
             note varchar(64), seen timestamp, made timestamp UNIQUE, label varchar);\n\
             CREATE INDEX IF NOT EXISTS keywords_plain ON keywords (keyword);\n\
             CREATE INDEX IF NOT EXISTS keywords_lower ON keywords (lower(keyword));\n\
             CREATE INDEX IF NOT EXISTS keywords_seen ON keywords (seen);\n\
             CREATE INDEX IF NOT EXISTS keywords_noted ON keywords (id) WHERE note IS NOT NULL;",
        ];
        let found = findings_after(
            &RULE,
            &earlier,
            "ALTER TABLE keywords ALTER COLUMN keyword TYPE text;",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].2.starts_with(
                "`ALTER COLUMN keyword TYPE text` keeps the stored values but rebuilds \
                 `keywords_lower` on `keywords`"
            ),
            "{}",
            found[0].2
        );
        let partial = "ALTER TABLE keywords ALTER COLUMN note TYPE text;";
        assert!(findings_after(&RULE, &earlier, partial)[0]
            .2
            .contains("rebuilds `keywords_noted`"));
        // Dropped, it is rebuilt no more.
        let dropped = [earlier[0], "DROP INDEX IF EXISTS keywords_lower;"];
        let sql = "ALTER TABLE keywords ALTER COLUMN keyword TYPE text;";
        assert_eq!(findings_after(&RULE, &dropped, sql), []);
        // timestamp to timestamptz: no rewrite under UTC, but the column's indexes are rebuilt.
        for (sql, rebuilt) in [
            ("SET timezone = 'UTC';\nALTER TABLE keywords ALTER seen TYPE timestamptz;", "`keywords_seen`"),
            ("SET LOCAL TIME ZONE 'Etc/UTC';\nALTER TABLE keywords ALTER made TYPE timestamptz;", "`keywords_made_key`"),
            ("SET TIME ZONE 0;\nALTER TABLE keywords ALTER seen TYPE timestamptz, ALTER made TYPE timestamptz;", "`keywords_seen`"),
        ] {
            let found = findings_after(&RULE, &earlier, sql);
            assert!(found.iter().any(|f| f.2.contains(&format!("rebuilds {}", rebuilt))), "{sql}: {found:?}");
        }
        let created = "CREATE TABLE IF NOT EXISTS times (at timestamp);";
        let utc = "SET timezone = 'UTC';\nALTER TABLE times ALTER at TYPE timestamptz;";
        assert_eq!(findings_after(&RULE, &[created], utc), []);
        for sql in [
            "ALTER TABLE times ALTER at TYPE timestamptz;",
            "SET timezone = 'Europe/Paris';\nALTER TABLE times ALTER at TYPE timestamptz;",
            "SET timezone = 'UTC';\nRESET timezone;\nALTER TABLE times ALTER at TYPE timestamptz;",
        ] {
            let found = findings_after(&RULE, &[created], sql);
            assert!(
                found[0]
                    .2
                    .ends_with("rewrites it, unless the session's TimeZone is UTC"),
                "{sql}: {found:?}"
            );
        }
        // Another collation: only the column's indexes.
        let collated = "ALTER TABLE keywords ALTER COLUMN label TYPE varchar COLLATE \"C\";";
        assert_eq!(findings_after(&RULE, &earlier, collated), []);
        let collated = "ALTER TABLE keywords ALTER COLUMN keyword TYPE varchar(64) COLLATE \"C\";";
        let found = findings_after(&RULE, &earlier, collated);
        assert!(
            found[0]
                .2
                .contains("rebuilds `keywords_plain`, `keywords_lower`"),
            "{found:?}"
        );
    }
}
