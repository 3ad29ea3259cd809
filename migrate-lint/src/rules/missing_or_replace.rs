//! `missing-or-replace`: `CREATE FUNCTION/PROCEDURE/AGGREGATE/VIEW/TRIGGER/RULE` without
//! `OR REPLACE` fails when the migration runs a second time, because the object already exists.
//! An earlier `DROP ... IF EXISTS` of the same object (or of the table a trigger or rule is on)
//! in the same file makes it safe.

use pg_query::protobuf::{ObjectType, RangeVar};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::fix::{Edit, Fix};
use crate::objects::{creates, display_name, kind_keyword, relation_name, strings, ObjectKey};
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;
use crate::rules::newer_than_target::{CREATE_OR_REPLACE_AGGREGATE, CREATE_OR_REPLACE_TRIGGER};

pub(crate) static RULE: Rule = Rule {
    name: "missing-or-replace",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "`CREATE FUNCTION/PROCEDURE/AGGREGATE/VIEW/TRIGGER/RULE` without `OR REPLACE` fails \
             when the object already exists",
    help: "write `CREATE OR REPLACE`, or drop the object first with `DROP ... IF EXISTS`",
    allowable: true,
    autofix: Some("writes `CREATE OR REPLACE` where the target server accepts it"),
    examples: Examples::Shown(&[
        Example {
            before: &[USERS],
            bad: ("002_active_users.sql", "CREATE VIEW active_users AS SELECT id, email FROM users WHERE email IS NOT NULL;\n"),
            good: ("002_active_users.sql", "CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE email IS NOT NULL;\n"),
        },
    ]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

/// What a `CREATE` statement without `OR REPLACE` creates.
struct Created<'a> {
    kind: ObjectType,
    /// Name parts; for triggers and rules, the table's then the object's.
    name: Vec<String>,
    /// A function's or procedure's input argument types: a `DROP` of the same name with other
    /// argument types drops another function, and does not guard this one.
    args: Option<Vec<String>>,
    /// The table a trigger or rule is on.
    table: Option<&'a RangeVar>,
    /// Whether `OR REPLACE` exists for it (not for constraint triggers).
    replaceable: bool,
}

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let Some(created) = created(ctx.node) else {
        return Vec::new();
    };
    if guarded(ctx, &created) {
        return Vec::new();
    }
    let keyword = kind_keyword(created.kind);
    let name = display_name(created.kind, &created.name);
    let guard = format!("DROP {keyword} IF EXISTS {name}");
    // `OR REPLACE` of triggers and aggregates came later than the statements themselves.
    let too_old = match created.kind {
        ObjectType::ObjectTrigger => Some(CREATE_OR_REPLACE_TRIGGER),
        ObjectType::ObjectAggregate => Some(CREATE_OR_REPLACE_AGGREGATE),
        _ => None,
    }
    .filter(|since| !ctx.target.at_least(*since));
    let help = match too_old {
        _ if !created.replaceable => format!(
            "`OR REPLACE` does not exist for a constraint trigger: put `{guard};` before it"
        ),
        Some(since) => format!(
            "`CREATE OR REPLACE {keyword}` needs PostgreSQL {since} ({}): put `{guard};` before it",
            ctx.target
        ),
        None => {
            let own = match created.table {
                Some(_) => created.name.last().map_or_else(String::new, |n| ident(n)),
                None => name.clone(),
            };
            format!("write `CREATE OR REPLACE {keyword} {own} ...`, or put `{guard};` before it")
        }
    };
    let fix = (created.replaceable && too_old.is_none())
        .then(|| ctx.after_words_at(ctx.start(), &["CREATE"]))
        .flatten()
        .map(|at| {
            Fix::edits(
                "write `CREATE OR REPLACE`",
                vec![Edit::insert(at, " OR REPLACE")],
            )
        });
    let what = if created.replaceable {
        keyword
    } else {
        "CONSTRAINT TRIGGER"
    };
    vec![ctx
        .hit(format!(
            "`CREATE {what} {name}` without `OR REPLACE` fails when it already exists"
        ))
        .help(help)
        .fix(fix)]
}

fn on_table<'a>(
    kind: ObjectType,
    table: Option<&'a RangeVar>,
    name: &str,
    replaceable: bool,
) -> Created<'a> {
    let mut parts = table.map(relation_name).unwrap_or_default();
    parts.push(name.to_owned());
    Created {
        kind,
        name: parts,
        args: None,
        table,
        replaceable,
    }
}

fn created(node: &NodeEnum) -> Option<Created<'_>> {
    let named = |kind, name| Created {
        kind,
        name,
        args: None,
        table: None,
        replaceable: true,
    };
    match node {
        NodeEnum::CreateFunctionStmt(s) if !s.replace => {
            let key = creates(node).into_iter().next()?;
            Some(Created {
                args: key.args,
                ..named(key.kind, key.name)
            })
        }
        NodeEnum::DefineStmt(s) if !s.replace && s.kind() == ObjectType::ObjectAggregate => {
            Some(named(ObjectType::ObjectAggregate, strings(&s.defnames)))
        }
        NodeEnum::ViewStmt(s) if !s.replace => Some(named(
            ObjectType::ObjectView,
            s.view.as_ref().map(relation_name).unwrap_or_default(),
        )),
        NodeEnum::CreateTrigStmt(s) if !s.replace => Some(on_table(
            ObjectType::ObjectTrigger,
            s.relation.as_ref(),
            &s.trigname,
            !s.isconstraint,
        )),
        NodeEnum::RuleStmt(s) if !s.replace => Some(on_table(
            ObjectType::ObjectRule,
            s.relation.as_ref(),
            &s.rulename,
            true,
        )),
        _ => None,
    }
}

/// Dropped earlier in the file (with or without `IF EXISTS`), and not created again since: the object itself, a routine through
/// `DROP ROUTINE`, or the table a trigger or rule is on.
fn guarded(ctx: &StatementCtx<'_>, created: &Created<'_>) -> bool {
    let key = |kind| ObjectKey {
        args: created.args.clone(),
        ..ObjectKey::new(kind, created.name.clone())
    };
    ctx.earlier.removed(&key(created.kind), None)
        || (matches!(
            created.kind,
            ObjectType::ObjectFunction | ObjectType::ObjectProcedure
        ) && ctx.earlier.dropped(&key(ObjectType::ObjectRoutine)))
        || created.table.is_some_and(|t| ctx.earlier.dropped_table(t))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{fires, fixed, helps_targeting, passes};

    const FUNCTION: &str = "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS \
                            $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;";

    #[test]
    fn fires_on_creates_without_or_replace() {
        for sql in [
            FUNCTION,
            "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;",
            "CREATE AGGREGATE agg(int) (SFUNC = int4pl, STYPE = int);",
            "CREATE VIEW totals AS SELECT 1 AS n;",
            "CREATE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();",
            "CREATE RULE r AS ON INSERT TO users DO INSTEAD NOTHING;",
            "CREATE CONSTRAINT TRIGGER c AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION \
             touch();",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_object_and_the_fix() {
        assert_eq!(
            fires(&RULE, FUNCTION),
            "`CREATE FUNCTION app.touch` without `OR REPLACE` fails when it already exists"
        );
        assert_eq!(
            fires(
                &RULE,
                "CREATE TRIGGER trg BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION \
                 touch();"
            ),
            "`CREATE TRIGGER trg ON app.users` without `OR REPLACE` fails when it already exists"
        );
    }

    #[test]
    fn the_help_shows_or_replace_and_the_guard() {
        let help = |sql: &str| {
            let (_, diagnostics, _) = crate::check::check_script(
                "test.sql",
                sql,
                crate::rule::ScriptKind::Up,
                &crate::rule::Policy::default(),
            );
            diagnostics
                .into_iter()
                .find(|d| d.rule == RULE.name)
                .unwrap()
                .help
        };
        assert_eq!(
            help(
                "CREATE TRIGGER trg BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION f();"
            ),
            "write `CREATE OR REPLACE TRIGGER trg ...`, or put `DROP TRIGGER IF EXISTS trg ON \
             app.users;` before it"
        );
        assert_eq!(
            helps_targeting(
                &RULE,
                13,
                "CREATE TRIGGER trg BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION f();"
            ),
            [
                "`CREATE OR REPLACE TRIGGER` needs PostgreSQL 14 (migrate.toml declares `postgres \
              = 13`): put `DROP TRIGGER IF EXISTS trg ON app.users;` before it"
            ]
        );
        assert_eq!(
            helps_targeting(&RULE, 11, "CREATE AGGREGATE agg(int) (SFUNC = int4pl, STYPE = int);"),
            ["`CREATE OR REPLACE AGGREGATE` needs PostgreSQL 12 (migrate.toml declares `postgres \
              = 11`): put `DROP AGGREGATE IF EXISTS agg;` before it"]
        );
        assert_eq!(
            help("CREATE VIEW app.totals AS SELECT 1 AS n;"),
            "write `CREATE OR REPLACE VIEW app.totals ...`, or put `DROP VIEW IF EXISTS \
             app.totals;` before it"
        );
    }

    #[test]
    fn passes_or_replace_and_guarded_creates() {
        for sql in [
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
            "CREATE OR REPLACE VIEW totals AS SELECT 1 AS n;",
            "CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW EXECUTE \
             FUNCTION touch();",
            "CREATE OR REPLACE RULE r AS ON INSERT TO users DO INSTEAD NOTHING;",
            "DROP VIEW IF EXISTS totals;\nCREATE VIEW totals AS SELECT 1 AS n;",
            "DROP FUNCTION IF EXISTS app.f(int);\n\
             CREATE FUNCTION app.f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;",
            "DROP ROUTINE IF EXISTS p;\nCREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;",
            "DROP TRIGGER IF EXISTS trg ON app.users;\nCREATE CONSTRAINT TRIGGER trg AFTER \
             INSERT ON app.users FOR EACH ROW EXECUTE FUNCTION touch();",
            "DROP RULE IF EXISTS r ON users;\n\
             CREATE RULE r AS ON INSERT TO users DO INSTEAD NOTHING;",
            "SELECT 'CREATE VIEW v AS SELECT 1';",
            "/* CREATE VIEW v AS SELECT 1; */ SELECT 1;",
            // A guarded `DO` block skips what was done already.
            "DO $$ BEGIN IF to_regclass('v') IS NULL THEN EXECUTE 'CREATE VIEW v AS SELECT 1'; END IF; END $$;",
            "-- migrate:allow(missing-or-replace) created once by design\n\
             CREATE VIEW totals AS SELECT 1 AS n;",
            "-- migrate:allow-file(missing-or-replace) reviewed by hand\n\n\
             CREATE VIEW totals AS SELECT 1 AS n;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn a_drop_without_if_exists_guards_too() {
        for sql in [
            "DROP VIEW v;\nCREATE VIEW v AS SELECT 1 AS n;",
            "DROP FUNCTION f(int);\nCREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS \
             'SELECT a';",
            "DROP TRIGGER trg ON users;\nCREATE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW \
             EXECUTE FUNCTION touch();",
        ] {
            passes(&RULE, sql);
        }
    }

    /// A function's identity is its name and its input argument types: PostgreSQL's second run
    /// drops nothing and the `CREATE` fails (42723, tests/tests/oracle.rs).
    #[test]
    fn a_drop_of_other_argument_types_does_not_guard() {
        for sql in [
            "DROP FUNCTION IF EXISTS f(int);\n\
             CREATE FUNCTION f(a text) RETURNS int LANGUAGE sql AS 'SELECT 1';",
            "DROP FUNCTION IF EXISTS f();\n\
             CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a';",
            "DROP PROCEDURE IF EXISTS p(int, int);\nCREATE PROCEDURE p(a int) LANGUAGE sql AS 'SELECT 1';",
        ] {
            fires(&RULE, sql);
        }
        for sql in [
            // The same types, however written; `OUT` parameters do not count; no types at all
            // drops the one function of that name.
            "DROP FUNCTION IF EXISTS f(integer, character varying(10), text[]);\n\
             CREATE FUNCTION f(a int4, b varchar, c text[]) RETURNS int LANGUAGE sql AS 'SELECT a';",
            "DROP FUNCTION IF EXISTS f(int);\n\
             CREATE FUNCTION f(a int, OUT b int) LANGUAGE sql AS 'SELECT a';",
            "DROP FUNCTION IF EXISTS f;\n\
             CREATE FUNCTION f(a text) RETURNS int LANGUAGE sql AS 'SELECT 1';",
            "DROP FUNCTION IF EXISTS f(int);\n\
             CREATE OR REPLACE FUNCTION f(a text) RETURNS int LANGUAGE sql AS 'SELECT 1';",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn a_drop_of_another_object_does_not_guard() {
        fires(
            &RULE,
            "DROP VIEW IF EXISTS other;\nCREATE VIEW totals AS SELECT 1 AS n;",
        );
        fires(
            &RULE,
            "DROP TRIGGER IF EXISTS trg ON orders;\nCREATE TRIGGER trg BEFORE UPDATE ON users \
             FOR EACH ROW EXECUTE FUNCTION touch();",
        );
    }

    #[test]
    fn the_fix_writes_or_replace_where_the_target_accepts_it() {
        assert_eq!(
            fixed(&RULE, "create view totals AS SELECT 1 AS n;"),
            "create OR REPLACE view totals AS SELECT 1 AS n;"
        );
        assert_eq!(
            fixed(&RULE, FUNCTION),
            FUNCTION.replacen("CREATE", "CREATE OR REPLACE", 1)
        );
        let trigger =
            "CREATE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();";
        let (_, found, _) = crate::check::check_script(
            "t.sql",
            trigger,
            crate::rule::ScriptKind::Up,
            &crate::rule::Policy {
                target: crate::rule::Target {
                    version: migrate_core::PgVersion::new(13).unwrap(),
                    declared: true,
                },
                ..Default::default()
            },
        );
        assert!(
            found.iter().all(|d| d.fix.is_none()),
            "PostgreSQL 13 has no OR REPLACE TRIGGER"
        );
    }
}
