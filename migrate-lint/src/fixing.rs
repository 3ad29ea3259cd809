//! `migrate lint --fix`: check a folder, apply every fix that edits a file, check again, until
//! no fix applies. Pure: the caller reads the entries ([`crate::discover::read_dir`]) and writes
//! the fixed files.

use std::path::PathBuf;

use crate::check::check_entries;
use crate::discover::{classify, Entry, EntryKind, FileName};
use crate::fix::{apply, compatible, in_original};
use crate::model::Outcome;
use crate::parse;
use crate::source::normalise;

/// How many times at most the fixes are applied and the folder checked again. A pass applies
/// every fix that conflicts with none before it; the next one what a conflict held back (two
/// insertions at one place: `CONCURRENTLY`, then `IF NOT EXISTS` after it) and what a fix
/// uncovered. Real folders need two or three.
pub const MAX_PASSES: usize = 8;

/// A file the fixes changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// The file as messages name it (`migrations/003_add_users.sql`).
    pub path: String,
    /// Where it is on disk.
    pub file: PathBuf,
    /// Its text before the fixes, as it was on disk.
    pub before: String,
    /// Its text after them, BOM and CRLF line ends kept as they were.
    pub after: String,
}

/// What fixing a folder did.
#[derive(Debug, Clone, Default)]
pub struct Fixing {
    /// The files the fixes changed, in the folder's order.
    pub files: Vec<Fixed>,
    /// The folder checked after the last pass: what is left to fix by hand, and the fixes that
    /// are plans ([`crate::Fix::NewFile`]).
    pub outcome: Outcome,
    /// Files whose fixes would have left SQL that PostgreSQL's parser rejects: left as they
    /// were. A bug of the checker, never expected.
    pub refused: Vec<String>,
}

/// Checks the folder's entries (see [`check_entries`]), applies the edits of every finding's
/// fix to its file, and does it again until no fix applies (at most [`MAX_PASSES`] times).
/// Files up to `legacy_until` are never changed; a file that cannot be parsed has no fix.
/// Pure: `entries` are the folder as read, the result says what to write.
pub fn fix_entries(display: &str, mut entries: Vec<Entry>) -> Fixing {
    let mut before: Vec<(usize, String)> = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..MAX_PASSES {
        let outcome = check_entries(display, entries.clone());
        let legacy = |name: &str| match classify(name) {
            FileName::Up { version, .. } | FileName::Down { version, .. } => outcome
                .config
                .legacy_until
                .is_some_and(|until| version <= until),
            _ => true,
        };
        let mut changed = false;
        for (i, entry) in entries.iter_mut().enumerate() {
            let path = format!("{}/{}", display.trim_end_matches('/'), entry.name);
            let EntryKind::File(Ok(bytes)) = &entry.kind else {
                continue;
            };
            if legacy(&entry.name) || refused.contains(&path) {
                continue;
            }
            let fixes = outcome.diagnostics.iter().filter(|d| d.path == path);
            let edits = compatible(fixes.filter_map(|d| d.fix.as_ref()));
            let (Ok(original), Ok(text)) = (std::str::from_utf8(bytes), normalise(bytes)) else {
                continue;
            };
            if edits.is_empty() {
                continue;
            }
            let fixed = apply(&text, &edits);
            let parses = |text: &str| parse::parse(text).is_ok();
            let Some(after) = fixed
                .filter(|fixed| !parses(&text) || parses(fixed))
                .and_then(|_| apply(original, &in_original(original, &edits)))
            else {
                refused.push(path);
                continue;
            };
            if !before.iter().any(|(j, _)| *j == i) {
                before.push((i, original.to_owned()));
            }
            entry.kind = EntryKind::File(Ok(after.into_bytes()));
            changed = true;
        }
        if !changed {
            return finish(entries, before, outcome, refused, display);
        }
    }
    let outcome = check_entries(display, entries.clone());
    finish(entries, before, outcome, refused, display)
}

fn finish(
    entries: Vec<Entry>,
    mut before: Vec<(usize, String)>,
    outcome: Outcome,
    refused: Vec<String>,
    display: &str,
) -> Fixing {
    before.sort_by_key(|(i, _)| *i);
    let files = before
        .into_iter()
        .filter_map(|(i, before)| {
            let entry = &entries[i];
            let EntryKind::File(Ok(bytes)) = &entry.kind else {
                return None;
            };
            Some(Fixed {
                path: format!("{}/{}", display.trim_end_matches('/'), entry.name),
                file: entry.path.clone(),
                before,
                after: String::from_utf8(bytes.clone()).ok()?,
            })
        })
        .filter(|f| f.before != f.after)
        .collect();
    Fixing {
        files,
        outcome,
        refused,
    }
}
