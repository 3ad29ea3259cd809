//! Parsing a file with PostgreSQL's own parser (libpg_query), and pointing at the token it
//! rejects.

use std::ops::Range;

use pg_query::protobuf::{ScanToken, Token};
use pg_query::NodeEnum;

use crate::diagnostic::Hit;
use crate::source::line_col;

/// One statement of a file, as PostgreSQL's parser read it.
#[derive(Debug)]
pub(crate) struct ParsedStatement {
    /// Byte range in the file: from the statement's first token (leading comments excluded) to
    /// its last token (the semicolon and trailing comments excluded).
    pub range: Range<usize>,
    pub node: NodeEnum,
}

/// Scanner tokens of a text, the basis of directives, psql detection and error positions.
pub(crate) fn scan(text: &str) -> Result<Vec<ScanToken>, Hit> {
    tokens(text).map_err(|e| scan_error(text, &message(e)))
}

/// The scanner's tokens of `text`, straight from the C scanner (no protobuf round trip). A text
/// of white space alone has none: pg_query 18.1 builds a slice from the null pointer the scanner
/// returns for it, which aborts, so it is answered here.
pub(crate) fn tokens(text: &str) -> pg_query::Result<Vec<ScanToken>> {
    // PostgreSQL's white space (`scan.l`): any other byte starts a token or is an error.
    let white = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    if text.as_bytes().iter().all(white) {
        return Ok(Vec::new());
    }
    pg_query::scan_tokens(text)
}

pub(crate) fn is_comment(token: &ScanToken) -> bool {
    matches!(token.token(), Token::SqlComment | Token::CComment)
}

pub(crate) fn is_semicolon(token: &ScanToken) -> bool {
    token.token() == Token::Ascii59
}

/// A parsed text: its statements and its scanner tokens (comments included).
#[derive(Debug)]
pub(crate) struct Parsed {
    pub statements: Vec<ParsedStatement>,
    pub tokens: Vec<ScanToken>,
}

/// Parses the whole text. On a syntax error, the hit points at the token PostgreSQL rejected.
pub(crate) fn parse(text: &str) -> Result<Parsed, Hit> {
    parse_scanned(text, scan(text)?)
}

/// Like [`parse`], for a text already scanned into `tokens`.
pub(crate) fn parse_scanned(text: &str, tokens: Vec<ScanToken>) -> Result<Parsed, Hit> {
    let tree = match pg_query::parse(text, 0) {
        Ok(tree) => tree,
        Err(e) => return Err(locate(text, &message(e))),
    };
    // A statement ends at its last token (no semicolon, no trailing comment).
    let code: Vec<&ScanToken> = tokens
        .iter()
        .filter(|t| !is_comment(t) && !is_semicolon(t))
        .collect();
    let statements = tree
        .protobuf
        .stmts
        .into_iter()
        .filter_map(|raw| {
            let node = raw.stmt?.node?;
            let start = usize::try_from(raw.stmt_location).unwrap_or(0);
            let end = match raw.stmt_len {
                0 => text.len(),
                len => start + usize::try_from(len).unwrap_or(0),
            };
            let last = code.partition_point(|t| t.end as usize <= end);
            let end = last
                .checked_sub(1)
                .map(|i| code[i].end as usize)
                .filter(|&e| e > start)
                .unwrap_or(end);
            Some(ParsedStatement {
                range: start..end,
                node,
            })
        })
        .collect();
    Ok(Parsed { statements, tokens })
}

fn message(error: pg_query::Error) -> String {
    match error {
        pg_query::Error::Parse(m) | pg_query::Error::Scan(m) | pg_query::Error::Split(m) => m,
        other => other.to_string(),
    }
}

/// Finds the token PostgreSQL's error is about. libpg_query knows the position but the Rust
/// binding only passes the message on, so: the error token is the last token of the shortest
/// prefix of the file (cut at a token end) that fails with the same message. Prefixes that stop
/// before it either parse or fail "at end of input", so a binary search finds it.
fn locate(text: &str, message: &str) -> Hit {
    let tokens = match scan(text) {
        Ok(tokens) => tokens,
        Err(hit) => return hit,
    };
    let code: Vec<&ScanToken> = tokens.iter().filter(|t| !is_comment(t)).collect();
    let fails_here = |i: usize| match pg_query::parse(&text[..code[i].end as usize], 0) {
        Err(e) => self::message(e) == message,
        Ok(_) => false,
    };
    // Smallest i such that the prefix ending with token i fails like the whole file. Every
    // unfinished prefix fails "at end of input", so that error is just past the last token.
    let (mut lo, mut hi) = if message.ends_with("at end of input") {
        (code.len(), code.len())
    } else {
        (0, code.len())
    };
    while lo < hi {
        let mid = (lo + hi) / 2;
        if fails_here(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let at = match code.get(lo) {
        Some(token) => token.start as usize,
        // "at end of input": point just past the last token.
        None => code.last().map_or(0, |t| t.end as usize),
    };
    let index = code.iter().position(|t| t.start as usize == at);
    let hit = Hit::new(at, message.to_owned());
    match index.and_then(|i| i.checked_sub(1)).map(|p| code[p]) {
        Some(previous)
            if !is_semicolon(previous)
                && line_col(text, previous.end as usize).0 < line_col(text, at).0 =>
        {
            let line = line_col(text, previous.end as usize).0;
            hit.help(format!(
                "is a `;` missing at the end of line {line}? The statement before this line has \
                 no terminating semicolon"
            ))
        }
        _ => hit,
    }
}

/// The scanner itself failed (an unterminated string, quoted identifier, dollar quote or
/// comment): its message quotes the text from the bad token to the end of the input.
fn scan_error(text: &str, message: &str) -> Hit {
    let near = message
        .split_once(" at or near \"")
        .map(|(_, rest)| rest.strip_suffix('"').unwrap_or(rest));
    let at = near
        .and_then(|near| {
            if !near.is_empty() && text.ends_with(near) {
                Some(text.len() - near.len())
            } else {
                text.find(near).filter(|_| !near.is_empty())
            }
        })
        .unwrap_or(text.len());
    let first_line = message.lines().next().unwrap_or(message);
    let short = match first_line.split_once(" at or near ") {
        Some((what, _)) => what.to_owned(),
        None => first_line.to_owned(),
    };
    Hit::new(at, short)
        .help("close the string, quoted identifier, dollar quote or comment that starts here")
}

/// The tokens of `tokens` (sorted by offset, as the scanner gives them) that lie in `range`.
pub(crate) fn tokens_in(tokens: &[ScanToken], range: Range<usize>) -> &[ScanToken] {
    let offset = |t: &ScanToken| usize::try_from(t.start).unwrap_or(0);
    let first = tokens.partition_point(|t| offset(t) < range.start);
    let last = tokens.partition_point(|t| offset(t) < range.end);
    &tokens[first..last.max(first)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_alone_has_no_tokens_and_anything_else_has() {
        for text in ["", " ", "\n\t\r\x0b\x0c  "] {
            assert_eq!(scan(text).unwrap(), vec![], "{text:?}");
        }
        assert_eq!(scan("\n-- only a comment\n").unwrap().len(), 1);
        // Not PostgreSQL's white space: a non-breaking space starts an identifier.
        assert_eq!(scan("\u{a0}").unwrap().len(), 1);
    }

    fn error_at(text: &str) -> (usize, usize, String) {
        let hit = parse(text).expect_err("should not parse");
        let (line, col) = line_col(text, hit.at);
        (line, col, hit.message)
    }

    #[test]
    fn a_syntax_error_points_at_the_rejected_token() {
        let text = "CREATE TABLE IF NOT EXISTS a (id int);\n\nSELECT 2 fro x;\n";
        assert_eq!(
            error_at(text),
            (3, 14, "syntax error at or near \"x\"".to_owned())
        );
    }

    #[test]
    fn a_missing_semicolon_is_named_in_the_help() {
        let text = "-- two statements\nDROP TABLE IF EXISTS a\nDROP TABLE IF EXISTS b;\n";
        let hit = parse(text).unwrap_err();
        assert_eq!(line_col(text, hit.at), (3, 1));
        assert!(hit.help.unwrap().contains("missing at the end of line 2"));
    }

    #[test]
    fn end_of_input_points_past_the_last_token() {
        let text = "SELECT (1\n-- trailing comment\n";
        let (line, col, message) = error_at(text);
        assert_eq!((line, col), (1, 10));
        assert_eq!(message, "syntax error at end of input");
    }

    #[test]
    fn unterminated_strings_point_at_their_opening_quote() {
        let text = "SELECT 1;\nSELECT 'abc;\n";
        let (line, col, message) = error_at(text);
        assert_eq!((line, col), (2, 8));
        assert_eq!(message, "unterminated quoted string");
        let text = "SELECT 1;\nDO $$ BEGIN\n";
        assert_eq!(error_at(text).0, 2);
    }

    #[test]
    fn errors_inside_a_dollar_quoted_body_are_not_seen_by_the_sql_parser() {
        let text = "DO $$ BEGIN this is not plpgsql; END $$;";
        assert_eq!(parse(text).unwrap().statements.len(), 1);
    }

    #[test]
    fn statement_ranges_exclude_comments_and_semicolons() {
        let text = "-- header\nBEGIN;\n/* c */ CREATE TABLE a (x int) -- t\n;\nSELECT 'a;b'";
        let ranges: Vec<&str> = parse(text)
            .unwrap()
            .statements
            .iter()
            .map(|s| &text[s.range.clone()])
            .collect();
        assert_eq!(ranges, ["BEGIN", "CREATE TABLE a (x int)", "SELECT 'a;b'"]);
    }

    #[test]
    fn semicolons_in_strings_bodies_and_nested_comments_do_not_split() {
        let text = "SELECT E'it\\'s; fine';\n/* outer /* inner; */ still; */\n\
                    CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;";
        let stmts = parse(text).unwrap().statements;
        assert_eq!(stmts.len(), 2);
        assert!(text[stmts[1].range.clone()].ends_with("LANGUAGE sql"));
    }
}
