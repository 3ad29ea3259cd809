//! Each subcommand: read the folder, talk to the database through the runner, print. The
//! decisions live in the other modules and in the runner; this is the I/O edge.

use std::time::{Duration, Instant};

use migrate_runtime::Severity;

use crate::args::{
    ApplyArgs, BaselineArgs, Cli, Command, DbArgs, Format, LintArgs, NewArgs, PlanArgs,
    RollbackArgs,
};
use crate::failure::{self, Failure};
use crate::session::Session;
use crate::{confirm, load, new, render};

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
        Command::Verify(args) => verify(&args),
    }
}

fn lint(args: &LintArgs) -> Result<(), Failure> {
    let outcome = load::check(&args.dir);
    match args.format {
        Format::Json => println!("{}", render::json(&outcome.diagnostics)),
        Format::Human => {
            for d in &outcome.diagnostics {
                println!("{}", render::frame(d));
            }
            let summary = render::summary(
                &args.dir.display().to_string(),
                outcome.migrations.len(),
                &outcome.diagnostics,
            );
            println!("{summary}");
        }
    }
    if outcome.has_errors() {
        Err(Failure::findings(""))
    } else {
        Ok(())
    }
}

fn create(args: &NewArgs) -> Result<(), Failure> {
    for path in new::create(&args.dir, &args.name, args.down)? {
        println!("{}", path.display());
    }
    Ok(())
}

fn status(args: &DbArgs) -> Result<(), Failure> {
    let mut s = Session::open(args)?;
    let status = s.runner.status(&mut s.client).map_err(|e| s.fail(e))?;
    println!("Database: {}", s.target);
    println!("History table: {}", s.runner.table().qualified());
    println!("{status}");
    Ok(())
}

fn plan(args: &PlanArgs) -> Result<(), Failure> {
    let mut s = Session::open(&args.db)?;
    let plan = s.runner.plan(&mut s.client).map_err(|e| s.fail(e))?;
    if args.verbose {
        print!("{plan}");
    } else {
        if plan.pending().is_empty() {
            println!("Nothing to apply: {} migration(s) applied", plan.applied());
        } else {
            println!("Would apply {} migration(s):", plan.pending().len());
            for p in plan.pending() {
                println!("  • {}", p.migration().up().path());
            }
        }
        for finding in plan.findings() {
            println!("{finding}");
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
        if let Some(help) = failure::cli_help(&error) {
            message.push_str(&format!("\n  = help: {help}"));
        }
        return Err(Failure::findings(message));
    }
    Ok(())
}

fn ms(duration: Duration) -> u128 {
    duration.as_millis()
}

fn apply(args: &ApplyArgs) -> Result<(), Failure> {
    confirm::ensure_possible(args.yes, "apply migrations")?;
    let mut s = Session::open(&args.db)?;
    let mut runner = s.runner.clone().allow_out_of_order(args.allow_out_of_order);
    if let Some(t) = args.lock_timeout {
        runner = runner.lock_timeout(t);
    }
    if let Some(t) = args.statement_timeout {
        runner = runner.statement_timeout(t);
    }
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
        eprintln!("{warning}");
    }
    if !errors.is_empty() {
        // The runner's own error, as `run` would return it.
        return Err(s.fail(migrate_runtime::Error::Validation(errors)));
    }
    let pending: Vec<_> = plan
        .pending()
        .iter()
        .filter(|p| args.target.map_or(true, |t| p.version() <= t))
        .collect();
    if pending.is_empty() {
        println!("Nothing to do: {} migration(s) applied", plan.applied());
        return Ok(());
    }
    println!("Pending on {}:", s.target);
    for p in &pending {
        println!("  • {}", p.migration().up().path());
    }
    let question = format!("Apply {} migration(s) to {}?", pending.len(), s.target);
    if !confirm::ask(args.yes, &question)? {
        return Err(Failure::usage("not confirmed; nothing was applied"));
    }
    let started = Instant::now();
    let mut applied = 0;
    let mut total = plan.applied();
    for p in pending {
        let path = p.migration().up().path();
        println!("→ applying {path}");
        if args.verbose {
            for statement in p.statements() {
                for line in statement.lines() {
                    println!("    {line}");
                }
            }
        }
        match runner.run_to(&mut s.client, p.version()) {
            Ok(report) => {
                if report.steps.is_empty() {
                    println!("✓ {path} was applied meanwhile by another migrator");
                }
                for step in &report.steps {
                    let resumed = step.resumed_at.map_or(String::new(), |at| {
                        format!(" (resumed at statement {})", at + 1)
                    });
                    println!(
                        "✓ applied {} in {}ms{resumed}",
                        step.path,
                        ms(step.duration)
                    );
                }
                applied += report.steps.len();
                total = report.applied_total;
            }
            Err(error) => {
                println!("✗ {path} failed");
                return Err(s.fail(error));
            }
        }
    }
    println!(
        "Applied {applied} migration(s) in {}ms; {total} migration(s) applied in total",
        ms(started.elapsed())
    );
    Ok(())
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
    // One at a time, each line printed as it starts: the next one down is the version to keep.
    let started = Instant::now();
    let (mut reverted, mut total) = (0, 0);
    for (i, m) in steps.iter().enumerate() {
        let keep = steps.get(i + 1).map_or(args.to, |next| next.version());
        let path = m.down().map_or("", |d| d.path());
        println!("→ reverting {path}");
        match s.runner.rollback_to(&mut s.client, keep) {
            Ok(report) => {
                for step in &report.steps {
                    println!("✓ reverted {} in {}ms", step.path, ms(step.duration));
                }
                reverted += report.steps.len();
                total = report.applied_total;
            }
            Err(error) => {
                println!("✗ {path} failed");
                return Err(s.fail(error));
            }
        }
    }
    println!(
        "Reverted {reverted} migration(s) in {}ms; {total} migration(s) applied in total",
        ms(started.elapsed())
    );
    Ok(())
}

fn baseline(args: &BaselineArgs) -> Result<(), Failure> {
    let mut s = Session::open(&args.db)?;
    let runner = s.runner.clone().force_baseline(args.force);
    let report = runner
        .baseline(&mut s.client, args.version)
        .map_err(|e| s.fail(e))?;
    println!("{report}");
    Ok(())
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
            ("MISSING", format!(": no file in {}", args.dir.display()))
        } else {
            ("ok", String::new())
        };
        println!("{label:<9}{} {}{note}", row.version, row.name);
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
        eprintln!("{finding}");
    }
    println!(
        "Verified {} applied migration(s): {} modified, {} missing",
        status.applied.len(),
        modified.len(),
        missing.len()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::findings(format!(
            "{} applied migration(s) do not match {}",
            problems.len(),
            args.dir.display()
        )))
    }
}
