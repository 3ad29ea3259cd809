//! `lint --changed-since REF`: the names of the folder's files that differ from a git revision
//! (changed, added or renamed since it, committed or not, and files git does not track yet), so
//! that a pull request sees the findings of its own files only. Reads git; the filtering itself
//! is [`keep`].

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use migrate_lint::Diagnostic;

use crate::failure::Failure;

/// The names of the files of `dir` that differ from `revision`.
pub fn since(dir: &Path, revision: &str) -> Result<BTreeSet<String>, Failure> {
    let diff = git(
        dir,
        &["diff", "--name-only", "--relative", revision, "--", "."],
        revision,
    )?;
    let untracked = git(
        dir,
        &["ls-files", "--others", "--exclude-standard", "--", "."],
        revision,
    )?;
    Ok(diff
        .lines()
        .chain(untracked.lines())
        .filter_map(|line| Path::new(line).file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect())
}

/// Keeps the findings about a file of `changed`.
pub fn keep(diagnostics: &mut Vec<Diagnostic>, changed: &BTreeSet<String>) {
    diagnostics.retain(|d| {
        Path::new(&d.path)
            .file_name()
            .is_some_and(|name| changed.contains(name.to_string_lossy().as_ref()))
    });
}

/// `git -C dir ARGS`'s output, or a usage failure with git's own words.
fn git(dir: &Path, args: &[&str], revision: &str) -> Result<String, Failure> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| {
            Failure::usage(format!(
                "--changed-since {revision}: cannot run git ({e})\n  = help: install git, or \
                 leave out --changed-since to check every file"
            ))
        })?;
    if !output.status.success() {
        return Err(Failure::usage(format!(
            "--changed-since {revision}: git cannot compare {} with it: {}\n  = help: name a \
             revision of the repository that holds the folder (a branch such as `origin/main`, \
             a tag or a commit); in CI, fetch it first (`git fetch origin main`)",
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
