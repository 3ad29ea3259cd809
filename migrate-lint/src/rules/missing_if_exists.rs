//! `missing-if-exists`: a `DROP` that has an `IF EXISTS` form but does not use it fails when the
//! migration runs a second time (after a partial apply), because the object is already gone.
//! Dropping an object that an earlier statement of the same file creates is safe: it exists. So is
//! dropping one that a later statement of the file (or a later sub-command of the same `ALTER
//! TABLE`) creates again: the first run leaves it, and the second drops and recreates it
//! (`DROP VIEW v; CREATE VIEW v AS ...`, `DROP CONSTRAINT c, ADD CONSTRAINT c ...`).

use pg_query::protobuf::{AlterTableType, DropBehavior, DropStmt, ObjectType, RangeVar};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::fix::{Edit, Fix};
use crate::objects::{
    added_constraint_name, cmd_column, display_relation, display_role, dropped, dropped_names,
    kind_keyword, relation_name, strings, ObjectKey,
};
use crate::quote::{ident, qualified};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "missing-if-exists",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "`DROP ...`, `DROP COLUMN`, `DROP CONSTRAINT`, `DROP IDENTITY` and `DROP EXPRESSION` \
             without `IF EXISTS` fail when the object is already gone",
    help: "add `IF EXISTS`",
    allowable: true,
    autofix: Some("adds `IF EXISTS`"),
    examples: Examples::Shown(&[
        Example {
            before: &[USERS, ("002_active_users.sql", "CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE email IS NOT NULL;\n")],
            bad: ("003_drop_active_users.sql", "DROP VIEW active_users;\n"),
            good: ("003_drop_active_users.sql", "DROP VIEW IF EXISTS active_users;\n"),
        },
    ]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

/// The fix: ` IF EXISTS` inserted at `at`, the end of the keywords it follows.
fn insert(at: Option<usize>) -> Option<Fix> {
    at.map(|at| Fix::edits("add `IF EXISTS`", vec![Edit::insert(at, " IF EXISTS")]))
}

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let after = |words: &[&str]| ctx.after_words_at(ctx.start(), words);
    let hit = match ctx.node {
        NodeEnum::DropStmt(s) if !s.missing_ok => drop_stmt(ctx, s).map(|hit| {
            let mut words = vec!["DROP"];
            words.extend(kind_keyword(s.remove_type()).split(' '));
            if s.concurrent {
                words.push("CONCURRENTLY");
            }
            (hit, after(&words))
        }),
        NodeEnum::DropRoleStmt(s) if !s.missing_ok => {
            let names: Vec<String> = s
                .roles
                .iter()
                .filter_map(|r| match r.node.as_ref() {
                    Some(NodeEnum::RoleSpec(r)) => Some(display_role(r)),
                    _ => None,
                })
                .collect();
            let role = ["ROLE", "USER", "GROUP"]
                .iter()
                .find_map(|keyword| after(&["DROP", keyword]));
            Some((
                missing("DROP ROLE", &names.join(", "), "DROP ROLE IF EXISTS"),
                role,
            ))
        }
        NodeEnum::DropSubscriptionStmt(s) if !s.missing_ok => Some((
            missing(
                "DROP SUBSCRIPTION",
                &ident(&s.subname),
                "DROP SUBSCRIPTION IF EXISTS",
            ),
            after(&["DROP", "SUBSCRIPTION"]),
        )),
        NodeEnum::DropUserMappingStmt(s) if !s.missing_ok => {
            let user = s.user.as_ref().map_or_else(String::new, display_role);
            let name = format!("FOR {user} SERVER {}", ident(&s.servername));
            Some((
                missing("DROP USER MAPPING", &name, "DROP USER MAPPING IF EXISTS"),
                after(&["DROP", "USER", "MAPPING"]),
            ))
        }
        NodeEnum::AlterDomainStmt(s) if s.subtype == "X" && !s.missing_ok => {
            let domain = qualified(&strings(&s.type_name));
            Some((
                missing(
                    &format!("ALTER DOMAIN {domain} DROP CONSTRAINT"),
                    &ident(&s.name),
                    &format!("ALTER DOMAIN {domain} DROP CONSTRAINT IF EXISTS"),
                ),
                ctx.after_words(ctx.start(), &["DROP", "CONSTRAINT"]),
            ))
        }
        _ => None,
    };
    let hit = hit.map(|((message, fixed), at)| {
        ctx.hit(message)
            .help(format!("write `{fixed}`"))
            .fix(insert(at))
    });
    hit.into_iter().chain(alter_table_drops(ctx)).collect()
}

/// The message and the statement to write instead for a `what name` without `IF EXISTS`.
fn missing(what: &str, name: &str, fixed: &str) -> (String, String) {
    (
        format!("`{what} {name}` without `IF EXISTS` fails when it does not exist"),
        format!("{fixed} {name}"),
    )
}

/// A `DROP` of objects neither created earlier in the file nor created again later.
fn drop_stmt(ctx: &StatementCtx<'_>, s: &DropStmt) -> Option<(String, String)> {
    let kind = s.remove_type();
    let created =
        dropped(s).all(|key| ctx.earlier.created(&key) || ctx.earlier.created_later(&key));
    if created {
        return None;
    }
    let what = format!(
        "DROP {}{}",
        kind_keyword(kind),
        if s.concurrent { " CONCURRENTLY" } else { "" }
    );
    let (message, fixed) = missing(&what, &dropped_names(s), &format!("{what} IF EXISTS"));
    let cascade = if s.behavior() == DropBehavior::DropCascade {
        " CASCADE"
    } else {
        ""
    };
    Some((message, format!("{fixed}{cascade}")))
}

/// `DROP COLUMN` and `DROP CONSTRAINT` sub-commands without `IF EXISTS`, unless a later
/// sub-command of the statement adds the same column or constraint again, or an earlier
/// statement of the file added it or a later one adds it again.
fn alter_table_drops(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let altered = alter_kind(ctx);
    let cmds = ctx.alter_table_cmds_at();
    let added_after = |i: usize, name: &str| {
        cmds[i + 1..]
            .iter()
            .any(|&(relation, cmd, _)| match cmd.subtype() {
                AlterTableType::AtAddColumn => cmd_column(cmd).is_some_and(|c| c.colname == name),
                AlterTableType::AtAddConstraint => {
                    added_constraint_name(relation, cmd).is_some_and(|n| n == name)
                }
                _ => false,
            })
    };
    let made = |kind, relation: Option<&RangeVar>, name: &str| {
        let mut parts = relation.map(relation_name).unwrap_or_default();
        parts.push(name.to_owned());
        let key = ObjectKey::new(kind, parts);
        ctx.earlier.created(&key) || ctx.earlier.created_later(&key)
    };
    cmds.iter()
        .enumerate()
        .filter(|&(i, &(relation, cmd, _))| {
            let kind = match cmd.subtype() {
                AlterTableType::AtDropConstraint => Some(ObjectType::ObjectTabconstraint),
                AlterTableType::AtDropColumn if altered != ObjectType::ObjectType => {
                    Some(ObjectType::ObjectColumn)
                }
                _ => None,
            };
            let recreated = added_after(i, &cmd.name)
                || kind.is_some_and(|kind| made(kind, relation, &cmd.name));
            !cmd.missing_ok && !recreated
        })
        .filter_map(|(_, &(relation, cmd, at))| {
            let name = ident(&cmd.name);
            let table = display_relation(relation);
            let what = match (cmd.subtype(), altered) {
                (AlterTableType::AtDropColumn, ObjectType::ObjectType) => "DROP ATTRIBUTE",
                (AlterTableType::AtDropColumn, _) => "DROP COLUMN",
                (AlterTableType::AtDropConstraint, _) => "DROP CONSTRAINT",
                (AlterTableType::AtDropIdentity, _) => {
                    return Some(column_property(
                        ctx,
                        at,
                        (&name, &table),
                        "IDENTITY",
                        "an identity",
                    ));
                }
                (AlterTableType::AtDropExpression, _) => {
                    return Some(column_property(
                        ctx,
                        at,
                        (&name, &table),
                        "EXPRESSION",
                        "a stored generated column",
                    ));
                }
                _ => return None,
            };
            Some(
                Hit::new(
                    at,
                    format!(
                        "`{what} {name}` of `{table}` without `IF EXISTS` fails when it does not \
                         exist"
                    ),
                )
                .help(format!("write `{what} IF EXISTS {name}`"))
                .fix(insert(
                    // `COLUMN` may be left out: `DROP IF EXISTS c`.
                    ctx.after_words_at(at, &what.split(' ').collect::<Vec<_>>())
                        .or_else(|| {
                            (what == "DROP COLUMN")
                                .then(|| ctx.after_words_at(at, &["DROP"]))
                                .flatten()
                        }),
                )),
            )
        })
        .collect()
}

/// `ALTER COLUMN c DROP IDENTITY` or `DROP EXPRESSION` without `IF EXISTS`: on the second run
/// the column is no longer an identity (a generated column) and PostgreSQL fails (55000).
fn column_property(
    ctx: &StatementCtx<'_>,
    at: usize,
    (column, table): (&str, &str),
    property: &str,
    was: &str,
) -> Hit {
    Hit::new(
        at,
        format!(
            "`ALTER COLUMN {column} DROP {property}` of `{table}` without `IF EXISTS` fails when \
             it runs again: `{column}` is no longer {was}"
        ),
    )
    .help(format!(
        "write `ALTER COLUMN {column} DROP {property} IF EXISTS`"
    ))
    .fix(insert(ctx.after_words(at, &["DROP", property])))
}

/// What an `ALTER TABLE`-like statement alters: a table, a type (`ALTER TYPE ... DROP
/// ATTRIBUTE`), a foreign table.
fn alter_kind(ctx: &StatementCtx<'_>) -> ObjectType {
    match ctx.node {
        NodeEnum::AlterTableStmt(s) => s.objtype(),
        _ => ObjectType::Undefined,
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, fires, fixed, helps, passes};

    /// Unquoted, `Step_id_check` folds to `step_id_check`: `IF EXISTS` skips it, silently.
    #[test]
    fn the_fix_quotes_names_as_postgresql_needs_them() {
        assert_eq!(
            helps(
                &RULE,
                "ALTER TABLE \"Step\" DROP CONSTRAINT \"Step_id_check\", DROP COLUMN \"select\";"
            ),
            [
                "write `DROP CONSTRAINT IF EXISTS \"Step_id_check\"`",
                "write `DROP COLUMN IF EXISTS \"select\"`",
            ]
        );
        assert_eq!(
            fires(
                &RULE,
                "ALTER TABLE \"Step\" DROP CONSTRAINT \"Step_id_check\";"
            ),
            "`DROP CONSTRAINT \"Step_id_check\"` of `\"Step\"` without `IF EXISTS` fails when it \
             does not exist"
        );
        assert_eq!(
            helps(
                &RULE,
                "DROP TABLE \"App\".\"a b\", \"user\", \"a\"\"b\", plain;"
            ),
            ["write `DROP TABLE IF EXISTS \"App\".\"a b\", \"user\", \"a\"\"b\", plain`"]
        );
        assert_eq!(
            helps(&RULE, "DROP FUNCTION \"F\"(\"Mood\", varchar(3));"),
            ["write `DROP FUNCTION IF EXISTS \"F\"(\"Mood\", varchar(3))`"]
        );
        assert_eq!(
            helps(&RULE, "DROP ROLE \"Admin\", CURRENT_USER;"),
            ["write `DROP ROLE IF EXISTS \"Admin\", CURRENT_USER`"]
        );
    }

    #[test]
    fn fires_on_drops_without_if_exists() {
        for sql in [
            "DROP TABLE users;",
            "DROP VIEW app.totals;",
            "DROP INDEX CONCURRENTLY users_email;",
            "DROP TYPE mood;",
            "DROP FUNCTION f(int, text);",
            "DROP TRIGGER trg ON users;",
            "DROP POLICY p ON users;",
            "DROP EXTENSION pgcrypto;",
            "DROP ROLE app;",
            "DROP USER app;",
            "DROP CAST (text AS mood);",
            "DROP SUBSCRIPTION sub;",
            "ALTER DOMAIN email DROP CONSTRAINT email_check;",
            "ALTER TABLE users DROP COLUMN email;",
            "ALTER TABLE users DROP email;",
            "ALTER TABLE users DROP CONSTRAINT users_email_key;",
            "ALTER TYPE address DROP ATTRIBUTE zip;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_objects_and_the_fix() {
        assert_eq!(
            fires(&RULE, "DROP TABLE app.users, orders;"),
            "`DROP TABLE app.users, orders` without `IF EXISTS` fails when it does not exist"
        );
        assert_eq!(
            fires(&RULE, "DROP FUNCTION app.f(int, text[]);"),
            "`DROP FUNCTION app.f(int, text[])` without `IF EXISTS` fails when it does not \
             exist"
        );
        assert_eq!(
            fires(&RULE, "DROP TRIGGER trg ON app.users;"),
            "`DROP TRIGGER trg ON app.users` without `IF EXISTS` fails when it does not exist"
        );
    }

    #[test]
    fn the_fix_keeps_cascade() {
        let (_, diagnostics, _) = crate::check::check_script(
            "test.sql",
            "DROP SCHEMA app CASCADE;",
            crate::rule::ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let found = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert_eq!(found.help, "write `DROP SCHEMA IF EXISTS app CASCADE`");
    }

    #[test]
    fn points_at_each_dropped_column_and_constraint() {
        let sql = "ALTER TABLE users\n  DROP COLUMN IF EXISTS a,\n  ALTER COLUMN b TYPE \
                   numeric(10, 2),\n  DROP COLUMN c,\n  DROP CONSTRAINT users_d_check;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (4, 3));
        assert_eq!(
            found[0].2,
            "`DROP COLUMN c` of `users` without `IF EXISTS` fails when it does not exist"
        );
        assert_eq!((found[1].0, found[1].1), (5, 3));
    }

    #[test]
    fn points_at_the_command_after_a_qualified_name() {
        let found = findings(&RULE, "ALTER TABLE ONLY \"app\" . users DROP COLUMN c;");
        assert_eq!((found[0].0, found[0].1), (1, 32));
    }

    #[test]
    fn passes_idempotent_forms() {
        for sql in [
            "DROP TABLE IF EXISTS users;",
            "DROP INDEX CONCURRENTLY IF EXISTS users_email;",
            "DROP FUNCTION IF EXISTS f(int);",
            "DROP ROLE IF EXISTS app;",
            "ALTER TABLE users DROP COLUMN IF EXISTS email, DROP CONSTRAINT IF EXISTS c;",
            "ALTER TABLE users ALTER COLUMN email DROP NOT NULL, ALTER COLUMN a DROP DEFAULT;",
            "CREATE TABLE IF NOT EXISTS scratch (id int);\nDROP TABLE scratch;",
            "CREATE INDEX IF NOT EXISTS tmp_idx ON users (id);\nDROP INDEX tmp_idx;",
            "SELECT 'DROP TABLE users';",
            "-- DROP TABLE users;\nSELECT 1;",
            // A guarded `DO` block skips what was done already.
            "DO $$ BEGIN DROP TABLE users; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $body$ DROP TABLE users $body$;",
        ] {
            passes(&RULE, sql);
        }
    }

    /// Dropping what a later statement creates again re-runs fine: the first run left it.
    #[test]
    fn passes_drops_of_what_the_file_creates_again() {
        for sql in [
            "DROP VIEW v;\nCREATE VIEW v AS SELECT 1 AS x;",
            "DROP VIEW app.v;\nCREATE OR REPLACE VIEW v AS SELECT 1 AS x;",
            "DROP FUNCTION f(int);\nCREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS \
             'SELECT a';",
            "DROP TRIGGER trg ON t;\nCREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW \
             EXECUTE FUNCTION touch();",
            "DROP INDEX t_a;\nCREATE INDEX IF NOT EXISTS t_a ON t (a);",
            "ALTER TABLE t DROP CONSTRAINT c, ADD CONSTRAINT c CHECK (a > 0);",
            "ALTER TABLE t DROP CONSTRAINT c;\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
            "ALTER TABLE t DROP CONSTRAINT t_pkey, ADD PRIMARY KEY (a);",
            "ALTER TABLE t DROP CONSTRAINT t_a_b_key, ADD UNIQUE (a, b);",
            "ALTER TABLE t DROP COLUMN c, ADD COLUMN c text;",
            "ALTER TABLE t DROP COLUMN c;\nALTER TABLE t ADD COLUMN c text;",
            "ALTER TABLE t ADD COLUMN tmp int;\nALTER TABLE t DROP COLUMN tmp;",
        ] {
            passes(&RULE, sql);
        }
        // The second run's `RENAME` fails (`a` is gone), so `c` is not there to drop.
        fires(
            &RULE,
            "ALTER TABLE t RENAME COLUMN a TO c;\nALTER TABLE t DROP COLUMN c;",
        );
        for sql in [
            "DROP VIEW v;\nCREATE VIEW w AS SELECT 1 AS x;",
            "DROP TRIGGER trg ON t;\nCREATE TRIGGER trg BEFORE UPDATE ON u FOR EACH ROW \
             EXECUTE FUNCTION touch();",
            "ALTER TABLE t DROP CONSTRAINT c, ADD CONSTRAINT d CHECK (a > 0);",
            "ALTER TABLE t DROP CONSTRAINT c;\nALTER TABLE u ADD CONSTRAINT c CHECK (a > 0);",
            "ALTER TABLE t DROP CONSTRAINT t_pkey, ADD UNIQUE (a);",
            "ALTER TABLE t ADD COLUMN c text, DROP COLUMN c;",
            // Another function: the second run's `DROP` finds no `f(int)` (42883).
            "DROP FUNCTION f(int);\nCREATE OR REPLACE FUNCTION f(a text) RETURNS int LANGUAGE \
             sql AS 'SELECT 1';",
        ] {
            fires(&RULE, sql);
        }
    }

    /// Checked on PostgreSQL: the second run fails with 55000, the `IF EXISTS` forms skip.
    #[test]
    fn fires_on_drop_identity_and_drop_expression() {
        assert_eq!(
            fires(&RULE, "ALTER TABLE t ALTER COLUMN id DROP IDENTITY;"),
            "`ALTER COLUMN id DROP IDENTITY` of `t` without `IF EXISTS` fails when it runs \
             again: `id` is no longer an identity"
        );
        fires(&RULE, "ALTER TABLE t ALTER COLUMN total DROP EXPRESSION;");
        assert_eq!(
            crate::rules::testing::helps(
                &RULE,
                "ALTER TABLE t ALTER COLUMN \"Total\" DROP EXPRESSION;"
            ),
            ["write `ALTER COLUMN \"Total\" DROP EXPRESSION IF EXISTS`"]
        );
        passes(
            &RULE,
            "ALTER TABLE t ALTER COLUMN id DROP IDENTITY IF EXISTS;",
        );
        passes(
            &RULE,
            "ALTER TABLE t ALTER COLUMN total DROP EXPRESSION IF EXISTS;",
        );
    }

    #[test]
    fn allow_directives_silence_it() {
        passes(
            &RULE,
            "-- migrate:allow(missing-if-exists, drop-table) fails loudly on purpose\n\
             DROP TABLE users;",
        );
        passes(
            &RULE,
            "-- migrate:allow-file(missing-if-exists) drops are checked by hand\n\
             SELECT 1;\nDROP VIEW v;",
        );
    }

    #[test]
    fn the_fix_adds_if_exists_after_the_kind_of_object() {
        for (sql, want) in [
            (
                "DROP MATERIALIZED VIEW totals CASCADE;",
                "DROP MATERIALIZED VIEW IF EXISTS totals CASCADE;",
            ),
            (
                "DROP INDEX CONCURRENTLY users_email;",
                "DROP INDEX CONCURRENTLY IF EXISTS users_email;",
            ),
            (
                "DROP TEXT SEARCH CONFIGURATION -- c\n cfg;",
                "DROP TEXT SEARCH CONFIGURATION IF EXISTS -- c\n cfg;",
            ),
            ("DROP FUNCTION f(int);", "DROP FUNCTION IF EXISTS f(int);"),
            (
                "DROP TRIGGER trg ON users;",
                "DROP TRIGGER IF EXISTS trg ON users;",
            ),
            (
                "DROP CAST (text AS mood);",
                "DROP CAST IF EXISTS (text AS mood);",
            ),
            ("DROP USER app;", "DROP USER IF EXISTS app;"),
            (
                "DROP USER MAPPING FOR app SERVER remote;",
                "DROP USER MAPPING IF EXISTS FOR app SERVER remote;",
            ),
            ("DROP SUBSCRIPTION s;", "DROP SUBSCRIPTION IF EXISTS s;"),
            (
                "ALTER DOMAIN d DROP CONSTRAINT c;",
                "ALTER DOMAIN d DROP CONSTRAINT IF EXISTS c;",
            ),
            (
                "ALTER TABLE users DROP a, DROP COLUMN b, DROP CONSTRAINT c;",
                "ALTER TABLE users DROP IF EXISTS a, DROP COLUMN IF EXISTS b, \
                 DROP CONSTRAINT IF EXISTS c;",
            ),
            (
                "ALTER TYPE address DROP ATTRIBUTE zip;",
                "ALTER TYPE address DROP ATTRIBUTE IF EXISTS zip;",
            ),
            (
                "ALTER TABLE t ALTER COLUMN id DROP IDENTITY, ALTER g DROP EXPRESSION;",
                "ALTER TABLE t ALTER COLUMN id DROP IDENTITY IF EXISTS, ALTER g DROP EXPRESSION \
                 IF EXISTS;",
            ),
        ] {
            assert_eq!(fixed(&RULE, sql), want);
        }
    }
}
