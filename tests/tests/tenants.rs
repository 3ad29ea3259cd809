//! New tenants against a real server: tenant databases cloned from the fingerprinted template
//! (`migrate_runtime::template::TenantDatabases`), kept current by the fleet afterwards and
//! cloned from a new template when a migration is added; and a new tenant schema, made by
//! applying the set to it. Each test names its databases with a prefix of its own and drops them
//! at the end ([`Tenants`]).

use std::time::Instant;

use migrate_runtime::fleet::{Fleet, Target};
use migrate_runtime::template::{TemplateError, TenantDatabases};
use migrate_runtime::Migrations;
use migrate_tests::fixtures::{ORDERED, ORDERED_MORE, TENANT};
use migrate_tests::tenants::{self, notes, outcomes, schema, schemas};
use migrate_tests::{server_url, TestDb};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use tokio_postgres::NoTls;

/// The first column of `sql` on a connection to the admin database.
fn admin_column(sql: &str) -> Vec<String> {
    let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
    admin
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

fn oid(name: &str) -> Option<String> {
    admin_column(&format!(
        "SELECT oid::text FROM pg_database WHERE datname = '{name}'"
    ))
    .pop()
}

/// A prefix of this test's own, for its template and its tenants; everything named with it is
/// dropped on drop.
struct Tenants {
    prefix: String,
}

impl Tenants {
    fn new(test: &str) -> Self {
        Self {
            prefix: format!("mt_{test}_{}", std::process::id()),
        }
    }

    fn of(&self, migrations: &Migrations) -> TenantDatabases {
        TenantDatabases::new(migrations.runner()).prefix(&self.prefix)
    }

    /// A tenant's database name.
    fn name(&self, tenant: &str) -> String {
        format!("{}_{tenant}", self.prefix)
    }

    /// The templates of the prefix.
    fn templates(&self) -> Vec<String> {
        admin_column(&format!(
            "SELECT datname::text FROM pg_database WHERE datistemplate \
             AND starts_with(datname, '{}_') ORDER BY 1",
            self.prefix
        ))
    }

    /// A fleet of these tenant databases.
    fn fleet(&self, migrations: &Migrations, names: &[String]) -> Fleet {
        let targets = names
            .iter()
            .map(|name| Target::database(tenants::config(name)))
            .collect();
        Fleet::new(migrations.runner(), targets).parallelism(2)
    }
}

impl Drop for Tenants {
    fn drop(&mut self) {
        let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls).unwrap();
        let names = admin_column(&format!(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, '{}_')",
            self.prefix
        ));
        for name in names {
            let _ =
                admin.batch_execute(&format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false"));
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// The schema and history (without times) of a new database migrated with `migrations` the
/// usual way: what a tenant cloned from the template must look like.
fn migrated_snapshot(migrations: &Migrations) -> Vec<String> {
    let reference = TestDb::new();
    migrations.run(&mut reference.client()).unwrap();
    reference.snapshot()
}

#[test]
fn new_tenant_databases_come_from_the_template_and_the_fleet_keeps_them_current() {
    let t = Tenants::new("tenants");
    let tenants = t.of(&ORDERED);
    let template = tenants.template_name();
    assert_eq!(template, format!("{}_{}", t.prefix, tenants.fingerprint()));
    assert!(oid(&template).is_none());
    // Any name PostgreSQL takes, even one shaped like a template's (pruning must spare it).
    let names = [
        t.name("acme"),
        t.name("Globex Corp"),
        t.name("00000000000000ff"),
    ];

    // The first tenant builds the template; the next ones only clone it.
    let started = Instant::now();
    let url = tenants.create(&server_url(), &names[0]).unwrap();
    let first = started.elapsed();
    let built = oid(&template).expect("the first tenant built the template");
    let started = Instant::now();
    tenants.create(&server_url(), &names[1]).unwrap();
    let second = started.elapsed();
    // From async code (a sign-up handler): on tokio's blocking pool.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(tenants.create_async(&server_url(), &names[2]))
        .unwrap();
    assert_eq!(oid(&template), Some(built), "the template was built once");
    eprintln!("first tenant (builds the template) {first:?}; a clone {second:?}");

    // The returned connection string reaches the tenant.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let current: String = client
        .query_one("SELECT current_database()::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(current, names[0]);

    // Each tenant is an ordinary, permanent database with every migration applied and
    // recorded, exactly as if the set had been run on it.
    let expected = migrated_snapshot(&ORDERED);
    for name in &names {
        let tenant = TestDb::existing(name);
        assert_eq!(tenant.snapshot(), expected, "{name}");
        assert_eq!(tenant.history().len(), 3);
        assert_eq!(
            admin_column(&format!(
                "SELECT datistemplate || ' ' || datallowconn FROM pg_database \
                 WHERE datname = '{name}'"
            )),
            ["false true"]
        );
    }
    drop(tenants);
    assert!(names.iter().all(|name| oid(name).is_some()));

    // A fleet run afterwards finds every tenant current.
    let report = t.fleet(&ORDERED, &names).run(NoTls);
    assert_eq!(outcomes(&report), ["current"; 3], "{report}");

    // A migration is added: a new fingerprint, so a new template (the old one pruned; the
    // tenants, even the one named like a template, stay), and new tenants get the new set.
    let more = t.of(&ORDERED_MORE).prune_stale(true);
    let new_template = more.template_name();
    assert_ne!(new_template, template);
    let newcomer = t.name("initech");
    more.create(&server_url(), &newcomer).unwrap();
    assert_eq!(t.templates(), [new_template]);
    assert!(names.iter().all(|name| oid(name).is_some()));
    let expected_more = migrated_snapshot(&ORDERED_MORE);
    assert_eq!(TestDb::existing(&newcomer).snapshot(), expected_more);

    // The fleet brings the old tenants up to date; the new one is current.
    let mut all = names.to_vec();
    all.push(newcomer);
    let report = t.fleet(&ORDERED_MORE, &all).run(NoTls);
    assert_eq!(
        outcomes(&report),
        ["applied", "applied", "applied", "current"],
        "{report}"
    );
    for name in &all {
        assert_eq!(TestDb::existing(name).snapshot(), expected_more, "{name}");
    }
}

#[test]
fn an_existing_name_and_bad_arguments_are_refused_with_the_fix() {
    let t = Tenants::new("refused");
    let tenants = t.of(&ORDERED);
    let name = t.name("acme");
    tenants.create(&server_url(), &name).unwrap();
    let tenant = TestDb::existing(&name);
    tenant.execute("INSERT INTO users (id, email) VALUES (2, 'ceo@acme.example')");

    // The same name again: refused, and the tenant is untouched.
    let error = tenants.create(&server_url(), &name).unwrap_err();
    assert!(
        matches!(&error, TemplateError::Exists { name: n } if *n == name),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "the database {name} exists already, and was left as it is: choose another name, \
             or drop the existing database first when it is a leftover"
        )
    );
    assert_eq!(
        tenant.column("SELECT email FROM users ORDER BY id"),
        ["admin@example.com", "ceo@acme.example"]
    );
    // Any database of the server counts, not only tenants.
    let error = tenants.create(&server_url(), "postgres").unwrap_err();
    assert!(matches!(error, TemplateError::Exists { .. }), "{error}");

    // A name PostgreSQL would cut short, and a bad prefix: refused before connecting.
    let long = "t".repeat(64);
    let error = tenants.create(&server_url(), &long).unwrap_err();
    assert!(
        matches!(error, TemplateError::InvalidName { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("use 1 to 63 bytes"), "{error}");
    assert!(oid(&long[..63]).is_none());
    let error = TenantDatabases::new(ORDERED.runner())
        .prefix("Bad-Prefix")
        .create(&server_url(), &t.name("x"))
        .unwrap_err();
    assert!(error.to_string().contains("a-z, 0-9 and _"), "{error}");
    let error = tenants
        .create("postgresql://nobody:secret@127.0.0.1:1/postgres", "x")
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("could not connect to database postgres on 127.0.0.1 port 1"),
        "{message}"
    );
    assert!(!message.contains("secret"), "{message}");
}

#[test]
fn with_a_tls_connector_every_connection_is_encrypted() {
    if admin_column("SHOW ssl").pop().as_deref() != Some("on") {
        migrate_tests::prerequisite::missing("a server with TLS (ssl = on)");
        return;
    }
    let t = Tenants::new("tls");
    let separator = if server_url().contains('?') { '&' } else { '?' };
    let admin_url = format!("{}{separator}sslmode=require", server_url());
    // Plain connections cannot satisfy sslmode=require.
    let error = t
        .of(&ORDERED)
        .create(&admin_url, &t.name("plain"))
        .unwrap_err();
    assert!(matches!(error, TemplateError::Connect { .. }), "{error}");
    // With a connector, the admin connection and the template's build (which follows the same
    // settings) are encrypted: a plain one would fail as above.
    let mut connector = SslConnector::builder(SslMethod::tls()).unwrap();
    connector.set_verify(SslVerifyMode::NONE);
    let tenants = t
        .of(&ORDERED)
        .tls(postgres_openssl::MakeTlsConnector::new(connector.build()));
    let name = t.name("acme");
    let url = tenants.create(&admin_url, &name).unwrap();
    assert!(
        url.ends_with(&format!("/{name}{separator}sslmode=require")),
        "{url}"
    );
    assert!(oid(&tenants.template_name()).is_some());
    assert_eq!(
        TestDb::existing(&name).snapshot(),
        migrated_snapshot(&ORDERED)
    );
}

#[test]
fn a_new_tenant_schema_is_made_by_applying_the_set_to_it() {
    let db = TestDb::new();
    let fleet = |n| Fleet::new(TENANT.runner(), schemas(&db, n));
    assert_eq!(outcomes(&fleet(2).run(NoTls)), ["applied"; 2]);

    // A customer signs up: its schema does not exist until the set is applied to it.
    let new = schema(2);
    let exists = |schema: &str| {
        !db.column(&format!(
            "SELECT 1 FROM pg_namespace WHERE nspname = '{schema}'"
        ))
        .is_empty()
    };
    assert!(!exists(&new));
    let report = TENANT
        .runner()
        .tenant_schema(&new)
        .run(&mut db.client())
        .unwrap();
    assert_eq!(report.steps.len(), 3, "{report}");
    assert!(exists(&new));
    assert_eq!(notes(&db, 3), ["a!", "a!", "a!"]);
    assert_eq!(
        db.column(&format!(
            "SELECT string_agg(version || ' ' || success, ',' ORDER BY version) \
             FROM {new}.schema_migrations"
        )),
        ["1 true,2 true,3 true"]
    );
    // From then on it is one more tenant of the fleet.
    assert_eq!(outcomes(&fleet(3).run(NoTls)), ["current"; 3]);
}
