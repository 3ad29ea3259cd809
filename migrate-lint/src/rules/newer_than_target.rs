//! `newer-than-target`: `postgres` in `migrate.toml` declares the oldest PostgreSQL major version
//! the migrations must run on (15 when left out). pg_query parses PostgreSQL 18's grammar, so a
//! statement it accepts may still fail on the target: `MERGE` is a syntax error before 15, a
//! subquery in `FROM` without an alias before 16. [`FEATURES`] lists what each version brought,
//! how the parse tree shows it, and what to write for an older server; every entry is checked on
//! PostgreSQL 15 by `tests/tests/target_version.rs` (what is marked 16 or newer fails there with
//! its SQLSTATE, what is marked 15 or older succeeds).
//!
//! The tree is walked once per statement, and only as deep as needed: the statement and its DDL
//! parts (the columns, constraints and partition bounds of `CREATE TABLE`, the sub-commands of
//! `ALTER TABLE`, a `MERGE`'s clauses); and, when the statement's scanner tokens show a subquery
//! or SQL/JSON syntax, pg_query's walk of its queries and expressions (`NodeEnum::nodes`), with
//! the expressions of those DDL parts, a function's SQL body, a trigger's `WHEN` and a policy's
//! expressions.

use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, JsonExprOp, MergeMatchKind,
    Node, ObjectType, PartitionStrategy, SelectStmt, Token,
};
use pg_query::{NodeEnum, NodeRef};

use crate::diagnostic::{Hit, Severity};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};

pub(crate) static RULE: Rule = Rule {
    name: "newer-than-target",
    family: Family::Syntax,
    severity: Severity::Error,
    reason: "the statement uses syntax or a feature newer than the PostgreSQL version the \
             migrations target (`postgres` in migrate.toml): that server rejects it",
    help: "write what the target accepts, or raise `postgres` in migrate.toml if every server \
           runs the newer version",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[
            ("migrate.toml", "postgres = 14\n"),
            (
                "001_init.sql",
                "CREATE TABLE IF NOT EXISTS counters (
    name text PRIMARY KEY,
    hits bigint NOT NULL
);
",
            ),
        ],
        bad: (
            "002_seed_counters.sql",
            "MERGE INTO counters c
USING (VALUES ('home', 0)) AS s (name, hits) ON c.name = s.name
WHEN NOT MATCHED THEN INSERT (name, hits) VALUES (s.name, s.hits);
",
        ),
        good: (
            "002_seed_counters.sql",
            "INSERT INTO counters (name, hits) VALUES ('home', 0)
ON CONFLICT (name) DO NOTHING;
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

/// The first version of `REINDEX ... CONCURRENTLY`, which `index-without-concurrently`
/// suggests.
pub(crate) const REINDEX_CONCURRENTLY: u32 = 12;
/// The first version of `CREATE OR REPLACE AGGREGATE`, which `missing-or-replace` suggests.
pub(crate) const CREATE_OR_REPLACE_AGGREGATE: u32 = 12;
/// The first version of `CREATE OR REPLACE TRIGGER`, which `missing-or-replace` suggests.
pub(crate) const CREATE_OR_REPLACE_TRIGGER: u32 = 14;
/// The first version of `DETACH PARTITION ... CONCURRENTLY`, which
/// `detach-partition-without-concurrently` suggests.
pub(crate) const DETACH_CONCURRENTLY: u32 = 14;
/// The first version of `VIRTUAL` generated columns, which `volatile-default` suggests.
pub(crate) const VIRTUAL_GENERATED: u32 = 18;

/// One piece of syntax or behaviour a PostgreSQL major version brought.
struct Feature {
    /// What it is, as messages name it.
    what: &'static str,
    /// The first major version that accepts it.
    since: u32,
    /// What to write instead for an older server (it exists in every version before `since`
    /// back to 10).
    instead: &'static str,
    /// Whether a node of the tree is it, and where to point.
    found: fn(NodeRef<'_>) -> Option<At>,
}

/// Where a finding points.
enum At {
    /// A node's `location` (-1: the enclosing `ALTER TABLE` sub-command, or the statement).
    Node(i32),
    /// The first keyword `word` from a node's `location` on (-1: from the enclosing sub-command
    /// or the statement).
    Word(i32, &'static str),
    /// The parenthesis that opens a subquery whose first `location` is this one.
    Opening(i32),
}

/// What each major version from 11 brought that a migration may use, oldest first: a node is
/// reported for the first entry it matches that is newer than the target, so an entry's
/// `instead` only has to exist before its own version.
static FEATURES: &[Feature] = &[
    Feature {
        what: "`CREATE PROCEDURE`",
        since: 11,
        instead: "a function: `CREATE FUNCTION ... RETURNS void`, run with `SELECT`",
        found: |n| match n {
            NodeRef::CreateFunctionStmt(s) if s.is_procedure => Some(At::Node(-1)),
            _ => None,
        },
    },
    Feature {
        what: "`CALL`",
        since: 11,
        instead: "a function run with `SELECT`",
        found: |n| match n {
            NodeRef::CallStmt(_) => Some(At::Node(-1)),
            _ => None,
        },
    },
    Feature {
        what: "`INCLUDE` columns of an index",
        since: 11,
        instead: "index the columns themselves, or leave the included columns out",
        found: |n| match n {
            NodeRef::IndexStmt(s) if !s.index_including_params.is_empty() => {
                Some(At::Word(-1, "include"))
            }
            NodeRef::Constraint(c) if !c.including.is_empty() => {
                Some(At::Word(c.location, "include"))
            }
            _ => None,
        },
    },
    Feature {
        what: "`PARTITION BY HASH`",
        since: 11,
        instead: "`PARTITION BY LIST` or `PARTITION BY RANGE`",
        found: |n| match n {
            NodeRef::PartitionSpec(s) if s.strategy() == PartitionStrategy::Hash => {
                Some(At::Node(s.location))
            }
            _ => None,
        },
    },
    Feature {
        what: "a `DEFAULT` partition",
        since: 11,
        instead: "a partition for each range or list of values",
        found: |n| match n {
            NodeRef::PartitionBoundSpec(b) if b.is_default => Some(At::Node(b.location)),
            _ => None,
        },
    },
    Feature {
        what: "a generated column",
        since: 12,
        instead: "a plain column that a trigger keeps up to date",
        found: |n| match n {
            NodeRef::Constraint(c) if c.contype() == ConstrType::ConstrGenerated => {
                Some(At::Node(c.location))
            }
            _ => None,
        },
    },
    Feature {
        what: "`REINDEX ... CONCURRENTLY`",
        since: REINDEX_CONCURRENTLY,
        instead: "`CREATE INDEX CONCURRENTLY` a copy of the index, then `DROP INDEX \
                  CONCURRENTLY` the old one and rename the copy",
        found: |n| match n {
            NodeRef::ReindexStmt(s) => s.params.iter().find_map(|p| match p.node.as_ref() {
                Some(NodeEnum::DefElem(d)) if d.defname == "concurrently" => {
                    Some(At::Node(d.location))
                }
                _ => None,
            }),
            _ => None,
        },
    },
    Feature {
        what: "`CREATE OR REPLACE AGGREGATE`",
        since: CREATE_OR_REPLACE_AGGREGATE,
        instead: "`DROP AGGREGATE IF EXISTS ...`, then `CREATE AGGREGATE ...`",
        found: |n| match n {
            NodeRef::DefineStmt(s) if s.replace && s.kind() == ObjectType::ObjectAggregate => {
                Some(At::Node(-1))
            }
            _ => None,
        },
    },
    Feature {
        what: "`ALTER COLUMN ... DROP EXPRESSION`",
        since: 13,
        instead: "add a plain column, copy the values into it, and drop the generated one",
        found: |n| cmd(n, AlterTableType::AtDropExpression),
    },
    Feature {
        what: "`CREATE OR REPLACE TRIGGER`",
        since: CREATE_OR_REPLACE_TRIGGER,
        instead: "`DROP TRIGGER IF EXISTS ...`, then `CREATE TRIGGER ...`",
        found: |n| match n {
            NodeRef::CreateTrigStmt(s) if s.replace => Some(At::Node(-1)),
            _ => None,
        },
    },
    Feature {
        what: "`DETACH PARTITION ... CONCURRENTLY`",
        since: DETACH_CONCURRENTLY,
        instead: "a plain `DETACH PARTITION ...`, which locks the parent table",
        found: |n| match n {
            NodeRef::AlterTableCmd(c) if c.subtype() == AlterTableType::AtDetachPartition => {
                match c.def.as_ref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::PartitionCmd(p)) if p.concurrent => {
                        Some(At::Word(-1, "concurrently"))
                    }
                    _ => None,
                }
            }
            _ => cmd(n, AlterTableType::AtDetachPartitionFinalize),
        },
    },
    Feature {
        what: "a SQL-standard function body (`BEGIN ATOMIC` or `RETURN`)",
        since: 14,
        instead: "the body as a string: `AS $$ ... $$`",
        found: |n| match n {
            NodeRef::CreateFunctionStmt(s) if s.sql_body.is_some() => Some(At::Node(-1)),
            _ => None,
        },
    },
    Feature {
        what: "a column `COMPRESSION` method",
        since: 14,
        instead: "no compression clause (`pglz` is the only method before 14)",
        found: |n| match n {
            NodeRef::ColumnDef(c) if !c.compression.is_empty() => {
                Some(At::Word(c.location, "compression"))
            }
            _ => cmd(n, AlterTableType::AtSetCompression),
        },
    },
    Feature {
        what: "`MERGE`",
        since: 15,
        instead: "`INSERT ... ON CONFLICT`, or an `UPDATE` and an `INSERT ... WHERE NOT EXISTS`",
        found: |n| match n {
            NodeRef::MergeStmt(_) => Some(At::Node(-1)),
            _ => None,
        },
    },
    Feature {
        what: "`NULLS NOT DISTINCT`",
        since: 15,
        instead: "a partial unique index per nullable column (`WHERE col IS NULL`)",
        found: |n| match n {
            NodeRef::IndexStmt(s) if s.nulls_not_distinct => Some(At::Word(-1, "nulls")),
            NodeRef::Constraint(c) if c.nulls_not_distinct => Some(At::Word(c.location, "nulls")),
            _ => None,
        },
    },
    Feature {
        what: "`ON DELETE SET NULL (...)` or `SET DEFAULT (...)` of some columns",
        since: 15,
        instead: "`ON DELETE SET NULL` of every referencing column, or a trigger",
        found: |n| match n {
            NodeRef::Constraint(c) if !c.fk_del_set_cols.is_empty() => {
                Some(At::Word(c.location, "delete"))
            }
            _ => None,
        },
    },
    Feature {
        what: "a `security_invoker` view",
        since: 15,
        instead: "a view that runs with its owner's privileges: grant the owner only what \
                  every reader may see",
        found: |n| match n {
            NodeRef::ViewStmt(s) => s.options.iter().find_map(|o| match o.node.as_ref() {
                Some(NodeEnum::DefElem(d)) if d.defname == "security_invoker" => {
                    Some(At::Node(d.location))
                }
                _ => None,
            }),
            _ => None,
        },
    },
    Feature {
        what: "a subquery or `VALUES` in `FROM` without an alias",
        since: 16,
        instead: "an alias: `FROM (SELECT ...) AS s`",
        found: |n| match n {
            NodeRef::RangeSubselect(r) if r.alias.is_none() => Some(At::Opening(
                match r.subquery.as_ref().and_then(|q| q.node.as_ref()) {
                    Some(NodeEnum::SelectStmt(s)) => first_location(s),
                    _ => -1,
                },
            )),
            _ => None,
        },
    },
    Feature {
        what: "`JSON_OBJECT(key: value)`",
        since: 16,
        instead: "`json_build_object(key, value)`",
        found: |n| match n {
            NodeRef::JsonObjectConstructor(c) => Some(At::Node(c.location)),
            _ => None,
        },
    },
    Feature {
        what: "`JSON_ARRAY(...)`",
        since: 16,
        instead: "`json_build_array(...)`, or `array_to_json(ARRAY(SELECT ...))`",
        found: |n| match n {
            NodeRef::JsonArrayConstructor(c) => Some(At::Node(c.location)),
            NodeRef::JsonArrayQueryConstructor(c) => Some(At::Node(c.location)),
            _ => None,
        },
    },
    Feature {
        what: "`JSON_ARRAYAGG(...)`",
        since: 16,
        instead: "`json_agg(...)`",
        found: |n| match n {
            NodeRef::JsonArrayAgg(a) => {
                Some(At::Node(a.constructor.as_ref().map_or(-1, |c| c.location)))
            }
            _ => None,
        },
    },
    Feature {
        what: "`JSON_OBJECTAGG(...)`",
        since: 16,
        instead: "`json_object_agg(key, value)`",
        found: |n| match n {
            NodeRef::JsonObjectAgg(a) => {
                Some(At::Node(a.constructor.as_ref().map_or(-1, |c| c.location)))
            }
            _ => None,
        },
    },
    Feature {
        what: "`IS JSON`",
        since: 16,
        instead: "a function that casts the text to `json` and catches the error",
        found: |n| match n {
            NodeRef::JsonIsPredicate(p) => Some(At::Word(p.location, "json")),
            _ => None,
        },
    },
    Feature {
        what: "`MERGE ... RETURNING`",
        since: 17,
        instead: "a `SELECT` of the rows after the `MERGE`",
        found: |n| match n {
            NodeRef::MergeStmt(s) if s.returning_clause.is_some() => {
                Some(At::Word(-1, "returning"))
            }
            _ => None,
        },
    },
    Feature {
        what: "`WHEN NOT MATCHED BY SOURCE`",
        since: 17,
        instead: "a `DELETE` or `UPDATE ... WHERE NOT EXISTS (...)` of the rows the source \
                  lacks",
        found: |n| match n {
            NodeRef::MergeWhenClause(c)
                if c.match_kind() == MergeMatchKind::MergeWhenNotMatchedBySource =>
            {
                Some(At::Word(-1, "source"))
            }
            _ => None,
        },
    },
    Feature {
        what: "`ALTER COLUMN ... SET EXPRESSION`",
        since: 17,
        instead: "`DROP COLUMN ...`, then `ADD COLUMN ... GENERATED ALWAYS AS (...) STORED` \
                  with the new expression",
        found: |n| cmd(n, AlterTableType::AtSetExpression),
    },
    Feature {
        what: "`JSON_TABLE`",
        since: 17,
        instead: "`jsonb_to_recordset(...)` or `jsonb_array_elements(...)`",
        found: |n| match n {
            NodeRef::JsonTable(t) => Some(At::Node(t.location)),
            _ => None,
        },
    },
    Feature {
        what: "`JSON(... WITH UNIQUE KEYS)`",
        since: 17,
        instead: "a cast to `json` (without the check of unique keys)",
        found: |n| match n {
            NodeRef::JsonParseExpr(e) if e.unique_keys => Some(At::Node(e.location)),
            _ => None,
        },
    },
    Feature {
        what: "`JSON_SCALAR(...)`",
        since: 17,
        instead: "`to_json(...)`",
        found: |n| match n {
            NodeRef::JsonScalarExpr(e) => Some(At::Node(e.location)),
            _ => None,
        },
    },
    Feature {
        what: "`JSON_SERIALIZE(...)`",
        since: 17,
        instead: "a cast to `text`",
        found: |n| match n {
            NodeRef::JsonSerializeExpr(e) => Some(At::Node(e.location)),
            _ => None,
        },
    },
    Feature {
        what: "`JSON_EXISTS(...)`",
        since: 17,
        instead: "`jsonb_path_exists(...)`",
        found: |n| json_function(n, JsonExprOp::JsonExistsOp),
    },
    Feature {
        what: "`JSON_QUERY(...)`",
        since: 17,
        instead: "`jsonb_path_query_first(...)`",
        found: |n| json_function(n, JsonExprOp::JsonQueryOp),
    },
    Feature {
        what: "`JSON_VALUE(...)`",
        since: 17,
        instead: "`jsonb_path_query_first(...) #>> '{}'`",
        found: |n| json_function(n, JsonExprOp::JsonValueOp),
    },
    Feature {
        what: "a `VIRTUAL` generated column (the kind when neither `STORED` nor `VIRTUAL` is \
               written)",
        since: VIRTUAL_GENERATED,
        instead: "a `STORED` generated column: `GENERATED ALWAYS AS (...) STORED`",
        found: |n| match n {
            NodeRef::Constraint(c)
                if c.contype() == ConstrType::ConstrGenerated && c.generated_kind == "v" =>
            {
                Some(At::Node(c.location))
            }
            _ => None,
        },
    },
    Feature {
        what: "a `NOT ENFORCED` constraint",
        since: 18,
        instead: "no constraint, or one added `NOT VALID` (checked for new rows only)",
        found: |n| match n {
            // A column's constraint is followed by its `NOT ENFORCED`; a table's holds it.
            NodeRef::Constraint(c)
                if c.contype() == ConstrType::ConstrAttrNotEnforced
                    || !c.is_enforced
                        && matches!(
                            c.contype(),
                            ConstrType::ConstrCheck | ConstrType::ConstrForeign
                        ) =>
            {
                Some(At::Word(c.location, "enforced"))
            }
            _ => None,
        },
    },
    Feature {
        what: "`WITHOUT OVERLAPS`",
        since: 18,
        instead: "an exclusion constraint: `EXCLUDE USING gist (id WITH =, during WITH &&)` \
                  (`btree_gist` for the `=` of plain types)",
        found: |n| match n {
            NodeRef::Constraint(c) if c.without_overlaps => Some(At::Word(c.location, "overlaps")),
            _ => None,
        },
    },
];

/// An `ALTER TABLE` sub-command of this type, at its start.
fn cmd(node: NodeRef<'_>, subtype: AlterTableType) -> Option<At> {
    match node {
        NodeRef::AlterTableCmd(c) if c.subtype() == subtype => Some(At::Node(-1)),
        _ => None,
    }
}

/// `JSON_EXISTS`, `JSON_QUERY` or `JSON_VALUE`.
fn json_function(node: NodeRef<'_>, op: JsonExprOp) -> Option<At> {
    match node {
        NodeRef::JsonFuncExpr(e) if e.op() == op => Some(At::Node(e.location)),
        _ => None,
    }
}

/// The first `location` of a query: its `WITH`, its first output column, its first value, or
/// its first branch's (-1 when none is known).
fn first_location(s: &SelectStmt) -> i32 {
    if let Some(with) = &s.with_clause {
        return with.location;
    }
    if let Some(NodeEnum::ResTarget(t)) = s.target_list.first().and_then(|n| n.node.as_ref()) {
        return t.location;
    }
    if let Some(NodeEnum::List(row)) = s.values_lists.first().and_then(|n| n.node.as_ref()) {
        return row.items.first().map_or(-1, value_location);
    }
    s.larg.as_deref().map_or(-1, first_location)
}

/// Where a value of a `VALUES` row is written (-1 for a kind this does not know).
fn value_location(node: &Node) -> i32 {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(c)) => c.location,
        Some(NodeEnum::ColumnRef(c)) => c.location,
        Some(NodeEnum::ParamRef(p)) => p.location,
        Some(NodeEnum::FuncCall(f)) => f.location,
        Some(NodeEnum::TypeCast(c)) => c.location,
        Some(NodeEnum::AExpr(e)) => e.location,
        _ => -1,
    }
}

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let target = ctx.target;
    let mut first_newer = 0;
    while first_newer < FEATURES.len() && target.at_least(FEATURES[first_newer].since) {
        first_newer += 1;
    }
    let newer = &FEATURES[first_newer..];
    if newer.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (node, fallback) in nodes(ctx) {
        let Some((feature, at)) = first_found(newer, node) else {
            continue;
        };
        let since = feature.since;
        hits.push(
            Hit::new(
                place(ctx, at, fallback),
                format!("{} needs PostgreSQL {since}; {target}", feature.what),
            )
            .help(format!(
                "for PostgreSQL {}, write {}; or, if every server runs PostgreSQL {since} or \
                 newer, write `postgres = {since}` in migrate.toml",
                target.version, feature.instead
            )),
        );
    }
    hits.sort_by_key(|h| h.at);
    hits
}

/// The first of `features` that `node` is, and where it is. An index loop: the checker runs
/// unoptimised inside the macro, where iterators cost.
fn first_found<'f>(features: &'f [Feature], node: NodeRef<'_>) -> Option<(&'f Feature, At)> {
    let mut i = 0;
    while i < features.len() {
        if let Some(at) = (features[i].found)(node) {
            return Some((&features[i], at));
        }
        i += 1;
    }
    None
}

/// Whether the statement's tokens show a subquery (`(SELECT`, `(VALUES`, `(WITH`) or SQL/JSON
/// syntax (`JSON_OBJECT`, ..., `IS JSON`, `JSON(`): the only features found inside queries and
/// expressions. Other statements are read without walking their expressions.
fn has_queries_or_json(ctx: &StatementCtx<'_>) -> bool {
    // The raw token numbers: `ScanToken::token()` converts each, which costs unoptimised.
    const OPEN: i32 = Token::Ascii40 as i32;
    const SELECT: i32 = Token::Select as i32;
    const VALUES: i32 = Token::Values as i32;
    const WITH: i32 = Token::With as i32;
    const IS: i32 = Token::Is as i32;
    const NOT: i32 = Token::Not as i32;
    const JSON: i32 = Token::Json as i32;
    const JSON_KEYWORDS: std::ops::RangeInclusive<i32> =
        Token::JsonArray as i32..=Token::JsonValue as i32;
    const COMMENTS: [i32; 2] = [Token::SqlComment as i32, Token::CComment as i32];
    let mut previous = 0;
    for scanned in ctx.tokens {
        let token = scanned.token;
        if token == COMMENTS[0] || token == COMMENTS[1] {
            continue;
        }
        let shows = match (previous, token) {
            (OPEN, SELECT | VALUES | WITH) | (IS | NOT, JSON) | (JSON, OPEN) => true,
            _ => token >= *JSON_KEYWORDS.start() && token <= *JSON_KEYWORDS.end(),
        };
        if shows {
            return true;
        }
        previous = token;
    }
    false
}

/// Every node of the statement once, each with where to point when it has no `location` (the
/// `ALTER TABLE` sub-command it belongs to, or the statement): the statement, its DDL parts,
/// and, when its tokens show a query or SQL/JSON syntax, every node of its queries and
/// expressions.
fn nodes<'a>(ctx: &StatementCtx<'a>) -> Vec<(NodeRef<'a>, usize)> {
    let start = ctx.start();
    let deep = has_queries_or_json(ctx);
    let mut found: Vec<(NodeRef<'a>, usize)> = match (deep, ctx.node) {
        (true, node) => node.nodes().into_iter().map(|(n, ..)| (n, start)).collect(),
        (false, NodeEnum::MergeStmt(s)) => std::iter::once(ctx.node.to_ref())
            .chain(
                s.merge_when_clauses
                    .iter()
                    .filter_map(|c| Some(c.node.as_ref()?.to_ref())),
            )
            .map(|n| (n, start))
            .collect(),
        (false, node) => vec![(node.to_ref(), start)],
    };
    let mut expression = |found: &mut Vec<_>, node: Option<&'a Node>, at: usize| {
        if let Some(node) = node.and_then(|n| n.node.as_ref()).filter(|_| deep) {
            found.extend(node.nodes().into_iter().map(|(n, ..)| (n, at)));
        }
    };
    match ctx.node {
        NodeEnum::CreateStmt(s) => {
            for element in &s.table_elts {
                match element.node.as_ref() {
                    Some(NodeEnum::ColumnDef(c)) => column(&mut found, &mut expression, c, start),
                    Some(NodeEnum::Constraint(c)) => {
                        constraint(&mut found, &mut expression, c, start);
                    }
                    _ => {}
                }
            }
            found.extend(
                s.partspec
                    .as_ref()
                    .map(|p| (NodeRef::PartitionSpec(p), start)),
            );
            found.extend(
                s.partbound
                    .as_ref()
                    .map(|b| (NodeRef::PartitionBoundSpec(b), start)),
            );
        }
        NodeEnum::AlterTableStmt(_) => {
            for (_, cmd, at) in ctx.alter_table_cmds_at() {
                found.push((NodeRef::AlterTableCmd(cmd), at));
                alter_table_cmd(&mut found, &mut expression, cmd, at);
            }
        }
        NodeEnum::CreateFunctionStmt(s) => expression(&mut found, s.sql_body.as_deref(), start),
        NodeEnum::CreateTrigStmt(s) => expression(&mut found, s.when_clause.as_deref(), start),
        NodeEnum::CreatePolicyStmt(s) => {
            expression(&mut found, s.qual.as_deref(), start);
            expression(&mut found, s.with_check.as_deref(), start);
        }
        _ => {}
    }
    found
}

/// What an `ALTER TABLE` sub-command holds: a column, a constraint, a partition, an expression.
fn alter_table_cmd<'a>(
    found: &mut Vec<(NodeRef<'a>, usize)>,
    expression: &mut impl FnMut(&mut Vec<(NodeRef<'a>, usize)>, Option<&'a Node>, usize),
    cmd: &'a AlterTableCmd,
    at: usize,
) {
    match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::ColumnDef(c)) => column(found, expression, c, at),
        Some(NodeEnum::Constraint(c)) => constraint(found, expression, c, at),
        Some(NodeEnum::PartitionCmd(p)) => {
            found.extend(
                p.bound
                    .as_ref()
                    .map(|b| (NodeRef::PartitionBoundSpec(b), at)),
            );
        }
        Some(_) => expression(found, cmd.def.as_deref(), at),
        None => {}
    }
}

/// A column: itself, its constraints, its default.
fn column<'a>(
    found: &mut Vec<(NodeRef<'a>, usize)>,
    expression: &mut impl FnMut(&mut Vec<(NodeRef<'a>, usize)>, Option<&'a Node>, usize),
    c: &'a ColumnDef,
    at: usize,
) {
    found.push((NodeRef::ColumnDef(c), at));
    expression(found, c.raw_default.as_deref(), at);
    for node in &c.constraints {
        if let Some(NodeEnum::Constraint(c)) = node.node.as_ref() {
            constraint(found, expression, c, at);
        }
    }
}

/// A constraint: itself and its expression.
fn constraint<'a>(
    found: &mut Vec<(NodeRef<'a>, usize)>,
    expression: &mut impl FnMut(&mut Vec<(NodeRef<'a>, usize)>, Option<&'a Node>, usize),
    c: &'a Constraint,
    at: usize,
) {
    found.push((NodeRef::Constraint(c), at));
    expression(found, c.raw_expr.as_deref(), at);
}

/// The file offset a finding points at.
fn place(ctx: &StatementCtx<'_>, at: At, fallback: usize) -> usize {
    let from = |location: i32| match location {
        -1 => fallback,
        location => ctx.at(location),
    };
    match at {
        At::Node(location) => from(location),
        At::Word(location, word) => {
            let from = from(location);
            ctx.words()
                .find(|(_, written, at)| *at >= from && written.eq_ignore_ascii_case(word))
                .map_or(from, |(_, _, at)| at)
        }
        At::Opening(-1) => fallback,
        At::Opening(location) => {
            let first = ctx.at(location);
            let words: Vec<_> = ctx.words().filter(|(_, _, at)| *at < first).collect();
            words
                .windows(2)
                .rev()
                .find(|pair| {
                    pair[0].0.token() == Token::Ascii40
                        && matches!(
                            pair[1].0.token(),
                            Token::Select | Token::Values | Token::With
                        )
                })
                .map_or(fallback, |pair| pair[0].2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FEATURES, RULE};
    use crate::check::check_script;
    use crate::rule::{Policy, ScriptKind, Target};
    use migrate_core::PgVersion;

    /// `(line, column, message, help)` of each finding of the rule when the target is `target`.
    fn found(target: u32, sql: &str) -> Vec<(usize, usize, String, String)> {
        let policy = Policy {
            target: Target {
                version: PgVersion::new(target).unwrap(),
                declared: true,
            },
            ..Policy::default()
        };
        let (_, diagnostics, _) = check_script("test.sql", sql, ScriptKind::Up, &policy);
        diagnostics
            .into_iter()
            .filter(|d| d.rule == RULE.name)
            .map(|d| {
                let p = d.position.unwrap();
                (p.line, p.column, d.message, d.help)
            })
            .collect()
    }

    /// The first version of each feature a statement uses, as the rule reports them with the
    /// oldest target.
    fn versions(sql: &str) -> Vec<String> {
        found(10, sql)
            .into_iter()
            .map(|(.., message, _)| message)
            .collect()
    }

    #[test]
    fn the_table_is_oldest_first() {
        assert!(FEATURES.windows(2).all(|w| w[0].since <= w[1].since));
        assert!(FEATURES
            .iter()
            .all(|f| f.since > PgVersion::OLDEST.major() && f.since <= PgVersion::NEWEST.major()));
    }

    #[test]
    fn each_feature_is_found_where_it_is_written() {
        for (sql, what) in [
            ("CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';", "`CREATE PROCEDURE`"),
            ("CALL p();", "`CALL`"),
            ("CREATE INDEX i ON t (a) INCLUDE (b);", "`INCLUDE` columns"),
            ("CREATE TABLE t (a int, b int, UNIQUE (a) INCLUDE (b));", "`INCLUDE` columns"),
            ("CREATE TABLE t (id int) PARTITION BY HASH (id);", "`PARTITION BY HASH`"),
            ("CREATE TABLE d PARTITION OF p DEFAULT;", "a `DEFAULT` partition"),
            ("ALTER TABLE p ATTACH PARTITION d DEFAULT;", "a `DEFAULT` partition"),
            ("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a) STORED);", "a generated"),
            ("ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a) STORED;", "a generated"),
            ("REINDEX INDEX CONCURRENTLY i;", "`REINDEX ... CONCURRENTLY`"),
            ("REINDEX (CONCURRENTLY) TABLE t;", "`REINDEX ... CONCURRENTLY`"),
            ("CREATE OR REPLACE AGGREGATE a(int) (SFUNC = int4pl, STYPE = int);", "`CREATE OR REPLACE AGGREGATE`"),
            ("ALTER TABLE t ALTER COLUMN b DROP EXPRESSION;", "`ALTER COLUMN ... DROP"),
            ("CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();", "`CREATE OR REPLACE TRIGGER`"),
            ("ALTER TABLE p DETACH PARTITION c CONCURRENTLY;", "`DETACH PARTITION ... CONCURRENTLY`"),
            ("ALTER TABLE p DETACH PARTITION c FINALIZE;", "`DETACH PARTITION ... CONCURRENTLY`"),
            ("CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1;", "a SQL-standard function body"),
            ("CREATE TABLE t (a text COMPRESSION pglz);", "a column `COMPRESSION`"),
            ("ALTER TABLE t ALTER COLUMN a SET COMPRESSION pglz;", "a column `COMPRESSION`"),
            ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;", "`MERGE`"),
            ("CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT;", "`NULLS NOT DISTINCT`"),
            ("ALTER TABLE t ADD CONSTRAINT u UNIQUE NULLS NOT DISTINCT (a);", "`NULLS NOT DISTINCT`"),
            ("CREATE TABLE t (a int REFERENCES p ON DELETE SET NULL (a));", "`ON DELETE SET NULL (...)`"),
            ("CREATE VIEW v WITH (security_invoker = true) AS SELECT 1 AS x;", "a `security_invoker` view"),
            ("SELECT * FROM (SELECT 1);", "a subquery or `VALUES` in `FROM`"),
            ("UPDATE t SET a = 1 FROM (VALUES (1)) WHERE true;", "a subquery or `VALUES` in `FROM`"),
            ("SELECT json_object('a': 1);", "`JSON_OBJECT(key: value)`"),
            ("SELECT json_array(1, 2);", "`JSON_ARRAY(...)`"),
            ("SELECT json_array(SELECT 1);", "`JSON_ARRAY(...)`"),
            ("SELECT json_arrayagg(a) FROM t;", "`JSON_ARRAYAGG(...)`"),
            ("SELECT json_objectagg(k: a) FROM t;", "`JSON_OBJECTAGG(...)`"),
            ("ALTER TABLE t ADD CHECK (data IS JSON);", "`IS JSON`"),
            ("CREATE TABLE t (data json CHECK (data IS NOT JSON ARRAY));", "`IS JSON`"),
            ("SELECT * FROM ((SELECT 1));", "a subquery or `VALUES` in `FROM`"),
            ("CREATE VIEW v AS SELECT * FROM (WITH w AS (SELECT 1) SELECT * FROM w);", "a subquery"),
            ("SELECT json('{}' WITH UNIQUE KEYS);", "`JSON(... WITH UNIQUE KEYS)`"),
            ("SELECT json_scalar(1);", "`JSON_SCALAR(...)`"),
            ("SELECT json_serialize('{}');", "`JSON_SERIALIZE(...)`"),
            ("SELECT json_exists('{}', '$.a');", "`JSON_EXISTS(...)`"),
            ("SELECT json_query('{}', '$.a');", "`JSON_QUERY(...)`"),
            ("SELECT json_value('{}', '$.a');", "`JSON_VALUE(...)`"),
            ("SELECT * FROM json_table('[]', '$[*]' COLUMNS (x int PATH '$')) AS j;", "`JSON_TABLE`"),
            ("ALTER TABLE t ALTER COLUMN b SET EXPRESSION AS (a * 3);", "`ALTER COLUMN ... SET EXPRESSION`"),
            ("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a) VIRTUAL);", "a generated"),
            ("CREATE TABLE t (a int CHECK (a > 0) NOT ENFORCED);", "a `NOT ENFORCED` constraint"),
            ("ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p NOT ENFORCED;", "a `NOT ENFORCED` constraint"),
            ("CREATE TABLE t (id int, r int4range, PRIMARY KEY (id, r WITHOUT OVERLAPS));", "`WITHOUT OVERLAPS`"),
        ] {
            let found = versions(sql);
            assert_eq!(found.len(), 1, "{sql}: {found:?}");
            assert!(found[0].starts_with(what), "{sql}: {found:?}");
        }
    }

    #[test]
    fn points_at_the_feature_and_names_both_versions() {
        let sql = "INSERT INTO t (a)\nSELECT x FROM\n  (SELECT 1 AS x) AS ok,\n  (VALUES (2));";
        assert_eq!(
            found(15, sql),
            [(
                4,
                3,
                "a subquery or `VALUES` in `FROM` without an alias needs PostgreSQL 16; \
                 migrate.toml declares `postgres = 15`"
                    .to_owned(),
                "for PostgreSQL 15, write an alias: `FROM (SELECT ...) AS s`; or, if every \
                 server runs PostgreSQL 16 or newer, write `postgres = 16` in migrate.toml"
                    .to_owned()
            )]
        );
        assert!(found(16, sql).is_empty());
        let (_, default, _) = check_script("test.sql", sql, ScriptKind::Up, &Policy::default());
        assert_eq!(
            default
                .iter()
                .find(|d| d.rule == RULE.name)
                .unwrap()
                .message,
            "a subquery or `VALUES` in `FROM` without an alias needs PostgreSQL 16; the target \
             is PostgreSQL 15, the default when migrate.toml declares no `postgres`"
        );
        let merge = "MERGE INTO t USING s ON t.id = s.id\nWHEN NOT MATCHED BY SOURCE THEN DELETE\n\
                     RETURNING t.id;";
        let at: Vec<_> = found(14, merge)
            .into_iter()
            .map(|(line, column, message, _)| (line, column, message))
            .collect();
        assert_eq!(
            at,
            [
                (
                    1,
                    1,
                    "`MERGE` needs PostgreSQL 15; migrate.toml declares `postgres = 14`".to_owned()
                ),
                (
                    2,
                    21,
                    "`WHEN NOT MATCHED BY SOURCE` needs PostgreSQL 17; migrate.toml declares \
                     `postgres = 14`"
                        .to_owned()
                )
            ]
        );
        assert_eq!(found(16, merge).len(), 2);
        let (line, column, ..) = &found(
            16,
            "CREATE TABLE t (\n  a int,\n  b int GENERATED ALWAYS AS (a)\n);",
        )[0];
        assert_eq!((*line, *column), (3, 9));
        let (line, column, ..) = &found(13, "ALTER TABLE p\n  DETACH PARTITION c CONCURRENTLY;")[0];
        assert_eq!((*line, *column), (2, 22));
    }

    #[test]
    fn the_oldest_newer_feature_of_a_node_is_reported() {
        let sql = "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a) VIRTUAL);";
        let (.., message, help) = &found(11, sql)[0];
        assert!(
            message.starts_with("a generated column needs PostgreSQL 12"),
            "{message}"
        );
        assert!(
            help.starts_with("for PostgreSQL 11, write a plain column"),
            "{help}"
        );
        let (.., message, help) = &found(17, sql)[0];
        assert!(message.contains("needs PostgreSQL 18"), "{message}");
        assert!(
            help.contains("`GENERATED ALWAYS AS (...) STORED`"),
            "{help}"
        );
    }

    #[test]
    fn passes_what_the_target_accepts_and_older_forms() {
        for sql in [
            "SELECT * FROM (SELECT 1) AS s, (VALUES (1)) v (x), LATERAL (SELECT 2) l;",
            "SELECT json('{}'), json_object('{a,b}'), json_build_object('a', 1);",
            "CREATE TABLE t (a int REFERENCES p, b int CHECK (b > 0), FOREIGN KEY (a) REFERENCES p ON DELETE SET NULL);",
            "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a) STORED);",
            "CREATE UNIQUE INDEX i ON t (a) INCLUDE (b);",
            "ALTER TABLE p DETACH PARTITION c;",
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;",
            "SELECT a FROM t ORDER BY a NULLS FIRST;",
            "CREATE TABLE t (data json, doc jsonb DEFAULT '{}'::json);",
        ] {
            assert_eq!(found(15, sql), [], "{sql}");
        }
        for sql in ["SELECT json_table FROM t;", "SELECT * FROM (SELECT 1);"] {
            assert_eq!(found(18, sql), [], "{sql}");
        }
    }

    #[test]
    fn looks_into_do_blocks() {
        let sql =
            "DO $$ BEGIN\n  MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;\nEND $$;";
        let (line, column, ..) = &found(14, sql)[0];
        assert_eq!((*line, *column), (2, 3));
    }
}
