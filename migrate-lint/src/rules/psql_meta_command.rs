//! `psql-meta-command`: `\i`, `\set`, `\connect` and other backslash commands are psql's, not
//! PostgreSQL's; the runtime sends SQL to the server, which would reject them.

use pg_query::protobuf::{ScanToken, Token};

use crate::diagnostic::Severity;
use crate::rules::{Check, Family, Hit, Rule, TokenHit};

pub(crate) static RULE: Rule = Rule {
    name: "psql-meta-command",
    family: Family::Forbidden,
    severity: Severity::Error,
    reason: "backslash commands (`\\i`, `\\set`, `\\connect`, ...) are psql's; PostgreSQL itself \
             rejects them",
    help: "write the SQL itself: inline an included file as its own migration, replace `\\set` \
           variables by literal values",
    allowable: false,
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

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::parse::SYNTAX;
    use crate::rules::testing::{findings, passes};

    #[test]
    fn fires_on_each_meta_command_and_checks_the_rest() {
        let sql =
            "\\set ON_ERROR_STOP on\nCREATE TABLE IF NOT EXISTS a (id int);\n  \\i other.sql\n";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2);
        assert_eq!((found[1].0, found[1].1), (3, 3));
        assert_eq!(found[1].2, "psql meta-command `\\i`");
        assert!(findings(&SYNTAX, sql).is_empty());
    }

    #[test]
    fn passes_backslashes_in_strings_and_comments() {
        passes(
            &RULE,
            "SELECT E'\\n\\\\i';\n-- \\i not.sql\n/*\n\\set x\n*/ SELECT 1;",
        );
    }
}
