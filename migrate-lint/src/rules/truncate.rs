//! `truncate`: `TRUNCATE` deletes every row of the tables at once, and cannot be undone once the
//! migration has committed, so it needs an explicit confirmation. Down files revert and may
//! delete.

use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "truncate",
    family: Family::Destructive,
    severity: Severity::Error,
    reason: "`TRUNCATE` deletes every row of the table",
    help: "if the data loss is intended, confirm it right above the statement: \
           `-- migrate:allow(truncate) <reason>`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: ("002_reset_sessions.sql", "TRUNCATE sessions;\n"),
        good: (
            "002_reset_sessions.sql",
            "-- migrate:allow(truncate) every session is signed again with the new key
TRUNCATE sessions;
",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::TruncateStmt(s) = ctx.node else {
        return Vec::new();
    };
    let tables: Vec<String> = s
        .relations
        .iter()
        .filter_map(|r| match r.node.as_ref() {
            Some(NodeEnum::RangeVar(r)) => Some(display_relation(Some(r))),
            _ => None,
        })
        .collect();
    let of = if tables.len() > 1 {
        "of each table"
    } else {
        "of the table"
    };
    vec![ctx.hit(format!(
        "`TRUNCATE {}` deletes every row {of}",
        tables.join(", ")
    ))]
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings_in, fires, passes};

    #[test]
    fn fires_on_every_truncate() {
        for sql in [
            "TRUNCATE sessions;",
            "TRUNCATE TABLE ONLY app.sessions RESTART IDENTITY;",
            "TRUNCATE a, b CASCADE;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_tables() {
        assert_eq!(
            fires(&RULE, "TRUNCATE TABLE app.sessions;"),
            "`TRUNCATE app.sessions` deletes every row of the table"
        );
        assert_eq!(
            fires(&RULE, "TRUNCATE a, b;"),
            "`TRUNCATE a, b` deletes every row of each table"
        );
    }

    #[test]
    fn passes_text_and_confirmed_truncates() {
        for sql in [
            "DELETE FROM sessions WHERE expires_at < now();",
            "SELECT 'TRUNCATE sessions';",
            "-- TRUNCATE sessions;\nSELECT 1;",
            // Inside a `DO` block, confirmed like any other: above the `DO`.
            "-- migrate:allow(truncate) reviewed\nDO $$ BEGIN TRUNCATE sessions; END $$;",
            "-- migrate:allow(truncate) sessions are rebuilt at login\nTRUNCATE sessions;",
            "-- migrate:allow-file(truncate) caches only\nTRUNCATE a;\nTRUNCATE b;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn down_files_may_truncate() {
        assert!(findings_in(&RULE, "TRUNCATE sessions;", ScriptKind::Down).is_empty());
    }
}
