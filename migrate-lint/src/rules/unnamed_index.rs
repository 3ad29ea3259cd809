//! `unnamed-index`: `CREATE INDEX ON t (...)` without a name cannot use `IF NOT EXISTS`, so a
//! second run does not fail: it silently builds a duplicate index (`t_col_idx1`), which costs
//! disk and slows every write.

use pg_query::protobuf::{AExprKind, IndexStmt, MinMaxOp};
use pg_query::{Node, NodeEnum};

use crate::diagnostic::{Hit, Severity};
use crate::fix::{Edit, Fix};
use crate::objects::display_relation;
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "unnamed-index",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "`CREATE INDEX` without a name cannot use `IF NOT EXISTS` and builds a duplicate \
             index every time it runs",
    help: "name the index and add `IF NOT EXISTS`",
    allowable: true,
    autofix: Some("names the index as PostgreSQL would and adds `IF NOT EXISTS`"),
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
CREATE INDEX ON orders (user_id);
",
        ),
        good: (
            "002_add_orders.sql",
            "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_user_id_idx ON orders (user_id);
",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::IndexStmt(s) = ctx.node else {
        return Vec::new();
    };
    if !s.idxname.is_empty() {
        return Vec::new();
    }
    let table = display_relation(s.relation.as_ref());
    let keyword = format!(
        "CREATE {}INDEX{}",
        if s.unique { "UNIQUE " } else { "" },
        if s.concurrent { " CONCURRENTLY" } else { "" }
    );
    let name = default_name(s);
    // The name goes after `INDEX` (and `CONCURRENTLY`), where PostgreSQL reads it.
    let at = ctx.after_words(ctx.start(), &["INDEX"]);
    let at = match s.concurrent {
        true => at.and_then(|at| ctx.after_words_at(at, &["CONCURRENTLY"])),
        false => at,
    };
    let fix = at.map(|at| {
        let insert = Edit::insert(at, format!(" IF NOT EXISTS {name}"));
        Fix::edits("name the index and add `IF NOT EXISTS`", vec![insert])
    });
    vec![ctx
        .hit(format!(
            "`{keyword} ON {table}` has no name: running it again builds a duplicate index"
        ))
        .help(format!(
            "name it, as PostgreSQL would: `{keyword} IF NOT EXISTS {name} ON {table} ...`"
        ))
        .fix(fix)]
}

/// The name PostgreSQL gives an unnamed index: the table, the columns, then `idx`, joined by
/// underscores. An expression is named as PostgreSQL's `FigureColname` names it (`lower` for
/// `lower(email)`, `a` for `a::int`), `expr` when it has no name.
fn default_name(s: &IndexStmt) -> String {
    let table = s.relation.as_ref().map_or("", |r| r.relname.as_str());
    let columns = s.index_params.iter().map(|p| match p.node.as_ref() {
        Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => e.name.as_str(),
        Some(NodeEnum::IndexElem(e)) => e.expr.as_deref().and_then(figure_name).unwrap_or("expr"),
        _ => "expr",
    });
    let name = std::iter::once(table)
        .chain(columns)
        .chain(["idx"])
        .collect::<Vec<_>>()
        .join("_");
    ident(&name)
}

/// The last name of a qualified name (a column reference's or a function's).
fn last(names: &[Node]) -> Option<&str> {
    match names.last()?.node.as_ref()? {
        NodeEnum::String(s) => Some(s.sval.as_str()),
        _ => None,
    }
}

/// The column name PostgreSQL figures for an expression, for the cases an index uses.
fn figure_name(node: &Node) -> Option<&str> {
    match node.node.as_ref()? {
        NodeEnum::ColumnRef(c) => last(&c.fields),
        NodeEnum::FuncCall(f) => last(&f.funcname),
        NodeEnum::TypeCast(c) => c
            .arg
            .as_deref()
            .and_then(figure_name)
            .or_else(|| last(&c.type_name.as_ref()?.names)),
        NodeEnum::CollateClause(c) => c.arg.as_deref().and_then(figure_name),
        NodeEnum::AExpr(e) if e.kind() == AExprKind::AexprNullif => Some("nullif"),
        NodeEnum::CaseExpr(_) => Some("case"),
        NodeEnum::CoalesceExpr(_) => Some("coalesce"),
        NodeEnum::MinMaxExpr(m) if m.op() == MinMaxOp::IsGreatest => Some("greatest"),
        NodeEnum::MinMaxExpr(_) => Some("least"),
        NodeEnum::AArrayExpr(_) => Some("array"),
        NodeEnum::RowExpr(_) => Some("row"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{fires, fixed, helps, passes};

    /// Each name checked against the index PostgreSQL creates for the statement.
    #[test]
    fn the_name_is_the_one_postgresql_gives_quoted_as_needed() {
        for (sql, name) in [
            (
                "CREATE INDEX ON \"Step\" (lower(\"a b\"));",
                "\"Step_lower_idx\"",
            ),
            (
                "CREATE UNIQUE INDEX ON \"Step\" (lower(\"a b\"), \"Id\");",
                "\"Step_lower_Id_idx\"",
            ),
            (
                "CREATE INDEX ON \"Step\" ((\"Id\"::text));",
                "\"Step_Id_idx\"",
            ),
            ("CREATE INDEX ON t ((a + 1));", "t_expr_idx"),
            ("CREATE INDEX ON t (coalesce(a, b));", "t_coalesce_idx"),
        ] {
            let help = helps(&RULE, sql).pop().unwrap();
            assert!(
                help.contains(&format!("IF NOT EXISTS {name} ON")),
                "{sql}: {help}"
            );
        }
    }

    #[test]
    fn fires_on_indexes_without_a_name() {
        for sql in [
            "CREATE INDEX ON users (email);",
            "CREATE UNIQUE INDEX ON app.users (lower(email));",
            "CREATE INDEX CONCURRENTLY ON users USING gin (tags);",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_table_and_the_help_a_name() {
        assert_eq!(
            fires(&RULE, "CREATE INDEX ON app.users (email, created_at);"),
            "`CREATE INDEX ON app.users` has no name: running it again builds a duplicate index"
        );
        let (_, diagnostics, _) = crate::check::check_script(
            "test.sql",
            "CREATE UNIQUE INDEX ON users (lower(email), id);",
            crate::rule::ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let found = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert_eq!(
            found.help,
            "name it, as PostgreSQL would: `CREATE UNIQUE INDEX IF NOT EXISTS users_lower_id_idx \
             ON users ...`"
        );
    }

    #[test]
    fn passes_named_indexes() {
        for sql in [
            "CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);",
            "CREATE INDEX users_email_idx ON users (email);",
            "SELECT 'CREATE INDEX ON users (email)';",
            "-- CREATE INDEX ON users (email);\nSELECT 1;",
            // A guarded `DO` block skips what was done already.
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = 'users') THEN CREATE INDEX ON users (email); END IF; END $$;",
            "-- migrate:allow(unnamed-index) the table is new\n\
             CREATE INDEX ON users (email);",
            "-- migrate:allow-file(unnamed-index) reviewed\nCREATE INDEX ON users (email);",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn the_fix_names_the_index_as_postgresql_would() {
        assert_eq!(
            fixed(
                &RULE,
                "CREATE UNIQUE INDEX CONCURRENTLY ON app.\"Users\" (lower(email));"
            ),
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Users_lower_idx\" ON app.\"Users\" \
             (lower(email));"
        );
        assert_eq!(
            fixed(&RULE, "create index on t (a, b);"),
            "create index IF NOT EXISTS t_a_b_idx on t (a, b);"
        );
    }
}
