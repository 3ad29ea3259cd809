//! Names and values written back as SQL, in messages and help lines: quoted exactly as
//! PostgreSQL needs them, so that a suggestion names the object the statement names.
//!
//! The parse tree holds names as PostgreSQL resolved them (`Step_id_check` folded to
//! `step_id_check`, `"Step"` kept as `Step`); writing one back unquoted would name another object,
//! or not parse at all (`"select"`, `"a b"`). Every name in a message or help line goes through
//! [`ident`] or [`qualified`], every string value through [`literal`].

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
    let Ok(scanned) = pg_query::scan(word) else {
        return false;
    };
    match scanned.tokens.as_slice() {
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

    #[test]
    fn literals_double_their_quotes() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("a\\b"), "'a\\b'");
    }
}
