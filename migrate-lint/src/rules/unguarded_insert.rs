//! `unguarded-insert`: an `INSERT` without `ON CONFLICT` inserts its rows again when the
//! migration runs a second time (or fails on a unique key). An `INSERT ... SELECT` whose `WHERE`
//! checks `NOT EXISTS (...)` is guarded: it inserts only what is missing. So is an insert into a
//! table dropped with `IF EXISTS` earlier in the file, or created `TEMP ... ON COMMIT DROP`: each
//! run fills a new table.

use pg_query::protobuf::{BoolExprType, SubLinkType};
use pg_query::{Node, NodeEnum};

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::history_table_write::is_history_table;

pub(crate) static RULE: Rule = Rule {
    name: "unguarded-insert",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "`INSERT` without `ON CONFLICT` or `WHERE NOT EXISTS` inserts its rows again, or \
             fails on a unique key, when it runs a second time",
    help: "add `ON CONFLICT DO NOTHING` (or `ON CONFLICT (key) DO UPDATE SET ...`), or insert \
           from a `SELECT ... WHERE NOT EXISTS (...)`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[],
        bad: (
            "002_countries.sql",
            "CREATE TABLE IF NOT EXISTS countries (
    code text PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO countries (code, name) VALUES ('FR', 'France'), ('DE', 'Germany');
",
        ),
        good: (
            "002_countries.sql",
            "CREATE TABLE IF NOT EXISTS countries (
    code text PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO countries (code, name) VALUES ('FR', 'France'), ('DE', 'Germany')
    ON CONFLICT (code) DO NOTHING;
",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::InsertStmt(s) = ctx.node else {
        return Vec::new();
    };
    let rebuilt = s
        .relation
        .as_ref()
        .is_some_and(|r| ctx.earlier.dropped_table(r) || ctx.earlier.dropped_at_commit(r));
    // A write to the history table is `history-table-write`'s: it must go, not be guarded.
    let history = s.relation.as_ref().is_some_and(is_history_table);
    if history
        || rebuilt
        || s.on_conflict_clause.is_some()
        || s.select_stmt.as_deref().is_some_and(guarded)
    {
        return Vec::new();
    }
    let table = display_relation(s.relation.as_ref());
    vec![ctx
        .hit(format!(
            "`INSERT INTO {table}` without `ON CONFLICT` inserts its rows again, or fails on a \
             unique key, when it runs a second time"
        ))
        .help(format!(
            "add `ON CONFLICT DO NOTHING` (or `ON CONFLICT (key) DO UPDATE SET ...`) at the \
             end, or write `INSERT INTO {table} SELECT ... WHERE NOT EXISTS (SELECT 1 FROM \
             {table} WHERE ...)`"
        ))]
}

/// A `SELECT` whose `WHERE` is, or is a conjunction holding, `NOT EXISTS (...)`.
fn guarded(select: &Node) -> bool {
    match select.node.as_ref() {
        Some(NodeEnum::SelectStmt(s)) => s.where_clause.as_deref().is_some_and(has_not_exists),
        _ => false,
    }
}

fn has_not_exists(condition: &Node) -> bool {
    let Some(NodeEnum::BoolExpr(b)) = condition.node.as_ref() else {
        return false;
    };
    match b.boolop() {
        BoolExprType::AndExpr => b.args.iter().any(has_not_exists),
        BoolExprType::NotExpr => b.args.iter().any(|a| {
            matches!(a.node.as_ref(), Some(NodeEnum::SubLink(l))
                if l.sub_link_type() == SubLinkType::ExistsSublink)
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{fires, passes};

    #[test]
    fn fires_on_inserts_without_a_guard() {
        for sql in [
            "INSERT INTO roles (name) VALUES ('admin');",
            "INSERT INTO app.roles SELECT name FROM staging;",
            "INSERT INTO roles SELECT 'admin' WHERE EXISTS (SELECT 1 FROM settings);",
            "INSERT INTO roles SELECT 'admin' WHERE true OR NOT EXISTS (SELECT 1 FROM roles);",
            "WITH s AS (SELECT 1) INSERT INTO roles SELECT * FROM s;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_table() {
        assert_eq!(
            fires(&RULE, "INSERT INTO app.roles (name) VALUES ('admin');"),
            "`INSERT INTO app.roles` without `ON CONFLICT` inserts its rows again, or fails on \
             a unique key, when it runs a second time"
        );
    }

    #[test]
    fn passes_guarded_inserts() {
        for sql in [
            // `history-table-write` says to delete this one; adding ON CONFLICT would not help.
            "INSERT INTO public.schema_migrations (version, name) VALUES (2, 'x');",
            "INSERT INTO roles (name) VALUES ('admin') ON CONFLICT DO NOTHING;",
            "INSERT INTO roles (name) VALUES ('admin') ON CONFLICT (name) DO UPDATE SET \
             name = excluded.name;",
            "INSERT INTO roles (name) SELECT 'admin' WHERE NOT EXISTS \
             (SELECT 1 FROM roles WHERE name = 'admin');",
            "INSERT INTO roles (name) SELECT s.name FROM staging s WHERE s.ok AND NOT EXISTS \
             (SELECT 1 FROM roles r WHERE r.name = s.name);",
            "-- migrate:allow(drop-table) a lookup table, rebuilt\n\
             DROP TABLE IF EXISTS colours;\nCREATE TABLE colours (name text);\n\
             INSERT INTO colours VALUES ('red');",
            // A new table on each run, gone when the migration commits.
            "CREATE TEMP TABLE staging (id int) ON COMMIT DROP;\nINSERT INTO staging VALUES (1);",
            "CREATE TEMPORARY TABLE staging ON COMMIT DROP AS SELECT 1 AS id;\n\
             INSERT INTO staging VALUES (2);",
            "SELECT 'INSERT INTO roles VALUES (1)';",
            "-- INSERT INTO roles VALUES (1);\nSELECT 1;",
            // A guarded `DO` block skips what was done already.
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM roles) THEN INSERT INTO roles VALUES (1); END IF; END $$;",
            "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE sql AS $$ INSERT INTO roles \
             VALUES (1) $$;",
            "-- migrate:allow(unguarded-insert) the table is created above\n\
             INSERT INTO roles VALUES (1);",
            "-- migrate:allow-file(unguarded-insert) seed data, reviewed\n\
             INSERT INTO roles VALUES (1);\nINSERT INTO roles VALUES (2);",
        ] {
            passes(&RULE, sql);
        }
    }
}
