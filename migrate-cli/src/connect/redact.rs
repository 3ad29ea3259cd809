//! Keeping the password out of every message: each spelling of it that may be printed.

use super::conninfo::{self, percent_decode};

/// Replaces every secret (the password, in every spelling seen) by `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub(super) fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
        }
        // Longest first, so that a secret containing another is replaced whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// The text with every secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        self.secrets
            .iter()
            .fold(text.to_owned(), |text, secret| text.replace(secret, "***"))
    }
}

/// The password of a connection string in every spelling that may be printed: as written
/// (percent-encoded, or quoted with backslash escapes) and as meant. Found where
/// `postgres::Config` reads it: in a `postgres://` or `postgresql://` URL, after the first `:` of
/// the text before the first `@`, and in a `password=` query parameter; in a key-value string, in
/// each `password = value` pair, the value quoted (`'...'`) or not, a backslash escaping the
/// next character. Without failing, so that the password is redacted even from the message about a
/// string that does not parse (an unterminated value runs to the end).
pub(super) fn conninfo_passwords(conninfo: &str) -> Vec<String> {
    let pairs = match conninfo::url(conninfo) {
        Some(url) => url_passwords(url),
        None => key_value_passwords(conninfo),
    };
    let mut found: Vec<String> = pairs
        .into_iter()
        .flat_map(|(written, meant)| [written.to_owned(), meant])
        .collect();
    found.retain(|p| !p.is_empty());
    found
}

/// `(as written, as meant)` for each password of a URL.
fn url_passwords(url: conninfo::Url<'_>) -> Vec<(&str, String)> {
    let mut found = Vec::new();
    if let Some((_, password)) = url.credentials.and_then(|c| c.split_once(':')) {
        found.push((password, percent_decode(password)));
    }
    for param in url.query.into_iter().flat_map(conninfo::params) {
        if let Some(("password", value)) = param.pair.as_ref().map(|(k, v)| (k.as_str(), *v)) {
            found.push((value, percent_decode(value)));
        }
    }
    found
}

/// `(as written, as meant)` for each `password = value` of a key-value string.
fn key_value_passwords(conninfo: &str) -> Vec<(&str, String)> {
    conninfo::pairs(conninfo)
        .into_iter()
        .filter(|pair| pair.key == "password")
        .map(|pair| (pair.written, pair.meant))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use postgres::config::SslMode;
    use postgres::Config;

    use super::*;
    use crate::connect::tests::env;
    use crate::connect::Target;

    #[test]
    fn passwords_are_redacted_in_every_spelling() {
        let t =
            Target::resolve(Some("postgresql://u:p%40ss@h/db?sslmode=require"), env(&[])).unwrap();
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        let text = "url postgresql://u:p%40ss@h/db password p@ss";
        assert_eq!(
            t.redactor().redact(text),
            "url postgresql://u:***@h/db password ***"
        );
        assert!(!t.describe().contains("p@ss"));
    }

    /// Passwords of every shape: spaces, quotes, backslashes, the URL's delimiters, `%`,
    /// non-ASCII; generated from a fixed seed, so a failure is reproducible.
    fn generated_passwords() -> Vec<String> {
        const ALPHABET: &[char] = &[
            'a', 'Z', '0', '9', ' ', '\t', '\'', '"', '\\', '@', ':', '/', '?', '&', '=', '%', '#',
            '+', ',', ';', '[', ']', 'é', '€', '🦀', '\u{a0}',
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut passwords: Vec<String> = ["x y", "it's", "back\\slash", "%41", "p@ss:w/rd?"]
            .map(String::from)
            .into();
        for _ in 0..500 {
            let len = 8 + (next() % 12) as usize;
            passwords.push(
                (0..len)
                    .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                    .collect(),
            );
        }
        passwords
    }

    fn percent_encode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// Each way of writing `password` in a connection string, at each place the driver reads
    /// one, with one host or several: the text before it, the password as written, the text
    /// after it.
    fn spellings(password: &str) -> [[String; 3]; 7] {
        let quoted = password.replace('\\', "\\\\").replace('\'', "\\'");
        let unquoted: String = password
            .chars()
            .flat_map(|c| match c {
                '\\' | '\'' => vec!['\\', c],
                c if c.is_whitespace() => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let encoded = percent_encode(password);
        [
            [
                "host=h1,h2 port=5432,5433 user=u password='",
                quoted.as_str(),
                "' dbname=d",
            ],
            ["host=h password = '", quoted.as_str(), "'"],
            ["password=", unquoted.as_str(), " host=h user=u dbname=d"],
            [
                "host=h\tpassword=",
                unquoted.as_str(),
                "  sslmode=verify-ca sslrootcert='/ca dir/root.crt'",
            ],
            [
                "postgresql://u:",
                encoded.as_str(),
                "@h1:5432,h2:5433/d?sslmode=disable",
            ],
            [
                "postgres://u@h/d?application_name=x&password=",
                encoded.as_str(),
                "",
            ],
            [
                "postgresql://h/d?password=",
                encoded.as_str(),
                "&sslmode=verify-full&sslrootcert=%2Fca.pem",
            ],
        ]
        .map(|parts| parts.map(str::to_owned))
    }

    #[test]
    fn every_spelling_of_every_generated_password_is_redacted() {
        for password in generated_passwords() {
            for [before, written, after] in spellings(&password) {
                let conninfo = format!("{before}{written}{after}");
                if !conninfo.contains("verify-") {
                    // The spelling means this password to the driver (which knows no verify-*).
                    let config = Config::from_str(&conninfo)
                        .unwrap_or_else(|e| panic!("{conninfo:?} does not parse: {e}"));
                    assert_eq!(
                        config.get_password(),
                        Some(password.as_bytes()),
                        "{conninfo:?}"
                    );
                }
                let target = Target::resolve(Some(&conninfo), env(&[])).unwrap();
                // The settings that connect keep the password, and the rest, intact.
                assert_eq!(
                    target.config.get_password(),
                    Some(password.as_bytes()),
                    "{conninfo:?}"
                );
                let shown = target
                    .redactor()
                    .redact(&format!("{conninfo} | {password}"));
                assert!(!shown.contains(&password), "{password:?} in {shown:?}");
                let found = conninfo_passwords(&conninfo);
                for spelling in &found {
                    assert!(
                        !shown.contains(spelling.as_str()),
                        "{spelling:?} in {shown:?}"
                    );
                }
                assert!(found.contains(&password), "{password:?} not in {found:?}");
                // Only the password goes: everything around it is shown as it was.
                assert_eq!(shown, format!("{before}***{after} | ***"), "{conninfo:?}");
            }
        }
    }

    #[test]
    fn passwords_are_found_in_strings_that_do_not_parse() {
        for (conninfo, expected) in [
            ("host=h password='x y' port=notaport", vec!["x y"]),
            (
                "host=h password='unterminated secret",
                vec!["unterminated secret"],
            ),
            ("password=a\\ b port", vec!["a\\ b", "a b"]),
            (
                "postgresql://u:s%20cret@h:notaport/db",
                vec!["s%20cret", "s cret"],
            ),
            ("postgresql://u:pa?ss@h/db", vec!["pa?ss"]),
        ] {
            let mut found = conninfo_passwords(conninfo);
            found.dedup();
            assert_eq!(found, expected, "{conninfo}");
        }
    }

    #[test]
    fn an_invalid_url_does_not_show_its_password() {
        let err =
            Target::resolve(Some("postgresql://u:hunter2@h:notaport/db"), env(&[])).unwrap_err();
        assert!(!err.message.contains("hunter2"), "{}", err.message);
        let err = Target::resolve(Some("postgresql://u@h/db?sslmode=bogus"), env(&[])).unwrap_err();
        assert!(err.message.contains("sslmode"), "{}", err.message);
    }
}
