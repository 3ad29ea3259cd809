//! `unsupported-drop-index-concurrently`: `DROP INDEX CONCURRENTLY` drops one index, without
//! `CASCADE`. Naming several indexes, or adding `CASCADE`, parses, but PostgreSQL refuses the
//! statement when it runs (0A000 "DROP INDEX CONCURRENTLY does not support dropping multiple
//! objects", "... does not support CASCADE"), on every run: the migration can never be applied.

use pg_query::protobuf::{DropBehavior, DropStmt, ObjectType};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_object;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "unsupported-drop-index-concurrently",
    family: Family::Syntax,
    severity: Severity::Error,
    reason: "`DROP INDEX CONCURRENTLY` of several indexes, or with `CASCADE`, parses but \
             PostgreSQL refuses it (0A000)",
    help: "write one `DROP INDEX CONCURRENTLY IF EXISTS` statement per index, without `CASCADE` \
           (drop what depends on the index first)",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_drop_old_indexes.sql",
            "-- migrate:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx, users_created_at_idx;
",
        ),
        good: (
            "002_drop_old_indexes.sql",
            "-- migrate:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;
DROP INDEX CONCURRENTLY IF EXISTS users_created_at_idx;
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
        NodeEnum::DropStmt(s) if s.concurrent && s.remove_type() == ObjectType::ObjectIndex => {
            drop_index(ctx, s)
        }
        _ => Vec::new(),
    }
}

fn drop_index(ctx: &StatementCtx<'_>, s: &DropStmt) -> Vec<Hit> {
    let cascade = s.behavior() == DropBehavior::DropCascade;
    if s.objects.len() < 2 && !cascade {
        return Vec::new();
    }
    let names: Vec<String> = s
        .objects
        .iter()
        .map(|o| display_object(ObjectType::ObjectIndex, o))
        .collect();
    let if_exists = if s.missing_ok { " IF EXISTS" } else { "" };
    let refused = match (names.len() > 1, cascade) {
        (true, true) => "several indexes, nor `CASCADE`",
        (true, false) => "several indexes",
        _ => "`CASCADE`",
    };
    let statements: Vec<String> = names
        .iter()
        .map(|name| format!("`DROP INDEX CONCURRENTLY IF EXISTS {name}`"))
        .collect();
    let help = match cascade {
        true => format!(
            "drop what depends on the index first, then write {}",
            statements.join(", then ")
        ),
        false => format!("write {}", statements.join(", then ")),
    };
    vec![ctx
        .hit(format!(
            "`DROP INDEX CONCURRENTLY{if_exists} {}{}` fails on every run: PostgreSQL drops one \
             index at a time concurrently, and does not take {refused} (0A000)",
            names.join(", "),
            if cascade { " CASCADE" } else { "" },
        ))
        .help(help)]
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, helps, passes};

    /// Each checked on PostgreSQL 15: it fails with 0A000.
    #[test]
    fn fires_on_several_indexes_or_cascade() {
        let sql = "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS a, app.b;";
        assert_eq!(
            findings(&RULE, sql),
            [(
                2,
                1,
                "`DROP INDEX CONCURRENTLY IF EXISTS a, app.b` fails on every run: PostgreSQL \
                 drops one index at a time concurrently, and does not take several indexes \
                 (0A000)"
                    .to_owned()
            )]
        );
        assert_eq!(
            helps(&RULE, sql),
            [
                "write `DROP INDEX CONCURRENTLY IF EXISTS a`, then `DROP INDEX CONCURRENTLY IF \
              EXISTS app.b`"
            ]
        );
        let cascade = "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY a CASCADE;";
        assert!(findings(&RULE, cascade)[0]
            .2
            .contains("does not take `CASCADE`"));
        assert!(helps(&RULE, cascade)[0].starts_with("drop what depends on the index first"));
        // In a transaction it fails before (`needs-no-transaction`), and in a down file too.
        for kind in [ScriptKind::Up, ScriptKind::Down] {
            let found = findings_in(&RULE, "DROP INDEX CONCURRENTLY a, b CASCADE;", kind);
            assert_eq!(found.len(), 1);
            assert!(found[0].2.contains("several indexes, nor `CASCADE`"));
        }
    }

    #[test]
    fn passes_one_index_and_drops_in_a_transaction() {
        for sql in [
            "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS a;",
            "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY a RESTRICT;",
            "DROP INDEX IF EXISTS a, b CASCADE;",
            "DROP TABLE IF EXISTS a, b;",
        ] {
            passes(&RULE, sql);
        }
    }
}
