//! `not-null-without-default`: `ADD COLUMN ... NOT NULL` without a default gives every existing
//! row a `NULL` in a column that refuses it: on a table that holds rows PostgreSQL fails with
//! "column ... contains null values" (23502), so the migration passes on an empty development
//! database and fails in production. A table created in the same file is empty and is not
//! reported; any other table may hold rows (one an earlier file created, or one made outside the
//! folder). An identity or generated column, or a primary key whose column gets values, is not
//! the case: PostgreSQL fills them.

use pg_query::protobuf::{AlterTableType, ColumnDef, ConstrType};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::{cmd_column, display_relation, display_type, strings};
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;
use crate::rules::volatile_default::{INSTANT_DEFAULT, SERIALS};

pub(crate) static RULE: Rule = Rule {
    name: "not-null-without-default",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`ADD COLUMN ... NOT NULL` without a default fails on an existing table that holds \
             rows (23502: the column contains null values)",
    help: "give the column a constant `DEFAULT` (no rewrite since PostgreSQL 11); or add it \
           nullable, fill it in batches, then `SET NOT NULL` in a later migration",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_users_status.sql",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS status text NOT NULL;\n",
        ),
        good: (
            "002_users_status.sql",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active';\n",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    ctx.existing_table_cmds()
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtAddColumn)
        .filter_map(|(relation, cmd, at)| {
            let column = cmd_column(cmd).filter(|c| refuses_null_without_value(c))?;
            let table = display_relation(Some(relation));
            let name = ident(&column.colname);
            let column_type = column
                .type_name
                .as_ref()
                .map_or_else(String::new, display_type);
            Some(
                Hit::new(
                    at,
                    format!(
                        "`ADD COLUMN {name} {column_type} NOT NULL` without a default fails if \
                         `{table}` holds any row: each would get `NULL`"
                    ),
                )
                .help(format!(
                    "write `ADD COLUMN {name} {column_type} NOT NULL DEFAULT <value>` ({}); or \
                     add `{name}` nullable, fill it in batches, then `ALTER TABLE {table} ALTER \
                     COLUMN {name} SET NOT NULL` in a later migration",
                    if ctx.target.at_least(INSTANT_DEFAULT) {
                        "a constant default needs no rewrite"
                    } else {
                        "before PostgreSQL 11 it rewrites the table"
                    }
                )),
            )
        })
        .collect()
}

/// `NOT NULL` (or `PRIMARY KEY`), with nothing that gives the existing rows a value: no
/// default, no identity, no generated expression.
fn refuses_null_without_value(column: &ColumnDef) -> bool {
    let kinds: Vec<ConstrType> = column
        .constraints
        .iter()
        .filter_map(|c| match c.node.as_ref() {
            Some(NodeEnum::Constraint(c)) => Some(c.contype()),
            _ => None,
        })
        .collect();
    let not_null = column.is_not_null
        || kinds
            .iter()
            .any(|k| matches!(k, ConstrType::ConstrNotnull | ConstrType::ConstrPrimary));
    let filled = column.raw_default.is_some()
        || kinds.iter().any(|k| {
            matches!(
                k,
                ConstrType::ConstrDefault
                    | ConstrType::ConstrIdentity
                    | ConstrType::ConstrGenerated
            )
        });
    let serial = column.type_name.as_ref().is_some_and(|t| {
        strings(&t.names)
            .last()
            .is_some_and(|n| SERIALS.iter().any(|(s, _)| s == n))
    });
    not_null && !filled && !serial
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_after, findings_in, fires, passes};

    /// Checked on PostgreSQL: on a table with rows each of these fails with 23502, and on an
    /// empty table it succeeds.
    #[test]
    fn fires_on_not_null_columns_without_a_value_for_the_existing_rows() {
        let earlier = ["CREATE TABLE IF NOT EXISTS users (id int);"];
        for sql in [
            "ALTER TABLE users ADD COLUMN email text NOT NULL;",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS tags int[] NOT NULL;",
            "ALTER TABLE users ADD COLUMN code text PRIMARY KEY;",
            "ALTER TABLE app.users ADD COLUMN email text NOT NULL;",
        ] {
            assert_eq!(findings_after(&RULE, &earlier, sql).len(), 1, "{sql}");
        }
        // A table the folder never made exists already, and may hold rows too.
        assert_eq!(
            fires(
                &RULE,
                "ALTER TABLE users ADD COLUMN email varchar(320) NOT NULL;"
            ),
            "`ADD COLUMN email varchar(320) NOT NULL` without a default fails if `users` holds \
             any row: each would get `NULL`"
        );
        let sql = "ALTER TABLE users\n  ADD COLUMN a int,\n  ADD COLUMN b int NOT NULL;";
        assert_eq!(
            findings(&RULE, sql)
                .iter()
                .map(|f| (f.0, f.1))
                .collect::<Vec<_>>(),
            [(3, 3)]
        );
    }

    #[test]
    fn passes_new_tables_defaults_identities_and_generated_columns() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS users (id int);\n\
             ALTER TABLE users ADD COLUMN email text NOT NULL;",
            "DO $$ BEGIN IF to_regclass('users') IS NULL THEN CREATE TABLE users (id int); \
             END IF; END $$;\nALTER TABLE users ADD COLUMN email text NOT NULL;",
            "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;",
            "ALTER TABLE users ADD COLUMN active boolean DEFAULT true NOT NULL;",
            "ALTER TABLE users ADD COLUMN email text;",
            "ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY;",
            "ALTER TABLE users ADD COLUMN n int NOT NULL GENERATED ALWAYS AS (id + 1) STORED;",
            "ALTER TABLE users ADD COLUMN n bigserial NOT NULL;",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
            "-- migrate:allow(not-null-without-default) the table is always empty here\n\
             ALTER TABLE users ADD COLUMN email text NOT NULL;",
        ] {
            passes(&RULE, sql);
        }
        // A down file that adds back a dropped column fails the same way.
        let down = "ALTER TABLE users ADD COLUMN email text NOT NULL;";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }
}
