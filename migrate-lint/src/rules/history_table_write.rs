//! `history-table-write`: the home-grown runners the project replaces ask every migration to end
//! with `INSERT INTO schema_migrations (version, name) VALUES (...)`. Here the runtime records
//! each migration itself, in the same transaction as the migration: a hand-written row would
//! record the wrong version, collide with the runtime's own row (so the migration fails, or is
//! silently skipped with `ON CONFLICT DO NOTHING`), or with `UPDATE`/`DELETE` rewrite what was
//! applied and make the runtime apply migrations twice.

use pg_query::protobuf::{Node, RangeVar};
use pg_query::NodeEnum;

use super::examples::ORDERS;
use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

/// The history table's default name; matched in any schema.
const HISTORY_TABLE: &str = "schema_migrations";

/// Whether a table is the migration history table (`schema_migrations` in any schema).
pub(crate) fn is_history_table(relation: &RangeVar) -> bool {
    relation.relname == HISTORY_TABLE
}

pub(crate) static RULE: Rule = Rule {
    name: "history-table-write",
    family: Family::Forbidden,
    severity: Severity::Error,
    reason: "a hand-written `INSERT/UPDATE/DELETE` on `schema_migrations` fights the runtime, \
             which records every migration in the history table itself",
    help: "delete the statement: the runtime records every migration itself, in the same \
           transaction",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
INSERT INTO schema_migrations (version, name) VALUES (2, 'add_orders');
",
        ),
        good: ORDERS,
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let mut writes = Vec::new();
    writes_to(ctx.node, &mut writes);
    writes
        .into_iter()
        .filter(|(_, relation)| is_history_table(relation))
        .map(|(what, relation)| {
            let name = display_relation(Some(relation));
            Hit::new(
                ctx.at(relation.location),
                format!("`{what} {name}` writes the migration history by hand"),
            )
            .help(format!(
                "delete the `{what} {name}` statement: the runtime records every migration in \
                 its history table itself, in the same transaction as the migration"
            ))
        })
        .collect()
}

/// The tables a statement writes to, with the statement's keywords, including the writes of its
/// `WITH` queries.
fn writes_to<'a>(node: &'a NodeEnum, found: &mut Vec<(&'static str, &'a RangeVar)>) {
    let (what, relation, with) = match node {
        NodeEnum::InsertStmt(s) => ("INSERT INTO", s.relation.as_ref(), s.with_clause.as_ref()),
        NodeEnum::UpdateStmt(s) => ("UPDATE", s.relation.as_ref(), s.with_clause.as_ref()),
        NodeEnum::DeleteStmt(s) => ("DELETE FROM", s.relation.as_ref(), s.with_clause.as_ref()),
        NodeEnum::MergeStmt(s) => ("MERGE INTO", s.relation.as_ref(), s.with_clause.as_ref()),
        NodeEnum::SelectStmt(s) => ("", None, s.with_clause.as_ref()),
        NodeEnum::TruncateStmt(s) => {
            for relation in &s.relations {
                if let Some(NodeEnum::RangeVar(r)) = relation.node.as_ref() {
                    found.push(("TRUNCATE", r));
                }
            }
            return;
        }
        _ => return,
    };
    found.extend(relation.map(|r| (what, r)));
    let ctes = with.map_or(&[][..], |w| w.ctes.as_slice());
    for query in ctes.iter().filter_map(cte_query) {
        writes_to(query, found);
    }
}

fn cte_query(node: &Node) -> Option<&NodeEnum> {
    match node.node.as_ref()? {
        NodeEnum::CommonTableExpr(cte) => cte.ctequery.as_ref()?.node.as_ref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, fires, passes};

    #[test]
    fn fires_on_the_seeds_insert_and_other_writes() {
        for sql in [
            "INSERT INTO public.schema_migrations (version, name) VALUES (2, 'x') \
             ON CONFLICT (version) DO NOTHING;",
            "INSERT INTO schema_migrations (version) VALUES (3);",
            "INSERT INTO kb.schema_migrations (version) SELECT 4 WHERE NOT EXISTS \
             (SELECT 1 FROM kb.schema_migrations WHERE version = 4);",
            "UPDATE schema_migrations SET name = 'y' WHERE version = 2;",
            "DELETE FROM public.schema_migrations WHERE version = 2;",
            "MERGE INTO schema_migrations m USING (SELECT 2 AS v) s ON m.version = s.v \
             WHEN NOT MATCHED THEN INSERT (version) VALUES (s.v);",
            "WITH gone AS (DELETE FROM schema_migrations WHERE version > 9 RETURNING version) \
             SELECT count(*) FROM gone;",
            "TRUNCATE schema_migrations;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn points_at_the_table_and_names_it() {
        let sql = "BEGIN;\nCREATE TABLE IF NOT EXISTS t (id int);\n\
                   INSERT INTO public.schema_migrations (version, name)\n\
                   VALUES (2, 'add_t') ON CONFLICT (version) DO NOTHING;\nCOMMIT;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (3, 13));
        assert_eq!(
            found[0].2,
            "`INSERT INTO public.schema_migrations` writes the migration history by hand"
        );
        let (_, diagnostics, _) = crate::check::check_script(
            "t.sql",
            sql,
            ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let d = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert!(d
            .help
            .starts_with("delete the `INSERT INTO public.schema_migrations`"));
    }

    #[test]
    fn fires_in_down_files_and_cannot_be_allowed() {
        let down = "DELETE FROM schema_migrations WHERE version = 2;";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
        fires(
            &RULE,
            "-- migrate:allow(history-table-write) legacy\nINSERT INTO schema_migrations \
             (version) VALUES (1) ON CONFLICT DO NOTHING;",
        );
        assert!(crate::rules::allowable(RULE.name).is_err());
    }

    #[test]
    fn passes_reads_other_tables_and_text() {
        for sql in [
            "SELECT version FROM schema_migrations;",
            "INSERT INTO migrations_log (version) SELECT version FROM schema_migrations \
             ON CONFLICT DO NOTHING;",
            "INSERT INTO schema_migrations_archive (version) VALUES (1) ON CONFLICT DO NOTHING;",
            "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY);",
            "SELECT 'INSERT INTO schema_migrations (version) VALUES (2)';",
            "-- INSERT INTO schema_migrations (version) VALUES (2);\nSELECT 1;",
            "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE sql AS $$ \
             DELETE FROM schema_migrations $$;",
        ] {
            passes(&RULE, sql);
        }
    }
}
