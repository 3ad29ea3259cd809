//! What a rule is and what it sees: the types every stage of the pipeline and every rule
//! share. The registry of all rules is [`crate::rules`]; this module depends on no stage, so
//! that a stage can define its own rules without a cycle through the registry.

use std::ops::Range;

use pg_query::protobuf::ScanToken;
use pg_query::NodeEnum;

use crate::config::Policy;
use crate::diagnostic::Severity;
use crate::objects::Earlier;
use crate::schema::Schema;

/// The group a rule belongs to, as the README's rules table orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Family {
    /// File names and file contents before parsing.
    Files,
    /// PostgreSQL's parser rejects the file.
    Syntax,
    /// `-- migrate:` comments.
    Directives,
    /// The file's own `BEGIN`/`COMMIT` and statements that cannot run in a transaction.
    Transactions,
    /// Statements that fail or do something else when run a second time.
    Idempotency,
    /// Statements that destroy data: they need an explicit confirmation.
    Destructive,
    /// Statements a migration must never contain.
    Forbidden,
    /// Statements that take strong locks on existing tables (warnings).
    LockHazards,
}

impl Family {
    /// Lower-case name of the family.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Files => "files",
            Family::Syntax => "syntax",
            Family::Directives => "directives",
            Family::Transactions => "transactions",
            Family::Idempotency => "idempotency",
            Family::Destructive => "destructive",
            Family::Forbidden => "forbidden",
            Family::LockHazards => "lock hazards",
        }
    }
}

/// A rule: what it flags, why, and what to write instead.
#[derive(Debug)]
pub struct Rule {
    /// Stable kebab-case name, used in messages and in `allow` directives.
    pub name: &'static str,
    /// The group it belongs to.
    pub family: Family,
    /// Error (fails the build) or warning.
    pub severity: Severity,
    /// One line: what it flags and why it matters.
    pub reason: &'static str,
    /// The general fix; findings usually carry a fix specific to the statement.
    pub help: &'static str,
    /// Whether `-- migrate:allow(...)`, `allow-file(...)` or the macro's `allow = [...]` can
    /// silence it. File and syntax problems cannot be allowed.
    pub allowable: bool,
    pub(crate) check: Check,
}

/// How a rule is checked.
#[derive(Debug)]
pub(crate) enum Check {
    /// Found by a stage of the pipeline (discovery, parsing, directives, transaction structure).
    Stage,
    /// Looks at one statement of an up file (and of a down file when `down_files`).
    Statement {
        down_files: bool,
        check: fn(&StatementCtx<'_>) -> Vec<Hit>,
    },
    /// Like `Statement`, under the settings `migrate.toml` gives the file (`tenancy`).
    Configured {
        down_files: bool,
        check: fn(&StatementCtx<'_>, &Policy) -> Vec<Hit>,
    },
    /// Looks at the scanner's tokens before parsing, for text PostgreSQL's parser cannot read
    /// (psql-only syntax). What it flags is blanked out before parsing.
    Tokens(fn(&str, &[ScanToken]) -> Vec<TokenHit>),
}

/// One place a rule fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Byte offset in the file the finding points at.
    pub at: usize,
    /// What is wrong, about this statement.
    pub message: String,
    /// The fix for this statement, when more precise than [`Rule::help`].
    pub help: Option<String>,
}

impl Hit {
    pub(crate) fn new(at: usize, message: impl Into<String>) -> Self {
        Self {
            at,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A token-level finding and the byte range to blank out before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenHit {
    pub hit: Hit,
    pub blank: Range<usize>,
}

/// Which file of a migration a statement is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ScriptKind {
    Up,
    Down,
}

/// What a statement rule sees: the statement and what earlier statements of the file did.
pub(crate) struct StatementCtx<'a> {
    /// The statement's parse tree.
    pub node: &'a NodeEnum,
    /// The statement's byte range in `text` (no trailing semicolon).
    pub range: Range<usize>,
    /// The text the statement was parsed from: the whole file, or the SQL a `DO` block runs.
    /// Node `location`s are byte offsets into it.
    pub text: &'a str,
    /// Where `text` starts in the file: 0 for the file's own statements.
    pub base: usize,
    /// The scanner's tokens of the statement, comments included, as the file (or the `DO`
    /// block's statement) was scanned once: their offsets are in `text`. Rules read them
    /// instead of scanning again.
    pub tokens: &'a [ScanToken],
    /// Objects created and dropped by earlier statements of this file, and created by later
    /// ones.
    pub earlier: &'a Earlier,
    /// What the earlier files (in version order) and the earlier statements of this file
    /// created, altered and dropped.
    pub schema: &'a Schema,
    /// Where each `ALTER TABLE` sub-command starts in the file: found from the tokens the first
    /// time a rule asks (see `objects::alter_table_cmds_at`).
    pub cmd_starts: std::cell::OnceCell<Vec<usize>>,
}

impl StatementCtx<'_> {
    /// The statement's text.
    pub fn sql(&self) -> &str {
        &self.text[self.range.clone()]
    }

    /// The file offset of a node `location`, or of the statement start when the node has none
    /// (-1).
    pub fn at(&self, location: i32) -> usize {
        self.base + usize::try_from(location).map_or(self.range.start, |l| l.min(self.text.len()))
    }

    /// The file offset of the statement's start.
    pub fn start(&self) -> usize {
        self.base + self.range.start
    }

    /// A hit at the statement's start.
    pub fn hit(&self, message: impl Into<String>) -> Hit {
        Hit::new(self.start(), message)
    }

    /// The statement's tokens with their text and file offset.
    pub fn words(&self) -> impl Iterator<Item = (&ScanToken, &str, usize)> {
        self.tokens.iter().filter_map(|t| {
            let (start, end) = (usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?);
            Some((t, self.text.get(start..end)?, self.base + start))
        })
    }
}

/// The tokens of `tokens` (sorted by offset, as the scanner gives them) that lie in `range`.
pub(crate) fn tokens_in(tokens: &[ScanToken], range: Range<usize>) -> &[ScanToken] {
    let offset = |t: &ScanToken| usize::try_from(t.start).unwrap_or(0);
    let first = tokens.partition_point(|t| offset(t) < range.start);
    let last = tokens.partition_point(|t| offset(t) < range.end);
    &tokens[first..last.max(first)]
}
