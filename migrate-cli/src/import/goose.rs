//! goose's SQL migrations, read as goose's parser reads them (pressly/goose
//! `internal/sqlparser/parser.go`, `ParseSQLMigration` and `extractAnnotation`; file names:
//! `migration.go` `NumericComponent`, `provider_collect.go`).

use super::source::{lines, text, Kind, Named, Part, Refuse, SourceFile};

/// goose's annotations, in the spelling of its documentation; goose matches them ignoring case
/// (`strings.EqualFold`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Annotation {
    Up,
    Down,
    StatementBegin,
    StatementEnd,
    NoTransaction,
    EnvsubOn,
    EnvsubOff,
}

const ANNOTATIONS: [(&str, Annotation); 7] = [
    ("Up", Annotation::Up),
    ("Down", Annotation::Down),
    ("StatementBegin", Annotation::StatementBegin),
    ("StatementEnd", Annotation::StatementEnd),
    ("NO TRANSACTION", Annotation::NoTransaction),
    ("ENVSUB ON", Annotation::EnvsubOn),
    ("ENVSUB OFF", Annotation::EnvsubOff),
];

/// goose's file names: `{version}_{name}.sql` with an `int64` version above zero; a `.go` file
/// of that form is a Go migration; other files are ignored.
pub(super) fn name(file_name: &str) -> Named {
    let go = file_name.ends_with(".go") && !file_name.ends_with("_test.go");
    let Some((version, name)) = file_name
        .strip_suffix(".sql")
        .or_else(|| file_name.strip_suffix(".go").filter(|_| go))
        .and_then(|stem| stem.split_once('_'))
        .filter(|(v, _)| v.parse::<i64>().is_ok_and(|n| n > 0))
    else {
        return Named::Ignored(
            "goose ignores it: not `{version}_{name}.sql` with a version above 0".to_owned(),
        );
    };
    if go {
        return Named::Refused(
            "a Go migration: goose runs its code, which has no SQL to carry over; write what it \
             does as SQL in a file of the same version first"
                .to_owned(),
        );
    }
    if name.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Named::Refused(format!(
            "goose reads version {version} from it, but it has no name of ours: name it \
             `{}_{{name}}.sql` (goose records only the version)",
            version.trim_start_matches('+')
        ));
    }
    Named::Migration(version.to_owned(), name.to_owned())
}

/// The annotation a line holds, as `extractAnnotation` reads it: a line whose trimmed text
/// starts with `--` and that holds `+goose` anywhere is an annotation, and must be one goose
/// knows. `None`: not an annotation line.
fn annotation(line: &str) -> Option<Result<Annotation, String>> {
    if !(line.trim().starts_with("--") && line.contains("+goose")) {
        return None;
    }
    if line.starts_with([' ', '\t']) {
        return Some(Err(
            "goose stops at an annotation with leading whitespace: remove it".to_owned(),
        ));
    }
    // goose removes every `--` and the first `+goose`, then trims.
    let command = line.replace("--", "").replacen("+goose", "", 1);
    if command.contains("+goose") {
        return Some(Err(
            "goose stops at a line with two `+goose` annotations".to_owned()
        ));
    }
    let command = command.trim();
    if command.is_empty() {
        return Some(Err(
            "goose stops at an empty `-- +goose` annotation".to_owned()
        ));
    }
    Some(
        ANNOTATIONS
            .iter()
            .find(|(spelling, _)| equal_fold(spelling, command))
            .map(|&(_, a)| a)
            .ok_or_else(|| {
                format!(
                    "goose stops at the annotation `{command}`: it knows Up, Down, \
                     StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON and ENVSUB OFF \
                     (in any case)"
                )
            }),
    )
}

/// Go's `strings.EqualFold` for an ASCII `spelling`: the two non-ASCII letters whose Unicode
/// case folding reaches an ASCII one (U+017F long s, U+212A Kelvin sign) count as `s` and `k`.
fn equal_fold(spelling: &str, text: &str) -> bool {
    let fold = |c: char| match c {
        '\u{17F}' => 's',
        '\u{212A}' => 'k',
        c => c.to_ascii_lowercase(),
    };
    spelling.chars().map(fold).eq(text.chars().map(fold))
}

/// goose's `endsWithSemicolon`: the last whitespace-separated word before any word starting
/// with `--` ends with `;`.
fn ends_statement(line: &str) -> bool {
    line.split_whitespace()
        .take_while(|w| !w.starts_with("--"))
        .last()
        .is_some_and(|w| w.ends_with(';'))
}

/// Splits a goose file into our up and down parts, following goose's state machine: comments
/// and blank lines may precede `-- +goose Up`, nothing else; `Down` comes after `Up` and after
/// a finished statement; `StatementBegin`/`StatementEnd` pair up within a section (their lines
/// stay, as comments); `NO TRANSACTION` anywhere makes both directions run outside a
/// transaction; `ENVSUB ON` substitutes environment variables into the lines that follow, which
/// we cannot carry over when a line has a `$`. The lines of `Up`, `Down`, `NO TRANSACTION` and
/// `ENVSUB` are left out.
pub(super) fn file(file: &SourceFile) -> Result<Vec<(Kind, Part)>, Refuse> {
    let text = text(file)?;
    let mut up: Vec<u8> = Vec::new();
    let mut down: Vec<u8> = Vec::new();
    let mut section: Option<Kind> = None;
    let mut in_block = false;
    let mut no_transaction = None;
    let mut envsub: Option<usize> = None;
    // goose's statement buffer: whether it holds anything, and anything but whitespace.
    let (mut buffered, mut unfinished) = (false, false);
    let unfinished_up = |at: usize| {
        Refuse::at(
            at,
            "goose stops here: the up section ends inside a statement (a missing `;` at the end \
             of a line?), so goose never ran this file",
        )
    };
    for (i, (line, bare)) in lines(text).enumerate() {
        if section.is_none() && bare.trim().is_empty() {
            up.extend_from_slice(line.as_bytes());
            continue;
        }
        if let Some(read) = annotation(bare) {
            let a = read.map_err(|reason| Refuse::at(i, reason))?;
            let misplaced = |what: &str| Err(Refuse::at(i, format!("goose stops here: {what}")));
            match a {
                Annotation::Up if section.is_some() => {
                    return misplaced("a second `-- +goose Up`");
                }
                Annotation::Up => section = Some(Kind::Up),
                Annotation::Down if section != Some(Kind::Up) || in_block => {
                    return misplaced(
                        "`-- +goose Down` must follow `-- +goose Up`, outside a statement block",
                    );
                }
                Annotation::Down if unfinished => return Err(unfinished_up(i)),
                Annotation::Down => {
                    section = Some(Kind::Down);
                    (buffered, unfinished) = (false, false);
                }
                Annotation::StatementBegin if section.is_none() || in_block => {
                    return misplaced(
                        "`StatementBegin` must follow `Up` or `Down`, outside a block",
                    );
                }
                Annotation::StatementEnd if !in_block => {
                    return misplaced("`StatementEnd` without `StatementBegin`");
                }
                Annotation::StatementBegin | Annotation::StatementEnd => {
                    in_block = a == Annotation::StatementBegin;
                    if !in_block {
                        (buffered, unfinished) = (false, false);
                    }
                }
                Annotation::NoTransaction => {
                    no_transaction = Some(format!("goose's `{}` (line {})", bare.trim(), i + 1));
                }
                Annotation::EnvsubOn => envsub = Some(i),
                Annotation::EnvsubOff => envsub = None,
            }
            if matches!(a, Annotation::StatementBegin | Annotation::StatementEnd) {
                match section {
                    Some(Kind::Down) => down.extend_from_slice(line.as_bytes()),
                    _ => up.extend_from_slice(line.as_bytes()),
                }
            }
            continue;
        }
        // goose skips comments and empty lines between statements, and keeps the rest.
        let skipped = !buffered && (bare.trim().starts_with("--") || bare.is_empty());
        if !skipped {
            let Some(kind) = section else {
                return Err(Refuse::at(
                    i,
                    "goose stops here: SQL before `-- +goose Up` (only comments may precede it)",
                ));
            };
            if let Some(on) = envsub.filter(|_| bare.contains('$')) {
                return Err(Refuse::at(
                    i,
                    format!(
                        "goose substitutes environment variables in this line (`-- +goose \
                         ENVSUB ON` at line {}), and their values are not in the file: write the \
                         values in, or end the substitution before this line if it has none",
                        on + 1
                    ),
                ));
            }
            buffered = true;
            unfinished |= !bare.trim().is_empty();
            if !in_block && ends_statement(bare) {
                (buffered, unfinished) = (false, false);
            }
            // goose empties the buffer of the direction it is not running.
            if kind == Kind::Down {
                (buffered, unfinished) = (false, false);
            }
        }
        match section {
            Some(Kind::Down) => down.extend_from_slice(line.as_bytes()),
            _ => up.extend_from_slice(line.as_bytes()),
        }
    }
    let end = text.lines().count().saturating_sub(1);
    match section {
        None => {
            return Err(Refuse::file(
                "goose stops at a file without `-- +goose Up` (in any case): it never ran it",
            ))
        }
        _ if in_block => {
            return Err(Refuse::at(
                end,
                "goose stops at a `StatementBegin` without its `StatementEnd`",
            ))
        }
        Some(Kind::Up) if unfinished => return Err(unfinished_up(end)),
        _ => {}
    }
    let part = |bytes: Vec<u8>| Part {
        bytes,
        from: file.path.clone(),
        no_transaction: no_transaction.clone(),
    };
    let mut parts = vec![(Kind::Up, part(up))];
    if !String::from_utf8_lossy(&down).trim().is_empty() {
        parts.push((Kind::Down, part(down)));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::super::convert::tests::{pairs, refused_once, source, written};
    use super::super::convert::{convert, NO_TRANSACTION};
    use migrate_runtime::Tool;

    fn goose(text: &str) -> super::super::convert::Conversion {
        convert(Tool::Goose, &source(&[("00001_m.sql", text)]))
    }

    #[test]
    fn goose_sections_become_up_and_down_files() {
        let c = convert(
            Tool::Goose,
            &source(&[
                (
                    "00002_f.sql",
                    "-- a comment\n-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f();\n",
                ),
                ("00003_i.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n"),
                ("00004_x.go", "package main"),
                ("helpers.go", "package main"),
            ]),
        );
        assert_eq!(
            written(&c),
            pairs(&[
                ("00002_f.down.sql", "DROP FUNCTION f();\n"),
                ("00002_f.sql", "-- a comment\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n\n"),
                ("00003_i.sql", "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n"),
            ])
        );
        refused_once(&c, "00004_x.go", "a Go migration");
        assert_eq!(c.skipped[0].0, "helpers.go");
    }

    /// Every spelling goose accepts for its annotations: any case, `--` anywhere and any number
    /// of them, spaces around.
    #[test]
    fn goose_annotations_in_any_case_and_spacing() {
        for (up, no_tx, down) in [
            ("-- +goose Up", "-- +goose NO TRANSACTION", "-- +goose Down"),
            ("-- +goose UP", "-- +goose no transaction", "-- +goose DOWN"),
            ("--+goose up", "-- +goose No Transaction", "--+goose down"),
            (
                "-- +goose   Up   ",
                "--   +goose NO TRANSACTION  --",
                "-- +goose Down\r",
            ),
            (
                "---- +goose uP",
                "-- +goose nO tRANSACTION",
                "-- +goose dOwN",
            ),
        ] {
            let c = goose(&format!(
                "{up}\n{no_tx}\nCREATE INDEX CONCURRENTLY i ON t (a);\n{down}\nDROP INDEX CONCURRENTLY i;\n"
            ));
            assert!(c.refused.is_empty(), "{up}: {:?}", c.refused);
            assert_eq!(
                written(&c),
                pairs(&[
                    (
                        "00001_m.down.sql",
                        "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY i;\n"
                    ),
                    (
                        "00001_m.sql",
                        "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
                    ),
                ]),
                "{up} / {no_tx} / {down}"
            );
        }
    }

    #[test]
    fn goose_no_transaction_anywhere_covers_both_directions() {
        let c =
            goose("-- +goose Up\nSELECT 1;\n-- +goose Down\n-- +goose no transaction\nSELECT 2;\n");
        for f in &c.files {
            assert!(f.bytes.starts_with(NO_TRANSACTION.as_bytes()), "{}", f.name);
        }
        assert!(c.files[0].change.as_deref().unwrap().contains("line 4"));
    }

    #[test]
    fn goose_statement_blocks_in_any_case_stay_as_comments() {
        let c = goose("-- +goose up\n-- +goose statementbegin\nDO $$ BEGIN PERFORM 1; END $$;\n-- +goose STATEMENTEND\n");
        assert!(c.refused.is_empty(), "{:?}", c.refused);
        assert_eq!(
            written(&c),
            pairs(&[(
                "00001_m.sql",
                "-- +goose statementbegin\nDO $$ BEGIN PERFORM 1; END $$;\n-- +goose STATEMENTEND\n"
            )])
        );
    }

    #[test]
    fn goose_envsub_is_carried_only_where_it_substitutes_nothing() {
        let c = goose("-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE t (a int);\n-- +goose envsub off\nSELECT '$HOME';\n");
        assert!(c.refused.is_empty(), "{:?}", c.refused);
        assert_eq!(
            written(&c),
            pairs(&[("00001_m.sql", "CREATE TABLE t (a int);\nSELECT '$HOME';\n")])
        );
        let c = goose("-- +goose Up\n-- +goose envsub on\nCREATE ROLE ${APP_ROLE};\n");
        refused_once(&c, "00001_m.sql:3", "ENVSUB ON` at line 2");
    }

    #[test]
    fn goose_refuses_what_goose_stops_at() {
        for (text, at, says) in [
            ("-- +goose\n", "00001_m.sql:1", "an empty `-- +goose`"),
            (
                "-- only a comment\n",
                "00001_m.sql",
                "without `-- +goose Up`",
            ),
            ("CREATE TABLE t ();\n", "00001_m.sql:1", "SQL before"),
            (
                "-- c\nSELECT 1;\n-- +goose Up\n",
                "00001_m.sql:2",
                "SQL before",
            ),
            ("-- +goose Up\n-- +goose Up\n", "00001_m.sql:2", "a second"),
            (
                "-- +goose Down\n-- +goose Up\n",
                "00001_m.sql:1",
                "must follow",
            ),
            (
                " -- +goose Up\nSELECT 1;\n",
                "00001_m.sql:1",
                "leading whitespace",
            ),
            (
                "-- +goose Up\n-- +goose Transaction off\n",
                "00001_m.sql:2",
                "Transaction off",
            ),
            (
                "-- +goose Up\n-- +goose NO  TRANSACTION\n",
                "00001_m.sql:2",
                "NO  TRANSACTION",
            ),
            (
                "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n",
                "00001_m.sql:3",
                "without its `StatementEnd`",
            ),
            (
                "-- +goose Up\nSELECT 1\n-- +goose Down\nSELECT 2;\n",
                "00001_m.sql:3",
                "missing `;`",
            ),
            ("-- +goose Up\nSELECT 1\n", "00001_m.sql:2", "missing `;`"),
        ] {
            refused_once(&goose(text), at, says);
        }
        // A comment after the semicolon still ends the statement, as in goose.
        assert!(goose("-- +goose Up\nSELECT 1; -- done\n-- +goose Down\n")
            .refused
            .is_empty());
    }
}
