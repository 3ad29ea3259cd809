//! The command line: every subcommand and option, as `clap` reads them. Nothing here does I/O.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use migrate_lint::parse_duration;
use migrate_runtime::{PeerHistory, RepairAction, Tenancy, Tool, Version};

/// The text after `--help`: the exit codes and where the connection comes from.
const AFTER_HELP: &str = "\
Connection (status, plan, apply, rollback, baseline, repair, verify, drift, squash):
  --database-url, else DATABASE_URL, else the libpq variables PGHOST, PGPORT, PGUSER,
  PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT, PGAPPNAME. TLS follows
  sslmode as libpq: `require` encrypts without verifying the certificate, `verify-ca` and
  `verify-full` check it against sslrootcert (PGSSLROOTCERT). The password is never printed.
  `trace` creates a throwaway database on that server instead (--database-url: trace in it);
  `squash` creates one there too.

Every command reads the migration folder from --dir DIR (default: migrations).

Exit codes:
  0  success
  1  findings: lint errors, validation errors (modified, missing, out-of-order migrations),
     a failed migration, a checksum mismatch found by `verify`, drift found by `drift`, a
     refused rollback, baseline or repair,
     a lock held too long by another migrator, a blocking lock held over `trace --max-lock-hold`
  2  usage error (bad arguments, unknown version, no terminal to confirm on and no -y, an
     empty --reason),
     or the database could not be reached or queried
  3  `status --exit-code` only: migrations are pending";

/// `migrate`: check, create and apply compile-time checked PostgreSQL migrations.
#[derive(Debug, Parser)]
#[command(name = "migrate", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a migration folder with the same rules as the build; exit 1 on errors.
    Lint(LintArgs),
    /// Create the next migration file, following the folder's numbering (creating the folder
    /// when missing), and print its path.
    New(NewArgs),
    /// Show the applied and pending migrations and what validation finds.
    Status(StatusArgs),
    /// Dry run: the migrations `apply` would run (their SQL with --verbose). Changes nothing.
    Plan(PlanArgs),
    /// Apply the pending migrations (up to --target), each in its own transaction.
    Apply(ApplyArgs),
    /// Revert the migrations newer than --to with their down files, newest first.
    Rollback(RollbackArgs),
    /// Record the migrations up to VERSION as applied without running them (existing database).
    Baseline(BaselineArgs),
    /// Record in the history what a person fixed by hand (confirmed, with a reason, audited).
    ///
    /// Accept a changed checksum, forget a failed attempt, mark a version applied or not
    /// applied. Each asks for confirmation, needs a reason, holds the migration lock, refuses
    /// what would leave the history inconsistent, and writes an audit row (who, when, why,
    /// what) in the same transaction; `status` shows the newest repairs.
    Repair(RepairArgs),
    /// Compare the checksums of the applied migrations with the files; exit 1 on a mismatch.
    Verify(DbArgs),
    /// Compare the live schema with what its applied migrations build; exit 1 on drift.
    ///
    /// Under the migration lock, reads the history and the catalog; applies the applied
    /// versions, in their order, to a throwaway database on the same server (the user needs
    /// CREATEDB), reads it, drops it, and prints each missing, extra or changed object with
    /// both definitions. `[drift] ignore` in migrate.toml (and --ignore) leaves objects out.
    Drift(DriftArgs),
    /// Write the checkpoint of the migrations up to --until: what a fresh database runs instead
    /// of replaying them.
    ///
    /// Replays the migrations up to VERSION in a throwaway database on the server (the user
    /// needs CREATEDB), dumps its schema and rows with the real pg_dump (at least the server's
    /// version: --pg-dump, else `/usr/lib/postgresql/<major>/bin/pg_dump`, else pg_dump on PATH),
    /// and writes `{VERSION}_{name}.checkpoint.sql` beside the versioned file, with the combined
    /// checksum of the files it stands for. See docs/guide/checkpoints.md.
    Squash(SquashArgs),
    /// Convert another tool's migration folder into a new one of ours (sqlx, diesel, refinery,
    /// goose, dbmate, flyway), with a migrate.toml that marks the imported files as history.
    Import(ImportArgs),
    /// Apply the folder to a throwaway database filled with rows and measure, per statement,
    /// the locks taken and held, rewrites, scans and durations; exit 1 over --max-lock-hold.
    Trace(TraceArgs),
    /// Serve an editor over the Language Server Protocol on stdin and stdout: the findings of
    /// every migration folder's files as you type, quick fixes that allow a finding with a
    /// reason, and the rules explained on hover (see docs/guide/editor.md).
    Lsp,
}

/// How `lint` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Code frames, as rustc prints errors.
    Human,
    /// One JSON array on stdout, one object per finding.
    Json,
    /// GitHub Actions workflow commands: an annotation on the pull request per finding.
    Github,
    /// SARIF 2.1.0, for code scanning (e.g. GitHub's `upload-sarif`).
    Sarif,
    /// GitLab Code Quality: a JSON report for `artifacts: reports: codequality`.
    Gitlab,
    /// Markdown for a pull-request comment: the counts, then a table row per finding.
    Markdown,
}

/// The migration folder, read the same way by every command.
#[derive(Debug, Args)]
pub struct FolderArg {
    /// The migration folder.
    #[arg(long, default_value = "migrations", value_name = "DIR")]
    pub dir: PathBuf,
}

/// `migrate lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The migration folder.
    #[command(flatten)]
    pub folder: FolderArg,
    /// Deprecated spelling of `--dir DIR`, kept so that existing scripts keep working.
    #[arg(hide = true, value_name = "DIR", conflicts_with = "dir")]
    pub deprecated_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Report only the findings of the files that differ from this git revision (changed,
    /// added or not yet tracked): a pull request's own, e.g. `--changed-since origin/main`.
    /// The whole folder is still checked, in order, so the schema model is right.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Apply the mechanical fixes in place (`IF NOT EXISTS`, `IF EXISTS`, `OR REPLACE`, `SET
    /// LOCAL`, `CONCURRENTLY` in a no-transaction file), print the diff, then check again. Files
    /// up to `legacy_until` are never changed; a fix that needs a new file is printed as a plan.
    #[arg(long, conflicts_with = "changed_since")]
    pub fix: bool,
    /// With --fix: print the diff of what it would change, and write nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
}

impl LintArgs {
    /// The folder to check: `--dir`, or the deprecated positional form.
    pub fn dir(&self) -> &Path {
        self.deprecated_dir.as_deref().unwrap_or(&self.folder.dir)
    }
}

/// `migrate new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The migration's name: letters, digits, `_` and `-` (e.g. `add_users`).
    pub name: String,
    /// Also create the down file `{version}_{name}.down.sql`.
    #[arg(long)]
    pub down: bool,
    /// The migration folder.
    #[command(flatten)]
    pub folder: FolderArg,
}

/// The options of every command that talks to the database.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// The migration folder.
    #[command(flatten)]
    pub folder: FolderArg,
    /// PostgreSQL URL or key=value string (default: DATABASE_URL, then the PG* variables).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Schema of the history table, for this run (default: `migrate.toml`'s `[history]`, else
    /// `public`).
    #[arg(long, value_name = "SCHEMA")]
    pub history_schema: Option<String>,
    /// Name of the history table, for this run (default: `migrate.toml`'s `[history]`, else
    /// `schema_migrations`).
    #[arg(long, value_name = "TABLE")]
    pub history_table: Option<String>,
    /// How long to wait for another migrator's lock: `30s`, `500ms`, `2m` or seconds.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub lock_wait: Option<Duration>,
}

/// `migrate status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Connection and folder.
    #[command(flatten)]
    pub db: DbArgs,
    /// Exit 3 when migrations are pending (0 when the database is up to date).
    #[arg(long)]
    pub exit_code: bool,
    /// How the status of one database is printed: text, or one JSON object (applied, pending,
    /// findings, invalid indexes, the newest repairs).
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// A fleet of tenants instead of one database.
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `migrate drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Connection and folder.
    #[command(flatten)]
    pub db: DbArgs,
    /// How the differences are printed: text (each with both definitions), or one JSON object.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Compare this tenant's schema (schema per tenant) instead of the whole database.
    #[arg(long, value_name = "SCHEMA")]
    pub tenant_schema: Option<String>,
    /// Also leave out these objects, beside migrate.toml's `[drift] ignore`: `[kind:]name`,
    /// where a `*` at its end matches any rest (`extension:postgis`, `audit.*`). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub ignore: Vec<String>,
    /// Build the throwaway database by replaying every migration, not through the latest
    /// checkpoint: compares a database built through a checkpoint with the replay it stands
    /// for.
    #[arg(long)]
    pub no_checkpoint: bool,
    /// A fleet of tenants instead of one database: a line per tenant, then each drifted
    /// tenant's differences.
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// What a fleet does when a target fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// No new target starts; the running ones finish.
    Stop,
    /// The other targets go on.
    Continue,
}

/// `--fleet` and its options (`apply`, `status` and `drift`): a fleet of tenants.
#[derive(Debug, Clone, Default, Args)]
pub struct FleetArgs {
    /// Migrate a fleet of tenants described by this TOML file (tenancy, tenants or
    /// tenants_query, or `[[servers]]` each with its name, url_env and tenants; parallelism,
    /// canaries, wave, on_failure).
    #[arg(long, value_name = "FILE")]
    pub fleet: Option<PathBuf>,
    /// The tenants: a query whose first column lists them (schema or database names), run on
    /// the connection; with --tenancy, or overriding the fleet file's.
    #[arg(long, value_name = "SQL")]
    pub tenants_query: Option<String>,
    /// Schema per tenant or database per tenant (overrides the fleet file's).
    #[arg(long, value_parser = tenancy())]
    pub tenancy: Option<Tenancy>,
    /// How many tenants migrate at once, servers together (default 4).
    #[arg(long, value_name = "N")]
    pub parallelism: Option<usize>,
    /// The first N tenants (of each server) migrate first; if one fails, no other starts
    /// (default 0).
    #[arg(long, value_name = "N")]
    pub canaries: Option<usize>,
    /// After the canaries, tenants go in waves of N, each after the previous one ended.
    #[arg(long, value_name = "N")]
    pub wave: Option<usize>,
    /// When a tenant fails: stop starting new ones (default), or continue.
    #[arg(long, value_enum)]
    pub on_failure: Option<OnFailure>,
}

impl FleetArgs {
    /// Whether a fleet was asked for.
    pub fn is_fleet(&self) -> bool {
        self.fleet.is_some() || self.tenants_query.is_some()
    }
}

/// `migrate plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Connection and folder.
    #[command(flatten)]
    pub db: DbArgs,
    /// Show the SQL of each pending migration.
    #[arg(long, short)]
    pub verbose: bool,
    /// Plan as `apply --no-checkpoint` would: replay every migration on a database without
    /// history.
    #[arg(long)]
    pub no_checkpoint: bool,
}

/// `migrate squash`.
#[derive(Debug, Args)]
pub struct SquashArgs {
    /// Connection (the server of the throwaway database) and folder.
    #[command(flatten)]
    pub db: DbArgs,
    /// The last version the checkpoint stands for; it is written as
    /// `{VERSION}_{name}.checkpoint.sql`.
    #[arg(long, value_name = "VERSION")]
    pub until: Version,
    /// The pg_dump to run (at least the server's major version).
    #[arg(long, value_name = "PATH")]
    pub pg_dump: Option<PathBuf>,
}

/// `migrate apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Connection and folder.
    #[command(flatten)]
    pub db: DbArgs,
    /// Apply only up to this version (inclusive).
    #[arg(long, value_name = "VERSION")]
    pub target: Option<Version>,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long, short)]
    pub yes: bool,
    /// Show the SQL of each migration before it runs.
    #[arg(long, short)]
    pub verbose: bool,
    /// `lock_timeout` for each migration's statements, e.g. `5s`.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Option<Duration>,
    /// How many times a transactional migration whose lock_timeout expired runs again, after a
    /// growing sleep (default 5, or migrate.toml's `lock_retries`); 0: off, and no default
    /// lock_timeout (5s) either.
    #[arg(long, value_name = "N")]
    pub lock_retries: Option<u32>,
    /// `statement_timeout` for each migration's statements, e.g. `5m`.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub statement_timeout: Option<Duration>,
    /// Apply a pending migration older than the newest applied one instead of refusing.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// On a database without history, replay every migration instead of running the latest
    /// checkpoint (`{V}_{name}.checkpoint.sql`) up to the target.
    #[arg(long)]
    pub no_checkpoint: bool,
    /// A fleet of tenants instead of one database.
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// How a fleet's final report is printed: a table, or JSON (one object per tenant).
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

/// How `apply --fleet` prints its report and `status` the status of one database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: a line per tenant and the counts; the status as `migrate status` shows it.
    Text,
    /// JSON on stdout: an array with one object per tenant; one object for a status.
    Json,
}

/// `migrate rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Connection and folder.
    #[command(flatten)]
    pub db: DbArgs,
    /// Revert every applied migration newer than this version (`0`: all of them).
    #[arg(long, value_name = "VERSION")]
    pub to: Version,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

/// `migrate baseline`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["version", "from_history"]))]
pub struct BaselineArgs {
    /// Connection and folder.
    #[command(flatten)]
    pub db: DbArgs,
    /// The newest migration the database already has: it and every older one are recorded.
    pub version: Option<Version>,
    /// Record exactly what another tool's history table says is applied: sqlx, diesel,
    /// refinery, goose, dbmate, flyway, or a table `[SCHEMA.]TABLE` with a `version` column.
    #[arg(long, value_name = "TOOL|TABLE")]
    pub from_history: Option<PeerHistory>,
    /// Record the baseline even when the history table already holds rows.
    #[arg(long)]
    pub force: bool,
}

/// `migrate repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// What to repair.
    #[command(subcommand)]
    pub action: RepairCommand,
}

/// The repairs, one subcommand each.
#[derive(Debug, Subcommand)]
pub enum RepairCommand {
    /// The migration is applied and its file was changed on purpose: record the file's
    /// checksum as the applied one.
    AcceptChecksum(RepairTarget),
    /// Its last attempt failed (or was interrupted) and was dealt with by hand: forget that
    /// attempt, so the next `apply` runs it again from its first statement.
    ForgetFailure(RepairTarget),
    /// Its change is already in the database (made by hand): record it as applied without
    /// running it.
    MarkApplied(OrderedRepairTarget),
    /// Its change was undone by hand, or its file removed on purpose: forget its row, without
    /// running its down file.
    MarkNotApplied(OrderedRepairTarget),
}

impl RepairCommand {
    /// The action, its options, and whether it may leave a migration pending out of order.
    pub fn parts(&self) -> (RepairAction, &RepairTarget, bool) {
        match self {
            RepairCommand::AcceptChecksum(target) => (RepairAction::AcceptChecksum, target, false),
            RepairCommand::ForgetFailure(target) => (RepairAction::ForgetFailure, target, false),
            RepairCommand::MarkApplied(o) => {
                (RepairAction::MarkApplied, &o.target, o.allow_out_of_order)
            }
            RepairCommand::MarkNotApplied(o) => (
                RepairAction::MarkNotApplied,
                &o.target,
                o.allow_out_of_order,
            ),
        }
    }
}

/// The version a repair changes, and its options.
#[derive(Debug, Args)]
pub struct RepairTarget {
    /// Connection and folder.
    #[command(flatten)]
    pub db: DbArgs,
    /// The migration's version.
    pub version: Version,
    /// Why (what happened, who asked, the incident or ticket): recorded in the audit table
    /// with who and when. Required.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long, short)]
    pub yes: bool,
    /// Print what would change, or why it is refused, and stop: changes nothing, takes no lock.
    #[arg(long)]
    pub dry_run: bool,
}

/// A repair that may leave a migration pending below the newest applied one.
#[derive(Debug, Args)]
pub struct OrderedRepairTarget {
    /// The version and the options.
    #[command(flatten)]
    pub target: RepairTarget,
    /// Make the repair even when it leaves a migration pending below the newest applied one
    /// (`migrate apply --allow-out-of-order` then applies it).
    #[arg(long)]
    pub allow_out_of_order: bool,
}

/// `migrate import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The tool whose folder SRC is: sqlx, diesel, refinery, goose, dbmate or flyway.
    #[arg(long = "from", value_name = "TOOL")]
    pub tool: Tool,
    /// The other tool's migration folder (left unchanged).
    pub src: PathBuf,
    /// The folder to create (it must hold no `.sql` file and no migrate.toml yet).
    #[command(flatten)]
    pub folder: FolderArg,
}

/// `migrate trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The migration folder.
    #[command(flatten)]
    pub folder: FolderArg,
    /// Trace in this database instead of a throwaway one: it must have been created by a trace
    /// or hold no user table. Without it, a database `migrate_trace_*` is created on the server
    /// DATABASE_URL or the PG* variables name, and dropped at the end.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Rows put in each empty table before each traced file (0: none).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub rows: u64,
    /// Report only the migrations after this version (the older ones are applied untraced,
    /// with empty tables): e.g. the version production is at.
    #[arg(long, value_name = "VERSION")]
    pub from: Option<Version>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
    pub format: TraceFormat,
    /// Exit 1 when a lock that blocks reads or writes of a pre-existing table is held longer
    /// than this: `2s`, `500ms`.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_lock_hold: Option<Duration>,
    /// Set the checker's lock findings beside what the server did: each confirmed, contradicted
    /// or not judged, and each long work under a blocking lock that no finding reported (the
    /// checker runs without migrate.toml here, so nothing is hidden).
    #[arg(long)]
    pub judge: bool,
}

/// How `trace` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// A table per migration.
    Text,
    /// One JSON object on stdout; durations in milliseconds.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// `--tenancy`: one of the runtime's [`Tenancy`] values, listed in `--help`.
fn tenancy() -> impl TypedValueParser<Value = Tenancy> {
    PossibleValuesParser::new(Tenancy::ALL.map(|tenancy| {
        PossibleValue::new(tenancy.as_str()).help(match tenancy {
            Tenancy::Schema => "Each tenant is a schema of the database the connection names",
            Tenancy::Database => "Each tenant is a database of the server the connection names",
        })
    }))
    .map(|name| name.parse().expect("a possible value names a tenancy"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
