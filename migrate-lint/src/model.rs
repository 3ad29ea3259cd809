//! The checked migration set: what the macro embeds and the CLI runs.

use std::ops::Range;
use std::path::PathBuf;

use migrate_core::{IndexBuild, Transaction, Version};

use crate::config::Config;
use crate::diagnostic::Diagnostic;

/// One checked SQL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The path as shown in messages (`migrations/003_add_users.sql`).
    pub path: String,
    /// The path on disk.
    pub file: PathBuf,
    /// The normalised text: leading BOM removed, CRLF turned into LF.
    pub text: String,
    /// Whether `text` is the file's bytes as they are (most files: no BOM, LF line ends), so
    /// that the macro can embed the file itself (`include_str!`) rather than a copy.
    pub verbatim: bool,
    /// How the statements run.
    pub transaction: Transaction,
    /// Byte ranges of the statements to run in `text`: the file's own outer `BEGIN;`/`COMMIT;`
    /// removed, semicolons and surrounding comments excluded.
    pub statements: Vec<Range<usize>>,
    /// The statements that build an index concurrently (`CREATE [UNIQUE] INDEX CONCURRENTLY
    /// name`), whose index the runtime checks is valid afterwards. Empty for most files.
    pub index_builds: Vec<IndexBuild>,
}

/// One checked migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The version, from the file name's leading digits.
    pub version: Version,
    /// The rest of the file name, as written.
    pub name: String,
    /// Hex SHA-256 of the up script's normalised text.
    pub checksum: String,
    /// The up file.
    pub up: Script,
    /// The down file, if any.
    pub down: Option<Script>,
    /// The checkpoint (`{version}_{name}.checkpoint.sql`), if any: what a fresh database runs
    /// instead of the migrations up to this one.
    pub checkpoint: Option<Script>,
}

/// One checked repeatable migration (`R__{name}.sql`): applied after the versioned migrations,
/// again whenever its checksum changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeatable {
    /// The rest of the file name after `R__`, as written.
    pub name: String,
    /// Hex SHA-256 of the script's normalised text.
    pub checksum: String,
    /// The file (always run in one transaction).
    pub script: Script,
}

/// The result of checking a folder: every finding of every file, and the migrations.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every migration whose up file checked without error, in ascending version order. Only a
    /// complete set when [`Outcome::has_errors`] is false.
    pub migrations: Vec<Migration>,
    /// Every repeatable migration that checked without error, in file-name order (the order
    /// they are applied in).
    pub repeatables: Vec<Repeatable>,
    /// Errors and warnings of all files, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The folder's `migrate.toml` (the defaults when absent; what could be read when it has
    /// errors, which are among the diagnostics).
    pub config: Config,
    /// The findings not reported because their files are legacy history (`legacy_until`).
    pub legacy: Legacy,
}

/// The findings that `legacy_until` kept out of the report: idempotency, destructive and
/// lock-hazard findings of files already applied somewhere. Only counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Legacy {
    /// How many legacy files had such findings.
    pub files: usize,
    /// How many findings.
    pub findings: usize,
}

impl Outcome {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// How many migrations checked without error, versioned and repeatable.
    pub fn checked(&self) -> usize {
        self.migrations.len() + self.repeatables.len()
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}
