//! `apply --fleet` and `status --fleet`: one folder applied to many tenants (schemas or
//! databases) with the runtime's [`Fleet`]. [`spec`] merges the fleet file and the flags (pure);
//! the rest lists the tenants, runs the fleet with a live progress line, and prints the report.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use migrate_runtime::fleet::{self, Fleet, FleetEvent, FleetReport, Outcome, Target};
use migrate_runtime::{Event, Runner};
use serde::Deserialize;

use migrate_runtime::Tenancy;

use crate::args::{FleetArgs, OnFailure, ReportFormat};
use crate::failure::{self, Failure};

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

/// A fleet as the file and the flags describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Schema or database per tenant, when the flags or the file say (else `migrate.toml`'s:
    /// see [`tenancy`]).
    pub tenancy: Option<Tenancy>,
    /// The tenants.
    pub tenants: Tenants,
    /// How many at once.
    pub parallelism: usize,
    /// How many canaries.
    pub canaries: usize,
    /// The wave size after the canaries.
    pub wave: Option<usize>,
    /// What a failure does.
    pub on_failure: OnFailure,
}

/// The fleet the flags and the fleet file (`(path, text)`, when given) describe; a flag wins
/// over the file. Pure: the file is read by the caller.
pub fn spec(args: &FleetArgs, file: Option<(&Path, &str)>) -> Result<Spec, Failure> {
    let parsed: FleetFile = match file {
        Some((path, text)) => toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
            Failure::usage(format!(
                "{}:{line}:{column}: {}\n  = help: a fleet file holds tenancy = \"schema\" or \
                 \"database\", tenants = [...] or tenants_query = \"SELECT ...\", and optionally \
                 parallelism, canaries, wave and on_failure = \"stop\" or \"continue\"",
                path.display(),
                e.message()
            ))
        })?,
        None => FleetFile::default(),
    };
    let tenancy = args.tenancy.or(parsed.tenancy);
    let tenants = match (&args.tenants_query, parsed.tenants_query, parsed.tenants) {
        (Some(query), _, _) => Tenants::Query(query.clone()),
        (None, Some(_), Some(_)) => {
            return Err(Failure::usage(
                "the fleet file gives both tenants and tenants_query: keep one",
            ))
        }
        (None, Some(query), None) => Tenants::Query(query),
        (None, None, Some(list)) => Tenants::List(list),
        (None, None, None) => {
            return Err(Failure::usage(
                "a fleet needs its tenants: write tenants = [\"...\"] or tenants_query = \
                 \"SELECT ...\" in the fleet file, or pass --tenants-query",
            ))
        }
    };
    Ok(Spec {
        tenancy,
        tenants,
        parallelism: args.parallelism.or(parsed.parallelism).unwrap_or(4).max(1),
        canaries: args.canaries.or(parsed.canaries).unwrap_or(0),
        wave: args.wave.or(parsed.wave),
        on_failure: args
            .on_failure
            .or(parsed.on_failure)
            .unwrap_or(OnFailure::Stop),
    })
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

/// The tenants' names: the list, or the query's first column on `client`.
pub fn names(spec: &Spec, client: &mut postgres::Client) -> Result<Vec<String>, Failure> {
    match &spec.tenants {
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

/// The runtime's fleet for `spec`.
pub fn fleet(spec: &Spec, runner: Runner, targets: Vec<Target>) -> Fleet {
    let mut fleet = Fleet::new(runner, targets)
        .parallelism(spec.parallelism)
        .canaries(spec.canaries)
        .on_failure(match spec.on_failure {
            OnFailure::Stop => fleet::OnFailure::Stop,
            OnFailure::Continue => fleet::OnFailure::Continue,
        });
    if let Some(wave) = spec.wave {
        fleet = fleet.wave(wave);
    }
    fleet
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
                FleetEvent::Started { target } => {
                    state
                        .running
                        .insert((*target).to_owned(), "connecting".to_owned());
                }
                FleetEvent::Step {
                    target,
                    event: Event::Started { path, .. },
                } => {
                    let file = path.rsplit('/').next().unwrap_or(path);
                    state.running.insert((*target).to_owned(), file.to_owned());
                }
                FleetEvent::Done { target, outcome } => {
                    state.running.remove(*target);
                    state.done += 1;
                    if matches!(outcome, Outcome::Failed(_)) {
                        state.failed += 1;
                    }
                    match &bar {
                        Some(bar) => bar.inc(1),
                        None => eprintln!("{}", done_line(target, outcome)),
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

/// The report as `format` asks: the runtime's table, or a JSON array (one object per target:
/// target, canary, outcome, applied versions, elapsed_ms, and error with its message, and for
/// a failed migration its SQLSTATE and `file:line:col`).
pub fn render(report: &FleetReport, format: ReportFormat) -> String {
    match format {
        ReportFormat::Text => format!("{}\n", report.display_with(&failure::in_flag_terms)),
        ReportFormat::Json => {
            let targets: Vec<serde_json::Value> = report
                .targets
                .iter()
                .map(|t| {
                    let (outcome, applied, error) = match &t.outcome {
                        Outcome::Applied(r) => ("applied", r.versions(), None),
                        Outcome::Current(_) => ("current", Vec::new(), None),
                        Outcome::Failed(e) => ("failed", Vec::new(), Some(e)),
                        _ => ("not reached", Vec::new(), None),
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
                        "outcome": outcome,
                        "applied": applied.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "elapsed_ms": t.elapsed.as_millis() as u64,
                        "error": error,
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&targets).expect("JSON values serialise")
            )
        }
    }
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
                tenants: Tenants::List(vec!["a".into(), "b".into()]),
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
        assert_eq!(spec.tenants, Tenants::Query("SELECT 'c'".into()));
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
