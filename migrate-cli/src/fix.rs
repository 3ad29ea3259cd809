//! `migrate lint --fix [--dry-run]`: the checker's fixes applied to the folder
//! ([`migrate_lint::fix_entries`], pass after pass), a unified diff of each file changed, the
//! plans that need a new file (shown, never applied), the files left alone and why. The
//! deciding and the printing are pure ([`report`]); reading the folder and writing the files
//! (each through a temporary file renamed over it) are the edges ([`run`]).

use std::path::Path;

use migrate_lint::{discover, fix_entries, Diagnostic, Fix, Fixed, Fixing, NewFile, Outcome};
use similar::TextDiff;

use crate::failure::Failure;
use crate::new::{convention, next_version, Utc};

/// Fixes the folder `dir` in place, or with `dry_run` only prints what it would change;
/// prints the diff, the plans and the files left alone, and returns the folder's findings
/// after the fixes (with `dry_run`, those the fixes would leave).
pub fn run(dir: &Path, dry_run: bool) -> Result<Outcome, Failure> {
    let display = dir.display().to_string();
    let entries = discover::read_dir(dir)
        .map_err(|e| Failure::usage(format!("cannot read the migration folder {display}: {e}")))?;
    let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    let fixing = fix_entries(&display, entries);
    if !dry_run {
        for file in &fixing.files {
            write(file)?;
        }
    }
    print!("{}", report(&fixing, dry_run, &names, Utc::now()));
    Ok(fixing.outcome)
}

/// Writes the fixed text over the file: into a temporary file beside it, then renamed over it,
/// so that an interrupted run leaves the old text or the new one, never half of it. A link is
/// followed: the file it points to is replaced.
fn write(fixed: &Fixed) -> Result<(), Failure> {
    let fail = |what: &str, e: std::io::Error| {
        Failure::usage(format!("cannot {what} {}: {e}", fixed.file.display()))
    };
    let target = std::fs::canonicalize(&fixed.file).map_err(|e| fail("find", e))?;
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    // A hidden name: the checker ignores it if a crash leaves it behind.
    let temporary = target.with_file_name(format!(".{name}.migrate-fix"));
    let permissions = std::fs::metadata(&target)
        .map_err(|e| fail("read", e))?
        .permissions();
    std::fs::write(&temporary, &fixed.after).map_err(|e| fail("write a copy of", e))?;
    std::fs::set_permissions(&temporary, permissions).map_err(|e| fail("write", e))?;
    std::fs::rename(&temporary, &target).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail("replace", e)
    })
}

/// What `--fix` prints before the findings: each changed file's unified diff, a summary line,
/// the plans, and the files left alone. `names` are the folder's file names (the plans'
/// new files are numbered after them), `now` the time a timestamp-numbered folder's next
/// version is taken from.
pub fn report(fixing: &Fixing, dry_run: bool, names: &[String], now: Utc) -> String {
    let mut out = String::new();
    for file in &fixing.files {
        let diff = TextDiff::from_lines(&file.before, &file.after);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
                .to_string(),
        );
    }
    let count = fixing.files.len();
    let files = if count == 1 { "file" } else { "files" };
    out.push_str(&match (count, dry_run) {
        (0, _) => "nothing to fix mechanically\n".to_owned(),
        (_, true) => format!("--fix --dry-run: would change {count} {files}, wrote nothing\n"),
        (_, false) => format!("--fix: changed {count} {files}\n"),
    });
    let mut names = names.to_vec();
    for (diagnostic, plan) in plans(&fixing.outcome) {
        let version = next_version(convention(names.iter().map(String::as_str)), now);
        let new = format!(
            "{version}_{}_concurrently.sql",
            migration_name(&diagnostic.path)
        );
        out.push_str(&show_plan(diagnostic, plan, &new, &fixing.outcome));
        names.push(new);
    }
    for (path, why) in left_alone(fixing) {
        out.push_str(&format!(
            "note: {path} was left alone by --fix: {why}; fix it by hand (see below), then run \
             `migrate lint --fix` again\n"
        ));
    }
    if let (Some(until), true) = (
        fixing.outcome.config.legacy_until,
        fixing.outcome.legacy.files > 0,
    ) {
        out.push_str(&format!(
            "note: files up to version {until} (`legacy_until` in migrate.toml) are history: \
             --fix never changes them\n"
        ));
    }
    out.push('\n');
    out
}

/// The findings whose fix needs a new file.
fn plans(outcome: &Outcome) -> impl Iterator<Item = (&Diagnostic, &NewFile)> {
    outcome.diagnostics.iter().filter_map(|d| match &d.fix {
        Some(Fix::NewFile(plan)) => Some((d, plan)),
        _ => None,
    })
}

/// `add_index` of `migrations/002_add_index.sql`.
fn migration_name(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    let file = file.strip_suffix(".sql").unwrap_or(file);
    let file = file.strip_suffix(".down").unwrap_or(file);
    file.split_once('_').map_or(file, |(_, name)| name)
}

/// One plan: what to remove from the file, what to write in a new one.
fn show_plan(diagnostic: &Diagnostic, plan: &NewFile, new: &str, outcome: &Outcome) -> String {
    let indent = |text: &str| -> String {
        text.lines()
            .map(|line| format!("       {line}\n"))
            .collect()
    };
    let text = outcome
        .migrations
        .iter()
        .flat_map(|m| std::iter::once(&m.up).chain(&m.down))
        .find(|script| script.path == diagnostic.path)
        .and_then(|script| script.text.get(plan.remove.clone()));
    let remove = match text {
        Some(text) => format!("  1. remove from {}:\n{}", diagnostic.path, indent(text)),
        None => format!("  1. remove the statement at {}\n", diagnostic.location()),
    };
    let folder = diagnostic
        .path
        .rsplit_once('/')
        .map_or("", |(folder, _)| folder);
    format!(
        "plan for {} [{}] (not applied: it needs a new file): {}\n{remove}  2. create \
         {folder}/{new} (or the next version's name):\n{}",
        diagnostic.location(),
        diagnostic.rule,
        plan.title,
        indent(&plan.content)
    )
}

/// The files `--fix` could not change, and why: not UTF-8, a syntax error, or fixes that
/// would not parse.
fn left_alone(fixing: &Fixing) -> Vec<(&str, &'static str)> {
    let mut alone: Vec<(&str, &'static str)> = fixing
        .outcome
        .diagnostics
        .iter()
        .filter_map(|d| {
            let why = match d.rule {
                "not-utf8" => "it is not valid UTF-8",
                "nul-byte" => "it holds a NUL byte",
                "syntax" => "PostgreSQL's parser rejects it, so its statements are not known",
                _ => return None,
            };
            Some((d.path.as_str(), why))
        })
        .collect();
    alone.dedup_by_key(|(path, _)| *path);
    alone.extend(fixing.refused.iter().map(|path| {
        (
            path.as_str(),
            "its fixes would leave SQL that PostgreSQL's parser rejects (a bug of the checker: \
             please report it)",
        )
    }));
    alone
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_lint::discover::{Entry, EntryKind};

    const NOW: Utc = Utc {
        year: 2026,
        month: 1,
        day: 2,
        hour: 3,
        minute: 4,
        second: 5,
    };

    fn fix(files: &[(&str, &str)]) -> (Fixing, Vec<String>) {
        let entries: Vec<Entry> = files
            .iter()
            .map(|(name, text)| Entry {
                name: (*name).to_owned(),
                path: Path::new("/nowhere").join(name),
                kind: EntryKind::File(Ok(text.as_bytes().to_vec())),
            })
            .collect();
        let names = files.iter().map(|(name, _)| (*name).to_owned()).collect();
        (fix_entries("migrations", entries), names)
    }

    #[test]
    fn the_report_is_a_unified_diff_then_a_summary() {
        let (fixing, names) = fix(&[("001_a.sql", "-- users\nCREATE TABLE a (id int);\n")]);
        assert_eq!(
            report(&fixing, false, &names, NOW),
            "--- a/migrations/001_a.sql\n+++ b/migrations/001_a.sql\n@@ -1,2 +1,2 @@\n \
             -- users\n-CREATE TABLE a (id int);\n+CREATE TABLE IF NOT EXISTS a (id int);\n\
             --fix: changed 1 file\n\n"
        );
        let (fixing, names) = fix(&[("001_a.sql", "SELECT 1;\n")]);
        assert_eq!(
            report(&fixing, true, &names, NOW),
            "nothing to fix mechanically\n\n"
        );
    }

    #[test]
    fn a_plan_names_what_to_remove_and_the_new_file() {
        let (fixing, names) = fix(&[
            ("001_a.sql", "CREATE TABLE IF NOT EXISTS a (id int);\n"),
            (
                "002_index_a.sql",
                "SELECT 1;\nCREATE INDEX a_id ON a (id);\n",
            ),
        ]);
        let report = report(&fixing, true, &names, NOW);
        assert_eq!(
            report,
            "--- a/migrations/002_index_a.sql\n+++ b/migrations/002_index_a.sql\n\
             @@ -1,2 +1,2 @@\n SELECT 1;\n-CREATE INDEX a_id ON a (id);\n\
             +CREATE INDEX IF NOT EXISTS a_id ON a (id);\n\
             --fix --dry-run: would change 1 file, wrote nothing\n\
             plan for migrations/002_index_a.sql:2:1 [index-without-concurrently] (not applied: \
             it needs a new file): move the statement, with `CONCURRENTLY`, into a new migration \
             after this one that starts with `-- migrate:no-transaction`\n  \
             1. remove from migrations/002_index_a.sql:\n       \
             CREATE INDEX IF NOT EXISTS a_id ON a (id);\n  \
             2. create migrations/003_index_a_concurrently.sql (or the next version's name):\n       \
             -- migrate:no-transaction\n       \
             CREATE INDEX CONCURRENTLY IF NOT EXISTS a_id ON a (id);\n\n"
        );
    }

    #[test]
    fn files_that_do_not_parse_are_named_with_the_reason() {
        let (fixing, names) = fix(&[("001_a.sql", "CREATE TABLE a (id int);\nSELECT 1 fro x;\n")]);
        let report = report(&fixing, false, &names, NOW);
        assert!(report.contains(
            "note: migrations/001_a.sql was left alone by --fix: PostgreSQL's parser rejects it"
        ), "{report}");
        assert!(fixing.files.is_empty());
    }
}
