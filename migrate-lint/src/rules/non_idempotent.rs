//! `non-idempotent`: statements with no `IF [NOT] EXISTS` or `OR REPLACE` form fail when the
//! migration runs a second time: `ALTER TABLE ... ADD CONSTRAINT`, `CREATE TYPE`, `CREATE DOMAIN`,
//! `CREATE POLICY`, `CREATE ROLE/USER/GROUP`, `ALTER DOMAIN ... ADD CONSTRAINT`, `ALTER TYPE ...
//! ADD ATTRIBUTE`, `[NO] INHERIT` (the object exists, or is gone), every `RENAME` and `SET SCHEMA`
//! (the old name is gone). Two more fail, or do something else, because of what the first run
//! did: a type change whose `USING` converts the values (the second run converts converted
//! values), and a data statement on a table that a later statement of the file drops, or on a
//! column that a later statement drops or renames (it is gone on the second run). Each is safe
//! after an earlier `DROP` of the same object in the file (or of the table a constraint, policy
//! or renamed column belongs to; one `DROP` guards one create: a second `ADD CONSTRAINT c` after
//! it fails on every run), and inside a guarded `DO` block, which catches the error or checks the
//! catalog first (see `plpgsql`).

use pg_query::protobuf::{
    AlterDomainStmt, AlterEnumStmt, AlterObjectSchemaStmt, AlterTableCmd, AlterTableType,
    ConstrType, CreatePolicyStmt, CreateRoleStmt, ObjectType, RangeVar, RenameStmt, RoleStmtType,
};
use pg_query::{Node, NodeEnum};

use crate::diagnostic::{Hit, Severity};
use crate::objects::{
    added_constraint_name, cmd_column, column_key, constraint_name, display_name, display_object,
    display_relation, display_type, kind_keyword, object_name, relation_name, strings, ObjectKey,
};
use crate::plpgsql;
use crate::quote::{ident, literal, qualified};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};

pub(crate) static RULE: Rule = Rule {
    name: "non-idempotent",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "`ADD CONSTRAINT`, `CREATE TYPE/DOMAIN/POLICY/ROLE`, `RENAME`, `SET SCHEMA`, `ADD \
             ATTRIBUTE`, `[NO] INHERIT`, a `USING` conversion and a statement on a table (or a \
             column) that a later statement drops (or renames) have no idempotent form and fail \
             (or convert again) when the migration runs a second time",
    help: "wrap the statement in a `DO` block that skips it when it was already done, or put a \
           `DROP ... IF EXISTS` of the same object before it",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[],
        bad: (
            "002_mood.sql",
            "CREATE TYPE mood AS ENUM ('happy', 'sad');\n",
        ),
        good: (
            "002_mood.sql",
            "DO $$
BEGIN
    CREATE TYPE mood AS ENUM ('happy', 'sad');
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;
",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

/// Statements longer than this are abbreviated in the examples of the help.
const SHORT: usize = 100;

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let hit = match ctx.node {
        NodeEnum::CreateEnumStmt(s) => create_type(ctx, strings(&s.type_name)),
        NodeEnum::CreateRangeStmt(s) => create_type(ctx, strings(&s.type_name)),
        NodeEnum::CompositeTypeStmt(s) => create_type(
            ctx,
            s.typevar.as_ref().map(relation_name).unwrap_or_default(),
        ),
        NodeEnum::DefineStmt(s) if s.kind() == ObjectType::ObjectType => {
            create_type(ctx, strings(&s.defnames))
        }
        NodeEnum::CreateDomainStmt(s) => create(
            ctx,
            "DOMAIN",
            ObjectKey::new(ObjectType::ObjectDomain, strings(&s.domainname)),
        ),
        NodeEnum::CreatePolicyStmt(s) => create_policy(ctx, s),
        NodeEnum::CreateRoleStmt(s) => create_role(ctx, s),
        NodeEnum::RenameStmt(s) => rename(ctx, s),
        NodeEnum::AlterEnumStmt(s) if !s.old_val.is_empty() => Some(rename_value(ctx, s)),
        NodeEnum::AlterObjectSchemaStmt(s) => set_schema(ctx, s),
        NodeEnum::AlterDomainStmt(s) if s.subtype == "C" => add_domain_constraint(ctx, s),
        _ => None,
    };
    hit.into_iter()
        .chain(add_constraints(ctx))
        .chain(alter_table_commands(ctx))
        .chain(reads_what_a_later_statement_drops(ctx))
        .chain(uses_a_column_a_later_statement_drops(ctx))
        .collect()
}

/// `ALTER ... SET SCHEMA`: on the second run the object is no longer in its old schema.
/// Relations have `ALTER ... IF EXISTS`, which skips then.
fn set_schema(ctx: &StatementCtx<'_>, s: &AlterObjectSchemaStmt) -> Option<Hit> {
    let kind = s.object_type();
    let keyword = kind_keyword(kind);
    let new = ident(&s.newschema);
    let (name, help) = match (s.relation.as_ref(), s.object.as_deref()) {
        (Some(_), _) if s.missing_ok => return None,
        (Some(relation), _) => {
            let name = display_relation(Some(relation));
            let help = format!("write `ALTER {keyword} IF EXISTS {name} SET SCHEMA {new}`");
            (name, help)
        }
        (None, Some(object)) => {
            let help = format!(
                "skip it when it was moved already: `{}`",
                skip_on(
                    &example(ctx, &format!("ALTER {keyword} ... SET SCHEMA {new}")),
                    missing_condition(kind)
                )
            );
            (display_object(kind, object), help)
        }
        (None, None) => return None,
    };
    Some(
        ctx.hit(format!(
            "moving {} `{name}` to schema `{new}` fails when it runs again: it is no longer in \
             its old schema",
            keyword.to_lowercase()
        ))
        .help(help),
    )
}

/// `ALTER DOMAIN ... ADD CONSTRAINT`, unless an earlier `DROP` of the constraint or the domain
/// guards it.
fn add_domain_constraint(ctx: &StatementCtx<'_>, s: &AlterDomainStmt) -> Option<Hit> {
    let domain = strings(&s.type_name);
    let name = match s.def.as_ref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) => c.conname.clone(),
        _ => String::new(),
    };
    let mut constraint = domain.clone();
    constraint.push(name.clone());
    if ctx
        .earlier
        .dropped(&ObjectKey::new(ObjectType::ObjectDomain, domain.clone()))
        || (!name.is_empty()
            && ctx
                .earlier
                .dropped(&ObjectKey::new(ObjectType::ObjectDomconstraint, constraint)))
    {
        return None;
    }
    let domain = qualified(&domain);
    let shown = if name.is_empty() {
        "a constraint".to_owned()
    } else {
        format!("constraint `{}`", ident(&name))
    };
    Some(
        ctx.hit(format!(
            "adding {shown} to domain `{domain}` has no `IF NOT EXISTS` form and fails when it \
             runs again"
        ))
        .help(format!(
            "skip it when it exists: `{}`; or put `ALTER DOMAIN {domain} DROP CONSTRAINT IF \
             EXISTS <name>;` before it",
            skip_on(
                &example(ctx, &format!("ALTER DOMAIN {domain} ADD CONSTRAINT")),
                "duplicate_object"
            )
        )),
    )
}

/// `ALTER TABLE` sub-commands without an idempotent form: `ALTER TYPE ... ADD ATTRIBUTE`,
/// `[NO] INHERIT`, and a type change whose `USING` converts the values (on the second run it
/// converts the converted values, or fails).
fn alter_table_commands(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::AlterTableStmt(stmt) = ctx.node else {
        return Vec::new();
    };
    let on_type = stmt.objtype() == ObjectType::ObjectType;
    ctx.alter_table_cmds_at()
        .into_iter()
        .filter_map(|(relation, cmd, at)| {
            let name = display_relation(relation);
            let (message, help) = match cmd.subtype() {
                AlterTableType::AtAddColumn if on_type => add_attribute(ctx, relation, cmd)?,
                AlterTableType::AtAddInherit | AlterTableType::AtDropInherit => {
                    inherit(ctx, &name, cmd)?
                }
                AlterTableType::AtAlterColumnType => conversion(&name, cmd)?,
                _ => return None,
            };
            Some(Hit::new(at, message).help(help))
        })
        .collect()
}

fn add_attribute(
    ctx: &StatementCtx<'_>,
    relation: Option<&RangeVar>,
    cmd: &AlterTableCmd,
) -> Option<(String, String)> {
    let relation = relation?;
    let key = ObjectKey::new(ObjectType::ObjectType, relation_name(relation));
    if ctx.earlier.dropped(&key) {
        return None;
    }
    let attribute = ident(&cmd_column(cmd)?.colname);
    let name = display_relation(Some(relation));
    Some((
        format!(
            "`ADD ATTRIBUTE {attribute}` to type `{name}` has no `IF NOT EXISTS` form and fails \
             when the attribute already exists"
        ),
        format!(
            "skip it when it exists: `{}`",
            skip_on(
                &example(ctx, &format!("ALTER TYPE {name} ADD ATTRIBUTE")),
                "duplicate_column"
            )
        ),
    ))
}

fn inherit(ctx: &StatementCtx<'_>, table: &str, cmd: &AlterTableCmd) -> Option<(String, String)> {
    let parent = match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::RangeVar(parent) => display_relation(Some(parent)),
        _ => return None,
    };
    let (what, why, condition) = if cmd.subtype() == AlterTableType::AtDropInherit {
        ("NO INHERIT", "is no longer a parent", "undefined_table")
    } else {
        ("INHERIT", "is a parent already", "duplicate_table")
    };
    Some((
        format!("`{what} {parent}` on `{table}` fails when it runs again: `{parent}` {why}"),
        format!(
            "skip it when it was done: `{}`",
            skip_on(
                &example(ctx, &format!("ALTER TABLE {table} {what} {parent}")),
                condition
            )
        ),
    ))
}

/// `ALTER COLUMN ... TYPE ... USING <expression>`, unless the expression is the column itself
/// or a plain cast of it (which converts a value of the new type to itself).
fn conversion(table: &str, cmd: &AlterTableCmd) -> Option<(String, String)> {
    let column = cmd_column(cmd)?;
    let using = column.raw_default.as_deref()?;
    let plain = |node: &Node| match node.node.as_ref() {
        Some(NodeEnum::ColumnRef(c)) => strings(&c.fields).last() == Some(&cmd.name),
        _ => false,
    };
    let is_plain = match using.node.as_ref() {
        Some(NodeEnum::TypeCast(cast)) => cast.arg.as_deref().is_some_and(plain),
        _ => plain(using),
    };
    if is_plain {
        return None;
    }
    let name = ident(&cmd.name);
    let new_type = column
        .type_name
        .as_ref()
        .map_or_else(String::new, display_type);
    let (table_literal, name_literal, type_literal) =
        (literal(table), literal(&cmd.name), literal(&new_type));
    Some((
        format!(
            "`ALTER COLUMN {name} TYPE {new_type} USING ...` converts `{name}` again when it runs \
             again: the values have the new type already, so the conversion fails or changes them \
             a second time"
        ),
        format!(
            "convert only while the column has its old type: `DO $$ BEGIN IF (SELECT \
             format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = \
             {table_literal}::regclass AND attname = {name_literal}) <> {type_literal} THEN ALTER \
             TABLE {table} ALTER COLUMN {name} TYPE {new_type} USING ...; END IF; END $$;`"
        ),
    ))
}

/// A data statement that reads or writes a table which a later statement of the file drops
/// (and none creates again): on the second run the table is gone.
fn reads_what_a_later_statement_drops(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    // Walking the tree costs on a long `INSERT`: only when there is a drop to find.
    if !ctx.earlier.drops_later() {
        return Vec::new();
    }
    if !matches!(
        ctx.node,
        NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_)
            | NodeEnum::SelectStmt(_)
    ) {
        return Vec::new();
    }
    let mut seen: Vec<Vec<String>> = Vec::new();
    ctx.node
        .nodes()
        .into_iter()
        .filter_map(|(node, ..)| match node {
            pg_query::NodeRef::RangeVar(r) if ctx.earlier.gone_on_rerun(r) => Some(r),
            _ => None,
        })
        .filter(|r| {
            let name = relation_name(r);
            let new = !seen.contains(&name);
            seen.push(name);
            new
        })
        .map(|r| {
            let table = display_relation(Some(r));
            Hit::new(
                ctx.at(r.location),
                format!(
                    "this statement uses `{table}`, which a later statement of the file drops: \
                     when the file runs again `{table}` no longer exists here"
                ),
            )
            .help(format!(
                "run it only while `{table}` exists: `DO $$ BEGIN IF to_regclass({}) IS NOT \
                 NULL THEN <statement>; END IF; END $$;`",
                literal(&table)
            ))
        })
        .collect()
}

/// A data statement that names a column which a later statement of the file drops or renames
/// (and none adds again): on the second run the column is gone, and the statement fails.
///
/// The statements of a guarded `DO` block (one with a condition, which the other idempotency
/// checks leave alone) are checked here, at the `DO`: a condition skips a column that is gone
/// only when it asks the catalog about it, naming the column in a string (`attname =
/// 'column'`).
fn uses_a_column_a_later_statement_drops(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    if !ctx.earlier.drops_later() {
        return Vec::new();
    }
    let mut used: Vec<(Vec<String>, String, usize)> = Vec::new();
    match ctx.node {
        NodeEnum::DoStmt(d) => {
            let block = plpgsql::read(d, ctx.text, ctx.range.clone(), ctx.base);
            for inner in block.iter().flat_map(|b| &b.statements) {
                if !inner.guarded || !is_data_statement(&inner.node) {
                    continue;
                }
                used.extend(
                    columns_used(&inner.node)
                        .into_iter()
                        .filter(|(_, column, _)| !ctx.sql().contains(&literal(column)))
                        .map(|(table, column, location)| {
                            let at = usize::try_from(location).map_or(inner.range.start, |l| l);
                            (table, column, inner.base + at)
                        }),
                );
            }
        }
        node if is_data_statement(node) => used.extend(
            columns_used(node)
                .into_iter()
                .map(|(table, column, location)| (table, column, ctx.at(location))),
        ),
        _ => {}
    }
    let mut seen: Vec<(Vec<String>, String)> = Vec::new();
    let mut hits = Vec::new();
    for (table, column, at) in used {
        let Some(gone) = ctx.earlier.column_gone_on_rerun(&table, &column) else {
            continue;
        };
        let used = (table, column);
        if seen.contains(&used) {
            continue;
        }
        let (table, column) = (qualified(&used.0), ident(&used.1));
        let what = match gone.renamed_to {
            Some(new) => format!("renames it to `{}`", ident(new)),
            None => "drops it".to_owned(),
        };
        hits.push(
            Hit::new(
                at,
                format!(
                    "this statement uses column `{column}` of `{table}`, and the statement on \
                     line {} of this file {what}: when the file runs again `{column}` no longer \
                     exists here",
                    gone.line
                ),
            )
            .help(format!(
                "run it only while the column exists: `DO $$ BEGIN IF EXISTS (SELECT FROM \
                 pg_attribute WHERE attrelid = to_regclass({}) AND attname = {} AND NOT \
                 attisdropped) THEN <statement>; END IF; END $$;`",
                literal(&table),
                literal(&used.1)
            )),
        );
        seen.push(used);
    }
    hits
}

fn is_data_statement(node: &NodeEnum) -> bool {
    matches!(
        node,
        NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_)
            | NodeEnum::SelectStmt(_)
    )
}

/// The columns a data statement names, each with its table (name parts) and its location: a
/// qualified column on the table its qualifier names (an alias, or the table's own name), an
/// unqualified one on each table of the statement (PostgreSQL refuses a name two of them have),
/// and the columns an `INSERT` or `UPDATE` writes on its target.
fn columns_used(node: &NodeEnum) -> Vec<(Vec<String>, String, i32)> {
    let nodes = node.nodes();
    let tables: Vec<(&str, Vec<String>)> = nodes
        .iter()
        .filter_map(|(n, ..)| match n {
            pg_query::NodeRef::RangeVar(r) => {
                let called = r
                    .alias
                    .as_ref()
                    .map_or(r.relname.as_str(), |a| a.aliasname.as_str());
                Some((called, relation_name(r)))
            }
            _ => None,
        })
        .collect();
    let targets = |relation: Option<&RangeVar>, list: &[Node]| {
        let table = relation.map(relation_name).unwrap_or_default();
        list.iter()
            .filter_map(|n| match n.node.as_ref() {
                Some(NodeEnum::ResTarget(t)) => Some((table.clone(), t.name.clone(), t.location)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let mut used = match node {
        NodeEnum::InsertStmt(s) => targets(s.relation.as_ref(), &s.cols),
        NodeEnum::UpdateStmt(s) => targets(s.relation.as_ref(), &s.target_list),
        _ => Vec::new(),
    };
    for (n, ..) in &nodes {
        let pg_query::NodeRef::ColumnRef(c) = n else {
            continue;
        };
        let fields = strings(&c.fields);
        if fields.len() != c.fields.len() {
            continue;
        }
        match fields.as_slice() {
            [column] => used.extend(
                tables
                    .iter()
                    .map(|(_, table)| (table.clone(), column.clone(), c.location)),
            ),
            [.., qualifier, column] => used.extend(
                tables
                    .iter()
                    .filter(|(called, _)| called == qualifier)
                    .map(|(_, table)| (table.clone(), column.clone(), c.location)),
            ),
            [] => {}
        }
    }
    used
}

/// The statement as an example: itself when short, else its first words and `...`.
fn example(ctx: &StatementCtx<'_>, head: &str) -> String {
    let sql = ctx.sql();
    if sql.len() <= SHORT && !sql.contains('\n') {
        sql.to_owned()
    } else {
        format!("{head} ...")
    }
}

/// `DO $$ BEGIN <body>; EXCEPTION WHEN <condition> THEN NULL; END $$;`, with another quote tag
/// when the body holds `$$`.
fn skip_on(body: &str, condition: &str) -> String {
    let tag = if body.contains("$$") { "$do$" } else { "$$" };
    format!("DO {tag} BEGIN {body}; EXCEPTION WHEN {condition} THEN NULL; END {tag};")
}

fn create_type(ctx: &StatementCtx<'_>, name: Vec<String>) -> Option<Hit> {
    create(ctx, "TYPE", ObjectKey::new(ObjectType::ObjectType, name))
}

/// `CREATE <keyword> <name>` unless an earlier `DROP <keyword> IF EXISTS <name>` guards it.
fn create(ctx: &StatementCtx<'_>, keyword: &str, key: ObjectKey) -> Option<Hit> {
    if ctx.earlier.removed(&key, None) {
        return None;
    }
    let name = display_name(key.kind, &key.name);
    let what = format!("CREATE {keyword} {name}");
    Some(
        ctx.hit(format!(
            "`{what}` has no `IF NOT EXISTS` form and fails when it already exists"
        ))
        .help(format!(
            "skip it when it exists: `{}`; or put `DROP {keyword} IF EXISTS {name};` before it",
            skip_on(&example(ctx, &what), "duplicate_object")
        )),
    )
}

fn create_policy(ctx: &StatementCtx<'_>, s: &CreatePolicyStmt) -> Option<Hit> {
    let table = s.table.as_ref()?;
    if ctx.earlier.dropped_table(table) {
        return None;
    }
    let mut name = relation_name(table);
    name.push(s.policy_name.clone());
    create(
        ctx,
        "POLICY",
        ObjectKey::new(ObjectType::ObjectPolicy, name),
    )
}

fn create_role(ctx: &StatementCtx<'_>, s: &CreateRoleStmt) -> Option<Hit> {
    let keyword = match s.stmt_type() {
        RoleStmtType::RolestmtUser => "USER",
        RoleStmtType::RolestmtGroup => "GROUP",
        _ => "ROLE",
    };
    let key = ObjectKey::new(ObjectType::ObjectRole, vec![s.role.clone()]);
    create(ctx, keyword, key)
}

/// `ADD CONSTRAINT` sub-commands, unless an earlier `DROP CONSTRAINT` of the constraint (in the
/// file or the same statement, with or without `IF EXISTS`), or a `DROP TABLE` of the table,
/// guards them. A `DROP` guards one `ADD` of the name: a second one fails, on every run. An
/// unnamed primary key, unique constraint or foreign key is guarded by the `DROP` of the name
/// PostgreSQL gives it (`users_pkey`).
fn add_constraints(ctx: &StatementCtx<'_>) -> impl Iterator<Item = Hit> {
    let cmds = ctx.alter_table_cmds_at();
    // The last earlier sub-command of the statement that drops or adds the name: a drop guards.
    let in_statement = |i: usize, name: &str| {
        cmds[..i]
            .iter()
            .rev()
            .find_map(|&(relation, cmd, _)| match cmd.subtype() {
                AlterTableType::AtDropConstraint if cmd.name == name => Some(true),
                AlterTableType::AtAddConstraint
                    if added_constraint_name(relation, cmd).as_deref() == Some(name) =>
                {
                    Some(false)
                }
                _ => None,
            })
    };
    let removed_earlier = |relation: Option<&RangeVar>, name: Option<&str>| {
        let mut key = relation.map(relation_name).unwrap_or_default();
        match name {
            Some(name) => key.push(name.to_owned()),
            None => return relation.is_some_and(|r| ctx.earlier.dropped_table(r)),
        }
        ctx.earlier.removed(
            &ObjectKey::new(ObjectType::ObjectTabconstraint, key),
            relation,
        )
    };
    let hits: Vec<Hit> = cmds
        .iter()
        .enumerate()
        .filter(|(_, (_, cmd, _))| cmd.subtype() == AlterTableType::AtAddConstraint)
        .filter(|&(i, &(relation, cmd, _))| {
            let name = added_constraint_name(relation, cmd);
            let guarded = match name.as_deref().and_then(|n| in_statement(i, n)) {
                Some(guarded) => guarded,
                None => removed_earlier(relation, name.as_deref()),
            };
            !guarded
        })
        .map(|(_, &(relation, cmd, at))| {
            let table = display_relation(relation);
            let (message, help) = match constraint_name(cmd) {
                Some(name) => named_constraint(&table, name),
                None => unnamed_constraint(&table, cmd),
            };
            Hit::new(at, message).help(help)
        })
        .collect();
    hits.into_iter()
}

fn named_constraint(table: &str, name: &str) -> (String, String) {
    let (table_literal, name_literal) = (literal(table), literal(name));
    let name = ident(name);
    (
        format!(
            "`ADD CONSTRAINT {name}` to `{table}` has no `IF NOT EXISTS` form and fails when \
             the constraint already exists"
        ),
        format!(
            "skip it when it exists: `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint \
             WHERE conrelid = {table_literal}::regclass AND conname = {name_literal}) THEN \
             ALTER TABLE {table} ADD CONSTRAINT {name} ...; END IF; END $$;`; or put `ALTER \
             TABLE {table} DROP CONSTRAINT IF EXISTS {name};` before it"
        ),
    )
}

fn unnamed_constraint(table: &str, cmd: &AlterTableCmd) -> (String, String) {
    let kind = match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) => match c.contype() {
            ConstrType::ConstrCheck => "CHECK",
            ConstrType::ConstrPrimary => "PRIMARY KEY",
            ConstrType::ConstrUnique => "UNIQUE",
            ConstrType::ConstrForeign => "FOREIGN KEY",
            ConstrType::ConstrExclusion => "EXCLUDE",
            ConstrType::ConstrNotnull => "NOT NULL",
            _ => "CONSTRAINT",
        },
        _ => "CONSTRAINT",
    };
    (
        format!(
            "`ADD {kind}` to `{table}` has no constraint name: running it again adds a second \
             copy, or fails"
        ),
        format!(
            "name it, `ADD CONSTRAINT <name> {kind} ...`, and put `ALTER TABLE {table} DROP \
             CONSTRAINT IF EXISTS <name>;` before it (or skip it in a `DO` block when \
             `pg_constraint` has it)"
        ),
    )
}

/// The kinds whose `ALTER ... IF EXISTS ... RENAME TO` form skips a missing object.
fn relation_kind(kind: ObjectType) -> bool {
    matches!(
        kind,
        ObjectType::ObjectTable
            | ObjectType::ObjectSequence
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectIndex
            | ObjectType::ObjectForeignTable
    )
}

/// The kinds that belong to a table (or a composite type) named by `relation`.
fn table_part(kind: ObjectType) -> bool {
    matches!(
        kind,
        ObjectType::ObjectColumn
            | ObjectType::ObjectAttribute
            | ObjectType::ObjectTabconstraint
            | ObjectType::ObjectTrigger
            | ObjectType::ObjectPolicy
            | ObjectType::ObjectRule
    )
}

/// The error a `RENAME` of a missing object raises.
fn missing_condition(kind: ObjectType) -> &'static str {
    match kind {
        ObjectType::ObjectColumn | ObjectType::ObjectAttribute => "undefined_column",
        ObjectType::ObjectSchema => "invalid_schema_name",
        ObjectType::ObjectFunction
        | ObjectType::ObjectProcedure
        | ObjectType::ObjectRoutine
        | ObjectType::ObjectAggregate => "undefined_function",
        ObjectType::ObjectDatabase => "invalid_catalog_name",
        _ => "undefined_object",
    }
}

fn rename(ctx: &StatementCtx<'_>, s: &RenameStmt) -> Option<Hit> {
    let kind = s.rename_type();
    let relation = s.relation.as_ref();
    if s.missing_ok && relation_kind(kind) {
        return None;
    }
    let noun = kind_keyword(kind).to_lowercase();
    let (subject, old) = if table_part(kind) {
        if relation.is_some_and(|r| ctx.earlier.dropped_table(r)) {
            return None;
        }
        // A column swapped in (`ADD COLUMN new; ...; DROP COLUMN old; RENAME new TO old`): each
        // run adds the column again and drops the name it takes.
        let table = relation.map(relation_name).unwrap_or_default();
        if kind == ObjectType::ObjectColumn
            && ctx.earlier.created(&column_key(&table, &s.subname))
            && ctx.earlier.dropped(&column_key(&table, &s.newname))
        {
            return None;
        }
        let on = display_relation(relation);
        (
            format!("{noun} `{}` of `{on}`", ident(&s.subname)),
            ident(&s.subname),
        )
    } else {
        let name = renamed_name(s);
        if renamed_guarded(ctx, kind, &name, &s.newname) {
            return None;
        }
        let shown = match (kind, s.object.as_deref()) {
            (ObjectType::ObjectDomconstraint, Some(domain)) => {
                format!(
                    "`{}` of domain `{}`",
                    ident(&s.subname),
                    qualified(&object_name(domain))
                )
            }
            (_, Some(object)) => format!("`{}`", display_object(kind, object)),
            _ => format!("`{}`", qualified(&name)),
        };
        let old = name.last().map_or_else(String::new, |n| ident(n));
        (format!("{noun} {shown}"), old)
    };
    let new = ident(&s.newname);
    let message =
        format!("renaming {subject} to `{new}` fails when it runs again: `{old}` no longer exists");
    let help = if relation_kind(kind) {
        let name = display_relation(relation);
        format!(
            "write `ALTER {} IF EXISTS {name} RENAME TO {new}`",
            kind_keyword(kind)
        )
    } else {
        format!(
            "skip it when `{old}` is gone: `{}`",
            skip_on(&example(ctx, "ALTER ... RENAME"), missing_condition(kind))
        )
    };
    Some(ctx.hit(message).help(help))
}

/// The name parts of a renamed object that does not belong to a table.
fn renamed_name(s: &RenameStmt) -> Vec<String> {
    if let Some(relation) = s.relation.as_ref() {
        return relation_name(relation);
    }
    let mut name = s.object.as_deref().map(object_name).unwrap_or_default();
    if !s.subname.is_empty() {
        name.push(s.subname.clone());
    }
    name
}

/// Created earlier in the file, with the new name dropped `IF EXISTS` before: each run
/// recreates the object and renames it again.
fn renamed_guarded(ctx: &StatementCtx<'_>, kind: ObjectType, name: &[String], new: &str) -> bool {
    let Some((_, qualifiers)) = name.split_last() else {
        return false;
    };
    let renamed: Vec<String> = qualifiers.iter().cloned().chain([new.to_owned()]).collect();
    ctx.earlier.created(&ObjectKey::new(kind, name.to_vec()))
        && ctx.earlier.dropped(&ObjectKey::new(kind, renamed))
}

fn rename_value(ctx: &StatementCtx<'_>, s: &AlterEnumStmt) -> Hit {
    let name = qualified(&strings(&s.type_name));
    let (old, new) = (literal(&s.old_val), literal(&s.new_val));
    let type_literal = literal(&name);
    ctx.hit(format!(
        "renaming value {old} of type `{name}` to {new} fails when it runs again: {old} no \
         longer exists"
    ))
    .help(format!(
        "skip it when {old} is gone: `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_enum WHERE \
         enumtypid = {type_literal}::regtype AND enumlabel = {old}) THEN ALTER TYPE {name} \
         RENAME VALUE {old} TO {new}; END IF; END $$;`"
    ))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, fires, passes};

    #[test]
    fn fires_on_statements_without_an_idempotent_form() {
        for sql in [
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
            "ALTER TABLE users ADD CHECK (age > 0);",
            "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);",
            "CREATE TYPE mood AS ENUM ('sad', 'ok');",
            "CREATE TYPE address AS (street text, zip text);",
            "CREATE TYPE span AS RANGE (subtype = int4);",
            "CREATE TYPE shell;",
            "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');",
            "CREATE POLICY own ON users USING (id = current_user_id());",
            "CREATE ROLE app;",
            "CREATE USER app WITH PASSWORD 'secret';",
            "CREATE GROUP staff;",
            "ALTER TABLE users RENAME TO people;",
            "ALTER TABLE users RENAME COLUMN email TO mail;",
            "ALTER TABLE IF EXISTS users RENAME COLUMN email TO mail;",
            "ALTER TABLE users RENAME CONSTRAINT a TO b;",
            "ALTER INDEX users_email RENAME TO users_mail;",
            "ALTER TYPE mood RENAME TO feeling;",
            "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
            "ALTER FUNCTION f(int) RENAME TO g;",
            "ALTER SCHEMA app RENAME TO core;",
            "ALTER TRIGGER trg ON users RENAME TO trg2;",
            "ALTER DOMAIN email RENAME CONSTRAINT c TO d;",
            // Each checked on PostgreSQL: the second run fails.
            "ALTER TABLE users SET SCHEMA app;",
            "ALTER TYPE mood SET SCHEMA app;",
            "ALTER FUNCTION f(int) SET SCHEMA app;",
            "ALTER TYPE address ADD ATTRIBUTE zip text;",
            "ALTER TABLE child NO INHERIT parent;",
            "ALTER TABLE child INHERIT parent;",
            "ALTER DOMAIN email ADD CONSTRAINT c CHECK (VALUE <> '');",
            "ALTER TABLE t ALTER COLUMN c TYPE text[] USING string_to_array(c, ',');",
            "ALTER TABLE t ALTER COLUMN c TYPE bytea USING decode(c, 'escape');",
            "UPDATE emails SET token = tokens.token FROM tokens WHERE tokens.id = emails.id;\n\
             DROP TABLE tokens;",
            "INSERT INTO a SELECT * FROM old_a;\nDROP TABLE IF EXISTS old_a;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_gaps_name_what_fails_and_how_to_skip_it() {
        assert_eq!(
            fires(&RULE, "ALTER TABLE users SET SCHEMA app;"),
            "moving table `users` to schema `app` fails when it runs again: it is no longer in \
             its old schema"
        );
        assert_eq!(
            help("ALTER TABLE users SET SCHEMA app;"),
            "write `ALTER TABLE IF EXISTS users SET SCHEMA app`"
        );
        assert_eq!(
            help("ALTER TYPE address ADD ATTRIBUTE zip text;"),
            "skip it when it exists: `DO $$ BEGIN ALTER TYPE address ADD ATTRIBUTE zip text; \
             EXCEPTION WHEN duplicate_column THEN NULL; END $$;`"
        );
        assert_eq!(
            fires(&RULE, "ALTER TABLE child NO INHERIT parent;"),
            "`NO INHERIT parent` on `child` fails when it runs again: `parent` is no longer a \
             parent"
        );
        let sql =
            "UPDATE versions SET at = r.at\n  FROM readme_rendering r WHERE r.id = versions.id;\n\
                   DROP TABLE readme_rendering;";
        let found = crate::rules::testing::findings(&RULE, sql);
        assert_eq!(
            found,
            [(
                2,
                8,
                "this statement uses `readme_rendering`, which a later statement of the file \
                 drops: when the file runs again `readme_rendering` no longer exists here"
                    .to_owned()
            )]
        );
        assert!(fires(
            &RULE,
            "ALTER TABLE t ALTER COLUMN c TYPE text[] USING string_to_array(c, ',');"
        )
        .starts_with("`ALTER COLUMN c TYPE text[] USING ...` converts `c` again"));
    }

    /// PostgreSQL fails on each on the second run (tests/tests/oracle.rs): the column is gone.
    #[test]
    fn fires_on_a_column_a_later_statement_drops_or_renames() {
        let sql = "ALTER TABLE event ADD COLUMN host text;\n\
                   UPDATE event e SET host = s.host FROM session s WHERE s.id = e.session_id;\n\
                   ALTER TABLE session RENAME COLUMN region1 TO region;\n\
                   ALTER TABLE session DROP COLUMN host;";
        assert_eq!(
            crate::rules::testing::findings(&RULE, sql)
                .into_iter()
                .filter(|(line, ..)| *line == 2)
                .collect::<Vec<_>>(),
            [(
                2,
                27,
                "this statement uses column `host` of `session`, and the statement on line 4 of \
                 this file drops it: when the file runs again `host` no longer exists here"
                    .to_owned()
            )]
        );
        assert_eq!(
            help("INSERT INTO t (a) SELECT old FROM s;\nALTER TABLE s RENAME old TO new;"),
            "run it only while the column exists: `DO $$ BEGIN IF EXISTS (SELECT FROM \
             pg_attribute WHERE attrelid = to_regclass('s') AND attname = 'old' AND NOT \
             attisdropped) THEN <statement>; END IF; END $$;`"
        );
        for sql in [
            // Written, unqualified, through the table's own name, in a `DO` block whose
            // condition does not ask about the column.
            "INSERT INTO s (old) VALUES (1);\nALTER TABLE s DROP COLUMN old;",
            "UPDATE s SET a = old;\nALTER TABLE s DROP COLUMN IF EXISTS old;",
            "DELETE FROM app.s WHERE s.old IS NULL;\nALTER TABLE app.s DROP COLUMN old;",
            "SELECT count(*) FROM s, LATERAL jsonb_array_elements(s.old) e;\n\
             ALTER TABLE s RENAME COLUMN old TO new;",
            "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM s x WHERE x.old > 0; \
             IF n > 0 THEN RAISE EXCEPTION 'left'; END IF; END $$;\n\
             ALTER TABLE s DROP COLUMN old;",
        ] {
            assert!(
                fires(&RULE, sql).contains("uses column `old` of `"),
                "{sql}"
            );
        }
    }

    /// PostgreSQL re-runs these (tests/tests/oracle.rs).
    #[test]
    fn passes_a_column_that_is_there_on_the_second_run() {
        for sql in [
            // Added again after the drop, or added earlier in the file (each run adds it).
            "UPDATE s SET old = 1;\nALTER TABLE s DROP COLUMN old, ADD COLUMN old text;",
            "UPDATE s SET a = old;\nALTER TABLE s DROP COLUMN old;\n\
             ALTER TABLE s ADD COLUMN old int;",
            "ALTER TABLE s ADD COLUMN tmp int;\nUPDATE s SET tmp = 1;\n\
             ALTER TABLE s DROP COLUMN tmp;",
            // Another table's column, or a column not dropped.
            "UPDATE s SET a = u.old FROM u WHERE u.id = s.id;\nALTER TABLE s DROP COLUMN old;",
            "UPDATE s SET a = 1;\nALTER TABLE s DROP COLUMN old;",
            // A table dropped and created again earlier: each run has the column.
            "DROP TABLE IF EXISTS s;\nCREATE TABLE s (old int);\nINSERT INTO s (old) VALUES (1);\n\
             ALTER TABLE s DROP COLUMN old;",
            // A condition that asks the catalog about the column.
            "DO $$ BEGIN IF EXISTS (SELECT FROM pg_attribute WHERE attname = 'old') THEN \
             UPDATE s SET a = old; END IF; END $$;\nALTER TABLE s DROP COLUMN old;",
        ] {
            passes(&RULE, sql);
        }
        // A column swapped in: each run adds `new` again and drops `old` before the rename.
        passes(
            &RULE,
            "ALTER TABLE s ADD COLUMN new jsonb;\nUPDATE s SET new = to_jsonb(old);\n\
             ALTER TABLE s DROP COLUMN old;\nALTER TABLE s RENAME COLUMN new TO old;",
        );
        // Without the drop, the second run's rename finds `old` taken.
        fires(
            &RULE,
            "ALTER TABLE s ADD COLUMN new jsonb;\nALTER TABLE s RENAME COLUMN new TO old;",
        );
        // Renamed away, and another column renamed to its name after (the renames themselves
        // are reported).
        let found = crate::rules::testing::findings(
            &RULE,
            "UPDATE s SET a = old;\nALTER TABLE s RENAME COLUMN old TO new;\n\
             ALTER TABLE s RENAME COLUMN other TO old;",
        );
        assert!(found.iter().all(|(line, ..)| *line != 1), "{found:?}");
    }

    #[test]
    fn passes_the_idempotent_forms_of_the_gaps() {
        for sql in [
            "ALTER TABLE IF EXISTS users SET SCHEMA app;",
            "ALTER TABLE t ALTER COLUMN c TYPE jsonb USING c::jsonb;",
            "ALTER TABLE t ALTER COLUMN c TYPE bigint USING c;",
            "ALTER TABLE t ALTER COLUMN c TYPE bigint;",
            "DROP TYPE IF EXISTS address;\nCREATE TYPE address AS (street text);\n\
             ALTER TYPE address ADD ATTRIBUTE zip text;",
            "ALTER DOMAIN email DROP CONSTRAINT IF EXISTS c;\n\
             ALTER DOMAIN email ADD CONSTRAINT c CHECK (VALUE <> '');",
            "UPDATE t SET a = 1 FROM tokens;\nDROP TABLE tokens;\nCREATE TABLE tokens (a int);",
            "CREATE TABLE IF NOT EXISTS tmp (a int);\nUPDATE tmp SET a = 1;\nDROP TABLE tmp;",
            "UPDATE t SET a = 1;\nDROP TABLE other;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn the_messages_name_the_object() {
        assert_eq!(
            fires(&RULE, "CREATE TYPE app.mood AS ENUM ('sad', 'ok');"),
            "`CREATE TYPE app.mood` has no `IF NOT EXISTS` form and fails when it already exists"
        );
        assert_eq!(
            fires(&RULE, "CREATE POLICY own ON users USING (true);"),
            "`CREATE POLICY own ON users` has no `IF NOT EXISTS` form and fails when it already \
             exists"
        );
        assert_eq!(
            fires(&RULE, "ALTER TABLE app.users RENAME COLUMN email TO mail;"),
            "renaming column `email` of `app.users` to `mail` fails when it runs again: `email` \
             no longer exists"
        );
        assert_eq!(
            fires(&RULE, "ALTER FUNCTION app.f(int) RENAME TO g;"),
            "renaming function `app.f(int)` to `g` fails when it runs again: `f` no longer \
             exists"
        );
    }

    fn help(sql: &str) -> String {
        let (_, diagnostics, _) = crate::check::check_script(
            "test.sql",
            sql,
            crate::rule::ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        diagnostics
            .into_iter()
            .find(|d| d.rule == RULE.name)
            .expect("the rule fires")
            .help
    }

    #[test]
    fn the_help_shows_the_do_block_or_the_guard() {
        assert_eq!(
            help("CREATE TYPE mood AS ENUM ('sad', 'ok');"),
            "skip it when it exists: `DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad', 'ok'); \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$;`; or put `DROP TYPE IF EXISTS \
             mood;` before it"
        );
        assert_eq!(
            help("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"),
            "skip it when it exists: `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint \
             WHERE conrelid = 'users'::regclass AND conname = 'users_email_key') THEN ALTER \
             TABLE users ADD CONSTRAINT users_email_key ...; END IF; END $$;`; or put `ALTER \
             TABLE users DROP CONSTRAINT IF EXISTS users_email_key;` before it"
        );
        assert_eq!(
            help("CREATE DOMAIN code AS text DEFAULT $$none$$;"),
            "skip it when it exists: `DO $do$ BEGIN CREATE DOMAIN code AS text DEFAULT \
             $$none$$; EXCEPTION WHEN duplicate_object THEN NULL; END $do$;`; or put `DROP \
             DOMAIN IF EXISTS code;` before it"
        );
        assert_eq!(
            help("ALTER TABLE users RENAME TO people;"),
            "write `ALTER TABLE IF EXISTS users RENAME TO people`"
        );
        assert_eq!(
            help("ALTER TABLE users\n  RENAME COLUMN email TO mail;"),
            "skip it when `email` is gone: `DO $$ BEGIN ALTER ... RENAME ...; EXCEPTION WHEN \
             undefined_column THEN NULL; END $$;`"
        );
    }

    #[test]
    fn points_at_each_added_constraint() {
        let sql = "ALTER TABLE users\n  ADD COLUMN IF NOT EXISTS a int,\n  ADD CONSTRAINT \
                   users_a_check CHECK (a > 0),\n  ADD UNIQUE (a);";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (3, 3));
        assert_eq!((found[1].0, found[1].1), (4, 3));
        assert_eq!(
            found[1].2,
            "`ADD UNIQUE` to `users` has no constraint name: running it again adds a second \
             copy, or fails"
        );
    }

    #[test]
    fn passes_guarded_statements() {
        for sql in [
            "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;\n\
             ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
            "ALTER TABLE app.users DROP CONSTRAINT IF EXISTS c, ADD CONSTRAINT c CHECK (a > 0);",
            // A `DROP` without `IF EXISTS` guards too: on the second run the object is there.
            "ALTER TABLE t DROP CONSTRAINT c, ADD CONSTRAINT c CHECK (a > 0);",
            "ALTER TABLE t DROP CONSTRAINT c;\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
            "DROP TYPE mood;\nCREATE TYPE mood AS ENUM ('sad', 'ok');",
            // PostgreSQL gives an unnamed key the name the `DROP` names.
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_pkey, ADD PRIMARY KEY (x);",
            "ALTER TABLE app.t DROP CONSTRAINT IF EXISTS t_a_b_key;\n\
             ALTER TABLE app.t ADD UNIQUE (a, b);",
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_u_fkey, ADD FOREIGN KEY (u) REFERENCES u;",
            "DROP TYPE IF EXISTS mood;\nCREATE TYPE mood AS ENUM ('sad', 'ok');",
            "DROP TYPE IF EXISTS app.address;\nCREATE TYPE app.address AS (street text);",
            "DROP DOMAIN IF EXISTS email;\nCREATE DOMAIN email AS text;",
            "DROP POLICY IF EXISTS own ON users;\nCREATE POLICY own ON users USING (true);",
            "DROP ROLE IF EXISTS app;\nCREATE ROLE app;",
            "DROP USER IF EXISTS app;\nCREATE USER app;",
            "-- migrate:allow(drop-table) rebuilt\nDROP TABLE IF EXISTS t;\n\
             CREATE TABLE t (a int);\nALTER TABLE t ADD CHECK (a > 0);\n\
             ALTER TABLE t RENAME COLUMN a TO b;\nCREATE POLICY p ON t USING (true);",
            "-- migrate:allow(drop-table) rebuilt\nDROP TABLE IF EXISTS people;\n\
             CREATE TABLE IF NOT EXISTS users (id int);\nALTER TABLE users RENAME TO people;",
            "ALTER TABLE IF EXISTS users RENAME TO people;",
            "ALTER INDEX IF EXISTS users_email RENAME TO users_mail;",
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad'); EXCEPTION WHEN duplicate_object \
             THEN NULL; END $$;",
            "SELECT 'CREATE ROLE app';",
            "-- CREATE ROLE app;\nSELECT 1;",
            "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN \
             CREATE ROLE app; END $$;",
            "-- migrate:allow(non-idempotent) runs once, checked by hand\nCREATE ROLE app;",
            "-- migrate:allow-file(non-idempotent) reviewed\nCREATE ROLE app;\nCREATE TYPE t;",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn a_drop_of_another_object_does_not_guard() {
        fires(
            &RULE,
            "DROP TYPE IF EXISTS other;\nCREATE TYPE mood AS ENUM ('sad');",
        );
        fires(
            &RULE,
            "ALTER TABLE orders DROP CONSTRAINT IF EXISTS c;\nALTER TABLE users ADD CONSTRAINT c \
             CHECK (true);",
        );
        fires(
            &RULE,
            "DROP DOMAIN IF EXISTS mood;\nCREATE TYPE mood AS ENUM ('sad');",
        );
        for sql in [
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_pkey, ADD UNIQUE (x);",
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS other_pkey, ADD PRIMARY KEY (x);",
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_a_key, ADD UNIQUE (a, b);",
            "ALTER TABLE t ADD PRIMARY KEY (x), DROP CONSTRAINT IF EXISTS t_pkey;",
        ] {
            fires(&RULE, sql);
        }
    }

    /// The second `ADD` fails on every run, the first one included (42710 on PostgreSQL).
    #[test]
    fn a_drop_guards_one_add_of_the_name() {
        let twice = "ALTER TABLE t DROP CONSTRAINT IF EXISTS c;\n\
                     ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n\
                     ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;";
        let found = findings(&RULE, twice);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (3, 15));
        for sql in [
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS c, ADD CONSTRAINT c CHECK (a > 0), \
             ADD CONSTRAINT c CHECK (a > 1);",
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS c, ADD CONSTRAINT c CHECK (a > 0);\n\
             ALTER TABLE t ADD CONSTRAINT c CHECK (a > 1);",
            "DROP TABLE IF EXISTS t;\nCREATE TABLE t (a int);\n\
             ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);\n\
             ALTER TABLE t ADD CONSTRAINT c CHECK (a > 1);",
        ] {
            assert_eq!(findings(&RULE, sql).len(), 1, "{sql}");
        }
        // Dropped again before the second one.
        passes(
            &RULE,
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS c;\n\
             ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n\
             ALTER TABLE t DROP CONSTRAINT c;\n\
             ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;",
        );
    }
}
