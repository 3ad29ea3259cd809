//! `column-type-change`: `ALTER COLUMN ... TYPE` rewrites the whole table (and rebuilds its
//! indexes) under an `ACCESS EXCLUSIVE` lock that blocks reads and writes until it is done. The
//! safe path is a new column of the new type, filled in batches, then swapped. A few changes need
//! no rewrite (raising a `varchar` limit, `varchar` to `text`); the checker cannot see the old
//! type, so those are confirmed with an allow directive. A table created earlier in the same file
//! is not reported.

use pg_query::protobuf::AlterTableType;

use crate::diagnostic::Severity;
use crate::objects::{cmd_column, display_relation, display_type, existing_table_cmds};
use crate::quote::ident;
use crate::rules::{Check, Family, Hit, Rule, StatementCtx};

pub(crate) static RULE: Rule = Rule {
    name: "column-type-change",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`ALTER COLUMN ... TYPE` on an existing table usually rewrites it under an \
             `ACCESS EXCLUSIVE` lock that blocks reads and writes",
    help: "add a column of the new type, backfill it in batches, switch to it and drop the old \
           one in later migrations; if the change needs no rewrite (a larger `varchar` limit, \
           `varchar` to `text`), confirm it with `-- migrate:allow(column-type-change)`",
    allowable: true,
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    existing_table_cmds(ctx)
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtAlterColumnType)
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

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, findings_in, fires, passes};
    use crate::rules::ScriptKind;

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
            &crate::config::Policy::default(),
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
}
