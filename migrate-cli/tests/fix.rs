//! `migrate lint --fix [--dry-run]` with the real binary on a folder in a temporary directory:
//! the diff it prints, the files it writes (and, with `--dry-run`, does not), `legacy_until`
//! files left as they are, the plan for a fix that needs a new file, the files it cannot fix;
//! and, against a real PostgreSQL (`DATABASE_URL`), the point of the fixes: a fixed migration
//! runs a second time.

mod common;

use common::{migrate_in, Db, Folder};

const USERS: &str = "CREATE TABLE users (id bigint, email text);\n";
const NAMES: &str = "-- the session\nSET statement_timeout = '1h';\n\
                     ALTER TABLE users ADD COLUMN name text; -- ADD COLUMN\n";
const FIXED_USERS: &str = "CREATE TABLE IF NOT EXISTS users (id bigint, email text);\n";
const FIXED_NAMES: &str = "-- the session\nSET LOCAL statement_timeout = '1h';\n\
                           ALTER TABLE users ADD COLUMN IF NOT EXISTS name text; -- ADD COLUMN\n";

const DIFF: &str = "--- a/migrations/001_users.sql\n+++ b/migrations/001_users.sql\n\
                    @@ -1 +1 @@\n\
                    -CREATE TABLE users (id bigint, email text);\n\
                    +CREATE TABLE IF NOT EXISTS users (id bigint, email text);\n\
                    --- a/migrations/002_names.sql\n+++ b/migrations/002_names.sql\n\
                    @@ -1,3 +1,3 @@\n -- the session\n\
                    -SET statement_timeout = '1h';\n\
                    -ALTER TABLE users ADD COLUMN name text; -- ADD COLUMN\n\
                    +SET LOCAL statement_timeout = '1h';\n\
                    +ALTER TABLE users ADD COLUMN IF NOT EXISTS name text; -- ADD COLUMN\n";

fn read(folder: &Folder, name: &str) -> String {
    std::fs::read_to_string(folder.path().join(name)).unwrap()
}

#[test]
fn fix_rewrites_in_place_prints_the_diff_and_a_second_fix_changes_nothing() {
    let folder = Folder::with(&[("001_users.sql", USERS), ("002_names.sql", NAMES)]);
    let run = migrate_in(folder.root(), &["lint", "--fix", "--dir", "migrations"]).expect(0);
    assert_eq!(
        run.stdout,
        format!("{DIFF}--fix: changed 2 files\n\nmigrations: 2 migrations checked, no findings\n"),
        "{run}"
    );
    assert_eq!(read(&folder, "001_users.sql"), FIXED_USERS);
    assert_eq!(read(&folder, "002_names.sql"), FIXED_NAMES);
    // Written through a temporary file renamed over the file: nothing else is left.
    assert_eq!(folder.files(), ["001_users.sql", "002_names.sql"]);

    let run = migrate_in(folder.root(), &["lint", "--fix", "--dir", "migrations"]).expect(0);
    assert!(
        run.stdout.starts_with("nothing to fix mechanically\n"),
        "{run}"
    );
    assert_eq!(read(&folder, "002_names.sql"), FIXED_NAMES);
}

#[test]
fn dry_run_prints_the_same_diff_and_writes_nothing() {
    let folder = Folder::with(&[("001_users.sql", USERS), ("002_names.sql", NAMES)]);
    let args = ["lint", "--fix", "--dry-run", "--dir", "migrations"];
    let run = migrate_in(folder.root(), &args).expect(0);
    assert!(
        run.stdout.starts_with(&format!(
            "{DIFF}--fix --dry-run: would change 2 files, wrote nothing\n"
        )),
        "{run}"
    );
    assert_eq!(read(&folder, "001_users.sql"), USERS);
    assert_eq!(read(&folder, "002_names.sql"), NAMES);
    // What plain `lint` says of the folder as it still is: errors, exit 1.
    migrate_in(folder.root(), &["lint", "--dir", "migrations"]).expect(1);
}

#[test]
fn legacy_files_are_never_touched() {
    let folder = Folder::with(&[
        ("migrate.toml", "legacy_until = 1\n"),
        ("001_users.sql", USERS),
        ("002_names.sql", NAMES),
    ]);
    let run = migrate_in(folder.root(), &["lint", "--fix", "--dir", "migrations"]).expect(0);
    assert_eq!(read(&folder, "001_users.sql"), USERS);
    assert_eq!(read(&folder, "002_names.sql"), FIXED_NAMES);
    assert!(!run.stdout.contains("001_users.sql"), "{run}");
    assert!(
        run.stdout.contains(
            "note: files up to version 1 (`legacy_until` in migrate.toml) are history: --fix \
             never changes them\n"
        ),
        "{run}"
    );
}

#[test]
fn a_fix_that_needs_a_new_file_is_printed_as_a_plan_and_not_applied() {
    let index = "SELECT 1;\nCREATE INDEX IF NOT EXISTS users_email ON users (email);\n";
    let folder = Folder::with(&[("001_users.sql", FIXED_USERS), ("002_index.sql", index)]);
    let run = migrate_in(folder.root(), &["lint", "--fix", "--dir", "migrations"]).expect(0);
    assert!(
        run.stdout.starts_with(
            "nothing to fix mechanically\n\
             plan for migrations/002_index.sql:2:1 [index-without-concurrently] (not applied: \
             it needs a new file): move the statement, with `CONCURRENTLY`, into a new \
             migration after this one that starts with `-- migrate:no-transaction`\n  \
             1. remove from migrations/002_index.sql:\n       \
             CREATE INDEX IF NOT EXISTS users_email ON users (email);\n  \
             2. create migrations/003_index_concurrently.sql (or the next version's name):\n       \
             -- migrate:no-transaction\n       \
             CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n\n\
             warning[index-without-concurrently]"
        ),
        "{run}"
    );
    assert_eq!(folder.files(), ["001_users.sql", "002_index.sql"]);
    assert_eq!(read(&folder, "002_index.sql"), index);
}

#[test]
fn files_with_a_syntax_error_or_not_utf8_are_left_alone_with_the_reason() {
    let broken = "CREATE TABLE t (id int);\nSELEC 1;\n";
    let folder = Folder::with(&[("001_users.sql", USERS), ("002_broken.sql", broken)]);
    std::fs::write(
        folder.path().join("003_latin1.sql"),
        b"CREATE TABLE z (city text DEFAULT 'Z\xfcrich');\n",
    )
    .unwrap();
    let run = migrate_in(folder.root(), &["lint", "--fix", "--dir", "migrations"]).expect(1);
    assert_eq!(read(&folder, "001_users.sql"), FIXED_USERS);
    assert_eq!(read(&folder, "002_broken.sql"), broken);
    for (file, why) in [
        (
            "002_broken.sql",
            "PostgreSQL's parser rejects it, so its statements are not known",
        ),
        ("003_latin1.sql", "it is not valid UTF-8"),
    ] {
        assert!(
            run.stdout.contains(&format!(
                "note: migrations/{file} was left alone by --fix: {why}; fix it by hand (see \
                 below), then run `migrate lint --fix` again\n"
            )),
            "{run}"
        );
    }
    assert!(run.stdout.contains("error[syntax]"), "{run}");
}

#[test]
fn fix_is_for_people_not_for_the_machine_formats() {
    let folder = Folder::with(&[("001_users.sql", USERS)]);
    let args = ["lint", "--fix", "--format", "json", "--dir", "migrations"];
    migrate_in(folder.root(), &args)
        .expect(2)
        .stderr_has("`--fix` prints a diff for a person to read");
    let args = ["lint", "--dry-run", "--dir", "migrations"];
    migrate_in(folder.root(), &args).expect(2);
    assert_eq!(read(&folder, "001_users.sql"), USERS);
}

/// What the fixes are for: the original file fails when it runs a second time (after a partial
/// apply, or on a database that has its objects), the fixed one runs again. Checked on a real
/// server, the file run twice as the runner runs it (one transaction), and the fixed folder
/// applied by `migrate apply` twice, its history emptied in between.
#[test]
fn a_fixed_migration_runs_twice_on_postgresql() {
    let db = Db::new();
    let more = "CREATE VIEW active AS SELECT id FROM users WHERE name IS NOT NULL;\n\
                ALTER TABLE users DROP COLUMN email;\n\
                ALTER TYPE mood ADD VALUE 'meh';\n\
                SELECT set_config('app.tenant', '1', false);\n";
    let setup = "DO $$ BEGIN CREATE TYPE mood AS ENUM ('ok'); \
                 EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n";
    let folder = Folder::with(&[
        ("001_users.sql", USERS),
        ("002_names.sql", NAMES),
        ("003_mood.sql", setup),
        ("004_more.sql", more),
    ]);
    let twice = |text: &str| {
        let mut client = db.client();
        let first = client.batch_execute(&format!("BEGIN;\n{text}\nCOMMIT;"));
        let _ = client.batch_execute("ROLLBACK");
        let second = client.batch_execute(&format!("BEGIN;\n{text}\nCOMMIT;"));
        (
            first.map_err(|e| e.to_string()),
            second.map_err(|e| e.to_string()),
        )
    };
    let (first, second) = twice(USERS);
    assert!(first.is_ok() && second.is_err(), "{first:?} {second:?}");
    db.client().batch_execute("DROP TABLE users").unwrap();

    migrate_in(folder.root(), &["lint", "--fix", "--dir", "migrations"]).expect(1);
    // `drop-column` asks a person to confirm the data loss: confirmed, the folder is clean.
    let fixed_more = read(&folder, "004_more.sql");
    assert_eq!(
        fixed_more,
        "CREATE OR REPLACE VIEW active AS SELECT id FROM users WHERE name IS NOT NULL;\n\
         ALTER TABLE users DROP COLUMN IF EXISTS email;\n\
         ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh';\n\
         SELECT set_config('app.tenant', '1', true);\n"
    );
    let confirmed = fixed_more.replace(
        "ALTER TABLE users DROP",
        "-- migrate:allow(drop-column) email moves to the profiles\nALTER TABLE users DROP",
    );
    folder.write("004_more.sql", &confirmed);
    let run = migrate_in(folder.root(), &["lint", "--dir", "migrations"]);
    assert!(!run.stdout.contains("error"), "{run}");

    for name in ["001_users.sql", "002_names.sql"] {
        let (first, second) = twice(&read(&folder, name));
        assert!(
            first.is_ok() && second.is_ok(),
            "{name}: {first:?} {second:?}"
        );
    }
    db.client().batch_execute("DROP TABLE users").unwrap();
    let dir = folder.path();
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    assert_eq!(db.applied(), "1,2,3,4");
    db.client()
        .batch_execute("DELETE FROM public.schema_migrations")
        .unwrap();
    db.migrate(&dir, &["apply", "-y"]).expect(0);
    assert_eq!(db.applied(), "1,2,3,4");
}

/// Every fixable rule's examples, fixed, on PostgreSQL: the files before it once, then the fixed
/// file (one transaction, as the runner runs it), or for a plan the file without the statement
/// and then the new file (outside a transaction, as its `-- migrate:no-transaction` says). The
/// fixed SQL must run; for the idempotency and session-state rules, whose fixes are about
/// running again, it must run a second time too. (A lock-hazard fix keeps what the statement
/// does: `DETACH PARTITION ... CONCURRENTLY` fails a second time as `DETACH PARTITION` does.)
#[test]
fn every_fixed_example_runs_twice_on_postgresql() {
    use migrate_lint::discover::{Entry, EntryKind};
    use migrate_lint::rules::{self, Examples};
    use migrate_lint::{fix_entries, Family, Fix};

    let entries = |files: &[(&str, &str)]| -> Vec<Entry> {
        files
            .iter()
            .map(|(name, text)| Entry {
                name: (*name).to_owned(),
                path: std::path::PathBuf::from("/nowhere").join(name),
                kind: EntryKind::File(Ok(text.as_bytes().to_vec())),
            })
            .collect()
    };
    let mut ran = Vec::new();
    for rule in rules::all().iter().filter(|r| r.autofix.is_some()) {
        let Examples::Shown(examples) = rule.examples else {
            continue;
        };
        for example in examples {
            let mut files = example.before.to_vec();
            files.push(example.bad);
            let fixing = fix_entries("migrations", entries(&files));
            let plan = fixing
                .outcome
                .diagnostics
                .iter()
                .find_map(|d| match &d.fix {
                    Some(Fix::NewFile(plan)) if d.rule == rule.name => Some(plan),
                    _ => None,
                });
            let fixed = fixing
                .files
                .iter()
                .find(|f| f.path.ends_with(example.bad.0))
                .map_or(example.bad.1.to_owned(), |f| f.after.clone());
            let db = Db::new();
            let mut client = db.client();
            for (name, text) in example.before {
                if !name.ends_with(".sql") {
                    continue;
                }
                client
                    .batch_execute(&format!("BEGIN;\n{text}\nCOMMIT;"))
                    .unwrap_or_else(|e| panic!("{}: {name}: {e}", rule.name));
            }
            let (once, twice) = match plan {
                Some(plan) => {
                    let mut kept = fixed.clone();
                    kept.replace_range(plan.remove.clone(), "");
                    (kept, plan.content.clone())
                }
                None => (String::new(), format!("BEGIN;\n{fixed}\nCOMMIT;")),
            };
            client
                .batch_execute(&format!("BEGIN;\n{once}\nCOMMIT;"))
                .unwrap();
            // `unused-allow`'s example deletes from a table no earlier file creates.
            if rule.family == Family::Directives {
                continue;
            }
            client
                .batch_execute(&twice)
                .unwrap_or_else(|e| panic!("`{}`: the fixed example fails: {e:?}", rule.name));
            if matches!(rule.family, Family::Idempotency | Family::SessionState) {
                client.batch_execute(&twice).unwrap_or_else(|e| {
                    panic!("`{}`: the fixed example fails again: {e:?}", rule.name)
                });
            }
            ran.push(rule.name);
        }
    }
    ran.dedup();
    assert_eq!(
        ran,
        [
            "session-setting",
            "missing-if-not-exists",
            "missing-if-exists",
            "missing-or-replace",
            "unnamed-index",
            "select-into",
            "index-without-concurrently",
            "detach-partition-without-concurrently",
        ]
    );
}
