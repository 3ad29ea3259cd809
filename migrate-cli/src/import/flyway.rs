//! Flyway's SQL migrations, read as Flyway reads them: file names (flyway-core
//! `ResourceNameParser`), the per-script `{script}.conf` (`SqlScriptMetadata`, read as Java
//! properties by `ConfigUtils.loadConfigurationFromString`), placeholders
//! (`PlaceholderReplacingReader`) and the byte-order mark (`BomStrippingReader`). Flyway's
//! PostgreSQL parser also runs a script outside a transaction by itself when it holds a
//! statement PostgreSQL refuses in one (`PostgreSQLParser.detectCanExecuteInTransaction`); the
//! import's plan gives those the header, from the checker's `needs-no-transaction`.

use super::source::{text, Kind, Named, Part, Refuse, SourceFile};

/// The UTF-8 byte-order mark, which Flyway skips.
const BOM: &[u8] = "\u{FEFF}".as_bytes();

/// Flyway's default names: `V{version}__{description}.sql`, undo `U...` (`.sql` in any case),
/// versions of digits separated by `.` or `_`; repeatable `R__{description}.sql`, re-applied
/// whenever it changes, as ours (`R__{name}.sql`); callbacks (`beforeMigrate.sql`,
/// `afterEachMigrate__x.sql`, ...) run on every `migrate`; a name Flyway cannot read is ignored
/// (unless `validateMigrationNaming` is on).
pub(super) fn name(file_name: &str) -> Named {
    if file_name.ends_with(".sql.conf") {
        return Named::Companion;
    }
    let Some(stem) = file_name
        .len()
        .checked_sub(4)
        .filter(|&at| file_name.is_char_boundary(at))
        .filter(|&at| file_name[at..].eq_ignore_ascii_case(".sql"))
        .map(|at| &file_name[..at])
    else {
        return Named::Ignored("Flyway ignores it: not an SQL migration".into());
    };
    let event = stem.split("__").next().unwrap_or(stem);
    if event.starts_with("before") || event.starts_with("after") {
        return Named::Refused(format!(
            "a Flyway callback: Flyway runs it at its `{event}` event, which has no counterpart \
             here; move what it does into a migration, or into the application"
        ));
    }
    if let Some(description) = stem.strip_prefix("R__") {
        return match description {
            "" => Named::Refused(
                "a repeatable migration without a description, which our name needs: name it \
                 `R__{description}.sql`"
                    .to_owned(),
            ),
            description => Named::Repeatable(description.to_owned()),
        };
    }
    let versioned = stem
        .strip_prefix(['V', 'U'])
        .and_then(|rest| rest.split_once("__"))
        .filter(|(version, _)| {
            version
                .split(['.', '_'])
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        });
    match versioned {
        None => Named::Ignored(
            "Flyway ignores it: not `V{version}__{description}.sql` (nor `U`, `R`)".to_owned(),
        ),
        Some((version, "")) => Named::Refused(format!(
            "it has no description, which our name needs: name it `{}{version}__{{description}}.sql` \
             (Flyway then records a description: repair its history, or baseline ours first)",
            &stem[..1]
        )),
        Some((version, description)) => {
            Named::Migration(version.to_owned(), description.to_owned())
        }
    }
}

/// A script's configuration file, as Flyway reads it.
#[derive(Debug, Default, PartialEq, Eq)]
struct ScriptConfig {
    execute_in_transaction: Option<bool>,
    encoding: Option<String>,
    placeholder_replacement: Option<bool>,
}

/// Reads a `{script}.conf`: Java properties (`key=value`, `key: value` or `key value`, lines
/// trimmed, `#` and `!` comments) with the keys Flyway knows for a script. Flyway stops at an
/// unknown key and at a boolean that is not `true` or `false` (in any case); values holding
/// placeholders, continued lines, escapes and `shouldExecute` conditions are refused.
fn script_config(conf: &str) -> Result<ScriptConfig, Refuse> {
    let mut config = ScriptConfig::default();
    for (i, line) in conf.replace("\r\n", "\n").split('\n').enumerate() {
        let line = line.trim_matches(|c: char| c <= ' ');
        if line.is_empty() || line.starts_with(['#', '!']) {
            continue;
        }
        if line.contains('\\') {
            return Err(Refuse::at(
                i,
                "a `\\` (escape or continued line), which the import does not read: write the \
                 setting on one line without it",
            ));
        }
        let key_end = line
            .find(|c: char| c == '=' || c == ':' || c <= ' ')
            .unwrap_or(line.len());
        let (key, rest) = line.split_at(key_end);
        let rest = rest.trim_start_matches(|c: char| c <= ' ');
        let value = rest
            .strip_prefix(['=', ':'])
            .unwrap_or(rest)
            .trim_start_matches(|c: char| c <= ' ');
        if value.contains("${") {
            return Err(Refuse::at(
                i,
                format!("`{key}` holds a Flyway placeholder, whose value is not in the folder"),
            ));
        }
        let boolean = || match value.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Refuse::at(
                i,
                format!("Flyway stops at `{key}={value}`: it must be true or false"),
            )),
        };
        match key {
            "executeInTransaction" => config.execute_in_transaction = Some(boolean()?),
            "placeholderReplacement" => config.placeholder_replacement = Some(boolean()?),
            "encoding" => config.encoding = Some(value.to_owned()),
            "shouldExecute" if boolean() == Ok(true) => {}
            "shouldExecute" => {
                return Err(Refuse::at(
                    i,
                    "`shouldExecute`: whether Flyway ran the script depends on its \
                     configuration; import the databases' scripts only once you know, and \
                     remove the scripts it skipped",
                ))
            }
            _ => {
                return Err(Refuse::at(
                    i,
                    format!(
                        "Flyway stops at the unknown script setting `{key}` (it knows \
                         executeInTransaction, encoding, placeholderReplacement, shouldExecute)"
                    ),
                ))
            }
        }
    }
    Ok(config)
}

/// A Flyway script: up (`V`) or undo (`U`), with its `.conf` beside it.
pub(super) fn file(file: &SourceFile, source: &[SourceFile]) -> Result<Vec<(Kind, Part)>, Refuse> {
    let conf_path = format!("{}.conf", file.path);
    let config = match source.iter().find(|f| f.path == conf_path) {
        Some(conf) => script_config(&String::from_utf8_lossy(&conf.bytes)).map_err(|r| Refuse {
            path: Some(conf_path.clone()),
            ..r
        })?,
        None => ScriptConfig::default(),
    };
    let file_name = file.path.rsplit('/').next().unwrap_or(&file.path);
    let kind = if file_name.starts_with('U') {
        Kind::Down
    } else {
        Kind::Up
    };
    if let Some(encoding) = config
        .encoding
        .as_deref()
        .filter(|e| !e.eq_ignore_ascii_case("UTF-8") && !e.eq_ignore_ascii_case("UTF8"))
    {
        if !file.bytes.is_ascii() {
            return Err(Refuse::file(format!(
                "Flyway reads it as {encoding} ({conf_path}), and it is not plain ASCII: \
                 save it as UTF-8 (Flyway's checksum is of the text, which stays the same)"
            )));
        }
    }
    let text = text(file)?;
    if config.placeholder_replacement != Some(false) {
        if let Some(at) = text.lines().position(|l| l.contains("${")) {
            return Err(Refuse::at(
                at,
                "Flyway replaces `${...}` placeholders with their configured values, which are \
                 not in the folder: write the values in, or put `placeholderReplacement=false` \
                 in its .conf if Flyway's configuration turns replacement off",
            ));
        }
    }
    let mut part = Part::plain(file);
    if let Some(rest) = file.bytes.strip_prefix(BOM) {
        part.bytes = rest.to_vec();
    }
    if config.execute_in_transaction == Some(false) {
        part.no_transaction = Some(format!("`executeInTransaction=false` in {conf_path}"));
    }
    Ok(vec![(kind, part)])
}

#[cfg(test)]
mod tests {
    use super::super::convert::tests::{pairs, refused_once, source, written};
    use super::super::convert::{convert, Conversion, NO_TRANSACTION};
    use super::*;
    use migrate_runtime::Tool;

    fn flyway(files: &[(&str, &str)]) -> Conversion {
        convert(Tool::Flyway, &source(files))
    }

    #[test]
    fn flyway_names_undo_files_and_sub_folders() {
        let c = flyway(&[
            ("V1__Create_a.sql", "CREATE TABLE a ();"),
            ("U1__Create_a.sql", "DROP TABLE a;"),
            ("V1.1__Index.sql", "CREATE INDEX CONCURRENTLY i ON a ();"),
            ("V1.1__Index.sql.conf", "executeInTransaction=false\n"),
            ("2024/V1_2__Upper.SQL", "CREATE TABLE b ();"),
            ("notes.txt", "x"),
            ("Vx__nope.sql", "SELECT 1;"),
        ]);
        assert_eq!(
            written(&c),
            pairs(&[
                ("10_Create_a.down.sql", "DROP TABLE a;"),
                ("10_Create_a.sql", "CREATE TABLE a ();"),
                (
                    "11_Index.sql",
                    "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON a ();"
                ),
                ("12_Upper.sql", "CREATE TABLE b ();"),
            ])
        );
        let skipped: Vec<&str> = c.skipped.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(skipped, ["Vx__nope.sql", "notes.txt"]);
        assert!(c.refused.is_empty(), "{:?}", c.refused);
    }

    #[test]
    fn flyway_script_configuration_is_read_as_properties() {
        for (conf, no_tx) in [
            ("executeInTransaction=false", true),
            ("  executeInTransaction = FALSE  \r\n", true),
            (
                "# why\n! also a comment\nexecuteInTransaction: false\n",
                true,
            ),
            (
                "executeInTransaction false\nencoding=UTF-8\nplaceholderReplacement=true",
                true,
            ),
            ("executeInTransaction=true", false),
            ("encoding=ISO-8859-1", false),
            ("", false),
        ] {
            let c = flyway(&[("V1__a.sql", "SELECT 1;"), ("V1__a.sql.conf", conf)]);
            assert!(c.refused.is_empty(), "{conf}: {:?}", c.refused);
            assert_eq!(
                c.files[0].bytes.starts_with(NO_TRANSACTION.as_bytes()),
                no_tx,
                "{conf}"
            );
        }
        assert_eq!(
            script_config("executeInTransaction=false\nplaceholderReplacement=false"),
            Ok(ScriptConfig {
                execute_in_transaction: Some(false),
                encoding: None,
                placeholder_replacement: Some(false),
            })
        );
    }

    #[test]
    fn flyway_repeatable_migrations_are_copied_as_ours() {
        let c = flyway(&[
            ("V1__a.sql", "CREATE TABLE a (id int);"),
            (
                "R__views.sql",
                "\u{FEFF}CREATE OR REPLACE VIEW v AS SELECT id FROM a;",
            ),
            ("sub/R__Grants.SQL", "GRANT SELECT ON v TO PUBLIC;"),
        ]);
        assert!(c.refused.is_empty(), "{:?}", c.refused);
        assert_eq!(
            written(&c),
            pairs(&[
                ("1_a.sql", "CREATE TABLE a (id int);"),
                ("R__Grants.sql", "GRANT SELECT ON v TO PUBLIC;"),
                (
                    "R__views.sql",
                    "CREATE OR REPLACE VIEW v AS SELECT id FROM a;"
                ),
            ])
        );
        let c = flyway(&[
            ("R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;"),
            ("R__views.sql.conf", "executeInTransaction=false"),
        ]);
        refused_once(&c, "R__views.sql", "outside a transaction");
        let c = flyway(&[("R__.sql", "SELECT 1;")]);
        refused_once(&c, "R__.sql", "without a description");
    }

    #[test]
    fn flyway_refuses_what_it_would_run_differently() {
        let c = flyway(&[(
            "afterMigrate.sql",
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO r;",
        )]);
        refused_once(&c, "afterMigrate.sql", "callback");
        let c = flyway(&[
            ("V1__a.sql", "SELECT 1;"),
            ("V1__a.sql.conf", "executeInTransaction=no"),
        ]);
        refused_once(&c, "V1__a.sql.conf:1", "must be true or false");
        let c = flyway(&[
            ("V1__a.sql", "SELECT 1;"),
            ("V1__a.sql.conf", "\nmixed=true"),
        ]);
        refused_once(&c, "V1__a.sql.conf:2", "unknown script setting `mixed`");
        let c = flyway(&[
            ("V1__a.sql", "SELECT 1;"),
            ("V1__a.sql.conf", "shouldExecute=${x}==A"),
        ]);
        refused_once(&c, "V1__a.sql.conf:1", "placeholder");
        let c = flyway(&[("V1__a.sql", "-- x\nCREATE SCHEMA ${schema};")]);
        refused_once(&c, "V1__a.sql:2", "placeholders");
        let c = flyway(&[
            ("V1__a.sql", "SELECT 'é';"),
            ("V1__a.sql.conf", "encoding=ISO-8859-1"),
        ]);
        refused_once(&c, "V1__a.sql", "ISO-8859-1");
        let c = flyway(&[("V2__.sql", "SELECT 1;")]);
        refused_once(&c, "V2__.sql", "no description");
    }

    #[test]
    fn flyway_placeholders_off_and_the_byte_order_mark() {
        let c = flyway(&[
            ("V1__a.sql", "\u{FEFF}SELECT '${kept}';"),
            ("V1__a.sql.conf", "placeholderReplacement=false"),
        ]);
        assert!(c.refused.is_empty(), "{:?}", c.refused);
        assert_eq!(written(&c), pairs(&[("1_a.sql", "SELECT '${kept}';")]));
    }
}
