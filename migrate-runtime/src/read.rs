//! Reading the history table: the queries of [`crate::history`] run on a connection, their
//! answers parsed into rows and checked against the table's expected shape
//! ([`history::COLUMNS`]). A table of another shape is an error naming every difference, never
//! a silent reuse.

use postgres::error::SqlState;
use postgres::SimpleQueryMessage;

use crate::conn::Connection;
use crate::error::Error;
use crate::history::{self, Applied, Detail, History, HistoryRow, HistoryTable};
use crate::repeatable::{self, AppliedRepeatable};
use crate::sql;
use migrate_core::Version;

/// Runs one query on the history table: `None` when the table does not exist, a shape error
/// naming every difference when a column is missing.
pub(crate) async fn query_history<C: Connection>(
    conn: &mut C,
    table: &HistoryTable,
    sql: &str,
) -> Result<Option<Vec<SimpleQueryMessage>>, Error> {
    match conn.query(sql).await {
        Ok(messages) => Ok(Some(messages)),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Ok(None),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_COLUMN) => {
            let shape = conn
                .query(&table.shape_sql())
                .await
                .map_err(Error::db("read the history table's columns"))?;
            Err(shape_error(table, &shape))
        }
        Err(e) => Err(Error::db("read the history table")(e)),
    }
}

/// Reads the rows of the repeatable migrations' table: `None` when it does not exist (no
/// repeatable migration was ever applied).
pub(crate) async fn read_repeatables<C: Connection>(
    conn: &mut C,
    table: &HistoryTable,
) -> Result<Option<Vec<AppliedRepeatable>>, Error> {
    match conn.query(&repeatable::read_sql(table)).await {
        Ok(messages) => Ok(Some(repeatable::parse_rows(&messages))),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Ok(None),
        Err(e) => Err(Error::db("read the repeatable migrations' table")(e)),
    }
}

pub(crate) async fn read<C: Connection>(
    conn: &mut C,
    table: &HistoryTable,
    detail: Detail,
) -> Result<History, Error> {
    match query_history(conn, table, &table.read_sql(detail)).await? {
        Some(messages) => Ok(History::Rows(parse_read(table, &messages)?)),
        None => Ok(History::Missing),
    }
}

/// Reads the history, creating the table (and schema) in the same round trip when missing.
pub(crate) async fn read_or_create<C: Connection>(
    conn: &mut C,
    table: &HistoryTable,
) -> Result<Vec<HistoryRow>, Error> {
    match read(conn, table, Detail::Lean).await? {
        History::Rows(rows) => Ok(rows),
        History::Missing => {
            let sql = format!("{};\n{}", table.create_sql(), table.read_sql(Detail::Lean));
            let messages = conn
                .query(&sql)
                .await
                .map_err(Error::db("create the history table"))?;
            parse_read(table, &messages)
        }
    }
}

/// Interprets the answer of [`HistoryTable::read_sql`]: checks the shape, parses the rows.
pub(crate) fn parse_read(
    table: &HistoryTable,
    messages: &[SimpleQueryMessage],
) -> Result<Vec<HistoryRow>, Error> {
    let mut rows = Vec::new();
    for (i, row) in sql::rows(messages).enumerate() {
        if i == 0 {
            check_shape(table, row.get(0), row.get(1))?;
        }
        if row.get(2).is_some() {
            rows.push(parse_row(table, row)?);
        }
    }
    rows.sort_by_key(|r| r.version);
    Ok(rows)
}

/// Interprets the answer of [`HistoryTable::applied_sql`] after [`split_backend`].
pub(crate) fn parse_applied<'a>(
    table: &HistoryTable,
    messages: &'a [SimpleQueryMessage],
) -> Result<Vec<Applied<'a>>, Error> {
    sql::rows(messages)
        .map(|row| {
            let cells = Cells::new(table, row, 0)?;
            Ok(Applied {
                version: cells.version,
                checksum: cells.get(1).ok_or_else(|| cells.bad("checksum"))?,
                success: cells.flag(2, "success")?,
            })
        })
        .collect()
}

/// Interprets the answer of [`HistoryTable::shape_sql`] after the read failed on a column.
pub(crate) fn shape_error(table: &HistoryTable, messages: &[SimpleQueryMessage]) -> Error {
    let row = sql::rows(messages).next();
    let columns = row.and_then(|r| r.get(0));
    let primary_key = row.and_then(|r| r.get(1));
    Error::HistoryShape {
        table: table.clone(),
        differences: shape_differences(columns.unwrap_or(""), primary_key),
    }
}

fn check_shape(
    table: &HistoryTable,
    columns: Option<&str>,
    primary_key: Option<&str>,
) -> Result<(), Error> {
    let differences = shape_differences(columns.unwrap_or(""), primary_key);
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Error::HistoryShape {
            table: table.clone(),
            differences,
        })
    }
}

/// Compares `name type,name type,...` and the primary key columns with the expected shape.
fn shape_differences(columns: &str, primary_key: Option<&str>) -> Vec<String> {
    let actual: Vec<(&str, &str)> = columns
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| c.split_once(' ').unwrap_or((c, "")))
        .collect();
    let mut differences = Vec::new();
    for (name, expected) in history::COLUMNS {
        match actual.iter().find(|(n, _)| *n == name) {
            None => differences.push(format!("column {name} ({expected}) is missing")),
            Some((_, found)) if *found != expected => {
                differences.push(format!("column {name} is {found}, expected {expected}"))
            }
            Some(_) => {}
        }
    }
    for (name, found) in &actual {
        if !history::COLUMNS.iter().any(|(n, _)| n == name) {
            differences.push(format!("unexpected column {name} ({found})"));
        }
    }
    if primary_key != Some("version") {
        differences.push(format!(
            "the primary key is {}, expected (version)",
            primary_key.map_or_else(|| "missing".to_owned(), |k| format!("({k})"))
        ));
    }
    differences
}

fn parse_row(table: &HistoryTable, row: &postgres::SimpleQueryRow) -> Result<HistoryRow, Error> {
    let cells = Cells::new(table, row, 2)?;
    Ok(HistoryRow {
        version: cells.version,
        name: cells.text(1, "name")?,
        checksum: cells.text(2, "checksum")?,
        applied_at: cells.optional(3).unwrap_or_default(),
        execution_ms: sql::parse(cells.get(4)),
        success: cells.flag(5, "success")?,
        error: cells.optional(6),
        statements_done: sql::parse(cells.get(7)),
    })
}

/// The cells of one history row whose first `skip` cells are not the row's, indexed from its
/// `version`; the errors name the table, the column and the version.
struct Cells<'t, 'a> {
    table: &'t HistoryTable,
    row: &'a postgres::SimpleQueryRow,
    skip: usize,
    version: Version,
}

impl<'t, 'a> Cells<'t, 'a> {
    fn new(
        table: &'t HistoryTable,
        row: &'a postgres::SimpleQueryRow,
        skip: usize,
    ) -> Result<Self, Error> {
        let version = sql::parse(row.get(skip)).ok_or_else(|| Error::HistoryRow {
            table: table.clone(),
            problem: "version is not a number".into(),
        })?;
        Ok(Self {
            table,
            row,
            skip,
            version,
        })
    }

    fn get(&self, column: usize) -> Option<&'a str> {
        self.row.get(self.skip + column)
    }

    fn optional(&self, column: usize) -> Option<String> {
        self.get(column).map(str::to_owned)
    }

    fn bad(&self, what: &str) -> Error {
        Error::HistoryRow {
            table: self.table.clone(),
            problem: format!("{what} of version {} is NULL or unreadable", self.version),
        }
    }

    fn text(&self, column: usize, what: &str) -> Result<String, Error> {
        self.optional(column).ok_or_else(|| self.bad(what))
    }

    fn flag(&self, column: usize, what: &str) -> Result<bool, Error> {
        match self.get(column) {
            Some("t") => Ok(true),
            Some("f") => Ok(false),
            _ => Err(self.bad(what)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_shape_differences() {
        let seeds = shape_differences(
            "version character varying,name text,applied_at timestamp without time zone",
            Some("version"),
        );
        assert!(seeds.contains(&"column version is character varying, expected numeric".into()));
        assert!(seeds.contains(&"column checksum (text) is missing".into()));
        let all = "version numeric,name text,checksum text,applied_at timestamp with time zone,\
                   execution_ms bigint,success boolean,error text,statements_done integer";
        assert!(shape_differences(all, Some("version")).is_empty());
        assert_eq!(
            shape_differences(all, None),
            ["the primary key is missing, expected (version)"]
        );
    }
}
