//! `copy-from-stdin`: `COPY ... FROM STDIN` reads rows that psql sends after the statement; the
//! runtime sends statements only, so the rows would arrive as SQL.

use pg_query::protobuf::{ScanToken, Token};

use crate::diagnostic::{Hit, Severity};
use crate::parse::{is_comment, is_semicolon};
use crate::rule::{Check, Example, Examples, Family, Rule, TokenHit};

pub(crate) static RULE: Rule = Rule {
    name: "copy-from-stdin",
    family: Family::Forbidden,
    severity: Severity::Error,
    reason: "`COPY ... FROM STDIN` needs a client that streams the rows after it (psql); a \
             migration is SQL only",
    help: "write the rows as `INSERT INTO ... VALUES (...), (...) ON CONFLICT DO NOTHING`",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[],
        bad: (
            "002_countries.sql",
            "CREATE TABLE IF NOT EXISTS countries (
    code text PRIMARY KEY,
    name text NOT NULL
);
COPY countries (code, name) FROM stdin;
FR\tFrance
DE\tGermany
\\.
",
        ),
        good: (
            "002_countries.sql",
            "CREATE TABLE IF NOT EXISTS countries (
    code text PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO countries (code, name) VALUES ('FR', 'France'), ('DE', 'Germany')
    ON CONFLICT (code) DO NOTHING;
",
        ),
    }]),
    check: Check::Tokens(check),
};

/// Finds `COPY` at the start of a statement with `FROM STDIN` before the next `;`. The inline
/// rows after it, up to the `\.` line, are blanked with it.
fn check(text: &str, tokens: &[ScanToken]) -> Vec<TokenHit> {
    let code: Vec<&ScanToken> = tokens.iter().filter(|t| !is_comment(t)).collect();
    let mut hits = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let starts_statement = i == 0 || is_semicolon(code[i - 1]);
        if !(starts_statement && code[i].token() == Token::Copy) {
            i += 1;
            continue;
        }
        let end = (i..code.len())
            .find(|&j| is_semicolon(code[j]))
            .unwrap_or(code.len());
        let from_stdin = (i..end.saturating_sub(1))
            .any(|j| code[j].token() == Token::From && code[j + 1].token() == Token::Stdin);
        if !from_stdin {
            i = end;
            continue;
        }
        let at = code[i].start as usize;
        let statement_end = code.get(end).map_or(text.len(), |t| t.end as usize);
        let data_end = match text[statement_end..].find("\n\\.") {
            Some(offset) => {
                let line = statement_end + offset + 1;
                text[line..].find('\n').map_or(text.len(), |n| line + n)
            }
            None => statement_end,
        };
        hits.push(TokenHit {
            hit: Hit::new(at, "`COPY ... FROM STDIN` in a migration"),
            blank: at..data_end,
        });
        i = code
            .iter()
            .position(|t| t.start as usize >= data_end)
            .unwrap_or(code.len());
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, passes};
    use crate::rules::{psql_meta_command, syntax};

    #[test]
    fn fires_on_copy_from_stdin_with_inline_rows_and_checks_the_rest() {
        let sql = "CREATE TABLE IF NOT EXISTS t (a int, b text);\n\
                   COPY t (a, b) FROM stdin;\n1\tone\n2\ttwo\n\\.\n\
                   SELECT 1;\n";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (2, 1));
        assert!(findings(&syntax::RULE, sql).is_empty());
        assert!(findings(&psql_meta_command::RULE, sql).is_empty());
    }

    #[test]
    fn fires_without_rows_too() {
        assert_eq!(
            findings(&RULE, "COPY t FROM STDIN WITH (FORMAT csv);").len(),
            1
        );
    }

    #[test]
    fn passes_copy_to_stdout_and_from_files() {
        passes(&RULE, "COPY t TO STDOUT;");
        passes(&RULE, "COPY t FROM '/tmp/data.csv';");
        passes(&RULE, "SELECT 'COPY t FROM STDIN';");
    }
}
