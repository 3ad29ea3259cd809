//! `apply --fleet`, `status --fleet` and `drift --fleet`: one folder applied to many tenants
//! (schemas or databases) with the runtime's [`Fleet`], on the connection's server or on the
//! servers of the fleet file's `[[servers]]`, each with its URL in a variable. [`spec`] merges
//! the fleet file and the flags and [`settings`] reads the servers' variables (both pure);
//! [`open`] lists the tenants, the rest runs the fleet with a live progress line and prints the
//! report.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use migrate_runtime::fleet::{self, Fleet, FleetEvent, FleetReport, Outcome, Target, TargetReport};
use migrate_runtime::{Event, Runner};
use serde::Deserialize;

use migrate_runtime::Tenancy;
use postgres_openssl::MakeTlsConnector;

use crate::args::{DbArgs, FleetArgs, OnFailure, ReportFormat};
use crate::connect;
use crate::failure::{self, Failure};
use crate::session::{self, Session};

/// The fleet file (`--fleet FILE`), as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetFile {
    #[serde(default, deserialize_with = "read_tenancy")]
    tenancy: Option<Tenancy>,
    tenants: Option<Vec<String>>,
    tenants_query: Option<String>,
    parallelism: Option<usize>,
    canaries: Option<usize>,
    wave: Option<usize>,
    on_failure: Option<OnFailure>,
    servers: Option<Vec<ServerEntry>>,
}

/// A `[[servers]]` table of the fleet file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerEntry {
    name: toml::Spanned<String>,
    url_env: toml::Spanned<String>,
    tenants: Option<Vec<String>>,
    tenants_query: Option<String>,
    parallelism: Option<usize>,
}

/// `tenancy = "schema"` or `"database"` in the fleet file.
fn read_tenancy<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Tenancy>, D::Error> {
    let name = String::deserialize(d)?;
    name.parse()
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("{e}, not `{name}`")))
}

/// Where the tenants come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenants {
    /// Listed by name.
    List(Vec<String>),
    /// The first column of this query, run on the connection.
    Query(String),
}

/// One server of a fleet file's `[[servers]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Its name, unique in the fleet: reports name each tenant by it.
    pub name: String,
    /// The environment variable that holds its URL.
    pub url_env: String,
    /// Its tenants.
    pub tenants: Tenants,
    /// How many of its tenants at once, when it has a limit of its own.
    pub parallelism: Option<usize>,
    /// Where the file declares it (`ops/fleet.toml:7:8`, its name), for messages.
    pub at: String,
}

/// Where a fleet's tenants are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Servers {
    /// On the one server of the connection (`--database-url`, `DATABASE_URL`, the `PG*`
    /// variables).
    One(Tenants),
    /// On the servers of the fleet file's `[[servers]]`, each with its URL in a variable.
    Several(Vec<Server>),
}

/// A fleet as the file and the flags describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Schema or database per tenant, when the flags or the file say (else `migrate.toml`'s:
    /// see [`tenancy`]).
    pub tenancy: Option<Tenancy>,
    /// The servers and their tenants.
    pub servers: Servers,
    /// How many at once, servers together.
    pub parallelism: usize,
    /// How many canaries (on each server).
    pub canaries: usize,
    /// The wave size after the canaries.
    pub wave: Option<usize>,
    /// What a failure does.
    pub on_failure: OnFailure,
}

/// What the fleet file holds, for the help of its errors.
const FILE_HELP: &str = "a fleet file holds tenancy = \"schema\" or \"database\", tenants = \
                         [...] or tenants_query = \"SELECT ...\" (or [[servers]] tables, each \
                         with name, url_env, tenants or tenants_query, and optionally \
                         parallelism), and optionally parallelism, canaries, wave and \
                         on_failure = \"stop\" or \"continue\"";

/// The fleet the flags and the fleet file (`(path, text)`, when given) describe; a flag wins
/// over the file. Pure: the file is read by the caller.
pub fn spec(args: &FleetArgs, file: Option<(&Path, &str)>) -> Result<Spec, Failure> {
    let parsed: FleetFile = match file {
        Some((path, text)) => toml::from_str(text).map_err(|e| {
            let at = e.span().map_or((1, 1), |span| line_col(text, span.start));
            Failure::usage(format!(
                "{}:{}:{}: {}\n  = help: {FILE_HELP}",
                path.display(),
                at.0,
                at.1,
                e.message()
            ))
        })?,
        None => FleetFile::default(),
    };
    let tenancy = args.tenancy.or(parsed.tenancy);
    let servers = match (parsed.servers, file) {
        (Some(entries), Some((path, text))) => {
            if args.tenants_query.is_some() {
                return Err(Failure::usage(format!(
                    "--tenants-query lists the tenants of one server, but {} lists servers: \
                     drop the flag and give each [[servers]] table its tenants or tenants_query",
                    path.display()
                )));
            }
            if parsed.tenants.is_some() || parsed.tenants_query.is_some() {
                return Err(Failure::usage(format!(
                    "{}: with [[servers]], each server lists its own tenants: move tenants or \
                     tenants_query into each [[servers]] table",
                    path.display()
                )));
            }
            Servers::Several(servers(entries, path, text)?)
        }
        _ => Servers::One(one_server(args, parsed.tenants_query, parsed.tenants)?),
    };
    Ok(Spec {
        tenancy,
        servers,
        parallelism: args.parallelism.or(parsed.parallelism).unwrap_or(4).max(1),
        canaries: args.canaries.or(parsed.canaries).unwrap_or(0),
        wave: args.wave.or(parsed.wave),
        on_failure: args
            .on_failure
            .or(parsed.on_failure)
            .unwrap_or(OnFailure::Stop),
    })
}

/// The tenants of a fleet on one server: the flag's query, else the file's query or list.
fn one_server(
    args: &FleetArgs,
    query: Option<String>,
    list: Option<Vec<String>>,
) -> Result<Tenants, Failure> {
    match (&args.tenants_query, query, list) {
        (Some(query), _, _) => Ok(Tenants::Query(query.clone())),
        (None, Some(_), Some(_)) => Err(Failure::usage(
            "the fleet file gives both tenants and tenants_query: keep one",
        )),
        (None, Some(query), None) => Ok(Tenants::Query(query)),
        (None, None, Some(list)) => Ok(Tenants::List(list)),
        (None, None, None) => Err(Failure::usage(
            "a fleet needs its tenants: write tenants = [\"...\"] or tenants_query = \
             \"SELECT ...\" in the fleet file (or [[servers]] tables), or pass --tenants-query",
        )),
    }
}

/// The `[[servers]]` of the file at `path` (its `text`, for positions): each named once,
/// with a variable and its tenants.
fn servers(entries: Vec<ServerEntry>, path: &Path, text: &str) -> Result<Vec<Server>, Failure> {
    if entries.is_empty() {
        return Err(Failure::usage(format!(
            "{}: servers = [] lists no server\n  = help: write a [[servers]] table per server, \
             or drop servers and list the tenants of the connection's server",
            path.display()
        )));
    }
    let at = |span: std::ops::Range<usize>| {
        let (line, column) = line_col(text, span.start);
        format!("{}:{line}:{column}", path.display())
    };
    let mut servers: Vec<Server> = Vec::new();
    for entry in entries {
        let here = at(entry.name.span());
        let name = entry.name.into_inner();
        if name.trim().is_empty() {
            return Err(Failure::usage(format!(
                "{here}: a server's name is empty\n  = help: name each server (name = \"eu\"): \
                 reports name its tenants by it"
            )));
        }
        if let Some(first) = servers.iter().find(|s| s.name == name) {
            return Err(Failure::usage(format!(
                "{here}: a second server named `{name}` (the first at {})\n  = help: give each \
                 server a name of its own",
                first.at
            )));
        }
        let url_at = at(entry.url_env.span());
        let url_env = entry.url_env.into_inner();
        if url_env.trim().is_empty() {
            return Err(Failure::usage(format!(
                "{url_at}: the server `{name}` has an empty url_env\n  = help: write the name of \
                 the environment variable that holds its URL, e.g. url_env = \"EU_DATABASE_URL\""
            )));
        }
        let tenants = match (entry.tenants_query, entry.tenants) {
            (Some(query), None) => Tenants::Query(query),
            (None, Some(list)) => Tenants::List(list),
            (query, _) => {
                return Err(Failure::usage(format!(
                    "{here}: the server `{name}` {}\n  = help: write either tenants = [\"...\"] \
                     or tenants_query = \"SELECT ...\" in its [[servers]] table",
                    if query.is_some() {
                        "gives both tenants and tenants_query"
                    } else {
                        "lists no tenants"
                    }
                )))
            }
        };
        servers.push(Server {
            name,
            url_env,
            tenants,
            parallelism: entry.parallelism.map(|n| n.max(1)),
            at: here,
        });
    }
    Ok(servers)
}

/// The fleet's tenancy: the flag's or the fleet file's, else the one `migrate.toml` (at
/// `config`) declares, for which the build checked the migrations (`escapes-tenant`); when both
/// are given they must agree.
pub fn tenancy(
    spec: &Spec,
    configured: Option<Tenancy>,
    config: &Path,
) -> Result<Tenancy, Failure> {
    match (spec.tenancy, configured) {
        (Some(asked), Some(declared)) if asked != declared => Err(Failure::usage(format!(
            "the fleet asks for a {} per tenant, but {} declares tenancy = \"{}\", for which \
             the build checked the migrations\n  = help: make them agree (fix the fleet file or \
             --tenancy, or migrate.toml)",
            asked,
            config.display(),
            declared
        ))),
        (Some(tenancy), _) | (None, Some(tenancy)) => Ok(tenancy),
        (None, None) => Err(Failure::usage(format!(
            "a fleet needs its tenancy: pass --tenancy schema|database, write tenancy = \
             \"schema\" (or \"database\") in the fleet file, or declare it in {}",
            config.display()
        ))),
    }
}

/// 1-based line and column of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The spec of `args`, reading its fleet file.
pub fn read_spec(args: &FleetArgs) -> Result<Spec, Failure> {
    match &args.fleet {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the fleet file {}: {e}",
                    path.display()
                ))
            })?;
            spec(args, Some((path, &text)))
        }
        None => spec(args, None),
    }
}

/// Each server's connection settings, from its variable (`env` reads one), in order; a
/// variable unset or empty is an error naming it and the server. Pure: the environment is
/// passed in.
pub fn settings(
    servers: &[Server],
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<connect::Target>, Failure> {
    servers
        .iter()
        .map(|server| {
            let url = env(&server.url_env)
                .filter(|url| !url.trim().is_empty())
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "{}: the server `{}` takes its URL from the variable {}, which is {}; \
                         nothing was run\n  = help: export {}=postgresql://USER@HOST:PORT/DATABASE, \
                         or fix url_env",
                        server.at,
                        server.name,
                        server.url_env,
                        if env(&server.url_env).is_some() {
                            "empty"
                        } else {
                            "not set"
                        },
                        server.url_env
                    ))
                })?;
            connect::Target::from_variable(&server.url_env, &url, &env).map_err(|mut e| {
                e.message = format!("server `{}`: {}", server.name, e.message);
                e
            })
        })
        .collect()
}

/// The tenants' names: the list, or the query's first column on `client`.
pub fn names(tenants: &Tenants, client: &mut postgres::Client) -> Result<Vec<String>, Failure> {
    match tenants {
        Tenants::List(list) => Ok(list.clone()),
        Tenants::Query(query) => {
            let messages = client.simple_query(query).map_err(|e| {
                Failure::usage(format!("the tenants query failed: {e}\n  = help: it must return the tenants' names in its first column"))
            })?;
            Ok(messages
                .iter()
                .filter_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                    _ => None,
                })
                .collect())
        }
    }
}

/// The targets: each name as a schema of the connection's database, or as a database of its
/// server (the connection's settings with that database name).
pub fn targets(tenancy: Tenancy, names: Vec<String>, base: &tokio_postgres::Config) -> Vec<Target> {
    names
        .into_iter()
        .map(|name| match tenancy {
            Tenancy::Schema => Target::schema(base.clone(), name),
            Tenancy::Database => {
                let mut config = base.clone();
                config.dbname(&name);
                Target::database(config)
            }
        })
        .collect()
}

/// A fleet ready to run: its spec and tenancy, the runner, the targets (server by server),
/// the TLS connector, and where it runs.
pub struct Opened {
    /// The file and the flags.
    pub spec: Spec,
    /// Schema or database per tenant.
    pub tenancy: Tenancy,
    /// The runner with the command's options.
    pub runner: Runner,
    /// The tenants, each on its server.
    pub targets: Vec<Target>,
    /// For every target.
    pub tls: MakeTlsConnector,
    /// `ops@db:5432/app`, or each server's name and address (never a password).
    pub place: String,
}

/// The fleet of `args`: its spec (read first, so a bad file is reported before anything
/// else), then for one server the session's connection, for several each server's variable
/// (every one checked before any server is reached), the folder's runner with `options`,
/// and the targets, listed by each server's tenants query on a connection of its own.
pub fn open(
    args: &FleetArgs,
    db: &DbArgs,
    options: impl FnOnce(Runner) -> Runner,
) -> Result<Opened, Failure> {
    let spec = read_spec(args)?;
    let config = db.folder.dir.join(migrate_lint::CONFIG_FILE);
    match &spec.servers {
        Servers::One(tenants) => {
            let mut s = Session::open_with(db, options)?;
            let tenancy = tenancy(&spec, s.tenancy, &config)?;
            let names = names(tenants, &mut s.client)?;
            Ok(Opened {
                tenancy,
                runner: s.runner.clone(),
                targets: targets(tenancy, names, &s.settings.config),
                tls: s.settings.tls()?,
                place: s.target.clone(),
                spec,
            })
        }
        Servers::Several(servers) => {
            if db.database_url.is_some() {
                return Err(Failure::usage(format!(
                    "--database-url names one server, but {} lists servers, each with the \
                     variable that holds its URL\n  = help: drop --database-url, or set each \
                     server's url_env variable",
                    args.fleet
                        .as_deref()
                        .unwrap_or(Path::new("the fleet file"))
                        .display()
                )));
            }
            let settings = settings(servers, |name| std::env::var(name).ok())?;
            let (runner, _, declared) = session::runner(db, options)?;
            let tenancy = tenancy(&spec, declared, &config)?;
            let first = &settings[0];
            if let Some((server, _)) = servers
                .iter()
                .zip(&settings)
                .find(|(_, s)| s.verify != first.verify)
            {
                return Err(Failure::usage(format!(
                    "{}: the server `{}` verifies certificates otherwise than `{}` \
                     (sslmode verify-ca or verify-full, sslrootcert)\n  = help: one fleet run \
                     uses one certificate check: give every server's URL the same",
                    server.at, server.name, servers[0].name
                )));
            }
            let mut all = Vec::new();
            let mut places = Vec::new();
            for (server, target) in servers.iter().zip(&settings) {
                let names = match &server.tenants {
                    Tenants::List(list) => list.clone(),
                    query => {
                        let named = |mut e: Failure| {
                            e.message = format!("server `{}`: {}", server.name, e.message);
                            e
                        };
                        let mut client = target.connect().map_err(named)?;
                        names(query, &mut client).map_err(named)?
                    }
                };
                all.extend(
                    targets(tenancy, names, &target.config)
                        .into_iter()
                        .map(|t| t.on_server(server.name.clone())),
                );
                places.push(format!("{} ({})", server.name, target.describe()));
            }
            Ok(Opened {
                tenancy,
                runner,
                targets: all,
                tls: first.tls()?,
                place: format!("{} server(s): {}", servers.len(), places.join(", ")),
                spec,
            })
        }
    }
}

/// The runtime's fleet for `spec`.
pub fn fleet(spec: &Spec, runner: Runner, targets: Vec<Target>) -> Fleet {
    let mut fleet = Fleet::new(runner, targets)
        .parallelism(spec.parallelism)
        .canaries(spec.canaries)
        .on_failure(match spec.on_failure {
            OnFailure::Stop => fleet::OnFailure::Stop,
            OnFailure::Continue => fleet::OnFailure::Continue,
        });
    if let Servers::Several(servers) = &spec.servers {
        for server in servers {
            if let Some(n) = server.parallelism {
                fleet = fleet.server_parallelism(server.name.clone(), n);
            }
        }
    }
    if let Some(wave) = spec.wave {
        fleet = fleet.wave(wave);
    }
    fleet
}

/// `items` grouped by their server (`server` of each), servers in order of first appearance,
/// items in their order: one group, `None`, for a fleet on one server.
pub fn by_server<'a, T>(
    items: &'a [T],
    server: impl Fn(&'a T) -> Option<&'a str>,
) -> Vec<(Option<&'a str>, Vec<&'a T>)> {
    let mut groups: Vec<(Option<&'a str>, Vec<&'a T>)> = Vec::new();
    for item in items {
        let name = server(item);
        match groups.iter_mut().find(|(s, _)| *s == name) {
            Some((_, group)) => group.push(item),
            None => groups.push((name, vec![item])),
        }
    }
    groups
}

/// `eu/tenant_a` for a tenant of a named server, else `tenant_a`.
pub fn label(server: Option<&str>, target: &str) -> String {
    match server {
        Some(server) => format!("{server}/{target}"),
        None => target.to_owned(),
    }
}

/// What the progress line shows.
#[derive(Default)]
struct Progress {
    done: usize,
    failed: usize,
    /// Each running target and the file it runs.
    running: BTreeMap<String, String>,
}

impl Progress {
    fn message(&self) -> String {
        let running: Vec<String> = self
            .running
            .iter()
            .take(4)
            .map(|(target, file)| format!("{target} {file}"))
            .collect();
        let more = self.running.len().saturating_sub(4);
        let more = if more > 0 {
            format!(", +{more}")
        } else {
            String::new()
        };
        format!(
            "{} failed · {} running: {}{more}",
            self.failed,
            self.running.len(),
            running.join(", ")
        )
    }
}

/// Runs `fleet` with a live progress bar on a terminal (targets done, failed, running, and the
/// migration each runs), else a line per target as it ends, on stderr.
pub fn run_with_progress<T>(fleet: Fleet, tls: T) -> FleetReport
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Clone + Send + Sync + 'static,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as tokio_postgres::tls::TlsConnect<tokio_postgres::Socket>>::Future: Send,
{
    let total = fleet.targets().len() as u64;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} tenants · {msg}")
                .expect("a valid template"),
        );
        Some(bar)
    } else {
        None
    };
    let state = Arc::new(Mutex::new(Progress::default()));
    let observer = {
        let (bar, state) = (bar.clone(), Arc::clone(&state));
        move |event: &FleetEvent<'_>| {
            let mut state = state.lock().expect("the progress lock");
            match event {
                FleetEvent::Started { target, server } => {
                    state
                        .running
                        .insert(label(*server, target), "connecting".to_owned());
                }
                FleetEvent::Step {
                    target,
                    server,
                    event: Event::Started { path, .. },
                } => {
                    let file = path.rsplit('/').next().unwrap_or(path);
                    state
                        .running
                        .insert(label(*server, target), file.to_owned());
                }
                FleetEvent::Done {
                    target,
                    server,
                    outcome,
                } => {
                    let target = label(*server, target);
                    state.running.remove(&target);
                    state.done += 1;
                    if matches!(outcome, Outcome::Failed(_)) {
                        state.failed += 1;
                    }
                    match &bar {
                        Some(bar) => bar.inc(1),
                        None => eprintln!("{}", done_line(&target, outcome)),
                    }
                }
                _ => {}
            }
            if let Some(bar) = &bar {
                bar.set_message(state.message());
            }
        }
    };
    let report = fleet.observe(observer).run(tls);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report
}

/// `✓ tenant_003 applied 2 migration(s)`, as a target ends.
fn done_line(target: &str, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Applied(report) if report.repeatables.is_empty() => {
            format!("✓ {target} applied {} migration(s)", report.steps.len())
        }
        Outcome::Applied(report) => format!(
            "✓ {target} applied {} migration(s) and {} repeatable migration(s)",
            report.steps.len(),
            report.repeatables.len()
        ),
        Outcome::Current(_) => format!("= {target} current"),
        Outcome::Failed(error) => format!("✗ {target} failed: {}", error.fact()),
        _ => format!("- {target} not reached"),
    }
}

/// The report as `format` asks: the runtime's table (a heading and a count per server when
/// the fleet has several), or JSON: for one server an array of one object per target (target,
/// canary, outcome, applied versions, elapsed_ms, and error with its message, and for a failed
/// migration its SQLSTATE and `file:line:col`); for several, an object with `servers` (each
/// with its `server` name, its `targets` and its counts) and the fleet's counts.
pub fn render(report: &FleetReport, format: ReportFormat) -> String {
    let json = match format {
        ReportFormat::Text => return format!("{}\n", report.display_with(&failure::in_flag_terms)),
        ReportFormat::Json => match report.servers().as_slice() {
            [None] | [] => {
                serde_json::Value::Array(report.targets.iter().map(target_json).collect())
            }
            servers => {
                let servers: Vec<serde_json::Value> = servers
                    .iter()
                    .map(|&server| {
                        let targets = report.on(server);
                        let mut object = counts_json(&targets);
                        object["server"] = server.into();
                        object["targets"] = targets.iter().map(|t| target_json(t)).collect();
                        object
                    })
                    .collect();
                let mut object = counts_json(&report.targets.iter().collect::<Vec<_>>());
                object["servers"] = servers.into();
                object["elapsed_ms"] = (report.elapsed.as_millis() as u64).into();
                object
            }
        },
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&json).expect("JSON values serialise")
    )
}

/// `{"targets": 3, "applied": 2, "current": 1, "failed": 0, "not_reached": 0}` (without the
/// targets themselves).
fn counts_json(targets: &[&TargetReport]) -> serde_json::Value {
    let count = |label: &str| {
        targets
            .iter()
            .filter(|t| outcome(&t.outcome) == label)
            .count()
    };
    serde_json::json!({
        "targets": targets.len(),
        "applied": count("applied"),
        "current": count("current"),
        "failed": count("failed"),
        "not_reached": count("not reached"),
    })
}

/// An outcome's name in the JSON report.
fn outcome(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Applied(_) => "applied",
        Outcome::Current(_) => "current",
        Outcome::Failed(_) => "failed",
        _ => "not reached",
    }
}

/// One target of the JSON report.
fn target_json(t: &TargetReport) -> serde_json::Value {
    let (applied, error) = match &t.outcome {
        Outcome::Applied(r) => (r.versions(), None),
        Outcome::Failed(e) => (Vec::new(), Some(e)),
        _ => (Vec::new(), None),
    };
    let error = error.map(|e| {
        let failure = e.migration_failure();
        serde_json::json!({
            "message": failure::describe(e),
            "code": failure.map(|f| f.code.clone()),
            "location": failure.map(|f| f.location()),
        })
    });
    serde_json::json!({
        "target": t.target,
        "canary": t.canary,
        "outcome": outcome(&t.outcome),
        "applied": applied.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "elapsed_ms": t.elapsed.as_millis() as u64,
        "error": error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn args() -> FleetArgs {
        FleetArgs {
            fleet: Some(PathBuf::from("fleet.toml")),
            ..FleetArgs::default()
        }
    }

    #[test]
    fn the_file_gives_the_fleet_and_flags_win() {
        let text = "tenancy = \"schema\"\ntenants = [\"a\", \"b\"]\nparallelism = 8\n\
                    canaries = 1\nwave = 50\non_failure = \"continue\"\n";
        let spec = spec(&args(), Some((Path::new("fleet.toml"), text))).unwrap();
        assert_eq!(
            spec,
            Spec {
                tenancy: Some(Tenancy::Schema),
                servers: Servers::One(Tenants::List(vec!["a".into(), "b".into()])),
                parallelism: 8,
                canaries: 1,
                wave: Some(50),
                on_failure: OnFailure::Continue,
            }
        );
        let flags = FleetArgs {
            tenants_query: Some("SELECT 'c'".into()),
            parallelism: Some(2),
            on_failure: Some(OnFailure::Stop),
            ..args()
        };
        let spec = super::spec(&flags, Some((Path::new("fleet.toml"), text))).unwrap();
        assert_eq!(
            spec.servers,
            Servers::One(Tenants::Query("SELECT 'c'".into()))
        );
        assert_eq!((spec.parallelism, spec.on_failure), (2, OnFailure::Stop));
    }

    #[test]
    fn a_bad_file_is_named_at_its_line_and_column() {
        let text = "tenancy = \"schema\"\ntenants = [\"a\"]\nparalelism = 8\n";
        let error = spec(&args(), Some((Path::new("ops/fleet.toml"), text))).unwrap_err();
        assert!(
            error
                .message
                .starts_with("ops/fleet.toml:3:1: unknown field `paralelism`"),
            "{}",
            error.message
        );
        let error = spec(
            &args(),
            Some((Path::new("f.toml"), "tenancy = \"tenant\"\ntenants = []\n")),
        )
        .unwrap_err();
        assert!(
            error.message.starts_with("f.toml:1:11:"),
            "{}",
            error.message
        );
        let error = spec(
            &args(),
            Some((Path::new("f.toml"), "tenancy = \"schema\"\n")),
        )
        .unwrap_err();
        assert!(
            error.message.contains("needs its tenants"),
            "{}",
            error.message
        );
    }

    /// A fleet file of two servers (line 5: eu's name, line 10: us's).
    const SERVERS: &str = "tenancy = \"schema\"\nparallelism = 6\ncanaries = 1\n[[servers]]\n\
                           name = \"eu\"\nurl_env = \"EU_URL\"\n\
                           tenants_query = \"SELECT nspname FROM pg_namespace\"\nparallelism = 2\n\
                           [[servers]]\nname = \"us\"\nurl_env = \"US_URL\"\n\
                           tenants = [\"t1\", \"t2\"]\n";

    fn servers_of(text: &str) -> Result<Vec<Server>, Failure> {
        let spec = spec(&args(), Some((Path::new("ops/fleet.toml"), text)))?;
        match spec.servers {
            Servers::Several(servers) => Ok(servers),
            Servers::One(tenants) => panic!("one server: {tenants:?}"),
        }
    }

    #[test]
    fn a_file_lists_servers_each_with_its_variable_tenants_and_limit() {
        let spec = spec(&args(), Some((Path::new("ops/fleet.toml"), SERVERS))).unwrap();
        assert_eq!((spec.parallelism, spec.canaries), (6, 1));
        assert_eq!(
            spec.servers,
            Servers::Several(vec![
                Server {
                    name: "eu".into(),
                    url_env: "EU_URL".into(),
                    tenants: Tenants::Query("SELECT nspname FROM pg_namespace".into()),
                    parallelism: Some(2),
                    at: "ops/fleet.toml:5:8".into(),
                },
                Server {
                    name: "us".into(),
                    url_env: "US_URL".into(),
                    tenants: Tenants::List(vec!["t1".into(), "t2".into()]),
                    parallelism: None,
                    at: "ops/fleet.toml:10:8".into(),
                },
            ])
        );
        // The runtime's fleet gets the per-server limit and the total.
        let runner = migrate_runtime::Migrations::new(Vec::new())
            .unwrap()
            .runner();
        let fleet = fleet(&spec, runner, Vec::new());
        let debug = format!("{fleet:?}");
        assert!(
            debug.contains("parallelism: 6, server_parallelism: {\"eu\": 2}"),
            "{debug}"
        );
    }

    #[test]
    fn a_bad_server_is_named_at_its_line() {
        let error = |text: &str| servers_of(text).unwrap_err().message;
        let twice = SERVERS.replace("name = \"us\"", "name = \"eu\"");
        let message = error(&twice);
        assert!(
            message.starts_with(
                "ops/fleet.toml:10:8: a second server named `eu` (the first at ops/fleet.toml:5:8)"
            ),
            "{message}"
        );
        let message = error(&SERVERS.replace("tenants = [\"t1\", \"t2\"]\n", ""));
        assert!(
            message.starts_with("ops/fleet.toml:10:8: the server `us` lists no tenants"),
            "{message}"
        );
        let message = error(&SERVERS.replace("url_env = \"US_URL\"\n", ""));
        assert!(
            message.starts_with("ops/fleet.toml:9:1: missing field `url_env`"),
            "{message}"
        );
        let message = error(&SERVERS.replace("\"US_URL\"", "\"\""));
        assert!(
            message.starts_with("ops/fleet.toml:11:11: the server `us` has an empty url_env"),
            "{message}"
        );
        let message = error(&SERVERS.replace("parallelism = 2", "paralelism = 2"));
        assert!(
            message.starts_with("ops/fleet.toml:8:1: unknown field `paralelism`"),
            "{message}"
        );
        let message = error(&format!("tenants = [\"a\"]\n{SERVERS}"));
        assert!(
            message.contains("with [[servers]], each server lists its own tenants"),
            "{message}"
        );
        let flags = FleetArgs {
            tenants_query: Some("SELECT 1".into()),
            ..args()
        };
        let message = super::spec(&flags, Some((Path::new("f.toml"), SERVERS)))
            .unwrap_err()
            .message;
        assert!(message.starts_with("--tenants-query lists the tenants of one server"));
    }

    #[test]
    fn each_server_takes_its_url_from_its_variable_which_must_be_set() {
        let servers = servers_of(SERVERS).unwrap();
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let both = env(&[
            ("EU_URL", "postgresql://ops:secret@eu-db:5433/app"),
            ("US_URL", "postgresql://ops@us-db/app"),
        ]);
        let settings = settings(&servers, both).unwrap();
        assert_eq!(settings[0].describe(), "ops@eu-db:5433/app");
        assert_eq!(settings[1].describe(), "ops@us-db:5432/app");
        let message = settings_error(&servers, env(&[("EU_URL", "postgresql://eu-db/app")]));
        assert!(
            message.starts_with(
                "ops/fleet.toml:10:8: the server `us` takes its URL from the variable US_URL, \
                 which is not set; nothing was run"
            ),
            "{message}"
        );
        let message = settings_error(
            &servers,
            env(&[("EU_URL", ""), ("US_URL", "postgresql://us-db/app")]),
        );
        assert!(
            message
                .contains("the server `eu` takes its URL from the variable EU_URL, which is empty"),
            "{message}"
        );
        let message = settings_error(
            &servers,
            env(&[
                ("EU_URL", "postgresql://ops:secret@eu-db:notaport/app"),
                ("US_URL", "postgresql://us-db/app"),
            ]),
        );
        assert!(
            message.starts_with("server `eu`: the database URL from EU_URL is invalid")
                && !message.contains("secret"),
            "{message}"
        );
    }

    fn settings_error(servers: &[Server], env: impl Fn(&str) -> Option<String>) -> String {
        match settings(servers, env) {
            Ok(_) => panic!("settings accepted"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn items_group_by_server_in_order_of_first_appearance() {
        let items = [("a", Some("eu")), ("b", Some("us")), ("c", Some("eu"))];
        let groups = by_server(&items, |(_, server)| *server);
        let names: Vec<(Option<&str>, Vec<&str>)> = groups
            .iter()
            .map(|(server, items)| (*server, items.iter().map(|(n, _)| *n).collect()))
            .collect();
        assert_eq!(
            names,
            [(Some("eu"), vec!["a", "c"]), (Some("us"), vec!["b"])]
        );
    }

    #[test]
    fn the_tenancy_comes_from_the_fleet_or_migrate_toml_and_they_must_agree() {
        let config = Path::new("migrations/migrate.toml");
        let text = "tenants = [\"a\"]\n";
        let unsaid = spec(&args(), Some((Path::new("f.toml"), text))).unwrap();
        assert_eq!(
            tenancy(&unsaid, Some(Tenancy::Schema), config).unwrap(),
            Tenancy::Schema
        );
        let error = tenancy(&unsaid, None, config).unwrap_err();
        assert!(
            error.message.contains("--tenancy schema|database")
                && error.message.contains("migrations/migrate.toml"),
            "{}",
            error.message
        );
        let said = spec(
            &args(),
            Some((
                Path::new("f.toml"),
                "tenancy = \"database\"\ntenants = [\"a\"]\n",
            )),
        )
        .unwrap();
        assert_eq!(tenancy(&said, None, config).unwrap(), Tenancy::Database);
        let error = tenancy(&said, Some(Tenancy::Schema), config).unwrap_err();
        assert!(
            error.message.starts_with(
                "the fleet asks for a database per tenant, but migrations/migrate.toml declares \
                 tenancy = \"schema\""
            ),
            "{}",
            error.message
        );
    }
}
