//! `refresh-without-concurrently`: `REFRESH MATERIALIZED VIEW` runs the view's query again and
//! writes a new copy under an `ACCESS EXCLUSIVE` lock on the view: every query that reads it
//! waits until the refresh is done. `REFRESH MATERIALIZED VIEW CONCURRENTLY` takes an
//! `EXCLUSIVE` lock instead, which lets reads go on (checked with `pg_locks` in
//! `tests/tests/rewrites.rs`); it needs a unique index on the view and a view populated before,
//! and it may run in a transaction. A view created earlier in the same file, and `WITH NO DATA`
//! (which only empties it), are not reported.

use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_relation;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "refresh-without-concurrently",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` blocks every read of the view \
             until the refresh is done",
    help: "write `REFRESH MATERIALIZED VIEW CONCURRENTLY ...`; it needs a unique index on the \
           view",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[
            USERS,
            (
                "002_user_counts.sql",
                "CREATE MATERIALIZED VIEW IF NOT EXISTS user_domains AS
    SELECT split_part(email, '@', 2) AS domain, count(*) AS n FROM users GROUP BY 1;
CREATE UNIQUE INDEX IF NOT EXISTS user_domains_domain ON user_domains (domain);
",
            ),
        ],
        bad: (
            "003_refresh_user_domains.sql",
            "REFRESH MATERIALIZED VIEW user_domains;\n",
        ),
        good: (
            "003_refresh_user_domains.sql",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY user_domains;\n",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::RefreshMatViewStmt(s) = ctx.node else {
        return Vec::new();
    };
    let Some(view) = s.relation.as_ref() else {
        return Vec::new();
    };
    if s.concurrent || s.skip_data || !ctx.existed(view) {
        return Vec::new();
    }
    let name = display_relation(Some(view));
    vec![ctx
        .hit(format!(
            "`REFRESH MATERIALIZED VIEW {name}` without `CONCURRENTLY` takes an `ACCESS \
             EXCLUSIVE` lock: every read of `{name}` waits until the refresh is done"
        ))
        .help(format!(
            "write `REFRESH MATERIALIZED VIEW CONCURRENTLY {name}` (it needs a unique index on \
             `{name}`)"
        ))]
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings_in, fires, helps, passes};

    #[test]
    fn fires_on_refreshes_of_existing_views() {
        assert_eq!(
            fires(&RULE, "REFRESH MATERIALIZED VIEW app.totals;"),
            "`REFRESH MATERIALIZED VIEW app.totals` without `CONCURRENTLY` takes an `ACCESS \
             EXCLUSIVE` lock: every read of `app.totals` waits until the refresh is done"
        );
        assert_eq!(
            helps(&RULE, "REFRESH MATERIALIZED VIEW app.totals;"),
            [
                "write `REFRESH MATERIALIZED VIEW CONCURRENTLY app.totals` (it needs a unique \
              index on `app.totals`)"
            ]
        );
        fires(&RULE, "REFRESH MATERIALIZED VIEW totals WITH DATA;");
        let down = "REFRESH MATERIALIZED VIEW totals;";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }

    #[test]
    fn passes_concurrent_refreshes_new_views_no_data_and_allowed() {
        for sql in [
            "REFRESH MATERIALIZED VIEW CONCURRENTLY totals;",
            "REFRESH MATERIALIZED VIEW totals WITH NO DATA;",
            "CREATE MATERIALIZED VIEW IF NOT EXISTS totals AS SELECT 1 AS n WITH NO DATA;\n\
             REFRESH MATERIALIZED VIEW totals;",
            "SELECT 'REFRESH MATERIALIZED VIEW totals';",
            "-- migrate:allow(refresh-without-concurrently) nothing reads it yet\n\
             REFRESH MATERIALIZED VIEW totals;",
        ] {
            passes(&RULE, sql);
        }
    }
}
