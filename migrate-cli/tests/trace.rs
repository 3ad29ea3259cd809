//! `migrate trace` against a real PostgreSQL: every lock, rewrite and hold asserted here is what
//! the server reported while the crafted migrations ran on rows.

mod common;

use common::{migrate_with_env, server_url, Db, Folder, Run};
use serde_json::Value;

/// A backfill under `ADD COLUMN`, a concurrent index, a `VACUUM FULL` and a type change that
/// rewrites, on tables the tests fill with 20 000 rows (a no-transaction statement must outlast
/// a read of `pg_locks` on a busy machine to be observed).
fn crafted() -> Folder {
    Folder::with(&[
        (
            "001_tables.sql",
            "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text NOT NULL);\n\
             CREATE TABLE IF NOT EXISTS posts (\n    id bigserial PRIMARY KEY,\n    user_id bigint \
             NOT NULL REFERENCES users (id),\n    score integer NOT NULL\n);\n",
        ),
        (
            "002_backfill.sql",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS email_lower text;\n\
             UPDATE users SET email_lower = lower(email) WHERE email_lower IS NULL;\n",
        ),
        (
            "003_index.sql",
            "-- migrate:no-transaction\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);\n",
        ),
        (
            "004_vacuum.sql",
            "-- migrate:no-transaction\nVACUUM FULL posts;\n",
        ),
        (
            "005_widen.sql",
            "ALTER TABLE posts ALTER COLUMN score TYPE bigint;\n",
        ),
    ])
}

/// `migrate trace ARGS --dir DIR` with the server as DATABASE_URL.
fn trace(folder: &Folder, args: &[&str]) -> Run {
    let dir = folder.path().display().to_string();
    let mut all = vec!["trace", "--dir", &dir];
    all.extend(args);
    migrate_with_env(&all, &[("DATABASE_URL", &server_url())])
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: not JSON:\n{run}"))
}

/// The migration of the trace whose path ends with `file`.
fn migration<'a>(trace: &'a Value, file: &str) -> &'a Value {
    trace["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["path"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("{file} is not in the trace: {trace:#}"))
}

fn has_lock(locks: &Value, relation: &str, mode: &str) -> bool {
    locks
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["relation"] == relation && l["mode"] == mode)
}

/// The throwaway database the run named on stderr.
fn throwaway(run: &Run) -> String {
    let start = run.stderr.find("migrate_trace_").expect("named on stderr");
    run.stderr[start..]
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn a_backfill_under_add_column_holds_access_exclusive_until_the_commit() {
    let folder = crafted();
    let run = trace(&folder, &["--format", "json", "--rows", "20000"]).expect(0);
    let trace = json(&run);
    assert_eq!(trace["rows"], 20000);
    assert_eq!(trace["unfilled"], Value::Array(vec![]), "{trace:#}");

    let backfill = migration(&trace, "002_backfill.sql");
    assert_eq!(backfill["transactional"], true);
    let [alter, update] = backfill["statements"].as_array().unwrap().as_slice() else {
        panic!("two statements: {backfill:#}");
    };
    assert!(
        has_lock(&alter["locks"], "public.users", "ACCESS EXCLUSIVE"),
        "{alter:#}"
    );
    assert!(
        has_lock(&update["locks"], "public.users", "ROW EXCLUSIVE"),
        "{update:#}"
    );
    assert_eq!(update["scans"][0]["table"], "public.users");
    assert_eq!(
        update["scans"][0]["rows"], 20000,
        "the UPDATE read the filled rows"
    );
    assert!(has_lock(
        &backfill["held_at_commit"],
        "public.users",
        "ACCESS EXCLUSIVE"
    ));
    let holds = backfill["holds"].as_array().unwrap();
    assert_eq!(holds.len(), 1, "{holds:#?}");
    let hold = &holds[0];
    assert_eq!(hold["table"], "public.users");
    assert_eq!(hold["blocks"], "reads");
    assert_eq!(hold["statement"], 0, "taken by the ALTER TABLE");
    let (held, update_ms) = (
        hold["held"].as_f64().unwrap(),
        update["duration"].as_f64().unwrap(),
    );
    assert!(
        held >= update_ms,
        "held {held} ms, through the UPDATE ({update_ms} ms)"
    );

    // The first file's tables are new: no hold on them, whatever the lock.
    assert_eq!(
        migration(&trace, "001_tables.sql")["holds"],
        Value::Array(vec![])
    );

    let index = migration(&trace, "003_index.sql");
    assert_eq!(index["transactional"], false);
    let build = &index["statements"][0];
    assert_eq!(build["observed"], "polled");
    assert!(
        has_lock(&build["locks"], "public.users", "SHARE UPDATE EXCLUSIVE"),
        "{build:#}"
    );
    assert!(
        !build["locks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["relation"] == "public.users"
                && [
                    "SHARE",
                    "SHARE ROW EXCLUSIVE",
                    "EXCLUSIVE",
                    "ACCESS EXCLUSIVE"
                ]
                .contains(&l["mode"].as_str().unwrap())),
        "{build:#}"
    );
    assert_eq!(
        index["holds"],
        Value::Array(vec![]),
        "a concurrent build blocks nobody"
    );

    let vacuum = &migration(&trace, "004_vacuum.sql")["statements"][0];
    assert!(
        has_lock(&vacuum["locks"], "public.posts", "ACCESS EXCLUSIVE"),
        "{vacuum:#}"
    );
    assert!(vacuum["rewrites"]
        .as_array()
        .unwrap()
        .contains(&"public.posts".into()));

    let widen = migration(&trace, "005_widen.sql");
    let change = &widen["statements"][0];
    assert!(
        change["rewrites"]
            .as_array()
            .unwrap()
            .contains(&"public.posts".into()),
        "{widen:#}"
    );
    assert_eq!(widen["holds"][0]["blocks"], "reads");

    let name = throwaway(&run);
    let db = Db::new();
    assert_eq!(
        db.value(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        ))
        .as_deref(),
        Some("0"),
        "the throwaway database {name} is dropped"
    );
}

#[test]
fn the_budget_fails_a_hold_longer_than_it() {
    let folder = crafted();
    trace(&folder, &["--rows", "2000", "--max-lock-hold", "1ms"])
        .expect(1)
        .stdout_has("lock-hold budget 1.0 ms: exceeded")
        .stderr_has("002_backfill.sql: public.users blocks reads for ")
        .stderr_has("= help: shorten what runs while the lock is held");
    trace(&folder, &["--rows", "2000", "--max-lock-hold", "1h"])
        .expect(0)
        .stdout_has("lock-hold budget 3600.00 s: met");
}

/// `migrate.toml` sets the budget (`[trace] max_lock_hold`, which `--max-lock-hold` overrides)
/// and the timeouts the runner would use (`[run]`), which the trace applies too.
#[test]
fn migrate_toml_sets_the_budget_and_the_timeouts() {
    let folder = Folder::with(&[
        (
            "migrate.toml",
            "[trace]\nmax_lock_hold = \"1ms\"\n[run]\nstatement_timeout = \"300ms\"\n",
        ),
        (
            "001_tables.sql",
            "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text NOT NULL);\n",
        ),
        (
            "002_backfill.sql",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS email_lower text;\n\
             UPDATE users SET email_lower = lower(email) WHERE email_lower IS NULL;\n",
        ),
    ]);
    trace(&folder, &["--rows", "2000"])
        .expect(1)
        .stdout_has("lock-hold budget 1.0 ms: exceeded");
    trace(&folder, &["--rows", "2000", "--max-lock-hold", "1h"])
        .expect(0)
        .stdout_has("lock-hold budget 3600.00 s: met");
    folder.write(
        "003_slow.sql",
        "-- A statement longer than migrate.toml's statement_timeout.\nSELECT pg_sleep(1);\n",
    );
    trace(&folder, &["--rows", "0", "--max-lock-hold", "1h"])
        .expect(1)
        .stderr_has("003_slow.sql:2:1: the statement failed on the trace's database")
        .stderr_has("canceling statement due to statement timeout");
}

#[test]
fn markdown_is_a_pull_request_comment_with_a_table_per_migration() {
    let folder = crafted();
    let run = trace(
        &folder,
        &[
            "--format",
            "markdown",
            "--rows",
            "20000",
            "--max-lock-hold",
            "1h",
        ],
    )
    .expect(0);
    let md = &run.stdout;
    assert!(
        md.starts_with("### `migrate trace`: 5 migration(s), 20000 rows per table"),
        "{md}"
    );
    assert!(md.contains("✅ **lock-hold budget 3600.00 s: met"), "{md}");
    assert!(
        md.contains(
            "| line | statement | locks taken | held until commit | rewrite | seq scans | time |\n\
         |---:|---|---|---|---|---|---:|\n\
         | 1 | `ALTER TABLE users ADD COLUMN IF NOT EXISTS email_lower text` | ACCESS EXCLUSIVE \
         public.users | yes |"
        ),
        "{md}"
    );
    assert!(md.contains("| 2 | `UPDATE users SET email_lower = lower(email) WHERE email_low…` | ROW EXCLUSIVE public.users"), "{md}");
    assert!(md.contains("- ⚠️ public.users blocks reads for "), "{md}");
    assert!(md.contains("| 2 | `CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON…` | SHARE UPDATE EXCLUSIVE public.users"), "{md}");
}

#[test]
fn a_database_with_user_tables_it_did_not_create_is_refused_and_left_alone() {
    let folder = crafted();
    let db = Db::new();
    db.client()
        .batch_execute("CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)")
        .unwrap();
    let dir = folder.path().display().to_string();
    db.migrate(&folder.path(), &["trace"])
        .expect(2)
        .stderr_has(&format!("refusing to trace in {}", "postgres"))
        .stderr_has("holds 1 user table(s) (public.orders)")
        .stderr_has("= help: leave out --database-url");
    assert!(!db.exists("public.users"), "nothing was applied in {dir}");
    assert_eq!(
        db.value("SELECT count(*) FROM orders").as_deref(),
        Some("1")
    );

    // An empty database is accepted, traced in and left as the trace leaves it.
    let empty = Db::new();
    empty
        .migrate(&folder.path(), &["trace", "--rows", "10"])
        .expect(0)
        .stdout_has("public.users blocks reads for ");
    assert!(empty.exists("public.users"));
    assert_eq!(
        empty.value("SELECT count(*) FROM users").as_deref(),
        Some("10")
    );
}

#[test]
fn a_migration_that_fails_on_rows_stops_the_trace_and_names_the_statement() {
    let folder = Folder::with(&[
        (
            "001_t.sql",
            "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);\n",
        ),
        (
            "002_required.sql",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS code text NOT NULL;\n",
        ),
    ]);
    let run = trace(&folder, &["--rows", "10", "--format", "json"])
        .expect(1)
        .stderr_has("002_required.sql:1:1: the statement failed on the trace's database: column \"code\" of relation \"t\" contains null values");
    let trace_json = json(&run);
    assert_eq!(trace_json["migrations"].as_array().unwrap().len(), 1);
    assert!(trace_json["failure"]
        .as_str()
        .unwrap()
        .contains("002_required.sql:1:1"));
    // On empty tables the same folder applies.
    trace(&folder, &["--rows", "0"]).expect(0);
}

/// The lock figures of one corpus in `tests/README.md`'s table: lock findings, confirmed,
/// contradicted, not judged, misses.
fn documented_lock_figures(corpus: &str) -> [u64; 5] {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/README.md"),
    )
    .unwrap();
    let section = readme
        .split("## The server as the judge of the lock rules")
        .nth(1)
        .expect("tests/README.md has the lock judge's section");
    let row = section
        .lines()
        .find(|l| l.starts_with(&format!("| {corpus} |")))
        .unwrap_or_else(|| panic!("no row for {corpus} in the lock judge's table"));
    let cells: Vec<u64> = row
        .split('|')
        .skip(2)
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    cells.try_into().unwrap()
}

#[test]
fn every_corpus_is_traced_and_judged() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/migrations");
    for (corpus, shown, rows) in [
        ("atuin", "atuin", "1000"),
        ("docsrs", "docs.rs", "1000"),
        ("svix", "Svix", "1000"),
        ("cratesio", "crates.io", "0"),
        ("opentdf", "OpenTDF", "0"),
    ] {
        let dir = root.join(corpus).display().to_string();
        let run = migrate_with_env(
            &[
                "trace", "--dir", &dir, "--format", "json", "--rows", rows, "--judge",
            ],
            &[("DATABASE_URL", &server_url())],
        )
        .expect(0);
        let trace = json(&run);
        let files = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                let name = e
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .into_owned();
                name.ends_with(".sql") && !name.ends_with(".down.sql")
            })
            .count();
        assert_eq!(
            trace["migrations"].as_array().unwrap().len(),
            files,
            "{corpus}"
        );
        assert_eq!(
            trace["unfilled"],
            Value::Array(vec![]),
            "{corpus}: {:#}",
            trace["unfilled"]
        );
        let holds: usize = trace["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["holds"].as_array().unwrap().len())
            .sum();
        assert!(
            holds > 0,
            "{corpus}: its ALTER TABLEs block existing tables"
        );
        // The judge's figures are those tests/README.md shows: a change either way (a rule
        // fixed, a new false finding) updates the table.
        let judgement = &trace["judgement"];
        let findings = judgement["findings"].as_array().unwrap();
        let count =
            |verdict: &str| findings.iter().filter(|f| f["verdict"] == verdict).count() as u64;
        let figures = [
            findings.len() as u64,
            count("confirmed"),
            count("contradicted"),
            count("not_judged"),
            judgement["misses"].as_array().unwrap().len() as u64,
        ];
        assert_eq!(
            figures,
            documented_lock_figures(shown),
            "{corpus}: the trace's verdicts on the lock rules moved; read them \
             (`migrate trace --dir {dir} --rows {rows} --judge`) and update tests/README.md:\n{judgement:#}"
        );
    }
}

/// The judge on a crafted folder: a backfill under `ADD COLUMN` confirmed, an index on a table
/// the checker cannot see created (made by dynamic SQL in the same file) contradicted, an
/// index build whose finding an allow directive hides a miss.
#[test]
fn the_judge_confirms_contradicts_and_finds_misses() {
    let folder = Folder::with(&[
        (
            "001_tables.sql",
            "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text NOT NULL);\n",
        ),
        (
            "002_backfill.sql",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS email_lower text;\n\
             UPDATE users SET email_lower = lower(email) WHERE email_lower IS NULL;\n",
        ),
        (
            "003_dynamic.sql",
            "DO $$ BEGIN EXECUTE format('CREATE TABLE IF NOT EXISTS %I (a int)', 'dynamic'); \
             END $$;\nCREATE INDEX IF NOT EXISTS dynamic_a_idx ON dynamic (a);\n",
        ),
        (
            "004_allowed.sql",
            "-- migrate:allow(index-without-concurrently) reviewed: users is small\n\
             CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);\n",
        ),
    ]);
    let run = trace(&folder, &["--rows", "2000", "--judge", "--format", "json"]).expect(0);
    let judgement = &json(&run)["judgement"];
    let verdicts: Vec<(String, String, String)> = judgement["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let location = f["location"].as_str().unwrap();
            (
                location[location.rfind('/').unwrap() + 1..].to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
                f["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("002_backfill.sql:2:1", "long-work-under-lock", "confirmed"),
        (
            "003_dynamic.sql:2:1",
            "index-without-concurrently",
            "contradicted",
        ),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(verdicts, expected, "{judgement:#}");
    let misses = judgement["misses"].as_array().unwrap();
    assert_eq!(misses.len(), 1, "{judgement:#}");
    assert!(misses[0]["location"]
        .as_str()
        .unwrap()
        .ends_with("004_allowed.sql:2"));
    // The text and the Markdown say the same.
    let text = trace(&folder, &["--rows", "0", "--judge"]).expect(0).stdout;
    assert!(
        text.contains(
            "The checker's lock findings against this trace: 1 confirmed, 1 \
                       contradicted, 0 not judged; 1 miss(es)"
        ),
        "{text}"
    );
    assert!(text.contains("contradicted: "), "{text}");
    let markdown = trace(&folder, &["--rows", "0", "--judge", "--format", "markdown"])
        .expect(0)
        .stdout;
    assert!(
        markdown.contains("**The checker's lock findings against this trace: 1 confirmed"),
        "{markdown}"
    );
}

#[test]
fn crates_io_history_fails_on_rows_where_it_ran_on_empty_tables() {
    // A real finding: crates.io's 2014 migration 41 adds a NOT NULL column without a default,
    // which PostgreSQL refuses on a table that holds rows.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/migrations/cratesio")
        .display()
        .to_string();
    migrate_with_env(
        &["trace", "--dir", &dir, "--rows", "100"],
        &[("DATABASE_URL", &server_url())],
    )
    .expect(1)
    .stderr_has("dumped_migration_41.sql:1:1: the statement failed on the trace's database: column \"gh_login\" of relation \"users\" contains null values");
}

#[test]
fn a_database_a_trace_created_is_accepted_and_a_killed_traces_leftover_is_dropped() {
    let folder = crafted();
    // Marked as a trace's (as a trace that was told to keep it would find it): accepted even
    // with tables in it.
    let marked = Db::new();
    let mut client = marked.client();
    client
        .batch_execute(&format!(
            "CREATE TABLE leftover (id int); COMMENT ON DATABASE {} IS \
             'migrate trace: throwaway database, created at epoch 1'",
            marked.name
        ))
        .unwrap();
    marked
        .migrate(&folder.path(), &["trace", "--rows", "10"])
        .expect(0);

    // A marked database without a connection, created long ago: a killed trace's leftover,
    // dropped by the next trace that creates its own.
    drop(client);
    let name = marked.name.clone();
    trace(&folder, &["--rows", "10"])
        .expect(0)
        .stderr_has(&format!(
            "note: dropped {name}, left by a trace that was killed"
        ));
}

#[test]
fn from_reports_only_the_later_files_and_fills_the_tables_before_them() {
    let folder = crafted();
    let run = trace(
        &folder,
        &["--from", "2", "--format", "json", "--rows", "20000"],
    )
    .expect(0);
    let trace = json(&run);
    let paths: Vec<&str> = trace["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(paths, ["003_index.sql", "004_vacuum.sql", "005_widen.sql"]);
    // 002's backfill ran untraced on an empty table; the rows came before 003.
    let build = &migration(&trace, "003_index.sql")["statements"][0];
    assert_eq!(build["scans"][0]["table"], "public.users", "{build:#}");
    assert!(
        build["scans"][0]["rows"].as_i64().unwrap() >= 20000,
        "{build:#}"
    );
}
