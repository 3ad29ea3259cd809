//! `psql-meta-command`: `\i`, `\set`, `\connect` and other backslash commands are psql's, not
//! PostgreSQL's; the runtime sends SQL to the server, which would reject them.

use pg_query::protobuf::{ScanToken, Token};

use super::examples::ORDERS;
use crate::diagnostic::{Hit, Severity};
use crate::rule::{Check, Example, Examples, Family, Rule, TokenHit};
use crate::rules::examples::USERS;
use crate::source::blank;

pub(crate) static RULE: Rule = Rule {
    name: "psql-meta-command",
    family: Family::Forbidden,
    severity: Severity::Error,
    reason: "backslash commands (`\\i`, `\\set`, `\\connect`, ...) are psql's; PostgreSQL itself \
             rejects them",
    help: "write the SQL itself: inline an included file as its own migration, replace `\\set` \
           variables by literal values",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "\\set ON_ERROR_STOP on
CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
",
        ),
        good: ORDERS,
    }]),
    check: Check::Tokens(check),
};

/// A backslash that starts a line (outside strings and comments, which the scanner skips)
/// begins a meta-command that runs to the end of the line.
fn check(text: &str, tokens: &[ScanToken]) -> Vec<TokenHit> {
    tokens
        .iter()
        .filter(|t| t.token() == Token::Ascii92)
        .map(|t| t.start as usize)
        // `\.` ends the rows of a `COPY ... FROM STDIN`, which `copy-from-stdin` reports.
        .filter(|&at| !text[at..].starts_with("\\."))
        .filter(|&at| {
            text[..at]
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim().is_empty())
        })
        .map(|at| {
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let command = text[at..end].split_whitespace().next().unwrap_or("\\");
            TokenHit {
                hit: Hit::new(at, format!("psql meta-command `{command}`")),
                blank: at..end,
            }
        })
        .collect()
}

/// PostgreSQL's scanner failed on the file. A meta-command's argument can be what broke it
/// (`\i 002_add_cache.sql`: "trailing junk after numeric literal"), so: blank every line that
/// starts with a backslash and scan again. When that succeeds, the blanked lines were
/// meta-commands: the text to go on with, its tokens, and a hit for each line.
pub(crate) fn recover_scan(text: &str) -> Option<(String, Vec<ScanToken>, Vec<Hit>)> {
    let mut blanked = String::with_capacity(text.len());
    let mut hits = Vec::new();
    for line in text.split_inclusive('\n') {
        let command = line.trim_start();
        if command.starts_with('\\') && !command.starts_with("\\.") {
            let at = blanked.len() + (line.len() - command.len());
            let name = command.split_whitespace().next().unwrap_or("\\");
            hits.push(Hit::new(at, format!("psql meta-command `{name}`")));
            blanked.push_str(&blank(line));
        } else {
            blanked.push_str(line);
        }
    }
    if hits.is_empty() {
        return None;
    }
    let tokens = crate::parse::tokens(&blanked).ok()?;
    Some((blanked, tokens, hits))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::syntax;
    use crate::rules::testing::{findings, passes};

    #[test]
    fn fires_on_each_meta_command_and_checks_the_rest() {
        let sql =
            "\\set ON_ERROR_STOP on\nCREATE TABLE IF NOT EXISTS a (id int);\n  \\i other.sql\n";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2);
        assert_eq!((found[1].0, found[1].1), (3, 3));
        assert_eq!(found[1].2, "psql meta-command `\\i`");
        assert!(findings(&syntax::RULE, sql).is_empty());
    }

    #[test]
    fn a_meta_command_that_breaks_the_scanner_is_still_named() {
        let sql = "BEGIN;\n\\i schema/migrations/002_add_query_cache.sql\nSELECT 1;\nCOMMIT;\n";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (2, 1));
        assert_eq!(found[0].2, "psql meta-command `\\i`");
        assert!(findings(&syntax::RULE, sql).is_empty());
    }

    #[test]
    fn passes_backslashes_in_strings_and_comments() {
        passes(
            &RULE,
            "SELECT E'\\n\\\\i';\n-- \\i not.sql\n/*\n\\set x\n*/ SELECT 1;",
        );
    }
}
