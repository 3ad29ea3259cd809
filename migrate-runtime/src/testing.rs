//! Test databases cloned from a template (feature `testing`).
//!
//! Applying every migration to a fresh database for each test is slow when the set is large.
//! Instead, the first test to ask builds a *template* database with every migration applied,
//! and each test gets its own copy (`CREATE DATABASE ... TEMPLATE ...`, a file copy on the
//! server), dropped when the test ends:
//!
//! ```ignore
//! static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::embed_migrations!("migrations");
//!
//! #[test]
//! fn creates_a_user() {
//!     let db = MIGRATIONS.test_database(&std::env::var("DATABASE_URL").unwrap()).unwrap();
//!     let mut client = db.connect().unwrap();
//!     client.batch_execute("INSERT INTO users (email) VALUES ('a@example.com')").unwrap();
//! } // the database is dropped here, also when the test panics
//! ```
//!
//! - The template is named after a [`Fingerprint`] of the migration set (every version and
//!   checksum, and the history table), `migrate_<16 hex digits>` by default: later test runs
//!   reuse it until a migration changes, and then build a new one next to it.
//! - Building is safe when many threads and processes start at once: it happens under a
//!   PostgreSQL advisory lock on the admin connection, under a temporary name
//!   (`<template>_build`), and the finished database is marked `IS_TEMPLATE` (with
//!   `ALLOW_CONNECTIONS false`) before it is renamed to the template's name, so nobody ever
//!   clones a half-built template. A build left behind by a killed process is dropped and redone.
//! - When the template exists (every test but the first), a new database costs one connection
//!   and one `CREATE DATABASE` statement.
//! - [`TestDatabase`] drops its database in its destructor (`DROP DATABASE ... WITH (FORCE)`,
//!   PostgreSQL 13 or newer), which also runs when the test panics.
//! - [`TestDatabases::prune_stale`] drops the templates of other fingerprints (with the same
//!   prefix) after building a new one.
//! - A process killed mid-test (Ctrl-C, a CI timeout, `SIGKILL`) runs no destructor. So that its
//!   databases do not pile up, each live test database is marked by a session advisory lock on
//!   one connection per process and server, which the server releases when the process dies;
//!   the first [`TestDatabases::create`] of a process drops the test databases of its prefix
//!   whose lock is free (a [`TestDatabase::keep`]t one is spared).
//!
//! The connections are plain (no TLS), as to a local test server; the admin user needs
//! `CREATEDB`. Every call does its I/O on a thread of its own, so the sync API also works inside
//! an async test (`#[tokio::test]`); there connect with [`TestDatabase::url`] (or
//! `tokio_config` with the feature `tokio`).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::history::quote_ident;
use crate::{Migrations, Runner};
use postgres::error::SqlState;

/// The prefix of template and test database names unless [`TestDatabases::prefix`] says
/// otherwise.
pub const DEFAULT_PREFIX: &str = "migrate";

/// How long a test waits for another thread or process building the template, unless
/// [`TestDatabases::lock_wait`] says otherwise.
pub const DEFAULT_TEMPLATE_LOCK_WAIT: Duration = Duration::from_secs(300);

/// The longest prefix: test database names must fit PostgreSQL's 63 bytes.
const MAX_PREFIX_LEN: usize = 30;

/// The advisory lock (two-`int4` form, so it never meets the runner's `bigint` keys) that
/// serialises template builds on a server: "migr", "tpl0".
const TEMPLATE_LOCK: (i32, i32) = (0x6d69_6772, 0x7470_6c30);

/// The class of the advisory locks (two-`int4` form) that mark live test databases: "migt";
/// the second key is [`liveness_key`] of the database's name.
const LIVE_CLASS: i32 = 0x6d69_6774;

/// The comment [`TestDatabase::keep`] puts on a database, which spares it from the sweep.
const KEPT_COMMENT: &str = "kept by migrate-runtime testing";

/// A hash of everything that decides a template's content: the history table and every
/// migration's version and checksum. Two sets with the same fingerprint build the same schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(u64);

impl Fingerprint {
    /// The fingerprint of what `runner` applies (FNV-1a 64, stable across builds and platforms).
    pub fn of(runner: &Runner) -> Self {
        let mut hash = Fnv::new();
        hash.write("migrate-runtime testing v1");
        hash.write(runner.table().schema());
        hash.write(runner.table().table());
        for migration in runner.migrations() {
            hash.write(&migration.version().to_string());
            hash.write(migration.checksum());
        }
        Self(hash.0)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// FNV-1a, 64 bits; each field is followed by a NUL so that field boundaries count.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, field: &str) {
        for byte in field.bytes().chain([0]) {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Why a test database could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestDatabaseError {
    /// [`TestDatabases::prefix`] is not usable in a database name.
    #[error(
        "invalid test database prefix {prefix:?}: use 1 to {MAX_PREFIX_LEN} characters among \
         a-z, 0-9 and _ (it starts the names of the template and test databases)"
    )]
    InvalidPrefix {
        /// The prefix given.
        prefix: String,
    },

    /// The admin connection string does not parse.
    #[error(
        "the admin connection string is not valid ({}); pass one like \
         postgresql://user:password@localhost:5432/postgres",
        crate::error::describe(.source)
    )]
    InvalidUrl {
        /// The parser's error.
        #[source]
        source: postgres::Error,
    },

    /// Connecting failed.
    #[error(
        "could not connect to {target}: {}. Is the server running, and does the user \
         exist with the CREATEDB privilege?",
        crate::error::describe(.source)
    )]
    Connect {
        /// Database, host, port and user (never the password).
        target: String,
        /// The client's error.
        #[source]
        source: postgres::Error,
    },

    /// A statement on the admin connection failed.
    #[error("could not {action}: {}", crate::error::describe(.source))]
    Admin {
        /// What the helper was doing, naming the databases involved.
        action: String,
        /// The client's error.
        #[source]
        source: postgres::Error,
    },

    /// Another thread or process held the template lock for longer than the configured wait.
    #[error(
        "timed out after {waited:?} waiting for another test to build a template database \
         (advisory lock ({}, {}) on the admin database). Look for a stuck session in \
         pg_stat_activity, or raise TestDatabases::lock_wait",
        TEMPLATE_LOCK.0, TEMPLATE_LOCK.1
    )]
    LockTimeout {
        /// How long the helper waited.
        waited: Duration,
    },

    /// A migration failed while building the template; the partial build was dropped.
    #[error(
        "could not build the template database {template}: {source}. The partial build was \
         dropped; fix the migration and run the tests again"
    )]
    Migrate {
        /// The template's name.
        template: String,
        /// The runner's error (naming the migration, statement and position).
        #[source]
        source: crate::Error,
    },
}

/// Makes [`TestDatabase`]s for one migration set: the options, then [`TestDatabases::create`].
///
/// ```ignore
/// let databases = TestDatabases::new(MIGRATIONS.runner().history_table("app", "migrations"))
///     .prefix("myapp")
///     .prune_stale(true);
/// let db = databases.create(&admin_url)?;
/// ```
#[derive(Debug, Clone)]
pub struct TestDatabases {
    runner: Runner,
    prefix: String,
    prune_stale: bool,
    lock_wait: Duration,
}

impl TestDatabases {
    /// Test databases with everything `runner` applies (its migrations and history table),
    /// prefix [`DEFAULT_PREFIX`], no pruning, lock wait [`DEFAULT_TEMPLATE_LOCK_WAIT`].
    pub fn new(runner: Runner) -> Self {
        Self {
            runner,
            prefix: DEFAULT_PREFIX.to_owned(),
            prune_stale: false,
            lock_wait: DEFAULT_TEMPLATE_LOCK_WAIT,
        }
    }

    /// Starts the template's and the test databases' names with `prefix` (1 to 30 characters
    /// among `a-z`, `0-9`, `_`). Give each application its own when several share a server and
    /// prune.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// After building a new template, drops the templates of the same prefix with another
    /// fingerprint (default `false`: old templates stay, e.g. for another branch's test run).
    pub fn prune_stale(mut self, prune: bool) -> Self {
        self.prune_stale = prune;
        self
    }

    /// How long to wait for another thread or process that is building a template.
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The fingerprint of the migration set.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.runner)
    }

    /// The template database's name: `<prefix>_<fingerprint>`.
    pub fn template_name(&self) -> String {
        template_name(&self.prefix, self.fingerprint())
    }

    /// A new database cloned from the template, which is built first when missing. `admin_url`
    /// is a connection string to any database of the server (e.g. `postgres`) for a user with
    /// `CREATEDB`.
    pub fn create(&self, admin_url: &str) -> Result<TestDatabase, TestDatabaseError> {
        check_prefix(&self.prefix)?;
        let admin_config: postgres::Config = admin_url
            .parse()
            .map_err(|source| TestDatabaseError::InvalidUrl { source })?;
        let template = self.template_name();
        let name = next_test_name(&self.prefix);
        // Marked live before it exists, so that no other process's sweep can take it for dead.
        off_runtime(|| Liveness::hold(&admin_config, &name))?;
        let created = off_runtime(|| {
            let mut admin = connect(&admin_config)?;
            sweep(&mut admin, &admin_config, &self.prefix)?;
            let create = create_from_template_sql(&name, &template);
            let action = || format!("create the test database {name} from the template {template}");
            match admin.batch_execute(&create) {
                Err(e) if e.code() == Some(&SqlState::INVALID_CATALOG_NAME) => {
                    self.build_template(&mut admin, &admin_config, &template)?;
                    admin.batch_execute(&create).map_err(admin_error(action()))
                }
                other => other.map_err(admin_error(action())),
            }
        });
        if let Err(error) = created {
            off_runtime(|| Liveness::release(&admin_config, &name));
            return Err(error);
        }
        tracing::debug!(database = %name, %template, "created test database");
        Ok(TestDatabase {
            url: with_dbname(admin_url, &name),
            name,
            template,
            admin: admin_config,
        })
    }

    /// Builds the template unless another builder did while this one waited for the lock.
    /// The lock is a session lock of `admin`: it also goes away when the connection does.
    fn build_template(
        &self,
        admin: &mut postgres::Client,
        admin_config: &postgres::Config,
        template: &str,
    ) -> Result<(), TestDatabaseError> {
        lock(admin, self.lock_wait)?;
        let built = if database_exists(admin, template)? {
            Ok(())
        } else {
            self.build_locked(admin, admin_config, template)
        };
        let unlocked = admin
            .batch_execute(&format!(
                "SELECT pg_advisory_unlock({}, {})",
                TEMPLATE_LOCK.0, TEMPLATE_LOCK.1
            ))
            .map_err(admin_error("release the template lock".into()));
        built.and(unlocked)
    }

    fn build_locked(
        &self,
        admin: &mut postgres::Client,
        admin_config: &postgres::Config,
        template: &str,
    ) -> Result<(), TestDatabaseError> {
        let build = build_name(template);
        let started = std::time::Instant::now();
        let execute = |admin: &mut postgres::Client, sql: &str, action: String| {
            admin.batch_execute(sql).map_err(admin_error(action))
        };
        // A build left behind by a killed process: nobody else builds while we hold the lock.
        execute(
            admin,
            &drop_sql(&build),
            format!("drop the unfinished template build {build}"),
        )?;
        execute(
            admin,
            &format!("CREATE DATABASE {}", quote_ident(&build)),
            format!("create the database {build} to build the template in"),
        )?;
        let migrated = connect(&with_dbname_config(admin_config, &build)).and_then(|mut client| {
            self.runner
                .run(&mut client)
                .map_err(|source| TestDatabaseError::Migrate {
                    template: template.to_owned(),
                    source,
                })
        });
        if let Err(error) = migrated {
            let _ = admin.batch_execute(&drop_sql(&build));
            return Err(error);
        }
        execute(
            admin,
            &format!(
                "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
                quote_ident(&build)
            ),
            format!("mark {build} as a template"),
        )?;
        execute(
            admin,
            &format!(
                "ALTER DATABASE {} RENAME TO {}",
                quote_ident(&build),
                quote_ident(template)
            ),
            format!("rename the finished template {build} to {template}"),
        )?;
        tracing::info!(%template, elapsed = ?started.elapsed(), "built template database");
        if self.prune_stale {
            prune(admin, &self.prefix, template)?;
        }
        Ok(())
    }
}

impl Migrations {
    /// A database of its own for one test, cloned from a template with every migration applied
    /// (built on first use): see [`crate::testing`]. `admin_url` is a connection string to any
    /// database of the server for a user with `CREATEDB`.
    pub fn test_database(&self, admin_url: &str) -> Result<TestDatabase, TestDatabaseError> {
        TestDatabases::new(self.runner()).create(admin_url)
    }
}

/// A database of one test, dropped (`DROP DATABASE ... WITH (FORCE)`) when this value is, also
/// when the test panics. Made by [`Migrations::test_database`] or [`TestDatabases::create`].
/// Its `Debug` output shows the names only (the URL holds the password).
pub struct TestDatabase {
    name: String,
    template: String,
    url: String,
    admin: postgres::Config,
}

impl TestDatabase {
    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the template it was cloned from.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// A connection string for it: the admin one with the database name replaced (to hand to a
    /// child process or to another client library).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its connection settings.
    pub fn config(&self) -> postgres::Config {
        with_dbname_config(&self.admin, &self.name)
    }

    /// Its connection settings for `tokio_postgres`.
    #[cfg(feature = "tokio")]
    pub fn tokio_config(&self) -> tokio_postgres::Config {
        self.url
            .parse()
            .expect("the test database's URL is the admin URL with another database name")
    }

    /// A new (sync, plain) connection to it.
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        let config = self.config();
        off_runtime(|| config.connect(postgres::NoTls))
    }

    /// Keeps the database after this value is gone (to look at it after a failed test) and
    /// returns its name. It is marked with a comment, which spares it from the sweep of
    /// databases left by dead processes.
    pub fn keep(self) -> String {
        let this = std::mem::ManuallyDrop::new(self);
        let marked = off_runtime(|| {
            let sql = format!(
                "COMMENT ON DATABASE {} IS {}",
                quote_ident(&this.name),
                crate::history::quote_literal(KEPT_COMMENT)
            );
            connect(&this.admin)?
                .batch_execute(&sql)
                .map_err(admin_error(format!(
                    "mark the test database {} as kept",
                    this.name
                )))
        });
        match marked {
            Ok(()) => eprintln!("kept test database {}", this.name),
            Err(error) => eprintln!(
                "kept test database {}, but {error}: a later test run may drop it",
                this.name
            ),
        }
        this.name.clone()
    }
}

impl fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestDatabase")
            .field("name", &self.name)
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let dropped = off_runtime(|| {
            let mut admin = connect(&self.admin)?;
            admin
                .batch_execute(&drop_sql(&self.name))
                .map_err(admin_error(format!("drop the test database {}", self.name)))
        });
        match dropped {
            Ok(()) => off_runtime(|| Liveness::release(&self.admin, &self.name)),
            Err(error) => eprintln!(
                "warning: {error}; drop it by hand: DROP DATABASE {} WITH (FORCE)",
                quote_ident(&self.name)
            ),
        }
    }
}

/// The process's connections that hold the advisory locks marking its live test databases, one
/// per server (keyed by [`describe`] of the admin settings). When the process dies, the server
/// closes them and the locks go: that is how [`sweep`] tells a dead process's database.
struct Liveness;

impl Liveness {
    fn connections() -> &'static Mutex<HashMap<String, postgres::Client>> {
        static CONNECTIONS: OnceLock<Mutex<HashMap<String, postgres::Client>>> = OnceLock::new();
        CONNECTIONS.get_or_init(Mutex::default)
    }

    /// Marks `name` live until [`Liveness::release`] or the end of the process.
    fn hold(admin: &postgres::Config, name: &str) -> Result<(), TestDatabaseError> {
        let mut connections = Self::connections()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = describe(admin);
        if !connections.contains_key(&key) {
            let mut client = connect(admin)?;
            // The locks must last as long as the process: no idle timeout on this session
            // (the setting exists from PostgreSQL 14 on).
            client
                .batch_execute(
                    "SELECT set_config(name, '0', false) FROM pg_settings \
                     WHERE name = 'idle_session_timeout'",
                )
                .map_err(admin_error(
                    "open the connection that marks live test databases".into(),
                ))?;
            connections.insert(key.clone(), client);
        }
        let client = connections.get_mut(&key).expect("inserted above");
        let lock = format!(
            "SELECT pg_advisory_lock({LIVE_CLASS}, {})",
            liveness_key(name)
        );
        client.batch_execute(&lock).map_err(|source| {
            connections.remove(&key);
            admin_error(format!("mark the test database {name} as live"))(source)
        })
    }

    /// Unmarks `name` (it was dropped, or never created). A failure only leaves the lock held
    /// until the process ends, which spares a database that no longer exists.
    fn release(admin: &postgres::Config, name: &str) {
        let mut connections = Self::connections()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = connections.get_mut(&describe(admin)) {
            let unlock = format!(
                "SELECT pg_advisory_unlock({LIVE_CLASS}, {})",
                liveness_key(name)
            );
            let _ = client.batch_execute(&unlock);
        }
    }
}

/// Drops the test databases of `prefix` whose process is gone: not kept, and their liveness lock
/// free (taken here for the time of the drop, so that two sweeps never race on one). Once per
/// process, server and prefix: what dies later is swept by the next test run.
fn sweep(
    admin: &mut postgres::Client,
    admin_config: &postgres::Config,
    prefix: &str,
) -> Result<(), TestDatabaseError> {
    static SWEPT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut swept = SWEPT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = format!("{} prefix {prefix}", describe(admin_config));
    if swept.contains(&key) {
        return Ok(());
    }
    let names: Vec<String> = admin
        .query(
            "SELECT datname::text FROM pg_database d \
             WHERE NOT datistemplate AND starts_with(datname, $1) \
             AND shobj_description(d.oid, 'pg_database') IS DISTINCT FROM $2",
            &[&format!("{prefix}_test_"), &KEPT_COMMENT],
        )
        .map_err(admin_error("list the test databases".into()))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let keys: Vec<i32> = names.iter().map(|name| liveness_key(name)).collect();
    let dead = admin
        .query(
            "SELECT name, key FROM unnest($1::text[], $2::int4[]) AS t(name, key) \
             WHERE pg_try_advisory_lock($3, key)",
            &[&names, &keys, &LIVE_CLASS],
        )
        .map_err(admin_error(
            "find the test databases of dead processes".into(),
        ))?;
    for row in &dead {
        let (name, key): (String, i32) = (row.get(0), row.get(1));
        let dropped = admin.batch_execute(&drop_sql(&name));
        let _ = admin.execute("SELECT pg_advisory_unlock($1, $2)", &[&LIVE_CLASS, &key]);
        dropped.map_err(admin_error(format!(
            "drop the test database {name}, left by a process that ended without dropping it"
        )))?;
        tracing::info!(database = %name, "dropped a test database left by a dead process");
    }
    swept.push(key);
    Ok(())
}

/// Runs `f` on a thread of its own: the sync `postgres` client must not run on an async
/// runtime's thread, and a test helper must work in `#[tokio::test]` too.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn connect(config: &postgres::Config) -> Result<postgres::Client, TestDatabaseError> {
    config
        .connect(postgres::NoTls)
        .map_err(|source| TestDatabaseError::Connect {
            target: describe(config),
            source,
        })
}

fn admin_error(action: String) -> impl FnOnce(postgres::Error) -> TestDatabaseError {
    move |source| TestDatabaseError::Admin { action, source }
}

/// Takes the template lock, waiting at most `wait`.
fn lock(admin: &mut postgres::Client, wait: Duration) -> Result<(), TestDatabaseError> {
    let sql = format!(
        "SET lock_timeout = {}; SELECT pg_advisory_lock({}, {})",
        wait.as_millis().max(1),
        TEMPLATE_LOCK.0,
        TEMPLATE_LOCK.1
    );
    let locked = admin.batch_execute(&sql);
    // The SET is rolled back with the implicit transaction on failure; reset it on success.
    let _ = admin.batch_execute("RESET lock_timeout");
    match locked {
        Ok(()) => Ok(()),
        Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
            Err(TestDatabaseError::LockTimeout { waited: wait })
        }
        Err(e) => Err(admin_error("take the template lock".into())(e)),
    }
}

fn database_exists(admin: &mut postgres::Client, name: &str) -> Result<bool, TestDatabaseError> {
    admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .map(|row| row.is_some())
        .map_err(admin_error(format!("look up the database {name}")))
}

/// Drops the templates of `prefix` other than `current`.
fn prune(
    admin: &mut postgres::Client,
    prefix: &str,
    current: &str,
) -> Result<(), TestDatabaseError> {
    let templates = admin
        .query("SELECT datname FROM pg_database WHERE datistemplate", &[])
        .map_err(admin_error("list the template databases".into()))?;
    for name in templates
        .iter()
        .map(|row| row.get::<_, String>(0))
        .filter(|name| is_stale_template(prefix, current, name))
    {
        let sql = format!(
            "ALTER DATABASE {} WITH IS_TEMPLATE false",
            quote_ident(&name)
        );
        admin
            .batch_execute(&sql)
            .and_then(|()| admin.batch_execute(&drop_sql(&name)))
            .map_err(admin_error(format!("drop the stale template {name}")))?;
        tracing::info!(template = %name, "dropped stale template database");
    }
    Ok(())
}

// Pure decisions: names, SQL, connection strings.

fn check_prefix(prefix: &str) -> Result<(), TestDatabaseError> {
    let valid = (1..=MAX_PREFIX_LEN).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(TestDatabaseError::InvalidPrefix {
            prefix: prefix.to_owned(),
        })
    }
}

fn template_name(prefix: &str, fingerprint: Fingerprint) -> String {
    format!("{prefix}_{fingerprint}")
}

fn build_name(template: &str) -> String {
    format!("{template}_build")
}

/// `<prefix>_test_<pid>_<counter>_<nanos>` (hex): unique across threads, processes and, almost
/// surely, machines sharing a server.
fn test_name(prefix: &str, pid: u32, counter: u32, nanos: u32) -> String {
    format!("{prefix}_test_{pid:x}_{counter:x}_{nanos:x}")
}

fn next_test_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    test_name(
        prefix,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos,
    )
}

/// Whether `name` is a template of `prefix` (`<prefix>_<16 hex digits>`) other than `current`.
fn is_stale_template(prefix: &str, current: &str, name: &str) -> bool {
    let fingerprint = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'));
    name != current
        && fingerprint.is_some_and(|f| {
            f.len() == 16
                && f.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// The second key of the advisory lock that marks `name` live: 32 bits of its FNV-1a hash. Two
/// names that collide only make a sweep spare a dead database once more, never drop a live one.
fn liveness_key(name: &str) -> i32 {
    let mut hash = Fnv::new();
    hash.write(name);
    hash.0 as i32
}

fn create_from_template_sql(name: &str, template: &str) -> String {
    format!(
        "CREATE DATABASE {} TEMPLATE {}",
        quote_ident(name),
        quote_ident(template)
    )
}

fn drop_sql(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
}

fn with_dbname_config(config: &postgres::Config, name: &str) -> postgres::Config {
    let mut config = config.clone();
    config.dbname(name);
    config
}

/// `url` with its database replaced by `name`: the path of a `postgres://` URL, or a `dbname=`
/// appended to a `key=value` string (the last one counts).
fn with_dbname(url: &str, name: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return format!("{} dbname={name}", url.trim_end())
            .trim_start()
            .to_owned();
    };
    let query_start = url[scheme_end..]
        .find('?')
        .map_or(url.len(), |i| scheme_end + i);
    let (before_query, query) = url.split_at(query_start);
    let authority_start = before_query[scheme_end..]
        .rfind('@')
        .map_or(scheme_end, |i| scheme_end + i + 1);
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &before_query[..authority_end])
}

/// Database, hosts, ports and user of a configuration, never its password.
fn describe(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "database {} on {} port {} as user {}",
        config.get_dbname().unwrap_or("(default)"),
        if hosts.is_empty() {
            "(default host)".to_owned()
        } else {
            hosts.join(",")
        },
        if ports.is_empty() {
            "5432".to_owned()
        } else {
            ports.join(",")
        },
        config.get_user().unwrap_or("(default)")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Migration, Script, Transaction};

    static ONE: [Migration; 1] = [Migration::__new(
        crate::Version::new(1),
        "users",
        "aa",
        Script::__new("m/001_users.sql", "", Transaction::Single, &[], &[]),
        None,
    )];
    static ONE_CHANGED: [Migration; 1] = [Migration::__new(
        crate::Version::new(1),
        "users",
        "ab",
        Script::__new("m/001_users.sql", "", Transaction::Single, &[], &[]),
        None,
    )];

    fn fingerprint(migrations: &'static [Migration]) -> Fingerprint {
        Fingerprint::of(&Migrations::__new(migrations).runner())
    }

    #[test]
    fn fingerprint_follows_checksums_and_history_table() {
        assert_eq!(fingerprint(&ONE), fingerprint(&ONE));
        assert_ne!(fingerprint(&ONE), fingerprint(&ONE_CHANGED));
        assert_ne!(fingerprint(&ONE), fingerprint(&[]));
        let elsewhere = Migrations::__new(&ONE).runner().history_table("app", "h");
        assert_ne!(fingerprint(&ONE), Fingerprint::of(&elsewhere));
        assert_eq!(fingerprint(&ONE).to_string().len(), 16);
    }

    #[test]
    fn names() {
        let fp = Fingerprint(0xab);
        assert_eq!(template_name("migrate", fp), "migrate_00000000000000ab");
        assert_eq!(
            build_name("migrate_00000000000000ab"),
            "migrate_00000000000000ab_build"
        );
        let longest = test_name(&"p".repeat(MAX_PREFIX_LEN), u32::MAX, u32::MAX, u32::MAX);
        assert!(longest.len() <= 63, "{longest}");
        assert!(check_prefix("my_app2").is_ok());
        for bad in ["", "My", "a-b", "a\"b", &"p".repeat(MAX_PREFIX_LEN + 1)] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stale_templates() {
        let current = "migrate_00000000000000ab";
        assert!(is_stale_template(
            "migrate",
            current,
            "migrate_00000000000000ff"
        ));
        assert!(!is_stale_template("migrate", current, current));
        assert!(!is_stale_template(
            "migrate",
            current,
            "other_00000000000000ff"
        ));
        assert!(!is_stale_template(
            "migrate",
            current,
            "migrate_00000000000000ff_build"
        ));
        assert!(!is_stale_template("migrate", current, "migrate_test_1_2_3"));
        assert!(!is_stale_template("migrate", current, "template1"));
    }

    #[test]
    fn dbname_in_connection_strings() {
        let cases = [
            (
                "postgresql://u:p@h:5432/postgres",
                "postgresql://u:p@h:5432/t",
            ),
            (
                "postgres://u:p@h/postgres?sslmode=disable",
                "postgres://u:p@h/t?sslmode=disable",
            ),
            ("postgresql://h", "postgresql://h/t"),
            (
                "postgresql://u:p%2Fx@h:1,g:2/db",
                "postgresql://u:p%2Fx@h:1,g:2/t",
            ),
            (
                "postgresql:///db?host=/run/pg",
                "postgresql:///t?host=/run/pg",
            ),
            (
                "host=h user=u dbname=postgres",
                "host=h user=u dbname=postgres dbname=t",
            ),
            ("", "dbname=t"),
        ];
        for (url, expected) in cases {
            assert_eq!(with_dbname(url, "t"), expected, "{url}");
            let parsed: postgres::Config = expected.parse().unwrap();
            assert_eq!(parsed.get_dbname(), Some("t"), "{expected}");
        }
    }

    #[test]
    fn describe_hides_the_password() {
        let config: postgres::Config = "postgresql://u:secret@h:5433/db".parse().unwrap();
        let text = describe(&config);
        assert_eq!(text, "database db on h port 5433 as user u");
    }
}
