//! `migrate apply --fleet`, `migrate status --fleet` and `migrate drift --fleet` against a real
//! PostgreSQL: tenant schemas from a fleet file and from a query, tenant databases, a failing
//! tenant, JSON, a drifted tenant, and a fleet file of two servers (the test server and a
//! cluster of the test's own), then one of them dead.

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

#[test]
fn a_fleet_file_of_two_servers_each_with_its_url_variable() {
    let Some(cluster) = migrate_tests::cluster::Cluster::start() else {
        return;
    };
    let a = Db::new();
    let b = cluster.db();
    let b_url = format!(
        "postgresql://postgres@127.0.0.1:{}/{}",
        cluster.port(),
        b.name()
    );
    b.execute("CREATE SCHEMA tenant_0; CREATE SCHEMA tenant_1; CREATE SCHEMA tenant_2");
    let folder = good_folder();
    let dir = folder.path().display().to_string();
    let fleet = folder.root().join("fleet.toml");
    std::fs::write(
        &fleet,
        "tenancy = \"schema\"\nparallelism = 3\ncanaries = 1\n\n\
         [[servers]]\nname = \"a\"\nurl_env = \"A_URL\"\ntenants = [\"tenant_0\", \"tenant_1\"]\n\
         parallelism = 1\n\n\
         [[servers]]\nname = \"b\"\nurl_env = \"B_URL\"\n\
         tenants_query = \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1\"\n",
    )
    .unwrap();
    let fleet = fleet.display().to_string();
    let both = [("A_URL", a.url.as_str()), ("B_URL", b_url.as_str())];
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = args.to_vec();
        all.extend(["--dir", &dir, "--fleet", &fleet]);
        common::migrate_with_env(&all, env)
    };

    // A variable unset: nothing runs, and the message names it and its server.
    run(&["apply", "-y"], &both[..1])
        .expect(2)
        .stderr_has("fleet.toml:12:8: the server `b` takes its URL from the variable B_URL, which is not set; nothing was run");
    assert!(!a.exists("tenant_0.schema_migrations"));
    // One URL for several servers: refused, nothing runs.
    run(&["apply", "-y", "--database-url", &a.url], &both)
        .expect(2)
        .stderr_has("--database-url names one server, but ")
        .stderr_has("fleet.toml lists servers, each with the variable that holds its URL");
    assert!(!a.exists("tenant_0.schema_migrations"));

    let applied = run(&["apply", "-y"], &both)
        .expect(0)
        .stderr_has("Fleet on 2 server(s): a (")
        .stderr_has("), b (postgres@127.0.0.1:")
        .stderr_has("5 tenant(s), a schema each; 3 at once, 1 canary(ies) per server")
        .stdout_has("Server a\n✓ tenant_0 applied 1, 2, 3 in ")
        .stdout_has(
            "Server a: 2 target(s): 2 applied, 0 current, 0 failed, 0 not reached\nServer b\n",
        )
        .stdout_has("Server b: 3 target(s): 3 applied, 0 current, 0 failed, 0 not reached\n")
        .stdout_has(
            "Fleet: 2 server(s), 5 target(s): 5 applied, 0 current, 0 failed, 0 not reached in ",
        );
    // Without a terminal, the lines on stderr name each tenant's server.
    assert!(
        applied
            .stderr
            .contains("✓ b/tenant_2 applied 3 migration(s)"),
        "{applied}"
    );
    assert!(a.exists("tenant_1.users_email_idx") && !a.exists("tenant_2.users"));
    assert_eq!(
        b.column("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations'"),
        ["3"]
    );

    run(&["status", "--exit-code"], &both)
        .expect(0)
        .stdout_has("Server a\ntenant_0  3 applied, 0 pending\n")
        .stdout_has("Server b: 3 tenant(s): 0 with pending migrations\n")
        .stdout_has("2 server(s), 5 tenant(s): 0 with pending migrations\n");
    let json = run(&["apply", "-y", "--format", "json"], &both).expect(0);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON on stdout");
    assert_eq!(report["targets"], 5, "{json}");
    assert_eq!(report["current"], 5, "{json}");
    assert_eq!(report["servers"][1]["server"], "b", "{json}");
    assert_eq!(
        report["servers"][1]["targets"][2]["target"], "tenant_2",
        "{json}"
    );
    assert_eq!(
        report["servers"][1]["targets"][2]["outcome"], "current",
        "{json}"
    );

    b.execute("ALTER TABLE tenant_1.users ADD COLUMN nickname text");
    run(&["drift"], &both)
        .expect(1)
        .stdout_has("Server b: 3 tenant(s): 1 drifted\n")
        .stdout_has("\nb/tenant_1: drift: 1 object(s) differ")
        .stdout_has("2 server(s), 5 tenant(s): 1 drifted\n");

    // Server b dead (nothing listens on its port): its tenants fail naming it; with
    // `continue`, server a's go on.
    drop(b);
    drop(cluster);
    let folder_b = good_folder();
    folder_b.write(
        "004_tags.sql",
        "CREATE TABLE IF NOT EXISTS tags (id bigint PRIMARY KEY);\n",
    );
    let dead = b_url.replace("postgres@", "postgres:secret@");
    std::fs::write(
        &fleet,
        "tenancy = \"schema\"\non_failure = \"continue\"\n\
         [[servers]]\nname = \"b\"\nurl_env = \"B_URL\"\ntenants = [\"tenant_0\"]\n\
         [[servers]]\nname = \"a\"\nurl_env = \"A_URL\"\ntenants = [\"tenant_0\", \"tenant_1\"]\n",
    )
    .unwrap();
    let dir = folder_b.path().display().to_string();
    let all = [
        "apply",
        "-y",
        "--parallelism",
        "1",
        "--dir",
        &dir,
        "--fleet",
        &fleet,
    ];
    let run =
        common::migrate_with_env(&all, &[("A_URL", a.url.as_str()), ("B_URL", dead.as_str())])
            .expect(1)
            .stdout_has("Server b\n✗ tenant_0 failed: could not connect to server b (database ")
            .stdout_has("Server a\n✓ tenant_0 applied 4 in ")
            .stderr_has("error: 1 of 3 tenant(s) failed");
    assert!(
        !run.stdout.contains("secret") && !run.stderr.contains("secret"),
        "{run}"
    );
}
