//! `migrate trace`: applies a folder to a throwaway database whose tables hold rows, and
//! measures on the real server what each statement does: the relation locks it takes (read from
//! `pg_locks` on a second connection while its transaction is open), those held at commit,
//! rewrites (`relfilenode` changed), sequential scans, its duration, and for each pre-existing
//! table how long a lock that blocks reads or writes was held.
//!
//! The decisions ([`model`]) and the rendering ([`render`]) are pure; [`observe`] reads the
//! server, [`fill`] writes the rows, [`scratch`] owns the database; this module runs the files.

mod fill;
mod judge;
mod model;
mod observe;
mod render;
mod scratch;

use std::time::{Duration, Instant};

use migrate_runtime::{Migration, Migrations, Settings, Transaction};
use postgres::Client;

use crate::args::{TraceArgs, TraceFormat};
use crate::connect::Target;
use crate::failure::Failure;
use crate::session;
use fill::Filler;
use model::{MigrationTrace, Observed, StatementTrace, Trace};
use observe::{Catalog, ScanCounts, ScanSource};
use scratch::{database_error, Scratch};

/// How many characters of a statement the trace shows.
const STATEMENT_WIDTH: usize = 60;

/// Runs `migrate trace`: exit 1 when a migration fails or a blocking hold is over the budget.
pub fn run(args: &TraceArgs) -> Result<(), Failure> {
    let (migrations, config) = session::checked(&args.folder.dir)?;
    let env = |name: &str| std::env::var(name).ok();
    let scratch = match &args.database_url {
        Some(url) => Scratch::adopt(&Target::resolve(Some(url), env)?)?,
        None => Scratch::create(&Target::resolve(None, env)?)?,
    };
    eprintln!(
        "tracing in {} ({})",
        scratch.describe(),
        if scratch.is_throwaway() {
            "a throwaway database, dropped at the end"
        } else {
            "the database --database-url names, left as the trace leaves it"
        }
    );
    let mut trace = Trace {
        folder: args.folder.dir.display().to_string(),
        rows: args.rows,
        unfilled: Vec::new(),
        migrations: Vec::new(),
        budget: args.max_lock_hold.or(config.max_lock_hold),
        failure: None,
        judgement: None,
    };
    let failed = Tracer::connect(&scratch)
        .and_then(|mut tracer| tracer.trace_all(&migrations, args, &mut trace))
        .err();
    trace.failure = failed.as_ref().map(|f| f.message.clone());
    if args.judge {
        trace.judgement = Some(judge::judge(&trace, &unhidden_findings(&args.folder.dir)?));
    }
    print!(
        "{}",
        match args.format {
            TraceFormat::Text => render::text(&trace),
            TraceFormat::Json => render::json(&trace),
            TraceFormat::Markdown => render::markdown(&trace),
        }
    );
    if let Some(failure) = failed {
        return Err(failure);
    }
    match render::budget_verdict(&trace) {
        Some((false, verdict)) => Err(Failure::findings(format!(
            "{verdict}\n  = help: shorten what runs while the lock is held (split the \
             migration, build indexes CONCURRENTLY, add constraints NOT VALID and validate \
             them in a later file, backfill in batches outside the DDL's transaction)"
        ))),
        _ => Ok(()),
    }
}

/// Every finding of the checker on `dir`, without its `migrate.toml` (as `scripts/oracle`
/// runs it): `legacy_until` and the configured allows hide nothing from the judge.
fn unhidden_findings(dir: &std::path::Path) -> Result<Vec<migrate_lint::Diagnostic>, Failure> {
    let entries = migrate_lint::discover::read_dir(dir)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", dir.display())))?
        .into_iter()
        .filter(|e| e.name != migrate_lint::CONFIG_FILE)
        .collect();
    Ok(migrate_lint::check_entries(&dir.display().to_string(), entries).diagnostics)
}

/// The two connections of a trace: `run` applies the migrations, `watch` reads its locks.
struct Tracer {
    run: Client,
    watch: Client,
    /// The backend of `run`.
    pid: i32,
    /// Whether the server can publish a backend's scan counts on demand (PostgreSQL 15+), which
    /// no-transaction statements need.
    flushes: bool,
}

impl Tracer {
    fn connect(scratch: &Scratch) -> Result<Self, Failure> {
        let mut run = scratch.target.connect()?;
        let watch = scratch.target.connect()?;
        let row = run
            .query_one(
                "SELECT pg_backend_pid(), current_setting('server_version_num')::int >= 150000",
                &[],
            )
            .map_err(|e| Failure::usage(database_error(&e)))?;
        Ok(Self {
            run,
            watch,
            pid: row.get(0),
            flushes: row.get(1),
        })
    }

    /// Runs every migration in order; those after `--from` are filled before and reported.
    fn trace_all(
        &mut self,
        migrations: &Migrations,
        args: &TraceArgs,
        trace: &mut Trace,
    ) -> Result<(), Failure> {
        let mut filler = Filler::new(args.rows);
        for m in migrations {
            let reported = args.from.is_none_or(|from| m.version() > from);
            if reported {
                filler.fill(&mut self.run).map_err(|e| {
                    Failure::usage(format!(
                        "filling the tables before {}: {}",
                        m.up().path(),
                        database_error(&e)
                    ))
                })?;
                trace.unfilled.clone_from(&filler.unfilled);
            }
            let traced = self
                .migration(m, migrations.settings())
                .map_err(|e| e.into_failure(m))?;
            if reported {
                trace.migrations.push(traced);
            }
        }
        Ok(())
    }

    /// Applies one migration as the runner would (with `migrate.toml`'s `lock_timeout` and
    /// `statement_timeout`, when it sets them), observing each statement.
    fn migration(
        &mut self,
        m: &Migration,
        settings: &Settings,
    ) -> Result<MigrationTrace, StepError> {
        let script = m.up();
        let transactional = script.transaction() == Transaction::Single;
        let before = observe::catalog(&mut self.run)?;
        let pre_existing: Vec<String> = before
            .values()
            .filter(|r| r.is_table())
            .map(|r| r.name.clone())
            .collect();
        let existed: Vec<observe::Oid> = before.keys().copied().collect();
        let mut state = State {
            catalog: before,
            locks: Vec::new(),
            scans: ScanCounts::new(),
        };
        let set = timeouts(settings, if transactional { "SET LOCAL" } else { "SET" });
        if transactional {
            self.run.batch_execute(&format!("BEGIN; {set}"))?;
            state.scans = observe::scan_counts(&mut self.run, ScanSource::Transaction)?;
        } else {
            self.run.batch_execute(&set)?;
        }
        let mut statements = Vec::new();
        for (i, statement) in script.statements().iter().enumerate() {
            let sql = script.statement_sql(statement);
            let observed = if transactional {
                self.in_transaction(i, sql, &mut state)
            } else {
                self.polled(i, sql, &mut state)
            };
            match observed {
                Ok(mut s) => {
                    s.line = script.line_col(statement.start()).0;
                    // By object id: a name the file dropped and created again is new.
                    let still: Vec<String> = state
                        .catalog
                        .iter()
                        .filter(|(oid, _)| existed.contains(oid))
                        .map(|(_, r)| r.name.clone())
                        .collect();
                    s.long_work = model::long_work(&s.scans, &s.rewrites, &still);
                    statements.push(s);
                }
                Err(e) => {
                    if transactional {
                        let _ = self.run.batch_execute("ROLLBACK");
                    }
                    return Err(e);
                }
            }
        }
        let mut commit = Duration::ZERO;
        if transactional {
            let start = Instant::now();
            self.run.batch_execute("COMMIT")?;
            commit = start.elapsed();
        } else {
            self.run
                .batch_execute("RESET lock_timeout; RESET statement_timeout")?;
        }
        Ok(MigrationTrace {
            version: m.version().to_string(),
            path: script.path().to_owned(),
            transactional,
            holds: model::holds(&statements, commit, transactional, &pre_existing),
            statements,
            held_at_commit: if transactional {
                state.locks
            } else {
                Vec::new()
            },
            commit,
        })
    }

    /// One statement inside the migration's open transaction: its locks are read after it,
    /// while they are still held.
    fn in_transaction(
        &mut self,
        index: usize,
        sql: &str,
        state: &mut State,
    ) -> Result<StatementTrace, StepError> {
        let start = Instant::now();
        self.run
            .batch_execute(sql)
            .map_err(|error| StepError::Statement { index, error })?;
        let duration = start.elapsed();
        let seen = observe::relation_locks(&mut self.watch, self.pid)?;
        let catalog = observe::catalog(&mut self.run)?;
        let scans = observe::scan_counts(&mut self.run, ScanSource::Transaction)?;
        let locks = observe::named(&seen, [&catalog, &state.catalog]);
        let statement = StatementTrace {
            line: 0,
            sql: model::one_line(sql, STATEMENT_WIDTH),
            observed: Observed::InTransaction,
            locks: model::new_locks(&state.locks, &locks),
            rewrites: observe::rewrites(&state.catalog, &catalog),
            scans: observe::scans(&state.scans, &scans, &catalog),
            long_work: false,
            duration,
        };
        *state = State {
            catalog,
            locks,
            scans,
        };
        Ok(statement)
    }

    /// One statement of a no-transaction file, alone in autocommit: its locks are polled while
    /// it runs.
    fn polled(
        &mut self,
        index: usize,
        sql: &str,
        state: &mut State,
    ) -> Result<StatementTrace, StepError> {
        let before = if self.flushes {
            observe::scan_counts(&mut self.run, ScanSource::Flushed)?
        } else {
            ScanCounts::new()
        };
        let run = &mut self.run;
        let ((result, duration), seen) = observe::polled(&mut self.watch, self.pid, || {
            let start = Instant::now();
            (run.batch_execute(sql), start.elapsed())
        });
        result.map_err(|error| StepError::Statement { index, error })?;
        let seen = seen?;
        let observed = if seen.reads == 0 {
            Observed::TooShort
        } else {
            Observed::Polled
        };
        let catalog = observe::catalog(&mut self.run)?;
        let after = if self.flushes {
            observe::scan_counts(&mut self.run, ScanSource::Flushed)?
        } else {
            ScanCounts::new()
        };
        let statement = StatementTrace {
            line: 0,
            sql: model::one_line(sql, STATEMENT_WIDTH),
            observed,
            locks: observe::named(&seen.locks, [&catalog, &state.catalog]),
            rewrites: observe::rewrites(&state.catalog, &catalog),
            scans: observe::scans(&before, &after, &catalog),
            long_work: false,
            duration,
        };
        state.catalog = catalog;
        Ok(statement)
    }
}

/// `SET [LOCAL] lock_timeout = ...; ...` for the timeouts `settings` configure (`verb` is `SET`
/// or `SET LOCAL`); empty when they configure none.
fn timeouts(settings: &Settings, verb: &str) -> String {
    [
        ("lock_timeout", settings.lock_timeout()),
        ("statement_timeout", settings.statement_timeout()),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        // A sub-millisecond timeout must not turn into "none".
        value.map(|v| {
            format!(
                "{verb} {name} = {}; ",
                v.as_millis().max(u128::from(!v.is_zero()))
            )
        })
    })
    .collect()
}

/// What the server showed after the previous statement of a migration.
struct State {
    catalog: Catalog,
    locks: Vec<model::Lock>,
    scans: ScanCounts,
}

/// Why a migration stopped.
enum StepError {
    /// A statement failed.
    Statement {
        index: usize,
        error: postgres::Error,
    },
    /// `BEGIN`, `COMMIT` or a read of the server's views failed.
    Outside(postgres::Error),
}

impl From<postgres::Error> for StepError {
    fn from(error: postgres::Error) -> Self {
        Self::Outside(error)
    }
}

impl StepError {
    /// The failure, naming the file (and the statement's line and column).
    fn into_failure(self, m: &Migration) -> Failure {
        let script = m.up();
        match self {
            Self::Statement { index, error } => {
                let statement = &script.statements()[index];
                let (line, column) = script.line_col(statement.start());
                Failure::findings(format!(
                    "{}:{line}:{column}: the statement failed on the trace's database: {}\n  \
                     = help: `migrate apply` would fail the same way on a database like it; \
                     fix the migration (the trace filled each empty table with generated rows, \
                     which a new constraint or cast may refuse: try `--rows 0`)",
                    script.path(),
                    database_error(&error),
                ))
            }
            Self::Outside(error) => Failure::usage(format!(
                "{}: the trace's database could not be queried: {}",
                script.path(),
                database_error(&error)
            )),
        }
    }
}
