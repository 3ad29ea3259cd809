//! `session-setting`: a plain `SET` (or `RESET`, `SET ROLE`, `SET SESSION AUTHORIZATION`,
//! `set_config(..., false)`) in a migration that runs in a transaction changes the runner's
//! session, not the transaction: once the migration commits, the setting stays. It reaches the
//! next migration (a `statement_timeout = '1h'` meant for one backfill, a role meant for one
//! `CREATE`) and, behind a pooler, the application's queries on the same server connection.
//! `SET LOCAL` (or `set_config(..., true)`) ends with the transaction. A `RESET` of a setting
//! undoes for the rest of the session what the runner set too (its `lock_timeout`). A file
//! that starts with `-- migrate:no-transaction` has no transaction for `SET LOCAL` to last;
//! it is not checked here (see `docs/guide/transactions.md`).

use pg_query::protobuf::a_const::Val;
use pg_query::protobuf::{AConst, FuncCall, VariableSetKind, VariableSetStmt};
use pg_query::{NodeEnum, NodeRef};

use crate::diagnostic::{Hit, Severity};
use crate::fix::{Edit, Fix};
use crate::objects::strings;
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Policy, Rule, StatementCtx};
use crate::rules::examples::USERS;
use migrate_core::Transaction;

pub(crate) static RULE: Rule = Rule {
    name: "session-setting",
    family: Family::SessionState,
    severity: Severity::Error,
    reason: "a plain `SET`, `RESET`, `SET ROLE`, `SET SESSION AUTHORIZATION` or \
             `set_config(..., false)` in a migration's transaction outlives the migration: it \
             stays on the runner's session for the next migrations and, behind a pooler, the \
             application's queries",
    help: "write `SET LOCAL ...` (or `set_config(..., true)`): it ends with the migration's \
           transaction",
    allowable: true,
    autofix: Some(
        "writes `SET LOCAL` for `SET` and `RESET`, and `set_config(..., true)` for \
         `set_config(..., false)`",
    ),
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_backfill_names.sql",
            "SET statement_timeout = '1h';
UPDATE users SET email = lower(email) WHERE email <> lower(email);
",
        ),
        good: (
            "002_backfill_names.sql",
            "SET LOCAL statement_timeout = '1h';
UPDATE users SET email = lower(email) WHERE email <> lower(email);
",
        ),
    }]),
    check: Check::Configured {
        down_files: true,
        check,
    },
};

/// With `tenancy = "schema"`, `escapes-tenant` reports a `SET search_path` (to delete, not to
/// make `LOCAL`).
fn check(ctx: &StatementCtx<'_>, policy: &Policy) -> Vec<Hit> {
    if ctx.transaction != Transaction::Single {
        return Vec::new();
    }
    match ctx.node {
        NodeEnum::VariableSetStmt(s)
            if policy.tenant_schema.is_some() && s.name == "search_path" =>
        {
            Vec::new()
        }
        NodeEnum::VariableSetStmt(s) => set(ctx, s).into_iter().collect(),
        node => node
            .nodes()
            .into_iter()
            .filter_map(|(n, ..)| match n {
                NodeRef::FuncCall(f) => set_config(ctx, f),
                _ => None,
            })
            .collect(),
    }
}

/// `SET x = v`, `SET x TO DEFAULT`, `RESET x`, `RESET ALL`, `SET ROLE r`, `SET SESSION
/// AUTHORIZATION u`, `SET SESSION CHARACTERISTICS AS TRANSACTION ...`; not `SET LOCAL` nor
/// `SET TRANSACTION`.
fn set(ctx: &StatementCtx<'_>, s: &VariableSetStmt) -> Option<Hit> {
    if s.is_local {
        return None;
    }
    let local = match (s.kind(), s.name.as_str()) {
        (VariableSetKind::VarSetMulti, "SESSION CHARACTERISTICS") => {
            return Some(ctx.hit(
                "`SET SESSION CHARACTERISTICS` changes every later transaction of the runner's \
                 session, not this migration's",
            )
            .help("write `SET TRANSACTION ...` for this migration's transaction"));
        }
        (VariableSetKind::VarSetMulti, _) => return None,
        (VariableSetKind::VarResetAll, _) => {
            return Some(
                ctx.hit(
                    "`RESET ALL` resets every setting of the runner's session, its \
                     `lock_timeout` and `statement_timeout` too, for the rest of the session",
                )
                .help(
                    "remove it: what this migration sets with `SET LOCAL` ends with its \
                     transaction",
                ),
            );
        }
        (VariableSetKind::VarReset, "role") => "SET LOCAL ROLE NONE".to_owned(),
        (VariableSetKind::VarReset, "session_authorization") => {
            "SET LOCAL SESSION AUTHORIZATION DEFAULT".to_owned()
        }
        (VariableSetKind::VarReset, name) => format!("SET LOCAL {} TO DEFAULT", ident(name)),
        _ => {
            let sql = ctx.sql();
            // `SET` is the first word; `SET SESSION x` is `SET x` but for `SESSION
            // AUTHORIZATION`.
            let rest = sql.get(3..).unwrap_or_default().trim_start();
            let rest = match rest.get(..8) {
                Some(word)
                    if word.eq_ignore_ascii_case("session ")
                        && s.name != "session_authorization" =>
                {
                    rest[8..].trim_start()
                }
                _ => rest,
            };
            format!("SET LOCAL {rest}")
        }
    };
    let what = match s.name.as_str() {
        "role" => "the role".to_owned(),
        "session_authorization" => "the session user".to_owned(),
        name => format!("`{}`", ident(name)),
    };
    let (keyword, fix) = if s.kind() == VariableSetKind::VarReset {
        ("RESET", reset_fix(ctx, &local))
    } else {
        ("SET", set_fix(ctx, s))
    };
    Some(
        ctx.hit(format!(
            "`{keyword}` without `LOCAL` changes {what} for the rest of the runner's session: it \
             outlives this migration and reaches the next ones (and, behind a pooler, the \
             application)"
        ))
        .help(format!(
            "write `{local}`: it ends with the migration's transaction"
        ))
        .fix(fix),
    )
}

const TITLE: &str = "write `SET LOCAL`";

/// `SET LOCAL` for `SET` (for `SET SESSION`, `LOCAL` in the place of `SESSION`, except in
/// `SET SESSION AUTHORIZATION`).
fn set_fix(ctx: &StatementCtx<'_>, s: &VariableSetStmt) -> Option<Fix> {
    let start = ctx.start();
    let session = ctx
        .after_words_at(start, &["SET", "SESSION"])
        .filter(|_| s.name != "session_authorization");
    let edit = match session {
        Some(end) => Edit::replace(end - "SESSION".len()..end, "LOCAL"),
        None => Edit::insert(ctx.after_words_at(start, &["SET"])?, " LOCAL"),
    };
    Some(Fix::edits(TITLE, vec![edit]))
}

/// A `RESET` becomes the `SET LOCAL` statement the help names, when the statement holds no
/// comment that replacing it would lose.
fn reset_fix(ctx: &StatementCtx<'_>, local: &str) -> Option<Fix> {
    let commented = ctx.tokens.iter().any(crate::parse::is_comment);
    (ctx.own_text() && !commented).then(|| {
        Fix::edits(
            TITLE,
            vec![Edit::replace(ctx.start()..ctx.base + ctx.range.end, local)],
        )
    })
}

/// `set_config(name, value, false)`: the third argument `false` makes it last for the session.
fn set_config(ctx: &StatementCtx<'_>, call: &FuncCall) -> Option<Hit> {
    let name = strings(&call.funcname);
    let is_set_config = name == ["set_config"] || name == ["pg_catalog", "set_config"];
    let [_, _, local] = call.args.as_slice() else {
        return None;
    };
    let (session, local_location) = match local.node.as_ref() {
        Some(NodeEnum::AConst(AConst {
            val: Some(Val::Boolval(b)),
            location,
            ..
        })) => (!b.boolval, *location),
        _ => (false, -1),
    };
    (is_set_config && session).then(|| {
        Hit::new(
            ctx.at(call.location),
            "`set_config(..., false)` changes the setting for the rest of the runner's session: \
             it outlives this migration and reaches the next ones (and, behind a pooler, the \
             application)",
        )
        .help(
            "pass `true` as the third argument: `set_config(..., true)` ends with the \
               migration's transaction",
        )
        .fix(
            ctx.after_words_at(ctx.at(local_location), &["false"])
                .map(|end| {
                    Fix::edits(
                        "write `set_config(..., true)`",
                        vec![Edit::replace(end - "false".len()..end, "true")],
                    )
                }),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, fires, fixed, helps, passes};

    #[test]
    fn fires_on_session_settings_in_a_transaction() {
        for sql in [
            "SET statement_timeout = '1h';",
            "SET SESSION statement_timeout TO 0;",
            "SET search_path TO app, public;",
            "SET TIME ZONE 'UTC';",
            "SET ROLE app_owner;",
            "SET SESSION AUTHORIZATION app_owner;",
            "RESET statement_timeout;",
            "RESET ROLE;",
            "RESET SESSION AUTHORIZATION;",
            "RESET ALL;",
            "SET lock_timeout TO DEFAULT;",
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE;",
            "SELECT set_config('search_path', 'app', false);",
            "SELECT pg_catalog.set_config('app.tenant', '1', false);",
            "BEGIN;\nSET ROLE app_owner;\nCREATE TABLE IF NOT EXISTS t (id int);\nCOMMIT;",
            "DO $$ BEGIN SET search_path = app; END $$;",
        ] {
            fires(&RULE, sql);
        }
        assert_eq!(
            findings_in(&RULE, "SET ROLE app_owner;", ScriptKind::Down).len(),
            1
        );
    }

    #[test]
    fn the_fix_is_the_local_form() {
        let sql = "SET statement_timeout = '1h';\nSET SESSION search_path TO app, public;\n\
                   SET ROLE app_owner;\nRESET lock_timeout;\nRESET ROLE;\n\
                   RESET SESSION AUTHORIZATION;\nSET SESSION AUTHORIZATION app_owner;\n\
                   SELECT set_config('search_path', 'app', false);";
        assert_eq!(
            findings(&RULE, sql)[0],
            (
                1,
                1,
                "`SET` without `LOCAL` changes `statement_timeout` for the rest of the runner's \
                 session: it outlives this migration and reaches the next ones (and, behind a \
                 pooler, the application)"
                    .to_owned()
            )
        );
        assert_eq!(
            helps(&RULE, sql),
            [
                "write `SET LOCAL statement_timeout = '1h'`: it ends with the migration's \
                 transaction",
                "write `SET LOCAL search_path TO app, public`: it ends with the migration's \
                 transaction",
                "write `SET LOCAL ROLE app_owner`: it ends with the migration's transaction",
                "write `SET LOCAL lock_timeout TO DEFAULT`: it ends with the migration's \
                 transaction",
                "write `SET LOCAL ROLE NONE`: it ends with the migration's transaction",
                "write `SET LOCAL SESSION AUTHORIZATION DEFAULT`: it ends with the migration's \
                 transaction",
                "write `SET LOCAL SESSION AUTHORIZATION app_owner`: it ends with the \
                 migration's transaction",
                "pass `true` as the third argument: `set_config(..., true)` ends with the \
                 migration's transaction",
            ]
        );
    }

    /// With `tenancy = "schema"`, `escapes-tenant` reports `SET search_path` alone.
    #[test]
    fn leaves_search_path_to_escapes_tenant_under_schema_tenancy() {
        let policy = crate::rule::Policy {
            tenant_schema: Some(Vec::new()),
            ..crate::rule::Policy::default()
        };
        let sql = "SET search_path TO public;\nSET statement_timeout = 0;";
        let (_, diagnostics, _) = crate::check::check_script("t.sql", sql, ScriptKind::Up, &policy);
        let rules: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.rule, d.message.as_str()))
            .collect();
        assert_eq!(
            rules.iter().filter(|(r, _)| *r == "escapes-tenant").count(),
            1
        );
        let ours: Vec<_> = rules.iter().filter(|(r, _)| *r == RULE.name).collect();
        assert_eq!(ours.len(), 1);
        assert!(ours[0].1.contains("`statement_timeout`"));
    }

    #[test]
    fn passes_local_settings_no_transaction_files_and_allowed() {
        for sql in [
            "SET LOCAL statement_timeout = '1h';",
            "SET LOCAL ROLE app_owner;",
            "SET LOCAL SESSION AUTHORIZATION app_owner;",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;",
            "SELECT set_config('search_path', 'app', true);",
            "SELECT current_setting('search_path');",
            "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE sql SET search_path = app \
             AS 'SELECT 1';",
            "SELECT 'SET ROLE x';",
            "-- migrate:no-transaction\nSET statement_timeout = 0;\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nRESET statement_timeout;",
            "-- migrate:allow(session-setting) the next migrations run as this role too\n\
             SET ROLE app_owner;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn the_fix_makes_the_setting_local() {
        for (sql, want) in [
            (
                "SET statement_timeout = '1h';",
                "SET LOCAL statement_timeout = '1h';",
            ),
            (
                "set session statement_timeout TO 0;",
                "set LOCAL statement_timeout TO 0;",
            ),
            (
                "SET SESSION AUTHORIZATION app_owner;",
                "SET LOCAL SESSION AUTHORIZATION app_owner;",
            ),
            ("SET ROLE app_owner;", "SET LOCAL ROLE app_owner;"),
            ("RESET ROLE;", "SET LOCAL ROLE NONE;"),
            (
                "RESET statement_timeout;",
                "SET LOCAL statement_timeout TO DEFAULT;",
            ),
            (
                "SELECT set_config('search_path', 'false', false);",
                "SELECT set_config('search_path', 'false', true);",
            ),
        ] {
            assert_eq!(fixed(&RULE, sql), want);
        }
    }
}
