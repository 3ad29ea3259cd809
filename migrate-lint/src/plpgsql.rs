//! What a `DO` block runs, read with PostgreSQL's own PL/pgSQL parser (`pg_query::parse_plpgsql`):
//! its SQL statements, the SQL of its `EXECUTE`s of a string constant, and its `COMMIT`s and
//! `ROLLBACK`s, each placed at its real position in the file.
//!
//! Rules see these statements as they see the file's own (see `check`). A block that decides
//! what runs (a condition, a loop, an exception handler) is "guarded": it can skip what was
//! already done, so the idempotency rules leave its statements alone, as PostgreSQL's re-run
//! would.

use std::ops::Range;

use pg_query::protobuf::{DoStmt, ScanToken, Token};
use pg_query::NodeEnum;
use serde_json::{Map, Value};

use crate::parse::{self, tokens_in};

/// Nested `DO` blocks (in `EXECUTE` strings) are read this deep, no deeper.
const MAX_DEPTH: usize = 4;

/// One SQL statement a `DO` block runs.
#[derive(Debug)]
pub(crate) struct Inner {
    /// The SQL it was parsed from: a statement of the block as written, or the value of an
    /// `EXECUTE`d string. Node locations are offsets into it.
    pub text: String,
    /// The statement's range in `text`.
    pub range: Range<usize>,
    /// The statement's scanner tokens (offsets in `text`).
    pub tokens: Vec<ScanToken>,
    /// Where `text` starts in the file (for an `EXECUTE`d string, where its value starts).
    pub base: usize,
    pub node: NodeEnum,
    /// Whether the block decides whether it runs (condition, loop, exception handler).
    pub guarded: bool,
}

/// A `COMMIT` or `ROLLBACK` of a `DO` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Control {
    /// Its offset in the file.
    pub at: usize,
    /// `COMMIT` or `ROLLBACK`.
    pub keyword: &'static str,
}

/// What a `DO` block runs.
#[derive(Debug, Default)]
pub(crate) struct Block {
    pub statements: Vec<Inner>,
    pub controls: Vec<Control>,
}

/// Reads a `DO` statement of `text` (at `range`; `text` starts at offset `base` of the file).
/// `None` for another language than PL/pgSQL, or a body PostgreSQL's PL/pgSQL parser rejects
/// (PostgreSQL reports that when the migration runs; the checker does not guess).
pub(crate) fn read(
    do_stmt: &DoStmt,
    text: &str,
    range: Range<usize>,
    base: usize,
) -> Option<Block> {
    let mut block = Block::default();
    read_into(do_stmt, text, range, base, false, 0, &mut block)?;
    Some(block)
}

fn read_into(
    do_stmt: &DoStmt,
    text: &str,
    range: Range<usize>,
    base: usize,
    guarded: bool,
    depth: usize,
    block: &mut Block,
) -> Option<()> {
    let (mut body, mut language) = (None, None);
    for arg in &do_stmt.args {
        if let Some(NodeEnum::DefElem(d)) = arg.node.as_ref() {
            let value = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                _ => None,
            };
            match d.defname.as_str() {
                "as" => body = value,
                "language" => language = value,
                _ => {}
            }
        }
    }
    let body = body?;
    if language.is_some_and(|l| l != "plpgsql") {
        return None;
    }
    let statement = text.get(range.clone())?;
    let parsed = pg_query::parse_plpgsql(statement).ok()?;
    let action = parsed
        .as_array()?
        .first()?
        .get("PLpgSQL_function")?
        .get("action")?;
    let walk = Walk {
        text,
        base,
        body_start: range.start + body_start(statement, body)?,
        end: range.end,
        guarded: guarded || decides(action),
        depth,
    };
    walk.statement(action, block);
    Some(())
}

/// Whether a PL/pgSQL procedure body `COMMIT`s or `ROLLBACK`s somewhere (read with PostgreSQL's
/// PL/pgSQL parser): then a `CALL` of it cannot run inside a transaction block. `false` when the
/// parser rejects the body (PostgreSQL reports that when the migration runs).
pub(crate) fn controls_transactions(body: &str) -> bool {
    let tag = (0..)
        .map(|n| format!("$migrate_body{n}$"))
        .find(|tag| !body.contains(tag.as_str()))
        .expect("some tag is not in the body");
    let statement = format!("CREATE PROCEDURE migrate_body() LANGUAGE plpgsql AS {tag}{body}{tag}");
    let Ok(parsed) = pg_query::parse_plpgsql(&statement) else {
        return false;
    };
    fn any_control(value: &Value) -> bool {
        match value {
            Value::Object(map) => map.iter().any(|(key, inner)| {
                key == "PLpgSQL_stmt_commit" || key == "PLpgSQL_stmt_rollback" || any_control(inner)
            }),
            Value::Array(items) => items.iter().any(any_control),
            _ => false,
        }
    }
    any_control(&parsed)
}

/// Where the body starts in the `DO` statement's text: after the opening quote or dollar tag of
/// the string constant that holds it.
fn body_start(statement: &str, body: &str) -> Option<usize> {
    let tokens = parse::tokens(statement).ok()?;
    let strings: Vec<(usize, &str)> = tokens
        .iter()
        .filter(|t| t.token() == Token::Sconst)
        .filter_map(|t| {
            let (start, end) = (t.start as usize, t.end as usize);
            Some((start, statement.get(start..end)?))
        })
        .collect();
    // A dollar-quoted body is there verbatim.
    let dollar = strings.iter().find_map(|&(start, token)| {
        let tag_end = token.strip_prefix('$')?.find('$')? + 2;
        (token.get(tag_end..token.len().checked_sub(tag_end)?) == Some(body))
            .then_some(start + tag_end)
    });
    // A quoted body (`'...'`, `E'...'`) starts after its quote; doubled quotes inside it may
    // shift columns, never lines.
    dollar.or_else(|| {
        let &(start, token) = strings.last()?;
        Some(start + token.find('\'')? + 1)
    })
}

/// Whether a PL/pgSQL statement tree decides what runs: any condition, loop or exit, or an
/// exception handler. Assignments, `RAISE`, `PERFORM`, SQL, `EXECUTE` and `RETURN` do not.
fn decides(value: &Value) -> bool {
    const PLAIN: &[&str] = &[
        "PLpgSQL_stmt_block",
        "PLpgSQL_stmt_assign",
        "PLpgSQL_stmt_execsql",
        "PLpgSQL_stmt_dynexecute",
        "PLpgSQL_stmt_perform",
        "PLpgSQL_stmt_call",
        "PLpgSQL_stmt_commit",
        "PLpgSQL_stmt_rollback",
        "PLpgSQL_stmt_raise",
        "PLpgSQL_stmt_assert",
        "PLpgSQL_stmt_getdiag",
        "PLpgSQL_stmt_return",
        "PLpgSQL_stmt_open",
        "PLpgSQL_stmt_fetch",
        "PLpgSQL_stmt_close",
    ];
    match value {
        Value::Object(map) => map.iter().any(|(key, inner)| {
            (key.starts_with("PLpgSQL_stmt_") && !PLAIN.contains(&key.as_str()))
                || key == "exceptions"
                || decides(inner)
        }),
        Value::Array(items) => items.iter().any(decides),
        _ => false,
    }
}

/// Walks a PL/pgSQL statement tree, placing what it finds in the file.
struct Walk<'a> {
    /// The text the `DO` statement is in, which starts at `base` in the file.
    text: &'a str,
    base: usize,
    /// Where the body starts in `text`; PL/pgSQL numbers its lines from there.
    body_start: usize,
    /// Where the `DO` statement ends in `text`.
    end: usize,
    guarded: bool,
    depth: usize,
}

impl Walk<'_> {
    /// Visits every PL/pgSQL statement in `value` (a statement, a list, a branch, a handler).
    fn statement(&self, value: &Value, block: &mut Block) {
        match value {
            Value::Object(map) => {
                for (key, fields) in map {
                    match (key.as_str(), fields) {
                        ("PLpgSQL_stmt_execsql", Value::Object(f)) => self.sql(f, block),
                        ("PLpgSQL_stmt_dynexecute", Value::Object(f)) => self.execute(f, block),
                        ("PLpgSQL_stmt_commit", Value::Object(f)) => {
                            self.control(f, "COMMIT", block)
                        }
                        ("PLpgSQL_stmt_rollback", Value::Object(f)) => {
                            self.control(f, "ROLLBACK", block)
                        }
                        _ => self.statement(fields, block),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.statement(v, block)),
            _ => {}
        }
    }

    /// The offset in `text` where line `lineno` of the body starts.
    fn line_start(&self, fields: &Map<String, Value>) -> usize {
        let lineno = fields.get("lineno").and_then(Value::as_u64).unwrap_or(1);
        let mut at = self.body_start;
        for _ in 1..lineno {
            match self.text.get(at..self.end).and_then(|rest| rest.find('\n')) {
                Some(newline) => at += newline + 1,
                None => break,
            }
        }
        at
    }

    /// Where `what` is written, from the statement's line on; the line's first character
    /// when it is not there as written.
    fn find(&self, fields: &Map<String, Value>, what: &str) -> usize {
        let line = self.line_start(fields);
        let rest = self.text.get(line..self.end).unwrap_or("");
        rest.find(what).map_or_else(
            || line + (rest.len() - rest.trim_start().len()),
            |i| line + i,
        )
    }

    fn control(&self, fields: &Map<String, Value>, keyword: &'static str, block: &mut Block) {
        let line = self.line_start(fields);
        let rest = self.text.get(line..self.end).unwrap_or("");
        let at = rest
            .to_ascii_uppercase()
            .find(keyword)
            .map_or(line, |i| line + i);
        block.controls.push(Control {
            at: self.base + at,
            keyword,
        });
    }

    /// A SQL statement of the block.
    fn sql(&self, fields: &Map<String, Value>, block: &mut Block) {
        let Some(query) = expression(fields.get("sqlstmt")) else {
            return;
        };
        let at = self.find(fields, query);
        self.add(query.to_owned(), self.base + at, block);
    }

    /// `EXECUTE` of a string constant: the SQL in the string. Any other expression is only
    /// known when it runs.
    fn execute(&self, fields: &Map<String, Value>, block: &mut Block) {
        let Some(expr) = expression(fields.get("query")) else {
            return;
        };
        let Some(sql) = string_constant(expr) else {
            return;
        };
        let at = self.find(fields, expr);
        // The value starts after the opening quote or dollar tag.
        let opening = match expr.find('$') {
            Some(0) => expr[1..].find('$').map_or(1, |i| i + 2),
            _ => expr.find('\'').map_or(0, |i| i + 1),
        };
        self.add(sql, self.base + at + opening, block);
    }

    /// Parses SQL found in the block (starting at `base` in the file) and adds its statements,
    /// and what the `DO` blocks among them run.
    fn add(&self, text: String, base: usize, block: &mut Block) {
        let Ok(parsed) = parse::parse(&text) else {
            return;
        };
        for statement in parsed.statements {
            if let NodeEnum::DoStmt(inner) = &statement.node {
                if self.depth < MAX_DEPTH {
                    read_into(
                        inner,
                        &text,
                        statement.range.clone(),
                        base,
                        self.guarded,
                        self.depth + 1,
                        block,
                    );
                }
            }
            block.statements.push(Inner {
                text: text.clone(),
                tokens: tokens_in(&parsed.tokens, statement.range.clone()).to_vec(),
                range: statement.range,
                base,
                node: statement.node,
                guarded: self.guarded,
            });
        }
    }
}

/// The SQL text of a PL/pgSQL expression field.
fn expression(field: Option<&Value>) -> Option<&str> {
    field?.get("PLpgSQL_expr")?.get("query")?.as_str()
}

/// The value of an expression that is a single string constant (`'DROP TABLE x'`,
/// `$q$...$q$`, `E'...'`).
fn string_constant(expr: &str) -> Option<String> {
    let parsed = pg_query::parse(&format!("SELECT {expr}"), 0).ok()?;
    let raw = parsed.protobuf.stmts.into_iter().next()?;
    let NodeEnum::SelectStmt(select) = raw.stmt?.node? else {
        return None;
    };
    let [target] = select.target_list.as_slice() else {
        return None;
    };
    let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else {
        return None;
    };
    match target.val.as_deref()?.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            pg_query::protobuf::a_const::Val::Sval(s) => Some(s.sval.clone()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::line_col;

    /// A statement a `DO` block runs: line, column, text, guarded.
    type Placed = (usize, usize, String, bool);

    /// The statements and controls of the first `DO` of `sql`, placed in it.
    fn read_first(sql: &str) -> (Vec<Placed>, Vec<(usize, usize, &str)>) {
        let statements = parse::parse(sql).unwrap().statements;
        let statement = statements
            .iter()
            .find(|s| matches!(s.node, NodeEnum::DoStmt(_)))
            .unwrap();
        let NodeEnum::DoStmt(do_stmt) = &statement.node else {
            unreachable!()
        };
        let block = read(do_stmt, sql, statement.range.clone(), 0).expect("a PL/pgSQL block");
        let inner = block
            .statements
            .iter()
            .map(|s| {
                let (line, column) = line_col(sql, s.base + s.range.start);
                (line, column, s.text[s.range.clone()].to_owned(), s.guarded)
            })
            .collect();
        let controls = block
            .controls
            .iter()
            .map(|c| {
                let (line, column) = line_col(sql, c.at);
                (line, column, c.keyword)
            })
            .collect();
        (inner, controls)
    }

    #[test]
    fn statements_executes_and_commits_are_placed_where_they_are_written() {
        let sql = "SELECT 1;\nDO $body$\nBEGIN\n  UPDATE t SET id = id;\n  \
                   ALTER TABLE t DROP COLUMN c; DROP TABLE old_t;\n  \
                   EXECUTE 'DROP TABLE x CASCADE';\n  EXECUTE format('DROP TABLE %I', 'y');\n  \
                   commit;\nEND $body$;";
        let (inner, controls) = read_first(sql);
        assert_eq!(
            inner,
            [
                (4, 3, "UPDATE t SET id = id".to_owned(), false),
                (5, 3, "ALTER TABLE t DROP COLUMN c".to_owned(), false),
                (5, 32, "DROP TABLE old_t".to_owned(), false),
                (6, 12, "DROP TABLE x CASCADE".to_owned(), false),
            ]
        );
        assert_eq!(controls, [(8, 3, "COMMIT")]);
    }

    #[test]
    fn conditions_loops_and_handlers_guard_the_block() {
        for sql in [
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN \
             CREATE TYPE mood AS ENUM ('a'); END IF; END $$;",
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN \
             NULL; END $$;",
            "DO $$ DECLARE r record; BEGIN FOR r IN SELECT 1 LOOP CREATE TYPE mood AS ENUM \
             ('a'); END LOOP; END $$;",
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN RETURN; \
             END IF; CREATE TYPE mood AS ENUM ('a'); END $$;",
        ] {
            let (inner, _) = read_first(sql);
            assert_eq!(inner.len(), 1, "{sql}");
            assert!(inner[0].3, "guarded: {sql}");
        }
        let (inner, _) =
            read_first("DO $$ BEGIN RAISE NOTICE 'x'; CREATE TYPE mood AS ENUM ('a'); END $$;");
        assert!(!inner[0].3);
    }

    #[test]
    fn a_quoted_body_an_escaped_string_and_a_nested_do_are_read() {
        let (inner, _) = read_first("DO 'BEGIN\n  DROP TABLE a;\nEND';");
        assert_eq!(inner, [(2, 3, "DROP TABLE a".to_owned(), false)]);
        let (inner, _) =
            read_first("DO $$\nBEGIN\n  EXECUTE $q$DO $i$ BEGIN TRUNCATE b; END $i$ $q$;\nEND $$;");
        assert_eq!(inner[0], (3, 27, "TRUNCATE b".to_owned(), false));
        assert!(matches!(inner[1].2.as_str(), s if s.starts_with("DO $i$")));
    }

    #[test]
    fn other_languages_and_broken_bodies_are_not_read() {
        let sql = "DO $$ SELECT 1 $$ LANGUAGE sql;";
        let statements = parse::parse(sql).unwrap().statements;
        let NodeEnum::DoStmt(d) = &statements[0].node else {
            unreachable!()
        };
        assert!(read(d, sql, statements[0].range.clone(), 0).is_none());
        let sql = "DO $$ BEGIN this is not plpgsql; END $$;";
        let statements = parse::parse(sql).unwrap().statements;
        let NodeEnum::DoStmt(d) = &statements[0].node else {
            unreachable!()
        };
        assert!(read(d, sql, statements[0].range.clone(), 0).is_none());
    }
}
