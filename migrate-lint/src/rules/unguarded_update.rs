//! `unguarded-update`: an `UPDATE` whose new value reads the column it writes (`n = n + 1`,
//! `price = price * 1.1`, `note = note || '!'`, `x = f(x)`) changes the rows again when the
//! migration runs a second time, unless its `WHERE` excludes the rows already updated. A new
//! value that does not read the column (`c = 'v'`, `c = lower(other)`) gives the same rows on
//! each run and is not reported; nor is `f(x)` for a function whose second application changes
//! nothing (`lower`, `upper`, `btrim`, `abs`, `round`, `date_trunc`, `coalesce(x, ...)`, ...).
//!
//! The `WHERE` is a guard when the update itself makes it false for every row it updates, as
//! the schema model cannot know the data: a condition on a column the same `UPDATE` sets to a
//! constant that falsifies it (`SET ..., done = true WHERE NOT done`, `SET ..., version = 2
//! WHERE version < 2`, `SET ..., migrated_at = now() WHERE migrated_at IS NULL`), or `x IS
//! NULL` on the column written (after the update it is no longer null, or was null and stays
//! so). `WHERE x <> x + 1` is no guard: it holds again after the update. What cannot be proven
//! is reported, and an allow directive with a reason confirms it. A table dropped with `IF
//! EXISTS` earlier in the file, or created `TEMP ... ON COMMIT DROP`, is new on each run and is
//! not reported.

use pg_query::protobuf::{
    a_const, AConst, AExprKind, BoolExprType, BoolTestType, ColumnRef, NullTestType, ResTarget,
    UpdateStmt,
};
use pg_query::{Node, NodeEnum, NodeRef};

use crate::diagnostic::{Hit, Severity};
use crate::objects::{display_relation, strings};
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};

pub(crate) static RULE: Rule = Rule {
    name: "unguarded-update",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "an `UPDATE` whose new value reads the column it writes (`n = n + 1`) changes the \
             rows again when it runs a second time, unless its `WHERE` excludes the rows \
             already updated",
    help: "set a marker in the same `UPDATE` and exclude it in the `WHERE` (`SET n = n + 1, \
           done = true WHERE NOT done`), or compute the new value from other columns",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[(
            "001_prices.sql",
            "CREATE TABLE IF NOT EXISTS prices (
    id bigint PRIMARY KEY,
    amount numeric NOT NULL,
    version int NOT NULL DEFAULT 1
);
",
        )],
        bad: (
            "002_raise_prices.sql",
            "UPDATE prices SET amount = amount * 1.1;\n",
        ),
        good: (
            "002_raise_prices.sql",
            "UPDATE prices SET amount = amount * 1.1, version = 2 WHERE version < 2;\n",
        ),
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let NodeEnum::UpdateStmt(s) = ctx.node else {
        return Vec::new();
    };
    let Some(relation) = s.relation.as_ref() else {
        return Vec::new();
    };
    if ctx.earlier.dropped_table(relation) || ctx.earlier.dropped_at_commit(relation) {
        return Vec::new();
    }
    let names = Names::of(s);
    let assignments: Vec<(&ResTarget, &Node)> = targets(s).collect();
    let Some((target, _)) = assignments.iter().find(|(target, value)| {
        names.reads(value, &target.name) && !names.idempotent(value, &target.name)
    }) else {
        return Vec::new();
    };
    if s.where_clause
        .as_deref()
        .is_some_and(|w| names.falsified(w, &assignments))
    {
        return Vec::new();
    }
    let table = display_relation(Some(relation));
    let column = ident(&target.name);
    vec![Hit::new(
        ctx.at(target.location),
        format!(
            "`UPDATE {table} SET {column} = ...` reads `{column}` to compute its new value: a \
             second run changes the rows again"
        ),
    )
    .help(format!(
        "exclude the rows already updated: set a marker in the same statement (`UPDATE {table} \
         SET {column} = ..., <done> = true WHERE NOT <done>`), or allow it with a reason if the \
         `WHERE` already does"
    ))]
}

/// Each `SET` target with the expression it is given (`SET (a, b) = (x, y)`: `a` with `x`).
fn targets(s: &UpdateStmt) -> impl Iterator<Item = (&ResTarget, &Node)> {
    s.target_list.iter().filter_map(|t| {
        let Some(NodeEnum::ResTarget(target)) = t.node.as_ref() else {
            return None;
        };
        let value = target.val.as_deref()?;
        let value = match value.node.as_ref() {
            Some(NodeEnum::MultiAssignRef(m)) => match m.source.as_deref()?.node.as_ref() {
                Some(NodeEnum::RowExpr(row)) => row.args.get(usize::try_from(m.colno).ok()? - 1)?,
                // A sub-select: whether it reads the column is what matters.
                _ => m.source.as_deref()?,
            },
            _ => value,
        };
        Some((&**target, value))
    })
}

/// The names a column of the updated table goes by: bare, or after the table's name or alias.
struct Names<'a> {
    table: &'a str,
    alias: Option<&'a str>,
}

/// Functions `f` with `f(f(x)) = f(x)`, and which argument is `x`.
const IDEMPOTENT: &[(&str, usize)] = &[
    ("lower", 0),
    ("upper", 0),
    ("initcap", 0),
    ("btrim", 0),
    ("ltrim", 0),
    ("rtrim", 0),
    ("abs", 0),
    ("round", 0),
    ("trunc", 0),
    ("floor", 0),
    ("ceil", 0),
    ("ceiling", 0),
    ("date_trunc", 1),
];

/// Functions that never return `NULL`.
const NOT_NULL: &[&str] = &[
    "now",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "gen_random_uuid",
];

impl<'a> Names<'a> {
    fn of(s: &'a UpdateStmt) -> Self {
        let relation = s.relation.as_ref();
        Self {
            table: relation.map_or("", |r| r.relname.as_str()),
            alias: relation
                .and_then(|r| r.alias.as_ref())
                .map(|a| a.aliasname.as_str()),
        }
    }

    /// Whether `node` is a reference to `column` of the updated table.
    fn is_column(&self, node: &Node, column: &str) -> bool {
        matches!(node.node.as_ref(), Some(NodeEnum::ColumnRef(c)) if self.names(c, column))
    }

    /// Whether the column reference names `column` of the updated table.
    fn names(&self, c: &ColumnRef, column: &str) -> bool {
        match strings(&c.fields).as_slice() {
            [name] => name == column,
            [.., qualifier, name] => {
                name == column
                    && (Some(qualifier.as_str()) == self.alias || qualifier == self.table)
            }
            [] => false,
        }
    }

    /// Whether `node` reads `column` anywhere (in a sub-select too).
    fn reads(&self, node: &Node, column: &str) -> bool {
        self.is_column(node, column)
            || node.node.as_ref().is_some_and(|n| {
                n.nodes()
                    .into_iter()
                    .any(|(n, ..)| matches!(n, NodeRef::ColumnRef(c) if self.names(c, column)))
            })
    }

    /// Whether the value is `column` itself, a cast of it, or one idempotent function applied to
    /// it (`lower(x)`, `coalesce(x, 0)`, `greatest(x, 0)`, `nullif(x, '')`) with other
    /// arguments that do not read it: applying it again changes nothing.
    fn idempotent(&self, value: &Node, column: &str) -> bool {
        let subject = |args: &[Node], at: usize| {
            args.iter().enumerate().all(|(i, a)| {
                if i == at {
                    self.plain(a, column)
                } else {
                    !self.reads(a, column)
                }
            })
        };
        match value.node.as_ref() {
            Some(NodeEnum::FuncCall(f)) => {
                let name = strings(&f.funcname);
                let name = match name.as_slice() {
                    [n] => n.as_str(),
                    [schema, n] if schema == "pg_catalog" => n.as_str(),
                    _ => return false,
                };
                IDEMPOTENT
                    .iter()
                    .find(|(n, _)| *n == name)
                    .is_some_and(|&(_, at)| f.args.len() > at && subject(&f.args, at))
            }
            Some(NodeEnum::CoalesceExpr(c)) => subject(&c.args, 0),
            Some(NodeEnum::MinMaxExpr(m)) => {
                m.args.iter().filter(|a| self.plain(a, column)).count() == 1
                    && m.args
                        .iter()
                        .all(|a| self.plain(a, column) || !self.reads(a, column))
            }
            Some(NodeEnum::AExpr(e)) if e.kind() == AExprKind::AexprNullif => {
                e.lexpr.as_deref().is_some_and(|l| self.plain(l, column))
                    && !e.rexpr.as_deref().is_some_and(|r| self.reads(r, column))
            }
            _ => self.plain(value, column),
        }
    }

    /// `column`, or a cast of it.
    fn plain(&self, node: &Node, column: &str) -> bool {
        match node.node.as_ref() {
            Some(NodeEnum::TypeCast(c)) => c.arg.as_deref().is_some_and(|a| self.plain(a, column)),
            _ => self.is_column(node, column),
        }
    }

    /// Whether the `WHERE` condition is false for every row once the assignments are done.
    fn falsified(&self, condition: &Node, assignments: &[(&ResTarget, &Node)]) -> bool {
        let assigned = |node: &Node| {
            assignments
                .iter()
                .find(|(t, _)| self.is_column(node, &t.name))
                .map(|(t, value)| (t.name.as_str(), *value))
        };
        match condition.node.as_ref() {
            Some(NodeEnum::BoolExpr(b)) => match b.boolop() {
                BoolExprType::AndExpr => b.args.iter().any(|a| self.falsified(a, assignments)),
                BoolExprType::OrExpr => b.args.iter().all(|a| self.falsified(a, assignments)),
                BoolExprType::NotExpr => b.args.iter().any(|a| self.made_true(a, assignments)),
                BoolExprType::Undefined => false,
            },
            // `x IS NULL`: `x` is given a value never null, or is the column the update reads
            // (after it, `x` is not null, or was null and stays null).
            Some(NodeEnum::NullTest(t)) if t.nulltesttype() == NullTestType::IsNull => t
                .arg
                .as_deref()
                .and_then(assigned)
                .is_some_and(|(name, value)| not_null(value) || self.reads(value, name)),
            Some(NodeEnum::BooleanTest(t)) => {
                let want = match t.booltesttype() {
                    BoolTestType::IsNotTrue => true,
                    BoolTestType::IsNotFalse => false,
                    _ => return false,
                };
                t.arg
                    .as_deref()
                    .and_then(assigned)
                    .is_some_and(|(_, value)| boolean(value) == Some(want))
            }
            Some(NodeEnum::AExpr(e)) => {
                let (Some(l), Some(r)) = (e.lexpr.as_deref(), e.rexpr.as_deref()) else {
                    return false;
                };
                let op = strings(&e.name);
                let (column, other) = match (assigned(l), assigned(r)) {
                    (Some((_, value)), _) => (value, r),
                    (_, Some((_, value))) => (value, l),
                    _ => return false,
                };
                let (Some(new), Some(compared)) = (constant(column), constant(other)) else {
                    return false;
                };
                match (e.kind(), op.as_slice()) {
                    (AExprKind::AexprDistinct, _) => new == compared,
                    (AExprKind::AexprNotDistinct, _) => new != compared,
                    (AExprKind::AexprOp, [op]) => match op.as_str() {
                        "<>" | "!=" | "<" | ">" => new == compared,
                        "=" => new != compared,
                        _ => false,
                    },
                    _ => false,
                }
            }
            // A bare boolean column: false once it is set to `false`.
            Some(NodeEnum::ColumnRef(_)) => {
                assigned(condition).is_some_and(|(_, value)| boolean(value) == Some(false))
            }
            _ => false,
        }
    }

    /// Whether the condition is true for every row once the assignments are done (under `NOT`).
    fn made_true(&self, condition: &Node, assignments: &[(&ResTarget, &Node)]) -> bool {
        let assigned = |node: &Node| {
            assignments
                .iter()
                .find(|(t, _)| self.is_column(node, &t.name))
                .map(|(_, value)| *value)
        };
        match condition.node.as_ref() {
            Some(NodeEnum::ColumnRef(_)) => {
                assigned(condition).is_some_and(|v| boolean(v) == Some(true))
            }
            Some(NodeEnum::NullTest(t)) if t.nulltesttype() == NullTestType::IsNotNull => {
                t.arg.as_deref().and_then(assigned).is_some_and(not_null)
            }
            Some(NodeEnum::AExpr(e)) if e.kind() == AExprKind::AexprOp => {
                let (Some(l), Some(r)) = (e.lexpr.as_deref(), e.rexpr.as_deref()) else {
                    return false;
                };
                strings(&e.name) == ["="]
                    && match (assigned(l), assigned(r)) {
                        (Some(v), _) => constant(v).is_some() && constant(v) == constant(r),
                        (_, Some(v)) => constant(v).is_some() && constant(v) == constant(l),
                        _ => false,
                    }
            }
            _ => false,
        }
    }
}

/// A constant (possibly cast) as a comparable text: `2`, `'v'::text`. `NULL` is no constant.
fn constant(node: &Node) -> Option<String> {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(AConst {
            isnull: false,
            val: Some(val),
            ..
        })) => Some(match val {
            a_const::Val::Ival(i) => i.ival.to_string(),
            a_const::Val::Fval(f) => f.fval.clone(),
            a_const::Val::Boolval(b) => b.boolval.to_string(),
            a_const::Val::Sval(s) => format!("'{}'", s.sval),
            a_const::Val::Bsval(b) => b.bsval.clone(),
        }),
        Some(NodeEnum::TypeCast(c)) => {
            let ty = c.type_name.as_ref().map(|t| strings(&t.names).join("."))?;
            Some(format!("{}::{ty}", constant(c.arg.as_deref()?)?))
        }
        _ => None,
    }
}

/// `true` or `false`.
fn boolean(node: &Node) -> Option<bool> {
    match constant(node)?.as_str() {
        "true" | "'t'::pg_catalog.bool" | "'true'::pg_catalog.bool" => Some(true),
        "false" | "'f'::pg_catalog.bool" | "'false'::pg_catalog.bool" => Some(false),
        _ => None,
    }
}

/// A value never `NULL`: a constant, `CURRENT_TIMESTAMP` and its kin, `now()`.
fn not_null(node: &Node) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::SqlvalueFunction(_)) => true,
        Some(NodeEnum::FuncCall(f)) => strings(&f.funcname)
            .last()
            .is_some_and(|n| NOT_NULL.contains(&n.as_str())),
        Some(NodeEnum::TypeCast(c)) => c.arg.as_deref().is_some_and(not_null),
        _ => constant(node).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, fires, helps, passes};

    #[test]
    fn fires_on_updates_that_read_the_column_they_write() {
        for sql in [
            "UPDATE counters SET n = n + 1;",
            "UPDATE prices SET amount = amount * 1.1 WHERE currency = 'EUR';",
            "UPDATE notes SET body = body || 'a';",
            "UPDATE notes SET body = concat(body, '!') WHERE id = 5;",
            "UPDATE notes SET body = replace(body, 'a', 'aa');",
            "UPDATE app.notes n SET body = n.body || '!';",
            "UPDATE notes SET (body, id) = (body || '!', 1);",
            "UPDATE notes SET body = lower(body) || '!';",
            "UPDATE counters SET n = n + 1 WHERE n <> n + 1;",
            "UPDATE counters SET n = n + 1 WHERE n < 10;",
            "UPDATE counters SET n = n + 1, done = true WHERE done;",
            "UPDATE counters SET n = n + 1, v = 2 WHERE v <> 3;",
            "UPDATE counters SET n = n + 1, v = 2 WHERE v < 2 OR id = 1;",
            "UPDATE counters SET n = n + 1 WHERE other IS NULL;",
            "UPDATE counters SET n = n + 1, at = NULL WHERE at IS NULL;",
            "UPDATE counters c SET n = c.n + o.delta FROM other o WHERE o.id = c.id;",
            "UPDATE notes SET body = (SELECT max(body) FROM notes) || '!';",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn names_the_column_and_says_what_to_add() {
        let sql = "SELECT 1;\nUPDATE app.prices SET currency = 'EUR', amount = amount * 1.1;";
        assert_eq!(
            findings(&RULE, sql),
            [(
                2,
                41,
                "`UPDATE app.prices SET amount = ...` reads `amount` to compute its new value: a \
                 second run changes the rows again"
                    .to_owned()
            )]
        );
        assert_eq!(
            helps(&RULE, sql),
            [
                "exclude the rows already updated: set a marker in the same statement (`UPDATE \
              app.prices SET amount = ..., <done> = true WHERE NOT <done>`), or allow it with a \
              reason if the `WHERE` already does"
            ]
        );
    }

    #[test]
    fn passes_values_that_do_not_read_the_column_idempotent_functions_and_guards() {
        for sql in [
            "UPDATE users SET state = 'active';",
            "UPDATE users SET email = lower(other);",
            "UPDATE users SET email = lower(email);",
            "UPDATE users SET email = lower(email::text) WHERE email <> lower(email);",
            "UPDATE users SET email = btrim(email), name = upper(name);",
            "UPDATE users SET n = coalesce(n, 0), m = greatest(m, 0), s = nullif(s, '');",
            "UPDATE events SET at = date_trunc('day', at);",
            "UPDATE users SET n = n;",
            "UPDATE counters SET n = n + 1, done = true WHERE NOT done;",
            "UPDATE counters SET n = n + 1, done = true WHERE done = false AND id > 3;",
            "UPDATE counters SET n = n + 1, done = true WHERE done IS NOT TRUE;",
            "UPDATE counters SET n = n + 1, v = 2 WHERE v < 2;",
            "UPDATE counters SET n = n + 1, v = 2 WHERE v <> 2;",
            "UPDATE counters SET n = n + 1, v = 2 WHERE v IS DISTINCT FROM 2;",
            "UPDATE counters SET n = n + 1, v = 2 WHERE 2 > v;",
            "UPDATE counters SET n = n + 1, v = 2 WHERE v = 1;",
            "UPDATE counters SET n = n + 1, v = 2 WHERE v = 1 OR v IS NULL;",
            "UPDATE counters SET n = n + 1, at = now() WHERE at IS NULL;",
            "UPDATE counters SET n = n + 1, at = CURRENT_TIMESTAMP WHERE at IS NULL;",
            "UPDATE counters SET n = n + 1, s = 'x'::text WHERE NOT (s IS NOT NULL);",
            "UPDATE notes SET body = coalesce(body, '') || '!' WHERE body IS NULL;",
            "DROP TABLE IF EXISTS counters;\nCREATE TABLE counters (n int);\n\
             UPDATE counters SET n = n + 1;",
            "CREATE TEMP TABLE counters (n int) ON COMMIT DROP;\nUPDATE counters SET n = n + 1;",
            "SELECT 'UPDATE t SET n = n + 1';",
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM done) THEN UPDATE t SET n = n + 1; \
             END IF; END $$;",
            "-- migrate:allow(unguarded-update) the WHERE joins the rows not yet moved\n\
             UPDATE t SET n = n + 1 WHERE id IN (SELECT id FROM todo);",
        ] {
            passes(&RULE, sql);
        }
        assert_eq!(
            findings_in(&RULE, "UPDATE t SET n = n + 1;", ScriptKind::Down),
            []
        );
    }
}
