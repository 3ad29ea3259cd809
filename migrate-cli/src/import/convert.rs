//! Another tool's folder as ours: pure functions from the source files to the files to write.
//!
//! Each tool's files are read as the tool itself reads them (its file names, its markers, its
//! per-migration configuration; the rules, and the tool source each follows, are in
//! `docs/guide/import-rules.md`). File contents stay byte-identical except where the source
//! format forces a change: goose and dbmate keep up and down in one file (their sections become
//! our up and down files, without the marker lines), and each tool's "no transaction" marker
//! becomes our header. What a tool would run that we cannot carry over is refused, file by file,
//! rather than guessed. Versions become ours through [`Tool::our_versions`], which `baseline
//! --from-history` reads backwards.

use migrate_runtime::Tool;

use super::source::{Kind, Named, Part, Refuse, SourceFile};
use super::{dbmate, flyway, goose};

/// Our header for a file that must run outside a transaction.
pub const NO_TRANSACTION: &str = "-- migrate:no-transaction\n";

/// A file to write into our folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    /// Our file name, `{version}_{name}.sql`, `{version}_{name}.down.sql` or `R__{name}.sql`.
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
    /// Source files that are not migrations to the tool (it ignores them), each with the reason.
    pub skipped: Vec<(String, String)>,
    /// What the tool would run (or stop at) that cannot be carried over: `path` or `path:line`,
    /// what is wrong and what to do. Any refusal stops the import before anything is written.
    pub refused: Vec<(String, String)>,
}

/// One migration as the source tool sees it, before versions are converted.
struct Found {
    version: String,
    name: String,
    up: Part,
    down: Option<Part>,
}

/// Converts the source folder of `tool`. Pure.
pub fn convert(tool: Tool, source: &[SourceFile]) -> Conversion {
    let mut conversion = Conversion::default();
    let found = match tool {
        Tool::Diesel => diesel(source, &mut conversion),
        Tool::Sqlx => flat(source, &mut conversion, false, sqlx_name, sqlx_file),
        Tool::Refinery => flat(source, &mut conversion, true, refinery_name, |f| {
            // refinery's `U` prefix is "unversioned" (applied even below the newest applied
            // version), not undo: both are up migrations, always run in a transaction
            // (refinery_core/src/runner.rs `Type`, drivers/postgres.rs `execute`).
            Ok(vec![(Kind::Up, Part::plain(f))])
        }),
        Tool::Flyway => flat(source, &mut conversion, true, flyway::name, |f| {
            flyway::file(f, source)
        }),
        Tool::Goose => flat(source, &mut conversion, false, goose::name, goose::file),
        Tool::Dbmate => flat(source, &mut conversion, false, dbmate::name, dbmate::file),
        _ => Vec::new(),
    };
    let theirs: Vec<&str> = found.iter().map(|f| f.version.as_str()).collect();
    let ours = tool.our_versions(&theirs);
    for (migration, version) in found.into_iter().zip(ours) {
        let Some(version) = version else {
            conversion.refused.push((
                migration.up.from,
                format!(
                    "`{}` is not a {tool} version we can order (digits, or Flyway's dotted \
                     digits)",
                    migration.version
                ),
            ));
            continue;
        };
        let stem = format!("{version}_{}", migration.name);
        conversion
            .files
            .push(out(format!("{stem}.sql"), migration.up));
        if let Some(down) = migration.down {
            conversion.files.push(out(format!("{stem}.down.sql"), down));
        }
    }
    conversion.files.sort_by(|a, b| a.name.cmp(&b.name));
    conversion.skipped.sort();
    conversion.refused.sort();
    conversion
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

/// `path` or `path:line`.
fn location(path: &str, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{path}:{line}"),
        None => path.to_owned(),
    }
}

/// The folders whose migrations are single files: each file's version and name from `name_of`
/// (given the file name), its parts from `parts`; up and down files of one version are joined.
/// `nested`: the tool also reads the folder's sub-folders (refinery, Flyway).
fn flat(
    source: &[SourceFile],
    conversion: &mut Conversion,
    nested: bool,
    name_of: fn(&str) -> Named,
    parts: impl Fn(&SourceFile) -> Result<Vec<(Kind, Part)>, Refuse>,
) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut downs: Vec<(String, String, Part)> = Vec::new();
    for file in source {
        let (folder, file_name) = match file.path.rsplit_once('/') {
            Some((folder, name)) => (Some(folder), name),
            None => (None, file.path.as_str()),
        };
        if folder.is_some() && !nested {
            conversion.skipped.push((
                file.path.clone(),
                "in a sub-folder, which the tool does not read".to_owned(),
            ));
            continue;
        }
        let (version, name) = match name_of(file_name) {
            Named::Migration(version, name) => (version, name),
            Named::Repeatable(name) => {
                repeatable(file, name, &parts, conversion);
                continue;
            }
            Named::Companion => continue,
            Named::Ignored(reason) => {
                conversion.skipped.push((file.path.clone(), reason));
                continue;
            }
            Named::Refused(reason) => {
                conversion.refused.push((file.path.clone(), reason));
                continue;
            }
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
            Err(refuse) => conversion.refused.push((
                location(refuse.path.as_deref().unwrap_or(&file.path), refuse.line),
                refuse.reason,
            )),
        }
    }
    for (version, name, down) in downs {
        match found
            .iter_mut()
            .find(|f| f.version == version && f.name == name && f.down.is_none())
        {
            Some(up) => up.down = Some(down),
            None => conversion
                .skipped
                .push((down.from, "a down script without its up script".to_owned())),
        }
    }
    found
}

/// A repeatable migration, copied as ours (`R__{name}.sql`), or refused when the tool runs it
/// outside a transaction (ours runs in one, with its record).
fn repeatable(
    file: &SourceFile,
    name: String,
    parts: impl Fn(&SourceFile) -> Result<Vec<(Kind, Part)>, Refuse>,
    conversion: &mut Conversion,
) {
    match parts(file) {
        Ok(parts) => {
            for (_, part) in parts {
                match &part.no_transaction {
                    Some(marker) => conversion.refused.push((
                        file.path.clone(),
                        format!(
                            "a repeatable migration run outside a transaction ({marker}); ours \
                             runs in one transaction with its record: move the statements that \
                             need none into a versioned migration and remove the setting"
                        ),
                    )),
                    None => conversion.files.push(out(format!("R__{name}.sql"), part)),
                }
            }
        }
        Err(refuse) => conversion.refused.push((
            location(refuse.path.as_deref().unwrap_or(&file.path), refuse.line),
            refuse.reason,
        )),
    }
}

/// sqlx: `{version}_{description}.sql`, `.up.sql`, `.down.sql`. sqlx splits the name at its
/// first `_`, ignores a file whose rest does not end in `.sql`, and stops at one whose version
/// is not an `i64` (sqlx-core/src/migrate/source.rs `resolve_blocking_with_config`).
fn sqlx_name(file_name: &str) -> Named {
    let Some((version, rest)) = file_name
        .split_once('_')
        .filter(|(_, rest)| rest.ends_with(".sql"))
    else {
        return Named::Ignored("sqlx ignores it: not `{version}_{description}.sql`".to_owned());
    };
    if version.parse::<i64>().is_err() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Named::Refused(format!(
            "sqlx stops at it: `{version}` is not a version (an integer); name it \
             `{{version}}_{rest}`"
        ));
    }
    // Ours drops every trailing `.sql` (`x.sql.up.sql` -> `x`, a docs.rs file).
    let name = rest
        .strip_suffix(".up.sql")
        .or_else(|| rest.strip_suffix(".down.sql"))
        .unwrap_or(rest)
        .trim_end_matches(".sql");
    if name.is_empty() {
        return Named::Refused(format!(
            "it has no description, which our name needs: name it `{version}_{{description}}.sql` \
             (sqlx then records another description: baseline ours from its history first)"
        ));
    }
    Named::Migration(version.to_owned(), name.to_owned())
}

/// sqlx runs a script outside a transaction when its text starts with `-- no-transaction`:
/// exactly, at its first byte, in that case (`sql.starts_with("-- no-transaction")` in
/// sqlx-core/src/migrate/source.rs). That whole first line is a comment; it becomes our header.
fn sqlx_file(file: &SourceFile) -> Result<Vec<(Kind, Part)>, Refuse> {
    const MARKER: &[u8] = b"-- no-transaction";
    let kind = if file.path.ends_with(".down.sql") {
        Kind::Down
    } else {
        Kind::Up
    };
    let mut part = Part::plain(file);
    if file.bytes.starts_with(MARKER) {
        let rest = match file.bytes.iter().position(|&b| b == b'\n') {
            Some(end) => &file.bytes[end + 1..],
            None => &[],
        };
        part.bytes = rest.to_vec();
        part.no_transaction = Some("sqlx's `-- no-transaction`".to_owned());
    }
    Ok(vec![(kind, part)])
}

/// refinery: `^[UV](\d+(\.\d+)?)__(\w+)\.sql$` anywhere under the folder; other names are
/// ignored, a dotted version is an error, and `.rs` migrations are code
/// (refinery_core/src/util.rs `STEM_RE`, `parse_migration_name`, `find_migration_files`).
fn refinery_name(file_name: &str) -> Named {
    let parsed = file_name.strip_prefix(['V', 'U']).and_then(|rest| {
        let (stem, rust) = match rest.strip_suffix(".sql") {
            Some(stem) => (stem, false),
            None => (rest.strip_suffix(".rs")?, true),
        };
        let (version, name) = stem.split_once("__")?;
        let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        let numbers = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let dotted = version
            .split_once('.')
            .is_some_and(|(a, b)| numbers(a) && numbers(b));
        ((numbers(version) || dotted) && word(name)).then_some((version, name, rust))
    });
    match parsed {
        None => Named::Ignored(
            "refinery ignores it: not `V{version}__{name}.sql` (name of letters, digits and `_`)"
                .to_owned(),
        ),
        Some((_, _, true)) => Named::Refused(format!(
            "a Rust migration: refinery runs the SQL its code returns, which is not in the \
             file; replace it with `{}.sql` holding that SQL (refinery's checksum is of the \
             version, name and SQL, so it stays the same)",
            file_name.trim_end_matches(".rs")
        )),
        Some((version, _, false)) if version.parse::<i64>().is_err() => Named::Refused(format!(
            "refinery stops at it: version `{version}` is not an integer"
        )),
        Some((version, name, false)) => Named::Migration(version.to_owned(), name.to_owned()),
    }
}

/// A diesel `metadata.toml` as diesel reads it: TOML with a `run_in_transaction` boolean that
/// defaults to `false` when the file parses without it, while a file that does not parse is
/// ignored (transaction) (migrations_internals `TomlMetadata`, `#[serde(default)]`, read with
/// `unwrap_or_default()` in file_based_migrations.rs and embed_migrations.rs).
#[derive(serde::Deserialize)]
struct DieselMetadata {
    #[serde(default)]
    run_in_transaction: bool,
}

/// diesel: every sub-folder holding a file is a migration and must hold `up.sql`; the version
/// is the folder name up to its first `_` without dashes; `metadata.toml` says whether both
/// scripts run in a transaction (diesel_migrations/src/file_based_migrations.rs,
/// migrations_internals `migrations_directories`, `version_from_string`).
fn diesel(source: &[SourceFile], conversion: &mut Conversion) -> Vec<Found> {
    let mut folders: Vec<&str> = source
        .iter()
        .filter_map(|f| f.path.split_once('/').map(|(dir, _)| dir))
        .collect();
    folders.dedup();
    for file in source.iter().filter(|f| !f.path.contains('/')) {
        conversion.skipped.push((
            file.path.clone(),
            "not in a migration folder (diesel reads only folders)".to_owned(),
        ));
    }
    let mut found = Vec::new();
    for folder in folders {
        let get = |name: &str| source.iter().find(|f| f.path == format!("{folder}/{name}"));
        let mut refuse = |reason: String| conversion.refused.push((format!("{folder}/"), reason));
        let Some((version, name)) = folder
            .split_once('_')
            .filter(|(v, n)| !v.is_empty() && !n.is_empty())
        else {
            refuse(format!(
                "no `_{{name}}` after the version: name the folder `{folder}_{{name}}` (diesel \
                 records only the version, so this changes nothing for diesel)"
            ));
            continue;
        };
        let Some(up) = get("up.sql") else {
            refuse("diesel stops at a migration folder without `up.sql`: add it".to_owned());
            continue;
        };
        if up.bytes.is_empty() {
            refuse(
                "diesel stops at an empty `up.sql` (EmptyMigration), so no database it migrated \
                 got past it: write the SQL it was meant to run, or remove the folder"
                    .to_owned(),
            );
            continue;
        }
        let metadata = get("metadata.toml")
            .and_then(|m| std::str::from_utf8(&m.bytes).ok())
            .and_then(|m| toml::from_str::<DieselMetadata>(m).ok());
        let no_transaction = metadata
            .filter(|m| !m.run_in_transaction)
            .map(|_| "metadata.toml (diesel's `run_in_transaction`, false when unset)".to_owned());
        let part = |f: &SourceFile| Part {
            no_transaction: no_transaction.clone(),
            ..Part::plain(f)
        };
        for other in source.iter().filter(|f| {
            f.path.starts_with(&format!("{folder}/"))
                && !["up.sql", "down.sql", "metadata.toml"]
                    .iter()
                    .any(|n| f.path == format!("{folder}/{n}"))
        }) {
            conversion.skipped.push((
                other.path.clone(),
                "diesel reads only up.sql, down.sql and metadata.toml".to_owned(),
            ));
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
pub(super) mod tests {
    use super::*;

    pub fn source(files: &[(&str, &str)]) -> Vec<SourceFile> {
        files
            .iter()
            .map(|(path, text)| SourceFile {
                path: (*path).to_owned(),
                bytes: text.as_bytes().to_vec(),
            })
            .collect()
    }

    pub fn written(conversion: &Conversion) -> Vec<(String, String)> {
        conversion
            .files
            .iter()
            .map(|f| (f.name.clone(), String::from_utf8(f.bytes.clone()).unwrap()))
            .collect()
    }

    pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    /// The one refusal of `c`: its location, and whether its reason holds `says`.
    pub fn refused_once(c: &Conversion, at: &str, says: &str) {
        assert_eq!(c.refused.len(), 1, "{:?}", c.refused);
        assert_eq!(c.refused[0].0, at, "{:?}", c.refused);
        assert!(c.refused[0].1.contains(says), "{:?}", c.refused);
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
                ("sub/3_x.sql", "SELECT 1;"),
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
        let skipped: Vec<&str> = c.skipped.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(skipped, ["README.md", "sub/3_x.sql"]);
        assert!(c.refused.is_empty());
    }

    #[test]
    fn sqlx_reads_its_marker_as_a_prefix_of_the_first_byte_only() {
        let c = convert(
            Tool::Sqlx,
            &source(&[
                // A prefix: the rest of the line is part of the comment.
                (
                    "1_a.sql",
                    "-- no-transaction: concurrently\r\nCREATE INDEX CONCURRENTLY a ON t (x);\r\n",
                ),
                // Not at the first byte, or another case: sqlx runs it in a transaction.
                ("2_b.sql", "\n-- no-transaction\nSELECT 1;\n"),
                ("3_c.sql", "-- No-Transaction\nSELECT 1;\n"),
                (
                    "4_d.down.sql",
                    "-- no-transaction\nDROP INDEX CONCURRENTLY a;",
                ),
                ("4_d.up.sql", "SELECT 1;"),
            ]),
        );
        assert_eq!(
            written(&c),
            pairs(&[
                (
                    "1_a.sql",
                    "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY a ON t (x);\r\n"
                ),
                ("2_b.sql", "\n-- no-transaction\nSELECT 1;\n"),
                ("3_c.sql", "-- No-Transaction\nSELECT 1;\n"),
                (
                    "4_d.down.sql",
                    "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY a;"
                ),
                ("4_d.sql", "SELECT 1;"),
            ])
        );
    }

    #[test]
    fn sqlx_stops_at_a_version_that_is_not_an_integer_and_ignores_other_names() {
        let c = convert(
            Tool::Sqlx,
            &source(&[
                ("v1_init.sql", "SELECT 1;"),
                ("notes.sql", "SELECT 1;"),
                ("1_ok.sql", "SELECT 1;"),
            ]),
        );
        refused_once(&c, "v1_init.sql", "sqlx stops at it");
        assert_eq!(c.skipped[0].0, "notes.sql");
        assert_eq!(c.files.len(), 1);
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
    fn diesel_metadata_is_read_as_toml_with_diesels_defaults() {
        let no_tx = |metadata: &str| {
            let c = convert(
                Tool::Diesel,
                &source(&[
                    ("1_a/up.sql", "SELECT 1;"),
                    ("1_a/down.sql", "SELECT 2;"),
                    ("1_a/metadata.toml", metadata),
                ]),
            );
            assert!(c.refused.is_empty(), "{:?}", c.refused);
            let headers: Vec<bool> = c
                .files
                .iter()
                .map(|f| f.bytes.starts_with(NO_TRANSACTION.as_bytes()))
                .collect();
            assert_eq!(headers[0], headers[1], "up and down alike");
            headers[0]
        };
        assert!(no_tx("run_in_transaction=false"));
        assert!(no_tx("# comment\nrun_in_transaction   =   false # why\n"));
        // Parsed without the key: serde's default, false.
        assert!(no_tx(""));
        assert!(no_tx("other = 1\n"));
        assert!(!no_tx("run_in_transaction = true"));
        // Not TOML, or not a boolean: diesel ignores the file and uses a transaction.
        assert!(!no_tx("run_in_transaction = \"false\""));
        assert!(!no_tx("run_in_transaction: false"));
    }

    #[test]
    fn diesel_folders_it_stops_at_are_refused() {
        let c = convert(Tool::Diesel, &source(&[("1_a/down.sql", "SELECT 1;")]));
        refused_once(&c, "1_a/", "without `up.sql`");
        let c = convert(Tool::Diesel, &source(&[("1_a/up.sql", "")]));
        refused_once(&c, "1_a/", "empty `up.sql`");
        let c = convert(Tool::Diesel, &source(&[("20240101/up.sql", "SELECT 1;")]));
        refused_once(&c, "20240101/", "name the folder `20240101_{name}`");
    }

    #[test]
    fn refinery_names_unversioned_files_and_rust_migrations() {
        let c = convert(
            Tool::Refinery,
            &source(&[
                ("V1__init.sql", "CREATE TABLE a ();"),
                ("nested/V2__more.sql", "CREATE TABLE b ();"),
                ("U3__late.sql", "CREATE TABLE c ();"),
                ("V4__with-dash.sql", "SELECT 1;"),
                ("V5__code.rs", "fn migration() -> String { String::new() }"),
            ]),
        );
        assert_eq!(
            written(&c),
            pairs(&[
                ("1_init.sql", "CREATE TABLE a ();"),
                ("2_more.sql", "CREATE TABLE b ();"),
                ("3_late.sql", "CREATE TABLE c ();"),
            ])
        );
        refused_once(&c, "V5__code.rs", "a Rust migration");
        assert_eq!(c.skipped[0].0, "V4__with-dash.sql");
        let c = convert(Tool::Refinery, &source(&[("V1.1__x.sql", "SELECT 1;")]));
        refused_once(&c, "V1.1__x.sql", "not an integer");
    }
}
