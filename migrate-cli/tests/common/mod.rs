//! Helpers of the `migrate` binary's tests: a migration folder in a temporary directory, a
//! database of its own per test (from the server at `DATABASE_URL`, which `scripts/test` sets),
//! and a way to run the real binary without a terminal and without the caller's PG* variables.
#![allow(dead_code)] // each test file uses a part

#[path = "../../../tests/src/prerequisite.rs"]
pub mod prerequisite;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The variables the binary reads for its connection; removed from every child's environment.
const CONNECTION_VARIABLES: [&str; 9] = [
    "DATABASE_URL",
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGDATABASE",
    "PGSSLMODE",
    "PGAPPNAME",
    "PGCONNECT_TIMEOUT",
];

/// A migration folder in a temporary directory, removed at the end of the test.
pub struct Folder {
    dir: tempfile::TempDir,
    name: String,
}

impl Folder {
    /// A folder `migrations` holding these files.
    pub fn with(files: &[(&str, &str)]) -> Self {
        Self::named("migrations", files)
    }

    /// A folder with this name holding these files.
    pub fn named(name: &str, files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::create_dir(dir.path().join(name)).unwrap();
        let folder = Folder {
            dir,
            name: name.to_owned(),
        };
        for (name, text) in files {
            folder.write(name, text);
        }
        folder
    }

    /// The migration folder.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join(&self.name)
    }

    /// The temporary directory that holds the folder: run the binary there to name the folder
    /// by a relative path, as CI does from a repository's root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (or overwrites) a file of the folder.
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap();
    }

    /// The file names of the folder, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// A good folder: a seed-style file, a plain one, a no-transaction one, with down files.
pub fn good_folder() -> Folder {
    Folder::with(&[
        (
            "001_users.sql",
            "-- Migration: 001_users\nBEGIN;\n\nCREATE TABLE IF NOT EXISTS users (\n    id bigint PRIMARY KEY,\n    email text NOT NULL\n);\n\nCOMMIT;\n",
        ),
        ("001_users.down.sql", "DROP TABLE IF EXISTS users;\n"),
        (
            "002_posts.sql",
            "CREATE TABLE IF NOT EXISTS posts (\n    id bigint PRIMARY KEY,\n    user_id bigint NOT NULL REFERENCES users (id)\n);\n",
        ),
        ("002_posts.down.sql", "DROP TABLE IF EXISTS posts;\n"),
        (
            "003_indexes.sql",
            "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);\n",
        ),
        (
            "003_indexes.down.sql",
            "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS users_email_idx;\n",
        ),
    ])
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(self.code, code, "exit code; the run printed:\n{self}");
        self
    }

    /// Asserts that stdout contains `text`.
    #[track_caller]
    pub fn stdout_has(self, text: &str) -> Self {
        assert!(self.stdout.contains(text), "stdout lacks {text:?}:\n{self}");
        self
    }

    /// Asserts that stderr contains `text`.
    #[track_caller]
    pub fn stderr_has(self, text: &str) -> Self {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}:\n{self}");
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The binary with these arguments, without a terminal (stdin is /dev/null) and without the
/// caller's connection variables.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
    command.args(args).stdin(Stdio::null());
    for name in CONNECTION_VARIABLES {
        command.env_remove(name);
    }
    command
}

/// The binary (see [`command`]); `env` adds variables.
pub fn migrate_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = command(args);
    command.envs(env.iter().copied());
    run(command)
}

/// The binary (see [`command`]), run in the directory `cwd`.
pub fn migrate_in(cwd: &Path, args: &[&str]) -> Run {
    let mut command = command(args);
    command.current_dir(cwd);
    run(command)
}

/// Runs it and collects what it printed.
fn run(mut command: Command) -> Run {
    let output = command.output().expect("the migrate binary runs");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// The binary with these arguments (see [`migrate_with_env`]).
pub fn migrate(args: &[&str]) -> Run {
    migrate_with_env(args, &[])
}

/// Runs `migrate ARGS` on a pseudo-terminal (util-linux `script`), typing `answer`.
pub fn on_a_terminal(args: &str, answer: &str) -> Option<Run> {
    use std::io::Write;
    if Command::new("script").arg("--version").output().is_err() {
        prerequisite::missing("util-linux `script`, for a pseudo-terminal");
        return None;
    }
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_migrate"));
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Some(Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// The server's URL, from `DATABASE_URL`.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL is not set: run the tests with scripts/test (it starts a throwaway \
         PostgreSQL), or set DATABASE_URL to a server where databases may be created",
    )
}

/// `url` with its database name replaced.
fn with_dbname(url: &str, dbname: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("DATABASE_URL is a URL");
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (rest, String::new()),
    };
    let authority = before_query.split('/').next().unwrap();
    format!("{scheme}://{authority}/{dbname}{query}")
}

/// A database of its own, dropped at the end of the test (also when it panics).
pub struct Db {
    /// Its name.
    pub name: String,
    /// Its URL (with the server's password).
    pub url: String,
}

impl Db {
    /// Creates an empty database with a unique name.
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "migrate_cli_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = Self::admin();
        // Two queries: one string would be one implicit transaction, which they refuse.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = with_dbname(&server_url(), &name);
        Db { name, url }
    }

    fn admin() -> postgres::Client {
        postgres::Client::connect(&server_url(), postgres::NoTls).expect("connect to DATABASE_URL")
    }

    /// A client on this database.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }

    /// The first column of the first row of `sql`, as text (`None` for NULL).
    pub fn value(&self, sql: &str) -> Option<String> {
        self.client()
            .simple_query(sql)
            .unwrap()
            .into_iter()
            .find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => Some(row.get(0).map(str::to_owned)),
                _ => None,
            })
            .flatten()
    }

    /// Whether a table (or other relation) exists, by `schema.name`.
    pub fn exists(&self, relation: &str) -> bool {
        self.value(&format!("SELECT to_regclass('{relation}') IS NOT NULL"))
            .as_deref()
            == Some("t")
    }

    /// The applied versions in `public.schema_migrations`, comma separated.
    pub fn applied(&self) -> String {
        self.value(
            "SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '') \
             FROM public.schema_migrations WHERE success",
        )
        .unwrap_or_default()
    }

    /// Runs `migrate ARGS --dir DIR --database-url URL`.
    pub fn migrate(&self, dir: &Path, args: &[&str]) -> Run {
        let dir = dir.display().to_string();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--dir", &dir, "--database-url", &self.url]);
        migrate(&all)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(mut admin) = std::panic::catch_unwind(Self::admin) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
