//! The verdict on an unchanged folder, kept between builds so that it costs a hash of its files.
//!
//! Where: the build's own output directory (`OUT_DIR`, which cargo sets for a crate with a
//! `build.rs`, as the quick start advises), one file per folder; never the source tree. Without
//! `OUT_DIR` nothing is kept.
//!
//! The key is a SHA-256 of the macro's identity ([`BUILD`]: its version and the sources of the
//! macro, the checker and `migrate-core`, from `build.rs`), the folder's path as given and on
//! disk, and every entry of the folder as the checker reads it (read once, for both): each name,
//! each file's bytes (`migrate.toml` included), and whether a sub-folder holds SQL. A changed,
//! new or removed file, a changed `migrate.toml`, another checker or another emitter misses. Only a folder without errors is kept (the errors
//! need the checker's spans); a hit gives back its warnings and the tokens of the set.
//!
//! An entry is trusted only whole: its first line is the key, its second a SHA-256 of the rest;
//! a corrupt, truncated or stale entry is ignored (and replaced by the next store). A store
//! writes a temporary file and renames it, so a reader never sees half of one.

use std::path::{Path, PathBuf};

use migrate_lint::checksum;
use migrate_lint::discover::{Entry as DirEntry, EntryKind};
use sha2::{Digest, Sha256};

/// The macro's identity: its version and a SHA-256 of the sources it was built from.
const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("MIGRATE_MACROS_BUILD"));

/// A folder's place in the cache and its key.
pub(crate) struct Cache {
    file: PathBuf,
    key: String,
}

/// A kept verdict: the warnings' messages and the tokens of the set, as text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub warnings: Vec<String>,
    pub set: String,
}

impl Cache {
    /// The cache of `folder` (shown as `display`), whose entries are `entries` as the checker
    /// reads them, in `out_dir`.
    pub(crate) fn new(out_dir: &Path, folder: &Path, display: &str, entries: &[DirEntry]) -> Self {
        let mut hasher = Sha256::new();
        let mut part = |bytes: &[u8]| {
            hasher.update(bytes.len().to_le_bytes());
            hasher.update(bytes);
        };
        for text in [BUILD, display, &folder.to_string_lossy()] {
            part(text.as_bytes());
        }
        // What the checker sees of each entry, which is all its verdict depends on: the name, and
        // a file's bytes (or why it could not be read), or whether a sub-folder holds SQL.
        for entry in entries {
            part(entry.name.as_bytes());
            match &entry.kind {
                EntryKind::File(Ok(bytes)) => part(bytes),
                EntryKind::File(Err(error)) => part(format!("unreadable: {error}").as_bytes()),
                EntryKind::Folder { holds_sql } => part(format!("folder: {holds_sql}").as_bytes()),
            }
        }
        let place = checksum(&folder.to_string_lossy());
        Cache {
            file: out_dir.join(format!("migrate-embed-{}.cache", &place[..16])),
            key: hex(&hasher.finalize()),
        }
    }

    /// The entry kept under this key, if there is one and it is whole.
    pub(crate) fn load(&self) -> Option<Entry> {
        let bytes = std::fs::read(&self.file).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (key, rest) = text.split_once('\n')?;
        let (sum, payload) = rest.split_once('\n')?;
        if key != self.key || sum != checksum(payload) {
            return None;
        }
        decode(payload)
    }

    /// Keeps `entry` under this key (best effort: a cache that cannot be written is no cache).
    pub(crate) fn store(&self, entry: &Entry) {
        let payload = encode(entry);
        let text = format!("{}\n{}\n{payload}", self.key, checksum(&payload));
        let temporary = self
            .file
            .with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&temporary, text).is_ok()
            && std::fs::rename(&temporary, &self.file).is_err()
        {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

/// `<count>\n` then each warning and the set, each as `<length>\n<text>`.
fn encode(entry: &Entry) -> String {
    let mut out = format!("{}\n", entry.warnings.len());
    for part in entry.warnings.iter().chain([&entry.set]) {
        out.push_str(&format!("{}\n{part}", part.len()));
    }
    out
}

fn decode(mut payload: &str) -> Option<Entry> {
    let next = |payload: &mut &str| -> Option<String> {
        let (length, rest) = payload.split_once('\n')?;
        let length: usize = length.parse().ok()?;
        let part = rest.get(..length)?.to_owned();
        *payload = &rest[length..];
        Some(part)
    };
    let (count, rest) = payload.split_once('\n')?;
    payload = rest;
    let warnings = (0..count.parse::<usize>().ok()?)
        .map(|_| next(&mut payload))
        .collect::<Option<Vec<_>>>()?;
    let set = next(&mut payload)?;
    payload.is_empty().then_some(Entry { warnings, set })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    use migrate_lint::discover::read_dir;

    fn open(out: &tempfile::TempDir, dir: &tempfile::TempDir, display: &str) -> Cache {
        let entries = read_dir(dir.path()).unwrap();
        Cache::new(out.path(), dir.path(), display, &entries)
    }

    fn entry() -> Entry {
        Entry {
            warnings: vec!["a\nwarning".to_owned(), String::new()],
            set: "{ static MIGRATIONS : [..] ; \"é\" }".to_owned(),
        }
    }

    #[test]
    fn a_stored_entry_comes_back_whole_under_the_same_key_only() {
        let out = tempfile::tempdir().unwrap();
        let dir = folder(&[("001_a.sql", "SELECT 1;\n")]);
        let cache = open(&out, &dir, "migrations");
        assert_eq!(cache.load(), None);
        cache.store(&entry());
        assert_eq!(cache.load(), Some(entry()));
        // Shown under another name, the messages differ: another key.
        let other = open(&out, &dir, "other");
        assert_eq!(other.load(), None);
    }

    #[test]
    fn a_changed_new_or_removed_file_misses() {
        let out = tempfile::tempdir().unwrap();
        let dir = folder(&[("001_a.sql", "SELECT 1;\n"), ("migrate.toml", "")]);
        open(&out, &dir, "m").store(&entry());
        let hit = || open(&out, &dir, "m").load().is_some();
        assert!(hit());
        std::fs::write(dir.path().join("migrate.toml"), "legacy_until = 1\n").unwrap();
        assert!(!hit(), "migrate.toml changed");
        std::fs::write(dir.path().join("migrate.toml"), "").unwrap();
        assert!(hit(), "changed back");
        std::fs::write(dir.path().join("002_b.sql"), "SELECT 2;\n").unwrap();
        assert!(!hit(), "a new file");
        std::fs::remove_file(dir.path().join("002_b.sql")).unwrap();
        std::fs::create_dir(dir.path().join("nested")).unwrap();
        assert!(!hit(), "a new folder");
        std::fs::write(dir.path().join("nested/001_a.sql"), "SELECT 1;\n").unwrap();
        assert!(!hit(), "SQL in a sub-folder");
    }

    #[test]
    fn a_corrupt_or_truncated_entry_is_ignored() {
        let out = tempfile::tempdir().unwrap();
        let dir = folder(&[("001_a.sql", "SELECT 1;\n")]);
        let cache = open(&out, &dir, "m");
        cache.store(&entry());
        let kept = std::fs::read_to_string(&cache.file).unwrap();
        for broken in [
            kept.replace("MIGRATIONS", "MIGRATIONZ"),
            kept[..kept.len() - 3].to_owned(),
            String::new(),
            "garbage".to_owned(),
        ] {
            std::fs::write(&cache.file, broken).unwrap();
            assert_eq!(cache.load(), None);
        }
        cache.store(&entry());
        assert_eq!(cache.load(), Some(entry()));
    }
}
