//! cargo notices changed migrations: a crate embedding a folder, with the README's one-line
//! `build.rs` (`cargo:rerun-if-changed=migrations`), is built and run, then
//!
//! 1. a new migration file is added: the next `cargo run` embeds it (the `build.rs` at work: a
//!    proc macro alone cannot tell cargo to watch a folder);
//! 2. an existing file is edited: the next `cargo run` embeds its new text and checksum (the
//!    `include_str!` the macro emits for every file);
//! 3. a `migrate.toml` is added, then edited: the next `cargo run` uses its history table;
//! 4. only `main.rs` is edited: the next `cargo run` embeds the same set, read back from the
//!    macro's build cache (the kept set is not written again).
//!
//! The crate lives in a fresh temporary folder and is built by a nested `cargo` with a target
//! directory of its own (`target/tests/rebuild`), so it never waits for the outer cargo's lock
//! and its dependencies are compiled once and reused by later runs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The probe's `main`: one line per embedded migration.
const MAIN: &str = r#"static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations");

fn main() {
    println!("history {}", MIGRATIONS.runner().table().qualified());
    for m in &MIGRATIONS {
        println!("{} {} {} {}", m.version(), m.name(), m.checksum(), m.up().statements().len());
    }
}
"#;

/// The one-line `build.rs` the README documents.
const BUILD_RS: &str = r#"fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
"#;

const USERS: &str = "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n";
const POSTS: &str = "CREATE TABLE IF NOT EXISTS posts (id bigint PRIMARY KEY, user_id bigint);\n";
const USERS_EDITED: &str = "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n\
                            ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;\n";

/// One embedded migration as the probe prints it.
#[derive(Debug, PartialEq, Eq)]
struct Embedded {
    version: u128,
    name: String,
    checksum: String,
    statements: usize,
}

fn embedded(version: u128, name: &str, text: &str, statements: usize) -> Embedded {
    Embedded {
        version,
        name: name.to_owned(),
        checksum: migrate_lint::checksum(text),
        statements,
    }
}

/// A temporary crate, removed when dropped (kept when the test fails, for inspection).
struct Probe {
    dir: PathBuf,
    target: PathBuf,
}

impl Probe {
    fn new() -> Self {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let target = tmp
            .parent()
            .expect("CARGO_TARGET_TMPDIR is inside the target directory")
            .join("tests/rebuild");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = tmp.join(format!("rebuild-probe-{}-{nanos}", std::process::id()));
        let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrate-runtime")
            .canonicalize()
            .expect("migrate-runtime next to ui-tests");
        let manifest = format!(
            "[package]\n\
             name = \"rebuild-probe\"\n\
             version = \"0.0.0\"\n\
             edition = \"2021\"\n\
             publish = false\n\n\
             [dependencies]\n\
             migrate-runtime = {{ path = {:?} }}\n\n\
             # Not a member of the project's workspace, whose folder holds this one.\n\
             [workspace]\n",
            runtime.to_str().expect("UTF-8 path")
        );
        let probe = Probe { dir, target };
        probe.write("Cargo.toml", &manifest);
        probe.write("build.rs", BUILD_RS);
        probe.write("src/main.rs", MAIN);
        // The workspace's lock file: the same dependency versions, nothing to resolve or download.
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        if let Ok(lock) = std::fs::read(lock) {
            std::fs::write(probe.dir.join("Cargo.lock"), lock).expect("copy Cargo.lock");
        }
        probe
    }

    fn write(&self, file: &str, text: &str) {
        let path = self.dir.join(file);
        // On a file system with whole-second timestamps, a file written in the same second as
        // the last build looks unchanged to cargo: let that second pass first.
        let coarse = std::fs::metadata(self.dir.join("Cargo.toml"))
            .and_then(|m| m.modified())
            .is_ok_and(|t| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .is_ok_and(|d| d.subsec_nanos() == 0)
            });
        if coarse {
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        std::fs::create_dir_all(path.parent().unwrap()).expect("create the probe's folders");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// The set the macro's build cache keeps for the probe's folder: the newest one in the
    /// probes' build folders (earlier probes' are older).
    fn kept_set(&self) -> PathBuf {
        let build = self.target.join("debug/build");
        let out_dirs = std::fs::read_dir(&build)
            .unwrap_or_else(|e| panic!("{}: {e}", build.display()))
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("rebuild-probe-")
            })
            .map(|e| e.path().join("out"));
        out_dirs
            .filter_map(|out| std::fs::read_dir(out).ok())
            .flat_map(|files| files.flatten().map(|f| f.path()))
            .filter(|f| {
                let name = f.file_name().unwrap_or_default().to_string_lossy();
                name.starts_with("migrate-embed-") && name.ends_with(".rs")
            })
            .max_by_key(|f| modified(f))
            .unwrap_or_else(|| panic!("no kept set under {}", build.display()))
    }

    /// `cargo run`, and the migrations the binary embeds.
    fn run(&self, step: &str) -> Vec<Embedded> {
        self.output(step).1
    }

    /// `cargo run`: the history table the embedded settings name, and the migrations.
    fn output(&self, step: &str) -> (String, Vec<Embedded>) {
        let output = Command::new(env!("CARGO"))
            .args(["run", "--color", "never"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap_or_else(|e| panic!("{step}: cannot start {}: {e}", env!("CARGO")));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{step}: `cargo run` in {} failed ({}).\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            self.dir.display(),
            output.status
        );
        let mut lines = stdout.lines();
        let history = lines
            .next()
            .and_then(|l| l.strip_prefix("history "))
            .unwrap_or_else(|| panic!("{step}: no history line\n--- stdout\n{stdout}"))
            .to_owned();
        let embedded = lines
            .map(|line| {
                let fields: Vec<&str> = line.split(' ').collect();
                let [version, name, checksum, statements] = fields[..] else {
                    panic!("{step}: unexpected output line {line:?}\n--- stderr\n{stderr}");
                };
                Embedded {
                    version: version.parse().expect("version"),
                    name: name.to_owned(),
                    checksum: checksum.to_owned(),
                    statements: statements.parse().expect("statement count"),
                }
            })
            .collect();
        (history, embedded)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[test]
fn added_and_edited_migrations_are_embedded_at_the_next_build() {
    let probe = Probe::new();
    probe.write("migrations/001_users.sql", USERS);
    assert_eq!(
        probe.run("first build"),
        [embedded(1, "users", USERS, 1)],
        "the first build embeds the one migration"
    );

    probe.write("migrations/002_posts.sql", POSTS);
    assert_eq!(
        probe.run("after adding 002_posts.sql"),
        [
            embedded(1, "users", USERS, 1),
            embedded(2, "posts", POSTS, 1)
        ],
        "a new migration file is embedded at the next build (build.rs rerun-if-changed)"
    );

    probe.write("migrations/001_users.sql", USERS_EDITED);
    let after_edit = probe.run("after editing 001_users.sql");
    assert_ne!(after_edit[0].checksum, migrate_lint::checksum(USERS));
    assert_eq!(
        after_edit,
        [
            embedded(1, "users", USERS_EDITED, 2),
            embedded(2, "posts", POSTS, 1)
        ],
        "an edited migration file is embedded with its new text and checksum at the next build"
    );

    let (history, _) = probe.output("before migrate.toml");
    assert_eq!(history, "\"public\".\"schema_migrations\"");
    probe.write("migrations/migrate.toml", "[history]\ntable = \"first\"\n");
    let (history, _) = probe.output("after adding migrate.toml");
    assert_eq!(
        history, "\"public\".\"first\"",
        "a new migrate.toml is read at the next build"
    );
    probe.write("migrations/migrate.toml", "[history]\ntable = \"second\"\n");
    let (history, _) = probe.output("after editing migrate.toml");
    assert_eq!(
        history, "\"public\".\"second\"",
        "an edited migrate.toml is read at the next build (the macro includes it)"
    );

    let before = probe.output("before editing main.rs");
    let kept = probe.kept_set();
    let written = modified(&kept);
    probe.write("src/main.rs", &format!("{MAIN}// edited\n"));
    assert_eq!(
        probe.output("after editing main.rs only"),
        before,
        "a rebuild with the folder unchanged embeds the same set"
    );
    assert_eq!(
        modified(&kept),
        written,
        "the unchanged folder's set was read back from the build cache, not checked and kept again"
    );
}

fn modified(file: &Path) -> std::time::SystemTime {
    std::fs::metadata(file)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}
