//! Many databases: one embedded set of migrations applied to a fleet of tenant databases or tenant
//! schemas, in parallel, canaries first, with a policy on failure (feature `tokio`).
//!
//! ```ignore
//! let admin: tokio_postgres::Config = "postgresql://ops@db/postgres".parse()?;
//! let targets = Target::databases_from_query(
//!     &admin_client,
//!     "SELECT datname FROM pg_database WHERE datname LIKE 'tenant\\_%' AND NOT datistemplate ORDER BY 1",
//!     &admin,
//! ).await?;
//! let report = Fleet::new(MIGRATIONS.runner(), targets)
//!     .parallelism(8)
//!     .canaries(2)
//!     .on_failure(OnFailure::Stop)
//!     .run_async(NoTls)
//!     .await;
//! println!("{report}");
//! ```
//!
//! Each target runs the same [`Runner`] operation as a single database does, on a connection of
//! its own, under its own lock: two fleet runs at once never apply a migration twice (the second
//! finds each target current or waits for its lock), and re-running a fleet applies only what
//! each target lacks. A schema target may take over the connection that a target of the same
//! database left when it succeeded, once the session is reset as `DISCARD ALL` resets it (but
//! for the client's prepared statements): no setting, temporary table or lock of one tenant
//! reaches the next, and the server does not start and end a backend per tenant.
//!
//! Targets may be spread over several servers ([`Target::on_server`]): one run covers them, at
//! most [`Fleet::parallelism`] at once and [`Fleet::server_parallelism`] on each server, the
//! first [`Fleet::canaries`] of each server first, the report grouped by server. The
//! decisions are pure (`canaries`, `groups`, `Schedule` and `stops`); the I/O is in
//! [`Fleet::run_async`].

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tokio_postgres::Config;

use crate::drift::Drift;
use crate::error::Error;
use crate::event::Event;
use crate::remedy::{self, Remedy};
use crate::report::{Report, Status};
use crate::runner::Runner;
use crate::sql;
use crate::template::{describe, MakeTls, Throwaway};

/// One tenant: a database, or a schema of a database.
#[derive(Debug, Clone)]
pub struct Target {
    name: String,
    config: Config,
    schema: Option<String>,
    server: Option<String>,
}

impl Target {
    /// A database per tenant: the database `config` names (its name is the target's name).
    pub fn database(config: Config) -> Self {
        Self {
            name: config.get_dbname().unwrap_or("?").to_owned(),
            config,
            schema: None,
            server: None,
        }
    }

    /// A schema per tenant: the schema `schema` of the database `config` names; its
    /// migrations run with [`Runner::tenant_schema`].
    pub fn schema(config: Config, schema: impl Into<String>) -> Self {
        let schema = schema.into();
        Self {
            name: schema.clone(),
            config,
            schema: Some(schema),
            server: None,
        }
    }

    /// The target's name, as reports show it: the database's or the schema's.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same target on the server named `server`, a name of the caller's choosing, the
    /// same for every target of one server: reports group the targets by server and name
    /// the server of each failure, [`Fleet::server_parallelism`] limits each server, and
    /// [`Fleet::canaries`] counts per server.
    pub fn on_server(mut self, server: impl Into<String>) -> Self {
        self.server = Some(server.into());
        self
    }

    /// The server's name given with [`Target::on_server`].
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

    /// A database per tenant, listed by `query` (its first column: database names) on
    /// `client`; each target connects with `base` and that database name.
    pub async fn databases_from_query(
        client: &tokio_postgres::Client,
        query: &str,
        base: &Config,
    ) -> Result<Vec<Self>, Error> {
        let names = first_column(client, query).await?;
        Ok(names
            .into_iter()
            .map(|name| {
                let mut config = base.clone();
                config.dbname(&name);
                Self::database(config)
            })
            .collect())
    }

    /// A schema per tenant, listed by `query` (its first column: schema names) on `client`;
    /// each target connects with `config`.
    pub async fn schemas_from_query(
        client: &tokio_postgres::Client,
        query: &str,
        config: &Config,
    ) -> Result<Vec<Self>, Error> {
        let names = first_column(client, query).await?;
        Ok(names
            .into_iter()
            .map(|name| Self::schema(config.clone(), name))
            .collect())
    }

    /// The runner for this target: `runner` itself, or in the tenant's schema.
    fn runner(&self, runner: &Runner) -> Runner {
        match &self.schema {
            Some(schema) => runner.clone().tenant_schema(schema.clone()),
            None => runner.clone(),
        }
    }
}

/// The first column of each row of `query`, skipping NULLs.
async fn first_column(client: &tokio_postgres::Client, query: &str) -> Result<Vec<String>, Error> {
    let messages = client
        .simple_query(query)
        .await
        .map_err(Error::db("list the fleet's targets"))?;
    Ok(sql::first_column(&messages))
}

/// What a fleet does when a target fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnFailure {
    /// No new target starts; the running ones finish; the rest are not reached.
    #[default]
    Stop,
    /// The other targets go on; the report lists every failure.
    Continue,
}

/// What happened to one target.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Migrations were applied (the report's steps).
    Applied(Report),
    /// Nothing was pending.
    Current(Report),
    /// Connecting or migrating failed; the target is as the runner's error says (a failed
    /// migration rolled back, the failure recorded in the target's history).
    Failed(Error),
    /// The fleet stopped before this target started.
    NotReached,
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Applied(_) => "applied",
            Outcome::Current(_) => "current",
            Outcome::Failed(_) => "failed",
            Outcome::NotReached => "not reached",
        }
    }
}

/// One target of a [`FleetReport`].
#[derive(Debug)]
pub struct TargetReport {
    /// The target's name.
    pub target: String,
    /// Its server, when the fleet names them ([`Target::on_server`]).
    pub server: Option<String>,
    /// Whether it was a canary.
    pub canary: bool,
    /// What happened.
    pub outcome: Outcome,
    /// From its start to its end (zero when not reached).
    pub elapsed: Duration,
}

/// What a fleet run did, target by target in the fleet's order.
#[derive(Debug)]
pub struct FleetReport {
    /// One entry per target.
    pub targets: Vec<TargetReport>,
    /// The whole run's wall time.
    pub elapsed: Duration,
}

/// How many of `targets` ended with `label` (`applied`, `current`, `failed`, `not reached`).
fn count(targets: &[&TargetReport], label: &str) -> usize {
    targets
        .iter()
        .filter(|t| t.outcome.label() == label)
        .count()
}

/// `3 target(s): 2 applied, 1 current, 0 failed, 0 not reached`.
fn tally(targets: &[&TargetReport]) -> String {
    format!(
        "{} target(s): {} applied, {} current, {} failed, {} not reached",
        targets.len(),
        count(targets, "applied"),
        count(targets, "current"),
        count(targets, "failed"),
        count(targets, "not reached"),
    )
}

/// The distinct servers of `servers` (each target's), in order of first appearance.
fn distinct<'a>(servers: impl Iterator<Item = Option<&'a str>>) -> Vec<Option<&'a str>> {
    let mut seen = Vec::new();
    for server in servers {
        if !seen.contains(&server) {
            seen.push(server);
        }
    }
    seen
}

impl FleetReport {
    /// The targets that failed, with their errors.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &Error)> {
        self.targets.iter().filter_map(|t| match &t.outcome {
            Outcome::Failed(error) => Some((t.target.as_str(), error)),
            _ => None,
        })
    }

    /// Whether every target is current now (applied or already current).
    pub fn is_success(&self) -> bool {
        self.targets
            .iter()
            .all(|t| matches!(t.outcome, Outcome::Applied(_) | Outcome::Current(_)))
    }

    /// The servers the targets are on ([`Target::on_server`]), in order of first appearance;
    /// `[None]` for a fleet that names none.
    pub fn servers(&self) -> Vec<Option<&str>> {
        distinct(self.targets.iter().map(|t| t.server.as_deref()))
    }

    /// The targets on `server`, in the fleet's order.
    pub fn on(&self, server: Option<&str>) -> Vec<&TargetReport> {
        self.targets
            .iter()
            .filter(|t| t.server.as_deref() == server)
            .collect()
    }
}

impl FleetReport {
    /// The report as its `Display` shows it, with each failure's [`Remedy`] worded by `words`
    /// (a front end's terms; `None`: not shown) instead of by this crate's builder methods.
    pub fn display_with<'a>(
        &'a self,
        words: &'a dyn Fn(Remedy) -> Option<&'static str>,
    ) -> impl fmt::Display + 'a {
        Worded {
            report: self,
            words,
        }
    }
}

impl fmt::Display for FleetReport {
    /// A line per target (`✓ applied`, `= current`, `✗ failed` with the error, `- not
    /// reached`), under a heading per server and with its counts when the fleet names its
    /// servers, then the counts, then the remedy of each kind of failure in this crate's
    /// builder terms ([`Error`]'s `Display`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            self.display_with(&|remedy| Some(remedy.in_builder_terms()))
        )
    }
}

/// A [`FleetReport`] with its remedies worded by a front end.
struct Worded<'a> {
    report: &'a FleetReport,
    words: &'a dyn Fn(Remedy) -> Option<&'static str>,
}

impl fmt::Display for Worded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.report;
        let width = report
            .targets
            .iter()
            .map(|t| t.target.len())
            .max()
            .unwrap_or(0);
        let servers = report.servers();
        let named = servers.iter().any(Option::is_some);
        for &server in &servers {
            let name = server.unwrap_or("(unnamed)");
            let targets = report.on(server);
            if named {
                writeln!(f, "Server {name}")?;
            }
            for t in &targets {
                let (mark, detail) = match &t.outcome {
                    Outcome::Applied(report) => ("✓", format!("applied {}", versions(report))),
                    Outcome::Current(_) => ("=", "current".to_owned()),
                    Outcome::Failed(error) => ("✗", format!("failed: {}", error.fact())),
                    Outcome::NotReached => ("-", "not reached".to_owned()),
                };
                let canary = if t.canary { " (canary)" } else { "" };
                let time = match t.outcome {
                    Outcome::NotReached => String::new(),
                    _ => format!(" in {}ms", t.elapsed.as_millis()),
                };
                writeln!(f, "{mark} {:<width$} {detail}{time}{canary}", t.target)?;
            }
            if named {
                writeln!(f, "Server {name}: {}", tally(&targets))?;
            }
        }
        let all: Vec<&TargetReport> = report.targets.iter().collect();
        let on = if named {
            format!("{} server(s), ", servers.len())
        } else {
            String::new()
        };
        write!(
            f,
            "Fleet: {on}{} in {}ms",
            tally(&all),
            report.elapsed.as_millis()
        )?;
        for remedy in remedy::distinct(report.failures().flat_map(|(_, e)| e.remedies())) {
            let failed = report
                .failures()
                .filter(|(_, error)| error.remedies().contains(&remedy))
                .count();
            if let Some(words) = (self.words)(remedy) {
                write!(f, "\n  help ({failed} target(s)): {words}")?;
            }
        }
        Ok(())
    }
}

/// `1, 2, 3, R__views.sql`: the versions and the repeatable migrations a report applied.
fn versions(report: &Report) -> String {
    let versions = report.steps.iter().map(|s| s.version.to_string());
    let repeatables = report
        .repeatables
        .iter()
        .map(|r| format!("R__{}.sql", r.name));
    versions.chain(repeatables).collect::<Vec<_>>().join(", ")
}

/// The drift of one target of a fleet.
#[derive(Debug)]
pub struct TargetDrift {
    /// The target's name.
    pub target: String,
    /// Its server, when the fleet names them.
    pub server: Option<String>,
    /// Its drift, or why it could not be compared.
    pub drift: Result<Drift, Error>,
}

/// The status of one target of a fleet.
#[derive(Debug)]
pub struct TargetStatus {
    /// The target's name.
    pub target: String,
    /// Its server, when the fleet names them.
    pub server: Option<String>,
    /// Its status, or why it could not be read.
    pub status: Result<Status, Error>,
}

/// A moment of a fleet run, given to the observer set with [`Fleet::observe`].
#[derive(Debug)]
#[non_exhaustive]
pub enum FleetEvent<'a> {
    /// A target starts (its connection is being opened, or taken over from a finished target
    /// of the same database).
    Started {
        /// The target's name.
        target: &'a str,
        /// Its server, when the fleet names them.
        server: Option<&'a str>,
    },
    /// A step of a target's run, as [`Runner::observe`] reports it.
    Step {
        /// The target's name.
        target: &'a str,
        /// Its server, when the fleet names them.
        server: Option<&'a str>,
        /// The runner's event.
        event: &'a Event<'a>,
    },
    /// A target ended.
    Done {
        /// The target's name.
        target: &'a str,
        /// Its server, when the fleet names them.
        server: Option<&'a str>,
        /// How.
        outcome: &'a Outcome,
    },
}

type FleetCallback = dyn Fn(&FleetEvent<'_>) + Send + Sync;

/// Applies one runner's migrations to many targets. Build it with [`Fleet::new`], adjust it,
/// then [`Fleet::run_async`] (or [`Fleet::run`] outside async code).
#[derive(Clone)]
pub struct Fleet {
    runner: Runner,
    targets: Vec<Target>,
    parallelism: usize,
    server_parallelism: BTreeMap<String, usize>,
    canaries: usize,
    wave: Option<usize>,
    on_failure: OnFailure,
    observer: Option<Arc<FleetCallback>>,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("targets", &self.targets.len())
            .field("parallelism", &self.parallelism)
            .field("server_parallelism", &self.server_parallelism)
            .field("canaries", &self.canaries)
            .field("wave", &self.wave)
            .field("on_failure", &self.on_failure)
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// A fleet of `targets`, in this order, each migrated with `runner`'s options (its
    /// observer is replaced by the fleet's). Defaults: parallelism 4, no canary, one wave,
    /// [`OnFailure::Stop`].
    pub fn new(runner: Runner, targets: Vec<Target>) -> Self {
        Self {
            runner,
            targets,
            parallelism: 4,
            server_parallelism: BTreeMap::new(),
            canaries: 0,
            wave: None,
            on_failure: OnFailure::Stop,
            observer: None,
        }
    }

    /// How many targets migrate at once (at least 1), servers together: one connection each.
    pub fn parallelism(mut self, n: usize) -> Self {
        self.parallelism = n.max(1);
        self
    }

    /// How many targets of the server named `server` ([`Target::on_server`]) migrate at once
    /// (at least 1), within [`Fleet::parallelism`]; a server without a limit of its own has
    /// only that one. When a server is full, a target of another server that comes later in
    /// the order starts first.
    pub fn server_parallelism(mut self, server: impl Into<String>, n: usize) -> Self {
        self.server_parallelism.insert(server.into(), n.max(1));
        self
    }

    /// The first `n` targets of each server ([`Target::on_server`]; of the whole fleet when it
    /// names no server) are canaries: they migrate first, and when one fails no other target
    /// starts, on any server, whatever [`Fleet::on_failure`] says.
    pub fn canaries(mut self, n: usize) -> Self {
        self.canaries = n;
        self
    }

    /// After the canaries, the other targets go in waves of `n` (at least 1): a wave starts
    /// when the previous one has ended. Without it, in one wave.
    pub fn wave(mut self, n: usize) -> Self {
        self.wave = Some(n.max(1));
        self
    }

    /// What to do when a target fails (default [`OnFailure::Stop`]).
    pub fn on_failure(mut self, policy: OnFailure) -> Self {
        self.on_failure = policy;
        self
    }

    /// Reports each target's start and end, and each step of its run, as they happen (from
    /// several targets at once: keep it quick).
    pub fn observe(mut self, observer: impl Fn(&FleetEvent<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The targets, in order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Applies the pending migrations of every target: canaries first, then the waves, at
    /// most [`Fleet::parallelism`] at once, until the policy stops it. Never fails as a whole:
    /// the report says what happened to each target.
    ///
    /// Needs a tokio runtime (connections are spawned on it).
    pub async fn run_async<T>(&self, tls: T) -> FleetReport
    where
        T: MakeTls,
    {
        let started = Instant::now();
        let idle = Arc::new(Idle::default());
        let mut outcomes: Vec<Option<(Outcome, Duration)>> =
            (0..self.targets.len()).map(|_| None).collect();
        let (servers, _) = self.servers();
        let canary = canaries(&servers, self.canaries);
        for group in groups(&canary, self.wave) {
            let stopped = bounded(
                self.schedule(group),
                |i| self.migrate(i, tls.clone(), Arc::clone(&idle)),
                |i, (outcome, elapsed)| {
                    let stop = stops(self.on_failure, canary[i], &outcome);
                    outcomes[i] = Some((outcome, elapsed));
                    stop
                },
            )
            .await;
            if stopped {
                break;
            }
        }
        let targets = self
            .targets
            .iter()
            .zip(outcomes)
            .enumerate()
            .map(|(i, (target, outcome))| {
                let (outcome, elapsed) = outcome.unwrap_or((Outcome::NotReached, Duration::ZERO));
                TargetReport {
                    target: target.name.clone(),
                    server: target.server.clone(),
                    canary: canary[i],
                    outcome,
                    elapsed,
                }
            })
            .collect();
        FleetReport {
            targets,
            elapsed: started.elapsed(),
        }
    }

    /// [`Fleet::run_async`] on a runtime of its own, for code that is not async. Must not be
    /// called from inside a tokio runtime.
    pub fn run<T>(&self, tls: T) -> FleetReport
    where
        T: MakeTls,
    {
        self.runtime().block_on(self.run_async(tls))
    }

    /// The status of every target (applied, pending, findings), at most
    /// [`Fleet::parallelism`] at once. Changes nothing.
    pub async fn status_async<T>(&self, tls: T) -> Vec<TargetStatus>
    where
        T: MakeTls,
    {
        let read = |runner: Runner, client: tokio_postgres::Client, _: Config, _: T| async move {
            runner.status_async(&client).await
        };
        self.each(tls, read)
            .await
            .into_iter()
            .map(|(target, status)| TargetStatus {
                target: target.name.clone(),
                server: target.server.clone(),
                status,
            })
            .collect()
    }

    /// The drift of every target ([`Runner::drift_async`]; a schema target's schema alone), at
    /// most [`Fleet::parallelism`] at once, each with a throwaway database of its own on its
    /// server. Changes nothing on the targets.
    pub async fn drift_async<T>(&self, tls: T) -> Vec<TargetDrift>
    where
        T: MakeTls,
    {
        let read = |runner: Runner, client: tokio_postgres::Client, config: Config, tls: T| async move {
            let throwaway = Throwaway::from(postgres::Config::from(config)).tls(tls);
            runner.drift_async(&client, &throwaway).await
        };
        self.each(tls, read)
            .await
            .into_iter()
            .map(|(target, drift)| TargetDrift {
                target: target.name.clone(),
                server: target.server.clone(),
                drift,
            })
            .collect()
    }

    /// [`Fleet::drift_async`] on a runtime of its own.
    pub fn drift<T>(&self, tls: T) -> Vec<TargetDrift>
    where
        T: MakeTls,
    {
        self.runtime().block_on(self.drift_async(tls))
    }

    /// `read` on every target, each with its runner on a connection of its own (and its
    /// connection settings and `tls`), at most [`Fleet::parallelism`] at once and
    /// [`Fleet::server_parallelism`] per server; the results with their targets, in the
    /// targets' order.
    async fn each<T, R, F, Fut>(&self, tls: T, read: F) -> Vec<(&Target, Result<R, Error>)>
    where
        T: MakeTls,
        R: Send + 'static,
        F: Fn(Runner, tokio_postgres::Client, Config, T) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Result<R, Error>> + Send + 'static,
    {
        let mut results: Vec<Option<Result<R, Error>>> =
            (0..self.targets.len()).map(|_| None).collect();
        bounded(
            self.schedule((0..self.targets.len()).collect()),
            |i| {
                let (target, tls, read) = (self.targets[i].clone(), tls.clone(), read.clone());
                let runner = target.runner(&self.runner);
                async move {
                    let client = connect(&target, tls.clone()).await?;
                    read(runner, client, target.config, tls).await
                }
            },
            |i, result| {
                results[i] = Some(result);
                false
            },
        )
        .await;
        self.targets
            .iter()
            .zip(results)
            .map(|(target, result)| (target, result.expect("every target was read")))
            .collect()
    }

    /// [`Fleet::status_async`] on a runtime of its own.
    pub fn status<T>(&self, tls: T) -> Vec<TargetStatus>
    where
        T: MakeTls,
    {
        self.runtime().block_on(self.status_async(tls))
    }

    /// Each target's server, as an index into the fleet's servers (in order of first
    /// appearance), and each server's limit: its own, or the fleet's.
    fn servers(&self) -> (Vec<usize>, Vec<usize>) {
        let names = distinct(self.targets.iter().map(Target::server));
        let index = self
            .targets
            .iter()
            .map(|t| {
                names
                    .iter()
                    .position(|&name| name == t.server())
                    .expect("every server is listed")
            })
            .collect();
        let limits = names
            .iter()
            .map(|name| {
                name.and_then(|name| self.server_parallelism.get(name))
                    .map_or(self.parallelism, |&n| n.min(self.parallelism))
            })
            .collect();
        (index, limits)
    }

    /// The schedule of the targets `group`, under the fleet's limits.
    fn schedule(&self, group: Vec<usize>) -> Schedule {
        let (servers, limits) = self.servers();
        Schedule::new(group, servers, limits, self.parallelism)
    }

    /// A runtime for the blocking wrappers: a worker per target in flight, up to the
    /// machine's cores (connecting, with its SCRAM rounds, is the client's CPU work).
    fn runtime(&self) -> tokio::runtime::Runtime {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.parallelism.min(cores))
            .enable_all()
            .build()
            .expect("a tokio runtime can be built")
    }

    /// Migrates target `i`: the future one task runs.
    fn migrate<T>(
        &self,
        i: usize,
        tls: T,
        idle: Arc<Idle>,
    ) -> impl Future<Output = (Outcome, Duration)> + Send + 'static
    where
        T: MakeTls,
    {
        let target = self.targets[i].clone();
        let observer = self.observer.clone();
        let mut runner = target.runner(&self.runner);
        if let Some(observer) = &observer {
            let (observer, name, server) = (
                Arc::clone(observer),
                target.name.clone(),
                target.server.clone(),
            );
            runner = runner.observe(move |event| {
                observer(&FleetEvent::Step {
                    target: &name,
                    server: server.as_deref(),
                    event,
                })
            });
        }
        async move {
            let emit = |event: FleetEvent<'_>| {
                if let Some(observer) = &observer {
                    observer(&event);
                }
            };
            emit(FleetEvent::Started {
                target: &target.name,
                server: target.server(),
            });
            let started = Instant::now();
            // Only a schema target's connection serves another target.
            let key = target.schema.as_ref().map(|_| Idle::key(&target.config));
            let taken = key.as_deref().and_then(|key| idle.take(key));
            let client = match taken {
                Some(client) => Ok(client),
                None => connect(&target, tls).await,
            };
            let outcome = match client {
                Ok(client) => {
                    let outcome = match runner.run_async(&client).await {
                        Ok(report) if report.is_empty() => Outcome::Current(report),
                        Ok(report) => Outcome::Applied(report),
                        Err(error) => Outcome::Failed(error),
                    };
                    if let Some(key) = key {
                        if !matches!(outcome, Outcome::Failed(_)) && reset(&client).await {
                            idle.put(key, client);
                        }
                    }
                    outcome
                }
                Err(error) => Outcome::Failed(error),
            };
            emit(FleetEvent::Done {
                target: &target.name,
                server: target.server(),
                outcome: &outcome,
            });
            (outcome, started.elapsed())
        }
    }
}

/// Runs `task(i)` on tasks of its own for each target `i` as `schedule` lets it start, and
/// gives each result to `done` as it ends. Once `done` returns `true` no new task starts; the
/// running ones finish. Returns whether it stopped.
async fn bounded<R, Fut>(
    mut schedule: Schedule,
    task: impl Fn(usize) -> Fut,
    mut done: impl FnMut(usize, R) -> bool,
) -> bool
where
    Fut: Future<Output = R> + Send + 'static,
    R: Send + 'static,
{
    let mut running = JoinSet::new();
    let mut stopped = false;
    loop {
        while let Some(i) = (!stopped).then(|| schedule.start()).flatten() {
            let work = task(i);
            running.spawn(async move { (i, work.await) });
        }
        let Some(joined) = running.join_next().await else {
            return stopped;
        };
        let (i, result) = joined.expect("a target's task does not panic");
        schedule.ended(i);
        stopped |= done(i, result);
    }
}

/// Which target of a group starts next: the first waiting one whose server runs fewer
/// targets than its limit, while fewer than the total limit run. Pure: [`bounded`] asks it
/// which target starts and tells it which ended.
#[derive(Debug)]
pub(crate) struct Schedule {
    /// The group's targets that have not started, in order.
    waiting: VecDeque<usize>,
    /// Each target's server (an index into `limits`).
    server: Vec<usize>,
    /// Each server's limit.
    limits: Vec<usize>,
    /// How many targets of each server run.
    running: Vec<usize>,
    /// How many targets may run at once, servers together.
    total: usize,
}

impl Schedule {
    /// The schedule of `group` (target indices, in order), each target `i` on server
    /// `server[i]`, at most `limits[s]` at once on server `s` and `total` in all.
    pub(crate) fn new(
        group: Vec<usize>,
        server: Vec<usize>,
        limits: Vec<usize>,
        total: usize,
    ) -> Self {
        let running = vec![0; limits.len()];
        Self {
            waiting: group.into(),
            server,
            limits,
            running,
            total,
        }
    }

    /// The target that starts now, if one may: counted as running from then on.
    pub(crate) fn start(&mut self) -> Option<usize> {
        if self.running.iter().sum::<usize>() >= self.total {
            return None;
        }
        let at = self.waiting.iter().position(|&i| {
            let server = self.server[i];
            self.running[server] < self.limits[server]
        })?;
        let i = self.waiting.remove(at)?;
        self.running[self.server[i]] += 1;
        Some(i)
    }

    /// Target `i` ended.
    pub(crate) fn ended(&mut self, i: usize) {
        self.running[self.server[i]] -= 1;
    }
}

/// Connections that finished targets left, each under the key of the settings it was opened
/// with; at most one per target in flight.
#[derive(Default)]
struct Idle(std::sync::Mutex<Vec<(String, tokio_postgres::Client)>>);

impl Idle {
    /// What two targets must share for one's connection to serve the other: every connection
    /// setting (as `Config`'s `Debug` shows them, the password aside) and the password.
    fn key(config: &Config) -> String {
        format!("{config:?} {:?}", config.get_password())
    }

    /// An open connection made with `key`'s settings, if one is idle.
    fn take(&self, key: &str) -> Option<tokio_postgres::Client> {
        let mut idle = self.0.lock().unwrap_or_else(|e| e.into_inner());
        idle.retain(|(_, client)| !client.is_closed());
        let i = idle.iter().position(|(k, _)| k == key)?;
        Some(idle.swap_remove(i).1)
    }

    fn put(&self, key: String, client: tokio_postgres::Client) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((key, client));
    }
}

/// What `DISCARD ALL` does but `DEALLOCATE ALL` (the client keeps its own prepared statements,
/// which stay valid): the session as a new connection would have it.
const RESET_SESSION: &str = "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; \
                             UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD PLANS; \
                             DISCARD TEMP; DISCARD SEQUENCES";

/// Resets a finished target's session for the next target; `false` when the connection cannot
/// serve again (closed, or inside a transaction).
async fn reset(client: &tokio_postgres::Client) -> bool {
    !client.is_closed() && client.batch_execute(RESET_SESSION).await.is_ok()
}

/// Connects to a target, its connection driven by a task of its own; when it cannot, the
/// error names the target's server and address (without the password).
async fn connect<T>(target: &Target, tls: T) -> Result<tokio_postgres::Client, Error>
where
    T: MakeTls,
{
    let (client, connection) =
        target
            .config
            .connect(tls)
            .await
            .map_err(|error| Error::Unreachable {
                server: target.server.clone(),
                address: describe(&postgres::Config::from(target.config.clone())),
                error,
            })?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!("a fleet target's connection ended: {error}");
        }
    });
    Ok(client)
}

/// Which targets are canaries: the first `canaries` of each server (`servers[i]` is target
/// `i`'s).
pub(crate) fn canaries(servers: &[usize], canaries: usize) -> Vec<bool> {
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    servers
        .iter()
        .map(|&server| {
            let rank = seen.entry(server).or_default();
            *rank += 1;
            *rank <= canaries
        })
        .collect()
}

/// The groups of target indices, in order: the canaries (`canary[i]`, when any), then the
/// other targets in waves of `wave` (all in one without it).
pub(crate) fn groups(canary: &[bool], wave: Option<usize>) -> Vec<Vec<usize>> {
    let (first, rest): (Vec<usize>, Vec<usize>) = (0..canary.len()).partition(|&i| canary[i]);
    let mut groups = Vec::new();
    if !first.is_empty() {
        groups.push(first);
    }
    let size = wave.unwrap_or(rest.len()).max(1);
    groups.extend(rest.chunks(size).map(<[usize]>::to_vec));
    groups
}

/// Whether `outcome` stops the fleet: a failure of a canary always does, another failure when
/// the policy is [`OnFailure::Stop`].
pub(crate) fn stops(policy: OnFailure, canary: bool, outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Failed(_)) && (canary || policy == OnFailure::Stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canaries_then_waves() {
        let one = |n: usize, c: usize| canaries(&vec![0; n], c);
        let ranges = |groups: Vec<Vec<usize>>| -> Vec<(usize, usize)> {
            groups.iter().map(|g| (g[0], g[g.len() - 1] + 1)).collect()
        };
        assert_eq!(
            ranges(groups(&one(10, 2), Some(3))),
            [(0, 2), (2, 5), (5, 8), (8, 10)]
        );
        assert_eq!(ranges(groups(&one(10, 0), None)), [(0, 10)]);
        assert_eq!(ranges(groups(&one(3, 5), Some(2))), [(0, 3)]);
        assert!(groups(&one(0, 1), None).is_empty());
    }

    #[test]
    fn canaries_are_the_first_of_each_server() {
        // Targets of servers 0, 1, 0, 1, 1, 0, 2: one canary each, the first of each server.
        let servers = [0, 1, 0, 1, 1, 0, 2];
        let canary = canaries(&servers, 1);
        assert_eq!(canary, [true, true, false, false, false, false, true]);
        assert_eq!(
            groups(&canary, Some(2)),
            [vec![0, 1, 6], vec![2, 3], vec![4, 5]]
        );
        assert_eq!(
            canaries(&servers, 2),
            [true, true, true, true, false, false, true]
        );
    }

    /// Every target of `group` through `schedule`, the longest-running ending first; the
    /// most that ran at once, per server and in all, and the order they started in.
    fn drain(mut schedule: Schedule, servers: usize) -> (Vec<usize>, usize, Vec<usize>) {
        let (mut most, mut total, mut order) = (vec![0; servers], 0, Vec::new());
        let mut running: VecDeque<usize> = VecDeque::new();
        loop {
            while let Some(i) = schedule.start() {
                order.push(i);
                running.push_back(i);
            }
            for (s, most) in most.iter_mut().enumerate() {
                *most = (*most).max(schedule.running[s]);
            }
            total = total.max(running.len());
            let Some(i) = running.pop_front() else { break };
            schedule.ended(i);
        }
        (most, total, order)
    }

    #[test]
    fn the_schedule_keeps_each_server_and_the_total_under_their_limits() {
        // 6 targets on server 0, then 6 on server 1; at most 2 on server 0, 3 on server 1,
        // 4 in all.
        let servers: Vec<usize> = [0; 6].into_iter().chain([1; 6]).collect();
        let schedule = Schedule::new((0..12).collect(), servers.clone(), vec![2, 3], 4);
        let (most, total, order) = drain(schedule, 2);
        assert_eq!(most, [2, 2]);
        assert_eq!(total, 4);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..12).collect::<Vec<_>>(), "each target once");
        // Server 0 full at two: server 1's first targets start before server 0's third.
        assert_eq!(order[..4], [0, 1, 6, 7]);
        // A total that does not bind: each server up to its own limit.
        let schedule = Schedule::new((0..12).collect(), servers, vec![2, 3], 10);
        let (most, total, _) = drain(schedule, 2);
        assert_eq!((most, total), (vec![2, 3], 5));
    }

    #[test]
    fn a_canary_failure_stops_whatever_the_policy() {
        let failed = Outcome::Failed(Error::UnknownVersion {
            version: 9u64.into(),
            known: vec![1u64.into()],
        });
        assert!(stops(OnFailure::Continue, true, &failed));
        assert!(!stops(OnFailure::Continue, false, &failed));
        assert!(stops(OnFailure::Stop, false, &failed));
        assert!(!stops(OnFailure::Stop, true, &Outcome::NotReached));
    }

    #[test]
    fn the_report_words_each_remedy_once_in_the_terms_it_is_given() {
        let timed_out = |target: &str| TargetReport {
            target: target.to_owned(),
            server: None,
            canary: false,
            outcome: Outcome::Failed(Error::LockTimeout {
                key: 1,
                waited: Duration::from_secs(1),
                holder: None,
            }),
            elapsed: Duration::ZERO,
        };
        let report = FleetReport {
            targets: vec![timed_out("a"), timed_out("b")],
            elapsed: Duration::ZERO,
        };
        let text = report.to_string();
        assert!(
            text.ends_with("\n  help (2 target(s)): To wait longer, raise Runner::lock_wait"),
            "{text}"
        );
        assert_eq!(text.matches("Runner::lock_wait").count(), 1, "{text}");
        let flags = report
            .display_with(&|remedy| (remedy == Remedy::LockWait).then_some("use --lock-wait"))
            .to_string();
        assert!(
            flags.ends_with("help (2 target(s)): use --lock-wait"),
            "{flags}"
        );
        assert!(!flags.contains("Runner::"), "{flags}");
    }

    #[test]
    fn the_report_of_named_servers_groups_their_targets_with_a_line_each() {
        let target = |server: &str, target: &str, failed: bool| TargetReport {
            target: target.to_owned(),
            server: Some(server.to_owned()),
            canary: false,
            outcome: if failed {
                Outcome::Failed(Error::LockTimeout {
                    key: 1,
                    waited: Duration::from_secs(1),
                    holder: None,
                })
            } else {
                Outcome::NotReached
            },
            elapsed: Duration::ZERO,
        };
        let report = FleetReport {
            targets: vec![
                target("eu", "tenant_a", true),
                target("us", "tenant_a", false),
                target("eu", "tenant_b", false),
            ],
            elapsed: Duration::ZERO,
        };
        assert_eq!(report.servers(), [Some("eu"), Some("us")]);
        let text = report.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Server eu");
        assert!(lines[1].starts_with("✗ tenant_a failed: "), "{text}");
        assert_eq!(lines[2], "- tenant_b not reached");
        assert_eq!(
            lines[3],
            "Server eu: 2 target(s): 0 applied, 0 current, 1 failed, 1 not reached"
        );
        assert_eq!(lines[4..6], ["Server us", "- tenant_a not reached"]);
        assert_eq!(
            lines[7],
            "Fleet: 2 server(s), 3 target(s): 0 applied, 0 current, 1 failed, 2 not reached in 0ms"
        );
    }
}
