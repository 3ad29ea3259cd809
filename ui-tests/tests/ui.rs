//! `embed_migrations!` as users meet it: real compile failures with their exact messages
//! (`tests/fail/*.rs` and their `.stderr`), and folders that must compile (`tests/pass/*.rs`).
//!
//! Each case names a folder under `migrations/`. trybuild compiles the cases in a crate of its own
//! under `target/tests/trybuild/migrate-ui-tests`, whose `Cargo.toml` directory is what the
//! macro resolves paths against, so that directory gets a link to our `migrations/`.
//! Refresh the snapshots with `TRYBUILD=overwrite cargo test -p migrate-ui-tests`.

use std::path::Path;

#[path = "../../tests/src/prerequisite.rs"]
mod prerequisite;

#[test]
fn ui() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory");
    let project = target.join("tests/trybuild/migrate-ui-tests");
    std::fs::create_dir_all(&project).expect("create trybuild's project directory");
    let link = project.join("migrations");
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    if std::fs::read_link(&link).ok().as_deref() != Some(cases.as_path()) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&cases, &link).expect("link the migration folders");
    }

    let t = trybuild::TestCases::new();
    // `missing_folder` names the absolute path it looked in; trybuild writes it as
    // `$WORKSPACE/target/...` only when the target directory is inside the workspace.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target_in_workspace = target
        .canonicalize()
        .ok()
        .zip(workspace.canonicalize().ok())
        .is_some_and(|(target, workspace)| target.starts_with(workspace));
    let mut cases: Vec<_> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fail"))
            .expect("read tests/fail")
            .map(|e| e.expect("read tests/fail").path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
    cases.sort();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy();
        if name == "missing_folder.rs" && !target_in_workspace {
            prerequisite::missing(&format!(
                "a target directory inside the workspace, for tests/fail/{name} (CARGO_TARGET_DIR \
                 is {})",
                target.display()
            ));
            continue;
        }
        t.compile_fail(format!("tests/fail/{name}"));
    }
    t.pass("tests/pass/*.rs");
}
