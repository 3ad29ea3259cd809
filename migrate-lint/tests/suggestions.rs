//! Every help line is right: the SQL a help line suggests parses with PostgreSQL's parser.
//!
//! Every finding of every test folder of the repository (`tests/migrations/*`,
//! `ui-tests/migrations/*`, the real corpora of `tests/corpus`, and `tests/quoting` here, whose
//! names need quotes) is checked: the spans between
//! backticks in its help that are SQL (they start with a statement's or an `ALTER TABLE`
//! sub-command's keyword) must parse. A suggestion may leave out what the user's statement
//! already says with `...` and name what the user chooses with `<name>`: the test fills those
//! gaps with the smallest SQL that fits, and the span must parse with one of the fillings.

use std::fs;
use std::path::{Path, PathBuf};

use migrate_lint::check_entries;
use migrate_lint::discover::{Entry, EntryKind};

/// The folders the repository checks: each holds migrations, directly or (the corpora in their
/// projects' layouts) in sub-folders.
fn folders() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut folders = Vec::new();
    for parent in ["tests/migrations", "ui-tests/migrations"] {
        let mut found: Vec<PathBuf> = fs::read_dir(root.join(parent))
            .unwrap_or_else(|e| panic!("{parent}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        found.sort();
        folders.extend(found);
    }
    let mut corpora: Vec<PathBuf> = fs::read_dir(root.join("tests/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path().join("migrations"))
        .filter(|p| p.is_dir())
        .collect();
    corpora.sort();
    folders.extend(corpora);
    folders.push(root.join("migrate-lint/tests/quoting"));
    assert!(folders.len() > 20, "the test folders are missing");
    folders
}

/// A folder's entries in this project's layout: diesel's `{version}_{name}/up.sql` and
/// `down.sql` become `{digits}_{name}.sql` and `.down.sql`, sqlx's `.up.sql` becomes `.sql`;
/// everything else is kept as it is (the checker reports what is wrong with it).
fn entries(folder: &Path) -> Vec<Entry> {
    let file = |name: String, path: PathBuf| Entry {
        kind: EntryKind::File(fs::read(&path).map_err(|e| e.to_string())),
        name,
        path,
    };
    let mut entries = Vec::new();
    for entry in fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let Some((version, rest)) = name.split_once('_') else {
                continue;
            };
            if !path.join("up.sql").is_file() {
                // A sub-folder of a migration folder: leave it to the checker.
                entries.push(Entry {
                    name,
                    path,
                    kind: EntryKind::Folder { holds_sql: false },
                });
                continue;
            }
            let digits: String = version.chars().filter(char::is_ascii_digit).collect();
            entries.push(file(format!("{digits}_{rest}.sql"), path.join("up.sql")));
            if path.join("down.sql").is_file() {
                entries.push(file(
                    format!("{digits}_{rest}.down.sql"),
                    path.join("down.sql"),
                ));
            }
        } else {
            let name = match name.strip_suffix(".up.sql") {
                Some(stem) => format!("{stem}.sql"),
                None => name,
            };
            entries.push(file(name, path));
        }
    }
    entries
}

/// The spans between backticks of a help line.
fn spans(help: &str) -> Vec<&str> {
    help.split('`').skip(1).step_by(2).collect()
}

/// The keywords that start a statement a help line suggests.
const STATEMENT: &[&str] = &[
    "ALTER", "CREATE", "DO", "DROP", "INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "SET",
    "REFRESH", "CLUSTER", "VACUUM",
];

/// The keywords that start an `ALTER TABLE` sub-command a help line suggests.
const SUBCOMMAND: &[&str] = &["ADD", "DROP", "ALTER", "VALIDATE", "RENAME"];

/// What may stand for a `...` in a suggestion, or follow it: nothing, or the smallest SQL that
/// completes a statement of some kind.
const REST: &[&str] = &[
    "",
    "(a int)",
    "(a)",
    "(a > 0)",
    "ON t (a)",
    "AS SELECT 1",
    "int",
    "t",
    "1",
    "(a) REFERENCES b (a)",
    "CHECK (a > 0)",
    "VALUES (1)",
    "USING (true)",
    "() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "AS ON INSERT TO t DO NOTHING",
    "BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
    "TO b",
    "a = 1",
];

/// Whether a suggestion parses as a statement or an `ALTER TABLE` sub-command, each `<name>` in
/// it read as a name, each `...` as one of [`REST`], and one of [`REST`] after it (a suggestion
/// may give the head of a statement only: `CREATE TABLE IF NOT EXISTS users`).
fn parses(span: &str) -> bool {
    let mut text = String::new();
    let mut rest = span;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        text.push_str(&rest[..open]);
        text.push_str("placeholder");
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    let inner: &[&str] = if text.contains("...") { REST } else { &[""] };
    inner.iter().any(|inner| {
        let body = text.replace("...", inner);
        REST.iter().any(|tail| {
            let sql = format!("{body} {tail}");
            pg_query::parse(&sql, 0).is_ok()
                || pg_query::parse(&format!("ALTER TABLE t {sql}"), 0).is_ok()
        })
    })
}

#[test]
fn every_sql_a_help_line_suggests_parses() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for folder in folders() {
        let display = folder.display().to_string();
        let outcome = check_entries(&display, entries(&folder));
        for d in &outcome.diagnostics {
            for span in spans(&d.help) {
                let first = span.split_whitespace().next().unwrap_or("");
                let words = span.split_whitespace().count();
                if words < 2 || !(STATEMENT.contains(&first) || SUBCOMMAND.contains(&first)) {
                    continue;
                }
                checked += 1;
                if !parses(span) {
                    wrong.push(format!("{}: [{}] `{span}`", d.location(), d.rule));
                }
            }
        }
    }
    println!("{checked} suggested statements parsed");
    assert!(checked > 100, "only {checked} suggestions found");
    assert!(
        wrong.is_empty(),
        "{} suggestions do not parse:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
