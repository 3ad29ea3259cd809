//! `drop-schema`: `DROP SCHEMA` destroys the schema, and with `CASCADE` every table, row and
//! function in it. Even `IF EXISTS` destroys it when it exists, so it needs an explicit
//! confirmation. Down files revert a migration and may drop.

use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_drop;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "drop-schema",
    family: Family::Destructive,
    severity: Severity::Error,
    reason: "`DROP SCHEMA` destroys the schema, and with `CASCADE` everything in it",
    help: "if this is intended, confirm it right above the statement: \
           `-- migrate:allow(drop-schema) <reason>`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: ("002_drop_staging.sql", "DROP SCHEMA IF EXISTS staging;\n"),
        good: (
            "002_drop_staging.sql",
            "-- migrate:allow(drop-schema) the import job that used it is gone
DROP SCHEMA IF EXISTS staging;
",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    match ctx.node {
        NodeEnum::DropStmt(s) if s.remove_type() == ObjectType::ObjectSchema => {
            let message = if s.behavior() == DropBehavior::DropCascade {
                format!(
                    "`{} CASCADE` destroys the schema and every object and row in it",
                    display_drop(s)
                )
            } else {
                format!("`{}` destroys the schema", display_drop(s))
            };
            vec![ctx.hit(message)]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings_in, fires, passes};

    #[test]
    fn fires_on_every_drop_schema() {
        for sql in [
            "DROP SCHEMA app;",
            "DROP SCHEMA IF EXISTS app;",
            "DROP SCHEMA IF EXISTS app, reports CASCADE;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_schema() {
        assert_eq!(
            fires(&RULE, "DROP SCHEMA IF EXISTS app CASCADE;"),
            "`DROP SCHEMA IF EXISTS app CASCADE` destroys the schema and every object and row \
             in it"
        );
        assert_eq!(
            fires(&RULE, "DROP SCHEMA app;"),
            "`DROP SCHEMA app` destroys the schema"
        );
    }

    #[test]
    fn passes_other_statements_and_confirmed_drops() {
        for sql in [
            "DROP TABLE IF EXISTS app;",
            "CREATE SCHEMA IF NOT EXISTS app;",
            "SELECT 'DROP SCHEMA app';",
            "-- DROP SCHEMA app;\nSELECT 1;",
            // Inside a `DO` block, confirmed like any other: above the `DO`.
            "-- migrate:allow(drop-schema) reviewed\nDO $$ BEGIN DROP SCHEMA app; END $$;",
            "-- migrate:allow(drop-schema) the staging schema was never used\n\
             DROP SCHEMA IF EXISTS staging;",
            "-- migrate:allow-file(drop-schema) cleanup\nDROP SCHEMA IF EXISTS staging;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn down_files_may_drop() {
        assert!(findings_in(&RULE, "DROP SCHEMA app;", ScriptKind::Down).is_empty());
    }
}
