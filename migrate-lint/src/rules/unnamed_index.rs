//! `unnamed-index`: `CREATE INDEX ON t (...)` without a name cannot use `IF NOT EXISTS`, so a
//! second run does not fail: it silently builds a duplicate index (`t_col_idx1`), which costs
//! disk and slows every write.

use pg_query::protobuf::IndexStmt;
use pg_query::NodeEnum;

use crate::diagnostic::Severity;
use crate::objects::display_relation;
use crate::rules::{Check, Family, Hit, Rule, StatementCtx};

pub(crate) static RULE: Rule = Rule {
    name: "unnamed-index",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "`CREATE INDEX` without a name cannot use `IF NOT EXISTS` and builds a duplicate \
             index every time it runs",
    help: "name the index and add `IF NOT EXISTS`",
    allowable: true,
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
    vec![ctx
        .hit(format!(
            "`{keyword} ON {table}` has no name: running it again builds a duplicate index"
        ))
        .help(format!(
            "name it, as PostgreSQL would: `{keyword} IF NOT EXISTS {} ON {table} ...`",
            default_name(s)
        ))]
}

/// The name PostgreSQL gives an unnamed index: the table, the columns (`expr` for an
/// expression), then `idx`, joined by underscores.
fn default_name(s: &IndexStmt) -> String {
    let table = s.relation.as_ref().map_or("", |r| r.relname.as_str());
    let columns = s.index_params.iter().map(|p| match p.node.as_ref() {
        Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => e.name.as_str(),
        _ => "expr",
    });
    std::iter::once(table)
        .chain(columns)
        .chain(["idx"])
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{fires, passes};

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
            crate::rules::ScriptKind::Up,
            &crate::config::Policy::default(),
        );
        let found = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert_eq!(
            found.help,
            "name it, as PostgreSQL would: `CREATE UNIQUE INDEX IF NOT EXISTS users_expr_id_idx \
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
            "DO $$ BEGIN CREATE INDEX ON users (email); END $$;",
            "-- migrate:allow(unnamed-index) the table is new\n\
             CREATE INDEX ON users (email);",
            "-- migrate:allow-file(unnamed-index) reviewed\nCREATE INDEX ON users (email);",
        ] {
            passes(&RULE, sql);
        }
    }
}
