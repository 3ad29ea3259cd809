//! dbmate's migrations, read as dbmate reads them (amacneil/dbmate `pkg/dbmate/migration.go`:
//! `upRegExp`, `downRegExp`, `parseMigrationOptions`, `getMigrationSectionSubstrings`; file
//! names: `pkg/dbmate/db.go` `migrationFileRegexp`).

use super::source::{lines, text, Kind, Named, Part, Refuse, SourceFile};

/// Go's `\s` (RE2, ASCII): the whitespace of dbmate's regular expressions.
const SPACE: [char; 5] = [' ', '\t', '\n', '\x0C', '\r'];

/// dbmate's file names: `^(\d+).*\.sql$`, the version being the leading digits; ours need a
/// name after them (`{version}_{name}.sql`, a leading `_` not repeated).
pub(super) fn name(file_name: &str) -> Named {
    let digits = file_name.bytes().take_while(u8::is_ascii_digit).count();
    let Some(rest) = file_name[digits..]
        .strip_suffix(".sql")
        .filter(|_| digits > 0)
    else {
        return Named::Ignored("dbmate ignores it: its name does not start with a version".into());
    };
    let version = &file_name[..digits];
    let name = rest.strip_prefix('_').unwrap_or(rest);
    if name.is_empty() {
        return Named::Refused(format!(
            "it has no name after its version: name it `{version}_{{name}}.sql` (dbmate records \
             only the version, so this changes nothing for dbmate)"
        ));
    }
    Named::Migration(version.to_owned(), name.to_owned())
}

/// The options of a directive line `--\s*migrate:{word}` followed by the end of the line or by
/// whitespace (dbmate's `(\s*$|\s+\S+)`); `None`: not that directive.
fn directive<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let rest = line
        .strip_prefix("--")?
        .trim_start_matches(SPACE)
        .strip_prefix("migrate:")?
        .strip_prefix(word)?;
    (rest.is_empty() || rest.starts_with(SPACE)).then_some(rest)
}

/// Whether a directive's options keep the transaction: `key:value` pairs separated by
/// whitespace, a pair with more or fewer than one `:` ignored, the last of a key winning, and
/// only `transaction:false` (exactly) turning it off.
fn transaction(options: &str) -> bool {
    options
        .split(SPACE)
        .filter_map(|pair| pair.split_once(':').filter(|(_, v)| !v.contains(':')))
        .rfind(|(key, _)| *key == "transaction")
        .is_none_or(|(_, value)| value != "false")
}

/// Splits a dbmate file into our up and down parts: only blank and comment lines may precede
/// `-- migrate:up`, one `-- migrate:down` may follow it, and the options of each directive line
/// say whether its part runs in a transaction. A second `-- migrate:up` section is refused. A
/// missing `-- migrate:down` is accepted, as dbmate did before 2.0 (it refuses it since).
pub(super) fn file(file: &SourceFile) -> Result<Vec<(Kind, Part)>, Refuse> {
    let text = text(file)?;
    let mut up: Vec<u8> = Vec::new();
    let mut down: Vec<u8> = Vec::new();
    let mut section: Option<Kind> = None;
    let (mut up_tx, mut down_tx) = (true, true);
    for (i, (line, bare)) in lines(text).enumerate() {
        if let Some(options) = directive(bare, "up") {
            if section.is_some() {
                return Err(Refuse::at(
                    i,
                    "a second `-- migrate:up` section: dbmate runs each section on its own and \
                     records the version after each, which the primary key of its history \
                     table refuses on PostgreSQL the second time, so dbmate stopped after the \
                     first section; find out which sections your databases hold, and make each \
                     a migration of its own before importing",
                ));
            }
            section = Some(Kind::Up);
            up_tx = transaction(options);
            continue;
        }
        if let Some(options) = directive(bare, "down") {
            if section == Some(Kind::Down) {
                return Err(Refuse::at(
                    i,
                    "dbmate stops at a second `-- migrate:down` in one section",
                ));
            }
            if section.is_some() {
                section = Some(Kind::Down);
                down_tx = transaction(options);
                continue;
            }
        }
        match section {
            None if !bare.trim_matches(SPACE).is_empty()
                && !bare.trim_start_matches(SPACE).starts_with("--") =>
            {
                return Err(Refuse::at(
                    i,
                    "dbmate stops here: a statement before `-- migrate:up` (only comments may \
                     precede it)",
                ));
            }
            Some(Kind::Down) => down.extend_from_slice(line.as_bytes()),
            _ => up.extend_from_slice(line.as_bytes()),
        }
    }
    if section.is_none() {
        return Err(Refuse::file(
            "dbmate stops at a file without `-- migrate:up`: it never ran it",
        ));
    }
    let part = |bytes: Vec<u8>, tx: bool, word: &str| Part {
        bytes,
        from: file.path.clone(),
        no_transaction: (!tx).then(|| format!("dbmate's `-- migrate:{word} transaction:false`")),
    };
    let mut parts = vec![(Kind::Up, part(up, up_tx, "up"))];
    if !String::from_utf8_lossy(&down).trim().is_empty() {
        parts.push((Kind::Down, part(down, down_tx, "down")));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::super::convert::tests::{pairs, refused_once, source, written};
    use super::super::convert::{convert, Conversion};
    use migrate_runtime::Tool;

    fn dbmate(text: &str) -> Conversion {
        convert(Tool::Dbmate, &source(&[("20200101000000_m.sql", text)]))
    }

    #[test]
    fn dbmate_sections_and_their_transaction_option() {
        let c = convert(
            Tool::Dbmate,
            &source(&[
                ("20200101000000_t.sql", "-- migrate:up\nCREATE TABLE t (a int);\n\n-- migrate:down\nDROP TABLE t;\n"),
                ("20200102000000_i.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\n"),
                ("20200103000000_bad.sql", "CREATE TABLE u ();\n"),
                ("20200104000000.sql", "-- migrate:up\n"),
                ("schema.sql", "CREATE TABLE t (a int);\n"),
            ]),
        );
        assert_eq!(
            written(&c),
            pairs(&[
                ("20200101000000_t.down.sql", "DROP TABLE t;\n"),
                ("20200101000000_t.sql", "CREATE TABLE t (a int);\n\n"),
                (
                    "20200102000000_i.sql",
                    "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
                ),
            ])
        );
        let refused: Vec<&str> = c.refused.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(refused, ["20200103000000_bad.sql:1", "20200104000000.sql"]);
        assert_eq!(c.skipped[0].0, "schema.sql");
    }

    /// dbmate's documented directive forms: spacing after `--`, options on the up and on the
    /// down line, other options next to `transaction`, CRLF line ends, dashes in the file name.
    #[test]
    fn dbmate_directive_spellings_and_options() {
        for (up, down, up_no_tx, down_no_tx) in [
            ("--migrate:up", "--migrate:down", false, false),
            ("--   migrate:up  ", "-- migrate:down\t", false, false),
            (
                "-- migrate:up transaction:false",
                "-- migrate:down",
                true,
                false,
            ),
            (
                "-- migrate:up",
                "-- migrate:down transaction:false",
                false,
                true,
            ),
            (
                "-- migrate:up  foo:bar   transaction:false",
                "-- migrate:down transaction:false\r",
                true,
                true,
            ),
            // Only `false`, exactly, turns it off; the last pair of a key wins.
            (
                "-- migrate:up transaction:FALSE",
                "-- migrate:down transaction:false transaction:true",
                false,
                false,
            ),
            (
                "-- migrate:up transaction:false:x",
                "-- migrate:down transaction",
                false,
                false,
            ),
        ] {
            let c = dbmate(&format!("{up}\nSELECT 1;\n{down}\nSELECT 2;\n"));
            assert!(c.refused.is_empty(), "{up}: {:?}", c.refused);
            let headers: Vec<bool> = c.files.iter().map(|f| f.change.is_some()).collect();
            assert_eq!(headers, [down_no_tx, up_no_tx], "{up} / {down}");
        }
        let c = convert(
            Tool::Dbmate,
            &source(&[("001-first.sql", "-- migrate:up\nSELECT 1;\n")]),
        );
        assert_eq!(written(&c), pairs(&[("001_-first.sql", "SELECT 1;\n")]));
    }

    #[test]
    fn dbmate_lookalikes_are_not_directives() {
        // `migrate:upgrade` and an indented directive are comments; the file has no up section.
        for text in [
            "-- migrate:upgrade\nSELECT 1;\n",
            "  -- migrate:up\nSELECT 1;\n",
            "-- Migrate:up\n",
        ] {
            let c = dbmate(text);
            assert_eq!(c.refused.len(), 1, "{text}");
        }
    }

    #[test]
    fn dbmate_refuses_what_it_stops_at() {
        refused_once(
            &dbmate("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:up\nSELECT 3;\n-- migrate:down\n"),
            "20200101000000_m.sql:5",
            "a second `-- migrate:up` section",
        );
        refused_once(
            &dbmate("-- migrate:up\n-- migrate:down\n-- migrate:down\n"),
            "20200101000000_m.sql:3",
            "second `-- migrate:down`",
        );
        refused_once(
            &dbmate("-- migrate:down\nDROP TABLE t;\n-- migrate:up\n"),
            "20200101000000_m.sql:2",
            "before `-- migrate:up`",
        );
    }
}
