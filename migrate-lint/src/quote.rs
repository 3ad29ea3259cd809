//! Names and values written back as SQL, in messages and help lines: quoted exactly as
//! PostgreSQL needs them, so that a suggestion names the object the statement names.
//!
//! The parse tree holds names as PostgreSQL resolved them (`Step_id_check` folded to
//! `step_id_check`, `"Step"` kept as `Step`); writing one back unquoted would name another object,
//! or not parse at all (`"select"`, `"a b"`). Every name in a message or help line goes through
//! [`ident`] or [`qualified`], every string value through [`literal`]. [`read_qualified`] does
//! the reverse, for names written in strings (`migrate.toml`, `'app.users'::regclass`).

use pg_query::protobuf::KeywordKind;

/// A name as PostgreSQL's own `quote_ident` writes it: bare when it is lower case letters,
/// digits and underscores, starting with a letter or underscore, and no keyword that needs
/// quoting (PostgreSQL's keyword list, read from its scanner); otherwise in double quotes, with
/// inner double quotes doubled.
pub(crate) fn ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !is_keyword(name) {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Whether a plain word is a keyword that PostgreSQL's `quote_ident` quotes: every keyword but
/// the unreserved ones.
fn is_keyword(word: &str) -> bool {
    let Ok(tokens) = pg_query::scan_tokens(word) else {
        return false;
    };
    match tokens.as_slice() {
        [token] => !matches!(
            token.keyword_kind(),
            KeywordKind::NoKeyword | KeywordKind::UnreservedKeyword
        ),
        _ => false,
    }
}

/// A possibly qualified name, each part quoted as needed: `app."Users"`.
pub(crate) fn qualified<S: AsRef<str>>(parts: &[S]) -> String {
    parts
        .iter()
        .map(|p| ident(p.as_ref()))
        .collect::<Vec<_>>()
        .join(".")
}

/// A string constant: in single quotes, inner single quotes doubled (backslashes are plain
/// characters, as `standard_conforming_strings`, on by default, reads them).
pub(crate) fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The parts of a possibly qualified name written as SQL (`app."Users"`), as PostgreSQL reads
/// it: each unquoted part folded to lower case (ASCII letters only, as in a UTF-8 database),
/// each quoted part kept exactly, inner doubled quotes made single. `None` when it is not a
/// name: an empty part, an unterminated quote, or a space or quote inside an unquoted part.
pub(crate) fn read_qualified(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    loop {
        let (part, after) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let mut part = String::new();
                let mut chars = quoted.char_indices();
                let end = loop {
                    match chars.next()? {
                        (i, '"') if quoted[i + 1..].starts_with('"') => {
                            part.push('"');
                            chars.next();
                        }
                        (i, '"') => break i + 1,
                        (_, c) => part.push(c),
                    }
                };
                (part, &quoted[end..])
            }
            None => {
                let end = rest.find('.').unwrap_or(rest.len());
                let word = &rest[..end];
                if word.is_empty() || word.contains(|c: char| c.is_whitespace() || c == '"') {
                    return None;
                }
                (word.to_ascii_lowercase(), &rest[end..])
            }
        };
        if part.is_empty() {
            return None;
        }
        parts.push(part);
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None if after.is_empty() => return Some(parts),
            None => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case checked against PostgreSQL's `quote_ident` (`SELECT quote_ident('...')`).
    #[test]
    fn identifiers_are_quoted_as_postgresql_quotes_them() {
        for (name, quoted) in [
            ("users", "users"),
            ("_x1", "_x1"),
            ("Step", "\"Step\""),
            ("Step_id_check", "\"Step_id_check\""),
            ("select", "\"select\""),
            ("user", "\"user\""),
            ("left", "\"left\""),
            ("between", "\"between\""),
            ("varchar", "\"varchar\""),
            ("name", "name"),
            ("action", "action"),
            ("a b", "\"a b\""),
            ("a\"b", "\"a\"\"b\""),
            ("a$b", "\"a$b\""),
            ("1a", "\"1a\""),
            ("é", "\"é\""),
            ("", "\"\""),
        ] {
            assert_eq!(ident(name), quoted, "{name}");
        }
        assert_eq!(qualified(&["app", "Users"]), "app.\"Users\"");
    }

    /// Every case checked against PostgreSQL's reading of the same text
    /// (`SELECT parse_ident('...')`), but for `*`, which `migrate.toml` reads as a name.
    #[test]
    fn qualified_names_are_read_as_postgresql_folds_them() {
        for (text, parts) in [
            ("users", &["users"][..]),
            ("Public.Users", &["public", "users"]),
            ("app.\"Users\"", &["app", "Users"]),
            ("\"a.b\".\"c\"\"d\"", &["a.b", "c\"d"]),
            (" extensions.* ", &["extensions", "*"]),
            ("db.app.t", &["db", "app", "t"]),
            ("Émile.x", &["Émile", "x"]),
        ] {
            let expected: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
            assert_eq!(read_qualified(text), Some(expected), "{text}");
        }
        for text in [
            "", "app.", ".t", "a b.c", "\"app", "\"\".t", "a\"b\".c", "\"a\"b",
        ] {
            assert_eq!(read_qualified(text), None, "{text}");
        }
    }

    #[test]
    fn literals_double_their_quotes() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("a\\b"), "'a\\b'");
    }
}
