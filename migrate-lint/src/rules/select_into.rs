//! `select-into`: `SELECT ... INTO t` creates the table `t` and has no `IF NOT EXISTS` form, so it
//! fails when the migration runs a second time. `CREATE TABLE IF NOT EXISTS t AS SELECT ...`
//! does the same and can run again. An earlier `DROP TABLE IF EXISTS t` in the file guards it.

use pg_query::protobuf::{IntoClause, SelectStmt};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::fix::{Edit, Fix};
use crate::objects::display_relation;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "select-into",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "`SELECT ... INTO table` has no `IF NOT EXISTS` form and fails when the table exists",
    help: "write `CREATE TABLE IF NOT EXISTS t AS SELECT ...`",
    allowable: true,
    autofix: Some(
        "writes `CREATE TABLE IF NOT EXISTS t AS SELECT ...` (a permanent table; a `TEMP` or \
         `UNLOGGED` one is left to a person)",
    ),
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_backup_users.sql",
            "SELECT * INTO users_backup FROM users;\n",
        ),
        good: (
            "002_backup_users.sql",
            "CREATE TABLE IF NOT EXISTS users_backup AS SELECT * FROM users;\n",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::SelectStmt(s) = ctx.node else {
        return Vec::new();
    };
    let Some(into) = into_clause(s) else {
        return Vec::new();
    };
    let Some(table) = into.rel.as_ref() else {
        return Vec::new();
    };
    if ctx.earlier.dropped_table(table) {
        return Vec::new();
    }
    let name = display_relation(Some(table));
    vec![Hit::new(
        ctx.at(table.location),
        format!("`SELECT ... INTO {name}` creates `{name}` and fails when it already exists"),
    )
    .help(format!(
        "write `CREATE TABLE IF NOT EXISTS {name} AS SELECT ...` (the same query, without \
         `INTO {name}`)"
    ))
    .fix(fix(ctx, into))]
}

/// `INTO [TABLE] t` removed (with the blank before it), `CREATE TABLE IF NOT EXISTS t AS`
/// written before the statement, `t` as the file spells it. Only for a permanent table, and
/// when no comment lies in what is removed.
fn fix(ctx: &StatementCtx<'_>, into: &IntoClause) -> Option<Fix> {
    let table = into.rel.as_ref().filter(|t| t.relpersistence == "p")?;
    let name = ctx.name_at(table.location)?;
    let code = ctx.code_tokens();
    let first = code
        .iter()
        .position(|(_, range)| range.start == name.start)?;
    let keyword = |i: usize, word: &str| {
        code.get(i)
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case(word))
    };
    let mut into_at = first.checked_sub(1)?;
    if keyword(into_at, "TABLE") {
        into_at = into_at.checked_sub(1)?;
    }
    let before = into_at.checked_sub(1)?;
    if !keyword(into_at, "INTO") {
        return None;
    }
    let removed = code[before].1.end..name.end;
    if ctx.has_comment_in(removed.clone()) {
        return None;
    }
    let name = &ctx.text[name];
    Some(Fix::edits(
        "write `CREATE TABLE IF NOT EXISTS ... AS`",
        vec![
            Edit::insert(
                ctx.start(),
                format!("CREATE TABLE IF NOT EXISTS {name} AS "),
            ),
            Edit::replace(removed, ""),
        ],
    ))
}

/// The `INTO` of a `SELECT`; in a `UNION`, it is on the first `SELECT`.
fn into_clause(s: &SelectStmt) -> Option<&IntoClause> {
    s.into_clause
        .as_deref()
        .or_else(|| s.larg.as_deref().and_then(into_clause))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, fires, fixed, passes};

    #[test]
    fn fires_on_select_into() {
        for sql in [
            "SELECT * INTO backup FROM users;",
            "SELECT id INTO TEMP ids FROM users;",
            "SELECT 1 AS n INTO app.numbers UNION SELECT 2;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn points_at_the_new_table() {
        let found = findings(&RULE, "SELECT id, email\nINTO app.backup\nFROM users;");
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (2, 6));
        assert_eq!(
            found[0].2,
            "`SELECT ... INTO app.backup` creates `app.backup` and fails when it already exists"
        );
    }

    #[test]
    fn passes_other_selects() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS backup AS SELECT * FROM users;",
            "SELECT * FROM users;",
            "SELECT 'SELECT * INTO backup FROM users';",
            "-- SELECT * INTO backup FROM users;\nSELECT 1;",
            "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM users; END $$;",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ DECLARE n int; \
             BEGIN SELECT 1 INTO n; RETURN n; END $$;",
            "-- migrate:allow(drop-table) the backup is rebuilt\n\
             DROP TABLE IF EXISTS backup;\nSELECT * INTO backup FROM users;",
            "-- migrate:allow(select-into) the backup is dropped first\n\
             SELECT * INTO backup FROM users;",
            "-- migrate:allow-file(select-into) reviewed\nSELECT * INTO backup FROM users;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn the_fix_writes_create_table_as() {
        for (sql, want) in [
            (
                "SELECT * INTO users_backup FROM users;",
                "CREATE TABLE IF NOT EXISTS users_backup AS SELECT * FROM users;",
            ),
            (
                "SELECT id, 'INTO x' AS s INTO TABLE app.\"Copy\" FROM users WHERE id > 1;",
                "CREATE TABLE IF NOT EXISTS app.\"Copy\" AS SELECT id, 'INTO x' AS s FROM users \
                 WHERE id > 1;",
            ),
        ] {
            assert_eq!(fixed(&RULE, sql), want);
        }
        // A temporary table, or a comment in what the fix would remove: left to a person.
        for sql in [
            "SELECT * INTO TEMP t FROM users;",
            "SELECT * /* why */ INTO t FROM users;",
        ] {
            let (_, found, _) = crate::check::check_script(
                "t.sql",
                sql,
                crate::rule::ScriptKind::Up,
                &crate::rule::Policy::default(),
            );
            assert!(found.iter().all(|d| d.fix.is_none()), "{sql}");
        }
    }
}
