//! The SQL toolbox every other module may use: quoting (identifiers through [`quote_ident`],
//! values through [`quote_literal`], bodies through [`dollar_tag`]; nothing is pasted unquoted)
//! and reading the answers of the simple query protocol ([`rows`], [`first_column`],
//! [`first_value`], [`parse`]). It imports no other module of the crate.

use postgres::{SimpleQueryMessage, SimpleQueryRow};

/// Quotes an SQL identifier: wraps it in double quotes and doubles any double quote inside.
pub(crate) fn quote_ident(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Quotes an SQL string literal as an escape string (`E'...'`), which reads the same whatever
/// `standard_conforming_strings` says.
pub(crate) fn quote_literal(value: &str) -> String {
    format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// A dollar-quote tag that does not occur in `body`.
pub(crate) fn dollar_tag(body: &str) -> String {
    (0..)
        .map(|n| format!("$migrate{n}$"))
        .find(|tag| !body.contains(tag.as_str()))
        .expect("some tag is free")
}

/// The rows of an answer, in order, whatever statements of the query string returned them.
pub(crate) fn rows(messages: &[SimpleQueryMessage]) -> impl Iterator<Item = &SimpleQueryRow> + '_ {
    messages.iter().filter_map(|m| match m {
        SimpleQueryMessage::Row(row) => Some(row),
        _ => None,
    })
}

/// The first column of every row of an answer, skipping NULLs.
pub(crate) fn first_column(messages: &[SimpleQueryMessage]) -> Vec<String> {
    rows(messages)
        .filter_map(|row| row.get(0).map(str::to_owned))
        .collect()
}

/// The first column of the first row of an answer, when there is one and it is not NULL.
pub(crate) fn first_value(messages: &[SimpleQueryMessage]) -> Option<&str> {
    rows(messages).next().and_then(|row| row.get(0))
}

/// A cell's text parsed as `T`, when the cell is not NULL and parses.
pub(crate) fn parse<T: std::str::FromStr>(text: Option<&str>) -> Option<T> {
    text.and_then(|t| t.parse().ok())
}
