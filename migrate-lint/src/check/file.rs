//! The pipeline for one file: scan -> psql-only text -> parse -> directives -> transaction
//! structure -> statement rules, against the schema model the earlier files built.

use pg_query::protobuf::ScanToken;
use pg_query::NodeEnum;

use crate::diagnostic::Hit;
use crate::diagnostic::{Diagnostic, Position};
use crate::directives::{self, Directives};
use crate::locks::Held;
use crate::objects::Earlier;
use crate::parse;
use crate::parse::tokens_in;
use crate::plpgsql;
use crate::rule::{existed, Check, Family, Policy, Rule, ScriptKind, StatementCtx};
use crate::rules::{
    self, empty_migration, needs_no_transaction, psql_meta_command, repeatable_statement, syntax,
    unneeded_no_transaction, unused_allow,
};
use crate::schema::Schema;
use crate::source::{blank, line_at, line_col};
use crate::structure;
use migrate_core::{IndexBuild, Transaction};

/// What checking one script gives: its transaction mode and statement ranges (unless it has
/// errors that make them meaningless), its findings, and how many findings its policy hid
/// because the file is legacy history.
pub(super) type Checked = (Option<Run>, Vec<Diagnostic>, usize);

/// What runs of a checked script: its transaction mode, its statements' ranges and its
/// concurrent index builds.
type Run = (
    migrate_core::Transaction,
    Vec<std::ops::Range<usize>>,
    Vec<IndexBuild>,
);

/// The index a statement builds (`false`) or rebuilds (`true`) concurrently, as SQL names it
/// (see [`IndexBuild::index`]): `CREATE [UNIQUE] INDEX CONCURRENTLY name` and `REINDEX INDEX
/// CONCURRENTLY name`. `None` for any other statement, and for an unnamed index (PostgreSQL
/// picks the name).
fn concurrent_index(node: &pg_query::NodeEnum) -> Option<(String, bool)> {
    let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    let qualified = |schema: &str, name: &str| match schema {
        "" => quote(name),
        schema => format!("{}.{}", quote(schema), quote(name)),
    };
    match node {
        pg_query::NodeEnum::IndexStmt(s) if s.concurrent && !s.idxname.is_empty() => {
            let schema = s.relation.as_ref().map_or("", |r| r.schemaname.as_str());
            Some((qualified(schema, &s.idxname), false))
        }
        pg_query::NodeEnum::ReindexStmt(s)
            if s.kind() == pg_query::protobuf::ReindexObjectType::ReindexObjectIndex
                && crate::structure::refused_in_transaction(node).is_some() =>
        {
            let index = s.relation.as_ref()?;
            Some((qualified(&index.schemaname, &index.relname), true))
        }
        _ => None,
    }
}

/// Checks one file's normalised text under the policy `migrate.toml` gives it, against a schema
/// model that knows nothing. Pure.
#[cfg(test)]
pub(crate) fn check_script(path: &str, text: &str, kind: ScriptKind, policy: &Policy) -> Checked {
    check_script_after(&[], path, text, kind, policy)
}

/// Like [`check_script`], after the up files `earlier` (their findings left out): the schema
/// model is what they built.
#[cfg(test)]
pub(crate) fn check_script_after(
    earlier: &[&str],
    path: &str,
    text: &str,
    kind: ScriptKind,
    policy: &Policy,
) -> Checked {
    let mut schema = Schema::default();
    for earlier in earlier {
        schema.next_file();
        if let Ok(ready) = prepare(path, earlier, ScriptKind::Up, policy) {
            ready.check(&mut schema);
        }
    }
    if kind != ScriptKind::Down {
        schema.next_file();
    }
    match prepare(path, text, kind, policy) {
        Ok(ready) => ready.check(&mut schema),
        Err(findings) => (*findings).into_checked(None),
    }
}

/// A file parsed, its directives read and its transaction structure checked: what is left is to
/// check its statements against the schema model.
pub(super) struct Ready {
    pub(super) kind: ScriptKind,
    findings: Findings,
    /// The text parsed: psql-only text blanked out.
    parsable: String,
    /// Its scanner tokens.
    tokens: Vec<ScanToken>,
    statements: Vec<parse::ParsedStatement>,
    /// What each statement that is a `DO` block runs.
    blocks: Vec<Option<plpgsql::Block>>,
    structure: structure::Structure,
}

/// Parses one file's normalised text and checks what does not depend on the other files: its
/// findings so far when it cannot be parsed (boxed: the error is the rare, large case). Pure.
pub(super) fn prepare(
    path: &str,
    text: &str,
    kind: ScriptKind,
    policy: &Policy,
) -> Result<Ready, Box<Findings>> {
    let mut findings = Findings {
        path: path.to_owned(),
        text: text.to_owned(),
        policy: policy.clone(),
        directives: Directives::default(),
        diagnostics: Vec::new(),
        hidden: 0,
    };
    // The text as scanned: the file's, or with psql meta-commands blanked when they are what
    // broke the scanner.
    let (scanned, tokens) = match parse::scan(text) {
        Ok(tokens) => (text.to_owned(), tokens),
        Err(hit) => match psql_meta_command::recover_scan(text) {
            Some((blanked, tokens, hits)) => {
                for found in hits {
                    findings.report(&psql_meta_command::RULE, found, None);
                }
                (blanked, tokens)
            }
            None => {
                findings.report(&syntax::RULE, hit, None);
                return Err(Box::new(findings));
            }
        },
    };

    // psql-only text cannot be parsed: report it and blank it out, so the rest is checked.
    let mut parsable = scanned.clone();
    for rule in rules::all() {
        if let Check::Tokens(check) = rule.check {
            for found in check(&scanned, &tokens) {
                let blanked = blank(&scanned[found.blank.clone()]);
                parsable.replace_range(found.blank, &blanked);
                findings.report(rule, found.hit, None);
            }
        }
    }
    // The tokens of the text parsed: the scanner's, unless psql-only text was blanked.
    let tokens = if parsable == scanned {
        tokens
    } else {
        match parse::scan(&parsable) {
            Ok(tokens) => tokens,
            Err(hit) => {
                findings.report(&syntax::RULE, hit, None);
                return Err(Box::new(findings));
            }
        }
    };
    let parse::Parsed { statements, tokens } = match parse::parse_scanned(&parsable, tokens) {
        Ok(parsed) => parsed,
        Err(hit) => {
            findings.report(&syntax::RULE, hit, None);
            return Err(Box::new(findings));
        }
    };

    let ranges: Vec<_> = statements.iter().map(|s| s.range.clone()).collect();
    let (directives, problems) = directives::read(text, &tokens, &ranges);
    findings.directives = directives;
    for (rule, hit) in problems {
        findings.report(rule, hit, None);
    }

    let blocks: Vec<Option<plpgsql::Block>> = statements
        .iter()
        .map(|s| match &s.node {
            NodeEnum::DoStmt(d) => plpgsql::read(d, &parsable, s.range.clone(), 0),
            _ => None,
        })
        .collect();
    let (structure, problems) =
        structure::check(&statements, &blocks, findings.directives.no_transaction);
    for (rule, hit) in problems {
        let index = ranges.iter().position(|r| r.start == hit.at);
        findings.report(rule, hit, index);
    }
    if let Some(at) = findings.directives.no_transaction {
        if kind == ScriptKind::Repeatable {
            let hit = repeatable_statement::no_transaction(at);
            findings.report(&repeatable_statement::RULE, hit, None);
        }
    }

    Ok(Ready {
        kind,
        findings,
        parsable,
        tokens,
        statements,
        blocks,
        structure,
    })
}

impl Ready {
    /// Runs the statement rules on each statement, with what the earlier statements and files
    /// did in `schema`, and adds what each statement does to it. Pure but for `schema`; the
    /// file stays ready to be checked again against another model.
    pub(super) fn check(&self, schema: &mut Schema) -> Checked {
        let Ready {
            kind,
            findings,
            parsable,
            tokens,
            statements,
            blocks,
            structure,
        } = self;
        let (kind, mut findings) = (*kind, findings.clone());
        // What the statements that run create, a `DO` block's under its own index and line.
        let mut counted = (0, 1);
        let mut line_of = |offset: usize| {
            let (from, line) = counted;
            let offset = offset.max(from);
            counted = (offset, line + parsable[from..offset].matches('\n').count());
            counted.1
        };
        let run = structure.run.clone().flat_map(|i| {
            let line = line_of(statements[i].range.start);
            let inner = blocks[i]
                .iter()
                .flat_map(|b| &b.statements)
                .filter(|inner| !inner.guarded)
                .map(move |inner| (i, line, &inner.node));
            std::iter::once((i, line, &statements[i].node)).chain(inner)
        });
        let mut earlier = Earlier::new(run);
        // What needs `-- migrate:no-transaction` and only the schema tells: a `CALL` of a
        // procedure that commits, a new enum value used in a column of its type.
        let mut committing_calls = Vec::new();
        let mut held = Held::default();
        let mut new_values = structure::NewEnumValues::default();
        let target = findings.policy.target;
        for i in structure.run.clone() {
            earlier.enter(i);
            if structure.mode == Transaction::None {
                // Each statement commits alone: nothing the earlier ones took is held.
                held.release();
            }
            let statement = &statements[i];
            if let Some(hit) =
                structure::committing_call(&statement.node, statement.range.start, schema)
            {
                committing_calls.push((i, hit));
            }
            for hit in new_values.column_uses(&statement.node, schema) {
                committing_calls.push((i, hit));
            }
            new_values.record(&statement.node);
            let ctx = StatementCtx {
                node: &statement.node,
                range: statement.range.clone(),
                text: parsable,
                base: 0,
                tokens: tokens_in(tokens, statement.range.clone()),
                earlier: &earlier,
                schema,
                held: &held,
                transaction: structure.mode,
                target,
                cmd_starts: std::cell::OnceCell::new(),
            };
            check_statement(&ctx, kind, false, i, &mut findings);
            earlier.record(&statement.node);
            schema.apply(&statement.node);
            let sql = &parsable[statement.range.clone()];
            let took = (&statement.node, sql, statement.range.start);
            findings.hold(&mut held, took, &earlier, schema);
            // What a `DO` block runs is checked as the file's own statements are, and confirmed
            // by the directives above the `DO`. A guarded block may skip what was done already:
            // the idempotency rules leave it alone, and what it creates is not known to exist in
            // this file (though after the block it exists, as the model records).
            for inner in blocks[i].iter().flat_map(|b| &b.statements) {
                let ctx = StatementCtx {
                    node: &inner.node,
                    range: inner.range.clone(),
                    text: &inner.text,
                    base: inner.base,
                    tokens: &inner.tokens,
                    earlier: &earlier,
                    schema,
                    held: &held,
                    transaction: structure.mode,
                    target,
                    cmd_starts: std::cell::OnceCell::new(),
                };
                check_statement(&ctx, kind, inner.guarded, i, &mut findings);
                if !inner.guarded {
                    earlier.record(&inner.node);
                }
                schema.apply(&inner.node);
                let sql = &inner.text[inner.range.clone()];
                let took = (&inner.node, sql, inner.base + inner.range.start);
                findings.hold(&mut held, took, &earlier, schema);
            }
        }

        match structure.mode {
            Transaction::Single => {
                for (i, hit) in committing_calls {
                    findings.report(&needs_no_transaction::RULE, hit, Some(i));
                }
            }
            Transaction::None if committing_calls.is_empty() => {
                if let Some(hit) = structure.unneeded.clone() {
                    findings.report(&unneeded_no_transaction::RULE, hit, None);
                }
            }
            Transaction::None => {}
        }
        if kind != ScriptKind::Down && structure.run.is_empty() {
            findings.report(
                &empty_migration::RULE,
                Hit::new(0, "the migration has no statement"),
                None,
            );
        }
        let index_builds = structure
            .run
            .clone()
            .enumerate()
            .filter_map(|(statement, i)| {
                concurrent_index(&statements[i].node).map(|(index, rebuild)| match rebuild {
                    true => IndexBuild::rebuild(statement, index),
                    false => IndexBuild::new(statement, index),
                })
            })
            .collect();
        let ranges = structure
            .run
            .clone()
            .map(|i| statements[i].range.clone())
            .collect();
        findings.into_checked(Some((structure.mode, ranges, index_builds)))
    }
}

/// Runs the statement rules on one statement (the `index`th of the file, or one a `DO` block
/// of it runs); on a `guarded` one, all but the idempotency rules. A checkpoint gets every rule
/// of an up file but the idempotency rules: it runs once, on a database without history, in the
/// transaction that records the migrations it stands for, so it never runs a second time.
fn check_statement(
    ctx: &StatementCtx<'_>,
    kind: ScriptKind,
    guarded: bool,
    index: usize,
    findings: &mut Findings,
) {
    for rule in rules::all() {
        let once = guarded || kind == ScriptKind::Checkpoint;
        let applies = |down_files: bool| {
            (kind != ScriptKind::Down || down_files)
                && !(once && rule.family == Family::Idempotency)
        };
        let hits = match rule.check {
            Check::Repeatable(check) if kind == ScriptKind::Repeatable => check(ctx),
            Check::Statement { down_files, check } if applies(down_files) => check(ctx),
            Check::Configured { down_files, check } if applies(down_files) => {
                check(ctx, &findings.policy)
            }
            _ => continue,
        };
        for hit in hits {
            findings.report(rule, hit, Some(index));
        }
    }
}

/// Collects the findings of one file, applying allow directives and the file's policy.
#[derive(Clone)]
pub(super) struct Findings {
    path: String,
    text: String,
    policy: Policy,
    directives: Directives,
    diagnostics: Vec<Diagnostic>,
    /// Findings not reported because the file is legacy history.
    hidden: usize,
}

impl Findings {
    /// The findings, once every statement was checked: with those of the allow directives that
    /// nothing used.
    pub(super) fn into_checked(mut self, run: Option<Run>) -> Checked {
        if run.is_some() {
            let unused: Vec<Hit> = self
                .directives
                .unused()
                .map(|allow| {
                    let whole = self.directives.all_unused_at(allow.at);
                    Hit::new(
                        allow.at,
                        format!(
                            "`{}` is allowed here but nothing breaks it",
                            allow.rule.name
                        ),
                    )
                    .fix(
                        whole
                            .then(|| unused_allow::fix(&self.text, allow.at))
                            .flatten(),
                    )
                })
                .collect();
            for hit in unused {
                self.report(&unused_allow::RULE, hit, None);
            }
        }
        (run, self.diagnostics, self.hidden)
    }

    /// Records in `held` the locks a statement took (its text `sql`, at the file offset
    /// `start`), on the tables that neither an earlier statement of the file nor the statement
    /// itself created.
    fn hold(
        &self,
        held: &mut Held,
        (node, sql, start): (&NodeEnum, &str, usize),
        earlier: &Earlier,
        schema: &Schema,
    ) {
        let (line, _) = line_col(&self.text, start);
        held.record(node, sql, format!("{}:{line}", self.path), |r| {
            !existed(earlier, schema, r)
        });
    }

    fn report(&mut self, rule: &'static Rule, hit: Hit, statement: Option<usize>) {
        debug_assert!(
            hit.fix.is_none() || rule.autofix.is_some(),
            "`{}` fixes a finding but does not say so in `autofix`",
            rule.name
        );
        if rule.allowable && self.directives.allows(rule, statement) || self.policy.allows(rule) {
            return;
        }
        if self.policy.hides(rule) {
            self.hidden += 1;
            return;
        }
        let (line, column) = line_col(&self.text, hit.at);
        self.diagnostics.push(Diagnostic {
            rule: rule.name,
            severity: rule.severity,
            path: self.path.to_owned(),
            position: Some(Position { line, column }),
            message: hit.message,
            source_line: Some(line_at(&self.text, hit.at).to_owned()),
            help: hit.help.unwrap_or_else(|| rule.help.to_owned()),
            fix: hit.fix,
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn concurrent_index_builds_are_named_as_sql_names_them() {
        let names = |sql: &str| -> Vec<Option<(String, bool)>> {
            crate::parse::parse(sql)
                .unwrap()
                .statements
                .iter()
                .map(|s| super::concurrent_index(&s.node))
                .collect()
        };
        assert_eq!(
            names(
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Odd\"\"Idx\" ON app.t (a);\n\
                 CREATE INDEX CONCURRENTLY i ON t (a);\n\
                 CREATE INDEX j ON t (a);\n\
                 CREATE INDEX CONCURRENTLY ON t (a);\n\
                 REINDEX INDEX CONCURRENTLY app.\"I\";\n\
                 REINDEX (CONCURRENTLY) INDEX k;\n\
                 REINDEX INDEX k;\n\
                 REINDEX TABLE CONCURRENTLY t"
            ),
            [
                Some(("\"app\".\"Odd\"\"Idx\"".to_owned(), false)),
                Some(("\"i\"".to_owned(), false)),
                None,
                None,
                Some(("\"app\".\"I\"".to_owned(), true)),
                Some(("\"k\"".to_owned(), true)),
                None,
                None
            ]
        );
    }
}
