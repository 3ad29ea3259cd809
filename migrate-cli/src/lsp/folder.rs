//! One migration folder an editor works in: the checker's [`Folder`], kept between edits, and
//! the findings last published for each of its files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use migrate_lint::discover::{self, Entry, EntryKind};
use migrate_lint::{Diagnostic, Folder, CONFIG_FILE};

/// Whether `dir` is a migration folder for the file `name` an editor opened in it: it has a
/// `migrate.toml`, or the file is one (or follows the naming rule of a migration file).
pub fn is_migration_folder(dir: &Path, name: &str) -> bool {
    name == CONFIG_FILE || discover::is_migration(name) || dir.join(CONFIG_FILE).is_file()
}

/// A migration folder being edited.
pub struct Edited {
    /// How the findings name the folder: its last component (`migrations`).
    display: String,
    folder: Folder,
    /// The names of the folder's entries when it was read.
    names: BTreeSet<String>,
    /// The findings of each file, as last published.
    published: HashMap<String, Vec<Diagnostic>>,
}

impl Edited {
    /// Reads and checks the folder `dir`, with the text of the files `open` (by name) instead
    /// of what is on disk: an editor's unsaved text counts.
    pub fn read(dir: &Path, open: &HashMap<String, String>) -> std::io::Result<Self> {
        let display = display(dir);
        let (folder, names) = check(dir, &display, open)?;
        Ok(Self {
            display,
            folder,
            names,
            published: HashMap::new(),
        })
    }

    /// Reads and checks the folder again (its files or `migrate.toml` changed), keeping what
    /// was published so that only the changes are published again.
    pub fn reread(&mut self, dir: &Path, open: &HashMap<String, String>) -> std::io::Result<()> {
        (self.folder, self.names) = check(dir, &self.display, open)?;
        Ok(())
    }

    /// Whether the folder's entries on disk are those it was read with.
    pub fn same_names(&self, dir: &Path) -> bool {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            let names: BTreeSet<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.is_superset(&self.names) && self.names.is_superset(&names)
        })
    }

    /// Checks the migration file `name` again with the text `text`, and the files it changes.
    /// `false` when the folder must be read again: `name` is not one of its migration files.
    pub fn replace(&mut self, name: &str, text: &str) -> bool {
        name != CONFIG_FILE
            && self
                .folder
                .replace(name, text.as_bytes().to_vec())
                .is_some()
    }

    /// The findings of the file `name`, as last published.
    pub fn findings(&self, name: &str) -> &[Diagnostic] {
        self.published.get(name).map_or(&[], Vec::as_slice)
    }

    /// The files whose findings changed since they were last published, with their findings
    /// now (none: to clear them), by file name; recorded as published.
    pub fn changes(&mut self) -> Vec<(String, Vec<Diagnostic>)> {
        let prefix = format!("{}/", self.display);
        let mut now: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
        for finding in self.folder.diagnostics() {
            if let Some(name) = finding.path.strip_prefix(&prefix) {
                now.entry(name.to_owned()).or_default().push(finding);
            }
        }
        let gone: Vec<String> = self
            .published
            .keys()
            .filter(|name| !now.contains_key(*name))
            .cloned()
            .collect();
        let mut changes: Vec<(String, Vec<Diagnostic>)> =
            gone.into_iter().map(|name| (name, Vec::new())).collect();
        changes.extend(
            now.into_iter()
                .filter(|(name, findings)| self.published.get(name) != Some(findings)),
        );
        for (name, findings) in &changes {
            if findings.is_empty() {
                self.published.remove(name);
            } else {
                self.published.insert(name.clone(), findings.clone());
            }
        }
        changes
    }
}

/// Reads the folder `dir` with the texts `open` instead of the files', and checks it: the
/// checked folder and the names of its entries.
fn check(
    dir: &Path,
    display: &str,
    open: &HashMap<String, String>,
) -> std::io::Result<(Folder, BTreeSet<String>)> {
    let mut entries = discover::read_dir(dir)?;
    for (name, text) in open {
        let kind = EntryKind::File(Ok(text.clone().into_bytes()));
        match entries.iter_mut().find(|e| &e.name == name) {
            Some(entry) => entry.kind = kind,
            None => entries.push(Entry {
                name: name.clone(),
                path: dir.join(name),
                kind,
            }),
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let names = entries.iter().map(|e| e.name.clone()).collect();
    Ok((Folder::new(display, entries), names))
}

/// How the findings name a folder: its last component.
fn display(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || "migrations".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// The folder and the file name of a path.
pub fn split(path: &Path) -> Option<(PathBuf, String)> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    Some((path.parent()?.to_path_buf(), name))
}
