//! `migrate squash --until V`: the checkpoint `{V}_{name}.checkpoint.sql`, the schema and rows
//! that migrations up to V build, dumped by the real `pg_dump` from a throwaway database where
//! the runner replayed them (the machinery of `migrate drift`). Choosing `pg_dump` and turning
//! its output into a checkpoint are pure; running it and writing the file are the I/O edge.

use std::path::{Path, PathBuf};
use std::process::Command;

use migrate_lint::checkpoint;
use migrate_lint::Outcome;
use migrate_runtime::template::Throwaway;
use migrate_runtime::{HistoryTable, Tenancy};

use crate::args::SquashArgs;
use crate::connect::Target;
use crate::failure::Failure;
use crate::{load, render};

/// The rule of the checkpoint findings: the only errors a folder may have to be squashed (a
/// stale checkpoint is what squashing again fixes).
const CHECKPOINT_RULE: &str = "checkpoint";

/// Writes the checkpoint of the folder at `--until`, then checks the folder again.
pub fn run(args: &SquashArgs) -> Result<(), Failure> {
    let dir = &args.db.folder.dir;
    let shown = dir.display().to_string();
    let mut outcome = load::check(dir);
    if outcome.config.tenancy == Some(Tenancy::Schema) {
        return Err(Failure::usage(format!(
            "{shown}/migrate.toml sets `tenancy = \"schema\"`: pg_dump writes schema-qualified \
             names, so a checkpoint would build every tenant's objects in one schema; `migrate \
             squash` refuses such a folder, and its tenants replay the migrations"
        )));
    }
    outcome.diagnostics.retain(|d| d.rule != CHECKPOINT_RULE);
    // A checkpoint stands for versioned files only: the repeatable migrations run after it on
    // every fresh database, so the replay that is dumped leaves them out.
    outcome.repeatables.clear();
    let migrations = match load::migrations(&outcome) {
        Ok(set) => set,
        Err(errors) => {
            for d in errors {
                eprintln!("{}", render::frame(d));
            }
            return Err(Failure::findings(format!(
                "{}\n  = help: fix the files first (`migrate lint --dir {shown}`)",
                render::summary(&shown, outcome.migrations.len(), &outcome.diagnostics)
                    .trim_start_matches("error: ")
            )));
        }
    };
    let Some(last) = migrations.get(args.until) else {
        let known: Vec<String> = migrations.iter().map(|m| m.version().to_string()).collect();
        return Err(Failure::usage(format!(
            "--until {}: no migration of {shown} has that version (it has {})",
            args.until,
            known.join(", ")
        )));
    };
    // Beside the versioned file, named after it as written (`003_users.sql`, leading zeros).
    let up = Path::new(last.up().path());
    let stem = up
        .file_name()
        .and_then(|f| f.to_str())
        .and_then(|f| f.strip_suffix(".sql"))
        .expect("the checker accepts only `{version}_{name}.sql` up files");
    let path = dir.join(format!("{stem}.checkpoint.sql"));
    let mut runner = migrations.runner().checkpoints(false);
    if args.db.history_schema.is_some() || args.db.history_table.is_some() {
        let table = runner.table().clone();
        runner = runner.history_table(
            args.db.history_schema.as_deref().unwrap_or(table.schema()),
            args.db.history_table.as_deref().unwrap_or(table.table()),
        );
    }
    let target = Target::resolve(args.db.database_url.as_deref(), |name| {
        std::env::var(name).ok()
    })?;
    let server = server_major(&mut target.connect()?)?;
    let pg_dump = choose_pg_dump(args.pg_dump.as_deref(), server, |p| p.is_file());
    check_pg_dump(&pg_dump, server)?;
    let throwaway =
        Throwaway::from(postgres::Config::from(target.config.clone())).tls(target.tls()?);
    let table = runner.table().clone();
    let dump = throwaway
        .inspect_built(&runner, args.until, |config| dump(&pg_dump, config, &table))
        .map_err(Failure::from)??;
    let header = checkpoint::header(
        args.until,
        &checkpoint::combined(
            outcome
                .migrations
                .iter()
                .filter(|m| m.version <= args.until)
                .map(|m| (m.version, m.checksum.as_str())),
        ),
    );
    let text = checkpoint_text(&dump, &header, table.schema());
    std::fs::write(&path, &text)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
    let written = path.display().to_string();
    let again: Outcome = load::check(dir);
    let errors: Vec<_> = again.errors().filter(|d| d.path == written).collect();
    if !errors.is_empty() {
        for d in &errors {
            eprintln!("{}", render::frame(d));
        }
        return Err(Failure::findings(format!(
            "{written} was written but does not pass the checker (a bug: please report it with \
             the file)"
        )));
    }
    println!(
        "Wrote {written}: the schema and rows of the {} migration(s) up to {}, dumped by {}",
        outcome
            .migrations
            .iter()
            .filter(|m| m.version <= args.until)
            .count(),
        args.until,
        pg_dump.display()
    );
    Ok(())
}

/// The server's major version (`150018` -> 15).
fn server_major(client: &mut postgres::Client) -> Result<u32, Failure> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .map_err(|e| Failure::usage(format!("cannot read the server's version: {e}")))?;
    let number: i32 = row.get(0);
    Ok(u32::try_from(number).unwrap_or(0) / 10_000)
}

/// The `pg_dump` to run against a server of major version `major`: `--pg-dump PATH`, else the
/// one of that major in Debian's and Ubuntu's layout (`/usr/lib/postgresql/<major>/bin`) when
/// `exists`, else `pg_dump` on `PATH`. Pure.
fn choose_pg_dump(flag: Option<&Path>, major: u32, exists: impl Fn(&Path) -> bool) -> PathBuf {
    if let Some(path) = flag {
        return path.to_owned();
    }
    let matching = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin/pg_dump"));
    if exists(&matching) {
        return matching;
    }
    PathBuf::from("pg_dump")
}

/// The major version `pg_dump --version` prints (`pg_dump (PostgreSQL) 15.18 (Debian ...)` ->
/// 15). Pure.
fn dump_major(version: &str) -> Option<u32> {
    let number = version
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    number.split('.').next()?.parse().ok()
}

/// Fails unless `pg_dump` runs and is at least the server's major version (an older one
/// refuses to dump a newer server).
fn check_pg_dump(pg_dump: &Path, server: u32) -> Result<(), Failure> {
    let help = format!(
        "install PostgreSQL {server}'s client tools (Debian: `postgresql-client-{server}`), or \
         pass --pg-dump PATH"
    );
    let output = Command::new(pg_dump)
        .arg("--version")
        .output()
        .map_err(|e| {
            Failure::usage(format!(
                "cannot run {}: {e}\n  = help: {help}",
                pg_dump.display()
            ))
        })?;
    let version = String::from_utf8_lossy(&output.stdout);
    match dump_major(&version) {
        Some(major) if major >= server => Ok(()),
        found => {
            Err(Failure::usage(format!(
            "{} is {}, older than the server (PostgreSQL {server}): pg_dump cannot dump a newer \
             server\n  = help: {help}",
            pg_dump.display(),
            found.map_or_else(|| format!("`{}`", version.trim()), |m| format!("version {m}"))
        )))
        }
    }
}

/// What `pg_dump` is asked for: the schema and every row (as `INSERT`s naming their columns,
/// so seed rows of lookup tables survive), no owners (the runner's role owns what it creates),
/// no subscriptions, and neither the history table nor its side tables. Pure.
fn dump_args(table: &HistoryTable) -> Vec<String> {
    let mut args: Vec<String> = ["--column-inserts", "--no-owner", "--no-subscriptions"]
        .map(String::from)
        .to_vec();
    for name in [
        table.table().to_owned(),
        format!("{}_repairs", table.table()),
        format!("{}_repeatables", table.table()),
    ] {
        args.push(format!(
            "--exclude-table={}.{}",
            pattern_ident(table.schema()),
            pattern_ident(&name)
        ));
    }
    args
}

/// A name in a pg_dump pattern: double-quoted, so that no character of it is a wildcard and
/// its case is kept.
fn pattern_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Runs `pg_dump` against the database of `config`; its output.
fn dump(
    pg_dump: &Path,
    config: &postgres::Config,
    table: &HistoryTable,
) -> Result<String, Failure> {
    let mut command = Command::new(pg_dump);
    command.args(dump_args(table));
    if let Some(host) = config.get_hosts().first() {
        command.env(
            "PGHOST",
            match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            },
        );
    }
    if let Some(port) = config.get_ports().first() {
        command.env("PGPORT", port.to_string());
    }
    if let Some(user) = config.get_user() {
        command.env("PGUSER", user);
    }
    if let Some(password) = config.get_password() {
        command.env("PGPASSWORD", String::from_utf8_lossy(password).into_owned());
    }
    if let Some(db) = config.get_dbname() {
        command.env("PGDATABASE", db);
    }
    let output = command
        .output()
        .map_err(|e| Failure::usage(format!("cannot run {}: {e}", pg_dump.display())))?;
    if !output.status.success() {
        return Err(Failure::usage(format!(
            "{} failed ({}): {}",
            pg_dump.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    String::from_utf8(output.stdout).map_err(|e| {
        Failure::usage(format!(
            "{} wrote text that is not UTF-8: {e}",
            pg_dump.display()
        ))
    })
}

/// The checkpoint's text: `header`, then pg_dump's output without what belongs to its
/// session rather than to the schema: the `SET`s and the `search_path` of its preamble, its
/// `\restrict` lines, its version comments and its table-level `SET`s (the runner sets its
/// own). `check_function_bodies = false` is kept as `SET LOCAL` (the dump creates functions
/// before the tables their bodies read), and `CREATE SCHEMA` of the history table's schema,
/// which the runner creates first, gets `IF NOT EXISTS`. Deterministic: the same dump gives
/// the same bytes. Pure.
fn checkpoint_text(dump: &str, header: &str, history_schema: &str) -> String {
    let history = [
        format!("CREATE SCHEMA {history_schema};"),
        format!("CREATE SCHEMA {};", pattern_ident(history_schema)),
    ];
    let mut text = header.to_owned();
    let mut blank = false;
    for line in dump.lines() {
        let kept = match line {
            "SET check_function_bodies = false;" => "SET LOCAL check_function_bodies = false;",
            _ if line.starts_with("SET ")
                || line.starts_with("SELECT pg_catalog.set_config(")
                || line.starts_with("\\restrict ")
                || line.starts_with("\\unrestrict ")
                || line.starts_with("-- Dumped from ")
                || line.starts_with("-- Dumped by ") =>
            {
                continue
            }
            _ if history.iter().any(|h| h == line) => {
                text.push_str(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {};\n",
                    pattern_ident(history_schema)
                ));
                blank = false;
                continue;
            }
            line => line,
        };
        // Runs of blank lines (where the dropped lines were) become one.
        if kept.is_empty() && blank {
            continue;
        }
        blank = kept.is_empty();
        text.push_str(kept);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_dump_is_the_flag_else_the_servers_major_else_the_path() {
        let none = |_: &Path| false;
        let all = |_: &Path| true;
        assert_eq!(
            choose_pg_dump(Some(Path::new("/opt/pg/bin/pg_dump")), 15, all),
            Path::new("/opt/pg/bin/pg_dump")
        );
        assert_eq!(
            choose_pg_dump(None, 16, all),
            Path::new("/usr/lib/postgresql/16/bin/pg_dump")
        );
        assert_eq!(choose_pg_dump(None, 16, none), Path::new("pg_dump"));
        assert_eq!(
            dump_major("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(dump_major("pg_dump (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(dump_major("nothing"), None);
    }

    #[test]
    fn the_history_table_and_its_side_tables_are_left_out_by_exact_name() {
        let args = dump_args(&HistoryTable::new("app", "Schema_Migrations"));
        assert!(args.contains(&"--exclude-table=\"app\".\"Schema_Migrations\"".to_owned()));
        assert!(args.contains(&"--exclude-table=\"app\".\"Schema_Migrations_repairs\"".to_owned()));
        assert!(args.contains(&"--column-inserts".to_owned()));
    }

    #[test]
    fn the_session_of_the_dump_is_left_out_and_the_schema_kept() {
        let dump = "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n\n\
                    -- Dumped from database version 15.18\n-- Dumped by pg_dump version 15.18\n\n\
                    SET statement_timeout = 0;\n\
                    SELECT pg_catalog.set_config('search_path', '', false);\n\
                    SET check_function_bodies = false;\n\n\
                    --\n-- Name: app; Type: SCHEMA; Schema: -; Owner: -\n--\n\n\
                    CREATE SCHEMA app;\n\n\nSET default_tablespace = '';\n\n\
                    CREATE TABLE app.t (id integer);\n\
                    INSERT INTO app.t (id) VALUES (1);\n\n\\unrestrict abc\n";
        let text = checkpoint_text(dump, "-- header\n", "app");
        assert_eq!(
            text,
            "-- header\n--\n-- PostgreSQL database dump\n--\n\n\
             SET LOCAL check_function_bodies = false;\n\n\
             --\n-- Name: app; Type: SCHEMA; Schema: -; Owner: -\n--\n\n\
             CREATE SCHEMA IF NOT EXISTS \"app\";\n\n\
             CREATE TABLE app.t (id integer);\n\
             INSERT INTO app.t (id) VALUES (1);\n\n"
        );
        assert_eq!(text, checkpoint_text(dump, "-- header\n", "app"));
    }
}
