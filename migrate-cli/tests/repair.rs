//! `migrate repair` against a real PostgreSQL (`DATABASE_URL`), with the real binary: each
//! action, its refusal, its audit row and `status` showing it, the confirmation, the dry run and
//! the lock.

mod common;

use common::{good_folder, migrate_with_env, Db, Folder};

/// `migrate repair ARGS --dir DIR --database-url URL`, run as the OS user `alice`.
fn repair(db: &Db, folder: &Folder, args: &[&str]) -> common::Run {
    let dir = folder.path().display().to_string();
    let mut all = vec!["repair"];
    all.extend(args);
    all.extend(["--dir", &dir, "--database-url", &db.url]);
    migrate_with_env(&all, &[("USER", "alice")])
}

/// The audit rows: action, version, before and after state, reason, OS user.
fn audit(db: &Db) -> String {
    db.value(
        "SELECT string_agg(concat_ws(' ', action, version, before_state, after_state, reason, \
         client_user, database_user = current_user), '; ' ORDER BY id) \
         FROM public.schema_migrations_repairs",
    )
    .unwrap_or_default()
}

#[test]
fn accept_checksum_after_a_file_was_edited_on_purpose() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    folder.write(
        "002_posts.sql",
        "-- Posts belong to users.\nCREATE TABLE IF NOT EXISTS posts (\n    id bigint PRIMARY KEY,\n    user_id bigint NOT NULL REFERENCES users (id)\n);\n",
    );
    db.migrate(&dir, &["verify"])
        .expect(1)
        .stdout_has("MODIFIED 2 posts")
        .stderr_has("`migrate repair accept-checksum VERSION --reason TEXT`");

    // Without a terminal and without -y: refused before connecting.
    repair(
        &db,
        &folder,
        &["accept-checksum", "2", "--reason", "comment"],
    )
    .expect(2)
    .stderr_has("refusing to repair the history without confirmation");
    // The dry run needs no confirmation and changes nothing.
    let run = repair(
        &db,
        &folder,
        &["accept-checksum", "2", "--reason", "comment", "--dry-run"],
    )
    .expect(0)
    .stdout_has("  migration 2 (posts): applied (checksum ")
    .stdout_has("Dry run: nothing was changed");
    assert!(run.stdout.contains("-> applied (checksum "), "{run}");
    assert!(!db.exists("public.schema_migrations_repairs"));

    let run = repair(
        &db,
        &folder,
        &["accept-checksum", "2", "--reason", "a comment, INC-7", "-y"],
    )
    .expect(0)
    .stdout_has("Repaired: accept-checksum 2 (posts): applied (checksum ");
    assert!(run.stdout.contains("reason: a comment, INC-7"), "{run}");
    assert_eq!(
        audit(&db),
        "accept-checksum 2 applied applied a comment, INC-7 alice t"
    );
    db.migrate(&dir, &["verify"]).expect(0);
    db.migrate(&dir, &["status"])
        .expect(0)
        .stdout_has("Repairs (newest first):")
        .stdout_has("accept-checksum 2 (posts): applied (checksum ")
        .stdout_has("(alice@")
        .stdout_has("): a comment, INC-7");

    let run = db.migrate(&dir, &["status", "--format", "json"]).expect(0);
    let status: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(status["applied"].as_array().unwrap().len(), 3, "{run}");
    assert_eq!(status["history_table"], "\"public\".\"schema_migrations\"");
    let audited = &status["repairs"][0];
    assert_eq!(audited["action"], "accept-checksum", "{run}");
    assert_eq!(audited["version"], "2");
    assert_eq!(audited["before"]["state"], "applied");
    assert_eq!(
        audited["after"]["checksum"],
        status["applied"][1]["checksum"]
    );
    assert_ne!(audited["before"]["checksum"], audited["after"]["checksum"]);
    assert_eq!(audited["reason"], "a comment, INC-7");
    assert_eq!(audited["client_user"], "alice");
    assert!(audited["at"].as_str().unwrap().ends_with('Z'), "{run}");

    // Nothing left to accept: exit 1, the version named, nothing changed.
    repair(&db, &folder, &["accept-checksum", "2", "--reason", "again", "-y"])
        .expect(1)
        .stderr_has("refusing to accept the file's checksum for migration 2: its recorded checksum is already the file's");
    assert_eq!(audit(&db).matches("accept-checksum").count(), 1);
}

#[test]
fn forget_failure_and_mark_applied_after_a_failed_migration() {
    let db = Db::new();
    let folder = Folder::with(&[
        (
            "001_users.sql",
            "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n",
        ),
        (
            "002_nickname.sql",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname nosuchtype;\n",
        ),
    ]);
    let dir = folder.path();
    db.migrate(&dir, &["apply", "-y"]).expect(1);
    let rows = || {
        db.value("SELECT string_agg(version || ' ' || success, ',' ORDER BY version) FROM schema_migrations")
            .unwrap_or_default()
    };
    assert_eq!(rows(), "1 true,2 false");
    repair(&db, &folder, &["mark-not-applied", "2", "--reason", "x", "-y"])
        .expect(1)
        .stderr_has("migration 2 is not applied, its last attempt failed: to forget that attempt use forget-failure");
    repair(
        &db,
        &folder,
        &[
            "forget-failure",
            "2",
            "--reason",
            "INC-9, retried later",
            "-y",
        ],
    )
    .expect(0)
    .stdout_has("migration 2 (nickname): failed (checksum ")
    .stdout_has("-> not recorded");
    assert_eq!(rows(), "1 true");
    db.migrate(&dir, &["status"])
        .expect(0)
        .stdout_has("  • ")
        .stdout_has("Total: 1 applied, 1 pending");

    // It fails again; this time it is finished by hand and marked applied.
    db.migrate(&dir, &["apply", "-y"]).expect(1);
    db.client()
        .batch_execute("ALTER TABLE users ADD COLUMN nickname text")
        .unwrap();
    repair(
        &db,
        &folder,
        &[
            "mark-applied",
            "2",
            "--reason",
            "added as text by hand",
            "-y",
        ],
    )
    .expect(0)
    .stdout_has("Repaired: mark-applied 2 (nickname): failed (checksum ");
    assert_eq!(rows(), "1 true,2 true");
    db.migrate(&dir, &["apply", "-y"])
        .expect(0)
        .stdout_has("Nothing to do: 2 migration(s) applied");
    repair(
        &db,
        &folder,
        &["forget-failure", "2", "--reason", "x", "-y"],
    )
    .expect(1)
    .stderr_has(
        "migration 2 is applied, not failed: to record that it is not applied use mark-not-applied",
    );
    assert_eq!(
        audit(&db),
        "forget-failure 2 failed absent INC-9, retried later alice t; \
         mark-applied 2 failed applied added as text by hand alice t"
    );
}

#[test]
fn refusals_name_the_version_and_the_flag_and_change_nothing() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    db.migrate(&dir, &["apply", "--target", "1", "-y"])
        .expect(0);
    let run = repair(
        &db,
        &folder,
        &["mark-applied", "3", "--reason", "built by hand", "-y"],
    )
    .expect(1)
    .stderr_has("refusing to mark migration 3 applied: the older migration(s) 2 are not applied");
    assert!(
        run.stderr.contains(
            "= help: on the command line, `--allow-out-of-order` makes the repair anyway"
        ),
        "{run}"
    );
    assert!(!run.stderr.contains("Runner::"), "{run}");
    // Without a reason: a usage error.
    repair(&db, &folder, &["mark-applied", "2", "--reason", " ", "-y"])
        .expect(2)
        .stderr_has("no reason was given");
    let run = repair(&db, &folder, &["mark-applied", "2", "-y"]).expect(2);
    assert!(run.stderr.contains("--reason <TEXT>"), "{run}");
    // An unknown version.
    repair(&db, &folder, &["mark-applied", "9", "--reason", "x", "-y"])
        .expect(1)
        .stderr_has("migration 9 is not one of the embedded migrations");
    assert!(!db.exists("public.schema_migrations_repairs"));
    assert_eq!(db.applied(), "1");

    repair(
        &db,
        &folder,
        &[
            "mark-applied",
            "3",
            "--reason",
            "built by hand",
            "--allow-out-of-order",
            "-y",
        ],
    )
    .expect(0);
    assert_eq!(db.applied(), "1,3");
    db.migrate(&dir, &["apply", "-y"])
        .expect(1)
        .stderr_has("is pending but older than the newest applied migration 3");
}

#[test]
fn repair_asks_for_confirmation_on_a_terminal() {
    let db = Db::new();
    let folder = good_folder();
    db.migrate(&folder.path(), &["apply", "-y"]).expect(0);
    let args = format!(
        "repair mark-not-applied 3 --reason 'indexes dropped' --dir {} --database-url '{}'",
        folder.path().display(),
        db.url
    );
    let Some(run) = common::on_a_terminal(&args, "n\n") else {
        return;
    };
    let run = run.expect(2);
    assert!(
        run.stdout
            .contains("Repair migration 3 (mark-not-applied) on "),
        "{run}"
    );
    assert!(run.stdout.contains("[y/N]"), "{run}");
    assert!(
        run.stdout.contains("not confirmed; nothing was changed"),
        "{run}"
    );
    assert_eq!(db.applied(), "1,2,3");

    let run = common::on_a_terminal(&args, "y\n").unwrap().expect(0);
    assert!(run.stdout.contains("Repaired: mark-not-applied 3"), "{run}");
    assert_eq!(db.applied(), "1,2");
}

#[test]
fn repair_waits_for_the_migration_lock() {
    let db = Db::new();
    let folder = good_folder();
    db.migrate(&folder.path(), &["apply", "-y"]).expect(0);
    let key = migrate_runtime::HistoryTable::default().lock_key();
    let mut holder = db.client();
    holder
        .batch_execute(&format!(
            "SET application_name = 'deploying'; SELECT pg_advisory_lock({key})"
        ))
        .unwrap();
    repair(
        &db,
        &folder,
        &[
            "mark-not-applied",
            "3",
            "--reason",
            "x",
            "-y",
            "--lock-wait",
            "500ms",
        ],
    )
    .expect(1)
    .stderr_has("timed out after")
    .stderr_has("deploying");
    assert_eq!(db.applied(), "1,2,3");
    drop(holder);
    repair(
        &db,
        &folder,
        &["mark-not-applied", "3", "--reason", "x", "-y"],
    )
    .expect(0);
    assert_eq!(db.applied(), "1,2");
}
