//! The vocabulary every tool's reader shares: a source file, the parts read from it, and what a
//! tool makes of a file (a migration, a file it ignores, one we refuse).

/// One file of the source folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path relative to the source folder, `/`-separated (`2024_x/up.sql`).
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// An up or down script: its bytes, its source, and whether the tool runs it outside a
/// transaction (and the marker that says so).
pub(super) struct Part {
    /// The script as we write it, without the tool's marker lines.
    pub bytes: Vec<u8>,
    /// The source file.
    pub from: String,
    /// Why the tool runs it outside a transaction, for the report; `None`: inside one.
    pub no_transaction: Option<String>,
}

impl Part {
    /// The bytes of `file` as they are, run in a transaction.
    pub fn plain(file: &SourceFile) -> Self {
        Part {
            bytes: file.bytes.clone(),
            from: file.path.clone(),
            no_transaction: None,
        }
    }
}

/// Up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Applies the change.
    Up,
    /// Reverts it.
    Down,
}

/// Why a file the tool would run cannot be carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refuse {
    /// The file it is in, when not the migration's own (Flyway's `.conf`).
    pub path: Option<String>,
    /// The 1-based line the tool stops at or reads, when there is one.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub reason: String,
}

impl Refuse {
    /// A refusal of the whole file.
    pub fn file(reason: impl Into<String>) -> Self {
        Refuse {
            path: None,
            line: None,
            reason: reason.into(),
        }
    }

    /// A refusal at a line (0-based `index`, reported 1-based).
    pub fn at(index: usize, reason: impl Into<String>) -> Self {
        Refuse {
            path: None,
            line: Some(index + 1),
            reason: reason.into(),
        }
    }
}

/// What a tool makes of a file, by its name.
pub(super) enum Named {
    /// A migration: its version and its name (the part of ours after `{version}_`).
    Migration(String, String),
    /// A repeatable migration (Flyway's `R__{description}.sql`): its name, ours `R__{name}.sql`.
    Repeatable(String),
    /// Read along with a migration (Flyway's `.sql.conf`): not reported.
    Companion,
    /// Not a migration to the tool, which ignores it: skipped, with the reason.
    Ignored(String),
    /// A file the tool runs or stops at that we cannot carry over.
    Refused(String),
}

/// The lines of `text` with their line ends, and each without it (the line a line-based reader
/// sees: `\n` and a `\r` before it removed, as Go's `bufio.ScanLines` does).
pub(super) fn lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split_inclusive('\n').map(|line| {
        let bare = line.strip_suffix('\n').unwrap_or(line);
        (line, bare.strip_suffix('\r').unwrap_or(bare))
    })
}

/// The text of a file that must be UTF-8.
pub(super) fn text(file: &SourceFile) -> Result<&str, Refuse> {
    std::str::from_utf8(&file.bytes)
        .map_err(|e| Refuse::file(format!("not UTF-8 text ({e}): save it as UTF-8")))
}
