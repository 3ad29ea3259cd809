//! `scripts/setup`, the one setup step of `scripts/quickstart`, `scripts/test` and `.ci/run`, run
//! with packages reported missing: `MIGRATE_SETUP_PRETEND` names them, and shims of `apt-get`,
//! `sudo` and `id` first in `PATH` record what would run (the shim `apt-get install` "installs" by
//! removing the names from that list, so the script's check after installing sees them). On this
//! machine, where `scripts/test` has already run the step, nothing is missing and nothing runs
//! (else the test says what is missing, and fails under `CI`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch folder with the shims and the files they write.
struct Machine {
    dir: tempfile::TempDir,
}

/// What the machine looks like to the script.
struct Case<'a> {
    purpose: &'a str,
    uid: u32,
    /// Whether `sudo -n true` succeeds (password-less sudo).
    sudo: bool,
    /// Whether `PATH` holds the system's folders and the `apt-get` shim, or only the other shims
    /// (a machine without apt-get).
    system_path: bool,
    missing: &'a [&'a str],
    database_url: bool,
}

impl Default for Case<'_> {
    fn default() -> Self {
        Case {
            purpose: "test",
            uid: 0,
            sudo: false,
            system_path: true,
            missing: &[],
            database_url: false,
        }
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/setup")
}

fn shim(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

impl Machine {
    fn new(case: &Case) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        let log = dir.path().join("log");
        let pretend = dir.path().join("pretend");
        let pretended: String = case.missing.iter().map(|p| format!("{p}\n")).collect();
        fs::write(&pretend, pretended).unwrap();
        shim(&bin, "id", &format!("echo {}", case.uid));
        // The real `cargo` is not on the shims-only PATH; the script only asks whether it exists.
        shim(&bin, "cargo", "exit 0");
        shim(
            &bin,
            "sudo",
            &format!(
                r#"if [ "$*" = "-n true" ]; then exit {}; fi
echo "sudo $*" >> {log}
exec "$@""#,
                if case.sudo { 0 } else { 1 },
                log = log.display(),
            ),
        );
        if !case.system_path {
            return Machine { dir };
        }
        shim(
            &bin,
            "apt-get",
            &format!(
                r#"echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND apt-get $*" >> {log}
if [ "$1" = install ]; then
  for p in "$@"; do grep -vx -- "$p" {pretend} > {pretend}.new || true; mv {pretend}.new {pretend}; done
fi"#,
                log = log.display(),
                pretend = pretend.display(),
            ),
        );
        Machine { dir }
    }

    fn run(&self, case: &Case) -> (Output, Vec<String>) {
        let bin = self.dir.path().join("bin");
        let path = if case.system_path {
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
        } else {
            bin.display().to_string()
        };
        let mut command = Command::new("/bin/bash");
        command
            .arg(script())
            .arg(case.purpose)
            .env("PATH", path)
            .env("MIGRATE_SETUP_PRETEND", self.dir.path().join("pretend"))
            .env_remove("DATABASE_URL")
            .env_remove("PGHOST");
        if case.database_url {
            command.env("DATABASE_URL", "postgresql://u:p@db.example:5432/app");
        }
        let output = command.output().unwrap();
        let log = fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        (output, log.lines().map(str::to_owned).collect())
    }
}

fn run(case: Case) -> (Output, Vec<String>) {
    Machine::new(&case).run(&case)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const ALL_FOR_TESTS: &[&str] = &[
    "build-essential",
    "libclang-dev",
    "pkg-config",
    "libssl-dev",
    "postgresql-common",
    "postgresql",
    "pgbouncer",
];

#[test]
fn nothing_is_missing_on_this_machine_so_nothing_is_installed() {
    for purpose in ["quickstart", "test"] {
        let (output, log) = run(Case {
            purpose,
            ..Case::default()
        });
        if !log.is_empty() {
            // The step found something missing (and ran the apt-get shim): not this test's fault.
            migrate_tests::prerequisite::missing(&format!(
                "what scripts/setup {purpose} installs (run it): {}",
                stderr(&output)
            ));
            continue;
        }
        assert!(output.status.success(), "{}", stderr(&output));
    }
}

#[test]
fn as_root_it_installs_every_missing_package_with_apt_get() {
    let (output, log) = run(Case {
        missing: ALL_FOR_TESTS,
        ..Case::default()
    });
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        log,
        [
            "DEBIAN_FRONTEND=noninteractive apt-get update -qq",
            "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential libclang-dev \
             pkg-config libssl-dev postgresql-common postgresql pgbouncer",
        ]
    );
    let err = stderr(&output);
    assert!(
        err.contains("libclang-dev       libclang: pg_query's build runs bindgen"),
        "{err}"
    );
}

#[test]
fn it_installs_only_what_is_missing() {
    let (output, log) = run(Case {
        missing: &["libclang-dev", "pgbouncer"],
        ..Case::default()
    });
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        log[1],
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev pgbouncer"
    );
}

#[test]
fn the_quickstart_needs_no_openssl_nor_pgbouncer_and_no_server_with_a_database_url() {
    let (output, log) = run(Case {
        purpose: "quickstart",
        missing: ALL_FOR_TESTS,
        ..Case::default()
    });
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        log[1],
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential libclang-dev \
         postgresql-common postgresql"
    );

    let (output, log) = run(Case {
        purpose: "quickstart",
        missing: ALL_FOR_TESTS,
        database_url: true,
        ..Case::default()
    });
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        log[1],
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential libclang-dev"
    );
}

#[test]
fn the_tests_need_the_server_programs_even_with_a_database_url() {
    // The fault tests restart clusters of their own (initdb, pg_ctl), never the shared server.
    let (output, log) = run(Case {
        missing: ALL_FOR_TESTS,
        database_url: true,
        ..Case::default()
    });
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        log[1],
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential libclang-dev \
         pkg-config libssl-dev postgresql pgbouncer"
    );
}

#[test]
fn with_password_less_sudo_it_installs_through_sudo() {
    let (output, log) = run(Case {
        uid: 1000,
        sudo: true,
        missing: &["libclang-dev"],
        ..Case::default()
    });
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        log,
        [
            "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
            "DEBIAN_FRONTEND=noninteractive apt-get update -qq",
            "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev",
            "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev",
        ]
    );
}

#[test]
fn without_root_or_sudo_it_stops_at_once_with_the_command_to_run() {
    let (output, log) = run(Case {
        uid: 1000,
        missing: &["libclang-dev", "libssl-dev"],
        ..Case::default()
    });
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(log.is_empty(), "nothing runs: {log:?}");
    let err = stderr(&output);
    assert!(
        err.contains(
            "Run this, then run scripts/test again:\n  \
             sudo apt-get update && sudo apt-get install -y libclang-dev libssl-dev\n"
        ),
        "{err}"
    );
}

#[test]
fn without_apt_get_it_stops_at_once_naming_the_debian_command() {
    let (output, log) = run(Case {
        system_path: false,
        missing: ALL_FOR_TESTS,
        ..Case::default()
    });
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(log.is_empty(), "nothing runs: {log:?}");
    let err = stderr(&output);
    assert!(
        err.contains(
            "Install them with your system's package manager (on Debian/Ubuntu: apt-get update \
             && apt-get install -y build-essential libclang-dev pkg-config libssl-dev \
             postgresql-common postgresql pgbouncer),"
        ),
        "{err}"
    );
}

#[test]
fn a_package_apt_get_did_not_install_fails_the_step() {
    let case = Case {
        missing: &["pgbouncer"],
        ..Case::default()
    };
    let machine = Machine::new(&case);
    // An apt-get that reports success and installs nothing.
    shim(&machine.dir.path().join("bin"), "apt-get", "exit 0");
    let (output, _) = machine.run(&case);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("still missing after apt-get install: pgbouncer"),
        "{}",
        stderr(&output)
    );
}
