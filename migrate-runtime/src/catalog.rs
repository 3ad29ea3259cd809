//! Reading a database's schema for drift: one query per [`ObjectKind`] against `pg_catalog`,
//! all in one read-only transaction (one snapshot, one round trip) with `search_path` set to
//! `pg_catalog` alone, so every name the server's `pg_get_*def` functions write is qualified
//! the same way whatever the session's settings. Objects that belong to an extension are left
//! out (the extension stands for them), and so are the system schemas.

use postgres::SimpleQueryMessage;

use crate::conn::Connection;
use crate::drift::{ObjectId, ObjectKind, Snapshot};
use crate::error::Error;
use crate::sql::{self, quote_literal};

/// Which schemas a snapshot reads: the whole database, or one tenant's schema.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// Every schema but the system ones, and the extensions.
    Database,
    /// This schema only (a tenant of a schema-per-tenant fleet); no extension.
    Schema(&'a str),
}

/// Reads the snapshot of `scope` in one round trip.
pub(crate) async fn read<C: Connection>(conn: &mut C, scope: Scope<'_>) -> Result<Snapshot, Error> {
    let answer = conn
        .query(&snapshot_sql(scope))
        .await
        .map_err(Error::db("read the catalog"))?;
    Ok(parse(&answer))
}

/// The query string: a read-only transaction, then one `SELECT kind, name, table, definition`
/// per kind.
pub(crate) fn snapshot_sql(scope: Scope<'_>) -> String {
    let namespace = match scope {
        Scope::Database => "n.nspname !~ '^pg_(toast|temp_)' \
                            AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            .to_owned(),
        Scope::Schema(schema) => format!("n.nspname = {}", quote_literal(schema)),
    };
    let queries: Vec<String> = ObjectKind::ALL
        .into_iter()
        .filter_map(|kind| kind_sql(kind, scope))
        .map(|select| select.replace("$NAMESPACE", &namespace))
        .collect();
    format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = pg_catalog;\n{};\nCOMMIT",
        queries.join(";\n")
    )
}

/// `NOT` a member of an extension, for the object `oid` of the catalog `catalog`.
fn not_extension_member(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_catalog.{catalog}'::regclass \
         AND d.objid = {oid} AND d.deptype = 'e')"
    )
}

/// The query of one kind (with `$NAMESPACE` for the schema filter on `n`), or none when the
/// scope has no such object (a tenant schema has no extension).
fn kind_sql(kind: ObjectKind, scope: Scope<'_>) -> Option<String> {
    let kind_name = quote_literal(kind.as_str());
    let table = "n.nspname || '.' || c.relname";
    let class_joins = "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace";
    let table_filter = format!(
        "$NAMESPACE AND c.relkind IN ('r', 'p') AND {}",
        not_extension_member("pg_class", "c.oid")
    );
    let select = match kind {
        ObjectKind::Extension => match scope {
            Scope::Database => format!(
                "SELECT {kind_name}, e.extname, NULL, format('EXTENSION %I VERSION %L SCHEMA %I', \
                 e.extname, e.extversion, n.nspname) \
                 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            ),
            Scope::Schema(_) => return None,
        },
        ObjectKind::Schema => format!(
            "SELECT {kind_name}, n.nspname, NULL, 'SCHEMA ' || quote_ident(n.nspname) \
             FROM pg_namespace n WHERE $NAMESPACE AND {}",
            not_extension_member("pg_namespace", "n.oid")
        ),
        ObjectKind::Table => format!(
            "SELECT {kind_name}, {table}, NULL, concat_ws(' ', \
               CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED' END, 'TABLE', \
               CASE WHEN c.relkind = 'p' THEN 'PARTITION BY ' || pg_get_partkeydef(c.oid) END, \
               CASE WHEN c.relispartition THEN 'PARTITION OF ' || (SELECT i.inhparent::regclass::text \
                 FROM pg_inherits i WHERE i.inhrelid = c.oid) || ' ' || pg_get_expr(c.relpartbound, c.oid) END, \
               CASE WHEN c.relrowsecurity THEN 'ROW LEVEL SECURITY' END, \
               CASE WHEN c.relforcerowsecurity THEN 'FORCE ROW LEVEL SECURITY' END) \
             {class_joins} WHERE {table_filter}"
        ),
        ObjectKind::Column => format!(
            "SELECT {kind_name}, {table} || '.' || a.attname, {table}, concat_ws(' ', \
               format_type(a.atttypid, a.atttypmod), \
               CASE WHEN a.attcollation <> t.typcollation THEN 'COLLATE ' || \
                 (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co \
                  JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END, \
               CASE WHEN a.attnotnull THEN 'NOT NULL' END, \
               CASE WHEN a.attgenerated = 's' THEN 'GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED' \
                 WHEN d.adbin IS NOT NULL THEN 'DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) END, \
               CASE a.attidentity WHEN 'a' THEN 'GENERATED ALWAYS AS IDENTITY' \
                 WHEN 'd' THEN 'GENERATED BY DEFAULT AS IDENTITY' END) \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attnum > 0 AND NOT a.attisdropped AND {table_filter}"
        ),
        ObjectKind::Constraint => format!(
            "SELECT {kind_name}, {table} || '.' || k.conname, {table}, pg_get_constraintdef(k.oid) \
             FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {table_filter}"
        ),
        ObjectKind::Index => format!(
            "SELECT {kind_name}, n.nspname || '.' || ic.relname, {table}, pg_get_indexdef(i.indexrelid) \
               || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = ic.relnamespace \
             WHERE $NAMESPACE AND {}",
            not_extension_member("pg_class", "c.oid")
        ),
        ObjectKind::View | ObjectKind::MaterializedView => format!(
            "SELECT {kind_name}, {table}, NULL, pg_get_viewdef(c.oid, true) \
               || coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') \
             {class_joins} WHERE $NAMESPACE AND c.relkind = '{relkind}' AND {}",
            not_extension_member("pg_class", "c.oid"),
            relkind = if kind == ObjectKind::View { 'v' } else { 'm' }
        ),
        ObjectKind::Sequence => format!(
            "SELECT {kind_name}, {table}, NULL, format('SEQUENCE AS %s START %s INCREMENT %s \
               MINVALUE %s MAXVALUE %s CACHE %s%s', format_type(s.seqtypid, NULL), s.seqstart, \
               s.seqincrement, s.seqmin, s.seqmax, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) \
             FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE $NAMESPACE AND {}",
            not_extension_member("pg_class", "c.oid")
        ),
        ObjectKind::Function => format!(
            "SELECT {kind_name}, n.nspname || '.' || p.proname || '(' || \
               pg_get_function_identity_arguments(p.oid) || ')', NULL, pg_get_functiondef(p.oid) \
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE $NAMESPACE AND p.prokind IN ('f', 'p', 'w') AND {}",
            not_extension_member("pg_proc", "p.oid")
        ),
        ObjectKind::Trigger => format!(
            "SELECT {kind_name}, {table} || '.' || g.tgname, {table}, pg_get_triggerdef(g.oid) \
               || CASE g.tgenabled WHEN 'D' THEN ' (DISABLED)' WHEN 'R' THEN ' (ENABLE REPLICA)' \
                  WHEN 'A' THEN ' (ENABLE ALWAYS)' ELSE '' END \
             FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT g.tgisinternal AND $NAMESPACE AND {}",
            not_extension_member("pg_class", "c.oid")
        ),
        ObjectKind::Enum => format!(
            "SELECT {kind_name}, n.nspname || '.' || t.typname, NULL, 'ENUM (' || coalesce(( \
               SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) \
               FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')' \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE $NAMESPACE AND t.typtype = 'e' AND {}",
            not_extension_member("pg_type", "t.oid")
        ),
        ObjectKind::Domain => format!(
            "SELECT {kind_name}, n.nspname || '.' || t.typname, NULL, concat_ws(' ', \
               'DOMAIN AS ' || format_type(t.typbasetype, t.typtypmod), \
               CASE WHEN t.typnotnull THEN 'NOT NULL' END, \
               'DEFAULT ' || pg_get_expr(t.typdefaultbin, 0), \
               (SELECT string_agg('CONSTRAINT ' || quote_ident(k.conname) || ' ' || \
                  pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname) \
                FROM pg_constraint k WHERE k.contypid = t.oid)) \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE $NAMESPACE AND t.typtype = 'd' AND {}",
            not_extension_member("pg_type", "t.oid")
        ),
        ObjectKind::Policy => format!(
            "SELECT {kind_name}, {table} || '.' || p.polname, {table}, concat_ws(' ', \
               CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, \
               'FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' \
                 WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, \
               'TO ' || (SELECT string_agg(r, ', ' ORDER BY r) FROM (SELECT CASE WHEN u.o = 0 \
                 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(u.o)) END AS r \
                 FROM unnest(p.polroles) u(o)) s), \
               'USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', \
               'WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')') \
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {table_filter}"
        ),
    };
    Some(select)
}

/// The snapshot in an answer of [`snapshot_sql`]: each row's kind, name, table and
/// definition.
fn parse(messages: &[SimpleQueryMessage]) -> Snapshot {
    let mut snapshot = Snapshot::default();
    for row in sql::rows(messages) {
        let (Some(kind), Some(name)) = (row.get(0).and_then(ObjectKind::parse), row.get(1)) else {
            continue;
        };
        let id = ObjectId {
            kind,
            name: name.to_owned(),
            table: row.get(2).map(str::to_owned),
        };
        snapshot.insert(id, row.get(3).unwrap_or_default().to_owned());
    }
    snapshot
}
