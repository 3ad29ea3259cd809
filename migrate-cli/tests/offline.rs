//! The commands that need no database: `lint`, `new`, `--help`, bad arguments, and the
//! refusals that happen before connecting.

mod common;

use common::{good_folder, migrate, migrate_in, Folder};

fn lint_dir(folder: &Folder, extra: &[&str]) -> common::Run {
    let dir = folder.path().display().to_string();
    let mut args = vec!["lint", "--dir", dir.as_str()];
    args.extend(extra);
    migrate(&args)
}

/// A folder with a non-idempotent statement and a syntax error.
fn broken_folder() -> Folder {
    Folder::with(&[
        (
            "001_users.sql",
            "-- users\nCREATE TABLE users (id bigint);\n",
        ),
        (
            "002_typo.sql",
            "CREATE TABLE IF NOT EXISTS t (id int);\nSELEC 1;\n",
        ),
    ])
}

#[test]
fn lint_of_a_good_folder_exits_0() {
    let folder = good_folder();
    let dir = folder.path().display().to_string();
    lint_dir(&folder, &[])
        .expect(0)
        .stdout_has(&format!("{dir}: 3 migrations checked, no findings"));
}

#[test]
fn lint_of_a_broken_folder_prints_code_frames_and_exits_1() {
    let folder = broken_folder();
    let dir = folder.path().display().to_string();
    let run = lint_dir(&folder, &[]).expect(1);
    let out = &run.stdout;
    assert!(out.contains("error[missing-if-not-exists]: "), "{run}");
    assert!(
        out.contains(&format!(" --> {dir}/001_users.sql:2:1\n")),
        "{run}"
    );
    assert!(
        out.contains("2 | CREATE TABLE users (id bigint);\n  | ^^^^^^\n"),
        "{run}"
    );
    assert!(out.contains("  = help: "), "{run}");
    assert!(out.contains("error[syntax]: "), "{run}");
    assert!(
        out.contains(&format!(" --> {dir}/002_typo.sql:2:1\n")),
        "{run}"
    );
    assert!(out.contains("2 | SELEC 1;\n  | ^^^^^\n"), "{run}");
    assert!(out.contains(&format!("error: {dir} has 2 errors")), "{run}");
}

#[test]
fn lint_json_is_one_array_with_the_documented_fields() {
    let folder = broken_folder();
    let dir = folder.path().display().to_string();
    let run = lint_dir(&folder, &["--format", "json"]).expect(1);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let findings = value.as_array().expect("an array");
    assert_eq!(findings.len(), 2, "{run}");
    for f in findings {
        let object = f.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "column",
                "file",
                "help",
                "line",
                "message",
                "rule",
                "severity",
                "source_line"
            ]
        );
        assert_eq!(f["severity"], "error");
        assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(f["help"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let first = &findings[0];
    assert_eq!(first["rule"], "missing-if-not-exists");
    assert_eq!(first["file"], format!("{dir}/001_users.sql"));
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 1);
    assert_eq!(first["source_line"], "CREATE TABLE users (id bigint);");
    assert_eq!(findings[1]["rule"], "syntax");
    assert_eq!(findings[1]["line"], 2);

    let good = good_folder();
    let run = lint_dir(&good, &["--format", "json"]).expect(0);
    assert_eq!(run.stdout.trim(), "[]");
}

#[test]
fn lint_warnings_alone_exit_0_and_whole_file_findings_have_null_positions() {
    let folder = Folder::with(&[("001_empty.sql", "-- nothing yet\n")]);
    let run = lint_dir(&folder, &["--format", "json"]).expect(0);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value[0]["rule"], "empty-migration", "{run}");
    assert_eq!(value[0]["severity"], "warning");
    lint_dir(&folder, &[])
        .expect(0)
        .stdout_has("warning[empty-migration]")
        .stdout_has("1 migration checked, 1 warning");

    let named = Folder::with(&[("users.sql", "SELECT 1;\n")]);
    let run = lint_dir(&named, &["--format", "json"]).expect(1);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value[0]["rule"], "invalid-name", "{run}");
    assert!(
        value[0]["line"].is_null() && value[0]["source_line"].is_null(),
        "{run}"
    );
}

#[test]
fn lint_of_a_missing_folder_exits_1() {
    migrate(&["lint", "--dir", "/nonexistent/migrations"])
        .expect(1)
        .stdout_has("error[unreadable-file]");
}

#[test]
fn every_command_takes_the_folder_as_dir_with_the_same_default() {
    for command in [
        "lint", "new", "status", "plan", "apply", "rollback", "baseline", "verify",
    ] {
        migrate(&[command, "--help"])
            .expect(0)
            .stdout_has("--dir <DIR>")
            .stdout_has("[default: migrations]");
    }
    // Without --dir, `migrations` in the current directory.
    let folder = good_folder();
    migrate_in(folder.root(), &["lint"])
        .expect(0)
        .stdout_has("migrations: 3 migrations checked, no findings");
}

#[test]
fn lint_still_reads_a_positional_folder_with_a_deprecation_warning() {
    let folder = good_folder();
    let dir = folder.path().display().to_string();
    migrate(&["lint", &dir])
        .expect(0)
        .stdout_has(&format!("{dir}: 3 migrations checked, no findings"))
        .stderr_has(&format!(
            "warning: `migrate lint DIR` is deprecated; write `migrate lint --dir {dir}`"
        ));
    migrate(&["lint", &dir, "--dir", &dir])
        .expect(2)
        .stderr_has("cannot be used with '--dir <DIR>'");
}

#[test]
fn new_in_an_empty_folder_starts_at_001_and_lints_clean() {
    let folder = Folder::with(&[]);
    let dir = folder.path().display().to_string();
    let run = migrate(&["new", "add_users", "--dir", &dir]).expect(0);
    assert_eq!(run.stdout, format!("{dir}/001_add_users.sql\n"));
    let text = std::fs::read_to_string(folder.path().join("001_add_users.sql")).unwrap();
    assert!(text.starts_with("-- Migration 001: add_users\n"), "{text}");
    // An empty migration is a warning, not an error.
    migrate(&["lint", "--dir", &dir]).expect(0);
}

#[test]
fn new_follows_a_sequence_and_creates_the_down_file() {
    let folder = good_folder();
    let dir = folder.path().display().to_string();
    let run = migrate(&["new", "add-comments", "--down", "--dir", &dir]).expect(0);
    assert_eq!(
        run.stdout,
        format!("{dir}/004_add-comments.sql\n{dir}/004_add-comments.down.sql\n")
    );
    let down = std::fs::read_to_string(folder.path().join("004_add-comments.down.sql")).unwrap();
    assert!(
        down.starts_with("-- Reverts migration 004: add-comments"),
        "{down}"
    );
    migrate(&["lint", "--dir", &dir]).expect(0);
}

#[test]
fn new_in_a_timestamp_folder_uses_the_utc_time() {
    let folder = Folder::with(&[("20240101120000_init.sql", "SELECT 1;\n")]);
    let dir = folder.path().display().to_string();
    let run = migrate(&["new", "next", "--dir", &dir]).expect(0);
    let file = run.stdout.trim().rsplit('/').next().unwrap().to_owned();
    let (version, rest) = file.split_at(14);
    assert_eq!(rest, "_next.sql", "{run}");
    assert!(version.bytes().all(|b| b.is_ascii_digit()), "{run}");
    assert!(
        version > "20240101120000" && version.starts_with("20"),
        "{run}"
    );
    assert!(folder.files().contains(&file));
}

#[test]
fn new_refuses_a_name_that_makes_a_bad_file_name() {
    let folder = Folder::with(&[]);
    let dir = folder.path().display().to_string();
    for bad in ["add users", "../escape", "x.down", ""] {
        migrate(&["new", bad, "--dir", &dir])
            .expect(2)
            .stderr_has("cannot be a migration name");
    }
    migrate(&["new", "Add Users!", "--dir", &dir]).stderr_has("try `migrate new add_users`");
    assert!(folder.files().is_empty(), "{:?}", folder.files());
}

#[test]
fn help_documents_the_exit_codes() {
    let run = migrate(&["--help"]).expect(0);
    for text in [
        "Exit codes:",
        "0  success",
        "1  findings",
        "2  usage error",
        "3  `status --exit-code` only: migrations are pending",
        "--dir DIR (default: migrations)",
        "DATABASE_URL",
    ] {
        assert!(run.stdout.contains(text), "{text}: {run}");
    }
    for command in [
        "lint", "new", "status", "plan", "apply", "rollback", "baseline", "verify",
    ] {
        assert!(run.stdout.contains(command), "{command}: {run}");
    }
}

#[test]
fn bad_arguments_exit_2() {
    migrate(&[]).expect(2);
    migrate(&["frobnicate"])
        .expect(2)
        .stderr_has("unrecognized subcommand");
    migrate(&["rollback", "-y"]).expect(2).stderr_has("--to");
    migrate(&["baseline", "latest"])
        .expect(2)
        .stderr_has("invalid value");
    migrate(&["apply", "--lock-wait", "soon"])
        .expect(2)
        .stderr_has("not a duration");
    migrate(&["lint", "--format", "xml"]).expect(2);
    migrate(&["new"]).expect(2).stderr_has("NAME");
}

#[test]
fn apply_and_rollback_refuse_without_a_terminal_and_without_yes() {
    let folder = good_folder();
    let dir = folder.path().display().to_string();
    // No database is needed to refuse: the refusal comes first.
    let url = "postgresql://nobody:pw@127.0.0.1:1/none";
    migrate(&["apply", "--dir", &dir, "--database-url", url])
        .expect(2)
        .stderr_has("standard input is not a terminal")
        .stderr_has("-y");
    migrate(&[
        "rollback",
        "--to",
        "0",
        "--dir",
        &dir,
        "--database-url",
        url,
    ])
    .expect(2)
    .stderr_has("refusing to roll back");
}

#[test]
fn database_commands_on_a_broken_folder_show_frames_and_exit_1_before_connecting() {
    let folder = Folder::with(&[("001_users.sql", "CREATE TABLE users (id bigint);\n")]);
    let dir = folder.path().display().to_string();
    let url = "postgresql://nobody:pw@127.0.0.1:1/none";
    for command in ["status", "plan", "verify"] {
        migrate(&[command, "--dir", &dir, "--database-url", url])
            .expect(1)
            .stderr_has("error[missing-if-not-exists]")
            .stderr_has("nothing was done to the database");
    }
    migrate(&["apply", "-y", "--dir", &dir, "--database-url", url])
        .expect(1)
        .stderr_has(&format!(" --> {dir}/001_users.sql:1:1"));
}

#[test]
fn an_unreachable_database_is_a_clear_error_without_the_password() {
    let folder = good_folder();
    let dir = folder.path().display().to_string();
    let secret = "s3cret-Passw0rd";
    let url = format!("postgresql://migrator:{secret}@127.0.0.1:1/app?connect_timeout=5");
    let run = migrate(&["status", "--dir", &dir, "--database-url", &url])
        .expect(2)
        .stderr_has("could not connect to migrator@127.0.0.1:1/app")
        .stderr_has("--database-url");
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "{run}"
    );

    // From DATABASE_URL, and from the PG* variables.
    let run = common::migrate_with_env(&["plan", "--dir", &dir], &[("DATABASE_URL", &url)])
        .expect(2)
        .stderr_has("settings from DATABASE_URL");
    assert!(!run.stderr.contains(secret), "{run}");
    let run = common::migrate_with_env(
        &["verify", "--dir", &dir],
        &[
            ("PGHOST", "127.0.0.1"),
            ("PGPORT", "1"),
            ("PGUSER", "migrator"),
            ("PGPASSWORD", secret),
            ("PGDATABASE", "app"),
        ],
    )
    .expect(2)
    .stderr_has("could not connect to migrator@127.0.0.1:1/app")
    .stderr_has("PG* variables");
    assert!(!run.stderr.contains(secret), "{run}");

    // An invalid URL: the message does not repeat its password either.
    let bad = format!("postgresql://migrator:{secret}@127.0.0.1:notaport/app");
    let run = migrate(&["status", "--dir", &dir, "--database-url", &bad])
        .expect(2)
        .stderr_has("invalid");
    assert!(
        !run.stderr.contains(secret) && !run.stdout.contains(secret),
        "{run}"
    );
}
