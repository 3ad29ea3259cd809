//! `examples/quickstart` against a fresh database, twice: the first start applies its three
//! migrations, the second applies nothing; both print the report and the status.

use migrate_tests::TestDb;

fn start(db: &TestDb) -> String {
    let mut out = Vec::new();
    quickstart::start(&mut db.client(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn quickstart_applies_three_migrations_then_nothing() {
    let db = TestDb::new();

    let first = start(&db);
    assert!(first.contains("Applying 3 migration(s)..."), "{first}");
    for path in [
        "migrations/001_create_users.sql applied",
        "migrations/002_create_posts.sql applied",
        "migrations/003_index_posts_by_user.sql applied",
    ] {
        assert!(first.contains(path), "{path} in\n{first}");
    }
    assert!(
        first.contains("Applied Migrations:\n  ✓ 1 create_users"),
        "{first}"
    );
    assert!(first.contains("Total: 3 applied, 0 pending"), "{first}");
    assert!(db.exists("users") && db.exists("posts"));
    assert_eq!(
        db.column("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'posts_user_id_idx'::regclass"),
        ["true"]
    );

    let second = start(&db);
    assert!(
        second.starts_with("Nothing to do: 3 migration(s) applied"),
        "{second}"
    );
    assert!(second.contains("Total: 3 applied, 0 pending"), "{second}");
}

#[test]
fn quickstart_explains_an_unreachable_database() {
    let error =
        quickstart::start_with_url("postgresql://app:secret@127.0.0.1:1/app", &mut Vec::new())
            .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("could not connect to DATABASE_URL"),
        "{message}"
    );
    assert!(!message.contains("secret"), "{message}");
}
