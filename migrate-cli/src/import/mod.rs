//! `migrate import --from TOOL SRC --dir DIR`: another tool's folder converted into ours, checked
//! with the build's checker before anything is written, with a `migrate.toml` whose
//! `legacy_until` is the newest imported version, so that the project builds on day one.
//!
//! The conversion is pure ([`convert`], each tool's files read as the tool reads them); [`plan`]
//! adds what the checker says about scripts the tool runs outside a transaction by itself
//! (Flyway) and about down scripts that could never have run as written; [`import`] reads and
//! writes, or refuses, file by file, what cannot be carried over.

mod convert;
mod dbmate;
mod flyway;
mod goose;
mod source;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use migrate_lint::discover::{Entry, EntryKind};
use migrate_lint::{check_entries, Outcome, CONFIG_FILE};
use migrate_runtime::Tool;

use crate::failure::Failure;
use convert::{Conversion, OutFile, NO_TRANSACTION};
use source::SourceFile;

/// The default history table, which dbmate uses too.
const DEFAULT_HISTORY: &str = "schema_migrations";

/// What an import writes and reports.
#[derive(Debug)]
pub struct Plan {
    /// The converted folder.
    pub conversion: Conversion,
    /// The `migrate.toml` to write.
    pub config: String,
    /// The checker's verdict on the folder as it will be written.
    pub outcome: Outcome,
}

/// Converts `files` (the source folder `src`) for the folder `dst`, and checks the result with
/// the build's checker. Down scripts the tool could never have run are fixed and said so: one
/// PostgreSQL cannot parse is left out, one that PostgreSQL refuses inside a transaction gets
/// the no-transaction header. So does a Flyway script of either direction: Flyway's PostgreSQL
/// parser runs a script holding such a statement outside a transaction by itself
/// (`PostgreSQLParser.detectCanExecuteInTransaction`). Pure.
pub fn plan(tool: Tool, src: &str, dst: &str, files: &[SourceFile]) -> Plan {
    let mut conversion = convert::convert(tool, files);
    let config = config_text(tool, src, &conversion);
    let mut outcome = check(dst, &conversion, &config);
    let fixable: Vec<(String, &'static str)> = outcome
        .errors()
        .filter(|d| tool == Tool::Flyway || d.path.ends_with(".down.sql"))
        .filter_map(|d| {
            let name = d.path.rsplit('/').next()?.to_owned();
            Some((name, d.rule))
        })
        .collect();
    if !fixable.is_empty() {
        for (name, rule) in fixable {
            let Some(at) = conversion.files.iter().position(|f| f.name == name) else {
                continue;
            };
            match rule {
                "syntax" if name.ends_with(".down.sql") => {
                    let file = conversion.files.remove(at);
                    conversion.skipped.push((
                        file.from,
                        "a down script PostgreSQL cannot parse (it could never have run); \
                         write a new one"
                            .to_owned(),
                    ));
                }
                "needs-no-transaction" if conversion.files[at].change.is_none() => {
                    let file = &mut conversion.files[at];
                    let mut bytes = NO_TRANSACTION.as_bytes().to_vec();
                    bytes.append(&mut file.bytes);
                    file.bytes = bytes;
                    file.change = Some(if tool == Tool::Flyway {
                        "no-transaction header: it holds a statement PostgreSQL refuses in a \
                         transaction, which Flyway detects and runs the script outside one"
                            .to_owned()
                    } else {
                        format!(
                            "no-transaction header: PostgreSQL refuses its statements in a \
                             transaction, so {tool} could not have run it"
                        )
                    });
                }
                _ => {}
            }
        }
        conversion.skipped.sort();
        outcome = check(dst, &conversion, &config);
    }
    Plan {
        conversion,
        config,
        outcome,
    }
}

fn check(dst: &str, conversion: &Conversion, config: &str) -> Outcome {
    let mut entries: Vec<Entry> = conversion
        .files
        .iter()
        .map(|f| Entry {
            name: f.name.clone(),
            path: PathBuf::from(dst).join(&f.name),
            kind: EntryKind::File(Ok(f.bytes.clone())),
        })
        .collect();
    entries.push(Entry {
        name: CONFIG_FILE.to_owned(),
        path: PathBuf::from(dst).join(CONFIG_FILE),
        kind: EntryKind::File(Ok(config.as_bytes().to_vec())),
    });
    check_entries(dst, entries)
}

/// The `migrate.toml` of an imported folder: `legacy_until` the newest imported version, and a
/// history table of its own when the default name is taken (dbmate's table, or a table the
/// migrations themselves create).
fn config_text(tool: Tool, src: &str, conversion: &Conversion) -> String {
    let newest = conversion
        .files
        .iter()
        .filter(|f| !f.name.ends_with(".down.sql"))
        .filter_map(|f| {
            f.name
                .split('_')
                .next()?
                .parse::<migrate_runtime::Version>()
                .ok()
        })
        .max();
    let mut text = format!(
        "# Imported from {tool} by `migrate import` (from {src}).\n\
         # The imported files are history, already applied where {tool} ran them: they are\n\
         # parsed, embedded and checked for structure, and their other findings are only\n\
         # counted. New files get every check.\n"
    );
    if let Some(newest) = newest {
        let _ = writeln!(text, "legacy_until = {newest}");
    }
    let taken = tool.history_table() == DEFAULT_HISTORY
        || conversion
            .files
            .iter()
            .any(|f| String::from_utf8_lossy(&f.bytes).contains(DEFAULT_HISTORY));
    if taken {
        let _ = write!(
            text,
            "\n# `{DEFAULT_HISTORY}` is taken (by {}), so ours has another name.\n\
             [history]\nschema = \"public\"\ntable = \"migrate_history\"\n",
            if tool.history_table() == DEFAULT_HISTORY {
                format!("{tool}'s history")
            } else {
                "a table these migrations use".to_owned()
            }
        );
    }
    text
}

/// Reads the source folder (and its sub-folders: diesel's layout, and refinery and Flyway read
/// them), then writes the converted folder, refusing to overwrite any file, and refusing to
/// write anything when a file cannot be carried over. Returns the report to print; `Err` when
/// nothing could be written, or when what was written does not build yet (exit 1).
pub fn import(tool: Tool, src: &Path, dst: &Path) -> Result<String, Failure> {
    let files = read_source(src).map_err(|e| {
        Failure::usage(format!(
            "cannot read the {tool} folder {}: {e}",
            src.display()
        ))
    })?;
    let plan = plan(
        tool,
        &src.display().to_string(),
        &dst.display().to_string(),
        &files,
    );
    if !plan.conversion.refused.is_empty() {
        let mut message = format!(
            "{tool} would run (or stop at) what cannot be carried over, so nothing was imported:"
        );
        for (at, reason) in &plan.conversion.refused {
            let _ = write!(message, "\n  {}: {reason}", src.join(at).display());
        }
        let _ = write!(
            message,
            "\nthe rules the import follows for {tool}: docs/guide/import-rules.md"
        );
        return Err(Failure::findings(message));
    }
    if plan.conversion.files.is_empty() {
        return Err(Failure::usage(format!(
            "no {tool} migration found in {}: {}",
            src.display(),
            expected_layout(tool)
        )));
    }
    let existing: Vec<String> = std::fs::read_dir(dst)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql") || n == CONFIG_FILE)
                .collect()
        })
        .unwrap_or_default();
    if !existing.is_empty() {
        let mut existing = existing;
        existing.sort();
        return Err(Failure::usage(format!(
            "refusing to import into {}: it already holds {}; import into an empty or new folder",
            dst.display(),
            existing.join(", ")
        )));
    }
    std::fs::create_dir_all(dst)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", dst.display())))?;
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dst.join(name), bytes)
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", dst.join(name).display())))
    };
    for file in &plan.conversion.files {
        write(&file.name, &file.bytes)?;
    }
    write(CONFIG_FILE, plan.config.as_bytes())?;
    let report = report(tool, src, dst, &plan);
    if plan.outcome.has_errors() {
        print!("{report}");
        return Err(Failure::findings(format!(
            "the imported folder does not build yet: fix the errors above (`migrate lint --dir {}`)",
            dst.display()
        )));
    }
    Ok(report)
}

fn expected_layout(tool: Tool) -> &'static str {
    match tool {
        Tool::Diesel => "expected folders `{version}_{name}/` holding `up.sql`",
        Tool::Refinery => "expected files `V{version}__{name}.sql`",
        Tool::Flyway => "expected files `V{version}__{description}.sql`",
        _ => "expected files `{version}_{name}.sql`",
    }
}

/// What was done, file by file.
fn report(tool: Tool, src: &Path, dst: &Path, plan: &Plan) -> String {
    let mut out = String::new();
    let ups = plan
        .conversion
        .files
        .iter()
        .filter(|f| !f.name.ends_with(".down.sql"))
        .count();
    for OutFile {
        name, from, change, ..
    } in &plan.conversion.files
    {
        let _ = write!(out, "  {from} -> {name}");
        match change {
            Some(change) => {
                let _ = writeln!(out, " ({change})");
            }
            None => out.push('\n'),
        }
    }
    for (path, reason) in &plan.conversion.skipped {
        let _ = writeln!(out, "  skipped {path}: {reason}");
    }
    let _ = writeln!(
        out,
        "imported {ups} {tool} migration(s) from {} into {} ({} files), and {}",
        src.display(),
        dst.display(),
        plan.conversion.files.len(),
        dst.join(CONFIG_FILE).display()
    );
    for diagnostic in plan.outcome.errors() {
        let _ = writeln!(
            out,
            "error[{}]: {}: {}",
            diagnostic.rule,
            diagnostic.location(),
            diagnostic.message
        );
    }
    if !plan.outcome.has_errors() {
        let _ = writeln!(
            out,
            "next: `migrate baseline --from-history {tool} --dir {}` on each database {tool} \
             migrated, then `migrate apply`",
            dst.display()
        );
    }
    out
}

fn read_source(src: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    read_into(src, "", &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Every file under `dir` but hidden ones, with its path from the source folder (`prefix`).
fn read_into(dir: &Path, prefix: &str, files: &mut Vec<SourceFile>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = format!("{prefix}{name}");
        if entry.path().is_dir() {
            read_into(&entry.path(), &format!("{path}/"), files)?;
        } else {
            files.push(SourceFile {
                path,
                bytes: std::fs::read(entry.path())?,
            });
        }
    }
    Ok(())
}
