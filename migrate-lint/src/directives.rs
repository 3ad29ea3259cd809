//! `-- migrate:` comments: read from the scanner's comment tokens, since statement locations
//! from the parser exclude the comments above them.
//!
//! * `-- migrate:no-transaction` in the header (the comments before the first statement);
//! * `-- migrate:allow-file(rule, ...) reason` in the header: the rules are allowed in the file;
//! * `-- migrate:allow(rule, ...) reason` in the comments right above a statement: the rules are
//!   allowed for that statement.

use std::cell::Cell;
use std::ops::Range;

use pg_query::protobuf::{ScanToken, Token};

use crate::diagnostic::{Hit, Position};
use crate::rule::{Check, Rule};
use crate::rules::{
    allowable, invalid_directive, misplaced_directive, unknown_directive, unknown_rule, AllowError,
};
use crate::source::line_col;

/// One allowed rule of a directive, and whether a finding used it.
#[derive(Debug, Clone)]
pub(crate) struct Allow {
    pub rule: &'static Rule,
    pub at: usize,
    pub used: Cell<bool>,
}

/// The directives of one file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Directives {
    /// Byte offset of `-- migrate:no-transaction`, when present.
    pub no_transaction: Option<usize>,
    /// Rules allowed in the whole file.
    pub file: Vec<Allow>,
    /// Rules allowed per statement, indexed like the statements.
    pub statements: Vec<Vec<Allow>>,
}

impl Directives {
    /// Whether `rule` is allowed for statement `index` (marks the allow as used).
    pub fn allows(&self, rule: &Rule, index: Option<usize>) -> bool {
        let statement = index.and_then(|i| self.statements.get(i));
        statement
            .into_iter()
            .flatten()
            .chain(&self.file)
            .find(|a| a.rule.name == rule.name)
            .inspect(|a| a.used.set(true))
            .is_some()
    }

    /// Whether no rule of the directive at the byte offset `at` was used.
    pub fn all_unused_at(&self, at: usize) -> bool {
        let mut all = self.statements.iter().flatten().chain(&self.file);
        all.all(|a| a.at != at || !a.used.get())
    }

    /// Allows that no finding used.
    pub fn unused(&self) -> impl Iterator<Item = &Allow> {
        self.statements
            .iter()
            .flatten()
            .chain(&self.file)
            .filter(|a| !a.used.get())
    }
}

/// Reads the directives of a file. `statements` are the statement ranges, in order.
pub(crate) fn read(
    text: &str,
    tokens: &[ScanToken],
    statements: &[Range<usize>],
) -> (Directives, Vec<(&'static Rule, Hit)>) {
    let mut directives = Directives {
        statements: statements.iter().map(|_| Vec::new()).collect(),
        ..Directives::default()
    };
    let mut problems = Vec::new();
    let header_end = statements.first().map_or(text.len(), |s| s.start);
    for token in tokens.iter().filter(|t| t.token() == Token::SqlComment) {
        let at = token.start as usize;
        let comment = text[at..token.end as usize].trim_start_matches('-').trim();
        let Some(directive) = comment.strip_prefix("migrate:") else {
            continue;
        };
        let in_header = at < header_end;
        match parse(directive) {
            Err(problem) => problems.push(problem.at(at)),
            Ok(Directive::NoTransaction) if in_header => directives.no_transaction = Some(at),
            Ok(Directive::AllowFile(names)) if in_header => {
                directives.file.extend(resolve(&names, at, &mut problems));
            }
            Ok(Directive::Allow(names)) => {
                // The statement right below: the first that starts after the comment, when no
                // statement is around the comment.
                let next = statements.iter().position(|s| s.start > at);
                let inside = statements.iter().any(|s| s.start < at && at < s.end);
                match next {
                    Some(i) if !inside && (i == 0 || statements[i - 1].end < at) => {
                        directives.statements[i].extend(resolve(&names, at, &mut problems));
                    }
                    _ => problems.push((
                        &misplaced_directive::RULE,
                        Hit::new(at, "`allow` is not right above a statement").help(
                            "put it in the comments right above the statement it allows, \
                             or use `allow-file` in the header for the whole file",
                        ),
                    )),
                }
            }
            Ok(directive) => problems.push((
                &misplaced_directive::RULE,
                Hit::new(
                    at,
                    format!(
                        "`{}` must be in the header, before the first statement",
                        directive.keyword()
                    ),
                )
                .help("move it to the top of the file, above the first statement"),
            )),
        }
    }
    (directives, problems)
}

enum Directive {
    NoTransaction,
    AllowFile(Vec<String>),
    Allow(Vec<String>),
}

impl Directive {
    fn keyword(&self) -> &'static str {
        match self {
            Directive::NoTransaction => "no-transaction",
            Directive::AllowFile(_) => "allow-file",
            Directive::Allow(_) => "allow",
        }
    }
}

struct Problem {
    rule: &'static Rule,
    message: String,
    help: Option<String>,
}

impl Problem {
    fn at(self, at: usize) -> (&'static Rule, Hit) {
        let hit = Hit::new(at, self.message);
        let hit = match self.help {
            Some(help) => hit.help(help),
            None => hit,
        };
        (self.rule, hit)
    }
}

/// Reads what follows `migrate:`.
fn parse(directive: &str) -> Result<Directive, Problem> {
    let word_end = directive
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(directive.len());
    let (word, rest) = directive.split_at(word_end);
    let invalid = |message: String, help: &str| Problem {
        rule: &invalid_directive::RULE,
        message,
        help: Some(help.to_owned()),
    };
    match word {
        "no-transaction" if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
            Ok(Directive::NoTransaction)
        }
        "allow" | "allow-file" => {
            let example = format!("write `-- migrate:{word}(drop-column) why this is safe`");
            let Some((list, reason)) = rest.strip_prefix('(').and_then(|r| r.split_once(')'))
            else {
                return Err(invalid(
                    format!("`{word}` needs a list of rules in parentheses"),
                    &example,
                ));
            };
            let names: Vec<String> = list
                .split(',')
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect();
            if names.is_empty() {
                return Err(invalid(format!("`{word}()` names no rule"), &example));
            }
            if reason.trim().is_empty() {
                return Err(invalid(
                    format!("`{word}({})` does not say why", list.trim()),
                    &format!(
                        "add the reason after the parenthesis: `-- migrate:{word}({}) why this \
                         is safe`",
                        list.trim()
                    ),
                ));
            }
            Ok(if word == "allow" {
                Directive::Allow(names)
            } else {
                Directive::AllowFile(names)
            })
        }
        _ => Err(Problem {
            rule: &unknown_directive::RULE,
            message: format!("unknown directive `migrate:{}`", directive.trim()),
            help: None,
        }),
    }
}

/// A text to insert in a file, at a 1-based line and column (in characters, as [`Position`]
/// counts them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insertion {
    /// Where the text goes: what was there follows it.
    pub at: Position,
    /// The text, line ends included.
    pub text: String,
}

/// The placeholder reason [`allow_directive`] writes: the directive needs a reason, which only
/// the author can give.
pub const REASON_PLACEHOLDER: &str = "TODO: why this is safe";

/// The directive that allows the rule `rule` for its finding at `at` in the file `text`, and
/// where it goes: `-- migrate:allow(rule) reason` on its own line right above the statement the
/// finding is in (a `DO` block for what the block runs), or `-- migrate:allow-file(rule) reason`
/// at the top of the file for a finding that is not about one statement (the transaction mode,
/// an unused directive). The reason is [`REASON_PLACEHOLDER`], for the author to replace.
/// `None` when the rule cannot be allowed or the file cannot be parsed. Pure.
pub fn allow_directive(text: &str, rule: &str, at: Position) -> Option<Insertion> {
    let rule = allowable(rule).ok()?;
    let statements = crate::parse::parse(text).ok()?.statements;
    let offset = offset_of(text, at);
    // Only a statement rule's finding is always its statement's; a stage's is when it points
    // at the statement's start.
    let per_statement = matches!(
        rule.check,
        Check::Statement { .. } | Check::Configured { .. }
    );
    let statement = statements
        .iter()
        .find(|s| s.range.contains(&offset) && (per_statement || s.range.start == offset));
    let Some(statement) = statement else {
        return Some(Insertion {
            at: Position { line: 1, column: 1 },
            text: format!(
                "-- migrate:allow-file({}) {REASON_PLACEHOLDER}\n",
                rule.name
            ),
        });
    };
    let start = statement.range.start;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..start];
    let directive = format!("-- migrate:allow({}) {REASON_PLACEHOLDER}", rule.name);
    let (line, column) = line_col(text, start);
    Some(if before.trim().is_empty() {
        // The statement starts its line: the directive goes on the line above, indented alike.
        Insertion {
            at: Position { line, column: 1 },
            text: format!("{before}{directive}\n"),
        }
    } else {
        // Another statement ends on the line: the statement moves to a line of its own.
        Insertion {
            at: Position { line, column },
            text: format!("\n{directive}\n"),
        }
    })
}

/// The byte offset of a 1-based line and column (in characters) of `text`; the end of the text
/// past its last line, the end of the line past its last character.
fn offset_of(text: &str, at: Position) -> usize {
    let line_start = match at.line {
        0 | 1 => 0,
        n => match text.match_indices('\n').nth(n - 2) {
            Some((i, _)) => i + 1,
            None => return text.len(),
        },
    };
    let line = &text[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    line_start
        + line
            .char_indices()
            .nth(at.column.saturating_sub(1))
            .map_or(line.len(), |(i, _)| i)
}

/// Looks the rule names up; unknown and non-allowable names are problems.
fn resolve(names: &[String], at: usize, problems: &mut Vec<(&'static Rule, Hit)>) -> Vec<Allow> {
    names
        .iter()
        .filter_map(|name| match allowable(name) {
            Ok(rule) => Some(Allow {
                rule,
                at,
                used: Cell::new(false),
            }),
            Err(AllowError::NotAllowable(rule)) => {
                problems.push((
                    &invalid_directive::RULE,
                    Hit::new(at, format!("rule `{rule}` cannot be allowed")).help(format!(
                        "remove `{rule}` from the directive and fix what it reports; only the rules \
                         with an `allow` entry in docs/rules/README.md can be allowed"
                    )),
                ));
                None
            }
            Err(AllowError::Unknown { suggestion, .. }) => {
                let help = match suggestion {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => unknown_rule::RULE.help.to_owned(),
                };
                problems.push((
                    &unknown_rule::RULE,
                    Hit::new(at, format!("unknown rule `{name}`")).help(help),
                ));
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, scan};
    use crate::rules::closest;

    fn read_sql(text: &str) -> (Directives, Vec<(&'static str, String)>) {
        let tokens = scan(text).unwrap();
        let statements: Vec<_> = parse(text)
            .unwrap()
            .statements
            .into_iter()
            .map(|s| s.range)
            .collect();
        let (directives, problems) = read(text, &tokens, &statements);
        let problems = problems
            .into_iter()
            .map(|(r, h)| (r.name, h.message))
            .collect();
        (directives, problems)
    }

    #[test]
    fn header_and_statement_directives_are_read() {
        let (d, problems) = read_sql(
            "-- migrate:no-transaction\n-- migrate:allow-file(truncate) test data only\n\
             SELECT 1;\n-- a note\n--migrate:allow(drop-table, cascade) moved to archive\n\
             DROP TABLE IF EXISTS t CASCADE;\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(d.no_transaction, Some(0));
        assert_eq!(d.file[0].rule.name, "truncate");
        assert!(d.statements[0].is_empty());
        let names: Vec<_> = d.statements[1].iter().map(|a| a.rule.name).collect();
        assert_eq!(names, ["drop-table", "cascade"]);
    }

    #[test]
    fn typos_misplacements_and_missing_reasons_are_errors() {
        let (_, problems) = read_sql(
            "-- migrate:no-transactoin\n-- migrate:allow(drop-tabel) reason\nSELECT 1;\n\
             -- migrate:no-transaction\nSELECT 2;\n-- migrate:allow(truncate)\nSELECT 3;\n\
             -- migrate:allow(syntax) never\nSELECT 4;\nSELECT 5 -- migrate:allow(truncate) x\n\
             ;\n-- migrate:allow(truncate) at the end\n",
        );
        let rules: Vec<_> = problems.iter().map(|p| p.0).collect();
        assert_eq!(
            rules,
            [
                "unknown-directive",
                "unknown-rule",
                "misplaced-directive",
                "invalid-directive",
                "invalid-directive",
                "misplaced-directive",
                "misplaced-directive",
            ]
        );
    }

    #[test]
    fn directives_in_block_comments_and_strings_are_not_directives() {
        let (d, problems) =
            read_sql("/* -- migrate:no-transaction */\nSELECT '-- migrate:nothing';\n");
        assert!(problems.is_empty());
        assert_eq!(d.no_transaction, None);
    }

    #[test]
    fn suggestions_find_the_meant_rule() {
        let names = || crate::rules::all().iter().map(|r| r.name);
        assert_eq!(closest("drop-tabel", names()), Some("drop-table"));
        assert_eq!(closest("completely-different-thing", names()), None);
    }
}
