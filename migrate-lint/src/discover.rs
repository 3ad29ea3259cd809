//! Finding the migration files of a folder and reading their names.
//!
//! `{version}_{name}.sql` is an up file, `{version}_{name}.down.sql` its down file,
//! `{version}_{name}.checkpoint.sql` its checkpoint (what `migrate squash` writes). The version is
//! the leading digits, compared as an integer. `R__{name}.sql` is a repeatable migration (Flyway's
//! convention), re-applied after the versioned ones whenever its text changes; it has no down
//! file. Hidden files, editor backups and files that do not end in `.sql` are ignored; every other
//! `.sql` file must follow the convention.

use std::path::{Path, PathBuf};

use migrate_core::Version;

/// A directory entry, read but not yet judged.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The file name.
    pub name: String,
    /// Where it is on disk.
    pub path: PathBuf,
    /// What it is.
    pub kind: EntryKind,
}

/// What a directory entry is.
#[derive(Debug, Clone)]
pub enum EntryKind {
    /// A file (or a link to one) and its bytes, or the error reading it.
    File(Result<Vec<u8>, String>),
    /// A sub-folder, and whether it holds `.sql` files (directly or in a sub-folder of its own).
    Folder {
        /// Whether any `.sql` file is below it.
        holds_sql: bool,
    },
}

/// Reads a migration folder: every entry, with file contents. Entries are sorted by name.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = if path.is_dir() {
            EntryKind::Folder {
                holds_sql: holds_sql(&path),
            }
        } else {
            EntryKind::File(std::fs::read(&path).map_err(|e| e.to_string()))
        };
        entries.push(Entry { name, path, kind });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

fn holds_sql(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let path = e.path();
            if path.is_dir() {
                holds_sql(&path)
            } else {
                has_sql_extension(&e.file_name().to_string_lossy())
            }
        })
    })
}

/// What a file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileName {
    /// Not a migration file, and rightly so: hidden, a backup, not `.sql`.
    Ignored,
    /// `{version}_{name}.sql`
    Up { version: Version, name: String },
    /// `{version}_{name}.down.sql`
    Down { version: Version, name: String },
    /// `{version}_{name}.checkpoint.sql`
    Checkpoint { version: Version, name: String },
    /// `R__{name}.sql`: a repeatable migration.
    Repeatable { name: String },
    /// A `.sql` file whose name breaks the convention: what is wrong, and the fix.
    Invalid { problem: String, help: String },
}

fn has_sql_extension(name: &str) -> bool {
    name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(".sql")
}

/// Whether a file name follows the naming rule of a migration file (`{version}_{name}.sql`,
/// `{version}_{name}.down.sql`, `{version}_{name}.checkpoint.sql` or `R__{name}.sql`). Pure.
pub fn is_migration(file: &str) -> bool {
    matches!(
        classify(file),
        FileName::Up { .. }
            | FileName::Down { .. }
            | FileName::Checkpoint { .. }
            | FileName::Repeatable { .. }
    )
}

/// The prefix of a repeatable migration's file name: `R__{name}.sql`.
pub const REPEATABLE_PREFIX: &str = "R__";

/// Reads a file name. Pure.
pub(crate) fn classify(file: &str) -> FileName {
    let is_backup = file.starts_with('.')
        || file.starts_with('#')
        || file.ends_with('~')
        || file.ends_with(".swp")
        || file.ends_with(".swo");
    if is_backup || !has_sql_extension(file) {
        return FileName::Ignored;
    }
    let invalid = |problem: &str, help: String| FileName::Invalid {
        problem: problem.to_owned(),
        help,
    };
    let Some(stem) = file.strip_suffix(".sql") else {
        let stem = &file[..file.len() - 4];
        return invalid(
            "the extension must be `.sql` in lower case",
            format!("rename it `{stem}.sql`"),
        );
    };
    let (stem, checkpoint) = match stem.strip_suffix(".checkpoint") {
        Some(stem) => (stem, true),
        None => (stem, false),
    };
    let (stem, down) = match stem.strip_suffix(".down").filter(|_| !checkpoint) {
        Some(stem) => (stem, true),
        None => (stem, false),
    };
    if let Some(name) = stem.strip_prefix(REPEATABLE_PREFIX) {
        return repeatable(name, down, checkpoint);
    }
    if let Some(up) = stem.strip_suffix(".up") {
        return invalid(
            "an up file has no `.up` in its name",
            format!("rename it `{up}.sql`"),
        );
    }
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return invalid(
            "the name must start with a version number",
            format!("rename it `{{version}}_{stem}.sql`, e.g. `001_{stem}.sql`"),
        );
    }
    let (version, rest) = stem.split_at(digits);
    let Some(name) = rest.strip_prefix('_').filter(|n| !n.is_empty()) else {
        let down = match (down, checkpoint) {
            (true, _) => ".down",
            (_, true) => ".checkpoint",
            _ => "",
        };
        let help = match rest.trim_start_matches(['_', '-', '.']) {
            "" => format!(
                "rename it `{version}_{{name}}{down}.sql`, e.g. `{version}_add_users{down}.sql`"
            ),
            name => format!("rename it `{version}_{name}{down}.sql`"),
        };
        return invalid("the version must be followed by `_` and a name", help);
    };
    let Ok(version) = version.parse::<Version>() else {
        return invalid(
            &format!("the version has more than {} digits", Version::MAX_DIGITS),
            "use a shorter version, such as a sequence number or `YYYYMMDDHHMMSS`".to_owned(),
        );
    };
    let name = name.to_owned();
    match (down, checkpoint) {
        (true, _) => FileName::Down { version, name },
        (_, true) => FileName::Checkpoint { version, name },
        _ => FileName::Up { version, name },
    }
}

/// Reads the name of a repeatable migration (`R__{name}.sql`, the `.sql` and `R__` taken off):
/// the name follows a versioned file's rules (not empty), and there is no down file and no
/// checkpoint.
fn repeatable(name: &str, down: bool, checkpoint: bool) -> FileName {
    if checkpoint {
        return FileName::Invalid {
            problem: "a repeatable migration has no checkpoint: it is applied after the versioned \
                      migrations (and their checkpoint) whenever its text changes"
                .to_owned(),
            help: format!("remove it; `R__{name}.sql` itself is applied on a fresh database"),
        };
    }
    if down {
        return FileName::Invalid {
            problem: "a repeatable migration has no down file: it is applied again whenever its \
                      text changes"
                .to_owned(),
            help: format!(
                "remove it; to undo what `R__{name}.sql` creates, change that file (or drop the \
                 objects in a new versioned migration)"
            ),
        };
    }
    match name {
        "" => FileName::Invalid {
            problem: "the repeatable migration has no name after `R__`".to_owned(),
            help: "rename it `R__{name}.sql`, e.g. `R__views.sql`".to_owned(),
        },
        name => FileName::Repeatable {
            name: name.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(version: u128, name: &str) -> FileName {
        FileName::Up {
            version: Version::new(version),
            name: name.to_owned(),
        }
    }

    #[test]
    fn versions_are_integers_and_names_are_kept_as_written() {
        assert_eq!(classify("001_baseline.sql"), up(1, "baseline"));
        assert_eq!(classify("1_baseline.sql"), up(1, "baseline"));
        assert_eq!(
            classify("20251018143000_add-Users.v2.sql"),
            up(20251018143000, "add-Users.v2")
        );
        assert_eq!(
            classify("00020251018143000123456_long.sql"),
            up(20251018143000123456, "long")
        );
        assert_eq!(
            classify("003_add_users.checkpoint.sql"),
            FileName::Checkpoint {
                version: Version::new(3),
                name: "add_users".to_owned()
            }
        );
        assert_eq!(
            classify("003_add_users.down.sql"),
            FileName::Down {
                version: Version::new(3),
                name: "add_users".to_owned()
            }
        );
    }

    #[test]
    fn repeatable_migrations_have_a_name_and_no_down_file() {
        assert_eq!(
            classify("R__views.sql"),
            FileName::Repeatable {
                name: "views".to_owned()
            }
        );
        assert_eq!(
            classify("R__Grants-v2.sql"),
            FileName::Repeatable {
                name: "Grants-v2".to_owned()
            }
        );
        assert!(is_migration("R__views.sql"));
        for (name, fix) in [
            ("R__views.down.sql", "remove it"),
            ("R__views.checkpoint.sql", "remove it"),
            ("R__.sql", "R__views.sql"),
        ] {
            match classify(name) {
                FileName::Invalid { help, .. } => assert!(help.contains(fix), "{name}: {help}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn hidden_backup_and_other_files_are_ignored() {
        for name in [
            "README.md",
            ".001_x.sql",
            "001_x.sql~",
            ".#001_x.sql",
            "#001_x.sql#",
            ".001_x.sql.swp",
            "001_x.sql.swp",
            "notes.txt",
            "metadata.toml",
        ] {
            assert_eq!(classify(name), FileName::Ignored, "{name}");
        }
    }

    #[test]
    fn every_other_sql_file_is_an_error_with_a_fix() {
        for (name, fix) in [
            ("baseline.sql", "001_baseline.sql"),
            ("001.sql", "`001_add_users.sql`"),
            ("001-baseline.sql", "001_baseline.sql"),
            ("001_.sql", "001_add_users.sql"),
            ("001_x.SQL", "001_x.sql"),
            ("001_x.up.sql", "001_x.sql"),
            (
                "123456789012345678901234567890123456789_x.sql",
                "YYYYMMDDHHMMSS",
            ),
        ] {
            match classify(name) {
                FileName::Invalid { help, .. } => assert!(help.contains(fix), "{name}: {help}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
