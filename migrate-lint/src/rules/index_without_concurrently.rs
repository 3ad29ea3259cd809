//! `index-without-concurrently`: `CREATE INDEX` without `CONCURRENTLY` takes a `SHARE` lock on
//! the table for the whole build: every `INSERT`, `UPDATE` and `DELETE` waits until the index is
//! built, minutes on a large table. `REINDEX INDEX` and `REINDEX TABLE` take the same `SHARE` lock
//! on the table and an `ACCESS EXCLUSIVE` lock on each index they rebuild (queries that would use
//! it wait too), and `REINDEX SCHEMA` and `DATABASE` do the same to each table in turn (`REINDEX
//! SYSTEM` to the system catalogs, and has no `CONCURRENTLY` form); `DROP INDEX` takes an
//! `ACCESS EXCLUSIVE` lock on the table, which also waits for every running query on it and
//! blocks all that come after. Each has a `CONCURRENTLY` form that lets reads and writes go on, but cannot run in a transaction block, so it goes in a
//! `-- migrate:no-transaction` file. A table (or an index) created earlier in the same file is
//! seen by nobody and is not reported.

use pg_query::protobuf::{
    DropBehavior, DropStmt, IndexStmt, ObjectType, ReindexObjectType, ReindexStmt,
};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::{display_object, display_relation, object_name, relation_name, ObjectKey};
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;
use crate::rules::newer_than_target::REINDEX_CONCURRENTLY;

pub(crate) static RULE: Rule = Rule {
    name: "index-without-concurrently",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`CREATE INDEX`, `REINDEX` or `DROP INDEX` without `CONCURRENTLY` on an existing \
             table blocks every write to it (`DROP INDEX` every read too) until it is done",
    help: "write the `CONCURRENTLY` form (`CREATE INDEX CONCURRENTLY IF NOT EXISTS ...`, \
           `REINDEX INDEX CONCURRENTLY ...`, `DROP INDEX CONCURRENTLY IF EXISTS ...`) in a \
           migration of its own that starts with `-- migrate:no-transaction`",
    allowable: true,
    autofix: Some(
        "writes `CONCURRENTLY` in a file that starts with `-- migrate:no-transaction`; in a \
         file with a transaction, prints the plan (the statement moved into a new migration of \
         its own) and changes nothing",
    ),
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_index_users_email.sql",
            "CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);\n",
        ),
        good: (
            "002_index_users_email.sql",
            "-- migrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    match ctx.node {
        NodeEnum::IndexStmt(s) => create_index(ctx, s),
        NodeEnum::ReindexStmt(s) => reindex(ctx, s),
        NodeEnum::DropStmt(s) if s.remove_type() == ObjectType::ObjectIndex => drop_index(ctx, s),
        _ => Vec::new(),
    }
}

fn create_index(ctx: &StatementCtx<'_>, s: &IndexStmt) -> Vec<Hit> {
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
        ))
        .fix(ctx.after_words(ctx.start(), &["INDEX"]).and_then(|at| {
            let guard = if s.if_not_exists || name.is_empty() {
                ""
            } else {
                " IF NOT EXISTS"
            };
            ctx.concurrently(at, guard)
        }))]
}

/// `REINDEX INDEX` and `REINDEX TABLE` of what existed before the file, and `REINDEX SCHEMA`,
/// `DATABASE` and `SYSTEM`, which rebuild the indexes of existing tables one table at a time
/// under the same locks (they cannot run in a migration's transaction at all:
/// `needs-no-transaction` says so too). `REINDEX SYSTEM` has no `CONCURRENTLY` form.
fn reindex(ctx: &StatementCtx<'_>, s: &ReindexStmt) -> Vec<Hit> {
    let concurrent = s.params.iter().any(
        |p| matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"),
    );
    if concurrent {
        return Vec::new();
    }
    let (keyword, name, blocked) = match (s.kind(), s.relation.as_ref()) {
        (ReindexObjectType::ReindexObjectIndex, Some(relation)) => {
            let key = ObjectKey::new(ObjectType::ObjectIndex, relation_name(relation));
            if ctx.earlier.created(&key) {
                return Vec::new();
            }
            (
                "INDEX",
                display_relation(Some(relation)),
                "writes to its table, and the queries that use it, until it is done",
            )
        }
        (ReindexObjectType::ReindexObjectTable, Some(relation)) => {
            if ctx.earlier.created_relation(relation) {
                return Vec::new();
            }
            (
                "TABLE",
                display_relation(Some(relation)),
                "writes to it, and the queries that use its indexes, until it is done",
            )
        }
        (ReindexObjectType::ReindexObjectSchema, _) => ("SCHEMA", ident(&s.name), ALL_TABLES),
        (ReindexObjectType::ReindexObjectDatabase, _) => {
            ("DATABASE", optional(&s.name), ALL_TABLES)
        }
        (ReindexObjectType::ReindexObjectSystem, _) => (
            "SYSTEM",
            optional(&s.name),
            "writes to each system catalog, and the queries that use its indexes, while it \
             rebuilds them",
        ),
        _ => return Vec::new(),
    };
    let statement = format!("REINDEX {keyword} {name}");
    let statement = statement.trim_end();
    let concurrent = format!("REINDEX {keyword} CONCURRENTLY {name}");
    let concurrent = concurrent.trim_end();
    let help = if keyword == "SYSTEM" {
        "`REINDEX SYSTEM` has no `CONCURRENTLY` form: rebuild the system catalogs' indexes \
         outside the migrations, in a maintenance window"
            .to_owned()
    } else if ctx.target.at_least(REINDEX_CONCURRENTLY) {
        format!(
            "write `{concurrent}` in a migration of its own that starts with \
             `-- migrate:no-transaction`"
        )
    } else {
        format!(
            "`REINDEX ... CONCURRENTLY` needs PostgreSQL {REINDEX_CONCURRENTLY} ({}): in a \
             migration that starts with `-- migrate:no-transaction`, build a copy of each index \
             with `CREATE INDEX CONCURRENTLY ...`, then `DROP INDEX CONCURRENTLY ...` the old \
             one and rename the copy",
            ctx.target
        )
    };
    let without = if keyword == "SYSTEM" {
        ""
    } else {
        " without `CONCURRENTLY`"
    };
    let fix = (keyword != "SYSTEM" && ctx.target.at_least(REINDEX_CONCURRENTLY))
        .then(|| ctx.after_words(ctx.start(), &[keyword]))
        .flatten()
        .and_then(|at| ctx.concurrently(at, ""));
    vec![ctx
        .hit(format!("`{statement}`{without} blocks {blocked}"))
        .help(help)
        .fix(fix)]
}

/// The name of a `REINDEX DATABASE` or `SYSTEM`, which may be left out (the current database).
fn optional(name: &str) -> String {
    match name {
        "" => String::new(),
        name => ident(name),
    }
}

/// What `REINDEX SCHEMA` and `REINDEX DATABASE` block: each table in turn, under a `SHARE` lock,
/// and each index under an `ACCESS EXCLUSIVE` lock while it is rebuilt.
const ALL_TABLES: &str = "writes to each of its tables, and the queries that use their indexes, \
                          while it rebuilds them";

/// `DROP INDEX` of indexes not created earlier in the file. `CONCURRENTLY` drops one index per
/// statement, so the fix names each.
fn drop_index(ctx: &StatementCtx<'_>, s: &DropStmt) -> Vec<Hit> {
    if s.concurrent {
        return Vec::new();
    }
    let existing: Vec<String> = s
        .objects
        .iter()
        .filter(|o| {
            !ctx.earlier
                .created(&ObjectKey::new(ObjectType::ObjectIndex, object_name(o)))
        })
        .map(|o| display_object(ObjectType::ObjectIndex, o))
        .collect();
    if existing.is_empty() {
        return Vec::new();
    }
    let fix: Vec<String> = existing
        .iter()
        .map(|name| format!("`DROP INDEX CONCURRENTLY IF EXISTS {name}`"))
        .collect();
    // `DROP INDEX CONCURRENTLY` drops one index, without `CASCADE`.
    let single = s.objects.len() == 1 && s.behavior() != DropBehavior::DropCascade;
    let edit = single
        .then(|| {
            let at = ctx.after_words_at(ctx.start(), &["DROP", "INDEX"]);
            at.and_then(|at| ctx.concurrently(at, if s.missing_ok { "" } else { " IF EXISTS" }))
        })
        .flatten();
    vec![ctx
        .hit(format!(
            "`DROP INDEX {}` without `CONCURRENTLY` takes an `ACCESS EXCLUSIVE` lock on its \
             table: reads and writes wait until it is dropped",
            existing.join(", ")
        ))
        .help(format!(
            "write {} in a migration of its own that starts with `-- migrate:no-transaction`",
            fix.join(", then ")
        ))
        .fix(edit)]
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{
        findings, findings_in, fires, fixed, helps, helps_targeting, passes,
    };

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
            &crate::rule::Policy::default(),
        );
        let d = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert_eq!(d.severity, crate::Severity::Warning);
        assert!(d.help.starts_with(
            "write `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON app.users ...`"
        ));
    }

    #[test]
    fn fires_on_reindex_and_drop_index_of_existing_objects() {
        for sql in [
            "REINDEX INDEX users_email;",
            "REINDEX TABLE app.users;",
            "REINDEX (VERBOSE) TABLE users;",
            "-- migrate:no-transaction\nREINDEX SCHEMA public;",
            "-- migrate:no-transaction\nREINDEX DATABASE app;",
            "-- migrate:no-transaction\nREINDEX (VERBOSE) DATABASE;",
            "-- migrate:no-transaction\nREINDEX SYSTEM;",
            // It cannot run in a transaction either (`needs-no-transaction`).
            "REINDEX SCHEMA public;",
            "DROP INDEX IF EXISTS users_email;",
            "DROP INDEX users_email CASCADE;",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS other ON users (id);\n\
             DROP INDEX IF EXISTS users_email;",
        ] {
            fires(&RULE, sql);
        }
        let down = "DROP INDEX IF EXISTS users_email;";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }

    #[test]
    fn reindex_and_drop_index_say_what_to_write() {
        let sql = "SELECT 1;\nREINDEX TABLE app.\"Users\";\nDROP INDEX IF EXISTS a, app.b;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1), (2, 1));
        assert_eq!(
            found[0].2,
            "`REINDEX TABLE app.\"Users\"` without `CONCURRENTLY` blocks writes to it, and the \
             queries that use its indexes, until it is done"
        );
        assert_eq!(
            found[1].2,
            "`DROP INDEX a, app.b` without `CONCURRENTLY` takes an `ACCESS EXCLUSIVE` lock on \
             its table: reads and writes wait until it is dropped"
        );
        assert_eq!(
            helps(&RULE, sql),
            [
                "write `REINDEX TABLE CONCURRENTLY app.\"Users\"` in a migration of its own that \
                 starts with `-- migrate:no-transaction`",
                "write `DROP INDEX CONCURRENTLY IF EXISTS a`, then `DROP INDEX CONCURRENTLY IF \
                 EXISTS app.b` in a migration of its own that starts with \
                 `-- migrate:no-transaction`"
            ]
        );
        assert_eq!(
            helps_targeting(&RULE, 11, "REINDEX INDEX i;"),
            [
                "`REINDEX ... CONCURRENTLY` needs PostgreSQL 12 (migrate.toml declares `postgres \
                 = 11`): in a migration that starts with `-- migrate:no-transaction`, build a \
                 copy of each index with `CREATE INDEX CONCURRENTLY ...`, then `DROP INDEX \
                 CONCURRENTLY ...` the old one and rename the copy"
            ]
        );
        assert!(fires(&RULE, "REINDEX INDEX i;").starts_with(
            "`REINDEX INDEX i` without `CONCURRENTLY` blocks writes to its table, and the \
             queries that use it,"
        ));
    }

    #[test]
    fn reindex_schema_database_and_system_say_what_they_block() {
        let sql = "-- migrate:no-transaction\nREINDEX SCHEMA app;\nREINDEX DATABASE;\n\
                   REINDEX SYSTEM;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 3);
        assert_eq!((found[0].0, found[0].1), (2, 1));
        assert_eq!(
            found[0].2,
            "`REINDEX SCHEMA app` without `CONCURRENTLY` blocks writes to each of its tables, \
             and the queries that use their indexes, while it rebuilds them"
        );
        assert!(found[1]
            .2
            .starts_with("`REINDEX DATABASE` without `CONCURRENTLY`"));
        assert!(found[2]
            .2
            .starts_with("`REINDEX SYSTEM` blocks writes to each system catalog"));
        assert_eq!(
            helps(&RULE, sql),
            [
                "write `REINDEX SCHEMA CONCURRENTLY app` in a migration of its own that starts \
                 with `-- migrate:no-transaction`",
                "write `REINDEX DATABASE CONCURRENTLY` in a migration of its own that starts \
                 with `-- migrate:no-transaction`",
                "`REINDEX SYSTEM` has no `CONCURRENTLY` form: rebuild the system catalogs' \
                 indexes outside the migrations, in a maintenance window",
            ]
        );
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
            "-- migrate:no-transaction\nREINDEX INDEX CONCURRENTLY users_email;",
            "-- migrate:no-transaction\nREINDEX (CONCURRENTLY) TABLE users;",
            "-- migrate:no-transaction\nREINDEX SCHEMA CONCURRENTLY public;",
            "-- migrate:no-transaction\nREINDEX DATABASE CONCURRENTLY app;",
            "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS users_email;",
            "CREATE TABLE IF NOT EXISTS users (id int);\nREINDEX TABLE users;",
            "-- migrate:no-transaction\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n\
             REINDEX INDEX users_email;\nDROP INDEX IF EXISTS users_email;",
            "CREATE TABLE IF NOT EXISTS app.users (email text);\n\
             CREATE INDEX IF NOT EXISTS users_email ON app.users (email);\n\
             DROP INDEX IF EXISTS app.users_email;",
            "DROP TABLE IF EXISTS users_email;",
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

    #[test]
    fn in_a_file_without_a_transaction_the_fix_writes_concurrently() {
        for (sql, want) in [
            (
                "-- migrate:no-transaction\nCREATE INDEX IF NOT EXISTS i ON users (email);",
                "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (email);",
            ),
            (
                "-- migrate:no-transaction\nDROP INDEX IF EXISTS i;",
                "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS i;",
            ),
            (
                "-- migrate:no-transaction\nREINDEX INDEX i;",
                "-- migrate:no-transaction\nREINDEX INDEX CONCURRENTLY i;",
            ),
        ] {
            assert_eq!(fixed(&RULE, sql), want);
        }
    }

    #[test]
    fn in_a_file_with_a_transaction_the_fix_is_a_plan_for_a_new_file() {
        let sql = "SELECT 1;\nCREATE INDEX users_email ON users (email);\nSELECT 2;\n";
        let (_, found, _) = crate::check::check_script(
            "t.sql",
            sql,
            ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let fix = found
            .iter()
            .find(|d| d.rule == RULE.name)
            .unwrap()
            .fix
            .clone();
        let Some(crate::fix::Fix::NewFile(plan)) = fix else {
            panic!("a plan: {fix:?}")
        };
        assert_eq!(
            &sql[plan.remove.clone()],
            "CREATE INDEX users_email ON users (email);\n"
        );
        assert_eq!(
            plan.content,
            "-- migrate:no-transaction\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n"
        );
        // A `DROP INDEX` of two indexes, or with `CASCADE`, has no single concurrent form.
        let (_, found, _) = crate::check::check_script(
            "t.sql",
            "-- migrate:no-transaction\nDROP INDEX IF EXISTS a, b;",
            ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        assert!(found.iter().all(|d| d.fix.is_none()));
    }
}
