//! Connection strings read where `postgres::Config` reads them, without failing: a
//! `postgres://` or `postgresql://` URL, or a string of `key = value` pairs. Pure: the password
//! redaction and the certificate options read them here, so both agree with the driver.

use std::ops::Range;

/// A URL cut where the driver cuts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Url<'a> {
    /// Between the scheme and the first `@` anywhere (user, then the password after the first
    /// `:`), when there is an `@`.
    pub(super) credentials: Option<&'a str>,
    /// Everything before the query, its `?` excluded.
    pub(super) base: &'a str,
    /// After the first `?` that follows the credentials: `&`-separated parameters.
    pub(super) query: Option<&'a str>,
}

/// `conninfo` as a URL, `None` when it is a key-value string (the driver's rule: the scheme
/// `postgres://` or `postgresql://`, as written).
pub(super) fn url(conninfo: &str) -> Option<Url<'_>> {
    let scheme = ["postgres://", "postgresql://"]
        .into_iter()
        .find(|scheme| conninfo.starts_with(scheme))?;
    let rest = &conninfo[scheme.len()..];
    let (credentials, after) = match rest.split_once('@') {
        Some((credentials, after)) => (Some(credentials), after),
        None => (None, rest),
    };
    let query_mark = after.find('?').map(|i| conninfo.len() - after.len() + i);
    Some(Url {
        credentials,
        base: &conninfo[..query_mark.unwrap_or(conninfo.len())],
        query: query_mark.map(|i| &conninfo[i + 1..]),
    })
}

/// One `&`-separated parameter of a URL's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Param<'a> {
    /// The parameter as written.
    pub(super) raw: &'a str,
    /// Its key, percent-decoded, and its value as written; `None` without an `=`.
    pub(super) pair: Option<(String, &'a str)>,
}

/// The parameters of a URL's query, in order.
pub(super) fn params(query: &str) -> impl Iterator<Item = Param<'_>> {
    query.split('&').map(|raw| Param {
        raw,
        pair: raw
            .split_once('=')
            .map(|(key, value)| (percent_decode(key), value)),
    })
}

/// One `key = value` of a key-value string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pair<'a> {
    /// The key.
    pub(super) key: &'a str,
    /// The value as written: between the quotes when quoted, backslash escapes included.
    pub(super) written: &'a str,
    /// The value as meant: quotes and backslash escapes undone.
    pub(super) meant: String,
    /// Where the pair is in the string, from its key to its value's end (closing quote included).
    pub(super) span: Range<usize>,
}

/// The pairs of a key-value string, as the driver reads them: a key, `=` (whitespace around it
/// allowed), a value quoted (`'...'`) or not, a backslash escaping the next character. Up to the
/// first place the driver would refuse; an unterminated quoted value runs to the end.
pub(super) fn pairs(conninfo: &str) -> Vec<Pair<'_>> {
    let mut found = Vec::new();
    let mut chars = conninfo.char_indices().peekable();
    fn skip_whitespace(chars: &mut std::iter::Peekable<std::str::CharIndices>) {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    }
    let position = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
        chars.peek().map_or(conninfo.len(), |&(i, _)| i)
    };
    loop {
        skip_whitespace(&mut chars);
        let Some(&(key_start, _)) = chars.peek() else {
            break;
        };
        while chars
            .next_if(|&(_, c)| !c.is_whitespace() && c != '=')
            .is_some()
        {}
        let key = &conninfo[key_start..position(&mut chars)];
        skip_whitespace(&mut chars);
        if key.is_empty() || chars.next_if(|&(_, c)| c == '=').is_none() {
            break;
        }
        skip_whitespace(&mut chars);
        let quoted = chars.next_if(|&(_, c)| c == '\'').is_some();
        let start = position(&mut chars);
        let (mut end, mut meant) = (conninfo.len(), String::new());
        while let Some(&(i, c)) = chars.peek() {
            if (quoted && c == '\'') || (!quoted && c.is_whitespace()) {
                end = i;
                break;
            }
            chars.next();
            let c = if c == '\\' {
                match chars.next() {
                    Some((_, escaped)) => escaped,
                    None => break,
                }
            } else {
                c
            };
            meant.push(c);
        }
        if quoted {
            chars.next(); // the closing quote
        }
        found.push(Pair {
            key,
            written: &conninfo[start..end],
            meant,
            span: key_start..position(&mut chars),
        });
    }
    found
}

/// `%XX` decoded (invalid UTF-8 replaced), as the driver decodes a URL's parts.
pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_cut_where_the_driver_cuts_them() {
        let cut = url("postgresql://u:pa?ss@h1:1,h2:2/db?sslmode=require&x").unwrap();
        assert_eq!(cut.credentials, Some("u:pa?ss"));
        assert_eq!(cut.base, "postgresql://u:pa?ss@h1:1,h2:2/db");
        assert_eq!(cut.query, Some("sslmode=require&x"));
        let cut = url("postgres://h/db").unwrap();
        assert_eq!((cut.credentials, cut.query), (None, None));
        assert_eq!(url("host=h dbname=postgres://x"), None);
        let params: Vec<_> = params("pass%77ord=a%20b&flag").collect();
        assert_eq!(
            params[0].pair,
            Some(("password".to_owned(), "a%20b")),
            "{params:?}"
        );
        assert_eq!((params[1].raw, &params[1].pair), ("flag", &None));
    }

    #[test]
    fn key_value_pairs_keep_their_place() {
        let text = "host=h  password = 'a \\' b'\tport=1 x=\\ y";
        let found = pairs(text);
        let keys: Vec<_> = found.iter().map(|p| p.key).collect();
        assert_eq!(keys, ["host", "password", "port", "x"]);
        assert_eq!(found[1].written, "a \\' b");
        assert_eq!(found[1].meant, "a ' b");
        assert_eq!(&text[found[1].span.clone()], "password = 'a \\' b'");
        assert_eq!(found[3].meant, " y");
        assert_eq!(pairs("host=h broken port=1").len(), 1);
    }
}
