//! Helpers of the integration tests in `tests/`: a throwaway database per test, the migration
//! fixtures, and [`Api`], which runs one test body through the sync or the async API.
//!
//! The server comes from `DATABASE_URL` (set by `scripts/test`). Each [`TestDb`] creates a
//! database of its own (unique name) and drops it afterwards, so tests run in parallel.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use migrate_runtime::{Error, Migrations, Plan, Report, Runner, Status};

pub mod cluster;
pub mod oracle;
pub mod pgbouncer;
pub mod prerequisite;
pub mod proxy;
pub mod random;

/// The fixture folders of `tests/migrations`, embedded.
pub mod fixtures {
    use migrate_runtime::{embed_migrations, Migrations};

    /// 001 users (seed style), 002 posts, 003 indexes (no transaction); all with down files.
    pub static ORDERED: Migrations = embed_migrations!("migrations/ordered");
    /// `ORDERED` without 002.
    pub static ORDERED_GAP: Migrations = embed_migrations!("migrations/ordered_gap");
    /// `ORDERED` plus 004 comments (no down file).
    pub static ORDERED_MORE: Migrations = embed_migrations!("migrations/ordered_more");
    /// `ORDERED` with 002 changed.
    pub static ORDERED_MODIFIED: Migrations = embed_migrations!("migrations/ordered_modified");
    /// `ORDERED` checked out with CRLF line ends.
    pub static ORDERED_CRLF: Migrations = embed_migrations!("migrations/ordered_crlf");
    /// 001 users, 002 refers to a type that does not exist (error with a position).
    pub static FAILING: Migrations = embed_migrations!("migrations/failing");
    /// `FAILING` with 002 fixed.
    pub static FAILING_FIXED: Migrations = embed_migrations!("migrations/failing_fixed");
    /// 001 users, 002 violates NOT NULL (error without a position).
    pub static FAILING_NOPOS: Migrations = embed_migrations!("migrations/failing_nopos");
    /// 001 users, 002 no-transaction whose second statement fails.
    pub static NOTX_FAILING: Migrations = embed_migrations!("migrations/notx_failing");
    /// `NOTX_FAILING` with 002 fixed.
    pub static NOTX_FIXED: Migrations = embed_migrations!("migrations/notx_fixed");
    /// 001 users, 002 sleeps 3 s in its transaction.
    pub static SLOW: Migrations = embed_migrations!("migrations/slow");
    /// 001 users, 002 adds a column to users (ACCESS EXCLUSIVE).
    pub static ALTERING: Migrations = embed_migrations!("migrations/altering");
    /// 001 events, 002 no-transaction: `CREATE INDEX CONCURRENTLY IF NOT EXISTS events_note_idx`.
    pub static INDEX_BUILD: Migrations = embed_migrations!("migrations/index_build");
    /// 001 events and its index `events_note_idx`, 002 no-transaction: `REINDEX INDEX
    /// CONCURRENTLY events_note_idx`.
    pub static REINDEX: Migrations = embed_migrations!("migrations/reindex");
    /// 001 users, 002 no-transaction: index, sleep 3 s, index.
    pub static SLOW_NOTX: Migrations = embed_migrations!("migrations/slow_notx");
    /// 001 no-transaction: `notes` and an index built concurrently, `SET statement_timeout`,
    /// `SET search_path`, `set_config('app.flag', ..., false)`, `SET ROLE migrate_session_role`;
    /// 002 records what its session holds in
    /// `public.seen`; 003 no-transaction: `SET work_mem`, an index, `SET ROLE`, then a division
    /// by zero.
    pub static SESSION: Migrations = embed_migrations!("migrations/session");

    /// 001 accounts (one row, note `a`), 002 sleeps 1 s, 003 appends `!` to the note (a second
    /// run would show).
    pub static POOLED: Migrations = embed_migrations!("migrations/pooled");
    /// `POOLED` plus 004, a no-transaction index build.
    pub static POOLED_NOTX: Migrations = embed_migrations!("migrations/pooled_notx");
    /// For faults at random points: 001 accounts (5,000 rows, note of 1 `a`), 002 sleeps
    /// 0.2 s, 003 appends `!` to the note of 1 (a second run would show), 004 no-transaction:
    /// an index built concurrently (about 0.1 s), a column added, a backfill, a unique partial index built
    /// concurrently.
    pub static FAULTS: Migrations = embed_migrations!("migrations/faults");

    /// A tenant's set, unqualified names only: 001 accounts (one row, note `a`), 002 appends
    /// `!` to the note (a second run would show), 003 no-transaction: an index built
    /// concurrently.
    pub static TENANT: Migrations = embed_migrations!("migrations/tenant");
    /// Every kind of object drift compares: an enum, a domain, a sequence, a table with an
    /// identity, a collation, defaults and a generated column, indexes, a policy, a function
    /// and its trigger, a view, a materialized view, a procedure; then a second table.
    pub static DRIFTING: Migrations = embed_migrations!("migrations/drifting");

    /// 001 accounts, 002 a `balance` column; repeatable `R__a_views.sql` (a view of accounts,
    /// commented) and `R__b_functions.sql` (a function reading the view, granted).
    pub static REPEATABLE: Migrations = embed_migrations!("migrations/repeatable");
    /// `REPEATABLE` with `R__b_functions.sql` changed (the function adds 1000).
    pub static REPEATABLE_CHANGED: Migrations = embed_migrations!("migrations/repeatable_changed");
    /// `REPEATABLE` plus `R__c_narrower.sql`, which the build accepts and the server refuses
    /// (`CREATE OR REPLACE VIEW` dropping a column), in its second statement.
    pub static REPEATABLE_FAILING: Migrations = embed_migrations!("migrations/repeatable_failing");

    /// The crates.io corpus (285 migrations), as `migrate import --from diesel` converts
    /// `tests/corpus/cratesio`. Its SQL was not written to be idempotent: the `migrate.toml`
    /// the import wrote marks it all as legacy history, and puts the runner's history in
    /// `public.migrate_history` (crates.io has a `schema_migrations` of its own).
    pub static CRATESIO: Migrations = embed_migrations!("migrations/cratesio");

    /// The docs.rs corpus, as `migrate import --from sqlx` converts `tests/corpus/docsrs`.
    pub static DOCSRS: Migrations = embed_migrations!("migrations/docsrs");

    /// The Svix corpus, as `migrate import --from sqlx` converts `tests/corpus/svix`.
    pub static SVIX: Migrations = embed_migrations!("migrations/svix");

    /// The atuin corpus, as `migrate import --from sqlx` converts `tests/corpus/atuin`.
    pub static ATUIN: Migrations = embed_migrations!("migrations/atuin");

    /// The OpenTDF corpus (48 migrations), as `migrate import --from goose` converts
    /// `tests/corpus/opentdf`: each goose file's `Up` section an up file, its `Down` section
    /// a down file.
    pub static OPENTDF: Migrations = embed_migrations!("migrations/opentdf");

    /// The runner of [`CRATESIO`], with the settings of its `migrate.toml`.
    pub fn cratesio_runner() -> migrate_runtime::Runner {
        CRATESIO.runner()
    }

    /// A fixture by its folder name (for child processes).
    pub fn by_name(name: &str) -> &'static Migrations {
        match name {
            "ordered" => &ORDERED,
            "slow" => &SLOW,
            "slow_notx" => &SLOW_NOTX,
            "pooled" => &POOLED,
            "pooled_notx" => &POOLED_NOTX,
            "tenant" => &TENANT,

            "cratesio" => &CRATESIO,
            "docsrs" => &DOCSRS,
            "svix" => &SVIX,
            "atuin" => &ATUIN,
            "opentdf" => &OPENTDF,
            other => panic!("unknown fixture {other}"),
        }
    }
}

/// The server's URL, from `DATABASE_URL`.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .expect("DATABASE_URL is not set: run the tests with scripts/test (it starts a server)")
}

/// The connection settings of database `name` on the test server.
pub fn config(name: &str) -> postgres::Config {
    let mut config: postgres::Config = server_url().parse().expect("DATABASE_URL is a valid URL");
    config.dbname(name);
    config
}

/// A local TCP port that is free now (a server started on it soon after gets it).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether the tests run as root (PostgreSQL and PgBouncer refuse to: they run as another user).
pub(crate) fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A database of its own, dropped at the end of the test.
pub struct TestDb {
    name: String,
    /// The URL of the server it lives on (its `postgres` database).
    server: String,
}

impl TestDb {
    /// Creates an empty database with a unique name on the server of `DATABASE_URL`.
    pub fn new() -> Self {
        Self::on(&server_url())
    }

    /// Creates an empty database with a unique name on the server at `server` (a URL), such as
    /// a [`cluster::Cluster`] of the test's own.
    pub fn on(server: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "migrate_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin =
            postgres::Client::connect(server, postgres::NoTls).expect("connect to the server");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create the test database");
        Self {
            name,
            server: server.to_owned(),
        }
    }

    /// An existing database by name (in a child process), not dropped by this value.
    pub fn existing(name: &str) -> std::mem::ManuallyDrop<Self> {
        std::mem::ManuallyDrop::new(Self {
            name: name.to_owned(),
            server: server_url(),
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its connection settings.
    pub fn config(&self) -> postgres::Config {
        let mut config: postgres::Config = self.server.parse().expect("the server's URL is valid");
        config.dbname(&self.name);
        config
    }

    /// Its async connection settings.
    pub fn async_config(&self) -> tokio_postgres::Config {
        let mut config: tokio_postgres::Config =
            self.server.parse().expect("the server's URL is valid");
        config.dbname(&self.name);
        config
    }

    /// A new sync connection.
    pub fn client(&self) -> postgres::Client {
        self.config()
            .connect(postgres::NoTls)
            .expect("connect to the test database")
    }

    /// Runs `f` with a new async connection, on a runtime of its own.
    pub fn with_async<T, F, Fut>(&self, f: F) -> T
    where
        F: FnOnce(tokio_postgres::Client) -> Fut,
        Fut: Future<Output = T>,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config = self.async_config();
        runtime.block_on(async {
            let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(connection);
            f(client).await
        })
    }

    /// Rows of a query, every value as text.
    pub fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        self.client()
            .simple_query(sql)
            .unwrap()
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }

    /// The first column of a query's rows (NULL as `"NULL"`).
    pub fn column(&self, sql: &str) -> Vec<String> {
        self.rows(sql)
            .into_iter()
            .map(|r| r[0].clone().unwrap_or_else(|| "NULL".into()))
            .collect()
    }

    /// Polls `sql` every 10 ms until it returns a row, and returns that row's first value;
    /// panics naming `what` after 30 s.
    pub fn wait_for(&self, sql: &str, what: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(value) = self.column(sql).pop() {
                return value;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "waited 30 s for {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Runs statements.
    pub fn execute(&self, sql: &str) {
        self.client().batch_execute(sql).unwrap();
    }

    /// Whether a relation (table, index, ...) exists in `public`.
    pub fn exists(&self, relation: &str) -> bool {
        !self
            .column(&format!(
                "SELECT 1 FROM pg_class WHERE oid = to_regclass('public.{relation}')"
            ))
            .is_empty()
    }

    /// The pids holding advisory locks in this database.
    pub fn advisory_locks(&self) -> Vec<String> {
        self.column(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
    }

    /// `version success statements_done` of each row of `public.schema_migrations`.
    pub fn history(&self) -> Vec<String> {
        self.column(
            "SELECT version || ' ' || success || ' ' || coalesce(statements_done::text, '-') \
             FROM public.schema_migrations ORDER BY version",
        )
    }

    /// The schema of `public`, to compare two databases: relations, columns, indexes,
    /// constraints, and the history table's rows without their times.
    pub fn snapshot(&self) -> Vec<String> {
        self.column(
            "SELECT 'relation ' || c.relname || ' ' || c.relkind::text FROM pg_class c \
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' \
             UNION ALL SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type \
               FROM information_schema.columns WHERE table_schema = 'public' \
             UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes \
               WHERE schemaname = 'public' \
             UNION ALL SELECT 'valid ' || i.indexrelid::regclass || ' ' || i.indisvalid FROM pg_index i \
               JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = 'public' \
             UNION ALL SELECT 'history ' || version || ' ' || name || ' ' || checksum || ' ' || success \
               || ' ' || coalesce(error, '-') || ' ' || coalesce(statements_done::text, '-') \
               FROM public.schema_migrations \
             ORDER BY 1",
        )
    }
}

impl Default for TestDb {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Which client a test body goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `postgres::Client`.
    Sync,
    /// `tokio_postgres::Client`.
    Async,
}

/// One method per operation on [`Api`]: a new connection, then the sync or async call.
macro_rules! api_operations {
    ($($sync:ident / $async:ident ($($arg:ident : $ty:ty),*) -> $out:ty;)*) => {
        impl Api {
            $(
                #[doc = concat!("`Runner::", stringify!($sync), "` through this API.")]
                pub fn $sync(self, db: &TestDb, runner: &Runner $(, $arg: $ty)*) -> Result<$out, Error> {
                    match self {
                        Api::Sync => runner.$sync(&mut db.client() $(, $arg)*),
                        Api::Async => db.with_async(|client| async move {
                            runner.$async(&client $(, $arg)*).await
                        }),
                    }
                }
            )*
        }
    };
}

api_operations! {
    run / run_async() -> Report;
    run_to / run_to_async(version: impl Into<migrate_runtime::Version>) -> Report;
    plan / plan_async() -> Plan;
    status / status_async() -> Status;
    rollback_to / rollback_to_async(version: impl Into<migrate_runtime::Version>) -> Report;
    baseline / baseline_async(version: impl Into<migrate_runtime::Version>) -> Report;
    repair / repair_async(repair: migrate_runtime::Repair) -> migrate_runtime::RepairChange;
    repair_plan / repair_plan_async(repair: migrate_runtime::Repair) -> migrate_runtime::RepairChange;
    drift / drift_async(throwaway: &migrate_runtime::template::Throwaway) -> migrate_runtime::Drift;
}

impl Api {
    /// `migrations.run(...)` with the default options.
    pub fn apply(self, db: &TestDb, migrations: &Migrations) -> Result<Report, Error> {
        self.run(db, &migrations.runner())
    }
}

/// Declares each test body (a `fn(Api)`) twice: `sync::name` and `async_api::name`.
#[macro_export]
macro_rules! for_both_apis {
    ($($name:ident),* $(,)?) => {
        mod sync {
            $(#[test] fn $name() { super::$name($crate::Api::Sync) })*
        }
        mod async_api {
            $(#[test] fn $name() { super::$name($crate::Api::Async) })*
        }
    };
}

impl proxy::CountingProxy {
    /// Starts a proxy to the server of `DATABASE_URL` (TCP only).
    pub fn start() -> Self {
        let server = config("postgres");
        let host = match &server.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(host) => host.clone(),
            #[cfg(unix)]
            other => panic!("the counting proxy needs a TCP server, not {other:?}"),
        };
        Self::to(host, server.get_ports().first().copied().unwrap_or(5432))
    }

    /// A connection string to `db` through the proxy (for the sync and the async client).
    pub fn url(&self, db: &TestDb) -> String {
        let config = self.config(db);
        let quoted = |value: &[u8]| {
            let value = String::from_utf8_lossy(value);
            format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
        };
        let mut url = format!(
            "host=127.0.0.1 port={} dbname={}",
            self.port(),
            quoted(db.name().as_bytes())
        );
        if let Some(user) = config.get_user() {
            url.push_str(&format!(" user={}", quoted(user.as_bytes())));
        }
        if let Some(password) = config.get_password() {
            url.push_str(&format!(" password={}", quoted(password)));
        }
        url
    }

    /// Connection settings for `db` through the proxy.
    pub fn config(&self, db: &TestDb) -> postgres::Config {
        let direct = db.config();
        let mut config = postgres::Config::new();
        config.host("127.0.0.1").port(self.port()).dbname(db.name());
        if let Some(user) = direct.get_user() {
            config.user(user);
        }
        if let Some(password) = direct.get_password() {
            config.password(password);
        }
        config
    }
}

/// Records a runner's [`Event`](migrate_runtime::Event)s as short lines, for tests to compare:
/// `planned apply 1,2,3`, `started 2 migrations/x/002_posts.sql at 0`, `retrying 2 attempt 1
/// blocked by 4711`, `finished 2`, `elsewhere 2`, `failed 2 42704`.
#[derive(Clone, Default)]
pub struct Events(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Events {
    /// `runner`, reporting to this recorder.
    pub fn observe(&self, runner: Runner) -> Runner {
        let lines = std::sync::Arc::clone(&self.0);
        runner.observe(move |event| {
            use migrate_runtime::Event;
            let line = match event {
                Event::Planned {
                    operation,
                    versions,
                } => {
                    let versions: Vec<String> = versions.iter().map(ToString::to_string).collect();
                    format!("planned {operation:?} {}", versions.join(","))
                }
                Event::Started {
                    migration,
                    path,
                    resume_at,
                    ..
                } => format!("started {} {path} at {resume_at}", migration.version()),
                Event::Retrying {
                    migration,
                    attempt,
                    blocked_by,
                    ..
                } => {
                    let pids: Vec<String> = blocked_by.iter().map(|b| b.pid.to_string()).collect();
                    format!(
                        "retrying {} attempt {attempt} blocked by {}",
                        migration.version(),
                        pids.join(",")
                    )
                }
                Event::Finished { step, .. } => format!("finished {}", step.version),
                Event::AppliedElsewhere { migration } => {
                    format!("elsewhere {}", migration.version())
                }
                Event::Failed {
                    migration, error, ..
                } => format!(
                    "failed {} {}",
                    migration.version(),
                    error
                        .migration_failure()
                        .map_or("-".to_owned(), |f| f.code.clone())
                ),
                other => format!("{other:?}"),
            };
            lines.lock().unwrap().push(line);
        })
    }

    /// The lines recorded so far, emptying the recorder.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

/// Fleets of tenants on the test server.
pub mod tenants {
    use migrate_runtime::fleet::Target;

    use crate::TestDb;

    /// The async connection settings of database `name` on the test server.
    pub fn config(name: &str) -> tokio_postgres::Config {
        let mut config: tokio_postgres::Config = crate::server_url()
            .parse()
            .expect("DATABASE_URL is a valid URL");
        config.dbname(name);
        config
    }

    /// The name of tenant schema `i`: `tenant_007`.
    pub fn schema(i: usize) -> String {
        format!("tenant_{i:03}")
    }

    /// Each target's outcome in `report` as a word, in order: `applied`, `current`, `failed`,
    /// `not reached`.
    pub fn outcomes(report: &migrate_runtime::fleet::FleetReport) -> Vec<&'static str> {
        use migrate_runtime::fleet::Outcome;
        report
            .targets
            .iter()
            .map(|t| match t.outcome {
                Outcome::Applied(_) => "applied",
                Outcome::Current(_) => "current",
                Outcome::Failed(_) => "failed",
                Outcome::NotReached => "not reached",
                _ => "other",
            })
            .collect()
    }

    /// `n` tenant schemas of `db` (on its server), `tenant_000` first.
    pub fn schemas(db: &TestDb, n: usize) -> Vec<Target> {
        (0..n)
            .map(|i| Target::schema(db.async_config(), schema(i)))
            .collect()
    }

    /// [`schemas`], each on the server named `server`.
    pub fn schemas_on(db: &TestDb, n: usize, server: &str) -> Vec<Target> {
        schemas(db, n)
            .into_iter()
            .map(|t| t.on_server(server))
            .collect()
    }

    /// Each tenant schema's note in `accounts` (the [`TENANT`](crate::fixtures::TENANT)
    /// fixture), `-` when it has no such column, in schema order.
    pub fn notes(db: &TestDb, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let has_note = format!(
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = '{}' \
                     AND table_name = 'accounts' AND column_name = 'note'",
                    schema(i)
                );
                if db.column(&has_note).is_empty() {
                    return "-".to_owned();
                }
                let sql = format!(
                    "SELECT coalesce(string_agg(note, ','), '-') FROM {}.accounts",
                    schema(i)
                );
                db.column(&sql).pop().expect("one row")
            })
            .collect()
    }
}
