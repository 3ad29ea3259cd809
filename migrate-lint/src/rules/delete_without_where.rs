//! `delete-without-where`: `DELETE FROM t` without `WHERE` deletes every row of the table; it
//! is usually a forgotten condition, so it needs an explicit confirmation. Down files revert a
//! migration and may delete.

use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "delete-without-where",
    family: Family::Destructive,
    severity: Severity::Error,
    reason: "`DELETE` without `WHERE` deletes every row of the table",
    help: "add the `WHERE` that selects the rows to delete; if emptying the table is intended, \
           confirm it right above the statement: `-- migrate:allow(delete-without-where) \
           <reason>`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: ("002_expire_sessions.sql", "DELETE FROM sessions;\n"),
        good: (
            "002_expire_sessions.sql",
            "DELETE FROM sessions WHERE expires_at < now();\n",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    match ctx.node {
        NodeEnum::DeleteStmt(s) if s.where_clause.is_none() => vec![ctx.hit(format!(
            "`DELETE FROM {}` without `WHERE` deletes every row of the table",
            display_relation(s.relation.as_ref())
        ))],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings_in, fires, passes};

    #[test]
    fn fires_on_deletes_without_where() {
        for sql in [
            "DELETE FROM sessions;",
            "DELETE FROM ONLY app.sessions RETURNING id;",
            "DELETE FROM sessions s USING users u;",
            "WITH old AS (SELECT 1) DELETE FROM sessions;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_table() {
        assert_eq!(
            fires(&RULE, "DELETE FROM app.sessions;"),
            "`DELETE FROM app.sessions` without `WHERE` deletes every row of the table"
        );
    }

    #[test]
    fn passes_deletes_with_where_text_and_confirmed_deletes() {
        for sql in [
            "DELETE FROM sessions WHERE expires_at < now();",
            "DELETE FROM sessions s USING users u WHERE s.user_id = u.id AND u.banned;",
            "SELECT 'DELETE FROM sessions';",
            "-- DELETE FROM sessions;\nSELECT 1;",
            // Inside a `DO` block, confirmed like any other: above the `DO`.
            "-- migrate:allow(delete-without-where) reviewed\nDO $$ BEGIN DELETE FROM sessions; END $$;",
            "CREATE OR REPLACE FUNCTION purge() RETURNS void LANGUAGE sql AS \
             $$ DELETE FROM sessions $$;",
            "-- migrate:allow(delete-without-where) sessions are rebuilt at login\n\
             DELETE FROM sessions;",
            "-- migrate:allow-file(delete-without-where) caches only\nDELETE FROM a;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn down_files_may_delete() {
        assert!(findings_in(&RULE, "DELETE FROM sessions;", ScriptKind::Down).is_empty());
    }
}
