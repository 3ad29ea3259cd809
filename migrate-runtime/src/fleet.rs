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
//! reaches the next, and the server does not start and end a backend per tenant. The order of
//! decisions is pure (`groups` and `stops`); the I/O is in [`Fleet::run_async`].

use std::fmt;
use std::future::Future;
use std::ops::Range;
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
use crate::template::{MakeTls, Throwaway};

/// One tenant: a database, or a schema of a database.
#[derive(Debug, Clone)]
pub struct Target {
    name: String,
    config: Config,
    schema: Option<String>,
}

impl Target {
    /// A database per tenant: the database `config` names (its name is the target's name).
    pub fn database(config: Config) -> Self {
        Self {
            name: config.get_dbname().unwrap_or("?").to_owned(),
            config,
            schema: None,
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
        }
    }

    /// The target's name, as reports show it: the database's or the schema's.
    pub fn name(&self) -> &str {
        &self.name
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

impl FleetReport {
    /// How many targets ended with `label` (`applied`, `current`, `failed`, `not reached`).
    fn count(&self, label: &str) -> usize {
        self.targets
            .iter()
            .filter(|t| t.outcome.label() == label)
            .count()
    }

    /// The targets that failed, with their errors.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &Error)> {
        self.targets.iter().filter_map(|t| match &t.outcome {
            Outcome::Failed(error) => Some((t.target.as_str(), error)),
            _ => None,
        })
    }

    /// Whether every target is current now (applied or already current).
    pub fn is_success(&self) -> bool {
        self.count("applied") + self.count("current") == self.targets.len()
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
    /// reached`), then the counts, then the remedy of each kind of failure in this crate's
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
        for t in &report.targets {
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
        write!(
            f,
            "Fleet: {} target(s): {} applied, {} current, {} failed, {} not reached in {}ms",
            report.targets.len(),
            report.count("applied"),
            report.count("current"),
            report.count("failed"),
            report.count("not reached"),
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
    /// Its drift, or why it could not be compared.
    pub drift: Result<Drift, Error>,
}

/// The status of one target of a fleet.
#[derive(Debug)]
pub struct TargetStatus {
    /// The target's name.
    pub target: String,
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
    },
    /// A step of a target's run, as [`Runner::observe`] reports it.
    Step {
        /// The target's name.
        target: &'a str,
        /// The runner's event.
        event: &'a Event<'a>,
    },
    /// A target ended.
    Done {
        /// The target's name.
        target: &'a str,
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
            canaries: 0,
            wave: None,
            on_failure: OnFailure::Stop,
            observer: None,
        }
    }

    /// How many targets migrate at once (at least 1): one connection each.
    pub fn parallelism(mut self, n: usize) -> Self {
        self.parallelism = n.max(1);
        self
    }

    /// The first `n` targets are canaries: they migrate first, and when one fails no other
    /// target starts, whatever [`Fleet::on_failure`] says.
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
        for (g, group) in groups(self.targets.len(), self.canaries, self.wave)
            .into_iter()
            .enumerate()
        {
            let canary = g == 0 && self.canaries > 0;
            let stopped = bounded(
                group,
                self.parallelism,
                |i| self.migrate(i, tls.clone(), Arc::clone(&idle)),
                |i, (outcome, elapsed)| {
                    let stop = stops(self.on_failure, canary, &outcome);
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
                    canary: i < self.canaries,
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
            .map(|(target, status)| TargetStatus { target, status })
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
            .map(|(target, drift)| TargetDrift { target, drift })
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
    /// connection settings and `tls`), at most [`Fleet::parallelism`] at once; the results with
    /// the targets' names, in the targets' order.
    async fn each<T, R, F, Fut>(&self, tls: T, read: F) -> Vec<(String, Result<R, Error>)>
    where
        T: MakeTls,
        R: Send + 'static,
        F: Fn(Runner, tokio_postgres::Client, Config, T) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Result<R, Error>> + Send + 'static,
    {
        let mut results: Vec<Option<Result<R, Error>>> =
            (0..self.targets.len()).map(|_| None).collect();
        bounded(
            0..self.targets.len(),
            self.parallelism,
            |i| {
                let (target, tls, read) = (self.targets[i].clone(), tls.clone(), read.clone());
                let runner = target.runner(&self.runner);
                async move {
                    let client = connect(&target.config, tls.clone()).await?;
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
            .map(|(target, result)| (target.name.clone(), result.expect("every target was read")))
            .collect()
    }

    /// [`Fleet::status_async`] on a runtime of its own.
    pub fn status<T>(&self, tls: T) -> Vec<TargetStatus>
    where
        T: MakeTls,
    {
        self.runtime().block_on(self.status_async(tls))
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
            let (observer, name) = (Arc::clone(observer), target.name.clone());
            runner = runner.observe(move |event| {
                observer(&FleetEvent::Step {
                    target: &name,
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
            });
            let started = Instant::now();
            // Only a schema target's connection serves another target.
            let key = target.schema.as_ref().map(|_| Idle::key(&target.config));
            let taken = key.as_deref().and_then(|key| idle.take(key));
            let client = match taken {
                Some(client) => Ok(client),
                None => connect(&target.config, tls).await,
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
                outcome: &outcome,
            });
            (outcome, started.elapsed())
        }
    }
}

/// Runs `task(i)` for each `i` of `queue` on tasks of its own, at most `parallelism` at once,
/// and gives each result to `done` as it ends. Once `done` returns `true` no new task starts;
/// the running ones finish. Returns whether it stopped.
async fn bounded<R, Fut>(
    mut queue: Range<usize>,
    parallelism: usize,
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
        while !stopped && running.len() < parallelism {
            let Some(i) = queue.next() else { break };
            let work = task(i);
            running.spawn(async move { (i, work.await) });
        }
        let Some(joined) = running.join_next().await else {
            return stopped;
        };
        let (i, result) = joined.expect("a target's task does not panic");
        stopped |= done(i, result);
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

/// Connects to a target, its connection driven by a task of its own.
async fn connect<T>(config: &Config, tls: T) -> Result<tokio_postgres::Client, Error>
where
    T: MakeTls,
{
    let (client, connection) = config
        .connect(tls)
        .await
        .map_err(Error::db("connect to the target"))?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!("a fleet target's connection ended: {error}");
        }
    });
    Ok(client)
}

/// The groups of target indices, in order: the canaries (when any), then the waves.
pub(crate) fn groups(targets: usize, canaries: usize, wave: Option<usize>) -> Vec<Range<usize>> {
    let canaries = canaries.min(targets);
    let mut groups = Vec::new();
    if canaries > 0 {
        groups.push(0..canaries);
    }
    let size = wave.unwrap_or(targets).max(1);
    let mut start = canaries;
    while start < targets {
        let end = (start + size).min(targets);
        groups.push(start..end);
        start = end;
    }
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
        assert_eq!(groups(10, 2, Some(3)), [0..2, 2..5, 5..8, 8..10]);
        assert_eq!(groups(10, 0, None), [Range { start: 0, end: 10 }]);
        assert_eq!(groups(3, 5, Some(2)), [Range { start: 0, end: 3 }]);
        assert_eq!(groups(0, 1, None), Vec::<Range<usize>>::new());
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
}
