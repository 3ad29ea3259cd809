//! `cascade`: `CASCADE` silently drops (or empties) everything that depends on the object:
//! views, foreign keys, columns of a dropped type, tables referencing a truncated one. What it
//! destroys is not written in the migration, so it needs an explicit confirmation. Down files
//! revert a migration and may cascade. Nothing depends on a trigger or a policy: `DROP TRIGGER`
//! and `DROP POLICY` accept `CASCADE` and drop nothing more with it, so they are not reported.

use pg_query::protobuf::{AlterTableType, DropBehavior, ObjectType};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::{display_drop, display_relation, strings};
use crate::quote::{ident, qualified};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "cascade",
    family: Family::Destructive,
    severity: Severity::Error,
    reason: "`CASCADE` also drops or empties every object that depends on the one named, \
             without naming them",
    help: "drop the dependent objects by name first and remove `CASCADE`; if the cascade is \
           intended, confirm it right above the statement: `-- migrate:allow(cascade) <reason>`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[
        Example {
            before: &[USERS, ("002_active_users.sql", "CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE email IS NOT NULL;\n"), ("003_user_report.sql", "CREATE OR REPLACE VIEW user_report AS SELECT count(*) AS users FROM active_users;\n")],
            bad: ("004_drop_active_users.sql", "DROP VIEW IF EXISTS active_users CASCADE;\n"),
            good: ("004_drop_active_users.sql", "DROP VIEW IF EXISTS user_report;
DROP VIEW IF EXISTS active_users;
"),
        },
    ]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn cascades(behavior: DropBehavior) -> bool {
    behavior == DropBehavior::DropCascade
}

/// The kinds of object nothing can depend on.
fn without_dependents(kind: ObjectType) -> bool {
    matches!(kind, ObjectType::ObjectTrigger | ObjectType::ObjectPolicy)
}

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let message = match ctx.node {
        NodeEnum::DropStmt(s) if cascades(s.behavior()) && !without_dependents(s.remove_type()) => {
            Some(format!(
                "`{} CASCADE` also drops every object that depends on it (views, foreign keys, \
                 columns, ...)",
                display_drop(s)
            ))
        }
        NodeEnum::TruncateStmt(s) if cascades(s.behavior()) => {
            let tables: Vec<String> = s
                .relations
                .iter()
                .filter_map(|r| match r.node.as_ref() {
                    Some(NodeEnum::RangeVar(r)) => Some(display_relation(Some(r))),
                    _ => None,
                })
                .collect();
            Some(format!(
                "`TRUNCATE {} CASCADE` also empties every table with a foreign key to it",
                tables.join(", ")
            ))
        }
        NodeEnum::AlterDomainStmt(s) if s.subtype == "X" && cascades(s.behavior()) => {
            Some(format!(
                "`ALTER DOMAIN {} DROP CONSTRAINT {} CASCADE` also drops what depends on the \
                 constraint",
                qualified(&strings(&s.type_name)),
                ident(&s.name)
            ))
        }
        NodeEnum::DropOwnedStmt(s) if cascades(s.behavior()) => Some(
            "`DROP OWNED ... CASCADE` also drops every object that depends on what the roles \
             own"
            .to_owned(),
        ),
        _ => None,
    };
    message
        .map(|m| ctx.hit(m))
        .into_iter()
        .chain(alter_table_cascades(ctx))
        .collect()
}

/// `DROP COLUMN ... CASCADE` and `DROP CONSTRAINT ... CASCADE` sub-commands.
fn alter_table_cascades(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    ctx.alter_table_cmds_at()
        .into_iter()
        .filter(|(_, cmd, _)| cascades(cmd.behavior()))
        .filter_map(|(relation, cmd, at)| {
            let (what, dependents) = match cmd.subtype() {
                AlterTableType::AtDropColumn => ("COLUMN", "the views, indexes and constraints"),
                AlterTableType::AtDropConstraint => ("CONSTRAINT", "the foreign keys"),
                _ => return None,
            };
            Some(Hit::new(
                at,
                format!(
                    "`DROP {what} {} CASCADE` on `{}` also drops {dependents} that use it",
                    ident(&cmd.name),
                    display_relation(relation)
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, fires, passes};

    #[test]
    fn fires_on_every_cascade() {
        for sql in [
            "DROP TABLE IF EXISTS users CASCADE;",
            "DROP TYPE IF EXISTS mood CASCADE;",
            "DROP SCHEMA IF EXISTS app CASCADE;",
            "DROP FUNCTION IF EXISTS f(int) CASCADE;",
            "TRUNCATE users CASCADE;",
            "ALTER TABLE users DROP COLUMN IF EXISTS email CASCADE;",
            "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_pkey CASCADE;",
            "ALTER DOMAIN email DROP CONSTRAINT IF EXISTS c CASCADE;",
            "DROP OWNED BY app CASCADE;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_object() {
        assert_eq!(
            fires(&RULE, "DROP TYPE IF EXISTS app.mood CASCADE;"),
            "`DROP TYPE IF EXISTS app.mood CASCADE` also drops every object that depends on it \
             (views, foreign keys, columns, ...)"
        );
        assert_eq!(
            fires(&RULE, "TRUNCATE users, orders CASCADE;"),
            "`TRUNCATE users, orders CASCADE` also empties every table with a foreign key to it"
        );
    }

    #[test]
    fn points_at_the_sub_command() {
        let sql = "ALTER TABLE users\n  DROP COLUMN IF EXISTS a,\n  DROP COLUMN IF EXISTS b \
                   CASCADE;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (3, 3));
        assert_eq!(
            found[0].2,
            "`DROP COLUMN b CASCADE` on `users` also drops the views, indexes and constraints \
             that use it"
        );
    }

    #[test]
    fn passes_restrict_text_and_confirmed_cascades() {
        for sql in [
            "DROP TABLE IF EXISTS users;",
            "DROP TABLE IF EXISTS users RESTRICT;",
            "TRUNCATE users;",
            // Checked on PostgreSQL: nothing depends on a trigger or a policy.
            "DROP TRIGGER IF EXISTS trg ON users CASCADE;",
            "DROP POLICY IF EXISTS own ON users CASCADE;",
            "ALTER TABLE users DROP COLUMN IF EXISTS email;",
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) \
             ON DELETE CASCADE;",
            "CREATE TABLE IF NOT EXISTS orders (user_id int REFERENCES users ON DELETE CASCADE);",
            "SELECT 'DROP TABLE users CASCADE';",
            "-- DROP TABLE users CASCADE;\nSELECT 1;",
            // Inside a `DO` block, confirmed like any other: above the `DO`.
            "-- migrate:allow(cascade) reviewed\nDO $$ BEGIN DROP TABLE users CASCADE; END $$;",
            "-- migrate:allow(cascade, drop-table) the old views go with it\n\
             DROP TABLE IF EXISTS users CASCADE;",
            "-- migrate:allow-file(cascade) cleanup\nDROP VIEW IF EXISTS v CASCADE;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn down_files_may_cascade() {
        let sql = "DROP TYPE IF EXISTS mood CASCADE;";
        assert!(findings_in(&RULE, sql, ScriptKind::Down).is_empty());
    }
}
