//! Another tool's folder as ours: pure functions from the source files to the files to write.
//!
//! File contents stay byte-identical except where the source format forces a change: goose and
//! dbmate keep up and down in one file (their sections become our up and down files, without the
//! marker lines), and each tool's "no transaction" marker becomes our header. Versions become ours
//! through [`Tool::our_versions`], which `baseline --from-history` reads backwards.

use migrate_runtime::Tool;

/// Our header for a file that must run outside a transaction.
pub const NO_TRANSACTION: &str = "-- migrate:no-transaction\n";

/// One file of the source folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path relative to the source folder, `/`-separated (`2024_x/up.sql`).
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A file to write into our folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    /// Our file name, `{version}_{name}.sql` or `{version}_{name}.down.sql`.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The source file it came from.
    pub from: String,
    /// What was changed, if anything (e.g. "no-transaction header, from metadata.toml").
    pub change: Option<String>,
}

/// The converted folder.
#[derive(Debug, Default)]
pub struct Conversion {
    /// The files to write, up files and down files, sorted by name.
    pub files: Vec<OutFile>,
    /// Source files not converted, each with the reason.
    pub skipped: Vec<(String, String)>,
}

/// One migration as the source tool sees it, before versions are converted.
struct Found {
    version: String,
    name: String,
    up: Part,
    down: Option<Part>,
}

/// An up or down script: its bytes, its source, and whether the tool runs it outside a
/// transaction (and the marker that says so).
struct Part {
    bytes: Vec<u8>,
    from: String,
    no_transaction: Option<&'static str>,
}

impl Part {
    fn plain(bytes: Vec<u8>, from: &str) -> Self {
        Part {
            bytes,
            from: from.to_owned(),
            no_transaction: None,
        }
    }
}

/// Converts the source folder of `tool`. Pure.
pub fn convert(tool: Tool, source: &[SourceFile]) -> Conversion {
    let mut skipped = Vec::new();
    let found = match tool {
        Tool::Diesel => diesel(source, &mut skipped),
        Tool::Sqlx => flat(source, &mut skipped, sqlx_name, |f| {
            sqlx_file(f).map(|(kind, part)| vec![(kind, part)])
        }),
        Tool::Refinery => flat(source, &mut skipped, refinery_name, |f| {
            let kind = if f.path.starts_with('U') {
                Kind::Down
            } else {
                Kind::Up
            };
            Ok(vec![(kind, Part::plain(f.bytes.clone(), &f.path))])
        }),
        Tool::Flyway => flyway(source, &mut skipped),
        Tool::Goose => flat(source, &mut skipped, plain_name, |f| sections(f, &GOOSE)),
        Tool::Dbmate => flat(source, &mut skipped, plain_name, |f| sections(f, &DBMATE)),
        _ => Vec::new(),
    };
    let theirs: Vec<&str> = found.iter().map(|f| f.version.as_str()).collect();
    let ours = tool.our_versions(&theirs);
    let mut files = Vec::new();
    for (migration, version) in found.into_iter().zip(ours) {
        let Some(version) = version else {
            skipped.push((
                migration.up.from,
                format!("`{}` is not a {tool} version", migration.version),
            ));
            continue;
        };
        let stem = format!("{version}_{}", migration.name);
        files.push(out(format!("{stem}.sql"), migration.up));
        if let Some(down) = migration.down {
            files.push(out(format!("{stem}.down.sql"), down));
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    skipped.sort();
    Conversion { files, skipped }
}

fn out(name: String, part: Part) -> OutFile {
    let (bytes, change) = match part.no_transaction {
        Some(marker) => {
            let mut bytes = NO_TRANSACTION.as_bytes().to_vec();
            bytes.extend_from_slice(&part.bytes);
            (bytes, Some(format!("no-transaction header, from {marker}")))
        }
        None => (part.bytes, None),
    };
    OutFile {
        name,
        bytes,
        from: part.from,
        change,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Up,
    Down,
}

/// The folders whose migrations are single files at the top level: each file's (version, name)
/// from `name_of`, its parts from `parts`; up and down files of one version are joined.
fn flat(
    source: &[SourceFile],
    skipped: &mut Vec<(String, String)>,
    name_of: fn(&str) -> Option<(String, String)>,
    parts: impl Fn(&SourceFile) -> Result<Vec<(Kind, Part)>, String>,
) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut downs: Vec<(String, String, Part)> = Vec::new();
    for file in source {
        if file.path.contains('/') {
            skipped.push((file.path.clone(), "in a sub-folder".to_owned()));
            continue;
        }
        if !file.path.ends_with(".sql") {
            if !file.path.ends_with(".conf") {
                skipped.push((file.path.clone(), "not an SQL migration".to_owned()));
            }
            continue;
        }
        let Some((version, name)) = name_of(&file.path) else {
            skipped.push((
                file.path.clone(),
                "its name is not a migration's".to_owned(),
            ));
            continue;
        };
        match parts(file) {
            Ok(parts) => {
                for (kind, part) in parts {
                    match kind {
                        Kind::Up => found.push(Found {
                            version: version.clone(),
                            name: name.clone(),
                            up: part,
                            down: None,
                        }),
                        Kind::Down => downs.push((version.clone(), name.clone(), part)),
                    }
                }
            }
            Err(reason) => skipped.push((file.path.clone(), reason)),
        }
    }
    for (version, name, down) in downs {
        match found
            .iter_mut()
            .find(|f| f.version == version && f.name == name && f.down.is_none())
        {
            Some(up) => up.down = Some(down),
            None => skipped.push((down.from, "a down script without its up script".to_owned())),
        }
    }
    found
}

/// `{version}_{name}.sql` (goose, dbmate).
fn plain_name(path: &str) -> Option<(String, String)> {
    let stem = path.strip_suffix(".sql")?;
    let (version, name) = stem.split_once('_')?;
    (!version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty())
        .then(|| (version.to_owned(), name.to_owned()))
}

/// sqlx: `{version}_{name}.sql`, `.up.sql`, `.down.sql`.
fn sqlx_name(path: &str) -> Option<(String, String)> {
    let stem = path
        .strip_suffix(".up.sql")
        .or_else(|| path.strip_suffix(".down.sql"))
        .unwrap_or(path);
    plain_name(&format!("{}.sql", stem.trim_end_matches(".sql")))
}

fn sqlx_file(file: &SourceFile) -> Result<(Kind, Part), String> {
    let kind = if file.path.ends_with(".down.sql") {
        Kind::Down
    } else {
        Kind::Up
    };
    // sqlx: a script starting with `-- no-transaction` runs outside a transaction.
    const MARKER: &[u8] = b"-- no-transaction";
    let mut part = Part::plain(file.bytes.clone(), &file.path);
    if let Some(rest) = file.bytes.strip_prefix(MARKER) {
        let rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .unwrap_or(rest);
        part.bytes = rest.to_vec();
        part.no_transaction = Some("sqlx's `-- no-transaction`");
    }
    Ok((kind, part))
}

/// refinery: `V{version}__{name}.sql` (and `U` for unversioned ones, which refinery also orders
/// by their number).
fn refinery_name(path: &str) -> Option<(String, String)> {
    flyway_name(path).filter(|(version, _)| version.bytes().all(|b| b.is_ascii_digit()))
}

/// `V{version}__{name}.sql` or `U...`; the version is checked by [`Tool::our_versions`].
fn flyway_name(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix(['V', 'U'])?.strip_suffix(".sql")?;
    let (version, name) = rest.split_once("__")?;
    (!version.is_empty() && !name.is_empty()).then(|| (version.to_owned(), name.to_owned()))
}

/// Flyway: `V{version}__{description}.sql`, its undo `U{version}__{description}.sql`, and a
/// `{file}.conf` beside it whose `executeInTransaction=false` means no transaction. Repeatable
/// `R__` scripts have no version and no place in an ordered history.
fn flyway(source: &[SourceFile], skipped: &mut Vec<(String, String)>) -> Vec<Found> {
    let conf_says_no_transaction = |path: &str| {
        source.iter().any(|f| {
            f.path == format!("{path}.conf")
                && String::from_utf8_lossy(&f.bytes)
                    .lines()
                    .any(|l| l.replace(' ', "") == "executeInTransaction=false")
        })
    };
    let found = flat(source, skipped, flyway_name, |f| {
        let kind = if f.path.starts_with('U') {
            Kind::Down
        } else {
            Kind::Up
        };
        let mut part = Part::plain(f.bytes.clone(), &f.path);
        if conf_says_no_transaction(&f.path) {
            part.no_transaction = Some("`executeInTransaction=false` in its .conf");
        }
        Ok(vec![(kind, part)])
    });
    for (path, reason) in skipped.iter_mut() {
        if path.starts_with("R__") {
            *reason = "a repeatable migration: rerun on change, it has no version".to_owned();
        }
    }
    found
}

/// A marker line of a sectioned file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// The up section starts; `true`: outside a transaction.
    Up(bool),
    /// The down section starts; `true`: outside a transaction.
    Down(bool),
    /// The whole file runs outside a transaction.
    NoTransaction,
    /// A comment the tool reads that stays as it is (goose's StatementBegin/End).
    Keep,
}

/// How a tool marks the sections of its files.
struct Sectioned {
    /// What starts a marker line.
    prefix: &'static str,
    /// Reads what follows the prefix.
    marker: fn(&str) -> Option<Marker>,
    /// The up marker, for the message when it is missing.
    up: &'static str,
    /// The no-transaction marker, for the report.
    no_transaction: &'static str,
}

const GOOSE: Sectioned = Sectioned {
    prefix: "-- +goose ",
    marker: goose_marker,
    up: "-- +goose Up",
    no_transaction: "goose's `-- +goose NO TRANSACTION`",
};

const DBMATE: Sectioned = Sectioned {
    prefix: "-- migrate:",
    marker: dbmate_marker,
    up: "-- migrate:up",
    no_transaction: "dbmate's `transaction:false`",
};

fn goose_marker(rest: &str) -> Option<Marker> {
    match rest.trim() {
        "Up" => Some(Marker::Up(false)),
        "Down" => Some(Marker::Down(false)),
        "NO TRANSACTION" => Some(Marker::NoTransaction),
        _ => Some(Marker::Keep),
    }
}

fn dbmate_marker(rest: &str) -> Option<Marker> {
    let mut words = rest.split_whitespace();
    let section = words.next()?;
    let no_transaction = words.any(|w| w == "transaction:false");
    match section {
        "up" => Some(Marker::Up(no_transaction)),
        "down" => Some(Marker::Down(no_transaction)),
        _ => None,
    }
}

/// Splits a goose or dbmate file at its marker lines into the up and down parts. The
/// lines before the up marker stay at the top of the up part; marker lines are dropped.
fn sections(file: &SourceFile, how: &Sectioned) -> Result<Vec<(Kind, Part)>, String> {
    let text = std::str::from_utf8(&file.bytes)
        .map_err(|_| "not UTF-8 text (save it as UTF-8)".to_owned())?;
    let mut up: Vec<u8> = Vec::new();
    let mut down: Vec<u8> = Vec::new();
    let (mut up_nt, mut down_nt, mut file_nt) = (false, false, false);
    let mut current = None;
    let mut seen_up = false;
    for line in text.split_inclusive('\n') {
        let read = line
            .trim_end_matches(['\n', '\r'])
            .trim_end()
            .strip_prefix(how.prefix)
            .and_then(how.marker);
        match read {
            Some(Marker::Up(nt)) => {
                current = Some(Kind::Up);
                seen_up = true;
                up_nt |= nt;
            }
            Some(Marker::Down(nt)) => {
                current = Some(Kind::Down);
                down_nt |= nt;
            }
            Some(Marker::NoTransaction) => file_nt = true,
            Some(Marker::Keep) | None => match current {
                Some(Kind::Down) => down.extend_from_slice(line.as_bytes()),
                _ => up.extend_from_slice(line.as_bytes()),
            },
        }
    }
    if !seen_up {
        return Err(format!("no `{}` section", how.up));
    }
    let part = |bytes: Vec<u8>, nt: bool| Part {
        bytes,
        from: file.path.clone(),
        no_transaction: nt.then_some(how.no_transaction),
    };
    let mut parts = vec![(Kind::Up, part(up, up_nt || file_nt))];
    if !String::from_utf8_lossy(&down).trim().is_empty() {
        parts.push((Kind::Down, part(down, down_nt || file_nt)));
    }
    Ok(parts)
}

/// diesel: `{version}_{name}/up.sql`, `down.sql`, and `metadata.toml` whose
/// `run_in_transaction = false` means no transaction for both.
fn diesel(source: &[SourceFile], skipped: &mut Vec<(String, String)>) -> Vec<Found> {
    let mut folders: Vec<&str> = source
        .iter()
        .filter_map(|f| f.path.split_once('/').map(|(dir, _)| dir))
        .collect();
    folders.dedup();
    for file in source.iter().filter(|f| !f.path.contains('/')) {
        skipped.push((file.path.clone(), "not in a migration folder".to_owned()));
    }
    let mut found = Vec::new();
    for folder in folders {
        let get = |name: &str| source.iter().find(|f| f.path == format!("{folder}/{name}"));
        let Some((version, name)) = folder.split_once('_').filter(|(v, n)| {
            !v.is_empty() && !n.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        }) else {
            skipped.push((
                format!("{folder}/"),
                "its name is not `{version}_{name}`".to_owned(),
            ));
            continue;
        };
        let Some(up) = get("up.sql") else {
            skipped.push((format!("{folder}/"), "it has no up.sql".to_owned()));
            continue;
        };
        let no_transaction = get("metadata.toml").is_some_and(|m| {
            String::from_utf8_lossy(&m.bytes).lines().any(|l| {
                l.split('#').next().unwrap_or("").replace(' ', "") == "run_in_transaction=false"
            })
        });
        let part = |f: &SourceFile| Part {
            bytes: f.bytes.clone(),
            from: f.path.clone(),
            no_transaction: no_transaction
                .then_some("`run_in_transaction = false` in metadata.toml"),
        };
        for other in source.iter().filter(|f| {
            f.path.starts_with(&format!("{folder}/"))
                && !["up.sql", "down.sql", "metadata.toml"]
                    .iter()
                    .any(|n| f.path == format!("{folder}/{n}"))
        }) {
            skipped.push((other.path.clone(), "not a diesel migration file".to_owned()));
        }
        found.push(Found {
            version: version.to_owned(),
            name: name.to_owned(),
            up: part(up),
            down: get("down.sql").map(part),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(files: &[(&str, &str)]) -> Vec<SourceFile> {
        files
            .iter()
            .map(|(path, text)| SourceFile {
                path: (*path).to_owned(),
                bytes: text.as_bytes().to_vec(),
            })
            .collect()
    }

    fn written(conversion: &Conversion) -> Vec<(String, String)> {
        conversion
            .files
            .iter()
            .map(|f| (f.name.clone(), String::from_utf8(f.bytes.clone()).unwrap()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn sqlx_files_are_renamed_and_its_marker_becomes_our_header() {
        let c = convert(
            Tool::Sqlx,
            &source(&[
                ("20240101000000_users.up.sql", "CREATE TABLE users ();\n"),
                ("20240101000000_users.down.sql", "DROP TABLE users;\n"),
                (
                    "20240102000000_index.sql",
                    "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON users ();\n",
                ),
                ("README.md", "notes"),
            ]),
        );
        assert_eq!(
            written(&c),
            pairs(&[
                ("20240101000000_users.down.sql", "DROP TABLE users;\n"),
                ("20240101000000_users.sql", "CREATE TABLE users ();\n"),
                (
                    "20240102000000_index.sql",
                    "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON users ();\n"
                ),
            ])
        );
        assert_eq!(
            c.skipped,
            [("README.md".to_owned(), "not an SQL migration".to_owned())]
        );
    }

    #[test]
    fn diesel_folders_become_files_and_metadata_becomes_the_header() {
        let c = convert(
            Tool::Diesel,
            &source(&[
                ("2017-08-31-230457_invitations/up.sql", "CREATE TABLE i ();"),
                ("2017-08-31-230457_invitations/down.sql", "DROP TABLE i;"),
                (
                    "2017-09-01-000000_idx/up.sql",
                    "CREATE INDEX CONCURRENTLY x ON i ();",
                ),
                (
                    "2017-09-01-000000_idx/metadata.toml",
                    "run_in_transaction = false\n",
                ),
                ("data.sql", "SELECT 1;"),
            ]),
        );
        assert_eq!(
            written(&c),
            pairs(&[
                ("20170831230457_invitations.down.sql", "DROP TABLE i;"),
                ("20170831230457_invitations.sql", "CREATE TABLE i ();"),
                (
                    "20170901000000_idx.sql",
                    "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY x ON i ();"
                ),
            ])
        );
        assert_eq!(c.skipped[0].0, "data.sql");
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
        assert_eq!(
            c.skipped,
            [("00004_x.go".to_owned(), "not an SQL migration".to_owned())]
        );
    }

    #[test]
    fn dbmate_sections_and_their_transaction_option() {
        let c = convert(
            Tool::Dbmate,
            &source(&[
                ("20200101000000_t.sql", "-- migrate:up\nCREATE TABLE t (a int);\n\n-- migrate:down\nDROP TABLE t;\n"),
                ("20200102000000_i.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\n"),
                ("20200103000000_bad.sql", "CREATE TABLE u ();\n"),
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
        assert_eq!(
            c.skipped,
            [(
                "20200103000000_bad.sql".to_owned(),
                "no `-- migrate:up` section".to_owned()
            )]
        );
    }

    #[test]
    fn refinery_and_flyway_names_and_undo_files() {
        let c = convert(
            Tool::Refinery,
            &source(&[
                ("V1__init.sql", "CREATE TABLE a ();"),
                ("V2__more.rs", "fn x() {}"),
            ]),
        );
        assert_eq!(written(&c), pairs(&[("1_init.sql", "CREATE TABLE a ();")]));
        let c = convert(
            Tool::Flyway,
            &source(&[
                ("V1__Create_a.sql", "CREATE TABLE a ();"),
                ("U1__Create_a.sql", "DROP TABLE a;"),
                ("V1.1__Index.sql", "CREATE INDEX CONCURRENTLY i ON a ();"),
                ("V1.1__Index.sql.conf", "executeInTransaction=false\n"),
                ("R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;"),
            ]),
        );
        assert_eq!(
            written(&c),
            pairs(&[
                ("10_Create_a.down.sql", "DROP TABLE a;"),
                ("10_Create_a.sql", "CREATE TABLE a ();"),
                (
                    "11_Index.sql",
                    "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON a ();"
                ),
            ])
        );
        assert_eq!(c.skipped[0].0, "R__views.sql");
        assert!(c.skipped[0].1.contains("repeatable"));
    }
}
