//! `drop-table`: `DROP TABLE` destroys the table and every row in it, and a migration cannot be
//! undone once it has run. Even `IF EXISTS` destroys the table when it exists, so every
//! `DROP TABLE` needs an explicit confirmation. Down files revert a migration and may drop, and
//! so may a file that drops only tables it created itself in an earlier statement (a scratch
//! table): the data it destroys is the data it made.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::{display_drop, object_name, ObjectKey};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "drop-table",
    family: Family::Destructive,
    severity: Severity::Error,
    reason: "`DROP TABLE` destroys the table and its data",
    help: "if the data loss is intended, confirm it right above the statement: \
           `-- migrate:allow(drop-table) <reason>`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: ("002_drop_sessions.sql", "DROP TABLE IF EXISTS sessions;\n"),
        good: (
            "002_drop_sessions.sql",
            "-- migrate:allow(drop-table) sessions moved to Redis
DROP TABLE IF EXISTS sessions;
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
        NodeEnum::DropStmt(s) if s.remove_type() == ObjectType::ObjectTable => {
            let made_here = |table| {
                let key = ObjectKey::new(ObjectType::ObjectTable, object_name(table));
                ctx.earlier.created(&key)
            };
            if s.objects.iter().all(made_here) {
                return Vec::new();
            }
            let what = if s.objects.len() > 1 {
                "the tables and their data"
            } else {
                "the table and its data"
            };
            vec![ctx.hit(format!("`{}` destroys {what}", display_drop(s)))]
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
    fn fires_on_every_drop_table() {
        for sql in [
            "DROP TABLE users;",
            "DROP TABLE IF EXISTS app.users;",
            "DROP TABLE users CASCADE;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_tables() {
        assert_eq!(
            fires(&RULE, "DROP TABLE users;"),
            "`DROP TABLE users` destroys the table and its data"
        );
        assert_eq!(
            fires(&RULE, "DROP TABLE IF EXISTS app.users, orders;"),
            "`DROP TABLE IF EXISTS app.users, orders` destroys the tables and their data"
        );
    }

    #[test]
    fn passes_other_drops_text_and_confirmed_drops() {
        for sql in [
            "DROP VIEW IF EXISTS users;",
            "DROP INDEX IF EXISTS users_email;",
            "ALTER TABLE users DROP COLUMN IF EXISTS email;",
            "SELECT 'DROP TABLE users';",
            "-- DROP TABLE users;\nSELECT 1;",
            "/* DROP TABLE users; */ SELECT 1;",
            // Inside a `DO` block, confirmed like any other: above the `DO`.
            "-- migrate:allow(drop-table) reviewed\nDO $$ BEGIN DROP TABLE users; END $$;",
            "-- migrate:allow(drop-table) replaced by people in 012\nDROP TABLE IF EXISTS users;",
            "-- migrate:allow-file(drop-table) this migration removes the old audit tables\n\n\
             DROP TABLE IF EXISTS audit_2019;\nDROP TABLE IF EXISTS audit_2020;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn the_confirmation_is_per_statement() {
        let sql = "-- migrate:allow(drop-table) replaced by people\nDROP TABLE IF EXISTS users;\n\
                   DROP TABLE IF EXISTS orders;";
        let found = crate::rules::testing::findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 3);
    }

    #[test]
    fn a_table_created_earlier_in_the_same_file_may_be_dropped() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS scratch (id int);\n\
             INSERT INTO scratch SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM scratch);\n\
             DROP TABLE IF EXISTS scratch;",
            "CREATE TABLE IF NOT EXISTS app.scratch AS SELECT 1 AS id;\nDROP TABLE app.scratch;",
        ] {
            passes(&RULE, sql);
        }
        // Dropped before it is created, or dropped with a table the file did not create.
        for sql in [
            "DROP TABLE IF EXISTS scratch;\nCREATE TABLE IF NOT EXISTS scratch (id int);",
            "CREATE TABLE IF NOT EXISTS scratch (id int);\nDROP TABLE IF EXISTS scratch, users;",
            "CREATE TABLE IF NOT EXISTS app.scratch (id int);\nDROP TABLE IF EXISTS other.scratch;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn down_files_may_drop() {
        assert!(findings_in(&RULE, "DROP TABLE users;", ScriptKind::Down).is_empty());
    }
}
