//! `migrate apply --fleet`, `migrate status --fleet` and `migrate drift --fleet` against a real
//! PostgreSQL: tenant schemas from a fleet file and from a query, tenant databases, a failing
//! tenant, JSON, a drifted tenant.

mod common;

use common::{good_folder, Db, Folder};

/// `tenant_0` .. `tenant_{n-1}`, as a TOML list.
fn tenant_list(n: usize) -> String {
    let names: Vec<String> = (0..n).map(|i| format!("\"tenant_{i}\"")).collect();
    format!("[{}]", names.join(", "))
}

/// Each tenant schema's applied versions, `-` where it has no history.
fn applied_per_tenant(db: &Db, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            db.value(&format!(
                "SELECT CASE WHEN to_regclass('tenant_{i}.schema_migrations') IS NULL THEN '-' END"
            ))
            .unwrap_or_else(|| {
                db.value(&format!(
                    "SELECT string_agg(version::text, ',' ORDER BY version) \
                     FROM tenant_{i}.schema_migrations WHERE success"
                ))
                .unwrap_or_default()
            })
        })
        .collect()
}

#[test]
fn apply_and_status_over_tenant_schemas_from_a_fleet_file() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    let fleet = folder.root().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!(
            "tenancy = \"schema\"\ntenants = {}\nparallelism = 2\ncanaries = 1\n",
            tenant_list(4)
        ),
    )
    .unwrap();
    let fleet = fleet.display().to_string();

    let run = db
        .migrate(&dir, &["apply", "-y", "--fleet", &fleet])
        .expect(0);
    for i in 0..4 {
        assert!(
            run.stdout
                .contains(&format!("✓ tenant_{i} applied 1, 2, 3 in ")),
            "{run}"
        );
        // Without a terminal, a line per tenant as it ends, on stderr.
        assert!(
            run.stderr
                .contains(&format!("✓ tenant_{i} applied 3 migration(s)")),
            "{run}"
        );
    }
    assert!(run.stdout.contains("(canary)"), "{run}");
    assert!(
        run.stdout
            .contains("Fleet: 4 target(s): 4 applied, 0 current, 0 failed, 0 not reached"),
        "{run}"
    );
    assert_eq!(applied_per_tenant(&db, 4), vec!["1,2,3"; 4]);
    assert!(db.exists("tenant_3.users_email_idx") && !db.exists("public.users"));

    let run = db
        .migrate(&dir, &["status", "--exit-code", "--fleet", &fleet])
        .expect(0);
    assert!(
        run.stdout.contains("tenant_2  3 applied, 0 pending"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("4 tenant(s): 0 with pending migrations"),
        "{run}"
    );

    // A new migration: every tenant has one pending, and `apply` brings each up to date.
    folder.write(
        "004_tags.sql",
        "CREATE TABLE IF NOT EXISTS tags (id bigint PRIMARY KEY);\n",
    );
    let run = db
        .migrate(&dir, &["status", "--exit-code", "--fleet", &fleet])
        .expect(3);
    assert!(
        run.stdout.contains("tenant_0  3 applied, 1 pending"),
        "{run}"
    );
    db.migrate(&dir, &["apply", "-y", "--fleet", &fleet])
        .expect(0)
        .stdout_has("✓ tenant_1 applied 4 in ");
    assert_eq!(applied_per_tenant(&db, 4), vec!["1,2,3,4"; 4]);
}

#[test]
fn a_failing_tenant_from_a_query_is_reported_in_json_and_fails_the_command() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE SCHEMA tenant_0; CREATE SCHEMA tenant_1; CREATE SCHEMA tenant_2; \
             CREATE TABLE tenant_1.users (nothing int)",
        )
        .unwrap();
    let query = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1";
    let run = db
        .migrate(
            &dir,
            &[
                "apply",
                "-y",
                "--tenancy",
                "schema",
                "--tenants-query",
                query,
                "--parallelism",
                "1",
                "--on-failure",
                "continue",
                "--format",
                "json",
            ],
        )
        .expect(1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let targets = report.as_array().unwrap();
    assert_eq!(targets.len(), 3, "{run}");
    assert_eq!(targets[0]["outcome"], "applied");
    assert_eq!(targets[0]["applied"], serde_json::json!(["1", "2", "3"]));
    assert_eq!(targets[1]["target"], "tenant_1");
    assert_eq!(targets[1]["outcome"], "failed");
    assert_eq!(targets[1]["error"]["code"], "42703", "{run}");
    assert!(
        targets[1]["error"]["location"]
            .as_str()
            .unwrap()
            .ends_with("002_posts.sql:1:1"),
        "{run}"
    );
    assert_eq!(targets[2]["outcome"], "applied");
    assert!(
        run.stderr.contains("error: 1 of 3 tenant(s) failed"),
        "{run}"
    );
    assert_eq!(applied_per_tenant(&db, 3), ["1,2,3", "1", "1,2,3"]);
}

#[test]
fn tenant_databases_from_a_fleet_file() {
    let admin = Db::new();
    let tenants = [Db::new(), Db::new()];
    let folder = Folder::with(&[("001_t.sql", "CREATE TABLE IF NOT EXISTS t (id int);\n")]);
    let fleet = folder.root().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!(
            "tenancy = \"database\"\ntenants = [\"{}\", \"{}\"]\n",
            tenants[0].name, tenants[1].name
        ),
    )
    .unwrap();
    let fleet = fleet.display().to_string();
    admin
        .migrate(&folder.path(), &["apply", "-y", "--fleet", &fleet])
        .expect(0)
        .stdout_has("Fleet: 2 target(s): 2 applied");
    for tenant in &tenants {
        assert_eq!(tenant.applied(), "1");
    }
    // The connection's own database is not a tenant.
    assert!(!admin.exists("public.schema_migrations"));
}

#[test]
fn a_bad_fleet_file_is_named_at_its_line_before_connecting() {
    let folder = good_folder();
    let fleet = folder.root().join("fleet.toml");
    std::fs::write(
        &fleet,
        "tenancy = \"schema\"\ntenants = [\"a\"]\nparalelism = 8\n",
    )
    .unwrap();
    let run = common::migrate(&[
        "apply",
        "-y",
        "--dir",
        &folder.path().display().to_string(),
        "--fleet",
        &fleet.display().to_string(),
        "--database-url",
        "postgresql://nobody@127.0.0.1:1/none",
    ])
    .expect(2);
    assert!(
        run.stderr.contains(&format!(
            "{}:3:1: unknown field `paralelism`",
            fleet.display()
        )),
        "{run}"
    );
}

#[test]
fn the_tenancy_declared_in_migrate_toml_is_the_fleets_unless_it_disagrees() {
    let db = Db::new();
    let folder = Folder::with(&[
        ("migrate.toml", "tenancy = \"schema\"\n"),
        ("001_t.sql", "CREATE TABLE IF NOT EXISTS t (id int);\n"),
    ]);
    let dir = folder.path();
    let query = "SELECT 'tenant_0'";
    db.migrate(&dir, &["apply", "-y", "--tenants-query", query])
        .expect(0)
        .stdout_has("✓ tenant_0 applied 1 in ");
    assert!(db.exists("tenant_0.t"));
    db.migrate(
        &dir,
        &[
            "apply",
            "-y",
            "--tenants-query",
            query,
            "--tenancy",
            "database",
        ],
    )
    .expect(2)
    .stderr_has("the fleet asks for a database per tenant, but ")
    .stderr_has("migrate.toml declares tenancy = \"schema\"");
}

#[test]
fn drift_over_tenant_schemas_names_the_drifted_tenant() {
    let db = Db::new();
    let folder = good_folder();
    let dir = folder.path();
    let fleet = folder.root().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!("tenancy = \"schema\"\ntenants = {}\n", tenant_list(2)),
    )
    .unwrap();
    let fleet = fleet.display().to_string();
    db.migrate(&dir, &["apply", "-y", "--fleet", &fleet])
        .expect(0);
    let run = db.migrate(&dir, &["drift", "--fleet", &fleet]).expect(0);
    // The schema, 2 tables, 4 columns, 3 constraints, 3 indexes (the history table left out).
    assert!(
        run.stdout.contains("tenant_0  = no drift (13 objects)"),
        "{run}"
    );
    assert!(run.stdout.contains("2 tenant(s): 0 drifted"), "{run}");

    db.client()
        .batch_execute("ALTER TABLE tenant_1.users ADD COLUMN nickname text")
        .unwrap();
    let run = db.migrate(&dir, &["drift", "--fleet", &fleet]).expect(1);
    assert!(run.stdout.contains("tenant_0  = no drift ("), "{run}");
    assert!(
        run.stdout.contains("tenant_1  ✗ 1 object(s) differ"),
        "{run}"
    );
    assert!(
        run.stdout.contains(
            "tenant_1: drift: 1 object(s) differ from what the 3 applied migration(s) build\n\
             extra column tenant_1.users.nickname\n  actual (the database):     text"
        ),
        "{run}"
    );
    assert!(run.stdout.contains("2 tenant(s): 1 drifted"), "{run}");
    db.migrate(&dir, &["drift", "--fleet", &fleet, "--format", "json"])
        .expect(2)
        .stderr_has("drop --format json");
}
