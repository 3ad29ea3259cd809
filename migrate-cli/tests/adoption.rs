//! Adopting an existing project, proven on the real corpora of this repository: each folder
//! imported from its original layout (`migrate import`) is exactly the folder the `migrate-tests`
//! crate embeds with `embed_migrations!` (no file edited); applied through the application and
//! through the command line it gives the same history, and `verify` is clean. Then a database
//! another tool migrated (its history table created as that tool creates it) is adopted with
//! `baseline --from-history`, after which `apply` runs only what is new.

mod common;

use std::path::{Path, PathBuf};

use common::{migrate, Db, Folder};
use migrate_runtime::{HistoryTable, Migrations};
use migrate_tests::fixtures::{ATUIN, CRATESIO, DOCSRS, OPENTDF, SVIX};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// (corpus, tool, the embedded set of its imported folder)
fn corpora() -> [(&'static str, &'static str, &'static Migrations); 5] {
    [
        ("cratesio", "diesel", &CRATESIO),
        ("docsrs", "sqlx", &DOCSRS),
        ("svix", "sqlx", &SVIX),
        ("atuin", "sqlx", &ATUIN),
        ("opentdf", "goose", &OPENTDF),
    ]
}

/// Every file of a folder but the licence, with its bytes, sorted by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "LICENSE")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

/// The history rows that matter: version, name, checksum, success.
fn history(db: &Db, table: &HistoryTable) -> Vec<String> {
    let rows = db
        .client()
        .simple_query(&format!(
            "SELECT version::text || ' ' || name || ' ' || checksum || ' ' || success::text \
             FROM {} ORDER BY version",
            table.qualified()
        ))
        .unwrap();
    rows.into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .collect()
}

#[test]
fn every_corpus_imports_to_the_folder_that_builds_and_applies_the_same_both_ways() {
    for (corpus, tool, embedded) in corpora() {
        let source = repository()
            .join("tests/corpus")
            .join(corpus)
            .join("migrations");
        let committed = repository().join("tests/migrations").join(corpus);
        let out = Folder::named("unused", &[]);
        let target = out.root().join(corpus);
        migrate(&[
            "import",
            "--from",
            tool,
            &source.display().to_string(),
            "--dir",
            &target.display().to_string(),
        ])
        .expect(0)
        .stdout_has("imported ");
        // Same bytes, apart from where the import says it came from.
        let from_source = |text: Vec<u8>| {
            String::from_utf8(text)
                .unwrap()
                .replace(&source.display().to_string(), "SRC")
                .replace(&format!("tests/corpus/{corpus}/migrations"), "SRC")
                .into_bytes()
        };
        let imported: Vec<_> = files(&target)
            .into_iter()
            .map(|(n, b)| (n, from_source(b)))
            .collect();
        let expected: Vec<_> = files(&committed)
            .into_iter()
            .map(|(n, b)| (n, from_source(b)))
            .collect();
        assert_eq!(imported.len(), expected.len(), "{corpus}");
        for (a, b) in imported.iter().zip(&expected) {
            assert!(
                a == b,
                "{corpus}: {} differs from the committed {}",
                a.0,
                b.0
            );
        }

        // The application (the embedded set) and the command line (the folder) agree.
        let by_app = Db::new();
        let report = embedded.run(&mut by_app.client()).unwrap();
        assert_eq!(report.steps.len(), embedded.len(), "{corpus}");
        let by_cli = Db::new();
        by_cli
            .migrate(&target, &["apply", "-y"])
            .expect(0)
            .stdout_has(&format!("Applied {} migration(s)", embedded.len()));
        let table = embedded.runner().table().clone();
        let app_history = history(&by_app, &table);
        assert_eq!(app_history.len(), embedded.len());
        assert_eq!(app_history, history(&by_cli, &table), "{corpus}");
        for db in [&by_app, &by_cli] {
            db.migrate(&target, &["verify"]).expect(0);
        }
    }
}

/// A database as another tool leaves it: the schema of the first `applied` migrations of `set`
/// (applied here with a scratch history table, then dropped), and the tool's history table,
/// created by `peer_ddl` and filled by `insert(i)` for each of them.
fn migrated_by_peer(
    set: &Migrations,
    applied: usize,
    peer_ddl: &str,
    insert: impl Fn(usize) -> String,
) -> Db {
    let db = Db::new();
    let scratch = set.runner().history_table("public", "scratch_history");
    let last = set.as_slice()[applied - 1].version();
    scratch.run_to(&mut db.client(), last).unwrap();
    let mut sql = format!("DROP TABLE public.scratch_history; {peer_ddl};");
    for i in 0..applied {
        sql.push_str(&insert(i));
        sql.push(';');
    }
    db.client().batch_execute(&sql).unwrap();
    db
}

/// sqlx's history table, as `sqlx-postgres` creates it.
const SQLX_DDL: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
)";

/// diesel's history table, as `diesel_migrations` creates it.
const DIESEL_DDL: &str = "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
    version VARCHAR(50) PRIMARY KEY NOT NULL,
    run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)";

#[test]
fn a_database_sqlx_migrated_is_adopted_and_only_new_migrations_run() {
    let dir = repository().join("tests/migrations/docsrs");
    let set = &DOCSRS;
    let applied = set.len() - 3;
    let db = migrated_by_peer(set, applied, SQLX_DDL, |i| {
        let m = &set.as_slice()[i];
        format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
             execution_time) VALUES ({}, '{}', true, '\\x00', 1)",
            m.version(),
            m.name().replace('_', " ")
        )
    });
    db.migrate(&dir, &["baseline", "--from-history", "sqlx"])
        .expect(0)
        .stdout_has(&format!("{applied} recorded in"));
    let table = set.runner().table().clone();
    assert_eq!(history(&db, &table).len(), applied);
    db.migrate(&dir, &["apply", "-y"])
        .expect(0)
        .stdout_has("Applied 3 migration(s)");
    db.migrate(&dir, &["verify"]).expect(0);
    assert_eq!(history(&db, &table).len(), set.len());
}

#[test]
fn a_database_diesel_migrated_is_adopted_through_diesels_own_versions() {
    let dir = repository().join("tests/migrations/cratesio");
    let source = repository().join("tests/corpus/cratesio/migrations");
    // diesel records the folder name's first part without its dashes.
    let mut theirs: Vec<String> = std::fs::read_dir(&source)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.split('_').next().unwrap().replace('-', "")
        })
        .collect();
    theirs.sort(); // diesel's order
    let set = &CRATESIO;
    assert_eq!(theirs.len(), set.len());
    let applied = set.len() - 2;
    let db = migrated_by_peer(set, applied, DIESEL_DDL, |i| {
        format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{}')",
            theirs[i]
        )
    });
    db.migrate(&dir, &["baseline", "--from-history", "diesel"])
        .expect(0);
    db.migrate(&dir, &["apply", "-y"])
        .expect(0)
        .stdout_has("Applied 2 migration(s)");
    db.migrate(&dir, &["verify"]).expect(0);
}

#[test]
fn a_history_that_cannot_be_trusted_is_refused_with_each_row_named() {
    let dir = repository().join("tests/migrations/atuin");
    let set = &ATUIN;
    let db = migrated_by_peer(set, 2, SQLX_DDL, |i| {
        let m = &set.as_slice()[i];
        format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
             execution_time) VALUES ({}, 'x', {}, '\\x00', 1)",
            m.version(),
            i == 0
        )
    });
    db.client()
        .batch_execute(
            "INSERT INTO _sqlx_migrations VALUES (20991231000000, 'gone', now(), true, '\\x00', 1)",
        )
        .unwrap();
    let second = set.as_slice()[1].version();
    db.migrate(&dir, &["baseline", "--from-history", "sqlx"])
        .expect(1)
        .stderr_has(&format!(
            "version {second} is recorded as failed or dirty: repair it with sqlx first"
        ))
        .stderr_has("version 20991231000000 (gone) has no migration file here");
    assert!(!db.exists("public.schema_migrations"), "nothing recorded");

    // A tool whose table is not there, and a hand-written table of the seeds' style.
    db.migrate(&dir, &["baseline", "--from-history", "goose"])
        .expect(1)
        .stderr_has("goose_db_version (goose)")
        .stderr_has("does not exist");
    let first = set.as_slice()[0].version();
    db.client()
        .batch_execute(&format!(
            "CREATE TABLE ops_history (version bigint, name text, applied_at timestamptz); \
             INSERT INTO ops_history VALUES ({first}, 'first', now())"
        ))
        .unwrap();
    db.migrate(&dir, &["baseline", "--from-history", "ops_history"])
        .expect(0)
        .stdout_has("1 recorded in");
}

#[test]
fn import_refuses_to_overwrite_and_names_what_it_cannot_convert() {
    let target = Folder::with(&[("1_x.sql", "CREATE TABLE IF NOT EXISTS x ();")]);
    let source = repository().join("tests/corpus/atuin/migrations");
    migrate(&[
        "import",
        "--from",
        "sqlx",
        &source.display().to_string(),
        "--dir",
        &target.path().display().to_string(),
    ])
    .expect(2)
    .stderr_has("refusing to import into")
    .stderr_has("1_x.sql");
    assert_eq!(target.files(), ["1_x.sql"]);

    let empty = Folder::named("src", &[("README.md", "not a migration")]);
    migrate(&[
        "import",
        "--from",
        "diesel",
        &empty.path().display().to_string(),
        "--dir",
        &empty.root().join("out").display().to_string(),
    ])
    .expect(2)
    .stderr_has("no diesel migration found")
    .stderr_has("`{version}_{name}/` holding `up.sql`");
    migrate(&["import", "--from", "liquibase", "x"])
        .expect(2)
        .stderr_has("unknown tool `liquibase`");
}

/// A source folder of another tool, sub-folders included.
fn tool_folder(files: &[(&str, &str)]) -> Folder {
    let folder = Folder::named("src", &[]);
    for (path, text) in files {
        let path = folder.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    folder
}

/// One tool's folder of documented variants, and what the import must make of it.
struct Variants {
    /// The `--from` name.
    tool: &'static str,
    /// The source files (paths may hold sub-folders).
    files: Vec<(&'static str, &'static str)>,
    /// Each file we write, by the end of its name, and whether it has the no-transaction header.
    headers: Vec<(&'static str, bool)>,
}

/// Every documented variant of each tool's files (docs/guide/import-rules.md). Each folder
/// holds a table, then indexes built concurrently, which PostgreSQL refuses inside a
/// transaction: a header missing or misplaced fails `apply`.
fn variants() -> Vec<Variants> {
    const TABLE: &str = "CREATE TABLE t (a int, b int);\n";
    vec![
        Variants {
            tool: "sqlx",
            files: vec![
                ("1_t.sql", TABLE),
                ("2_i.up.sql", "-- no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"),
                ("2_i.down.sql", "-- no-transaction\nDROP INDEX CONCURRENTLY t_a;\n"),
                // A prefix of the first line, CRLF line ends.
                ("3_j.sql", "-- no-transaction: concurrently\r\nCREATE INDEX CONCURRENTLY t_b ON t (b);\r\n"),
                // Not at the first byte: sqlx runs it in a transaction.
                ("4_k.sql", "\n-- no-transaction\nSELECT 1;\n"),
                ("sub/5_ignored.sql", "SELECT 1;"),
            ],
            headers: vec![("1_t.sql", false), ("2_i.sql", true), ("2_i.down.sql", true), ("3_j.sql", true), ("4_k.sql", false)],
        },
        Variants {
            tool: "goose",
            files: vec![
                ("00001_t.sql", "-- +goose Up\nCREATE TABLE t (a int, b int);\n-- +goose Down\nDROP TABLE t;\n"),
                // The two spellings of the issue: `UP` and `no transaction`.
                ("00002_i.sql", "-- +goose UP\n-- +goose no transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n\n-- +goose DOWN\nDROP INDEX CONCURRENTLY t_a;\n"),
                ("00003_j.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY t_b ON t (b);\n"),
                ("00004_f.sql", "--+goose up\n-- +goose statementbegin\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n-- +goose STATEMENTEND\n-- +goose envsub on\nCOMMENT ON TABLE t IS 'plain';\n-- +goose EnvSub Off\n-- +goose down\nDROP FUNCTION f();\n"),
            ],
            headers: vec![("1_t.sql", false), ("1_t.down.sql", false), ("2_i.sql", true), ("2_i.down.sql", true), ("3_j.sql", true), ("4_f.sql", false), ("4_f.down.sql", false)],
        },
        Variants {
            tool: "dbmate",
            files: vec![
                ("20200101000000_t.sql", "-- migrate:up\nCREATE TABLE t (a int, b int);\n-- migrate:down\nDROP TABLE t;\n"),
                ("20200102000000_i.sql", "--migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n--migrate:down transaction:false\nDROP INDEX CONCURRENTLY t_a;\n"),
                ("20200103000000_j.sql", "-- a comment first\r\n-- migrate:up  foo:bar transaction:false\r\nCREATE INDEX CONCURRENTLY t_b ON t (b);\r\n-- migrate:down\r\nSELECT 1;\r\n"),
                ("20200104000000-no-down.sql", "-- migrate:up\nSELECT 1;\n"),
            ],
            headers: vec![("_t.sql", false), ("_t.down.sql", false), ("_i.sql", true), ("_i.down.sql", true), ("_j.sql", true), ("_j.down.sql", false), ("_-no-down.sql", false)],
        },
        Variants {
            tool: "refinery",
            files: vec![
                ("V1__t.sql", TABLE),
                ("more/V2__u.sql", "CREATE TABLE u (a int);\n"),
                // Unversioned: an up migration refinery may apply out of order.
                ("U3__late.sql", "ALTER TABLE t ADD COLUMN c int;\n"),
                ("V4__ignored-name.sql", "SELECT 1;\n"),
            ],
            headers: vec![("1_t.sql", false), ("2_u.sql", false), ("3_late.sql", false)],
        },
        Variants {
            tool: "flyway",
            files: vec![
                ("V1__t.sql", TABLE),
                ("V1.1__i.sql", "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"),
                ("V1.1__i.sql.conf", "executeInTransaction=false\n"),
                ("V1_2__j.sql", "CREATE INDEX CONCURRENTLY t_b ON t (b);\n"),
                ("V1_2__j.sql.conf", "# why\r\nexecuteInTransaction : FALSE\r\nencoding=UTF-8\r\n"),
                // Detected by Flyway's PostgreSQL parser, no configuration.
                ("V2__auto.sql", "CREATE INDEX CONCURRENTLY t_ab ON t (a, b);\n"),
                ("U2__auto.sql", "DROP INDEX CONCURRENTLY t_ab;\n"),
                ("V3__kept.sql", "COMMENT ON TABLE t IS '${not_a_placeholder}';\n"),
                ("V3__kept.sql.conf", "placeholderReplacement=false\n"),
                ("2024/V4__nested.SQL", "\u{FEFF}CREATE TABLE u (a int);\n"),
            ],
            headers: vec![("_t.sql", false), ("_i.sql", true), ("_j.sql", true), ("_auto.sql", true), ("_auto.down.sql", true), ("_kept.sql", false), ("_nested.sql", false)],
        },
        Variants {
            tool: "diesel",
            files: vec![
                ("2020-01-01-000000_t/up.sql", TABLE),
                ("2020-01-01-000000_t/down.sql", "DROP TABLE t;\n"),
                ("2020-01-02-000000_i/up.sql", "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"),
                ("2020-01-02-000000_i/down.sql", "DROP INDEX CONCURRENTLY t_a;\n"),
                ("2020-01-02-000000_i/metadata.toml", "run_in_transaction = false\n"),
                // diesel reads a metadata.toml without the key as false.
                ("2020-01-03-000000_j/up.sql", "CREATE INDEX CONCURRENTLY t_b ON t (b);\n"),
                ("2020-01-03-000000_j/metadata.toml", "# nothing set\n"),
                ("2020-01-04-000000_k/up.sql", "SELECT 1;\n"),
                ("2020-01-04-000000_k/metadata.toml", "run_in_transaction = true\n"),
            ],
            headers: vec![("_t.sql", false), ("_t.down.sql", false), ("_i.sql", true), ("_i.down.sql", true), ("_j.sql", true), ("_k.sql", false)],
        },
    ]
}

#[test]
fn every_documented_variant_of_each_tool_imports_to_a_folder_that_builds_and_applies() {
    for Variants {
        tool,
        files,
        headers,
    } in variants()
    {
        let source = tool_folder(&files);
        let target = source.root().join("out");
        let src = source.path().display().to_string();
        let dir = target.display().to_string();
        migrate(&["import", "--from", tool, &src, "--dir", &dir])
            .expect(0)
            .stdout_has("imported ");
        let outcome = migrate_lint::check_dir(&target, &dir);
        assert!(
            !outcome.has_errors(),
            "{tool}: {:?}",
            outcome.errors().collect::<Vec<_>>()
        );
        let mut written: Vec<(String, bool)> = std::fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| {
                let text = std::fs::read_to_string(target.join(&n)).unwrap();
                let header = text.starts_with("-- migrate:no-transaction\n");
                (n, header)
            })
            .collect();
        written.sort();
        assert_eq!(written.len(), headers.len(), "{tool}: {written:?}");
        for (end, header) in headers {
            let found: Vec<_> = written.iter().filter(|(n, _)| n.ends_with(end)).collect();
            assert_eq!(
                found.len(),
                1,
                "{tool}: one file ending {end} in {written:?}"
            );
            assert_eq!(found[0].1, header, "{tool}: {} header", found[0].0);
        }
        let db = Db::new();
        db.migrate(&target, &["apply", "-y"]).expect(0);
        db.migrate(&target, &["verify"]).expect(0);
    }
}

#[test]
fn import_refuses_file_by_file_what_a_tool_would_run_that_cannot_be_carried_over() {
    for (tool, files, errors) in [
        (
            "goose",
            vec![
                ("00001_t.sql", "-- +goose Up\nCREATE TABLE t ();\n"),
                ("00002_go.go", "package migrations"),
                (
                    "00003_env.sql",
                    "-- +goose Up\n-- +goose ENVSUB ON\nCREATE ROLE ${ROLE};\n",
                ),
            ],
            vec![
                "00002_go.go: a Go migration",
                "00003_env.sql:3: goose substitutes",
            ],
        ),
        (
            "dbmate",
            vec![(
                "1_two.sql",
                "-- migrate:up\nSELECT 1;\n-- migrate:down\n-- migrate:up\nSELECT 2;\n",
            )],
            vec!["1_two.sql:4: a second `-- migrate:up` section"],
        ),
        (
            "flyway",
            vec![
                ("V1__t.sql", "CREATE TABLE t ();\n"),
                // A repeatable migration is copied, unless Flyway runs it outside a transaction.
                ("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n"),
                ("R__v.sql.conf", "executeInTransaction=false\n"),
                ("V2__x.sql", "SELECT 1;\n"),
                ("V2__x.sql.conf", "executeInTransaction=maybe\n"),
            ],
            vec![
                "R__v.sql: a repeatable migration run outside a transaction",
                "V2__x.sql.conf:1: Flyway stops",
            ],
        ),
        (
            "refinery",
            vec![("V1__t.sql", "CREATE TABLE t ();\n"), ("V2__code.rs", "")],
            vec!["V2__code.rs: a Rust migration"],
        ),
    ] {
        let source = tool_folder(&files);
        let target = source.root().join("out");
        let mut run = migrate(&[
            "import",
            "--from",
            tool,
            &source.path().display().to_string(),
            "--dir",
            &target.display().to_string(),
        ])
        .expect(1)
        .stderr_has("nothing was imported");
        for error in errors {
            run = run.stderr_has(&format!("{}", source.path().join(error).display()));
        }
        assert!(!target.exists(), "{tool}: nothing written");
    }
}
