//! `long-identifier`: PostgreSQL keeps the first 63 bytes of an identifier (`NAMEDATALEN - 1`)
//! and drops the rest with only a `NOTICE`. Two names that differ after byte 63 are then the same
//! object, and `IF NOT EXISTS`, `IF EXISTS` and every later reference compare the truncated name,
//! not the one written.

use pg_query::protobuf::Token;

use crate::diagnostic::{Hit, Severity};
use crate::objects::MAX_IDENTIFIER;
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "long-identifier",
    family: Family::Syntax,
    severity: Severity::Warning,
    reason: "PostgreSQL truncates identifiers longer than 63 bytes without an error, so the \
             object gets another name than the one written (and two long names can be one)",
    help: "shorten the name to at most 63 bytes",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_user_id_index_for_the_account_page_and_the_monthly_invoice_run
    ON orders (user_id);
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
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    ctx.words()
        .filter(|(t, written, _)| t.token() == Token::Ident && written.len() > MAX_IDENTIFIER)
        .filter_map(|(_, written, at)| {
            let name = folded(written);
            (name.len() > MAX_IDENTIFIER).then(|| {
                let kept = truncated(&name);
                Hit::new(
                    at,
                    format!(
                        "`{}` is {} bytes long: PostgreSQL truncates it to `{}`, and every \
                         statement (`IF NOT EXISTS` too) compares that name",
                        ident(&name),
                        name.len(),
                        ident(kept)
                    ),
                )
            })
        })
        .collect()
}

/// The name an identifier token stands for: quotes removed (`""` is `"`), or folded to lower
/// case when unquoted.
fn folded(written: &str) -> String {
    match written
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
    {
        Some(inner) => inner.replace("\"\"", "\""),
        None => written.to_ascii_lowercase(),
    }
}

/// The first 63 bytes of a name, cut at a character boundary as PostgreSQL cuts it.
fn truncated(name: &str) -> &str {
    let mut end = MAX_IDENTIFIER.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, passes};

    const LONG: &str = "index_on_the_crates_table_by_name_and_version_and_created_at_and_owner";

    /// Checked on PostgreSQL: `NOTICE: identifier ... will be truncated to ...`.
    #[test]
    fn fires_on_names_longer_than_63_bytes_where_they_are() {
        let sql = format!("CREATE INDEX IF NOT EXISTS {LONG}\n  ON crates (name);");
        assert_eq!(
            findings(&RULE, &sql),
            [(
                1,
                28,
                "`index_on_the_crates_table_by_name_and_version_and_created_at_and_owner` is 70 \
                 bytes long: PostgreSQL truncates it to \
                 `index_on_the_crates_table_by_name_and_version_and_created_at_an`, and every \
                 statement (`IF NOT EXISTS` too) compares that name"
                    .to_owned()
            )]
        );
        let quoted = format!("ALTER TABLE t ADD COLUMN \"{} é\" int;", "x".repeat(62));
        let found = findings(&RULE, &quoted);
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .2
            .contains(&format!("to `\"{} \"`", "x".repeat(62))));
        assert_eq!(
            findings(&RULE, &format!("DO $$ BEGIN DROP TABLE {LONG}; END $$;")).len(),
            1
        );
    }

    #[test]
    fn passes_short_names_strings_and_comments() {
        for sql in [
            format!("CREATE INDEX IF NOT EXISTS {} ON t (a);", &LONG[..63]),
            format!("COMMENT ON TABLE t IS '{LONG}';"),
            format!("-- {LONG}\nSELECT 1;"),
            format!("SELECT 1 AS \"{}\";", "a b".repeat(10)),
        ] {
            passes(&RULE, &sql);
        }
    }
}
