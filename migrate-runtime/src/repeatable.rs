//! Where repeatable migrations are recorded: a table of their own beside the history table,
//! `<history>_repeatables` in its schema (the history table keeps the shape deployed databases
//! have), one row per repeatable migration: its name (the key), the checksum of the text last
//! applied, when and how long it took. The row is upserted in the same query string and the same
//! transaction as the repeatable's statements, so it commits with them or not at all. Pure: the
//! SQL text and the rows read.

use postgres::SimpleQueryMessage;

use crate::embedded::Repeatable;
use crate::history::{HistoryTable, SINCE_STATEMENT_START};
use crate::sql::{self, quote_ident, quote_literal};

/// A repeatable migration as its table records it: the last time it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRepeatable {
    /// The name (`views` for `R__views.sql`).
    pub name: String,
    /// The checksum of the text applied.
    pub checksum: String,
    /// When, as PostgreSQL prints a `timestamptz`.
    pub applied_at: String,
    /// How long its statements took, in milliseconds.
    pub execution_ms: Option<i64>,
}

/// The name of the repeatables' table of `table`, in the same schema: `table_repeatables`.
pub(crate) fn table_name(table: &HistoryTable) -> String {
    format!("{}_repeatables", table.table())
}

/// The repeatables' table of `table`: `"schema"."table_repeatables"`, quoted.
pub(crate) fn qualified(table: &HistoryTable) -> String {
    format!(
        "{}.{}",
        quote_ident(table.schema()),
        quote_ident(&table_name(table))
    )
}

/// Creates the table (run under the migration lock, only when [`read_sql`] found it missing and a
/// repeatable migration is to be recorded).
pub(crate) fn create_sql(table: &HistoryTable) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\
         name text PRIMARY KEY, \
         checksum text NOT NULL, \
         applied_at timestamptz NOT NULL DEFAULT now(), \
         execution_ms bigint)",
        qualified(table)
    )
}

/// Reads every row, by name.
pub(crate) fn read_sql(table: &HistoryTable) -> String {
    format!(
        "SELECT name, checksum, applied_at::text, execution_ms FROM {} ORDER BY name",
        qualified(table)
    )
}

/// The rows [`read_sql`] answered.
pub(crate) fn parse_rows(messages: &[SimpleQueryMessage]) -> Vec<AppliedRepeatable> {
    sql::rows(messages)
        .map(|row| AppliedRepeatable {
            name: row.get(0).unwrap_or_default().to_owned(),
            checksum: row.get(1).unwrap_or_default().to_owned(),
            applied_at: row.get(2).unwrap_or_default().to_owned(),
            execution_ms: sql::parse(row.get(3)),
        })
        .collect()
}

/// Records `repeatable` as applied now with its checksum, the time since the start of the query
/// string as its execution time: the last statement of its transaction.
pub(crate) fn record_sql(table: &HistoryTable, repeatable: &Repeatable) -> String {
    format!(
        "INSERT INTO {} (name, checksum, applied_at, execution_ms) VALUES ({}, {}, now(), \
         {SINCE_STATEMENT_START}) ON CONFLICT (name) DO UPDATE SET checksum = \
         EXCLUDED.checksum, applied_at = EXCLUDED.applied_at, execution_ms = \
         EXCLUDED.execution_ms",
        qualified(table),
        quote_literal(repeatable.name()),
        quote_literal(repeatable.checksum()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::Script;
    use crate::Statement;
    use migrate_core::Transaction;

    #[test]
    fn the_table_is_beside_the_history_table_and_the_record_is_an_upsert() {
        let table = HistoryTable::new("app", "Schema Migrations");
        assert_eq!(
            qualified(&table),
            "\"app\".\"Schema Migrations_repeatables\""
        );
        let script = Script::new(
            "m/R__it's.sql",
            "SELECT 1;",
            Transaction::Single,
            vec![Statement::new(0, 8)],
        )
        .unwrap();
        let record = record_sql(&table, &Repeatable::new("it's", script).unwrap());
        assert!(
            record.starts_with(
                "INSERT INTO \"app\".\"Schema Migrations_repeatables\" (name, checksum, \
                 applied_at, execution_ms) VALUES (E'it''s', E'17db4fd3"
            ),
            "{record}"
        );
        assert!(record.contains("ON CONFLICT (name) DO UPDATE"), "{record}");
    }
}
