//! The database a trace runs in: by default a new one, `migrate_trace_<random>`, created on the
//! server the connection settings name and dropped at the end (also when the trace fails);
//! or the one `--database-url` names, which must have been created by a trace or hold no user
//! table, so that a trace can never write into a database that holds data.

use std::time::{SystemTime, UNIX_EPOCH};

use postgres::Client;

use crate::connect::Target;
use crate::failure::Failure;

/// How the comment a trace writes on the databases it creates starts (the creation time in Unix
/// seconds follows); a database given with `--database-url` whose comment starts so is the
/// trace's.
pub const MARKER: &str = "migrate trace: throwaway database, created at epoch ";

/// A throwaway database older than this without a connection was left by a killed trace: the
/// next trace on the server drops it.
const LEFTOVER_AGE_SECONDS: i64 = 3600;

/// The database a trace runs in.
pub struct Scratch {
    /// Its connection settings.
    pub target: Target,
    /// The server connection that created it, kept to drop it; `None` for a database the user
    /// named.
    creator: Option<(Client, String)>,
}

impl Scratch {
    /// Creates a new database on the server `server` names (its database is only connected to),
    /// marked as the trace's.
    pub fn create(server: &Target) -> Result<Self, Failure> {
        let mut admin = server.connect()?;
        drop_leftovers(&mut admin);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let nanos = now.subsec_nanos();
        let name = format!("migrate_trace_{}_{nanos:x}", std::process::id());
        // One statement per query: CREATE DATABASE refuses to run in a transaction block.
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| {
                Failure::usage(format!(
                    "could not create the throwaway database {name} on {}: {}\n  = help: the \
                     role needs CREATEDB; or create an empty database and name it with \
                     --database-url",
                    server.describe(),
                    server.redactor().redact(&database_error(&e))
                ))
            })?;
        let mut scratch = Self {
            target: server.clone(),
            creator: Some((admin, name.clone())),
        };
        scratch.target.config.dbname(&name);
        if let Some((admin, _)) = &mut scratch.creator {
            admin
                .batch_execute(&format!(
                    "COMMENT ON DATABASE {name} IS '{MARKER}{}'",
                    now.as_secs()
                ))
                .map_err(|e| Failure::usage(format!("{name}: {}", database_error(&e))))?;
        }
        Ok(scratch)
    }

    /// The database `target` names, when a trace created it or it holds no user table.
    pub fn adopt(target: &Target) -> Result<Self, Failure> {
        let mut client = target.connect()?;
        let row = client
            .query_one(
                "SELECT starts_with(coalesce(shobj_description(d.oid, 'pg_database'), ''), $1), \
                        (SELECT array_agg(n.nspname || '.' || c.relname ORDER BY c.oid) \
                         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                         WHERE c.relkind IN ('r', 'p', 'm', 'f') \
                           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                           AND n.nspname NOT LIKE 'pg\\_%' \
                           AND NOT EXISTS (SELECT FROM pg_depend e \
                                           WHERE e.classid = 'pg_class'::regclass \
                                             AND e.objid = c.oid AND e.deptype = 'e')) \
                 FROM pg_database d WHERE d.datname = current_database()",
                &[&MARKER],
            )
            .map_err(|e| Failure::usage(database_error(&e)))?;
        let marked: bool = row.get(0);
        let tables: Option<Vec<String>> = row.get(1);
        if let (false, Some(tables)) = (marked, tables) {
            return Err(Failure::usage(refusal(&target.describe(), &tables)));
        }
        Ok(Self {
            target: target.clone(),
            creator: None,
        })
    }

    /// `user@host:port/database`.
    pub fn describe(&self) -> String {
        self.target.describe()
    }

    /// Whether the trace created it (and drops it at the end).
    pub fn is_throwaway(&self) -> bool {
        self.creator.is_some()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some((admin, name)) = &mut self.creator {
            if let Err(e) =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            {
                eprintln!(
                    "warning: could not drop the throwaway database {name}: {}; drop it with \
                     `DROP DATABASE {name} WITH (FORCE)`",
                    database_error(&e)
                );
            }
        }
    }
}

/// Drops the throwaway databases of traces that were killed (Ctrl-C, a crash) before they
/// could drop their own: marked, older than [`LEFTOVER_AGE_SECONDS`], and without a connection.
/// A failure is only a warning: the trace does not depend on it.
fn drop_leftovers(admin: &mut Client) {
    let leftovers = admin.query(
        "SELECT d.datname FROM pg_database d \
         WHERE starts_with(coalesce(shobj_description(d.oid, 'pg_database'), ''), $1) \
           AND substring(shobj_description(d.oid, 'pg_database') FROM '([0-9]+)$')::bigint \
               < extract(epoch FROM now())::bigint - $2::bigint \
           AND NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.datid = d.oid)",
        &[&MARKER, &LEFTOVER_AGE_SECONDS],
    );
    let names: Vec<String> = match leftovers {
        Ok(rows) => rows.iter().map(|r| r.get(0)).collect(),
        Err(e) => {
            eprintln!(
                "warning: could not look for leftover trace databases: {}",
                database_error(&e)
            );
            return;
        }
    };
    for name in names {
        let drop = format!("DROP DATABASE IF EXISTS \"{}\"", name.replace('"', "\"\""));
        match admin.batch_execute(&drop) {
            Ok(()) => eprintln!("note: dropped {name}, left by a trace that was killed"),
            Err(e) => eprintln!("warning: could not drop {name}: {}", database_error(&e)),
        }
    }
}

/// Why a database holding user tables is refused, naming a few of them.
pub fn refusal(database: &str, tables: &[String]) -> String {
    let shown: Vec<&str> = tables.iter().take(3).map(String::as_str).collect();
    let more = if tables.len() > 3 { ", ..." } else { "" };
    format!(
        "refusing to trace in {database}: it holds {} user table(s) ({}{more}) and was not \
         created by `migrate trace`; a trace applies the migrations and writes rows into every \
         empty table\n  = help: leave out --database-url: the trace then creates a throwaway \
         database on the server DATABASE_URL or the PG* variables name, and drops it after; \
         or name an empty database",
        tables.len(),
        shown.join(", ")
    )
}

/// The server's message for a database error, else the error.
pub fn database_error(error: &postgres::Error) -> String {
    error
        .as_db_error()
        .map_or_else(|| error.to_string(), |d| d.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_database_and_some_tables_and_says_what_to_do() {
        let tables: Vec<String> = ["public.a", "public.b", "public.c", "app.d"]
            .map(String::from)
            .to_vec();
        let message = refusal("u@h:5432/prod", &tables);
        assert!(message.starts_with(
            "refusing to trace in u@h:5432/prod: it holds 4 user table(s) (public.a, public.b, \
             public.c, ...)"
        ));
        assert!(message.contains("= help: leave out --database-url"));
    }
}
