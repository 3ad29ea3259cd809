//! `duplicate-column`: a column named twice in one `CREATE TABLE` (or `CREATE FOREIGN TABLE`), one
//! `ALTER TABLE` (two `ADD COLUMN`), one `INSERT` column list (a `MERGE`'s too), one `UPDATE ...
//! SET` (an `ON CONFLICT DO UPDATE SET`'s, a `MERGE`'s), or among the columns of a view or a table
//! made from a query (`CREATE VIEW v (a, a)`, `SELECT 1 AS a, 2 AS a`, `SELECT t.a, u.a` in a
//! view, `CREATE TABLE ... AS`, `SELECT ... INTO`) parses, but PostgreSQL rejects the statement
//! when it runs (42701 "specified more than once", "already exists"; 42601 "multiple assignments
//! to same column"). The names PostgreSQL makes up for other outputs (`lower(a)` is `lower`) are
//! not followed. A second `ADD COLUMN IF NOT EXISTS` is skipped, and assignments to different
//! elements or fields of one column (`SET a[1] = 1, a[2] = 2`) are fine: neither is reported.

use pg_query::protobuf::{AlterTableType, CmdType, CreateStmt, ObjectType, ResTarget, SelectStmt};
use pg_query::{Node, NodeEnum};

use super::examples::ORDERS;
use crate::diagnostic::{Hit, Severity};
use crate::objects::cmd_column;
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "duplicate-column",
    family: Family::Syntax,
    severity: Severity::Error,
    reason: "a column named twice in `CREATE TABLE`, in the `ADD COLUMN`s of one `ALTER TABLE`, \
             in an `INSERT` column list, in an `UPDATE ... SET` (or `ON CONFLICT`'s, or \
             `MERGE`'s) or among the columns of a view or of a table made from a query makes \
             PostgreSQL reject the statement (42701, or 42601 for an assignment)",
    help: "remove the second one, or rename it",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL,
    user_id bigint
);
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
    named_groups(ctx)
        .into_iter()
        .flat_map(|(what, named)| twice(what, named))
        .collect()
}

/// A name, where it is, and whether PostgreSQL skips it when it is there already.
type Named<'a> = Vec<(&'a str, usize, bool)>;

/// Each list of names of the statement that must not repeat one, with what it is.
fn named_groups<'a>(ctx: &StatementCtx<'a>) -> Vec<(&'static str, Named<'a>)> {
    match ctx.node {
        NodeEnum::CreateStmt(s) => vec![("is defined twice in `CREATE TABLE`", defined(ctx, s))],
        NodeEnum::CreateForeignTableStmt(f) => f
            .base_stmt
            .iter()
            .map(|s| {
                (
                    "is defined twice in `CREATE FOREIGN TABLE`",
                    defined(ctx, s),
                )
            })
            .collect(),
        NodeEnum::AlterTableStmt(_) => vec![(
            "is added twice by one `ALTER TABLE`",
            ctx.alter_table_cmds_at()
                .into_iter()
                .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtAddColumn)
                .filter_map(|(_, cmd, at)| {
                    cmd_column(cmd).map(|c| (c.colname.as_str(), at, cmd.missing_ok))
                })
                .collect(),
        )],
        NodeEnum::InsertStmt(s) => {
            let mut groups = vec![(
                "is named twice in the `INSERT` column list",
                whole_columns(ctx, &s.cols),
            )];
            if let Some(on_conflict) = &s.on_conflict_clause {
                groups.push((
                    "is set twice by `ON CONFLICT DO UPDATE`",
                    whole_columns(ctx, &on_conflict.target_list),
                ));
            }
            groups
        }
        NodeEnum::UpdateStmt(s) => vec![(
            "is set twice by `UPDATE`",
            whole_columns(ctx, &s.target_list),
        )],
        NodeEnum::MergeStmt(s) => s
            .merge_when_clauses
            .iter()
            .filter_map(|c| match c.node.as_ref() {
                Some(NodeEnum::MergeWhenClause(c)) => Some(&**c),
                _ => None,
            })
            .filter_map(|c| match c.command_type() {
                CmdType::CmdUpdate => Some((
                    "is set twice by `MERGE`'s `UPDATE SET`",
                    whole_columns(ctx, &c.target_list),
                )),
                CmdType::CmdInsert => Some((
                    "is named twice in `MERGE`'s `INSERT` column list",
                    whole_columns(ctx, &c.target_list),
                )),
                _ => None,
            })
            .collect(),
        NodeEnum::ViewStmt(s) => vec![(
            "is named twice in the columns of `CREATE VIEW`",
            output_columns(ctx, &s.aliases, select(s.query.as_deref())),
        )],
        NodeEnum::CreateTableAsStmt(s) => {
            let what = match s.objtype() {
                ObjectType::ObjectMatview => {
                    "is named twice in the columns of `CREATE MATERIALIZED VIEW`"
                }
                _ => "is named twice in the columns of `CREATE TABLE ... AS`",
            };
            let aliases = s.into.as_ref().map_or(&[][..], |i| &i.col_names);
            vec![(
                what,
                output_columns(ctx, aliases, select(s.query.as_deref())),
            )]
        }
        NodeEnum::SelectStmt(s) => match &s.into_clause {
            Some(into) => vec![(
                "is named twice in the columns of `SELECT ... INTO`",
                output_columns(ctx, &into.col_names, Some(s)),
            )],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The second and later uses of each name, as findings.
fn twice(what: &str, named: Named<'_>) -> Vec<Hit> {
    named
        .iter()
        .enumerate()
        .filter(|&(i, (name, _, skipped))| {
            !skipped && named[..i].iter().any(|(earlier, ..)| earlier == name)
        })
        .map(|(_, &(name, at, _))| {
            Hit::new(
                at,
                format!(
                    "column `{}` {what}: PostgreSQL rejects the statement",
                    ident(name)
                ),
            )
        })
        .collect()
}

/// The columns a `CREATE TABLE` defines.
fn defined<'a>(ctx: &StatementCtx<'_>, s: &'a CreateStmt) -> Named<'a> {
    s.table_elts
        .iter()
        .filter_map(|e| match e.node.as_ref() {
            Some(NodeEnum::ColumnDef(c)) => Some((c.colname.as_str(), ctx.at(c.location), false)),
            _ => None,
        })
        .collect()
}

/// The columns of a target list assigned as a whole (not `a[1]` or `a.field`).
fn whole_columns<'a>(ctx: &StatementCtx<'_>, targets: &'a [Node]) -> Named<'a> {
    targets
        .iter()
        .filter_map(|t| match t.node.as_ref() {
            Some(NodeEnum::ResTarget(t)) if t.indirection.is_empty() => Some(&**t),
            _ => None,
        })
        .map(|t: &ResTarget| (t.name.as_str(), ctx.at(t.location), false))
        .collect()
}

/// The query of a view or a new table, when it is a `SELECT` (or a `VALUES`, whose outputs
/// have no target list: PostgreSQL names them `column1`, `column2`, ...).
fn select(query: Option<&Node>) -> Option<&SelectStmt> {
    match query?.node.as_ref()? {
        NodeEnum::SelectStmt(s) => Some(s),
        _ => None,
    }
}

/// The names of the columns a query gives a view or a new table: the names listed after it
/// (`v (a, b)`, at the statement's start), then those of the query's outputs past them. An
/// output's name is its alias or the column it reads (`SELECT 1 AS a`, `SELECT t.a`); an
/// output of another expression, whose name PostgreSQL makes up, is left out, as are the
/// outputs of `*`.
fn output_columns<'a>(
    ctx: &StatementCtx<'_>,
    aliases: &'a [Node],
    query: Option<&'a SelectStmt>,
) -> Named<'a> {
    let mut named: Named<'a> = aliases
        .iter()
        .filter_map(|a| match a.node.as_ref() {
            Some(NodeEnum::String(s)) => Some((s.sval.as_str(), ctx.start(), false)),
            _ => None,
        })
        .collect();
    let outputs = query.map(outputs).unwrap_or_default();
    if outputs.iter().any(Option::is_none) {
        // A `*`: the positions past the listed names are unknown.
        return named;
    }
    named.extend(
        outputs
            .into_iter()
            .flatten()
            .skip(aliases.len())
            .filter_map(|(name, location)| name.map(|n| (n, ctx.at(location), false))),
    );
    named
}

/// The outputs of a query, of the first branch of a `UNION` (which names the columns): each with
/// its name when known, and where it is; `None` for a `*`. A `VALUES` names none.
fn outputs(query: &SelectStmt) -> Vec<Option<(Option<&str>, i32)>> {
    if let Some(first) = query.larg.as_deref() {
        return outputs(first);
    }
    query
        .target_list
        .iter()
        .map(|t| match t.node.as_ref() {
            Some(NodeEnum::ResTarget(t)) => output(t),
            _ => None,
        })
        .collect()
}

/// One output of a `SELECT`: its alias, or the last name of the column it reads; `None` for
/// `*` and `t.*`.
fn output(t: &ResTarget) -> Option<(Option<&str>, i32)> {
    if !t.name.is_empty() {
        return Some((Some(&t.name), t.location));
    }
    match t.val.as_deref().and_then(|v| v.node.as_ref()) {
        Some(NodeEnum::ColumnRef(c)) => match c.fields.last().and_then(|f| f.node.as_ref()) {
            Some(NodeEnum::String(s)) => Some((Some(&s.sval), t.location)),
            Some(NodeEnum::AStar(_)) => None,
            _ => Some((None, t.location)),
        },
        _ => Some((None, t.location)),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, passes};

    /// Each checked on PostgreSQL 15: it fails with 42701 (42601 for the assignments).
    #[test]
    fn fires_on_a_column_named_twice() {
        let sql = "CREATE TABLE IF NOT EXISTS t (\n  a int,\n  b int,\n  a text\n);";
        assert_eq!(
            findings(&RULE, sql),
            [(
                4,
                3,
                "column `a` is defined twice in `CREATE TABLE`: PostgreSQL rejects the statement"
                    .to_owned()
            )]
        );
        for sql in [
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, ADD COLUMN a text;",
            "INSERT INTO t (a, b, a) VALUES (1, 2, 3);",
            "UPDATE t SET a = 1, a = 2;",
            "UPDATE t SET (a, b) = (1, 2), a = 3;",
            "DO $$ BEGIN UPDATE t SET \"A\" = 1, \"A\" = 2; END $$;",
            "INSERT INTO t (id, a) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET a = 1, a = 2;",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1, a = 2;",
            "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, id) \
             VALUES (1, 2);",
            "CREATE OR REPLACE VIEW v (a, a) AS SELECT 1, 2;",
            "CREATE OR REPLACE VIEW v AS SELECT 1 AS a, 2 AS a;",
            "CREATE OR REPLACE VIEW v AS SELECT t.a, u.a FROM t, u;",
            "CREATE OR REPLACE VIEW v (b) AS SELECT 1 AS a, 2 AS b;",
            "CREATE OR REPLACE VIEW v AS SELECT 1 AS a, 2 AS a UNION SELECT 3, 4;",
            "CREATE MATERIALIZED VIEW IF NOT EXISTS m AS SELECT 1 AS a, 2 AS a;",
            "CREATE TABLE IF NOT EXISTS c AS SELECT 1 AS a, 2 AS a;",
            "CREATE TABLE IF NOT EXISTS c (a, a) AS SELECT 1, 2;",
            "SELECT 1 AS a, 2 AS a INTO c;",
            "CREATE FOREIGN TABLE IF NOT EXISTS f (a int, a int) SERVER s;",
        ] {
            assert_eq!(findings(&RULE, sql).len(), 1, "{sql}");
        }
    }

    #[test]
    fn points_at_the_second_name() {
        let found = findings(
            &RULE,
            "SELECT 1;\nCREATE OR REPLACE VIEW v AS SELECT 1 AS a, 2 AS a;",
        );
        assert_eq!(
            found,
            [(
                2,
                44,
                "column `a` is named twice in the columns of `CREATE VIEW`: PostgreSQL rejects \
                 the statement"
                    .to_owned()
            )]
        );
        let merge = "MERGE INTO t USING s ON t.id = s.id\n\
                     WHEN MATCHED THEN UPDATE SET a = 1, a = 2\n\
                     WHEN NOT MATCHED THEN INSERT (id, a, a) VALUES (1, 2, 3);";
        let found = findings(&RULE, merge);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1), (2, 37));
        assert!(found[0]
            .2
            .contains("is set twice by `MERGE`'s `UPDATE SET`"));
        assert_eq!((found[1].0, found[1].1), (3, 38));
        assert!(found[1]
            .2
            .contains("is named twice in `MERGE`'s `INSERT` column list"));
    }

    #[test]
    fn passes_distinct_columns_and_parts_of_one_column() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS t (a int, \"A\" int, b int);",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, ALTER COLUMN a SET NOT NULL;",
            // PostgreSQL skips the second one with a notice.
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, ADD COLUMN IF NOT EXISTS a text;",
            "INSERT INTO t (a, b) VALUES (1, 2);",
            "UPDATE t SET a[1] = 1, a[2] = 2;",
            "UPDATE t SET a = 1, b = a;",
            "SELECT a, a FROM t;",
            "INSERT INTO t (id, a) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET a = 1, b = 2;",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1 \
             WHEN NOT MATCHED THEN INSERT (id, a) VALUES (1, 2);",
            "CREATE OR REPLACE VIEW v (a, b) AS SELECT 1 AS x, 2 AS x;",
            "CREATE OR REPLACE VIEW v AS SELECT t.a, u.b FROM t, u;",
            // The names PostgreSQL makes up are not followed, nor what `*` brings.
            "CREATE OR REPLACE VIEW v AS SELECT t.*, u.a FROM t, u;",
            "CREATE OR REPLACE VIEW v AS SELECT lower(a), lower(b) FROM t;",
            "CREATE OR REPLACE VIEW v AS VALUES (1, 2);",
            "CREATE OR REPLACE VIEW v AS SELECT 1 AS a UNION SELECT 2 AS a;",
            "SELECT 1 AS a, 2 AS b INTO c;",
            "CREATE FOREIGN TABLE IF NOT EXISTS f (a int, b int) SERVER s;",
        ] {
            passes(&RULE, sql);
        }
    }
}
