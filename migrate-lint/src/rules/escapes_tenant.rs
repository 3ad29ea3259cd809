//! `escapes-tenant`: with `tenancy = "schema"` in `migrate.toml`, every tenant is a schema and
//! each migration runs with `SET LOCAL search_path` to the tenant's schema, so an unqualified
//! name resolves in it. A name qualified with another schema (`public.users`, `CREATE TABLE
//! other.t`, `CREATE SCHEMA x`, `ALTER ... SET SCHEMA x`, `CREATE EXTENSION ... SCHEMA x`)
//! reads or writes outside the tenant: every tenant would share, or overwrite, the same object.
//! `SET search_path`, `RESET` and `set_config('search_path', ...)` move what follows out of the
//! tenant (a plain `SET` even outlives the transaction and reaches the next tenant run on the
//! same connection), and `CREATE EXTENSION` without `SCHEMA` installs the extension in the first
//! tenant's schema only: an extension exists once per database, so the other tenants skip it.
//!
//! Reads count as much as writes: a tenant that reads another schema's table sees data that is
//! not its own, without a word. What every tenant may share is listed in `migrate.toml`
//! (`shared = ["public.countries", "extensions.*"]`); `pg_catalog`, `information_schema` and
//! `pg_temp` are always fine.
//!
//! The names are found everywhere in the statement: the parse tree is walked through its serde
//! form (pg_query's types all derive `Serialize`), so that no clause of PostgreSQL's ~270 node
//! types is missed. A relation (`RangeVar`) is an object with `relname`, a type (`TypeName`) one
//! with `names` and `typmods`, a function, collation, operator class or other object name a list
//! of strings under `funcname`, `objname`, `defnames`, `domainname`, `collname`, `opclass` or
//! `type_name`. The object names of `DROP`, `COMMENT`, `ALTER ... RENAME/OWNER/SET SCHEMA`,
//! `GRANT`, schemas and `search_path` are read from the typed statement.

use pg_query::protobuf::{AConst, DefElem, GrantTargetType, Node, ObjectType, VariableSetKind};
use pg_query::NodeEnum;
use serde_json::{Map, Value};

use crate::diagnostic::{Hit, Severity};
use crate::objects::strings;
use crate::quote::{ident, literal, qualified, read_qualified};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rule::{Policy, Shared};

pub(crate) static RULE: Rule = Rule {
    name: "escapes-tenant",
    family: Family::Forbidden,
    severity: Severity::Error,
    reason: "with `tenancy = \"schema\"` each migration runs with `search_path` set to its \
             tenant's schema; a name qualified with another schema (`public.users`), `CREATE \
             SCHEMA`, `CREATE EXTENSION` or a `search_path` change reads or writes outside it",
    help: "write the name unqualified, so that it resolves in the tenant's schema; if every \
           tenant shares the object, list it in migrate.toml: `shared = [\"schema.name\"]`",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[("migrate.toml", "tenancy = \"schema\"\n")],
        bad: (
            "001_init.sql",
            "CREATE TABLE IF NOT EXISTS public.users (
    id bigint PRIMARY KEY
);
",
        ),
        good: (
            "001_init.sql",
            "CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY
);
",
        ),
    }]),
    check: Check::Configured {
        down_files: true,
        check,
    },
};

/// Schemas every tenant may name: the system catalogs and the session's own temporary schema.
const ALWAYS_SHARED: &[&str] = &["pg_catalog", "information_schema", "pg_temp"];

/// Extensions every database has already, in `pg_catalog`: `CREATE EXTENSION IF NOT EXISTS`
/// of one changes nothing.
const PREINSTALLED: &[&str] = &["plpgsql"];

/// What a statement names outside the tenant's schema, before the shared list is consulted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Escape {
    /// A qualified name: `parts[schema]` is the schema, what follows it the name in the schema.
    Object { parts: Vec<String>, schema: usize },
    /// A schema named by itself, after the statement's keywords (`CREATE SCHEMA`, `SET SCHEMA`).
    Schema {
        keywords: &'static str,
        name: String,
    },
    /// A change of `search_path`, as written (`SET search_path`, `set_config('search_path')`).
    SearchPath(&'static str),
    /// `CREATE EXTENSION` without `SCHEMA`.
    Extension(String),
}

/// An escape and the location of the node that holds it, when the tree has one: the name is
/// found among the statement's tokens from there on (or from the statement's start).
struct Found {
    escape: Escape,
    location: Option<i32>,
}

fn check(ctx: &StatementCtx<'_>, policy: &Policy) -> Vec<Hit> {
    let Some(shared) = &policy.tenant_schema else {
        return Vec::new();
    };
    let mut found = Vec::new();
    statement(ctx.node, &mut found);
    if let Ok(tree) = serde_json::to_value(ctx.node) {
        walk(&tree, &mut found);
    }
    // Each name once, where the statement first writes it.
    let mut placed: Vec<(usize, Escape)> = Vec::new();
    for Found { escape, location } in found {
        if escape.is_shared(shared) {
            continue;
        }
        let node = location.filter(|l| *l >= 0).map(|l| ctx.at(l));
        let at = escape
            .find_in(ctx, node.unwrap_or_else(|| ctx.start()))
            .or(node)
            .unwrap_or_else(|| ctx.start());
        match placed.iter_mut().find(|(_, e)| *e == escape) {
            Some(first) => first.0 = first.0.min(at),
            None => placed.push((at, escape)),
        }
    }
    placed.sort_by_key(|(at, _)| *at);
    placed
        .into_iter()
        .map(|(at, escape)| escape.hit(at))
        .collect()
}

impl Escape {
    /// A qualified name of `parts` whose schema is `parts[schema]`; `None` when it has none.
    fn object(parts: Vec<String>, schema: usize) -> Option<Escape> {
        (parts.len() > schema + 1).then_some(Escape::Object { parts, schema })
    }

    /// Whether `migrate.toml` (or PostgreSQL itself) lets every tenant name it.
    fn is_shared(&self, shared: &[Shared]) -> bool {
        let (schema, name) = match self {
            Escape::Object { parts, schema } => (&parts[*schema], Some(&parts[schema + 1])),
            Escape::Schema { name, .. } => (name, None),
            Escape::SearchPath(_) | Escape::Extension(_) => return false,
        };
        ALWAYS_SHARED.contains(&schema.as_str())
            || shared
                .iter()
                .any(|s| s.covers(schema, name.map(String::as_str)))
    }

    /// The name's tokens as the statement writes them, each folded as PostgreSQL reads it.
    fn tokens(&self) -> Vec<String> {
        let words: Vec<String> = match self {
            Escape::Object { parts, .. } => parts.clone(),
            Escape::Schema { name, .. } => vec![name.clone()],
            Escape::SearchPath(_) => vec!["search_path".to_owned()],
            Escape::Extension(name) => vec![name.clone()],
        };
        let mut tokens = Vec::new();
        for word in words {
            if !tokens.is_empty() {
                tokens.push(".".to_owned());
            }
            tokens.push(word);
        }
        tokens
    }

    /// Where the statement writes the name: the first run of tokens from the file offset `from`
    /// on that spells it.
    fn find_in(&self, ctx: &StatementCtx<'_>, from: usize) -> Option<usize> {
        let words: Vec<(String, usize)> = ctx
            .words()
            .map(|(_, text, at)| {
                let folded = read_qualified(text)
                    .filter(|parts| parts.len() == 1)
                    .and_then(|mut parts| parts.pop())
                    .unwrap_or_else(|| text.to_owned());
                (folded, at)
            })
            .filter(|(_, at)| *at >= from)
            .collect();
        let wanted = self.tokens();
        let start = words.windows(wanted.len()).find(|window| {
            window
                .iter()
                .zip(&wanted)
                .all(|((word, _), wanted)| word == wanted)
        })?[0]
            .1;
        Some(start)
    }

    fn hit(&self, at: usize) -> Hit {
        match self {
            Escape::Object { parts, schema } => {
                let name = qualified(parts);
                let inside = qualified(&parts[schema + 1..]);
                let share = qualified(&parts[*schema..*schema + 2]);
                Hit::new(
                    at,
                    format!(
                        "`{name}` is in schema `{}`, outside the tenant's schema: every tenant \
                         would use the same object",
                        ident(&parts[*schema])
                    ),
                )
                .help(format!(
                    "write `{inside}` unqualified, so that it resolves in the tenant's schema \
                     (the runner sets each migration's `search_path` to it); if every tenant \
                     shares it, list it in migrate.toml: `shared = [{}]`",
                    toml_string(&share)
                ))
            }
            Escape::Schema { keywords, name } => {
                let schema = ident(name);
                Hit::new(
                    at,
                    format!(
                        "`{keywords} {schema}` names a schema outside the tenant's: every tenant \
                         would use the same schema"
                    ),
                )
                .help(format!(
                    "keep the tenant's objects in the tenant's schema, named unqualified; if every \
                     tenant shares schema `{schema}`, list it in migrate.toml: `shared = [{}]`",
                    toml_string(&format!("{schema}.*"))
                ))
            }
            Escape::SearchPath(written) => Hit::new(
                at,
                format!(
                    "`{written}` moves the statements after it out of the tenant's schema, which \
                     the runner selected with `SET LOCAL search_path` (a plain `SET` even \
                     outlives the migration, into the next tenant run on the connection)"
                ),
            )
            .help(
                "delete it: unqualified names already resolve in the tenant's schema; name a \
                 shared object with its schema and list it in migrate.toml: `shared = \
                 [\"schema.name\"]`",
            ),
            Escape::Extension(name) => {
                let extension = ident(name);
                Hit::new(
                    at,
                    format!(
                        "`CREATE EXTENSION {extension}` without `SCHEMA` installs it in the first \
                         tenant's schema only: an extension exists once per database, so every \
                         other tenant skips it and cannot use it unqualified"
                    ),
                )
                .help(format!(
                    "install it once in a shared schema: `CREATE EXTENSION IF NOT EXISTS \
                     {extension} SCHEMA extensions`, list `shared = [\"extensions.*\"]` in \
                     migrate.toml, and name its objects `extensions.` qualified"
                ))
            }
        }
    }
}

/// A name as a TOML string in a help line: `"public.countries"`, `'app."Users"'`.
fn toml_string(name: &str) -> String {
    if name.contains('"') {
        literal(name)
    } else {
        format!("\"{name}\"")
    }
}

/// The escapes the typed statement shows: object names of `DROP`, `COMMENT`, `ALTER ...
/// RENAME/OWNER/SET SCHEMA` and `GRANT`, schemas, extensions and `search_path`.
fn statement(node: &NodeEnum, found: &mut Vec<Found>) {
    let mut add = |escape: Option<Escape>, location: Option<i32>| {
        found.extend(escape.map(|escape| Found { escape, location }));
    };
    let schema = |keywords: &'static str, name: &str| {
        (!name.is_empty()).then(|| Escape::Schema {
            keywords,
            name: name.to_owned(),
        })
    };
    match node {
        NodeEnum::DropStmt(s) => {
            for object in &s.objects {
                add(named(s.remove_type(), object, "DROP SCHEMA"), None);
            }
        }
        NodeEnum::CommentStmt(s) => {
            if let Some(object) = &s.object {
                add(named(s.objtype(), object, "COMMENT ON SCHEMA"), None);
            }
        }
        NodeEnum::AlterOwnerStmt(s) => {
            if let Some(object) = &s.object {
                add(named(s.object_type(), object, "ALTER SCHEMA"), None);
            }
        }
        NodeEnum::RenameStmt(s) => {
            if s.rename_type() == ObjectType::ObjectSchema {
                add(schema("ALTER SCHEMA", &s.subname), None);
            } else if let Some(object) = &s.object {
                add(named(s.rename_type(), object, "ALTER SCHEMA"), None);
            }
        }
        NodeEnum::AlterObjectSchemaStmt(s) => {
            if let Some(object) = &s.object {
                add(named(s.object_type(), object, "ALTER SCHEMA"), None);
            }
            add(schema("SET SCHEMA", &s.newschema), None);
        }
        NodeEnum::CreateSchemaStmt(s) => {
            let name = match (&s.schemaname, &s.authrole) {
                (name, _) if !name.is_empty() => name.as_str(),
                (_, Some(role)) => role.rolename.as_str(),
                _ => "",
            };
            add(schema("CREATE SCHEMA", name), None);
        }
        NodeEnum::GrantStmt(s) => {
            let in_schema = s.targtype() == GrantTargetType::AclTargetAllInSchema;
            if in_schema || s.objtype() == ObjectType::ObjectSchema {
                for name in strings(&s.objects) {
                    add(
                        schema(if in_schema { "IN SCHEMA" } else { "ON SCHEMA" }, &name),
                        None,
                    );
                }
            }
        }
        NodeEnum::CreateExtensionStmt(s) => {
            match options(&s.options).find(|d| d.defname == "schema") {
                Some(option) => add(
                    option_string(option).and_then(|name| schema("SCHEMA", &name)),
                    Some(option.location),
                ),
                None if PREINSTALLED.contains(&s.extname.as_str()) => {}
                None => add(Some(Escape::Extension(s.extname.clone())), None),
            }
        }
        NodeEnum::VariableSetStmt(s) => {
            let written = match s.kind() {
                VariableSetKind::VarReset if s.name == "search_path" => "RESET search_path",
                VariableSetKind::VarResetAll => "RESET ALL",
                _ if s.name == "search_path" => "SET search_path",
                _ => return,
            };
            add(Some(Escape::SearchPath(written)), None);
        }
        NodeEnum::CreateFunctionStmt(s) => function_search_path(&s.options, &mut add),
        NodeEnum::AlterFunctionStmt(s) => function_search_path(&s.actions, &mut add),
        _ => {}
    }
}

/// A function's own `SET search_path = ...`: each schema it names, as the function body will
/// resolve its names in them.
fn function_search_path(options: &[Node], add: &mut impl FnMut(Option<Escape>, Option<i32>)) {
    for option in self::options(options).filter(|d| d.defname == "set") {
        let Some(NodeEnum::VariableSetStmt(set)) =
            option.arg.as_ref().and_then(|a| a.node.as_ref())
        else {
            continue;
        };
        if set.name != "search_path" {
            continue;
        }
        for arg in &set.args {
            if let Some(NodeEnum::AConst(value)) = &arg.node {
                let escape = string_value(value).map(|name| Escape::Schema {
                    keywords: "SET search_path =",
                    name,
                });
                add(escape, Some(value.location));
            }
        }
    }
}

/// The `DefElem`s of an option list.
fn options(nodes: &[Node]) -> impl Iterator<Item = &DefElem> {
    nodes.iter().filter_map(|n| match &n.node {
        Some(NodeEnum::DefElem(d)) => Some(&**d),
        _ => None,
    })
}

/// A `DefElem`'s argument when it is a name.
fn option_string(option: &DefElem) -> Option<String> {
    match option.arg.as_ref()?.node.as_ref()? {
        NodeEnum::String(s) => Some(s.sval.clone()),
        _ => None,
    }
}

fn string_value(value: &AConst) -> Option<String> {
    match &value.val {
        Some(pg_query::protobuf::a_const::Val::Sval(s)) => Some(s.sval.clone()),
        _ => None,
    }
}

/// What an object of a `DROP`, `COMMENT`, `ALTER ... OWNER/RENAME/SET SCHEMA` names: a list of
/// name parts (for columns, constraints, triggers, policies and rules, their table and then
/// their name), or a schema.
/// Types and functions are found by [`walk`].
fn named(kind: ObjectType, object: &Node, keywords: &'static str) -> Option<Escape> {
    match object.node.as_ref()? {
        NodeEnum::String(s) if kind == ObjectType::ObjectSchema => Some(Escape::Schema {
            keywords,
            name: s.sval.clone(),
        }),
        NodeEnum::List(list) => {
            let mut parts = strings(&list.items);
            if matches!(
                kind,
                ObjectType::ObjectColumn
                    | ObjectType::ObjectTabconstraint
                    | ObjectType::ObjectTrigger
                    | ObjectType::ObjectPolicy
                    | ObjectType::ObjectRule
            ) {
                parts.pop();
            }
            let schema = parts.len().checked_sub(2)?;
            Escape::object(parts, schema)
        }
        _ => None,
    }
}

/// Keys whose value, when a list of strings, is the name of an object: a function, an object
/// with arguments, an aggregate, operator or other defined object, a domain, a collation, an
/// operator class, an enum or range type.
const NAME_LISTS: &[&str] = &[
    "funcname",
    "objname",
    "defnames",
    "domainname",
    "collname",
    "opclass",
    "type_name",
];

/// Functions whose first argument, a string constant, names a relation: `nextval('app.seq')`.
const RELATION_FUNCTIONS: &[&str] = &["nextval", "currval", "setval"];

/// Finds the qualified names of a statement's tree, in its serde form.
fn walk(value: &Value, found: &mut Vec<Found>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
        Value::Object(map) => {
            names_in(map, found);
            map.values().for_each(|v| walk(v, found));
        }
        _ => {}
    }
}

/// The names one node of the tree holds itself.
fn names_in(map: &Map<String, Value>, found: &mut Vec<Found>) {
    let location = location(map);
    let mut add = |escape: Option<Escape>| {
        found.extend(escape.map(|escape| Found { escape, location }));
    };
    // A relation: `[catalog.]schema.name`.
    if let (Some(Value::String(schema)), Some(Value::String(name))) =
        (map.get("schemaname"), map.get("relname"))
    {
        if !schema.is_empty() {
            let catalog = map.get("catalogname").and_then(Value::as_str).unwrap_or("");
            let parts: Vec<String> = [catalog, schema, name]
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
            let at = parts.len().saturating_sub(2);
            add(Escape::object(parts, at));
        }
        return;
    }
    // A type: `schema.name`, or `[schema.]table.column%TYPE`.
    if let (Some(names), true) = (map.get("names"), map.contains_key("typmods")) {
        let parts = string_list(names).unwrap_or_default();
        let pct_type = map.get("pct_type").and_then(Value::as_bool) == Some(true);
        let schema = parts.len().saturating_sub(if pct_type { 3 } else { 2 });
        add(Escape::object(parts, schema));
        return;
    }
    // A cast of a string to `regclass`: the string is a relation's name.
    if let (Some(arg), Some(type_name)) = (map.get("arg"), map.get("type_name")) {
        let type_parts = type_name.get("names").and_then(string_list);
        if type_parts
            .as_deref()
            .and_then(<[String]>::last)
            .map(String::as_str)
            == Some("regclass")
        {
            found.extend(relation_literal(arg));
        }
    }
    for key in NAME_LISTS {
        if let Some(parts) = map.get(*key).and_then(string_list) {
            if *key == "funcname" {
                found.extend(function_call(map, &parts));
            }
            let schema = parts.len().saturating_sub(2);
            found.extend(Escape::object(parts, schema).map(|escape| Found { escape, location }));
        }
    }
}

/// A node's `location`, when it has one.
fn location(map: &Map<String, Value>) -> Option<i32> {
    map.get("location")
        .and_then(Value::as_i64)
        .and_then(|l| i32::try_from(l).ok())
}

/// What a function call's constant arguments name: `set_config('search_path', ...)` moves the
/// statements after it, `nextval('app.seq')` names a sequence.
fn function_call(map: &Map<String, Value>, name: &[String]) -> Option<Found> {
    let function = name.last()?.as_str();
    let first = map.get("args")?.as_array()?.first()?;
    if function == "set_config" && constant_string(first)?.0 == "search_path" {
        return Some(Found {
            escape: Escape::SearchPath("set_config('search_path', ...)"),
            location: location(map),
        });
    }
    if RELATION_FUNCTIONS.contains(&function) {
        return relation_literal(first);
    }
    None
}

/// The relation a string constant names (`'app.seq'`, `'app.seq'::regclass`), at the constant.
fn relation_literal(node: &Value) -> Option<Found> {
    let (text, location) = constant_string(node).or_else(|| {
        let cast = node.get("node")?.get("TypeCast")?;
        constant_string(cast.get("arg")?)
    })?;
    let parts = read_qualified(&text)?;
    let schema = parts.len().checked_sub(2)?;
    let escape = Escape::object(parts, schema)?;
    Some(Found { escape, location })
}

/// The text and location of a string constant node
/// (`{"node": {"AConst": {"val": {"Sval": {"sval": ...}}, "location": ...}}}`).
fn constant_string(node: &Value) -> Option<(String, Option<i32>)> {
    let constant = node.get("node")?.get("AConst")?.as_object()?;
    let text = constant.get("val")?.get("Sval")?.get("sval")?.as_str()?;
    Some((text.to_owned(), location(constant)))
}

/// A list of `String` nodes as its strings; `None` for anything else.
fn string_list(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| {
            item.get("node")?
                .get("String")?
                .get("sval")?
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::check::check_script;
    use crate::config::Config;
    use crate::rule::Policy;
    use crate::rule::ScriptKind;

    const SCHEMA: &str = "tenancy = \"schema\"\n\
                          shared = [\"public.countries\", \"extensions.*\", 'app.\"Plans\"']\n";

    /// The policy of file 1 under this `migrate.toml`.
    fn policy(toml: &str) -> Policy {
        let (config, problems) = Config::parse("migrate.toml", toml);
        assert!(problems.is_empty(), "{problems:?}");
        config.policy(migrate_core::Version::new(1), "001_a.sql")
    }

    /// `line:col message` of each finding of the rule in an up file, under `toml`.
    fn found_with(toml: &str, kind: ScriptKind, sql: &str) -> Vec<String> {
        let (_, diagnostics, _) = check_script("001_a.sql", sql, kind, &policy(toml));
        diagnostics
            .into_iter()
            .filter(|d| d.rule == RULE.name)
            .map(|d| {
                let p = d.position.expect("a position");
                format!("{}:{} {}", p.line, p.column, d.message)
            })
            .collect()
    }

    fn found(sql: &str) -> Vec<String> {
        found_with(SCHEMA, ScriptKind::Up, sql)
    }

    /// The names found, as `line:col` and the first backquoted text of each message.
    fn names(sql: &str) -> Vec<String> {
        found(sql)
            .iter()
            .map(|f| {
                let (at, message) = f.split_once(' ').unwrap();
                let name = message.split('`').nth(1).unwrap_or(message);
                format!("{at} {name}")
            })
            .collect()
    }

    #[track_caller]
    fn fires_on(sql: &str, expected: &[&str]) {
        assert_eq!(names(sql), expected, "{sql}");
    }

    #[track_caller]
    fn passes(sql: &str) {
        assert_eq!(found(sql), Vec::<String>::new(), "{sql}");
    }

    #[test]
    fn fires_on_objects_created_altered_and_dropped_in_another_schema() {
        for (sql, name) in [
            (
                "CREATE TABLE IF NOT EXISTS other.t (id int);",
                "1:28 other.t",
            ),
            (
                "CREATE OR REPLACE VIEW public.v AS SELECT 1;",
                "1:24 public.v",
            ),
            ("CREATE SEQUENCE IF NOT EXISTS app.s;", "1:31 app.s"),
            ("CREATE INDEX IF NOT EXISTS i ON app.t (a);", "1:33 app.t"),
            ("CREATE TYPE app.mood AS ENUM ('a');", "1:13 app.mood"),
            ("CREATE TYPE app.pair AS (a int, b int);", "1:13 app.pair"),
            ("CREATE DOMAIN app.email AS text;", "1:15 app.email"),
            (
                "CREATE OR REPLACE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
                "1:28 app.f",
            ),
            (
                "ALTER TABLE app.t ADD COLUMN IF NOT EXISTS b int;",
                "1:13 app.t",
            ),
            ("ALTER INDEX IF EXISTS app.i RENAME TO j;", "1:23 app.i"),
            ("ALTER SEQUENCE app.s RESTART;", "1:16 app.s"),
            (
                "ALTER TYPE app.mood ADD VALUE IF NOT EXISTS 'b';",
                "1:12 app.mood",
            ),
            ("ALTER FUNCTION app.f() OWNER TO bob;", "1:16 app.f"),
            ("DROP TABLE IF EXISTS t, app.t;", "1:25 app.t"),
            ("DROP VIEW IF EXISTS public.v;", "1:21 public.v"),
            ("DROP INDEX IF EXISTS app.i;", "1:22 app.i"),
            ("DROP SEQUENCE IF EXISTS app.s;", "1:25 app.s"),
            ("DROP TYPE IF EXISTS app.mood;", "1:21 app.mood"),
            ("DROP FUNCTION IF EXISTS app.f(int);", "1:25 app.f"),
            ("DROP TRIGGER IF EXISTS trg ON app.t;", "1:31 app.t"),
            ("COMMENT ON TABLE app.t IS 'x';", "1:18 app.t"),
        ] {
            fires_on(sql, &[name]);
        }
    }

    #[test]
    fn fires_on_reads_and_writes_of_another_schema() {
        fires_on(
            "INSERT INTO public.users (id) SELECT id FROM app.accounts a\n\
             JOIN other.t USING (id) ON CONFLICT DO NOTHING;",
            &["1:13 public.users", "1:46 app.accounts", "2:6 other.t"],
        );
        fires_on(
            "UPDATE t SET a = 1 FROM app.u WHERE t.id = u.id;",
            &["1:25 app.u"],
        );
        fires_on("DELETE FROM app.t WHERE id = 1;", &["1:13 app.t"]);
        fires_on(
            "SELECT * FROM t WHERE id IN (SELECT id FROM app.u);",
            &["1:45 app.u"],
        );
        fires_on(
            "WITH x AS (SELECT * FROM app.u) SELECT * FROM x;",
            &["1:26 app.u"],
        );
    }

    #[test]
    fn fires_on_calls_types_casts_and_references() {
        fires_on(
            "CREATE TABLE IF NOT EXISTS t (\n  a app.mood,\n  b int REFERENCES app.u (id),\n  \
             c bigint DEFAULT nextval('app.s'),\n  d text DEFAULT app.f()\n);",
            &["2:5 app.mood", "3:20 app.u", "4:28 app.s", "5:18 app.f"],
        );
        fires_on(
            "SELECT app.f(1)::app.t, 'app.u'::regclass, x::app.\"T\"[];",
            &["1:8 app.f", "1:18 app.t", "1:25 app.u", "1:47 app.\"T\""],
        );
        fires_on(
            "ALTER TABLE t ADD CONSTRAINT t_u_fk FOREIGN KEY (u) REFERENCES app.u (id);",
            &["1:64 app.u"],
        );
    }

    #[test]
    fn fires_on_renames_merges_collations_operator_classes_parameters_and_bodies() {
        fires_on("ALTER TYPE app.mood RENAME TO feeling;", &["1:12 app.mood"]);
        fires_on("ALTER TABLE app.t RENAME TO u;", &["1:13 app.t"]);
        fires_on(
            "MERGE INTO app.t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id);",
            &["1:12 app.t"],
        );
        fires_on(
            "CREATE TABLE IF NOT EXISTS t (a text COLLATE app.german);",
            &["1:46 app.german"],
        );
        fires_on(
            "CREATE INDEX IF NOT EXISTS i ON t USING gin (a app.trgm_ops);",
            &["1:48 app.trgm_ops"],
        );
        fires_on(
            "CREATE OR REPLACE FUNCTION f(x app.t, y app.t) RETURNS SETOF app.u\n\
             LANGUAGE sql BEGIN ATOMIC SELECT * FROM other.v; END;",
            &["1:32 app.t", "1:62 app.u", "2:41 other.v"],
        );
        fires_on(
            "CREATE OR REPLACE FUNCTION f(x public.users.id%TYPE) RETURNS int LANGUAGE sql \
             AS 'SELECT 1';",
            &["1:32 public.users.id"],
        );
    }

    #[test]
    fn fires_on_schemas_extensions_and_search_path() {
        fires_on(
            "CREATE SCHEMA IF NOT EXISTS reporting;",
            &["1:29 CREATE SCHEMA reporting"],
        );
        fires_on(
            "DROP SCHEMA IF EXISTS reporting;",
            &["1:23 DROP SCHEMA reporting"],
        );
        fires_on(
            "ALTER TABLE t SET SCHEMA archive;",
            &["1:26 SET SCHEMA archive"],
        );
        fires_on(
            "CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA public;",
            &["1:48 SCHEMA public"],
        );
        fires_on(
            "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
            &["1:32 CREATE EXTENSION pgcrypto"],
        );
        fires_on(
            "GRANT USAGE ON SCHEMA reporting TO bob;",
            &["1:23 ON SCHEMA reporting"],
        );
        for (sql, at) in [
            ("SET search_path TO public;", "1:5"),
            ("SET LOCAL search_path = other;", "1:11"),
            ("RESET search_path;", "1:7"),
            ("RESET ALL;", "1:1"),
            ("SELECT set_config('search_path', 'public', true);", "1:8"),
            (
                "SELECT pg_catalog.set_config('search_path', 'x', false);",
                "1:8",
            ),
        ] {
            let found = found(sql);
            assert_eq!(found.len(), 1, "{sql}: {found:?}");
            assert!(found[0].starts_with(&format!("{at} `")), "{sql}: {found:?}");
            assert!(
                found[0].contains("moves the statements after it"),
                "{found:?}"
            );
        }
        fires_on(
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\n\
             SET search_path = pg_catalog, public AS 'SELECT 1';",
            &["2:31 SET search_path = public"],
        );
    }

    #[test]
    fn passes_unqualified_names_catalogs_and_shared_objects() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS t (id int REFERENCES u (id), m mood, n int4);",
            "SELECT pg_catalog.now(), 1::pg_catalog.int4, x::int, current_schema();",
            "SELECT * FROM information_schema.tables WHERE table_schema = current_schema();",
            "CREATE TEMP TABLE IF NOT EXISTS pg_temp.scratch (id int);",
            "INSERT INTO t (code) SELECT code FROM public.countries ON CONFLICT DO NOTHING;",
            "SELECT * FROM PUBLIC.Countries;",
            "SELECT * FROM app.\"Plans\";",
            "CREATE SCHEMA IF NOT EXISTS extensions;",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA extensions;",
            "SELECT extensions.gen_random_uuid();",
            "CREATE TABLE IF NOT EXISTS t (id uuid DEFAULT extensions.gen_random_uuid());",
            "CREATE INDEX IF NOT EXISTS i ON t USING gin (a extensions.gin_trgm_ops);",
            "SELECT 'app.u';",
            "SELECT nextval('s');",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql \
             SET search_path = pg_catalog, pg_temp AS 'SELECT 1';",
            "SET LOCAL lock_timeout = '1s';",
            "SELECT set_config('lock_timeout', '1s', true);",
            "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" SCHEMA extensions;",
            "CREATE EXTENSION IF NOT EXISTS plpgsql;",
        ] {
            passes(sql);
        }
        // Quoted names are kept exactly: `app.plans` is not `app."Plans"`.
        fires_on("SELECT * FROM app.plans;", &["1:15 app.plans"]);
        fires_on(
            "SELECT * FROM public.\"Countries\";",
            &["1:15 public.\"Countries\""],
        );
    }

    #[test]
    fn the_help_says_what_to_write_and_what_to_share() {
        let (_, diagnostics, _) = check_script(
            "001_a.sql",
            "SELECT * FROM Public.Users;\nSELECT * FROM app.\"Users\";\nCREATE SCHEMA IF NOT EXISTS x;",
            ScriptKind::Up,
            &policy(SCHEMA),
        );
        let helps: Vec<&str> = diagnostics.iter().map(|d| d.help.as_str()).collect();
        assert_eq!(
            helps,
            [
                "write `users` unqualified, so that it resolves in the tenant's schema (the \
                 runner sets each migration's `search_path` to it); if every tenant shares it, \
                 list it in migrate.toml: `shared = [\"public.users\"]`",
                "write `\"Users\"` unqualified, so that it resolves in the tenant's schema (the \
                 runner sets each migration's `search_path` to it); if every tenant shares it, \
                 list it in migrate.toml: `shared = ['app.\"Users\"']`",
                "keep the tenant's objects in the tenant's schema, named unqualified; if every \
                 tenant shares schema `x`, list it in migrate.toml: `shared = [\"x.*\"]`",
            ]
        );
        assert_eq!(
            diagnostics[0].message,
            "`public.users` is in schema `public`, outside the tenant's schema: every tenant \
             would use the same object"
        );
    }

    #[test]
    fn only_with_schema_tenancy_in_down_files_too_and_allowed_like_any_rule() {
        let sql = "DROP TABLE IF EXISTS public.users;";
        assert_eq!(found_with("", ScriptKind::Up, sql), Vec::<String>::new());
        assert_eq!(
            found_with("tenancy = \"database\"", ScriptKind::Up, sql),
            Vec::<String>::new()
        );
        assert_eq!(found_with(SCHEMA, ScriptKind::Down, sql).len(), 1);
        let allowed = "-- migrate:allow(escapes-tenant) the audit log is one table for all\n\
                       INSERT INTO audit.log (x) VALUES (1) ON CONFLICT DO NOTHING;";
        assert_eq!(found(allowed), Vec::<String>::new());
        let toml = format!(
            "{SCHEMA}[[allow]]\nrules = [\"escapes-tenant\"]\nreason = \"legacy\"\nto = 1\n"
        );
        assert_eq!(found_with(&toml, ScriptKind::Up, sql), Vec::<String>::new());
        // Legacy history is still checked: a new tenant runs it too.
        let legacy = format!("legacy_until = 1\n{SCHEMA}");
        assert_eq!(found_with(&legacy, ScriptKind::Up, sql).len(), 1);
    }

    #[test]
    fn what_a_do_block_runs_is_checked() {
        fires_on(
            "DO $$\nBEGIN\n  CREATE TABLE IF NOT EXISTS app.t (id int);\nEND $$;",
            &["3:30 app.t"],
        );
    }
}
