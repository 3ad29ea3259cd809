//! A folder that builds is a folder the command accepts: `embed_migrations!` and `migrate lint`
//! reach the same verdict, finding for finding, on every folder the project tests with (each
//! ui-test case, each runtime fixture and the crates.io corpus with its `migrate.toml`).
//!
//! The macro's side is a real build: a probe crate with one `embed_migrations!` per folder is
//! compiled by a nested `cargo build --message-format=json`, and the compiler's messages (errors,
//! and the warnings the macro emits as deprecation notes) are read back. The command's side is
//! the real binary's `lint --format json` on the same folders, from the same directory; and
//! `apply` refuses (exit 1, before connecting) exactly the folders whose build fails.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::migrate_in;

/// The folders compared, as `(link in the probe, folder it points to)`.
fn roots() -> [(&'static str, PathBuf); 2] {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    [
        ("ui", repo.join("ui-tests/migrations")),
        ("fixtures", repo.join("tests/migrations")),
    ]
}

/// Every migration folder under the roots, as the probe names it (`ui/fail_cascade`).
fn folders() -> Vec<String> {
    let mut folders = Vec::new();
    for (link, root) in roots() {
        let mut names: Vec<String> = std::fs::read_dir(&root)
            .unwrap_or_else(|e| panic!("read {}: {e}", root.display()))
            .map(|e| e.expect("read a folder entry"))
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        folders.extend(names.into_iter().map(|n| format!("{link}/{n}")));
    }
    folders
}

/// The probe crate: `src/lib.rs` embeds each folder; the roots are linked into it. It is built
/// in the target directory the rebuild test uses (`target/tests/rebuild`), so the dependencies
/// (pg_query above all) are compiled once for both.
fn probe(folders: &[String]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrate-runtime")
        .canonicalize()
        .expect("migrate-runtime next to migrate-cli");
    let manifest = format!(
        "[package]\nname = \"verdict-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[dependencies]\nmigrate-runtime = {{ path = {:?} }}\n\n[workspace]\n",
        runtime.to_str().expect("UTF-8 path")
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    std::fs::copy(lock, dir.path().join("Cargo.lock")).expect("copy Cargo.lock");
    for (link, root) in roots() {
        std::os::unix::fs::symlink(&root, dir.path().join(link)).expect("link a root");
    }
    let lib: String = folders
        .iter()
        .enumerate()
        .map(|(i, folder)| {
            format!(
                "pub static F{i}: migrate_runtime::Migrations = \
                 migrate_runtime::embed_migrations!({folder:?});\n"
            )
        })
        .collect();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), lib).unwrap();
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .join("tests/rebuild");
    (dir, target)
}

/// The start of a finding as `Diagnostic`'s display writes it: `path[:line:col]: level[rule]: `.
fn is_finding(line: &str) -> bool {
    ["error[", "warning["].iter().any(|level| {
        line.split_once(&format!(": {level}"))
            .is_some_and(|(location, rest)| !location.contains(' ') && rest.contains("]: "))
    })
}

/// The findings in the compiler's messages, by folder: each is the finding's whole display text.
fn built(probe: &Path, target: &Path) -> BTreeMap<String, Vec<String>> {
    let output = Command::new(env!("CARGO"))
        .args(["build", "--lib", "--message-format=json", "--quiet"])
        .current_dir(probe)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    let mut findings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let text = message["message"]["message"].as_str().unwrap_or_default();
        // A warning is the note of a deprecated item: `use of deprecated ...: \n<finding>`.
        let Some(start) = text.lines().position(is_finding) else {
            continue;
        };
        let finding: Vec<&str> = text.lines().skip(start).collect();
        let path = finding[0].split(':').next().unwrap_or_default();
        findings
            .entry(folder_of(path))
            .or_default()
            .push(finding.join("\n"));
    }
    assert!(
        !findings.is_empty(),
        "the probe's build printed no finding: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    findings
}

/// `ui/fail_cascade` of `ui/fail_cascade/001_x.sql` (and of the folder itself).
fn folder_of(path: &str) -> String {
    path.split('/').take(2).collect::<Vec<_>>().join("/")
}

/// The findings of `migrate lint --format json` for one folder, in the same display form.
fn linted(probe: &Path, folder: &str) -> Vec<String> {
    let run = migrate_in(probe, &["lint", "--format", "json", "--dir", folder]);
    assert!(run.code == 0 || run.code == 1, "{folder}: {run:?}");
    let findings: Vec<serde_json::Value> =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{folder}: {e}: {run:?}"));
    findings
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_owned();
            let location = match (f["line"].as_u64(), f["column"].as_u64()) {
                (Some(line), Some(column)) => format!("{}:{line}:{column}", text("file")),
                _ => text("file"),
            };
            let mut shown = format!(
                "{location}: {}[{}]: {}",
                text("severity"),
                text("rule"),
                text("message")
            );
            let mut gutter = String::new();
            if let (Some(line), Some(source)) = (f["line"].as_u64(), f["source_line"].as_str()) {
                shown.push_str(&format!("\n    {line} | {source}"));
                gutter = " ".repeat(line.to_string().len());
            }
            shown.push_str(&format!("\n    {gutter} = help: {}", text("help")));
            shown
        })
        .collect()
}

#[test]
fn the_build_and_the_command_reach_the_same_verdict_on_every_folder() {
    let folders = folders();
    let (probe, target) = probe(&folders);
    let built = built(probe.path(), &target);
    let mut compared = 0;
    for folder in &folders {
        let mut from_macro = built.get(folder).cloned().unwrap_or_default();
        let mut from_command = linted(probe.path(), folder);
        from_macro.sort();
        from_command.sort();
        assert_eq!(
            from_macro, from_command,
            "{folder}: the build (left) and `migrate lint` (right) differ"
        );
        compared += from_command.len();

        // `apply` refuses exactly the folders that do not build, before it connects: a folder
        // that builds gets as far as the (unreachable) server.
        let builds = !from_macro
            .iter()
            .any(|f| f.lines().next().is_some_and(|l| l.contains(": error[")));
        let apply = migrate_in(
            probe.path(),
            &[
                "apply",
                "-y",
                "--dir",
                folder,
                "--database-url",
                "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
            ],
        );
        let expected = if builds { 2 } else { 1 };
        assert_eq!(apply.code, expected, "{folder}: apply {apply:?}");
    }
    // The comparison is not vacuous: the error cases have findings of both severities.
    assert!(compared > 100, "only {compared} findings compared");
    assert!(folders.iter().any(|f| f == "fixtures/cratesio"));
}
