//! Every rule, one module each: its name, its reason, its fix, its check and its tests.
//!
//! A rule is a [`Rule`] value. Rules that look at one parsed statement carry their check here;
//! rules that belong to a stage of the pipeline (file names, syntax, directives, transaction
//! structure) are defined next to the stage that finds them and only listed here, so that
//! [`all`] is the complete, documented list.

use std::ops::Range;

use pg_query::NodeEnum;

use crate::config::Policy;
use crate::diagnostic::Severity;
use crate::objects::Earlier;
use crate::schema::Schema;

mod cascade;
mod cluster_administration;
mod column_type_change;
mod constraint_without_not_valid;
mod copy_from_stdin;
mod delete_without_where;
mod detach_partition_without_concurrently;
mod drop_column;
mod drop_schema;
mod drop_table;
mod duplicate_column;
mod escapes_tenant;
pub(crate) mod history_table_write;
mod index_without_concurrently;
mod long_identifier;
mod missing_if_exists;
mod missing_if_not_exists;
mod missing_or_replace;
mod non_idempotent;
mod not_null_without_default;
pub(crate) mod psql_meta_command;
mod select_into;
mod set_not_null;
mod truncate;
mod unguarded_insert;
mod unique_without_index;
mod unnamed_index;
pub(crate) mod volatile_default;

#[cfg(test)]
pub(crate) mod testing;

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
    Tokens(fn(&str, &[pg_query::protobuf::ScanToken]) -> Vec<TokenHit>),
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
    /// Objects created and dropped by earlier statements of this file, and created by later
    /// ones.
    pub earlier: &'a Earlier,
    /// What the earlier files (in version order) and the earlier statements of this file
    /// created, altered and dropped.
    pub schema: &'a Schema,
    /// Where each `ALTER TABLE` sub-command starts in the file: found by scanning the statement
    /// once, the first time a rule asks (see `objects::alter_table_cmds_at`).
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
}

/// Every rule, in the order of the README's table.
pub fn all() -> &'static [&'static Rule] {
    ALL
}

/// The rule with this name.
pub fn find(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.name == name)
}

static ALL: &[&Rule] = &[
    &crate::discover::INVALID_NAME,
    &crate::discover::DUPLICATE_VERSION,
    &crate::discover::ORPHAN_DOWN,
    &crate::discover::NESTED_FOLDER,
    &crate::discover::UNREADABLE_FILE,
    &crate::discover::NOT_UTF8,
    &crate::discover::NUL_BYTE,
    &crate::config::CONFIG,
    &crate::parse::SYNTAX,
    &crate::parse::EMPTY_MIGRATION,
    &duplicate_column::RULE,
    &long_identifier::RULE,
    &crate::directives::UNKNOWN_DIRECTIVE,
    &crate::directives::UNKNOWN_RULE,
    &crate::directives::INVALID_DIRECTIVE,
    &crate::directives::MISPLACED_DIRECTIVE,
    &crate::directives::UNUSED_ALLOW,
    &crate::structure::UNTRANSACTED,
    &crate::structure::TRANSACTION_CONTROL,
    &crate::structure::NEEDS_NO_TRANSACTION,
    &crate::structure::UNNEEDED_NO_TRANSACTION,
    &missing_if_not_exists::RULE,
    &missing_if_exists::RULE,
    &missing_or_replace::RULE,
    &unnamed_index::RULE,
    &unguarded_insert::RULE,
    &select_into::RULE,
    &non_idempotent::RULE,
    &drop_table::RULE,
    &drop_schema::RULE,
    &drop_column::RULE,
    &truncate::RULE,
    &delete_without_where::RULE,
    &cascade::RULE,
    &cluster_administration::RULE,
    &psql_meta_command::RULE,
    &copy_from_stdin::RULE,
    &history_table_write::RULE,
    &escapes_tenant::RULE,
    &index_without_concurrently::RULE,
    &constraint_without_not_valid::RULE,
    &unique_without_index::RULE,
    &detach_partition_without_concurrently::RULE,
    &set_not_null::RULE,
    &column_type_change::RULE,
    &volatile_default::RULE,
    &not_null_without_default::RULE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for rule in all() {
            assert!(seen.insert(rule.name), "duplicate rule name {}", rule.name);
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                rule.name
            );
            assert!(
                !rule.reason.is_empty() && !rule.help.is_empty(),
                "{}",
                rule.name
            );
        }
    }

    /// The README's rules table, as the registry says it should be.
    fn rules_table() -> String {
        let mut table = String::from(
            "| rule | family | level | what it flags, and why | what to write instead | allow |\n\
             |---|---|---|---|---|---|\n",
        );
        for rule in all() {
            let allow = if rule.allowable {
                format!("`-- migrate:allow({}) reason`", rule.name)
            } else {
                "no".to_owned()
            };
            table.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                rule.name,
                rule.family.as_str(),
                rule.severity,
                rule.reason.replace('|', "\\|"),
                rule.help.replace('|', "\\|"),
                allow
            ));
        }
        table
    }

    /// Keeps the README's rules table true. `UPDATE_README=1` rewrites it.
    #[test]
    fn the_readme_lists_every_rule() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
        let readme = std::fs::read_to_string(path).expect("README.md beside the workspace");
        let (start, end) = ("<!-- rules-table -->\n", "<!-- /rules-table -->");
        let from = readme.find(start).expect("rules-table marker") + start.len();
        let to = readme.find(end).expect("/rules-table marker");
        let expected = rules_table();
        if readme[from..to] != expected {
            if std::env::var_os("UPDATE_README").is_some() {
                let updated = format!("{}{expected}{}", &readme[..from], &readme[to..]);
                std::fs::write(path, updated).expect("write README.md");
            } else {
                panic!(
                    "README.md's rules table is out of date; run \
                     `UPDATE_README=1 cargo test -p migrate-lint the_readme_lists_every_rule`"
                );
            }
        }
    }

    #[test]
    fn families_are_listed_in_order() {
        assert!(all().windows(2).all(|w| w[0].family <= w[1].family));
    }
}
