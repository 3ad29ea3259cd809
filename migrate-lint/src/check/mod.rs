//! The pipeline for a folder: `migrate.toml`, names and versions, every file read and parsed in
//! parallel while this thread checks them one after the other in version order against the
//! schema model (`file` is one file's pipeline), and the pairs of up and down files and
//! checkpoints.

mod file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::config::{Config, CONFIG_FILE};
use crate::diagnostic::{Diagnostic, Position};
use crate::discover::{self, Entry, EntryKind, FileName};
use crate::model::{Legacy, Migration, Outcome, Repeatable, Script};
use crate::rule::{Policy, Rule, ScriptKind};
use crate::rules::{
    checkpoint, config, duplicate_version, invalid_name, nested_folder, not_utf8, nul_byte,
    orphan_down, unreadable_file,
};
use crate::schema::Schema;
use migrate_core::{checksum, Transaction, Version};

use crate::source::{line_col, normalise, TextError};
#[cfg(test)]
pub(crate) use file::{check_script, check_script_after};
use file::{prepare, Checked, Findings, Ready};

/// Checks a migration folder on disk, with the settings of its `migrate.toml` when it has one.
/// `display` is how the folder is named in messages (`migrations`), usually as the user wrote it.
pub fn check_dir(dir: &Path, display: &str) -> Outcome {
    match discover::read_dir(dir) {
        Ok(entries) => check_entries(display, entries),
        Err(e) => Outcome {
            diagnostics: vec![file_problem(
                &unreadable_file::RULE,
                display,
                format!("cannot read the migration folder {}: {e}", dir.display()),
                "create the folder, or give the path relative to the crate's Cargo.toml".to_owned(),
            )],
            ..Outcome::default()
        },
    }
}

/// Where a repeatable migration sorts among the versioned files: after every one (no version
/// has so many digits). `migrate.toml`'s `[[allow]]` ranges and `legacy_until` read it as that
/// version: `from = N` covers the repeatables, `to = N` and `legacy_until` do not.
const REPEATABLE: Version = Version::new(u128::MAX);

/// A migration file, named correctly; `script` is `None` when its content has errors.
struct Named {
    version: Version,
    name: String,
    kind: ScriptKind,
    path: String,
    script: Option<Script>,
    /// The checksum of an up file's text.
    checksum: Option<String>,
}

/// A migration file, named correctly, whose content is still to check.
struct Job {
    version: Version,
    name: String,
    kind: ScriptKind,
    path: String,
    file: PathBuf,
    bytes: Result<Vec<u8>, String>,
    policy: Policy,
}

/// Checks the entries of a folder, already read, with the settings of the entry `migrate.toml`
/// when there is one. Pure: all I/O is in [`discover::read_dir`]. The files are read and parsed
/// on as many threads as the machine has cores; then their statements are checked in version
/// order, each up file against the schema model the earlier ones built (the folder-wide checks
/// run after, in `pair`).
pub fn check_entries(display: &str, entries: Vec<Entry>) -> Outcome {
    Folder::checked(display, entries, false).into_outcome()
}

/// How many up files apart [`Folder`] keeps a copy of the schema model: a re-check replays at
/// most that many files to rebuild the model before the edited one, and copies the model once
/// per that many files after it. The copies (and dropping the old ones) are most of the time a
/// re-check of a 1,000-file folder takes: 16 cost twice as many as 32.
const CHECKPOINT: usize = 32;

/// A migration folder checked and kept in memory, for a caller that checks it again as one
/// file's text changes (the `migrate lsp` editor server). Every file is read and parsed once.
/// [`Folder::replace`] parses the new text of one file and checks it again with the schema
/// model the earlier files built, taken from a copy kept every 32 up files; then the later up
/// files, until the model is again the one the previous check had there (from that file on,
/// nothing can have changed). [`check_entries`] checks a folder as `Folder::new(..)
/// .into_outcome()` does, without keeping the copies: both give the same findings. Pure: the
/// caller reads the files.
pub struct Folder {
    display: String,
    config: Config,
    /// The findings about the folder rather than a file's content: `migrate.toml`, the names,
    /// the duplicate versions and the down files without their up file.
    problems: Vec<Diagnostic>,
    /// The migration files, in version order (an up file before its down file).
    files: Vec<Kept>,
}

/// One migration file of a [`Folder`]: read, parsed, and its last check.
struct Kept {
    loaded: Loaded,
    /// Parsed, unless it could not be read: ready to check, or its findings when it cannot be
    /// parsed. Kept only by a folder that can be checked again ([`Folder::new`]).
    prepared: Option<Result<Ready, Box<Findings>>>,
    /// The checksum of an up file's text.
    checksum: Option<String>,
    checked: Option<Checked>,
    /// For every 32nd up file, the schema model before it (kept by [`Folder::new`]).
    checkpoint: Option<Schema>,
}

impl Folder {
    /// Reads, parses and checks the entries of a folder, as [`check_entries`] does. `display` is
    /// how the folder is named in the findings' paths.
    pub fn new(display: &str, entries: Vec<Entry>) -> Self {
        Self::checked(display, entries, true)
    }

    /// Like [`Folder::new`]; keeping the copies of the model a re-check starts from only when
    /// `keep`.
    fn checked(display: &str, entries: Vec<Entry>, keep: bool) -> Self {
        let (config, mut problems) = read_config(display, &entries);
        let mut jobs = Vec::new();
        for entry in entries {
            let path = format!("{}/{}", display.trim_end_matches('/'), entry.name);
            let bytes = match entry.kind {
                EntryKind::Folder { holds_sql: true } => {
                    problems.push(file_problem(
                        &nested_folder::RULE,
                        &path,
                        "a sub-folder holding `.sql` files".to_owned(),
                        nested_folder::RULE.help.to_owned(),
                    ));
                    continue;
                }
                EntryKind::Folder { holds_sql: false } => continue,
                EntryKind::File(bytes) => bytes,
            };
            let (version, name, kind) = match discover::classify(&entry.name) {
                FileName::Ignored => continue,
                FileName::Invalid { problem, help } => {
                    problems.push(file_problem(&invalid_name::RULE, &path, problem, help));
                    continue;
                }
                FileName::Up { version, name } => (version, name, ScriptKind::Up),
                FileName::Down { version, name } => (version, name, ScriptKind::Down),
                FileName::Checkpoint { version, name } => (version, name, ScriptKind::Checkpoint),
                FileName::Repeatable { name } => (REPEATABLE, name, ScriptKind::Repeatable),
            };
            jobs.push(Job {
                policy: config.policy(version, &entry.name),
                version,
                name,
                kind,
                path,
                file: entry.path,
                bytes,
            });
        }
        // Parse on every core while this thread checks the statements in version order, one
        // file after the other, against the schema model the earlier files built: each file is
        // checked as soon as it and the files before it are parsed.
        jobs.sort_by(|a, b| (a.version, a.kind, &a.path).cmp(&(b.version, b.kind, &b.path)));
        let loaded: Vec<Loaded> = jobs.into_iter().map(load).collect();
        let mut schema = Schema::default();
        let mut ups = 0;
        let mut repeatables = false;
        let mut done = Vec::with_capacity(loaded.len());
        in_order(
            &loaded,
            |file| (file.kind, parse(file)),
            |(kind, (prepared, checksum))| {
                let mut checkpoint = None;
                let checked = if kind == ScriptKind::Up {
                    if keep && ups % CHECKPOINT == 0 {
                        checkpoint = Some(schema.clone());
                    }
                    ups += 1;
                    check_one(&prepared, &mut schema)
                } else if kind == ScriptKind::Repeatable {
                    // The repeatables come after every up file, in name order, each against
                    // the model the up files and the repeatables before it built; the first
                    // keeps the model of the up files, where a re-check of one starts.
                    if keep && !repeatables {
                        checkpoint = Some(schema.clone());
                    }
                    repeatables = true;
                    check_one(&prepared, &mut schema)
                } else {
                    // A down file reverts its migration, a checkpoint runs on an empty database:
                    // each is checked against a model that knows nothing, and changes nothing
                    // in the one the up files build.
                    check_one(&prepared, &mut Schema::default())
                };
                // A folder checked once (`check_entries`) drops each parse tree as soon as it is
                // checked: the trees of a whole folder are most of the checker's memory.
                done.push((prepared.filter(|_| keep), checksum, checked, checkpoint));
            },
        );
        let files = loaded
            .into_iter()
            .zip(done)
            .map(|(loaded, (prepared, checksum, checked, checkpoint))| Kept {
                loaded,
                prepared,
                checksum,
                checked,
                checkpoint,
            })
            .collect();
        let mut folder = Folder {
            display: display.trim_end_matches('/').to_owned(),
            config,
            problems,
            files,
        };
        let mut named = folder.named(|_| None);
        named.retain(|n| n.kind != ScriptKind::Repeatable);
        let (_, paired) = pair(&mut named);
        folder.problems.extend(paired);
        folder
    }

    /// Replaces the content of the migration file `file_name` (the name in the folder, e.g.
    /// `003_add_users.sql`) with `bytes`, the text an editor holds, and checks again what it
    /// can change: that file, and the up files after it whose schema model changed. The number
    /// of files checked again; `None` when the folder has no such migration file (a new file,
    /// a renamed one, or `migrate.toml`: build the [`Folder`] again).
    pub fn replace(&mut self, file_name: &str, bytes: Vec<u8>) -> Option<usize> {
        let path = format!("{}/{file_name}", self.display);
        let at = self.files.iter().position(|f| f.loaded.path == path)?;
        let old = &self.files[at].loaded;
        let loaded = load(Job {
            version: old.version,
            name: old.name.clone(),
            kind: old.kind,
            path: old.path.clone(),
            file: old.file.clone(),
            bytes: Ok(bytes),
            policy: old.policy.clone(),
        });
        let kept = &mut self.files[at];
        (kept.prepared, kept.checksum) = parse(&loaded);
        kept.loaded = loaded;
        if matches!(kept.loaded.kind, ScriptKind::Down | ScriptKind::Checkpoint) {
            kept.checked = check_one(&kept.prepared, &mut Schema::default());
            return Some(1);
        }
        // The model before `at`: from the last copy kept before it, through the files between
        // (whose findings cannot have changed).
        let from = (0..=at)
            .rev()
            .find(|&i| self.files[i].checkpoint.is_some())
            .unwrap_or(0);
        let mut schema = self.files[from].checkpoint.clone().unwrap_or_default();
        for kept in &self.files[from..at] {
            if matches!(kept.loaded.kind, ScriptKind::Up | ScriptKind::Repeatable) {
                check_one(&kept.prepared, &mut schema);
            }
        }
        Some(self.check_from(at, &mut schema))
    }

    /// Checks the up or repeatable file `start`, the model being `schema` before it, then the
    /// up and repeatable files after it until one whose kept copy of the model is the model now
    /// (from there on, nothing can have changed), renewing the copies it passes. The number of
    /// files checked.
    fn check_from(&mut self, start: usize, schema: &mut Schema) -> usize {
        let mut ups = self.files[..start]
            .iter()
            .filter(|f| f.loaded.kind == ScriptKind::Up)
            .count();
        let mut checked = 0;
        for (i, kept) in self.files.iter_mut().enumerate().skip(start) {
            // A copy is kept before every 32nd up file and before the first repeatable.
            let copied = match kept.loaded.kind {
                ScriptKind::Down | ScriptKind::Checkpoint => continue,
                ScriptKind::Up => ups % CHECKPOINT == 0,
                ScriptKind::Repeatable => kept.checkpoint.is_some(),
            };
            if copied {
                if i > start && kept.checkpoint.as_ref() == Some(schema) {
                    break;
                }
                kept.checkpoint = Some(schema.clone());
            }
            ups += usize::from(kept.loaded.kind == ScriptKind::Up);
            kept.checked = check_one(&kept.prepared, schema);
            checked += 1;
        }
        checked
    }

    /// Every finding of the folder, sorted by file and position, as [`check_entries`] gives
    /// them.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut diagnostics = self.problems.clone();
        diagnostics.extend(self.checkpoints());
        for kept in &self.files {
            diagnostics.extend(kept.loaded.found.iter().cloned());
            if let Some((_, found, _)) = &kept.checked {
                diagnostics.extend(found.iter().cloned());
            }
        }
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diagnostics
    }

    /// The checkpoints that cannot stand for the files up to their version: without the header
    /// `migrate squash` writes, stale (a file up to their version changed, was added or removed
    /// since), or without a transaction. (`pair` finds those without a versioned file.)
    fn checkpoints(&self) -> Vec<Diagnostic> {
        let ups: Vec<(Version, &str)> = self
            .files
            .iter()
            .filter(|f| f.loaded.kind == ScriptKind::Up)
            .filter_map(|f| Some((f.loaded.version, f.checksum.as_deref()?)))
            .collect();
        let mut found = Vec::new();
        for kept in self
            .files
            .iter()
            .filter(|f| f.loaded.kind == ScriptKind::Checkpoint)
        {
            let Some(text) = &kept.loaded.text else {
                continue;
            };
            let until = kept.loaded.version;
            let squash = format!("run `migrate squash --until {until}` again");
            let now = migrate_core::checkpoint::combined(
                ups.iter().copied().filter(|&(version, _)| version <= until),
            );
            let (message, help) = match migrate_core::checkpoint::recorded(text) {
                None => (
                    "a checkpoint without the header `migrate squash` writes (the checksum of \
                     the migrations it stands for)"
                        .to_owned(),
                    format!("write it with `migrate squash --until {until}`"),
                ),
                Some(recorded) if recorded != now => (
                    format!(
                        "the checkpoint is stale: a migration up to {until} changed, was added \
                         or removed after it was written (checksum {recorded} recorded, {now} \
                         now)"
                    ),
                    squash,
                ),
                Some(_) => match &kept.checked {
                    Some((Some((Transaction::None, _, _)), _, _)) => (
                        "a checkpoint runs without a transaction, but it must run in the one \
                         that records the migrations it stands for"
                            .to_owned(),
                        "remove `-- migrate:no-transaction`, or squash again".to_owned(),
                    ),
                    _ => continue,
                },
            };
            found.push(file_problem(
                &checkpoint::RULE,
                &kept.loaded.path,
                message,
                help,
            ));
        }
        found
    }

    /// The migration files as `pair` reads them, each with the script `script` gives it.
    fn named(&self, mut script: impl FnMut(&Kept) -> Option<Script>) -> Vec<Named> {
        self.files
            .iter()
            .map(|kept| Named {
                version: kept.loaded.version,
                name: kept.loaded.name.clone(),
                kind: kept.loaded.kind,
                path: kept.loaded.path.clone(),
                script: script(kept),
                checksum: kept.checksum.clone(),
            })
            .collect()
    }

    /// The outcome: every finding and the checked migration set.
    pub fn into_outcome(self) -> Outcome {
        let diagnostics = self.diagnostics();
        let mut legacy = Legacy::default();
        let named = self.named(|kept| {
            let (run, _, hidden) = kept.checked.as_ref()?;
            if *hidden > 0 {
                legacy.files += 1;
                legacy.findings += hidden;
            }
            let (transaction, statements, index_builds) = run.clone()?;
            Some(Script {
                path: kept.loaded.path.clone(),
                file: kept.loaded.file.clone(),
                text: kept.loaded.text.clone()?,
                verbatim: kept.loaded.verbatim,
                transaction,
                statements,
                index_builds,
            })
        });
        let (mut named, repeatables): (Vec<Named>, Vec<Named>) = named
            .into_iter()
            .partition(|n| n.kind != ScriptKind::Repeatable);
        let repeatables = repeatables
            .into_iter()
            .filter_map(|r| {
                Some(Repeatable {
                    name: r.name,
                    checksum: r.checksum?,
                    script: r.script?,
                })
            })
            .collect();
        // The problems of the names are among the diagnostics already (`new`).
        let (migrations, _) = pair(&mut named);
        Outcome {
            migrations,
            repeatables,
            diagnostics,
            config: self.config,
            legacy,
        }
    }
}

/// Parses a file read (unless it could not be read) and computes an up file's checksum: what is
/// done for every file on every core.
fn parse(file: &Loaded) -> (Option<Result<Ready, Box<Findings>>>, Option<String>) {
    let text = file.text.as_ref();
    let sum = text
        .filter(|_| file.kind != ScriptKind::Down)
        .map(|t| checksum(t));
    let prepared = text.map(|text| prepare(&file.path, text, file.kind, &file.policy));
    (prepared, sum)
}

/// Checks one file, parsed, against `schema` (an up file starts the next file of the model).
fn check_one(
    prepared: &Option<Result<Ready, Box<Findings>>>,
    schema: &mut Schema,
) -> Option<Checked> {
    Some(match prepared.as_ref()? {
        Ok(ready) => {
            if ready.kind != ScriptKind::Down {
                schema.next_file();
            }
            ready.check(schema)
        }
        Err(findings) => findings.as_ref().clone().into_checked(None),
    })
}

/// Reads the folder's `migrate.toml`, if any: the configuration and its problems (including
/// `files` that name no file of the folder).
fn read_config(display: &str, entries: &[Entry]) -> (Config, Vec<Diagnostic>) {
    let Some(entry) = entries.iter().find(|e| e.name == CONFIG_FILE) else {
        return (Config::default(), Vec::new());
    };
    let path = format!("{}/{CONFIG_FILE}", display.trim_end_matches('/'));
    let text = match &entry.kind {
        EntryKind::File(Ok(bytes)) => match normalise(bytes) {
            Ok(text) => text,
            Err(error) => return (Config::default(), vec![text_problem(&path, bytes, error)]),
        },
        EntryKind::File(Err(e)) => {
            let problem = file_problem(
                &unreadable_file::RULE,
                &path,
                format!("cannot read the file: {e}"),
                unreadable_file::RULE.help.to_owned(),
            );
            return (Config::default(), vec![problem]);
        }
        EntryKind::Folder { .. } => {
            let problem = file_problem(
                &config::RULE,
                &path,
                "a folder, where the configuration file was expected".to_owned(),
                format!("rename the folder: `{CONFIG_FILE}` is the configuration's name"),
            );
            return (Config::default(), vec![problem]);
        }
    };
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let (config, mut problems) = Config::parse(&path, &text);
    problems.extend(config.unknown_files(&path, &text, &names));
    (config, problems)
}

/// Runs `work` on every item on as many threads as the machine has cores (the calling thread
/// among them), and hands each result to `consume` on the calling thread, in the items' order,
/// as soon as it and every result before it are done: what `consume` does overlaps the work on
/// the items after, and when the next result is not ready the calling thread works on an item
/// itself rather than wait. A panic in `work` is raised again on the calling thread.
fn in_order<'a, T: Sync, R: Send>(
    items: &'a [T],
    work: impl Fn(&'a T) -> R + Sync,
    mut consume: impl FnMut(R),
) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let (send, results) = mpsc::channel();
    let (work, next) = (&work, &next);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads.min(items.len()))
            .map(|_| {
                let send = send.clone();
                scope.spawn(move || {
                    let mut index = next.fetch_add(1, Ordering::Relaxed);
                    while let Some(item) = items.get(index) {
                        if send.send((index, work(item))).is_err() {
                            break;
                        }
                        index = next.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        drop(send);
        let mut early = BTreeMap::new();
        let mut wanted = 0;
        while wanted < items.len() {
            if let Some(result) = early.remove(&wanted) {
                consume(result);
                wanted += 1;
                continue;
            }
            if let Ok((index, result)) = results.try_recv() {
                early.insert(index, result);
                continue;
            }
            let index = next.fetch_add(1, Ordering::Relaxed);
            match items.get(index) {
                Some(item) => {
                    early.insert(index, work(item));
                }
                // Every item is taken: wait for the workers. None left means one panicked.
                None => match results.recv() {
                    Ok((index, result)) => {
                        early.insert(index, result);
                    }
                    Err(_) => break,
                },
            }
        }
        for worker in workers {
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
}

/// A migration file, read: its normalised text unless it could not be read or is not text.
struct Loaded {
    version: Version,
    name: String,
    kind: ScriptKind,
    path: String,
    file: PathBuf,
    policy: Policy,
    text: Option<String>,
    /// Whether `text` is the file's bytes as they are (no BOM removed, no CRLF turned into LF).
    verbatim: bool,
    /// Why there is no text.
    found: Vec<Diagnostic>,
}

/// Reads one file's content into normalised text.
fn load(job: Job) -> Loaded {
    let mut found = Vec::new();
    let mut verbatim = false;
    let text = match job.bytes {
        Ok(bytes) => match normalise(&bytes) {
            Ok(text) => {
                verbatim = text.as_bytes() == bytes.as_slice();
                Some(text)
            }
            Err(error) => {
                found.push(text_problem(&job.path, &bytes, error));
                None
            }
        },
        Err(e) => {
            found.push(file_problem(
                &unreadable_file::RULE,
                &job.path,
                format!("cannot read the file: {e}"),
                unreadable_file::RULE.help.to_owned(),
            ));
            None
        }
    };
    Loaded {
        version: job.version,
        name: job.name,
        kind: job.kind,
        path: job.path,
        file: job.file,
        policy: job.policy,
        text,
        verbatim,
        found,
    }
}

/// Pairs the checked files into migrations, in version order, and finds the duplicate versions
/// and the down files and checkpoints without their up file (by name alone, whether or not
/// their content checked).
fn pair(files: &mut [Named]) -> (Vec<Migration>, Vec<Diagnostic>) {
    files.sort_by(|a, b| (a.version, &a.path).cmp(&(b.version, &b.path)));
    let mut migrations = Vec::new();
    let mut diagnostics = Vec::new();
    for group in files.chunk_by_mut(|a, b| a.version == b.version) {
        let (ups, rest): (Vec<&mut Named>, Vec<&mut Named>) =
            group.iter_mut().partition(|f| f.kind == ScriptKind::Up);
        let (downs, checkpoints): (Vec<&mut Named>, Vec<&mut Named>) =
            rest.into_iter().partition(|f| f.kind == ScriptKind::Down);
        for same_kind in [&ups, &downs, &checkpoints] {
            for extra in same_kind.iter().skip(1) {
                diagnostics.push(file_problem(
                    &duplicate_version::RULE,
                    &extra.path,
                    format!("the same version as {}", same_kind[0].path),
                    duplicate_version::RULE.help.to_owned(),
                ));
            }
        }
        let (mut up, mut down) = (ups.into_iter().next(), downs.into_iter().next());
        let mut checkpoint = checkpoints.into_iter().next();
        let orphan = match (&up, &down) {
            (None, Some(_)) => Some("down file without an up file of the same version".to_owned()),
            (Some(u), Some(d)) if u.name != d.name => Some(format!(
                "down file does not match the name of its up file {}",
                u.path
            )),
            _ => None,
        };
        if let Some(message) = orphan {
            let d = down.take().expect("an orphan is a down file");
            diagnostics.push(file_problem(
                &orphan_down::RULE,
                &d.path,
                message,
                orphan_down::RULE.help.to_owned(),
            ));
        }
        let orphan = match (&up, &checkpoint) {
            (None, Some(c)) => Some(format!(
                "a checkpoint without the versioned file of version {} (`…_{}.sql`): it stands \
                 for the files up to that one, which stay in the folder",
                c.version, c.name
            )),
            (Some(u), Some(c)) if u.name != c.name => Some(format!(
                "the checkpoint does not match the name of the versioned file {}",
                u.path
            )),
            _ => None,
        };
        if let Some(message) = orphan {
            let c = checkpoint.take().expect("an orphan is a checkpoint");
            diagnostics.push(file_problem(
                &checkpoint::RULE,
                &c.path,
                message,
                checkpoint::RULE.help.to_owned(),
            ));
        }
        let Some(up) = up.as_mut() else { continue };
        let (Some(script), Some(checksum)) = (up.script.take(), up.checksum.take()) else {
            continue;
        };
        migrations.push(Migration {
            version: up.version,
            name: up.name.clone(),
            checksum,
            up: script,
            down: down.and_then(|d| d.script.take()),
            checkpoint: checkpoint.and_then(|c| c.script.take()),
        });
    }
    (migrations, diagnostics)
}

fn file_problem(rule: &'static Rule, path: &str, message: String, help: String) -> Diagnostic {
    Diagnostic {
        rule: rule.name,
        severity: rule.severity,
        path: path.to_owned(),
        position: None,
        message,
        source_line: None,
        help,
        fix: None,
    }
}

fn text_problem(path: &str, bytes: &[u8], error: TextError) -> Diagnostic {
    let (rule, offset, message) = match error {
        TextError::NotUtf8 { offset } => (&not_utf8::RULE, offset, "the file is not valid UTF-8"),
        TextError::NulByte { offset } => (&nul_byte::RULE, offset, "the file holds a NUL byte"),
    };
    // The valid text before the problem gives its position.
    let before = String::from_utf8_lossy(&bytes[..offset]);
    let (line, column) = line_col(&before, before.len());
    Diagnostic {
        rule: rule.name,
        severity: rule.severity,
        path: path.to_owned(),
        position: Some(Position { line, column }),
        message: message.to_owned(),
        source_line: None,
        help: rule.help.to_owned(),
        fix: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn parallel_work_is_consumed_in_the_items_order() {
        let items: Vec<usize> = (0..1001).collect();
        let mut consumed = Vec::new();
        // Later items finish first: the order comes from the items, not from the threads.
        in_order(
            &items,
            |&i| {
                std::thread::sleep(std::time::Duration::from_micros((1001 - i as u64) % 7));
                i * 2
            },
            |r| consumed.push(r),
        );
        assert_eq!(consumed, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        in_order(
            &[] as &[usize],
            |&i| i,
            |_| panic!("no item, nothing to consume"),
        );
    }

    #[test]
    #[should_panic(expected = "item 500")]
    fn a_panic_in_the_work_reaches_the_caller() {
        let items: Vec<usize> = (0..1001).collect();
        in_order(&items, |&i| assert!(i != 500, "item {i}"), |()| {});
    }

    fn file(name: &str, bytes: &[u8]) -> Entry {
        Entry {
            name: name.to_owned(),
            path: PathBuf::from("/nowhere").join(name),
            kind: EntryKind::File(Ok(bytes.to_vec())),
        }
    }

    fn check(entries: Vec<Entry>) -> Outcome {
        check_entries("migrations", entries)
    }

    /// `location rule` of every finding.
    fn found(outcome: &Outcome) -> Vec<String> {
        outcome
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.location(), d.rule))
            .collect()
    }

    const TABLE: &[u8] = b"CREATE TABLE IF NOT EXISTS t (id int);\n";

    #[test]
    fn a_call_in_a_later_file_of_a_procedure_that_commits_needs_the_header() {
        let procedure = b"CREATE OR REPLACE PROCEDURE batch() LANGUAGE plpgsql AS $$\n\
                          BEGIN UPDATE t SET id = id; COMMIT; END $$;\n";
        let outcome = check(vec![
            file("1_table.sql", TABLE),
            file("2_procedure.sql", procedure),
            file("3_call.sql", b"CALL batch();\n"),
            file("4_call.sql", b"-- migrate:no-transaction\nCALL batch();\n"),
        ]);
        assert_eq!(
            found(&outcome),
            ["migrations/3_call.sql:1:1 needs-no-transaction"]
        );
    }

    #[test]
    fn a_replaced_file_is_checked_again_with_the_files_it_changes_as_a_whole_check_would() {
        let procedure = |body: &str| {
            format!(
                "CREATE OR REPLACE PROCEDURE batch() LANGUAGE plpgsql AS $$\n\
                 BEGIN UPDATE t SET id = id;{body} END $$;\n"
            )
        };
        let folder = |second: &str| -> Vec<Entry> {
            (1..=40)
                .map(|i| match i {
                    2 => file("002_procedure.sql", second.as_bytes()),
                    35 => file("035_call.sql", b"CALL batch();\n"),
                    i => file(&format!("{i:03}_t.sql"), TABLE),
                })
                .chain([file("035_call.down.sql", b"SELECT 1;\n")])
                .collect()
        };
        let committing = procedure(" COMMIT;");
        let mut kept = Folder::new("migrations", folder(&committing));
        assert_eq!(
            kept.diagnostics(),
            check_entries("migrations", folder(&committing)).diagnostics
        );
        assert_eq!(
            found(&check_entries("migrations", folder(&committing))),
            ["migrations/035_call.sql:1:1 needs-no-transaction"]
        );
        // The procedure no longer commits: the call, 33 files later, is fine.
        let plain = procedure("");
        assert_eq!(
            kept.replace("002_procedure.sql", plain.clone().into()),
            Some(39)
        );
        assert_eq!(kept.diagnostics(), Vec::new());
        // Only a comment added: the model after the file is the same, the check stops at the
        // next copy of the model (before the 33rd up file).
        let commented = format!("-- the batch\n{plain}");
        assert_eq!(
            kept.replace("002_procedure.sql", commented.clone().into()),
            Some(31)
        );
        assert_eq!(
            kept.diagnostics(),
            check_entries("migrations", folder(&commented)).diagnostics
        );
        // Unsaved text with an error, then the file as it was.
        let broken = "CREATE OR REPLACE PROCEDURE batch(";
        kept.replace("002_procedure.sql", broken.into());
        assert_eq!(
            kept.diagnostics(),
            check_entries("migrations", folder(broken)).diagnostics
        );
        kept.replace("002_procedure.sql", committing.clone().into());
        assert_eq!(
            kept.diagnostics(),
            check_entries("migrations", folder(&committing)).diagnostics
        );
        assert_eq!(
            kept.replace("035_call.down.sql", b"SELECT 1;\n".to_vec()),
            Some(1)
        );
        assert_eq!(kept.replace("041_new.sql", Vec::new()), None);
        assert_eq!(
            kept.into_outcome().migrations,
            check_entries("migrations", folder(&committing)).migrations
        );
    }

    /// A checkpoint at 2 of `ups`, with the header `migrate squash` writes, and `body`.
    fn checkpoint_of(ups: &[&str], body: &str) -> Vec<u8> {
        let sums: Vec<String> = ups.iter().map(|t| checksum(t)).collect();
        let combined = migrate_core::checkpoint::combined(
            sums.iter()
                .enumerate()
                .map(|(i, s)| (Version::new(i as u128 + 1), s.as_str())),
        );
        format!(
            "{}{body}",
            migrate_core::checkpoint::header(Version::new(2), &combined)
        )
        .into_bytes()
    }

    const ONE: &str = "CREATE TABLE IF NOT EXISTS a (id int);\n";
    const TWO: &str = "CREATE TABLE IF NOT EXISTS b (id int);\n";
    /// What pg_dump writes for `ONE` and `TWO`: no `IF NOT EXISTS`, rows without `ON CONFLICT`.
    const DUMP: &str = "CREATE TABLE public.a (id int);\nCREATE TABLE public.b (id int);\n\
                        INSERT INTO public.a VALUES (1);\n";

    #[test]
    fn a_checkpoint_is_checked_on_an_empty_model_without_the_idempotency_rules() {
        let outcome = check(vec![
            file("1_a.sql", ONE.as_bytes()),
            file("2_b.checkpoint.sql", &checkpoint_of(&[ONE, TWO], DUMP)),
            file("2_b.sql", TWO.as_bytes()),
        ]);
        assert_eq!(found(&outcome), Vec::<String>::new());
        let two = &outcome.migrations[1];
        let checkpoint = two.checkpoint.as_ref().expect("the checkpoint of 2");
        assert_eq!(checkpoint.path, "migrations/2_b.checkpoint.sql");
        assert_eq!(checkpoint.statements.len(), 3);
        // Every other rule still applies: syntax, for one.
        let outcome = check(vec![
            file("1_a.sql", ONE.as_bytes()),
            file(
                "2_b.checkpoint.sql",
                &checkpoint_of(&[ONE, TWO], "CREATE TABLE public.b (id int;\n"),
            ),
            file("2_b.sql", TWO.as_bytes()),
        ]);
        assert_eq!(
            found(&outcome),
            ["migrations/2_b.checkpoint.sql:3:30 syntax"]
        );
    }

    #[test]
    fn a_stale_orphan_or_headless_checkpoint_is_an_error_saying_what_to_do() {
        let stale = check(vec![
            file("1_a.sql", b"CREATE TABLE IF NOT EXISTS a (id bigint);\n"),
            file("2_b.checkpoint.sql", &checkpoint_of(&[ONE, TWO], DUMP)),
            file("2_b.sql", TWO.as_bytes()),
        ]);
        assert_eq!(found(&stale), ["migrations/2_b.checkpoint.sql checkpoint"]);
        let error = &stale.diagnostics[0];
        assert!(error.message.contains("stale"), "{}", error.message);
        assert!(
            error.help.contains("migrate squash --until 2"),
            "{}",
            error.help
        );
        let orphan = check(vec![
            file("1_a.sql", ONE.as_bytes()),
            file("2_b.checkpoint.sql", &checkpoint_of(&[ONE], DUMP)),
        ]);
        assert!(
            found(&orphan).contains(&"migrations/2_b.checkpoint.sql checkpoint".to_owned()),
            "{:?}",
            found(&orphan)
        );
        assert!(orphan.diagnostics[0]
            .message
            .contains("version 2 (`…_b.sql`)"));
        let headless = check(vec![
            file("1_a.sql", ONE.as_bytes()),
            file("2_b.checkpoint.sql", DUMP.as_bytes()),
            file("2_b.sql", TWO.as_bytes()),
        ]);
        assert_eq!(
            found(&headless),
            ["migrations/2_b.checkpoint.sql checkpoint"]
        );
        assert!(headless.diagnostics[0].message.contains("header"));
    }

    #[test]
    fn migrations_are_ordered_by_numeric_version_with_their_down_files() {
        let outcome = check(vec![
            file("10_ten.sql", TABLE),
            file("9_nine.sql", TABLE),
            file("9_nine.down.sql", b"DROP TABLE IF EXISTS t;"),
            file("README.md", b"# not a migration"),
            file("0100_hundred.sql", TABLE),
        ]);
        assert!(outcome.diagnostics.is_empty(), "{:?}", found(&outcome));
        let versions: Vec<u128> = outcome.migrations.iter().map(|m| m.version.get()).collect();
        assert_eq!(versions, [9, 10, 100]);
        let nine = &outcome.migrations[0];
        assert_eq!(nine.name, "nine");
        assert_eq!(nine.up.path, "migrations/9_nine.sql");
        assert_eq!(
            nine.down.as_ref().map(|d| d.path.as_str()),
            Some("migrations/9_nine.down.sql")
        );
        assert_eq!(nine.checksum, checksum(std::str::from_utf8(TABLE).unwrap()));
    }

    #[test]
    fn repeatables_are_checked_after_every_versioned_file_in_name_order() {
        let view = b"CREATE OR REPLACE VIEW v AS SELECT id FROM t;\n";
        let grant = b"GRANT SELECT ON v TO PUBLIC;\n";
        let entries = || {
            vec![
                file("R__b_grants.sql", grant),
                file("R__a_views.sql", view),
                file(
                    "2_t.sql",
                    b"ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;\n",
                ),
                file("1_t.sql", TABLE),
                file("R__c.down.sql", b"SELECT 1;\n"),
            ]
        };
        let outcome = check(entries());
        assert_eq!(found(&outcome), ["migrations/R__c.down.sql invalid-name"]);
        let names: Vec<&str> = outcome
            .repeatables
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(names, ["a_views", "b_grants"]);
        assert_eq!(outcome.migrations.len(), 2);
        let views = &outcome.repeatables[0];
        assert_eq!(views.checksum, checksum(std::str::from_utf8(view).unwrap()));
        assert_eq!(views.script.path, "migrations/R__a_views.sql");
        assert_eq!(views.script.statements.len(), 1);
        // The view's table comes from the versioned files: a repeatable whose statement is not
        // re-runnable is an error, and an edit of one is checked again as a whole check would.
        let mut kept = Folder::new("migrations", entries());
        let table = b"CREATE TABLE IF NOT EXISTS u (id int);\n";
        assert_eq!(kept.replace("R__a_views.sql", table.to_vec()), Some(2));
        assert_eq!(
            found(&check_entries("migrations", {
                let mut e = entries();
                e[1] = file("R__a_views.sql", table);
                e
            })),
            [
                "migrations/R__a_views.sql:1:1 repeatable-statement",
                "migrations/R__c.down.sql invalid-name",
            ]
        );
        assert_eq!(kept.diagnostics().len(), 2, "{:?}", kept.diagnostics());
        // The same text again: checked, then the next up file, up to the model's copy before
        // the first repeatable, which is the same.
        assert_eq!(kept.replace("1_t.sql", TABLE.to_vec()), Some(2));
    }

    #[test]
    fn the_outer_wrapper_is_not_among_the_statements_that_run() {
        let text = "-- seed style\nBEGIN;\nCREATE TABLE IF NOT EXISTS t (id int);\nCOMMIT;\n";
        let outcome = check(vec![file("001_t.sql", text.as_bytes())]);
        let up = &outcome.migrations[0].up;
        let run: Vec<&str> = up.statements.iter().map(|r| &up.text[r.clone()]).collect();
        assert_eq!(run, ["CREATE TABLE IF NOT EXISTS t (id int)"]);
        assert_eq!(up.transaction, crate::Transaction::Single);
    }

    #[test]
    fn a_crlf_and_bom_copy_checks_and_hashes_like_the_original() {
        let lf = "CREATE TABLE IF NOT EXISTS t (\n  note text DEFAULT 'a\nb'\n);\n";
        let windows = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
        let a = check(vec![file("001_t.sql", lf.as_bytes())]);
        let b = check(vec![file("001_t.sql", windows.as_bytes())]);
        assert_eq!(a.migrations[0].checksum, b.migrations[0].checksum);
        assert_eq!(a.migrations[0].up.text, b.migrations[0].up.text);
        assert_eq!(a.migrations[0].up.statements, b.migrations[0].up.statements);
    }

    #[test]
    fn every_file_problem_is_reported_in_one_pass_sorted_by_file_and_line() {
        let unreadable = Entry {
            name: "007_locked.sql".to_owned(),
            path: PathBuf::from("/nowhere/007_locked.sql"),
            kind: EntryKind::File(Err("permission denied".to_owned())),
        };
        let outcome = check(vec![
            file("001_a.sql", TABLE),
            file("1_b.sql", TABLE),
            file(
                "002_c.sql",
                b"SELECT 1;\nSELECT 2 fro x;\nCREATE TABLE t (id int);\n",
            ),
            file(
                "003_d.sql",
                b"CREATE TABLE t (id int);\nDROP TABLE IF EXISTS users;\n",
            ),
            file("004_e.down.sql", b"SELECT 1;"),
            file("005_f.sql", TABLE),
            file("005_g.down.sql", b"SELECT 1;"),
            file("006_h.sql", b"SELECT 1;\nSELECT '\xff';"),
            file("baseline.sql", TABLE),
            file("008_nul.sql", b"SELECT 1;\n SELECT\0"),
            unreadable,
            Entry {
                name: "20240101000000_diesel".to_owned(),
                path: PathBuf::from("/nowhere/20240101000000_diesel"),
                kind: EntryKind::Folder { holds_sql: true },
            },
        ]);
        assert_eq!(
            found(&outcome),
            [
                "migrations/002_c.sql:2:14 syntax",
                "migrations/003_d.sql:1:1 missing-if-not-exists",
                "migrations/003_d.sql:2:1 drop-table",
                "migrations/004_e.down.sql orphan-down",
                "migrations/005_g.down.sql orphan-down",
                "migrations/006_h.sql:2:9 not-utf8",
                "migrations/007_locked.sql unreadable-file",
                "migrations/008_nul.sql:2:8 nul-byte",
                "migrations/1_b.sql duplicate-version",
                "migrations/20240101000000_diesel nested-folder",
                "migrations/baseline.sql invalid-name",
            ]
        );
        let duplicate = &outcome.diagnostics[8];
        assert_eq!(
            duplicate.message,
            "the same version as migrations/001_a.sql"
        );
        assert!(outcome.has_errors());
    }

    #[test]
    fn the_down_file_of_a_broken_up_file_is_not_an_orphan() {
        let outcome = check(vec![
            file("001_a.sql", b"SELECT 2 fro x;"),
            file("001_a.down.sql", b"SELECT 1;"),
        ]);
        assert_eq!(found(&outcome), ["migrations/001_a.sql:1:14 syntax"]);
    }

    #[test]
    fn a_down_file_named_differently_from_its_up_file_is_an_orphan() {
        let outcome = check(vec![
            file("001_a.sql", TABLE),
            file("1_b.down.sql", b"SELECT 1;"),
        ]);
        assert_eq!(found(&outcome), ["migrations/1_b.down.sql orphan-down"]);
        assert!(outcome.diagnostics[0]
            .message
            .contains("migrations/001_a.sql"));
        assert!(outcome.migrations[0].down.is_none());
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let outcome = check_dir(Path::new("/definitely/not/here"), "migrations");
        assert_eq!(found(&outcome), ["migrations unreadable-file"]);
        assert!(outcome.diagnostics[0]
            .message
            .contains("/definitely/not/here"));
    }

    #[test]
    fn a_finding_prints_location_rule_source_line_and_help() {
        let outcome = check(vec![file(
            "003_add_users.sql",
            b"-- users\n\nCREATE TABLE users (\n  id int\n);\n",
        )]);
        assert_eq!(
            outcome.diagnostics[0].to_string(),
            "migrations/003_add_users.sql:3:1: error[missing-if-not-exists]: `CREATE TABLE \
             users` without `IF NOT EXISTS` fails when it already exists\n    \
             3 | CREATE TABLE users (\n      = help: write `CREATE TABLE IF NOT EXISTS users`"
        );
    }

    #[test]
    fn migrate_toml_allows_rules_per_range_and_hides_legacy_findings_in_one_count() {
        let config = br#"
legacy_until = 2
[[allow]]
rules = ["unguarded-insert"]
reason = "seed data"
from = 4
files = ["004_seed.sql", "005_missing.sql"]
"#;
        let bad = b"CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nSELECT 1 fro x;\n";
        let outcome = check(vec![
            file("migrate.toml", config),
            file("001_old.sql", b"CREATE TABLE a (id int);\nDROP TABLE b;\n"),
            file("002_old.sql", bad),
            file("003_new.sql", b"INSERT INTO a VALUES (1);\n"),
            file("004_seed.sql", b"INSERT INTO a VALUES (1);\n"),
        ]);
        assert_eq!(
            found(&outcome),
            [
                "migrations/002_old.sql:3:14 syntax",
                "migrations/003_new.sql:1:1 unguarded-insert",
                "migrations/migrate.toml:7:26 config",
            ]
        );
        assert_eq!(
            outcome.diagnostics[2].message,
            "no file `005_missing.sql` in the folder"
        );
        assert_eq!(
            outcome.legacy,
            Legacy {
                files: 1,
                findings: 3
            }
        );
        assert_eq!(outcome.config.legacy_until, Some(Version::new(2)));
    }

    /// Found by a mutation run: a meta-command line holding a multibyte character, blanked
    /// before the scan is retried, must keep every later byte offset where it was.
    #[test]
    fn a_multibyte_character_on_a_blanked_meta_command_line_keeps_offsets() {
        let outcome = check(vec![file("001_a.sql", "\\i \u{1f600}\nD$1".as_bytes())]);
        assert_eq!(
            found(&outcome),
            [
                "migrations/001_a.sql:1:1 psql-meta-command",
                "migrations/001_a.sql:2:1 syntax",
            ]
        );
    }

    #[test]
    fn blanked_copy_rows_with_multibyte_characters_keep_later_positions() {
        let text = "COPY t FROM stdin;\nzé \u{1f600}\n\\.\nCREATE TABLE t (id int);\n";
        let outcome = check(vec![file("001_a.sql", text.as_bytes())]);
        assert_eq!(
            found(&outcome),
            [
                "migrations/001_a.sql:1:1 copy-from-stdin",
                "migrations/001_a.sql:4:1 missing-if-not-exists",
            ]
        );
        assert_eq!(
            outcome.diagnostics[1].source_line.as_deref(),
            Some("CREATE TABLE t (id int);")
        );
    }

    #[test]
    fn what_a_do_block_runs_is_checked_at_its_real_line() {
        let text = "CREATE TABLE IF NOT EXISTS t (id int);\n\
                    DO $$\nBEGIN\n  ALTER TABLE t DROP COLUMN c;\n  DROP TABLE old_t;\n  \
                    EXECUTE 'DROP TABLE x CASCADE';\n  EXECUTE format('DROP TABLE %I', 'y');\n\
                    END $$;\n";
        let outcome = check(vec![file("001_a.sql", text.as_bytes())]);
        assert_eq!(
            found(&outcome),
            [
                "migrations/001_a.sql:4:17 drop-column",
                "migrations/001_a.sql:4:17 missing-if-exists",
                "migrations/001_a.sql:5:3 drop-table",
                "migrations/001_a.sql:5:3 missing-if-exists",
                "migrations/001_a.sql:6:12 cascade",
                "migrations/001_a.sql:6:12 drop-table",
                "migrations/001_a.sql:6:12 missing-if-exists",
            ]
        );
        assert_eq!(
            outcome.diagnostics[2].source_line.as_deref(),
            Some("  DROP TABLE old_t;")
        );
        // Confirmed like any other destructive statement: by a directive above the statement,
        // here the `DO`. A guarded block (a condition, a handler) needs no `IF EXISTS`.
        let confirmed = "-- migrate:allow(drop-column, drop-table, cascade) the old model goes\n\
                         DO $$\nBEGIN\n  IF to_regclass('old_t') IS NOT NULL THEN\n    \
                         ALTER TABLE t DROP COLUMN c;\n    DROP TABLE old_t;\n    \
                         EXECUTE 'DROP TABLE x CASCADE';\n  END IF;\nEND $$;\n";
        let outcome = check(vec![file("001_a.sql", confirmed.as_bytes())]);
        assert_eq!(found(&outcome), Vec::<String>::new());
    }

    #[test]
    fn a_guarded_do_block_counts_as_idempotent_an_unguarded_one_does_not() {
        for guarded in [
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN \
             NULL; END $$;",
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN \
             CREATE TYPE mood AS ENUM ('a'); END IF; END $$;",
            "DO $$ BEGIN IF to_regtype('mood') IS NOT NULL THEN RETURN; END IF; \
             EXECUTE 'CREATE TYPE mood AS ENUM (''a'')'; END $$;",
        ] {
            let outcome = check(vec![file("001_a.sql", guarded.as_bytes())]);
            assert_eq!(found(&outcome), Vec::<String>::new(), "{guarded}");
        }
        let unguarded = "DO $$\nBEGIN\n  CREATE TYPE mood AS ENUM ('a');\n  \
                         INSERT INTO t VALUES (1);\nEND $$;";
        let outcome = check(vec![file("001_a.sql", unguarded.as_bytes())]);
        assert_eq!(
            found(&outcome),
            [
                "migrations/001_a.sql:3:3 non-idempotent",
                "migrations/001_a.sql:4:3 unguarded-insert",
            ]
        );
    }

    #[test]
    fn a_broken_migrate_toml_is_reported_and_the_files_are_still_checked() {
        let outcome = check(vec![
            file("migrate.toml", b"[history\n"),
            file("001_a.sql", b"CREATE TABLE a (id int);"),
        ]);
        assert_eq!(
            found(&outcome),
            [
                "migrations/001_a.sql:1:1 missing-if-not-exists",
                "migrations/migrate.toml:1:9 config",
            ]
        );
        assert_eq!(outcome.config, Config::default());
    }
}
