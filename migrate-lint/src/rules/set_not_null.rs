//! `set-not-null`: `ALTER COLUMN ... SET NOT NULL` reads every row of the table to prove the
//! column has no `NULL`, holding an `ACCESS EXCLUSIVE` lock that blocks reads and writes for the
//! whole scan. Since PostgreSQL 12 the scan is skipped when a valid `CHECK (col IS NOT NULL)`
//! constraint already proves it, and that constraint can be added `NOT VALID` (instant) and
//! validated under a weaker lock (before 12, with `postgres = 10` or `11`, the help keeps the
//! check instead). A table created earlier in the same file is not reported, nor a column the
//! schema model knows is proven: a validated `CHECK (col IS NOT NULL)` (added without `NOT VALID`
//! by an earlier statement or file, or validated since; from PostgreSQL 12), or `NOT NULL`
//! already.

use pg_query::protobuf::AlterTableType;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;
use crate::schema::CHECK_PROVES_NOT_NULL;

pub(crate) static RULE: Rule = Rule {
    name: "set-not-null",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`SET NOT NULL` on an existing table scans all its rows under an `ACCESS EXCLUSIVE` \
             lock that blocks reads and writes",
    help: "add a `CHECK (col IS NOT NULL) NOT VALID` constraint, `VALIDATE CONSTRAINT` it in a \
           later migration, then `SET NOT NULL` (no scan) and drop the check",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_users_email_required.sql",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
        ),
        good: (
            "002_users_email_required.sql",
            "-- Validated in 003 without blocking writes; SET NOT NULL then needs no scan.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_not_null;
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
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
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtSetNotNull)
        .filter(|(relation, cmd, _)| {
            let checks_prove = ctx.target.at_least(CHECK_PROVES_NOT_NULL);
            !ctx.schema
                .proves_not_null(relation, &cmd.name, checks_prove)
        })
        .map(|(relation, cmd, at)| {
            let table = display_relation(Some(relation));
            let column = ident(&cmd.name);
            let check = ident(&format!("{}_{}_not_null", relation.relname, cmd.name));
            Hit::new(
                at,
                format!(
                    "`ALTER COLUMN {column} SET NOT NULL` scans all of `{table}` under an \
                     `ACCESS EXCLUSIVE` lock"
                ),
            )
            .help(if ctx.target.at_least(CHECK_PROVES_NOT_NULL) {
                format!(
                    "write `ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT \
                     NULL) NOT VALID`; in a later migration `ALTER TABLE {table} VALIDATE \
                     CONSTRAINT {check}`, then `ALTER TABLE {table} ALTER COLUMN {column} SET \
                     NOT NULL` (it uses the valid check instead of a scan) and `DROP CONSTRAINT \
                     IF EXISTS {check}`"
                )
            } else {
                format!(
                    "before PostgreSQL {CHECK_PROVES_NOT_NULL}, `SET NOT NULL` scans even when a \
                     valid check proves it ({}): keep a check instead, `ALTER TABLE {table} ADD \
                     CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID`, then in a later \
                     migration `ALTER TABLE {table} VALIDATE CONSTRAINT {check}`",
                    ctx.target
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{
        findings, findings_after, findings_in, fires, helps_targeting, passes,
    };

    #[test]
    fn before_12_the_help_keeps_the_check() {
        let sql = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert_eq!(
            helps_targeting(&RULE, 11, sql),
            [
                "before PostgreSQL 12, `SET NOT NULL` scans even when a valid check proves it \
              (migrate.toml declares `postgres = 11`): keep a check instead, `ALTER TABLE users \
              ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID`, then in \
              a later migration `ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null`"
            ]
        );
    }

    #[test]
    fn fires_on_set_not_null_of_existing_tables() {
        for sql in [
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
            "ALTER TABLE IF EXISTS app.users ALTER email SET NOT NULL;",
            "CREATE TABLE IF NOT EXISTS other (id int);\n\
             ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        ] {
            fires(&RULE, sql);
        }
        let down = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }

    #[test]
    fn names_each_column_and_the_table() {
        let sql = "SELECT 1;\nALTER TABLE app.users ALTER COLUMN email SET NOT NULL, \
                   ALTER COLUMN name SET NOT NULL, ALTER COLUMN bio DROP NOT NULL;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1), (2, 23));
        assert_eq!((found[1].0, found[1].1), (2, 56));
        assert_eq!(
            found[0].2,
            "`ALTER COLUMN email SET NOT NULL` scans all of `app.users` under an \
             `ACCESS EXCLUSIVE` lock"
        );
        assert!(found[1].2.starts_with("`ALTER COLUMN name SET NOT NULL`"));
        let (_, diagnostics, _) = crate::check::check_script(
            "t.sql",
            sql,
            ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let d = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert!(d.help.starts_with(
            "write `ALTER TABLE app.users ADD CONSTRAINT users_email_not_null CHECK (email IS \
             NOT NULL) NOT VALID`"
        ));
    }

    /// The path the help recommends: its last step reads no row (checked on PostgreSQL, see
    /// `tests/tests/rewrites.rs`).
    #[test]
    fn passes_after_a_validated_check_proves_the_column() {
        let users = "CREATE TABLE IF NOT EXISTS users (id int, email text, name text);";
        let set = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        let not_valid = "ALTER TABLE users ADD CONSTRAINT users_email_not_null \
                         CHECK (email IS NOT NULL) NOT VALID;";
        let validate = "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;";
        for earlier in [
            &[users, not_valid, validate][..],
            &[
                users,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL);",
            ],
            &[
                users,
                "ALTER TABLE users ADD CHECK (name <> '' AND email IS NOT NULL);",
            ],
            &[
                users,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (mail IS NOT NULL);\n\
                      ALTER TABLE users RENAME COLUMN mail TO email;",
            ],
            &[users, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"],
            &["CREATE TABLE IF NOT EXISTS users (email text CHECK (email IS NOT NULL));"],
        ] {
            assert_eq!(findings_after(&RULE, earlier, set), [], "{earlier:?}");
        }
        // In the same file, after the check (whose own scan `constraint-without-not-valid`
        // reports).
        let same_file = format!("{not_valid}\n{validate}\n{set}");
        assert_eq!(findings_after(&RULE, &[users], &same_file), []);
    }

    #[test]
    fn fires_while_the_check_is_not_valid_or_proves_another_column() {
        let users = "CREATE TABLE IF NOT EXISTS users (id int, email text, name text);";
        let set = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        for earlier in [
            &[
                users,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;",
            ][..],
            &[
                users,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (name IS NOT NULL);",
            ],
            &[
                users,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL OR id > 0);",
            ],
            &[
                users,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NULL);",
            ],
            &[
                users,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL);\n\
                      ALTER TABLE users DROP CONSTRAINT c;",
            ],
            &[
                users,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL);\n\
                      ALTER TABLE users RENAME CONSTRAINT c TO d;\n\
                      ALTER TABLE users DROP CONSTRAINT d;",
            ],
            &[
                users,
                "ALTER TABLE users ADD CHECK (email IS NOT NULL);\n\
                      ALTER TABLE users DROP CONSTRAINT users_email_check;",
            ],
            &[
                users,
                "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n\
                      ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
            ],
        ] {
            assert_eq!(findings_after(&RULE, earlier, set).len(), 1, "{earlier:?}");
        }
    }

    #[test]
    fn passes_new_tables_other_commands_text_and_allowed() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS users (id int, email text);\n\
             ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
            "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS email text NOT NULL DEFAULT '';",
            "SELECT 'ALTER TABLE users ALTER COLUMN email SET NOT NULL';",
            "-- ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nSELECT 1;",
            // Inside a `DO` block, allowed like any other: above the `DO`.
            "-- migrate:allow(set-not-null) reviewed\nDO $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; END $$;",
            "-- migrate:allow(set-not-null) validated by users_email_not_null\n\
             ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        ] {
            passes(&RULE, sql);
        }
    }
}
