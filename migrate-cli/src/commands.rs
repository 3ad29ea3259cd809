//! Each subcommand: read the folder, talk to the database through the runner, print. The
//! decisions live in the other modules and in the runner; this is the I/O edge.

use std::time::Duration;

use migrate_runtime::template::Throwaway;
use migrate_runtime::{Event, Operation, Repair, Report, Runner, Severity};

use crate::args::{
    ApplyArgs, BaselineArgs, Cli, Command, DbArgs, DriftArgs, Format, LintArgs, NewArgs, OnFailure,
    PlanArgs, RepairArgs, ReportFormat, RollbackArgs, StatusArgs,
};
use crate::failure::{self, Failure};
use crate::session::Session;
use crate::{changed, confirm, fix, fleet, import, load, new, render};

/// Runs the command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Lint(args) => lint(&args),
        Command::New(args) => create(&args),
        Command::Status(args) => status(&args),
        Command::Plan(args) => plan(&args),
        Command::Apply(args) => apply(&args),
        Command::Rollback(args) => rollback(&args),
        Command::Baseline(args) => baseline(&args),
        Command::Repair(args) => repair(&args),
        Command::Verify(args) => verify(&args),
        Command::Drift(args) => drift(&args),
        Command::Squash(args) => crate::squash::run(&args),
        Command::Trace(args) => crate::trace::run(&args),
        Command::Lsp => crate::lsp::run(),
        Command::Import(args) => {
            print!(
                "{}",
                import::import(args.tool, &args.src, &args.folder.dir)?
            );
            Ok(())
        }
    }
}

fn lint(args: &LintArgs) -> Result<(), Failure> {
    let dir = args.dir();
    if args.deprecated_dir.is_some() {
        eprintln!(
            "warning: `migrate lint DIR` is deprecated; write `migrate lint --dir {}`, as for \
             every other command",
            dir.display()
        );
    }
    let mut outcome = match args.fix {
        true if args.format != Format::Human => {
            return Err(Failure::usage(
                "`--fix` prints a diff for a person to read: use it without `--format` (or \
                 with `--format human`), then run `migrate lint --format ...` for CI",
            ))
        }
        true => fix::run(dir, args.dry_run)?,
        false => load::check(dir),
    };
    if let Some(revision) = &args.changed_since {
        let changed = changed::since(dir, revision)?;
        changed::keep(&mut outcome.diagnostics, &changed);
    }
    print!(
        "{}",
        render::report(args.format, &dir.display().to_string(), &outcome)
    );
    if outcome.has_errors() {
        Err(Failure::findings(""))
    } else {
        Ok(())
    }
}

fn create(args: &NewArgs) -> Result<(), Failure> {
    for path in new::create(&args.folder.dir, &args.name, args.down)? {
        println!("{}", path.display());
    }
    Ok(())
}

fn status(args: &StatusArgs) -> Result<(), Failure> {
    if args.fleet.is_fleet() {
        if args.format == ReportFormat::Json {
            return Err(Failure::usage(
                "`status --format json` prints the status of one database; `status --fleet` \
                 prints a line per tenant: drop one of --format json and --fleet",
            ));
        }
        return status_fleet(args);
    }
    let mut s = Session::open(&args.db)?;
    let status = s.runner.status(&mut s.client).map_err(|e| s.fail(e))?;
    let table = s.runner.table().qualified();
    match args.format {
        ReportFormat::Json => print!("{}", crate::status::json(&s.target, &table, &status)),
        ReportFormat::Text => {
            println!("Database: {}", s.target);
            println!("History table: {table}");
            println!("{status}");
        }
    }
    if args.exit_code && !status.plan.is_current() {
        return Err(Failure::pending());
    }
    Ok(())
}

fn plan(args: &PlanArgs) -> Result<(), Failure> {
    let mut s = Session::open_with(&args.db, |runner| runner.checkpoints(!args.no_checkpoint))?;
    let plan = s.runner.plan(&mut s.client).map_err(|e| s.fail(e))?;
    if args.verbose {
        print!("{plan}");
    } else {
        if plan.is_current() {
            println!("Nothing to apply: {} migration(s) applied", plan.applied());
        } else if !plan.pending().is_empty() {
            println!("Would apply {} migration(s):", plan.pending().len());
            print_pending(&plan, None);
        }
        if !plan.repeatables().is_empty() {
            println!(
                "Would apply {} repeatable migration(s) after them:",
                plan.repeatables().len()
            );
            for p in plan.repeatables() {
                let why = if p.recorded_checksum().is_some() {
                    "changed"
                } else {
                    "new"
                };
                println!("  • {} ({why})", p.repeatable().script().path());
            }
        }
        for finding in plan.findings() {
            println!("{}", finding.fact());
        }
        for gone in plan.repeatables_gone() {
            println!("warning: {}", migrate_runtime::RepeatableGone(gone));
        }
    }
    if plan.has_errors() {
        let errors = plan
            .findings()
            .iter()
            .filter(|f| f.severity == Severity::Error);
        let error = migrate_runtime::Error::Validation(errors.cloned().collect());
        let mut message =
            "validation failed: `migrate apply` would refuse to run (see above)".to_owned();
        for help in failure::cli_help(&error) {
            message.push_str(&format!("\n  = help: {help}"));
        }
        return Err(Failure::findings(message));
    }
    Ok(())
}

/// The pending migrations of `plan` up to `target`, a line each: its checkpoint first (when
/// the run uses it), standing for those up to its version, then the files replayed.
fn print_pending(plan: &migrate_runtime::Plan, target: Option<migrate_runtime::Version>) {
    let checkpoint = plan
        .checkpoint()
        .filter(|c| target.is_none_or(|t| c.version() <= t));
    if let Some(checkpoint) = checkpoint {
        println!(
            "  • {} (the checkpoint of the {} migration(s) up to {}, in one transaction)",
            checkpoint.script().path(),
            checkpoint.covers().len(),
            checkpoint.version()
        );
    }
    let after = checkpoint.map(|c| c.version());
    let replayed = plan.pending().iter().filter(|p| {
        after.is_none_or(|v| p.version() > v) && target.is_none_or(|t| p.version() <= t)
    });
    for p in replayed {
        println!("  • {}", p.migration().up().path());
    }
}

fn ms(duration: Duration) -> u128 {
    duration.as_millis()
}

/// `runner` with `apply`'s options.
fn apply_options(args: &ApplyArgs, runner: Runner) -> Runner {
    let mut runner = runner
        .allow_out_of_order(args.allow_out_of_order)
        .checkpoints(!args.no_checkpoint);
    if let Some(t) = args.lock_timeout {
        runner = runner.lock_timeout(t);
    }
    if let Some(n) = args.lock_retries {
        runner = runner.lock_retries(n);
    }
    if let Some(t) = args.statement_timeout {
        runner = runner.statement_timeout(t);
    }
    runner
}

fn apply(args: &ApplyArgs) -> Result<(), Failure> {
    confirm::ensure_possible(args.yes, "apply migrations")?;
    if args.fleet.is_fleet() {
        return apply_fleet(args);
    }
    let mut s = Session::open_with(&args.db, |runner| apply_options(args, runner))?;
    let runner = s.runner.clone();
    if let Some(target) = args.target {
        if s.migrations.get(target).is_none() {
            // The runner refuses it before doing anything, naming the known versions.
            if let Err(error) = runner.run_to(&mut s.client, target) {
                return Err(s.fail(error));
            }
        }
    }
    let plan = runner.plan(&mut s.client).map_err(|e| s.fail(e))?;
    let (errors, warnings): (Vec<_>, Vec<_>) = plan
        .findings()
        .iter()
        .cloned()
        .partition(|f| f.severity == Severity::Error);
    for warning in &warnings {
        eprintln!("{}", warning.fact());
    }
    if !errors.is_empty() {
        // The runner's own error, as `run` would return it.
        return Err(s.fail(migrate_runtime::Error::Validation(errors)));
    }
    let pending: Vec<_> = plan
        .pending()
        .iter()
        .filter(|p| args.target.is_none_or(|t| p.version() <= t))
        .collect();
    // The repeatable migrations run after every versioned one: not on the way to an earlier
    // target.
    let newest = s.migrations.iter().map(|m| m.version()).max();
    let repeatables = match args.target.is_none_or(|t| newest.is_none_or(|n| n <= t)) {
        true => plan.repeatables(),
        false => &[],
    };
    if pending.is_empty() && repeatables.is_empty() {
        println!("Nothing to do: {} migration(s) applied", plan.applied());
        return Ok(());
    }
    println!("Pending on {}:", s.target);
    print_pending(&plan, args.target);
    for r in repeatables {
        println!("  • {} (repeatable)", r.repeatable().script().path());
    }
    let question = match repeatables.len() {
        0 => format!("Apply {} migration(s) to {}?", pending.len(), s.target),
        n => format!(
            "Apply {} migration(s) and {n} repeatable migration(s) to {}?",
            pending.len(),
            s.target
        ),
    };
    if !confirm::ask(args.yes, &question)? {
        return Err(Failure::usage("not confirmed; nothing was applied"));
    }
    let runner = runner
        .only(pending.iter().map(|p| p.version()))
        .observe(progress(args.verbose));
    let report = match (args.target, pending.last()) {
        (Some(_), Some(last)) => runner.run_to(&mut s.client, last.version()),
        _ => runner.run(&mut s.client),
    }
    .map_err(|e| s.fail(e))?;
    finish("Applied", &report);
    Ok(())
}

/// Prints each step of `apply` and `rollback` as the runner reports it: `→` as it starts (with
/// its statements when `verbose`), `✓` or `✗` as it ends, and lock-timeout retries.
fn progress(verbose: bool) -> impl Fn(&Event<'_>) + Send + Sync + 'static {
    move |event| match event {
        Event::Started {
            operation,
            migration,
            path,
            resume_at,
        } => {
            let verb = match operation {
                Operation::Rollback => "reverting",
                _ => "applying",
            };
            println!("→ {verb} {path}");
            if verbose && *operation == Operation::Apply {
                let up = migration.up();
                for statement in &up.statements()[*resume_at..] {
                    for line in up.statement_sql(statement).lines() {
                        println!("    {line}");
                    }
                }
            }
        }
        Event::Retrying {
            path,
            attempt,
            retries,
            sleep,
            blocked_by,
            ..
        } => {
            let blockers: Vec<String> = blocked_by.iter().map(ToString::to_string).collect();
            eprintln!(
                "⟳ {path} waited longer than its lock_timeout and was rolled back (blocked by {}); \
                 retry {attempt} of {retries} in {}ms",
                if blockers.is_empty() {
                    "a session that has since let go".to_owned()
                } else {
                    blockers.join("; ")
                },
                ms(*sleep)
            );
        }
        Event::Finished { operation, step } => {
            let resumed = step.resumed_at.map_or(String::new(), |at| {
                format!(" (resumed at statement {})", at + 1)
            });
            let done = match operation {
                Operation::Rollback => "reverted",
                _ => "applied",
            };
            println!("✓ {done} {} in {}ms{resumed}", step.path, ms(step.duration));
        }
        Event::AppliedElsewhere { migration } => println!(
            "✓ {} was applied meanwhile by another migrator",
            migration.up().path()
        ),
        Event::Failed { path, .. } => println!("✗ {path} failed"),
        Event::OlderServer { server, target } => eprintln!(
            "warning: the server runs PostgreSQL {server}, older than PostgreSQL {target}, the \
             version the migrations were checked for (`postgres` in migrate.toml): a statement \
             newer than the server fails when it runs"
        ),
        _ => {}
    }
}

/// `Applied 3 migration(s) in 12ms; 7 migration(s) applied in total`, with `heading` first,
/// after a line per repeatable migration applied (which ran after them).
fn finish(heading: &str, report: &Report) {
    for step in &report.repeatables {
        println!("✓ applied {} in {}ms", step.path, ms(step.duration));
    }
    let repeatables = match report.repeatables.len() {
        0 => String::new(),
        n => format!("; {n} repeatable migration(s) applied"),
    };
    println!(
        "{heading} {} migration(s) in {}ms; {} migration(s) applied in total{repeatables}",
        report.steps.len(),
        ms(report.elapsed),
        report.applied_total
    );
}

fn apply_fleet(args: &ApplyArgs) -> Result<(), Failure> {
    if args.target.is_some() {
        return Err(Failure::usage(
            "--target applies to one database; a fleet applies every migration to each tenant",
        ));
    }
    let opened = fleet::open(&args.fleet, &args.db, |runner| apply_options(args, runner))?;
    let spec = &opened.spec;
    if opened.targets.is_empty() {
        println!("Nothing to do: no tenant listed");
        return Ok(());
    }
    eprintln!(
        "Fleet on {}: {} tenant(s), a {} each; {} at once, {} canary(ies){}, on failure {}",
        opened.place,
        opened.targets.len(),
        opened.tenancy,
        spec.parallelism,
        spec.canaries,
        match &spec.servers {
            fleet::Servers::Several(_) => " per server",
            fleet::Servers::One(_) => "",
        },
        match spec.on_failure {
            OnFailure::Stop => "stop",
            OnFailure::Continue => "continue",
        }
    );
    let question = format!(
        "Apply the pending migrations of {} to {} tenant(s)?",
        args.db.folder.dir.display(),
        opened.targets.len()
    );
    if !confirm::ask(args.yes, &question)? {
        return Err(Failure::usage("not confirmed; nothing was applied"));
    }
    let total = opened.targets.len();
    let fleet = fleet::fleet(spec, opened.runner, opened.targets);
    let report = fleet::run_with_progress(fleet, opened.tls);
    print!("{}", fleet::render(&report, args.format));
    match report.failures().count() {
        0 if report.is_success() => Ok(()),
        failed => Err(Failure::findings(format!(
            "{failed} of {total} tenant(s) failed"
        ))),
    }
}

/// `N tenant(s): what` for a whole fleet, or `Server eu: N tenant(s): what` for one server of
/// several (`server`); `extra` when some could not be read.
fn fleet_tally(
    server: Option<&str>,
    servers: usize,
    tenants: usize,
    what: &str,
    extra: String,
) -> String {
    match server {
        Some(server) => format!("Server {server}: {tenants} tenant(s): {what}{extra}"),
        None if servers > 1 => format!("{servers} server(s), {tenants} tenant(s): {what}{extra}"),
        None => format!("{tenants} tenant(s): {what}{extra}"),
    }
}

/// What a target's line of a fleet's report says, for the tallies.
enum Mark {
    /// Nothing to report.
    Clean,
    /// What the report counts (pending migrations, drift).
    Flagged,
    /// It could not be read.
    Failed,
}

impl Mark {
    fn from_flag(flagged: bool) -> Self {
        if flagged {
            Mark::Flagged
        } else {
            Mark::Clean
        }
    }
}

/// Prints a line per target (`line`), grouped by server (`server`), each server of several
/// under its name and followed by its tally (`words`: what the flagged and the failed are
/// called). The number of servers, and of flagged and failed targets in all.
fn print_by_server<'a, T>(
    targets: &'a [T],
    server: impl Fn(&'a T) -> Option<&'a str>,
    mut line: impl FnMut(&'a T) -> (Mark, String),
    (flagged_word, failed_word): (&str, &str),
) -> (usize, usize, usize) {
    let groups = fleet::by_server(targets, server);
    let (mut flagged, mut failed) = (0, 0);
    for (server, targets) in &groups {
        if let Some(server) = server {
            println!("Server {server}");
        }
        let (mut here_flagged, mut here_failed) = (0, 0);
        for t in targets {
            let (mark, text) = line(t);
            match mark {
                Mark::Clean => {}
                Mark::Flagged => here_flagged += 1,
                Mark::Failed => here_failed += 1,
            }
            println!("{text}");
        }
        if server.is_some() {
            println!(
                "{}",
                fleet_tally(
                    *server,
                    1,
                    targets.len(),
                    &format!("{here_flagged} {flagged_word}"),
                    besides(here_failed, failed_word)
                )
            );
        }
        flagged += here_flagged;
        failed += here_failed;
    }
    (groups.len(), flagged, failed)
}

/// `, 2 unreadable` when `n` is not 0.
fn besides(n: usize, what: &str) -> String {
    if n > 0 {
        format!(", {n} {what}")
    } else {
        String::new()
    }
}

fn status_fleet(args: &StatusArgs) -> Result<(), Failure> {
    let opened = fleet::open(&args.fleet, &args.db, |runner| runner)?;
    let statuses = fleet::fleet(&opened.spec, opened.runner, opened.targets).status(opened.tls);
    let width = statuses.iter().map(|t| t.target.len()).max().unwrap_or(0);
    let (servers, pending, unreadable) = print_by_server(
        &statuses,
        |t| t.server.as_deref(),
        |t| match &t.status {
            Ok(status) => {
                let repeatables = match status.plan.repeatables().len() {
                    0 => String::new(),
                    n => format!(", {n} repeatable(s) to apply"),
                };
                let line = format!(
                    "{:<width$}  {} applied, {} pending{repeatables}",
                    t.target,
                    status.applied.len(),
                    status.pending().len()
                );
                (Mark::from_flag(!status.plan.is_current()), line)
            }
            Err(error) => (
                Mark::Failed,
                format!("{:<width$}  ✗ {}", t.target, failure::describe(error)),
            ),
        },
        ("with pending migrations", "unreadable"),
    );
    println!(
        "{}",
        fleet_tally(
            None,
            servers,
            statuses.len(),
            &format!("{pending} with pending migrations"),
            besides(unreadable, "unreadable")
        )
    );
    if unreadable > 0 {
        Err(Failure::usage(format!(
            "the status of {unreadable} tenant(s) could not be read"
        )))
    } else if args.exit_code && pending > 0 {
        Err(Failure::pending())
    } else {
        Ok(())
    }
}

fn rollback(args: &RollbackArgs) -> Result<(), Failure> {
    confirm::ensure_possible(args.yes, "roll back migrations")?;
    let mut s = Session::open(&args.db)?;
    // Refused (no down file, not in this folder, changed) before anything is asked or reverted.
    let steps = s
        .runner
        .rollback_plan(&mut s.client, args.to)
        .map_err(|e| s.fail(e))?;
    if steps.is_empty() {
        println!(
            "Nothing to roll back: no applied migration is newer than {}",
            args.to
        );
        return Ok(());
    }
    println!("Would revert on {}, newest first:", s.target);
    for m in &steps {
        println!("  • {} {}", m.version(), m.name());
    }
    let question = format!(
        "Revert {} migration(s) on {}? Their down files may destroy data.",
        steps.len(),
        s.target
    );
    if !confirm::ask(args.yes, &question)? {
        return Err(Failure::usage("not confirmed; nothing was rolled back"));
    }
    let report = s
        .runner
        .clone()
        .only(steps.iter().map(|m| m.version()))
        .observe(progress(false))
        .rollback_to(&mut s.client, args.to)
        .map_err(|e| s.fail(e))?;
    finish("Reverted", &report);
    Ok(())
}

fn baseline(args: &BaselineArgs) -> Result<(), Failure> {
    let mut s = Session::open(&args.db)?;
    let runner = s.runner.clone().force_baseline(args.force);
    let report = match (&args.from_history, args.version) {
        (Some(history), _) => runner.baseline_from_history(&mut s.client, history.clone()),
        (None, Some(version)) => runner.baseline(&mut s.client, version),
        (None, None) => unreachable!("clap requires VERSION or --from-history"),
    }
    .map_err(|e| s.fail(e))?;
    println!("{report}");
    Ok(())
}

fn repair(args: &RepairArgs) -> Result<(), Failure> {
    let (action, target, allow_out_of_order) = args.action.parts();
    if !target.dry_run {
        confirm::ensure_possible(target.yes, "repair the history")?;
    }
    let mut s = Session::open_with(&target.db, |runner| {
        runner.allow_out_of_order(allow_out_of_order)
    })?;
    let (user, host) = client_identity();
    let repair = Repair::new(action, target.version, target.reason.as_str()).client(user, host);
    // Refused (no reason, nothing to repair, an inconsistent history) before anything is asked.
    let change = s
        .runner
        .repair_plan(&mut s.client, repair.clone())
        .map_err(|e| s.fail(e))?;
    println!(
        "Repair on {}, history table {}:",
        s.target,
        s.runner.table().qualified()
    );
    println!(
        "  migration {} ({}): {} -> {}",
        change.version, change.name, change.before, change.after
    );
    println!("  reason: {}", repair.reason());
    if target.dry_run {
        println!("Dry run: nothing was changed");
        return Ok(());
    }
    let question = format!(
        "Repair migration {} ({action}) on {}? Who, when and why are recorded.",
        change.version, s.target
    );
    if !confirm::ask(target.yes, &question)? {
        return Err(Failure::usage("not confirmed; nothing was changed"));
    }
    let change = s
        .runner
        .repair(&mut s.client, repair.confirmed(change))
        .map_err(|e| s.fail(e))?;
    println!("Repaired: {change}");
    Ok(())
}

/// The operating-system user and host running the command, for a repair's audit row: `USER`
/// (else `LOGNAME`, `USERNAME`), and the kernel's host name (else `HOSTNAME`).
fn client_identity() -> (Option<String>, Option<String>) {
    let variable = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    let user = variable("USER")
        .or_else(|| variable("LOGNAME"))
        .or_else(|| variable("USERNAME"));
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| {
            let name = std::fs::read_to_string(path).ok()?.trim().to_owned();
            (!name.is_empty()).then_some(name)
        })
        .or_else(|| variable("HOSTNAME"));
    (user, host)
}

/// `runner` with `drift`'s options: `--ignore` beside `migrate.toml`'s patterns, the tenant
/// schema.
fn drift_options(args: &DriftArgs, runner: Runner) -> Runner {
    let configured = runner
        .migrations()
        .settings()
        .drift_ignore()
        .unwrap_or_default();
    let patterns: Vec<String> = configured
        .iter()
        .map(ToString::to_string)
        .chain(args.ignore.iter().cloned())
        .collect();
    let runner = runner
        .drift_ignore(patterns)
        .checkpoints(!args.no_checkpoint);
    match &args.tenant_schema {
        Some(schema) => runner.tenant_schema(schema),
        None => runner,
    }
}

fn drift(args: &DriftArgs) -> Result<(), Failure> {
    if args.fleet.is_fleet() {
        if args.format == ReportFormat::Json || args.tenant_schema.is_some() {
            return Err(Failure::usage(
                "`drift --fleet` prints a line per tenant and compares each tenant's schema or \
                 database: drop --format json and --tenant-schema, or --fleet",
            ));
        }
        return drift_fleet(args);
    }
    let mut s = Session::open_with(&args.db, |runner| drift_options(args, runner))?;
    let throwaway =
        Throwaway::from(postgres::Config::from(s.settings.config.clone())).tls(s.settings.tls()?);
    let drift = s
        .runner
        .drift(&mut s.client, &throwaway)
        .map_err(|e| s.fail(e))?;
    match args.format {
        ReportFormat::Json => print!("{}", crate::drift::json(&s.target, &drift)),
        ReportFormat::Text => {
            println!("Database: {}", s.target);
            println!("{drift}");
        }
    }
    if drift.drifted() {
        return Err(Failure::findings(""));
    }
    Ok(())
}

fn drift_fleet(args: &DriftArgs) -> Result<(), Failure> {
    let opened = fleet::open(&args.fleet, &args.db, |runner| drift_options(args, runner))?;
    let drifts = fleet::fleet(&opened.spec, opened.runner, opened.targets).drift(opened.tls);
    let width = drifts.iter().map(|t| t.target.len()).max().unwrap_or(0);
    let mut drifted = Vec::new();
    let (servers, _, unreadable) = print_by_server(
        &drifts,
        |t| t.server.as_deref(),
        |t| match &t.drift {
            Ok(drift) if drift.drifted() => {
                drifted.push((t, drift));
                let line = format!(
                    "{:<width$}  ✗ {} object(s) differ",
                    t.target,
                    drift.differences.len()
                );
                (Mark::Flagged, line)
            }
            Ok(drift) => (
                Mark::Clean,
                format!(
                    "{:<width$}  = no drift ({} objects)",
                    t.target, drift.compared
                ),
            ),
            Err(error) => (
                Mark::Failed,
                format!("{:<width$}  ✗ {}", t.target, failure::describe(error)),
            ),
        },
        ("drifted", "not compared"),
    );
    for (t, drift) in &drifted {
        println!(
            "\n{}: {drift}",
            fleet::label(t.server.as_deref(), &t.target)
        );
    }
    println!(
        "{}",
        fleet_tally(
            None,
            servers,
            drifts.len(),
            &format!("{} drifted", drifted.len()),
            besides(unreadable, "not compared")
        )
    );
    if unreadable > 0 {
        Err(Failure::usage(format!(
            "{unreadable} tenant(s) could not be compared"
        )))
    } else if !drifted.is_empty() {
        Err(Failure::findings(""))
    } else {
        Ok(())
    }
}

fn verify(args: &DbArgs) -> Result<(), Failure> {
    let mut s = Session::open(args)?;
    let status = s.runner.status(&mut s.client).map_err(|e| s.fail(e))?;
    let modified = status.modified();
    let missing = status.missing();
    for row in &status.applied {
        let (label, note) = if modified.contains(&row.version) {
            let file = s.migrations.get(row.version).map_or("?", |m| m.checksum());
            (
                "MODIFIED",
                format!(": applied checksum {}, file checksum {file}", row.checksum),
            )
        } else if missing.contains(&row.version) {
            (
                "MISSING",
                format!(": no file in {}", args.folder.dir.display()),
            )
        } else {
            ("ok", String::new())
        };
        println!("{label:<9}{} {}{note}", row.version, row.name);
    }
    // A changed repeatable migration is pending (the next run applies it), not an error.
    for row in &status.repeatables {
        let label = match status.plan.repeatables().iter().find(|p| p.repeatable().name() == row.name) {
            Some(p) => format!(
                "CHANGED  R__{}.sql: applied checksum {}, file checksum {} (the next run applies it)",
                row.name,
                row.checksum,
                p.repeatable().checksum()
            ),
            None if status.plan.repeatables_gone().contains(row) => {
                format!("GONE     R__{}.sql: no file in {}", row.name, args.folder.dir.display())
            }
            None => format!("ok       R__{}.sql", row.name),
        };
        println!("{label}");
    }
    let problems: Vec<_> = status
        .findings()
        .iter()
        .filter(|f| {
            f.severity == Severity::Error
                && (modified.contains(&f.kind.version()) || missing.contains(&f.kind.version()))
        })
        .collect();
    for finding in &problems {
        eprintln!("{}", finding.fact());
    }
    for invalid in &status.invalid_indexes {
        eprintln!("error: {invalid}");
    }
    println!(
        "Verified {} applied migration(s): {} modified, {} missing, {} invalid index(es)",
        status.applied.len(),
        modified.len(),
        missing.len(),
        status.invalid_indexes.len()
    );
    if !status.repeatables.is_empty() {
        println!(
            "Verified {} applied repeatable migration(s): {} changed (pending), {} gone",
            status.repeatables.len(),
            status
                .plan
                .repeatables()
                .iter()
                .filter(|p| p.recorded_checksum().is_some())
                .count(),
            status.plan.repeatables_gone().len()
        );
    }
    if !problems.is_empty() {
        let mut message = format!(
            "{} applied migration(s) do not match {}",
            problems.len(),
            args.folder.dir.display()
        );
        let error = migrate_runtime::Error::Validation(problems.into_iter().cloned().collect());
        for help in failure::cli_help(&error) {
            message.push_str(&format!("\n  = help: {help}"));
        }
        Err(Failure::findings(message))
    } else if !status.invalid_indexes.is_empty() {
        Err(Failure::findings(format!(
            "{} index(es) built by applied migrations are INVALID",
            status.invalid_indexes.len()
        )))
    } else {
        Ok(())
    }
}
