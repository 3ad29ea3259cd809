//! The verdict on an unchanged folder, kept between builds so that a rebuild costs a look at the
//! folder's file list instead of a check.
//!
//! Where: the build's own output directory (`OUT_DIR`, which cargo sets for a crate with a
//! `build.rs`, as the quick start advises), two files per folder; never the source tree. Without
//! `OUT_DIR` nothing is kept.
//!
//! - `migrate-embed-<place>.rs`: the set's tokens as Rust source (one block expression), which a
//!   hit reads back as the expansion's tokens (not `include!`d: rustc and clippy would take
//!   included code for the user's own, and lint it);
//! - `migrate-embed-<place>.cache`: its key and what tells whether it still holds.
//!
//! **The key** is a SHA-256 of the macro's identity ([`BUILD`]: its version and the sources of
//! the macro, the checker and `migrate-core`, from `build.rs`), the folder's path as given and on
//! disk, and every entry of the folder as the checker reads it (read once, for both): each name,
//! each file's bytes (`migrate.toml` included), and whether a sub-folder holds SQL. A changed,
//! new or removed file, a changed `migrate.toml`, another checker or another emitter misses.
//!
//! **The stamps** spare a rebuild reading and hashing the folder: the folder's entries with, for
//! each file, its inode, size, and last modification and change times, taken *before* the files
//! are read for a check. When the folder's stamps are the ones kept, no file was written,
//! replaced, added or removed since (any write sets a file's change time, which no tool can set
//! back), and the kept verdict is used without reading a file. A file changed less than
//! [`SETTLE`] before the stamps were taken is not trusted to them (a second write within the same
//! clock tick would leave the same times): such a folder is stamped at a later build. When the
//! stamps differ (a `git checkout`, a `touch`), the folder is read and the key decides; a hit
//! then keeps the new stamps. A folder with a sub-folder is never stamped, only keyed.
//!
//! **Trust**: the `.rs` file is used only when its own stamp is the one kept when it was
//! written, so a file changed since (by hand, or half-written) is ignored; the `.cache` file's
//! key, the `.rs` file's stamp and the warnings are trusted only under a SHA-256 kept with them.
//! Every file is written to a temporary file and renamed, so a reader never sees half of one.
//! Only a folder without errors is kept (the errors need the checker's spans).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use migrate_lint::checksum;
use migrate_lint::discover::{Entry as DirEntry, EntryKind};
use sha2::{Digest, Sha256};

/// The macro's identity: its version and a SHA-256 of the sources it was built from.
const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("MIGRATE_MACROS_BUILD"));

/// How long ago a file must have last changed for its stamp to be trusted: longer than any file
/// system's clock tick.
const SETTLE: Duration = Duration::from_secs(2);

/// A folder's place in the cache.
pub(crate) struct Cache {
    /// The `.cache` file: the key, the stamps, the warnings.
    file: PathBuf,
    /// The `.rs` file: the set's tokens.
    set_file: PathBuf,
    folder: PathBuf,
    /// What the verdict depends on besides the folder's entries.
    identity: String,
    settle: Duration,
}

/// A verdict to keep: the warnings' messages and the tokens of the set (one block expression),
/// as text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub warnings: Vec<String>,
    pub set: String,
}

/// A kept verdict: the warnings' messages, and the file holding the set's tokens.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub warnings: Vec<String>,
    pub set_file: PathBuf,
}

/// A folder's stamps, or none when one of its entries cannot be trusted to a stamp.
pub(crate) struct Stamps(Option<String>);

/// What a `.cache` file holds.
struct Kept {
    key: String,
    set_stamp: String,
    stamps: String,
    warnings: Vec<String>,
}

impl Cache {
    /// The cache of `folder` (shown as `display`) in `out_dir`.
    pub(crate) fn new(out_dir: &Path, folder: &Path, display: &str) -> Self {
        let place = checksum(&folder.to_string_lossy());
        let base = out_dir.join(format!("migrate-embed-{}", &place[..16]));
        Cache {
            file: base.with_extension("cache"),
            set_file: base.with_extension("rs"),
            folder: folder.to_owned(),
            identity: format!("{BUILD}\n{display}\n{}\n", folder.to_string_lossy()),
            settle: SETTLE,
        }
    }

    /// The folder's stamps now, to be taken before its files are read.
    pub(crate) fn stamps(&self) -> Stamps {
        let settled = SystemTime::now()
            .checked_sub(self.settle)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        Stamps(folder_stamps(&self.folder, settled).map(|s| format!("{}{s}", self.identity)))
    }

    /// The kept verdict when the folder's `stamps` are the ones kept with it: no file of the
    /// folder is read.
    pub(crate) fn unchanged(&self, stamps: &Stamps) -> Option<Hit> {
        let now = stamps.0.as_ref()?;
        let kept = self.read()?;
        (kept.stamps == *now).then(|| self.hit(kept))?
    }

    /// The key of the folder whose entries, as the checker reads them, are `entries`.
    pub(crate) fn key(&self, entries: &[DirEntry]) -> String {
        let mut hasher = Sha256::new();
        let mut part = |bytes: &[u8]| {
            hasher.update(bytes.len().to_le_bytes());
            hasher.update(bytes);
        };
        part(self.identity.as_bytes());
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
        hex(&hasher.finalize())
    }

    /// The verdict kept under `key`; when the folder's `stamps` (taken before it was read) are
    /// new, they are kept for the next build.
    pub(crate) fn load(&self, key: &str, stamps: &Stamps) -> Option<Hit> {
        let kept = self.read().filter(|kept| kept.key == key)?;
        let hit = self.hit(Kept {
            key: kept.key.clone(),
            set_stamp: kept.set_stamp.clone(),
            stamps: String::new(),
            warnings: kept.warnings.clone(),
        })?;
        if let Some(now) = stamps.0.as_ref().filter(|now| **now != kept.stamps) {
            self.write_kept(&Kept {
                stamps: now.clone(),
                ..kept
            });
        }
        Some(hit)
    }

    /// Keeps `entry` under `key` and the folder's `stamps` (best effort: a cache that cannot be
    /// written is no cache).
    pub(crate) fn store(&self, key: &str, stamps: &Stamps, entry: &Entry) {
        let Some(set_stamp) = write(&self.set_file, &entry.set)
            .then(|| stamp(&self.set_file))
            .flatten()
        else {
            return;
        };
        self.write_kept(&Kept {
            key: key.to_owned(),
            set_stamp,
            stamps: stamps.0.clone().unwrap_or_default(),
            warnings: entry.warnings.clone(),
        });
    }

    /// `kept` as a hit, when the set file is still the one written with it.
    fn hit(&self, kept: Kept) -> Option<Hit> {
        (stamp(&self.set_file)? == kept.set_stamp).then(|| Hit {
            warnings: kept.warnings,
            set_file: self.set_file.clone(),
        })
    }

    /// The `.cache` file: the SHA-256 of what it trusts, then the key, the set file's stamp, the
    /// folder's stamps and the warnings, each as `<length>\n<text>`. The stamps need no sum: a
    /// damaged stamp only misses.
    fn read(&self) -> Option<Kept> {
        let text = String::from_utf8(std::fs::read(&self.file).ok()?).ok()?;
        let mut parts = decode(&text)?.into_iter();
        let (sum, key, set_stamp, stamps) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let kept = Kept {
            key,
            set_stamp,
            stamps,
            warnings: parts.collect(),
        };
        (sum == kept.sum()).then_some(kept)
    }

    fn write_kept(&self, kept: &Kept) {
        let sum = kept.sum();
        let parts = [&sum, &kept.key, &kept.set_stamp, &kept.stamps]
            .into_iter()
            .chain(&kept.warnings);
        write(&self.file, &encode(parts));
    }

    #[cfg(test)]
    fn settling(self, settle: Duration) -> Self {
        Cache { settle, ..self }
    }
}

impl Kept {
    /// The SHA-256 of what is trusted without a stamp.
    fn sum(&self) -> String {
        checksum(&encode(
            [&self.key, &self.set_stamp]
                .into_iter()
                .chain(&self.warnings),
        ))
    }
}

/// One line per entry of `folder`: its name and, for a file, its stamp; none when an entry is a
/// folder, cannot be read, or changed after `settled`.
#[cfg(unix)]
fn folder_stamps(folder: &Path, settled: SystemTime) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(folder).ok()? {
        let entry = entry.ok()?;
        // Through a link, as the checker reads it.
        let meta = if entry.file_type().ok()?.is_symlink() {
            std::fs::metadata(entry.path())
        } else {
            entry.metadata()
        }
        .ok()?;
        let time = |secs: i64, nanos: i64| {
            Some(
                SystemTime::UNIX_EPOCH
                    + Duration::new(u64::try_from(secs).ok()?, u32::try_from(nanos).ok()?),
            )
        };
        let changed =
            time(meta.ctime(), meta.ctime_nsec())?.max(time(meta.mtime(), meta.mtime_nsec())?);
        if meta.is_dir() || changed >= settled {
            return None;
        }
        lines.push(format!(
            "{}\0{}\n",
            entry.file_name().to_string_lossy(),
            stamp_of(&meta)
        ));
    }
    lines.sort();
    Some(lines.concat())
}

#[cfg(not(unix))]
fn folder_stamps(_: &Path, _: SystemTime) -> Option<String> {
    None
}

/// A file's stamp: what any write to it changes.
fn stamp(file: &Path) -> Option<String> {
    std::fs::metadata(file).ok().map(|meta| stamp_of(&meta))
}

#[cfg(unix)]
fn stamp_of(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{} {} {} {}.{} {}.{}",
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

#[cfg(not(unix))]
fn stamp_of(meta: &std::fs::Metadata) -> String {
    format!("{} {:?}", meta.len(), meta.modified().ok())
}

/// Writes `text` to `file` through a temporary file renamed over it; whether it was written.
fn write(file: &Path, text: &str) -> bool {
    let temporary = file.with_extension(format!("tmp{}", std::process::id()));
    let written =
        std::fs::write(&temporary, text).is_ok() && std::fs::rename(&temporary, file).is_ok();
    if !written {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// `<count>\n` then each part as `<length>\n<text>`.
fn encode<'a>(parts: impl IntoIterator<Item = &'a String>) -> String {
    let parts: Vec<&String> = parts.into_iter().collect();
    let mut out = format!("{}\n", parts.len());
    for part in parts {
        out.push_str(&format!("{}\n{part}", part.len()));
    }
    out
}

fn decode(text: &str) -> Option<Vec<String>> {
    let (count, mut rest) = text.split_once('\n')?;
    let count: usize = count.parse().ok()?;
    let mut parts = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let (length, after) = rest.split_once('\n')?;
        let length: usize = length.parse().ok()?;
        parts.push(after.get(..length)?.to_owned());
        rest = &after[length..];
    }
    rest.is_empty().then_some(parts)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_lint::discover::read_dir;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    /// The cache of `dir`, trusting stamps of files changed up to now.
    fn open(out: &tempfile::TempDir, dir: &tempfile::TempDir, display: &str) -> Cache {
        Cache::new(out.path(), dir.path(), display).settling(Duration::ZERO)
    }

    fn key(cache: &Cache) -> String {
        cache.key(&read_dir(&cache.folder).unwrap())
    }

    fn entry() -> Entry {
        Entry {
            warnings: vec!["a\nwarning".to_owned(), String::new()],
            set: "{ static MIGRATIONS : [..] ; \"é\" }".to_owned(),
        }
    }

    fn keep(cache: &Cache) {
        let stamps = cache.stamps();
        cache.store(&key(cache), &stamps, &entry());
    }

    /// Through the stamps, else through the key, as a build does.
    fn lookup(cache: &Cache) -> Option<Hit> {
        let stamps = cache.stamps();
        cache
            .unchanged(&stamps)
            .or_else(|| cache.load(&key(cache), &stamps))
    }

    #[test]
    fn a_stored_entry_comes_back_whole_under_the_same_key_only() {
        let out = tempfile::tempdir().unwrap();
        let dir = folder(&[("001_a.sql", "SELECT 1;\n")]);
        let cache = open(&out, &dir, "migrations");
        assert_eq!(lookup(&cache), None);
        keep(&cache);
        let hit = lookup(&cache).unwrap();
        assert_eq!(hit.warnings, entry().warnings);
        assert_eq!(std::fs::read_to_string(&hit.set_file).unwrap(), entry().set);
        // Shown under another name, the messages differ: another key.
        assert_eq!(lookup(&open(&out, &dir, "other")), None);
    }

    #[test]
    fn unchanged_stamps_spare_reading_the_folder_and_any_write_ends_them() {
        let out = tempfile::tempdir().unwrap();
        let dir = folder(&[("001_a.sql", "SELECT 1;\n"), ("migrate.toml", "")]);
        let cache = open(&out, &dir, "m");
        keep(&cache);
        assert!(cache.unchanged(&cache.stamps()).is_some());
        // Saved again with the same bytes (as an editor does: a new file renamed over it): the
        // stamps differ, the key holds, and the new stamps are kept.
        std::fs::write(dir.path().join("new"), "SELECT 1;\n").unwrap();
        std::fs::rename(dir.path().join("new"), dir.path().join("001_a.sql")).unwrap();
        let stamps = cache.stamps();
        assert!(cache.unchanged(&stamps).is_none());
        assert!(cache.load(&key(&cache), &stamps).is_some());
        assert!(cache.unchanged(&cache.stamps()).is_some());
        // Another text: neither holds.
        std::fs::write(dir.path().join("001_a.sql"), "SELECT 22;\n").unwrap();
        assert!(lookup(&cache).is_none());
    }

    #[test]
    fn a_file_changed_within_the_settling_time_is_not_trusted_to_its_stamp() {
        let out = tempfile::tempdir().unwrap();
        let dir = folder(&[("001_a.sql", "SELECT 1;\n")]);
        let cache = Cache::new(out.path(), dir.path(), "m");
        keep(&cache);
        let stamps = cache.stamps();
        assert!(stamps.0.is_none(), "written just now");
        assert!(cache.unchanged(&stamps).is_none());
        assert!(cache.load(&key(&cache), &stamps).is_some(), "the key holds");
    }

    #[test]
    fn a_changed_new_or_removed_file_misses() {
        let out = tempfile::tempdir().unwrap();
        let dir = folder(&[("001_a.sql", "SELECT 1;\n"), ("migrate.toml", "")]);
        let cache = open(&out, &dir, "m");
        keep(&cache);
        let hit = || lookup(&cache).is_some();
        assert!(hit());
        std::fs::write(dir.path().join("migrate.toml"), "legacy_until = 1\n").unwrap();
        assert!(!hit(), "migrate.toml changed");
        std::fs::write(dir.path().join("migrate.toml"), "").unwrap();
        assert!(hit(), "changed back");
        std::fs::write(dir.path().join("002_b.sql"), "SELECT 2;\n").unwrap();
        assert!(!hit(), "a new file");
        std::fs::remove_file(dir.path().join("002_b.sql")).unwrap();
        assert!(hit(), "removed again");
        std::fs::create_dir(dir.path().join("nested")).unwrap();
        assert!(!hit(), "a new folder");
        std::fs::write(dir.path().join("nested/001_a.sql"), "SELECT 1;\n").unwrap();
        assert!(!hit(), "SQL in a sub-folder");
    }

    #[test]
    fn a_corrupt_truncated_or_edited_entry_is_ignored() {
        let out = tempfile::tempdir().unwrap();
        let dir = folder(&[("001_a.sql", "SELECT 1;\n")]);
        let cache = open(&out, &dir, "m");
        keep(&cache);
        let kept = std::fs::read_to_string(&cache.file).unwrap();
        for broken in [
            kept.replace("warning", "warnink"),
            kept[..kept.len() - 3].to_owned(),
            String::new(),
            "garbage".to_owned(),
        ] {
            std::fs::write(&cache.file, broken).unwrap();
            assert_eq!(lookup(&cache), None);
        }
        keep(&cache);
        assert!(lookup(&cache).is_some());
        // The set file edited: its stamp no longer matches.
        let set = std::fs::read_to_string(&cache.set_file).unwrap();
        std::fs::write(
            &cache.set_file,
            set.replace("MIGRATIONS", "OTHER_MIGRATIONS"),
        )
        .unwrap();
        assert_eq!(lookup(&cache), None);
        keep(&cache);
        assert!(lookup(&cache).is_some());
    }
}
