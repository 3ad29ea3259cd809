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
use crate::schema::{keeps_values, ColumnType, Known};

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
        .filter(|(relation, cmd, _)| !keeps_known_values(ctx, relation, cmd))
        .map(|(relation, cmd, at)| {
            let table = display_relation(Some(relation));
            let column = ident(&cmd.name);
            let new_column = ident(&format!("{}_new", cmd.name));
            let type_name = cmd_column(cmd).and_then(|c| c.type_name.as_ref());
            let new_type = type_name.map_or_else(String::new, display_type);
            let at = type_name.map_or(at, |t| ctx.at(t.location));
            Hit::new(
                at,
                format!(
                    "`ALTER COLUMN {column} TYPE {new_type}` locks `{table}` (`ACCESS \
                     EXCLUSIVE`) and rewrites it, unless the old type converts without a rewrite"
                ),
            )
            .help(format!(
                "add `{new_column} {new_type}` to `{table}`, backfill it in batches, then switch \
                 to it and drop `{column}` in later migrations; if this change needs no rewrite \
                 (a larger `varchar` limit, `varchar` to `text`), write \
                 `-- migrate:allow(column-type-change) <why>` above the statement"
            ))
        })
        .collect()
}

/// Whether the model knows the column's type and the new one keeps every stored value (no
/// `USING`): PostgreSQL changes the catalog only.
fn keeps_known_values(ctx: &StatementCtx<'_>, relation: &RangeVar, cmd: &AlterTableCmd) -> bool {
    let Some(new) = cmd_column(cmd).filter(|c| c.raw_default.is_none()) else {
        return false;
    };
    let new = ColumnType::of_column(new);
    match ctx.schema.column(relation, &cmd.name) {
        Known::Present(old) => keeps_values(&old.ty, &new),
        Known::Absent | Known::Unknown => false,
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
            "ALTER TABLE users ALTER COLUMN name TYPE varchar COLLATE \"C\";",
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
}
