//! What a rule is and what it sees: the rule types ([`Rule`], [`Family`], how a rule is
//! checked), the [`StatementCtx`] a statement rule reads and the [`Policy`] `migrate.toml` gives a
//! file. Every rule (`rules::*`) and every stage imports this module; it imports only what a rule
//! reads (`diagnostic`, and `objects`, `schema` and `locks` for what earlier statements and files
//! did), never a rule, the registry or a stage.

use std::ops::Range;

use pg_query::protobuf::{AlterTableCmd, RangeVar, ScanToken, Token};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::fix::{apply, Edit, Fix, NewFile};
use crate::locks::Held;
use crate::objects::{alter_table_cmds, Earlier};
use crate::schema::Schema;
use migrate_core::{PgVersion, Transaction};

/// The group a rule belongs to, as the rules index (`docs/rules/README.md`) orders them.
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
    /// Statements that change the runner's session beyond the migration.
    SessionState,
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
            Family::SessionState => "session state",
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
    /// What `migrate lint --fix` (and an editor's code action) does to what the rule finds,
    /// when its help is a mechanical rewrite: its findings then carry a
    /// [`Fix`](crate::fix::Fix). `None`: the rule's help needs a person.
    pub autofix: Option<&'static str>,
    /// What the rule's page shows and a test runs through the checker.
    pub examples: Examples,
    pub(crate) check: Check,
}

/// A rule's examples: migration folders where it fires, each beside its fixed form.
#[derive(Debug)]
pub enum Examples {
    /// At least one example.
    Shown(&'static [Example]),
    /// Why no folder of text files can show the rule.
    NotShown(&'static str),
}

/// A migration folder where a rule fires, and the same folder fixed. A file is `(name, text)`,
/// as a user writes it in the folder (`migrate.toml` included).
#[derive(Debug)]
pub struct Example {
    /// The files the folder already holds (a `001_init.sql` creating the table the example
    /// alters), on which the rule does not fire.
    pub before: &'static [(&'static str, &'static str)],
    /// The file the rule fires at.
    pub bad: (&'static str, &'static str),
    /// The same file fixed: the rule does not fire, and the folder has no finding at all.
    pub good: (&'static str, &'static str),
}

/// What the configuration says of one file: the rules allowed in it, whether it is legacy, the
/// tenant's shared objects and the target server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    pub(crate) allowed: Vec<&'static str>,
    pub(crate) legacy: bool,
    /// With `tenancy = "schema"`: the `shared` objects, which migrations may name outside the
    /// tenant's schema. `None`: names are not checked.
    pub(crate) tenant_schema: Option<Vec<Shared>>,
    /// `postgres`: the oldest PostgreSQL major version the file must run on.
    pub(crate) target: Target,
}

/// The oldest PostgreSQL major version the migrations must run on, and whether `migrate.toml`
/// says so (`postgres`) or it is the default. `Display`: how messages name it
/// (`migrate.toml declares postgres = 14`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Target {
    /// The version.
    pub(crate) version: PgVersion,
    /// Whether `migrate.toml` declares it.
    pub(crate) declared: bool,
}

impl Target {
    /// Whether the target accepts what PostgreSQL `major` brought.
    pub(crate) fn at_least(self, major: u32) -> bool {
        self.version.at_least(major)
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.declared {
            true => write!(f, "migrate.toml declares `postgres = {}`", self.version),
            false => write!(
                f,
                "the target is PostgreSQL {}, the default when migrate.toml declares no \
                 `postgres`",
                self.version
            ),
        }
    }
}

impl Policy {
    /// Whether `migrate.toml` allows this rule in the file.
    pub(crate) fn allows(&self, rule: &Rule) -> bool {
        rule.allowable && self.allowed.contains(&rule.name)
    }

    /// Whether the file is legacy and the rule is one legacy files are not held to: the
    /// session-state, idempotency, destructive and lock-hazard rules, and warnings (each asks
    /// for an edit of a file that must not change). What would break a fresh database is still
    /// reported.
    pub(crate) fn hides(&self, rule: &Rule) -> bool {
        self.legacy
            && (rule.severity == Severity::Warning
                || matches!(
                    rule.family,
                    Family::SessionState
                        | Family::Idempotency
                        | Family::Destructive
                        | Family::LockHazards
                ))
    }
}

/// One entry of `shared`: `schema.name`, or `schema.*` for every object of the schema, each
/// part as PostgreSQL reads it (folded to lower case unless quoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// The schema.
    pub schema: String,
    /// The object, or `None` for every object of the schema (and the schema itself).
    pub name: Option<String>,
}

impl Shared {
    /// Whether this entry shares the object `name` of `schema` (`None`: the schema itself).
    pub(crate) fn covers(&self, schema: &str, name: Option<&str>) -> bool {
        self.schema == schema
            && match (&self.name, name) {
                (None, _) => true,
                (Some(shared), Some(name)) => shared == name,
                (Some(_), None) => false,
            }
    }
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
    /// Looks at one statement of a repeatable migration (`R__{name}.sql`), its own (not those a
    /// `DO` block runs).
    Repeatable(fn(&StatementCtx<'_>) -> Vec<Hit>),
    /// Looks at the scanner's tokens before parsing, for text PostgreSQL's parser cannot read
    /// (psql-only syntax). What it flags is blanked out before parsing.
    Tokens(fn(&str, &[ScanToken]) -> Vec<TokenHit>),
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
    /// `{V}_{name}.checkpoint.sql`: run once, on an empty database, in one transaction.
    Checkpoint,
    /// A repeatable migration (`R__{name}.sql`): checked as an up file, after every versioned
    /// one, and by the rules for repeatables.
    Repeatable,
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
    /// The locks the file holds on tables that existed before it, taken by earlier statements
    /// and kept until the file commits (nothing in a file without a transaction).
    pub held: &'a Held,
    /// Whether the file runs in one transaction or statement by statement.
    pub transaction: Transaction,
    /// The oldest PostgreSQL major version the file must run on (`postgres` in
    /// `migrate.toml`): what the rules model and suggest is what it does and accepts.
    pub target: Target,
    /// Where each `ALTER TABLE` sub-command starts in the file: found from the tokens the first
    /// time a rule asks (see [`StatementCtx::alter_table_cmds_at`]).
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

    /// Whether the statement is the file's own text, which a fix can edit: not one a `DO` block
    /// runs (whose text may be a string literal, its offsets not the file's).
    pub fn own_text(&self) -> bool {
        self.base == 0
    }

    /// The file offset where the first run of code tokens (comments skipped) at or after the
    /// file offset `from` that spells `words` (compared case-insensitively) ends. `None` when
    /// there is none, or the statement is not the file's own text (see [`Self::own_text`]).
    pub fn after_words(&self, from: usize, words: &[&str]) -> Option<usize> {
        self.words_after(from, words, false)
    }

    /// Like [`Self::after_words`], only when the run starts at the first code token at or
    /// after `from`.
    pub fn after_words_at(&self, from: usize, words: &[&str]) -> Option<usize> {
        self.words_after(from, words, true)
    }

    fn words_after(&self, from: usize, words: &[&str], anchored: bool) -> Option<usize> {
        let code: Vec<(&str, Range<usize>)> = self
            .code_tokens()
            .into_iter()
            .filter(|(_, range)| range.start >= from)
            .collect();
        let spells = |i: &usize| {
            code.get(*i..*i + words.len()).is_some_and(|run| {
                run.iter()
                    .zip(words)
                    .all(|((text, _), w)| text.eq_ignore_ascii_case(w))
            })
        };
        let last = if anchored { 1 } else { code.len() };
        (0..last.min(code.len()))
            .find(spells)
            .map(|i| code[i + words.len() - 1].1.end)
            .filter(|_| !words.is_empty())
    }

    /// The statement's code tokens (comments left out), each with its text and byte range in
    /// the file; none when the statement is not the file's own text (see [`Self::own_text`]).
    pub fn code_tokens(&self) -> Vec<(&str, Range<usize>)> {
        if !self.own_text() {
            return Vec::new();
        }
        self.words()
            .filter(|(t, _, _)| !matches!(t.token(), Token::SqlComment | Token::CComment))
            .map(|(_, text, at)| (text, at..at + text.len()))
            .collect()
    }

    /// The byte range in the file of the (possibly qualified) name that starts at the node
    /// `location`: `app."Users"`. `None` when no code token starts there.
    pub fn name_at(&self, location: i32) -> Option<Range<usize>> {
        let code = self.code_tokens();
        let first = code
            .iter()
            .position(|(_, r)| r.start == self.at(location))?;
        let mut last = first;
        while code.get(last + 1).is_some_and(|(t, _)| *t == ".") && last + 2 < code.len() {
            last += 2;
        }
        Some(code[first].1.start..code[last].1.end)
    }

    /// The fix that writes a `CONCURRENTLY` form, which cannot run in a transaction block:
    /// ` CONCURRENTLY` inserted at the file offset `at`. In a file without a transaction, an
    /// edit; in a file with one, a plan: the statement moves into a new migration of its own
    /// that starts with `-- migrate:no-transaction`, with `guard` (` IF NOT EXISTS`, ` IF
    /// EXISTS`) after `CONCURRENTLY` when it lacks it, as a statement there must be idempotent.
    pub fn concurrently(&self, at: usize, guard: &str) -> Option<Fix> {
        if !self.own_text() {
            return None;
        }
        if self.transaction == Transaction::None {
            let insert = Edit::insert(at, " CONCURRENTLY");
            return Some(Fix::edits("write `CONCURRENTLY`", vec![insert]));
        }
        let insert = Edit::insert(at - self.start(), format!(" CONCURRENTLY{guard}"));
        let statement = apply(self.sql(), &[insert])?;
        Some(Fix::NewFile(NewFile {
            title: "move the statement, with `CONCURRENTLY`, into a new migration after this one \
                    that starts with `-- migrate:no-transaction`"
                .to_owned(),
            remove: self.with_semicolon(),
            content: format!("-- migrate:no-transaction\n{statement};\n"),
        }))
    }

    /// Whether a comment lies in the file's byte range `range`: an edit that removes it would
    /// lose what the author wrote.
    pub fn has_comment_in(&self, range: Range<usize>) -> bool {
        self.words().any(|(t, text, at)| {
            matches!(t.token(), Token::SqlComment | Token::CComment)
                && at < range.end
                && at + text.len() > range.start
        })
    }

    /// The statement's range in the file with its semicolon (when only blanks separate them)
    /// and the line end after it: what removing the statement removes.
    pub fn with_semicolon(&self) -> Range<usize> {
        let end = self.range.end;
        let rest = &self.text[end..];
        let blanks = rest.len() - rest.trim_start_matches([' ', '\t', '\n']).len();
        let end = match rest[blanks..].starts_with(';') {
            true => end + blanks + 1,
            false => end,
        };
        let end = end + usize::from(self.text[end..].starts_with('\n'));
        self.base + self.range.start..self.base + end
    }

    /// The statement's tokens with their text and file offset.
    pub fn words(&self) -> impl Iterator<Item = (&ScanToken, &str, usize)> {
        self.tokens.iter().filter_map(|t| {
            let (start, end) = (usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?);
            Some((t, self.text.get(start..end)?, self.base + start))
        })
    }
}

impl<'a> StatementCtx<'a> {
    /// The `ALTER TABLE` sub-commands of the statement, with the table and the byte offset where
    /// each sub-command starts in the file (the statement's start when it cannot be found).
    pub fn alter_table_cmds_at(&self) -> Vec<(Option<&'a RangeVar>, &'a AlterTableCmd, usize)> {
        let cmds: Vec<_> = alter_table_cmds(self.node).collect();
        if cmds.is_empty() {
            return Vec::new();
        }
        let starts = self.cmd_starts.get_or_init(|| {
            cmds.first()
                .and_then(|(relation, _)| *relation)
                .map(|r| command_starts(self, r))
                .filter(|starts| starts.len() == cmds.len())
                .unwrap_or_else(|| vec![self.start(); cmds.len()])
        });
        cmds.into_iter()
            .zip(starts.iter().copied())
            .map(|((relation, cmd), at)| (relation, cmd, at))
            .collect()
    }

    /// The `ALTER TABLE` sub-commands of a statement on a table that existed before it, with where
    /// each starts: a table created earlier in the same file is empty and seen by nobody, so locking
    /// it harms no one.
    pub fn existing_table_cmds(
        &self,
    ) -> impl Iterator<Item = (&'a RangeVar, &'a AlterTableCmd, usize)> + 'a {
        let (earlier, schema) = (self.earlier, self.schema);
        self.alter_table_cmds_at()
            .into_iter()
            .filter_map(move |(relation, cmd, at)| {
                relation
                    .filter(|r| existed(earlier, schema, r))
                    .map(|r| (r, cmd, at))
            })
    }

    /// Whether the relation existed before this file: not created by an earlier statement of
    /// it (a table created in the same file is empty and seen by nobody).
    pub fn existed(&self, relation: &RangeVar) -> bool {
        existed(self.earlier, self.schema, relation)
    }
}

/// Whether the relation existed before the file: see [`StatementCtx::existed`].
pub(crate) fn existed(earlier: &Earlier, schema: &Schema, relation: &RangeVar) -> bool {
    !earlier.created_relation(relation) && !schema.created_here(relation)
}

/// Where the comma-separated sub-commands after the table name start: the first token after the
/// (possibly qualified) name, then the token after each comma outside brackets.
fn command_starts(ctx: &StatementCtx<'_>, relation: &RangeVar) -> Vec<usize> {
    let tokens: Vec<_> = ctx
        .words()
        .filter(|(t, _, _)| !matches!(t.token(), Token::SqlComment | Token::CComment))
        .map(|(t, _, at)| (t.token(), at))
        .collect();
    let Some(mut i) = tokens
        .iter()
        .position(|&(_, at)| at == ctx.at(relation.location))
    else {
        return Vec::new();
    };
    i += 1;
    while tokens.get(i).is_some_and(|&(t, _)| t == Token::Ascii46) {
        i += 2;
    }
    if tokens.get(i).is_some_and(|&(t, _)| t == Token::Ascii42) {
        i += 1;
    }
    let Some(&(_, first)) = tokens.get(i) else {
        return Vec::new();
    };
    let mut starts = vec![first];
    let mut depth = 0usize;
    for pair in tokens[i..].windows(2) {
        match pair[0].0 {
            Token::Ascii40 | Token::Ascii91 => depth += 1,
            Token::Ascii41 | Token::Ascii93 => depth = depth.saturating_sub(1),
            Token::Ascii44 if depth == 0 => starts.push(pair[1].1),
            _ => {}
        }
    }
    starts
}
