//! `index-without-concurrently`: `CREATE INDEX` without `CONCURRENTLY` takes a `SHARE` lock on
//! the table for the whole build: every `INSERT`, `UPDATE` and `DELETE` waits until the index is
//! built, minutes on a large table. `CREATE INDEX CONCURRENTLY` builds it without blocking writes,
//! but cannot run in a transaction block, so it goes in a `-- migrate:no-transaction` file. An
//! index on a table created earlier in the same file blocks nobody and is not reported.

use pg_query::NodeEnum;

use crate::diagnostic::Severity;
use crate::objects::display_relation;
use crate::quote::ident;
use crate::rules::{Check, Family, Hit, Rule, StatementCtx};

pub(crate) static RULE: Rule = Rule {
    name: "index-without-concurrently",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`CREATE INDEX` without `CONCURRENTLY` on an existing table blocks every write to it \
             until the index is built",
    help: "write `CREATE INDEX CONCURRENTLY IF NOT EXISTS ...` in a migration of its own that \
           starts with `-- migrate:no-transaction`",
    allowable: true,
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::IndexStmt(s) = ctx.node else {
        return Vec::new();
    };
    let Some(relation) = s.relation.as_ref() else {
        return Vec::new();
    };
    if s.concurrent || ctx.earlier.created_relation(relation) {
        return Vec::new();
    }
    let table = display_relation(Some(relation));
    let keyword = if s.unique {
        "CREATE UNIQUE INDEX"
    } else {
        "CREATE INDEX"
    };
    let name = if s.idxname.is_empty() {
        String::new()
    } else {
        format!(" {}", ident(&s.idxname))
    };
    vec![ctx
        .hit(format!(
            "`{keyword}{name} ON {table}` without `CONCURRENTLY` blocks writes to `{table}` \
             for the whole build"
        ))
        .help(format!(
            "write `{keyword} CONCURRENTLY IF NOT EXISTS{} ON {table} ...` in a migration of \
             its own that starts with `-- migrate:no-transaction`",
            if name.is_empty() { " <name>" } else { &name }
        ))]
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, findings_in, fires, passes};
    use crate::rules::ScriptKind;

    #[test]
    fn fires_on_indexes_of_existing_tables() {
        for sql in [
            "CREATE INDEX IF NOT EXISTS users_email ON users (email);",
            "CREATE UNIQUE INDEX IF NOT EXISTS users_email ON app.users (lower(email));",
            "CREATE INDEX ON users (email);",
            "CREATE TABLE IF NOT EXISTS other (id int);\n\
             CREATE INDEX IF NOT EXISTS users_email ON users (email);",
            "CREATE TABLE IF NOT EXISTS app.users (id int);\n\
             CREATE INDEX IF NOT EXISTS users_id ON other.users (id);",
        ] {
            fires(&RULE, sql);
        }
        assert_eq!(
            findings_in(&RULE, "CREATE INDEX i ON t (a);", ScriptKind::Down).len(),
            1
        );
    }

    #[test]
    fn the_message_names_the_index_and_the_table() {
        let sql =
            "SELECT 1;\n  CREATE UNIQUE INDEX IF NOT EXISTS users_email ON app.users (email);";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (2, 3));
        assert_eq!(
            found[0].2,
            "`CREATE UNIQUE INDEX users_email ON app.users` without `CONCURRENTLY` blocks writes \
             to `app.users` for the whole build"
        );
        let (_, diagnostics, _) = crate::check::check_script(
            "t.sql",
            sql,
            ScriptKind::Up,
            &crate::config::Policy::default(),
        );
        let d = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert_eq!(d.severity, crate::Severity::Warning);
        assert!(d.help.starts_with(
            "write `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON app.users ...`"
        ));
    }

    #[test]
    fn passes_concurrent_indexes_new_tables_text_and_allowed() {
        for sql in [
            "-- migrate:no-transaction\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);",
            "CREATE TABLE IF NOT EXISTS users (id int, email text);\n\
             CREATE INDEX IF NOT EXISTS users_email ON users (email);",
            "CREATE TABLE IF NOT EXISTS app.users (id int, email text);\n\
             CREATE INDEX IF NOT EXISTS users_email ON users (email);",
            "CREATE MATERIALIZED VIEW IF NOT EXISTS totals AS SELECT 1 AS n;\n\
             CREATE UNIQUE INDEX IF NOT EXISTS totals_n ON totals (n);",
            "SELECT 'CREATE INDEX i ON users (email)';",
            "-- CREATE INDEX i ON users (email);\nSELECT 1;",
            // Inside a `DO` block, allowed like any other: above the `DO`.
            "-- migrate:allow(index-without-concurrently) reviewed\nDO $$ BEGIN CREATE INDEX i ON users (email); END $$;",
            "-- migrate:allow(index-without-concurrently) the table has ten rows\n\
             CREATE INDEX IF NOT EXISTS users_email ON users (email);",
        ] {
            passes(&RULE, sql);
        }
    }
}
