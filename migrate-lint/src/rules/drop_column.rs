//! `drop-column`: `ALTER TABLE ... DROP COLUMN` destroys the column's data in every row, and
//! breaks the running application if it still reads the column. Even `IF EXISTS` destroys it
//! when it exists, so it needs an explicit confirmation. Down files revert and may drop.

use pg_query::protobuf::{AlterTableType, ObjectType};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "drop-column",
    family: Family::Destructive,
    severity: Severity::Error,
    reason: "`DROP COLUMN` destroys the column's data in every row",
    help: "if the data loss is intended (and no running code reads the column), confirm it \
           right above the statement: `-- migrate:allow(drop-column) <reason>`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_drop_users_nickname.sql",
            "ALTER TABLE users DROP COLUMN IF EXISTS nickname;\n",
        ),
        good: (
            "002_drop_users_nickname.sql",
            "-- migrate:allow(drop-column) no release since 2.3 reads it
ALTER TABLE users DROP COLUMN IF EXISTS nickname;
",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::AlterTableStmt(s) = ctx.node else {
        return Vec::new();
    };
    if s.objtype() != ObjectType::ObjectTable {
        return Vec::new();
    }
    ctx.alter_table_cmds_at()
        .into_iter()
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtDropColumn)
        .map(|(relation, cmd, at)| {
            Hit::new(
                at,
                format!(
                    "`DROP COLUMN {}` destroys the column of `{}` and its data",
                    ident(&cmd.name),
                    display_relation(relation)
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, fires, passes};

    #[test]
    fn fires_on_every_dropped_column() {
        for sql in [
            "ALTER TABLE users DROP COLUMN email;",
            "ALTER TABLE users DROP email;",
            "ALTER TABLE IF EXISTS app.users DROP COLUMN IF EXISTS email CASCADE;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn points_at_each_dropped_column() {
        let sql = "ALTER TABLE app.users\n  ADD COLUMN IF NOT EXISTS mail text,\n  \
                   DROP COLUMN IF EXISTS email,\n  DROP COLUMN IF EXISTS phone;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1), (3, 3));
        assert_eq!(
            found[0].2,
            "`DROP COLUMN email` destroys the column of `app.users` and its data"
        );
        assert_eq!((found[1].0, found[1].1), (4, 3));
    }

    #[test]
    fn passes_other_commands_and_confirmed_drops() {
        for sql in [
            "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;",
            "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
            "ALTER TABLE users ALTER COLUMN email DROP DEFAULT;",
            "ALTER TYPE address DROP ATTRIBUTE IF EXISTS zip;",
            "SELECT 'ALTER TABLE users DROP COLUMN email';",
            "-- ALTER TABLE users DROP COLUMN email;\nSELECT 1;",
            // Inside a `DO` block, confirmed like any other: above the `DO`.
            "-- migrate:allow(drop-column) reviewed\nDO $$ BEGIN ALTER TABLE users DROP COLUMN email; END $$;",
            "-- migrate:allow(drop-column) moved to profiles in 011\n\
             ALTER TABLE users DROP COLUMN IF EXISTS email;",
            "-- migrate:allow-file(drop-column) cleanup of unused columns\n\
             ALTER TABLE users DROP COLUMN IF EXISTS a, DROP COLUMN IF EXISTS b;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn down_files_may_drop() {
        let sql = "ALTER TABLE users DROP COLUMN email;";
        assert!(findings_in(&RULE, sql, ScriptKind::Down).is_empty());
    }
}
