//! Connection settings of the admin database and of the databases made from a template: editing
//! the database name, and describing them without the password. Pure.

pub(crate) fn with_dbname_config(config: &postgres::Config, name: &str) -> postgres::Config {
    let mut config = config.clone();
    config.dbname(name);
    config
}

/// `url` with its database replaced by `name`: the path of a `postgres://` URL (percent-encoded),
/// or a `dbname=` appended to a `key=value` string (the last one counts; quoted when the name
/// needs it). Any name reads back as it was, with this crate's driver and with libpq.
pub(crate) fn with_dbname(url: &str, name: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return format!("{} dbname={}", url.trim_end(), quote_value(name))
            .trim_start()
            .to_owned();
    };
    let query_start = url[scheme_end..]
        .find('?')
        .map_or(url.len(), |i| scheme_end + i);
    let (before_query, query) = url.split_at(query_start);
    let authority_start = before_query[scheme_end..]
        .rfind('@')
        .map_or(scheme_end, |i| scheme_end + i + 1);
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |i| authority_start + i);
    format!(
        "{}/{}{query}",
        &before_query[..authority_end],
        percent_encode(name)
    )
}

/// Whether a byte stands for itself in a URL's path and in an unquoted `key=value` value.
fn is_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Every byte but the plain ones as `%XX`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if is_plain(byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// A `key=value` value: as it is when plain, otherwise in single quotes with `'` and `\`
/// escaped by a backslash.
fn quote_value(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(is_plain) {
        return text.to_owned();
    }
    let escaped: String = text
        .chars()
        .flat_map(|c| {
            matches!(c, '\'' | '\\')
                .then_some('\\')
                .into_iter()
                .chain([c])
        })
        .collect();
    format!("'{escaped}'")
}

/// Database, hosts, ports and user of a configuration, never its password.
pub(crate) fn describe(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "database {} on {} port {} as user {}",
        config.get_dbname().unwrap_or("(default)"),
        if hosts.is_empty() {
            "(default host)".to_owned()
        } else {
            hosts.join(",")
        },
        if ports.is_empty() {
            "5432".to_owned()
        } else {
            ports.join(",")
        },
        config.get_user().unwrap_or("(default)")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbname_in_connection_strings() {
        let cases = [
            (
                "postgresql://u:p@h:5432/postgres",
                "postgresql://u:p@h:5432/t",
            ),
            (
                "postgres://u:p@h/postgres?sslmode=disable",
                "postgres://u:p@h/t?sslmode=disable",
            ),
            ("postgresql://h", "postgresql://h/t"),
            (
                "postgresql://u:p%2Fx@h:1,g:2/db",
                "postgresql://u:p%2Fx@h:1,g:2/t",
            ),
            (
                "postgresql:///db?host=/run/pg",
                "postgresql:///t?host=/run/pg",
            ),
            (
                "host=h user=u dbname=postgres",
                "host=h user=u dbname=postgres dbname=t",
            ),
            ("", "dbname=t"),
        ];
        for (url, expected) in cases {
            assert_eq!(with_dbname(url, "t"), expected, "{url}");
            let parsed: postgres::Config = expected.parse().unwrap();
            assert_eq!(parsed.get_dbname(), Some("t"), "{expected}");
        }
    }

    #[test]
    fn any_database_name_reads_back() {
        let names = [
            "Tenant Acme",
            "a'b\\c",
            "a/b?c#d%20@:",
            "café",
            "t\tab",
            "x=y z",
        ];
        let bases = [
            "postgresql://u:p@h:5432/postgres?sslmode=disable",
            "host=h user=u dbname=postgres",
        ];
        for base in bases {
            for name in names {
                let url = with_dbname(base, name);
                let parsed: postgres::Config = url.parse().unwrap_or_else(|e| panic!("{url}: {e}"));
                assert_eq!(parsed.get_dbname(), Some(name), "{url}");
                assert_eq!(
                    parsed.get_hosts(),
                    base.parse::<postgres::Config>().unwrap().get_hosts()
                );
            }
        }
        assert_eq!(
            with_dbname("postgresql://h/db", "Tenant Acme"),
            "postgresql://h/Tenant%20Acme"
        );
        assert_eq!(with_dbname("host=h", "it's"), "host=h dbname='it\\'s'");
    }

    #[test]
    fn describe_hides_the_password() {
        let config: postgres::Config = "postgresql://u:secret@h:5433/db".parse().unwrap();
        let text = describe(&config);
        assert_eq!(text, "database db on h port 5433 as user u");
    }
}
