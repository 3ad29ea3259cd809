//! Rows for the tables a migration finds: every empty user table gets N generated rows before a
//! file runs, so that scans, backfills and rewrites take the time they take on real data.
//!
//! Each column's value is a function of the row number `g` (`generate_series(1, N)`) and of its
//! type, so values are unique per column (primary keys and unique keys hold) and a foreign key
//! column finds the same values in its parent table when that parent was filled the same way.
//! Columns with a default, identity and generated columns take their default. Tables are filled
//! in passes: one whose foreign keys need a parent not yet filled is tried again after the
//! others; a table that still fails is skipped, and the reason is kept.

use std::collections::BTreeSet;

use postgres::Client;

use super::observe::Oid;

/// A column to generate values for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name, quoted for SQL.
    pub name: String,
    /// Its type as `format_type` writes it (`character varying(20)`, `public.mood`).
    pub sql_type: String,
    /// The name of the base type (the domain's for a domain): `int8`, `uuid`, `timestamptz`...
    pub base: String,
    /// `pg_type.typcategory` of the base type: `N` numeric, `S` string, `E` enum, `A` array...
    pub category: char,
    /// `NOT NULL`.
    pub not_null: bool,
}

/// The expression that gives the column's value in row `g`, cast to its type; `None` when no
/// value can be generated for the type (the column is then left NULL, if it may be).
pub fn value(column: &Column) -> Option<String> {
    let ty = &column.sql_type;
    let expression = match (column.category, column.base.as_str()) {
        (_, "bool") => "g % 2 = 0".to_owned(),
        (_, "uuid") => "md5(g::text)::uuid".to_owned(),
        (_, "json" | "jsonb") => "jsonb_build_object('n', g)".to_owned(),
        (_, "bytea") => "convert_to(g::text, 'UTF8')".to_owned(),
        (_, "tsvector") => "to_tsvector('simple', 'v' || g)".to_owned(),
        (_, "date") => "date '2000-01-01' + g".to_owned(),
        (_, "time" | "timetz") => "time '00:00' + g * interval '1 second'".to_owned(),
        (_, "timestamp" | "timestamptz") => {
            "timestamp '2000-01-01' + g * interval '1 second'".to_owned()
        }
        (_, "interval") => "g * interval '1 second'".to_owned(),
        (_, "inet" | "cidr") => "'10.0.0.0'::inet + g".to_owned(),
        ('N', _) => "g".to_owned(),
        ('S', _) => "'v' || g".to_owned(),
        ('E', _) => {
            format!("(enum_range(NULL::{ty}))[1 + g % cardinality(enum_range(NULL::{ty}))]")
        }
        ('A', _) => "'{}'".to_owned(),
        _ => return None,
    };
    Some(format!("({expression})::{ty}"))
}

/// The `INSERT` that fills `table` with `rows` rows, or why none can be written.
pub fn insert(table: &str, columns: &[Column], rows: u64) -> Result<String, String> {
    let mut names = Vec::new();
    let mut values = Vec::new();
    for column in columns {
        match value(column) {
            Some(v) => {
                names.push(column.name.as_str());
                values.push(v);
            }
            None if column.not_null => {
                return Err(format!(
                    "no value can be generated for column {} of type {}",
                    column.name, column.sql_type
                ))
            }
            None => {}
        }
    }
    Ok(if names.is_empty() {
        format!("INSERT INTO {table} SELECT FROM generate_series(1, {rows}) AS g")
    } else {
        format!(
            "INSERT INTO {table} ({}) SELECT {} FROM generate_series(1, {rows}) AS g",
            names.join(", "),
            values.join(", ")
        )
    })
}

/// Fills the empty tables, remembering those it has seen so that each is tried once.
#[derive(Debug)]
pub struct Filler {
    rows: u64,
    seen: BTreeSet<Oid>,
    /// Tables that could not be filled: `schema.table: why`.
    pub unfilled: Vec<String>,
}

impl Filler {
    /// A filler that puts `rows` rows in each empty table.
    pub fn new(rows: u64) -> Self {
        Self {
            rows,
            seen: BTreeSet::new(),
            unfilled: Vec::new(),
        }
    }

    /// Fills every user table not seen before that has no rows; returns how many it filled. A
    /// database error that is not about one table's rows (the connection broke) is returned.
    pub fn fill(&mut self, client: &mut Client) -> Result<usize, postgres::Error> {
        if self.rows == 0 {
            return Ok(0);
        }
        let mut pending = Vec::new();
        for (oid, table) in tables(client)? {
            if self.seen.insert(oid) && empty(client, &table)? {
                pending.push((oid, table));
            }
        }
        let mut filled = 0;
        loop {
            let tried = pending.len();
            let mut failures = Vec::new();
            for (oid, table) in std::mem::take(&mut pending) {
                match self.fill_one(client, oid, &table)? {
                    Ok(()) => filled += 1,
                    Err(why) => failures.push((oid, table, why)),
                }
            }
            if failures.len() == tried {
                // Nothing was filled in this pass: no parent is left to wait for.
                self.unfilled.extend(
                    failures
                        .into_iter()
                        .map(|(_, table, why)| format!("{table}: {why}")),
                );
                return Ok(filled);
            }
            // A table whose parent was filled in this pass may succeed in the next one.
            pending = failures
                .into_iter()
                .map(|(oid, table, _)| (oid, table))
                .collect();
        }
    }

    /// One table: `Ok(Err(why))` when its rows were refused.
    fn fill_one(
        &self,
        client: &mut Client,
        oid: Oid,
        table: &str,
    ) -> Result<Result<(), String>, postgres::Error> {
        let columns = columns(client, oid)?;
        let sql = match insert(table, &columns, self.rows) {
            Ok(sql) => sql,
            Err(why) => return Ok(Err(why)),
        };
        match client.batch_execute(&sql) {
            Ok(()) => {
                client.batch_execute(&format!("ANALYZE {table}"))?;
                Ok(Ok(()))
            }
            Err(e) => match e.as_db_error() {
                Some(refused) => {
                    let why = refused.message().to_owned();
                    restart_sequences(client, oid)?;
                    Ok(Err(why))
                }
                None => Err(e),
            },
        }
    }
}

/// The user tables rows can be inserted into (partitions are filled through their parent;
/// tables of extensions are left alone), quoted.
fn tables(client: &mut Client) -> Result<Vec<(Oid, String)>, postgres::Error> {
    let rows = client.query(
        "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_%' \
           AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
                           AND d.objid = c.oid AND d.deptype = 'e') \
         ORDER BY c.oid",
        &[],
    )?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Restarts the sequences of the (still empty) table's serial and identity columns, which a
/// refused `INSERT` advanced: filled later, its keys are then again 1 to N, the values the
/// foreign keys of the tables filled after it generate.
fn restart_sequences(client: &mut Client, oid: Oid) -> Result<(), postgres::Error> {
    let rows = client.query(
        "SELECT s FROM (SELECT pg_get_serial_sequence($1::oid::regclass::text, a.attname) AS s \
                       FROM pg_attribute a \
                       WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped) q \
         WHERE s IS NOT NULL",
        &[&oid],
    )?;
    for row in rows {
        let sequence: String = row.get(0);
        client.batch_execute(&format!("ALTER SEQUENCE {sequence} RESTART"))?;
    }
    Ok(())
}

fn empty(client: &mut Client, table: &str) -> Result<bool, postgres::Error> {
    let row = client.query_one(&format!("SELECT NOT EXISTS (SELECT FROM {table})"), &[])?;
    Ok(row.get(0))
}

/// The columns values must be generated for: not dropped, without a default, not identity or
/// generated.
fn columns(client: &mut Client, oid: Oid) -> Result<Vec<Column>, postgres::Error> {
    let rows = client.query(
        "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), b.typname::text, \
                b.typcategory::text, a.attnotnull \
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
         JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
         WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped \
           AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '' \
         ORDER BY a.attnum",
        &[&oid],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let category: String = r.get(3);
            Column {
                name: r.get(0),
                sql_type: r.get(1),
                base: r.get(2),
                category: category.chars().next().unwrap_or('X'),
                not_null: r.get(4),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, sql_type: &str, base: &str, category: char, not_null: bool) -> Column {
        Column {
            name: name.to_owned(),
            sql_type: sql_type.to_owned(),
            base: base.to_owned(),
            category,
            not_null,
        }
    }

    #[test]
    fn values_follow_the_row_number_and_are_cast_to_the_column_type() {
        assert_eq!(
            value(&column("id", "bigint", "int8", 'N', true)).unwrap(),
            "(g)::bigint"
        );
        assert_eq!(
            value(&column("e", "character varying(20)", "varchar", 'S', true)).unwrap(),
            "('v' || g)::character varying(20)"
        );
        assert_eq!(
            value(&column("m", "mood", "mood", 'E', true)).unwrap(),
            "((enum_range(NULL::mood))[1 + g % cardinality(enum_range(NULL::mood))])::mood"
        );
        assert_eq!(value(&column("p", "point", "point", 'G', false)), None);
    }

    #[test]
    fn a_required_column_without_a_value_means_the_table_is_skipped() {
        let columns = [
            column("id", "integer", "int4", 'N', true),
            column("where", "point", "point", 'G', false),
        ];
        assert_eq!(
            insert("public.t", &columns, 5).unwrap(),
            "INSERT INTO public.t (id) SELECT (g)::integer FROM generate_series(1, 5) AS g"
        );
        let required = [column("where", "point", "point", 'G', true)];
        assert_eq!(
            insert("public.t", &required, 5).unwrap_err(),
            "no value can be generated for column where of type point"
        );
        assert_eq!(
            insert("public.t", &[], 5).unwrap(),
            "INSERT INTO public.t SELECT FROM generate_series(1, 5) AS g"
        );
    }
}
