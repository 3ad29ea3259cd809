//! The database commands against a real PostgreSQL (`DATABASE_URL`, set by `scripts/test`),
//! each test on a database of its own.

mod common;

use common::{good_folder, migrate_with_env, Db, Folder};

#[test]
fn status_and_plan_on_a_fresh_database_change_nothing() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    let run = db.migrate(&dir, &["status"]).expect(0);
    assert!(
        run.stdout.contains("Applied Migrations:\n  (none)"),
        "{run}"
    );
    assert!(run.stdout.contains("Pending Migrations:"), "{run}");
    assert!(run.stdout.contains("001_users.sql"), "{run}");
    assert!(run.stdout.contains("Total: 0 applied, 3 pending"), "{run}");
    assert!(run.stdout.contains(&format!("/{}", db.name)), "{run}");

    let run = db.migrate(&dir, &["plan"]).expect(0);
    assert!(
        run.stdout.starts_with("Would apply 3 migration(s):"),
        "{run}"
    );
    assert!(run.stdout.contains("003_indexes.sql"), "{run}");
    assert!(!run.stdout.contains("CREATE TABLE"), "{run}");

    let run = db.migrate(&dir, &["plan", "--verbose"]).expect(0);
    assert!(
        run.stdout.contains("CREATE TABLE IF NOT EXISTS users"),
        "{run}"
    );
    assert!(run.stdout.contains("statement by statement"), "{run}");
    // The file's own BEGIN/COMMIT are not sent.
    assert!(!run.stdout.contains("COMMIT"), "{run}");

    assert!(
        !db.exists("public.schema_migrations"),
        "plan and status create nothing"
    );
    assert!(!db.exists("public.users"));
}

#[test]
fn status_exit_code_is_3_while_migrations_are_pending_and_0_when_up_to_date() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    // Everything pending on a fresh database: the status is printed, then exit 3.
    db.migrate(&dir, &["status", "--exit-code"])
        .expect(3)
        .stdout_has("Total: 0 applied, 3 pending");
    // One applied, two pending: still 3. Without --exit-code: 0, as before.
    db.migrate(&dir, &["apply", "--target", "1", "-y"])
        .expect(0);
    let run = db
        .migrate(&dir, &["status", "--exit-code"])
        .expect(3)
        .stdout_has("Total: 1 applied, 2 pending");
    assert_eq!(run.stderr, "", "pending is not an error: {run}");
    db.migrate(&dir, &["status"]).expect(0);
    // Up to date: 0.
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    db.migrate(&dir, &["status", "--exit-code"])
        .expect(0)
        .stdout_has("Total: 3 applied, 0 pending");
    // A folder with errors is still exit 1 before connecting, with or without pending work.
    folder.write("004_bad.sql", "CREATE TABLE t (id int);\n");
    db.migrate(&dir, &["status", "--exit-code"])
        .expect(1)
        .stderr_has("error[missing-if-not-exists]");
}

#[test]
fn apply_runs_each_migration_with_progress_and_is_idempotent() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    let run = db.migrate(&dir, &["apply", "-y"]).expect(0);
    for file in ["001_users.sql", "002_posts.sql", "003_indexes.sql"] {
        assert!(
            run.stdout
                .contains(&format!("→ applying {}/{file}\n", dir.display())),
            "{run}"
        );
        let done = format!("✓ applied {}/{file} in ", dir.display());
        assert!(run.stdout.contains(&done), "{run}");
    }
    assert!(run.stdout.contains("Applied 3 migration(s) in "), "{run}");
    assert!(
        run.stdout.contains("3 migration(s) applied in total"),
        "{run}"
    );
    assert_eq!(db.applied(), "1,2,3");
    assert!(db.exists("public.posts") && db.exists("public.users_email_idx"));

    db.migrate(&dir, &["apply", "-y"])
        .expect(0)
        .stdout_has("Nothing to do: 3 migration(s) applied");
    let run = db.migrate(&dir, &["status"]).expect(0);
    assert!(run.stdout.contains("✓ 1 users"), "{run}");
    assert!(run.stdout.contains("Total: 3 applied, 0 pending"), "{run}");
    db.migrate(&dir, &["verify"])
        .expect(0)
        .stdout_has("ok       1 users")
        .stdout_has("Verified 3 applied migration(s): 0 modified, 0 missing, 0 invalid index(es)");
    db.migrate(&dir, &["plan"])
        .expect(0)
        .stdout_has("Nothing to apply: 3 migration(s) applied");
}

#[test]
fn apply_verbose_shows_the_sql_and_target_stops_at_a_version() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    let run = db
        .migrate(&dir, &["apply", "--target", "1", "--yes", "--verbose"])
        .expect(0);
    assert!(
        run.stdout
            .contains("    CREATE TABLE IF NOT EXISTS users ("),
        "{run}"
    );
    assert!(!run.stdout.contains("002_posts"), "{run}");
    assert_eq!(db.applied(), "1");

    db.migrate(&dir, &["apply", "--target", "42", "-y"])
        .expect(2)
        .stderr_has("version 42 is not one of the embedded migrations; use one of: 1, 2, 3");
    assert_eq!(db.applied(), "1");
}

#[test]
fn a_failed_migration_exits_1_with_its_position_and_leaves_the_database_as_it_was() {
    let db = Db::new();
    let folder = Folder::with(&[
        ("001_users.sql", "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n"),
        (
            "002_broken.sql",
            "CREATE TABLE IF NOT EXISTS audit (id bigint);\nALTER TABLE users ADD COLUMN IF NOT EXISTS nick nosuchtype;\n",
        ),
    ]);
    let dir = folder.path();
    let run = db.migrate(&dir, &["apply", "-y"]).expect(1);
    assert!(run.stdout.contains("✓ applied"), "{run}");
    assert!(
        run.stdout
            .contains(&format!("✗ {}/002_broken.sql failed", dir.display())),
        "{run}"
    );
    assert!(
        run.stderr
            .contains(&format!("{}/002_broken.sql:2:", dir.display())),
        "{run}"
    );
    assert!(run.stderr.contains("ERROR 42704"), "{run}");
    assert!(run.stderr.contains("nosuchtype"), "{run}");
    assert_eq!(db.applied(), "1");
    assert!(
        !db.exists("public.audit"),
        "the failed migration was rolled back"
    );
    db.migrate(&dir, &["status"])
        .expect(0)
        .stdout_has("migration 2 (broken) failed at");
}

#[test]
fn verify_and_apply_find_a_modified_migration() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    folder.write(
        "002_posts.sql",
        "CREATE TABLE IF NOT EXISTS posts (id bigint PRIMARY KEY, title text);\n",
    );
    let run = db.migrate(&dir, &["verify"]).expect(1);
    assert!(
        run.stdout.contains("MODIFIED 2 posts: applied checksum "),
        "{run}"
    );
    assert!(run.stdout.contains("1 modified, 0 missing"), "{run}");
    assert!(
        run.stderr.contains("was modified after it was applied"),
        "{run}"
    );
    db.migrate(&dir, &["apply", "-y"])
        .expect(1)
        .stderr_has("validation failed, nothing was applied");
    db.migrate(&dir, &["plan"])
        .expect(1)
        .stdout_has("was modified");

    // A file removed from the folder is missing.
    std::fs::remove_file(dir.join("002_posts.sql")).unwrap();
    std::fs::remove_file(dir.join("002_posts.down.sql")).unwrap();
    db.migrate(&dir, &["verify"])
        .expect(1)
        .stdout_has("MISSING  2 posts");
}

#[test]
fn drift_exits_1_naming_each_change_made_by_hand_and_0_without() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    db.migrate(&dir, &["drift"])
        .expect(0)
        .stdout_has("no drift: the ");
    db.client()
        .batch_execute("ALTER TABLE users ADD COLUMN nickname text; DROP INDEX users_email_idx")
        .unwrap();
    let run = db.migrate(&dir, &["drift"]).expect(1);
    assert!(
        run.stdout.contains(
            "drift: 2 object(s) differ from what the 3 applied migration(s) build\n\
             extra column public.users.nickname\n  actual (the database):     text\n\
             missing index public.users_email_idx\n  expected (the migrations): CREATE INDEX \
             users_email_idx ON public.users USING btree (email)"
        ),
        "{run}"
    );
    let run = db
        .migrate(&dir, &["drift", "--format", "json", "--ignore", "index:*"])
        .expect(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["differences"].as_array().unwrap().len(), 1, "{run}");
    assert_eq!(json["differences"][0]["name"], "public.users.nickname");
    db.migrate(
        &dir,
        &[
            "drift",
            "--ignore",
            "public.users.nick*",
            "--ignore",
            "index:*",
        ],
    )
    .expect(0);
    db.migrate(&dir, &["drift", "--ignore", "tabel:users"])
        .expect(1)
        .stderr_has("`tabel` is not a kind of object");
    assert_eq!(
        db.value("SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate\\_drift\\_%'"),
        Some("0".into()),
        "every throwaway database is dropped"
    );
}

#[test]
fn rollback_reverts_with_the_down_files() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    let run = db.migrate(&dir, &["rollback", "--to", "1", "-y"]).expect(0);
    assert!(run.stdout.contains("Would revert on"), "{run}");
    assert!(run.stdout.contains("  • 3 indexes\n  • 2 posts\n"), "{run}");
    // Each line as it happens, newest first.
    let progress: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with('→') || l.starts_with('✓'))
        .map(|l| l.split(" in ").next().unwrap())
        .collect();
    let [a, b, c, d] = progress[..] else {
        panic!("{run}")
    };
    assert!(
        a.starts_with("→ reverting ") && a.ends_with("003_indexes.down.sql"),
        "{run}"
    );
    assert!(b.starts_with("✓ reverted ") && b.ends_with("003_indexes.down.sql"));
    assert!(c.starts_with("→ reverting ") && c.ends_with("002_posts.down.sql"));
    assert!(d.starts_with("✓ reverted ") && d.ends_with("002_posts.down.sql"));
    assert!(run.stdout.contains("Reverted 2 migration(s) in "), "{run}");
    assert_eq!(db.applied(), "1");
    assert!(!db.exists("public.posts") && db.exists("public.users"));
    db.migrate(&dir, &["rollback", "--to", "1", "-y"])
        .expect(0)
        .stdout_has("Nothing to roll back");

    // A migration without a down file cannot be reverted: nothing is.
    folder.write(
        "004_more.sql",
        "CREATE TABLE IF NOT EXISTS more (id int);\n",
    );
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    let refused = db
        .migrate(&dir, &["rollback", "--to", "0", "-y"])
        .expect(1)
        .stderr_has("cannot roll back migration 4 (more): it has no .down.sql file");
    assert!(!refused.stdout.contains("Would revert"), "{refused}");
    assert_eq!(db.applied(), "1,2,3,4");
}

#[test]
fn baseline_records_without_running_and_refuses_a_used_history() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    db.migrate(&dir, &["baseline", "2"])
        .expect(0)
        .stdout_has("Recording as applied 2 migration(s)");
    assert_eq!(db.applied(), "1,2");
    assert!(!db.exists("public.users"), "a baseline runs nothing");
    db.migrate(&dir, &["baseline", "3"])
        .expect(1)
        .stderr_has("refusing to baseline")
        .stderr_has("--force");
    db.migrate(&dir, &["baseline", "3", "--force"]).expect(0);
    assert_eq!(db.applied(), "1,2,3");
    db.migrate(&dir, &["baseline", "9"])
        .expect(2)
        .stderr_has("not one of the embedded");
}

#[test]
fn the_history_table_can_be_elsewhere() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    let options = [
        "--history-schema",
        "ops",
        "--history-table",
        "Migrations",
        "--lock-wait",
        "5s",
    ];
    let mut args = vec!["apply", "-y"];
    args.extend(options);
    db.migrate(&dir, &args).expect(0);
    assert!(db.exists("ops.\"Migrations\""));
    assert!(!db.exists("public.schema_migrations"));
    let mut args = vec!["status"];
    args.extend(options);
    db.migrate(&dir, &args)
        .expect(0)
        .stdout_has("History table: \"ops\".\"Migrations\"")
        .stdout_has("Total: 3 applied, 0 pending");
}

#[test]
fn the_connection_comes_from_database_url_or_the_pg_variables() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path().display().to_string();
    migrate_with_env(
        &["apply", "-y", "--dir", &dir],
        &[("DATABASE_URL", &db.url)],
    )
    .expect(0);
    assert_eq!(db.applied(), "1,2,3");

    let config: postgres::Config = db.url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Tcp(h) => h.clone(),
        postgres::config::Host::Unix(p) => p.display().to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let password = String::from_utf8(config.get_password().unwrap_or_default().to_vec()).unwrap();
    let user = config.get_user().unwrap().to_owned();
    let env = [
        ("PGHOST", host.as_str()),
        ("PGPORT", port.as_str()),
        ("PGUSER", user.as_str()),
        ("PGPASSWORD", password.as_str()),
        ("PGDATABASE", db.name.as_str()),
    ];
    let run = migrate_with_env(&["verify", "--dir", &dir], &env).expect(0);
    assert!(run.stdout.contains("0 modified, 0 missing"), "{run}");
    if !password.is_empty() {
        assert!(
            !run.stdout.contains(&password) && !run.stderr.contains(&password),
            "{run}"
        );
    }
}

#[test]
fn sslmode_require_encrypts_the_connection() {
    let db = Db::new();
    let ssl = db.value("SHOW ssl");
    // The migration records whether its own session is encrypted.
    let folder = Folder::with(&[(
        "001_conn.sql",
        "CREATE TABLE IF NOT EXISTS conn AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n",
    )]);
    let dir = folder.path().display().to_string();
    let separator = if db.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}sslmode=require", db.url);
    let run = common::migrate(&["apply", "-y", "--dir", &dir, "--database-url", &url]);
    eprintln!("server ssl = {ssl:?}");
    if ssl.as_deref() == Some("on") {
        run.expect(0);
        assert_eq!(db.value("SELECT ssl FROM conn").as_deref(), Some("t"));
    } else {
        // A server without TLS: `require` refuses to fall back to plain text.
        run.expect(2).stderr_has("could not connect");
    }
}

#[test]
fn apply_asks_for_confirmation_on_a_terminal() {
    let db = Db::new();
    let folder = good_folder();
    let args = format!(
        "apply --dir {} --database-url '{}'",
        folder.path().display(),
        db.url
    );
    let Some(run) = common::on_a_terminal(&args, "n\n") else {
        return;
    };
    let run = run.expect(2);
    assert!(run.stdout.contains("Apply 3 migration(s) to "), "{run}");
    assert!(run.stdout.contains("[y/N]"), "{run}");
    assert!(
        run.stdout.contains("not confirmed; nothing was applied"),
        "{run}"
    );
    assert!(!db.exists("public.users"));

    let run = common::on_a_terminal(&args, "y\n").unwrap().expect(0);
    assert!(run.stdout.contains("Applied 3 migration(s)"), "{run}");
    assert_eq!(db.applied(), "1,2,3");
}

#[test]
fn a_held_lock_times_out_with_the_holder_named() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    let key = migrate_runtime::HistoryTable::default().lock_key();
    let mut holder = db.client();
    holder
        .batch_execute(&format!(
            "SET application_name = 'other-migrator'; SELECT pg_advisory_lock({key})"
        ))
        .unwrap();
    let run = db
        .migrate(&dir, &["apply", "-y", "--lock-wait", "500ms"])
        .expect(1);
    assert!(run.stderr.contains("timed out after"), "{run}");
    assert!(run.stderr.contains("other-migrator"), "{run}");
    assert!(run.stderr.contains("--lock-wait"), "{run}");
    drop(holder);
    db.migrate(&dir, &["apply", "-y"]).expect(0);
}

#[test]
fn an_out_of_order_migration_is_refused_unless_allowed() {
    let db = Db::new();
    let folder = Folder::with(&[
        ("001_a.sql", "CREATE TABLE IF NOT EXISTS a (id int);\n"),
        ("003_c.sql", "CREATE TABLE IF NOT EXISTS c (id int);\n"),
    ]);
    let dir = folder.path();
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    folder.write("002_b.sql", "CREATE TABLE IF NOT EXISTS b (id int);\n");
    db.migrate(&dir, &["apply", "-y"])
        .expect(1)
        .stderr_has("older than the newest applied migration 3")
        .stderr_has("--allow-out-of-order");
    db.migrate(&dir, &["plan"])
        .expect(1)
        .stderr_has("--allow-out-of-order");
    db.migrate(&dir, &["apply", "-y", "--allow-out-of-order"])
        .expect(0)
        .stdout_has("002_b.sql");
    assert_eq!(db.applied(), "1,2,3");
}

#[test]
fn sslmode_verify_full_and_verify_ca_check_the_certificate() {
    let db = Db::new();
    let snakeoil = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let (ssl, cert_file) = (db.value("SHOW ssl"), db.value("SHOW ssl_cert_file"));
    let on_localhost = db.url.contains("@localhost:");
    if ssl.as_deref() != Some("on") || cert_file.as_deref() != Some(snakeoil) || !on_localhost {
        common::prerequisite::missing(&format!(
            "a server at localhost with TLS on and Debian's {snakeoil}, as pg_virtualenv sets up \
             (here ssl = {ssl:?}, ssl_cert_file = {cert_file:?}, DATABASE_URL at localhost: \
             {on_localhost})"
        ));
        return;
    }
    let folder = good_folder();
    let dir = folder.path().display().to_string();
    let separator = if db.url.contains('?') { '&' } else { '?' };
    let with = |url: &str, query: &str| format!("{url}{separator}{query}");
    let by_ip = db.url.replace("@localhost:", "@127.0.0.1:");
    let home = tempfile::tempdir().unwrap(); // no ~/.postgresql/root.crt
    let home = home.path().to_str().unwrap();
    let run = |url: String| {
        migrate_with_env(
            &["status", "--dir", &dir, "--database-url", &url],
            &[("HOME", home)],
        )
    };
    // The snakeoil certificate is self-signed for `localhost`.
    run(with(
        &db.url,
        &format!("sslmode=verify-full&sslrootcert={snakeoil}"),
    ))
    .expect(0);
    run(with(
        &by_ip,
        &format!("sslmode=verify-ca&sslrootcert={snakeoil}"),
    ))
    .expect(0);
    run(with(
        &by_ip,
        &format!("sslmode=verify-full&sslrootcert={snakeoil}"),
    ))
    .expect(2)
    .stderr_has("could not connect");
    // A root certificate file is the only trust: another CA's file rejects the server.
    let other_ca = std::fs::read_dir("/etc/ssl/certs")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "pem") && !p.ends_with("ssl-cert-snakeoil.pem")
        });
    match other_ca {
        Some(other) => {
            run(with(
                &db.url,
                &format!("sslmode=verify-full&sslrootcert={}", other.display()),
            ))
            .expect(2)
            .stderr_has("certificate verify failed");
        }
        None => common::prerequisite::missing(
            "another CA's certificate in /etc/ssl/certs (ca-certificates), for the rejection",
        ),
    }
    run(with(
        &db.url,
        "sslmode=verify-ca&sslrootcert=/nonexistent/root.crt",
    ))
    .expect(2)
    .stderr_has("cannot read the root certificate /nonexistent/root.crt");
}

/// `url` with its host and port replaced by the local `port`, without TLS (the counting proxy
/// reads the protocol's messages).
fn through_port(url: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let credentials = authority
        .rsplit_once('@')
        .map_or(String::new(), |(c, _)| format!("{c}@"));
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{scheme}://{credentials}127.0.0.1:{port}/{path}{separator}sslmode=disable")
}

#[test]
fn apply_runs_every_step_under_one_lock_and_one_history_read() {
    let proxy = migrate_tests::proxy::CountingProxy::start();
    let file = |name: &str| {
        (
            format!("00{name}_t{name}.sql"),
            format!("CREATE TABLE IF NOT EXISTS t{name} (id int);\n"),
        )
    };
    let mut round_trips = Vec::new();
    for count in [1, 3] {
        let db = Db::new();
        let files: Vec<(String, String)> = (1..=count).map(|i| file(&i.to_string())).collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let folder = Folder::with(&files);
        let url = through_port(&db.url, proxy.port());
        proxy.take();
        migrate_with_env(
            &["apply", "-y", "--dir", &folder.path().display().to_string()],
            &[("DATABASE_URL", &url)],
        )
        .expect(0)
        .stdout_has(&format!("Applied {count} migration(s)"));
        round_trips.push(proxy.take());
        assert_eq!(
            db.applied(),
            (1..=count)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    // Each further transactional migration costs its one round trip: the lock, the history
    // reads and the unlock happen once per `apply`, not once per migration.
    assert_eq!(round_trips[1] - round_trips[0], 2, "{round_trips:?}");
}

#[test]
fn apply_prints_each_lock_timeout_retry_with_the_blocker() {
    let db = Db::new();
    let folder = Folder::with(&[
        ("001_t.sql", "CREATE TABLE IF NOT EXISTS t (id int);\n"),
        (
            "002_c.sql",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;\n",
        ),
    ]);
    let dir = folder.path().display().to_string();
    db.migrate(&folder.path(), &["apply", "-y", "--target", "1"])
        .expect(0);
    let mut reader = db.client();
    reader
        .batch_execute("SET application_name = 'nightly-report'; BEGIN; SELECT count(*) FROM t")
        .unwrap();
    let run = migrate_with_env(
        &[
            "apply",
            "-y",
            "--dir",
            &dir,
            "--lock-timeout",
            "100ms",
            "--lock-retries",
            "2",
        ],
        &[("DATABASE_URL", &db.url)],
    )
    .expect(1);
    let retries: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with('⟳')).collect();
    assert_eq!(retries.len(), 2, "{run}");
    assert!(
        retries[0].contains("002_c.sql waited longer than its lock_timeout")
            && retries[0].contains("application_name 'nightly-report'")
            && retries[0].contains("retry 1 of 2"),
        "{run}"
    );
    assert!(run.stdout.contains("002_c.sql failed"), "{run}");
    reader.batch_execute("COMMIT").unwrap();
    db.migrate(&folder.path(), &["apply", "-y"]).expect(0);
    assert_eq!(db.applied(), "1,2");
}

#[test]
fn the_overrides_noted_are_those_the_run_uses_after_every_flag() {
    let db = Db::new();
    let folder = good_folder();
    folder.write(
        "migrate.toml",
        "[run]\nlock_wait = \"10s\"\nlock_timeout = \"2s\"\nlock_retries = 2\nstatement_timeout = \"5min\"\n",
    );
    let dir = folder.path();
    let run = db
        .migrate(
            &dir,
            &[
                "apply",
                "-y",
                "--lock-wait",
                "7s",
                "--lock-timeout",
                "1s",
                "--lock-retries",
                "0",
                "--statement-timeout",
                "300",
            ],
        )
        .expect(0);
    assert!(
        run.stderr
            .contains("note: lock_wait 7s overrides migrate.toml's 10s"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("note: lock_timeout 1s overrides migrate.toml's 2s"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("note: lock_retries 0 overrides migrate.toml's 2"),
        "{run}"
    );
    // The same value as migrate.toml's overrides nothing.
    assert!(!run.stderr.contains("statement_timeout"), "{run}");
    assert_eq!(run.stderr.matches("note: ").count(), 3, "{run}");
    assert_eq!(db.applied(), "1,2,3");

    let run = db
        .migrate(&dir, &["status", "--lock-wait", "10s"])
        .expect(0);
    assert!(!run.stderr.contains("note: "), "{run}");
}

#[test]
fn errors_advise_flags_not_the_library_s_builder_methods() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    let run = db.migrate(&dir, &["baseline", "2"]).expect(1);
    assert!(
        run.stderr
            .contains("refusing to baseline: the history table \"public\".\"schema_migrations\" already holds 3 row(s)"),
        "{run}"
    );
    assert!(run.stderr.contains("--force"), "{run}");
    assert!(!run.stderr.contains("Runner::"), "{run}");
}

#[test]
fn repeatable_migrations_are_planned_applied_verified_and_shown() {
    let db = Db::new();
    let folder = Folder::with(&[
        (
            "001_users.sql",
            "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text);\n",
        ),
        (
            "R__views.sql",
            "CREATE OR REPLACE VIEW user_emails AS SELECT id, email FROM users;\n",
        ),
    ]);
    let dir = folder.path();
    db.migrate(&dir, &["plan"])
        .expect(0)
        .stdout_has("Would apply 1 migration(s):")
        .stdout_has("Would apply 1 repeatable migration(s) after them:")
        .stdout_has("R__views.sql (new)");
    db.migrate(&dir, &["status", "--exit-code"])
        .expect(3)
        .stdout_has("R__views.sql (never applied)")
        .stdout_has("Total: 0 applied, 1 pending, 1 repeatable(s) to apply");
    db.migrate(&dir, &["apply", "-y"])
        .expect(0)
        .stdout_has("1 repeatable migration(s) applied");
    assert!(db.exists("public.user_emails"));
    db.migrate(&dir, &["status", "--exit-code"])
        .expect(0)
        .stdout_has("Repeatable Migrations:\n  ✓ R__views.sql (");
    db.migrate(&dir, &["apply", "-y"])
        .expect(0)
        .stdout_has("Nothing to do: 1 migration(s) applied");

    // Changed: pending (exit 3 with --exit-code), not an error for verify; applied once more.
    folder.write(
        "R__views.sql",
        "CREATE OR REPLACE VIEW user_emails AS SELECT id, email, email IS NULL AS no_email \
         FROM users;\n",
    );
    db.migrate(&dir, &["plan"])
        .expect(0)
        .stdout_has("Would apply 1 repeatable migration(s) after them:")
        .stdout_has("R__views.sql (changed)");
    db.migrate(&dir, &["status", "--exit-code"]).expect(3);
    db.migrate(&dir, &["verify"])
        .expect(0)
        .stdout_has("CHANGED  R__views.sql: applied checksum")
        .stdout_has("1 changed (pending), 0 gone");
    let json = db.migrate(&dir, &["status", "--format", "json"]).expect(0);
    let status: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        status["repeatables"]["pending"][0]["name"], "views",
        "{json}"
    );
    assert_eq!(
        status["repeatables"]["applied"][0]["name"], "views",
        "{json}"
    );
    db.migrate(&dir, &["apply", "-y"])
        .expect(0)
        .stdout_has("R__views.sql (repeatable)")
        .stdout_has("R__views.sql in ")
        .stdout_has("Applied 0 migration(s) in ");
    assert_eq!(
        db.value("SELECT count(*) FROM public.schema_migrations_repeatables")
            .as_deref(),
        Some("1")
    );

    // Its file removed: reported, not an error.
    std::fs::remove_file(dir.join("R__views.sql")).unwrap();
    db.migrate(&dir, &["verify"])
        .expect(0)
        .stdout_has("GONE     R__views.sql");
    db.migrate(&dir, &["plan"])
        .expect(0)
        .stdout_has("warning: repeatable migration views was applied at");
}
