//! How a script runs: [`Transaction`], and the [`IndexBuild`]s the runner follows.

use std::borrow::Cow;

/// How a script runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transaction {
    /// All statements run in one transaction, together with the history-table change.
    Single,
    /// The file starts with `-- migrate:no-transaction`: each statement is sent alone, outside any
    /// transaction block, and progress is recorded after each one so a re-run resumes.
    None,
}

/// A statement of a script that builds a named index concurrently (`CREATE [UNIQUE] INDEX
/// CONCURRENTLY name`) or rebuilds one (`REINDEX INDEX CONCURRENTLY name`): a crash in its middle
/// leaves an INVALID index behind (of that name for a build; `<name>_ccnew` or `<name>_ccold`
/// for a rebuild), which the runner drops before running the statement again, and whose
/// validity it checks after.
///
/// The checker finds them; the runner follows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexBuild {
    statement: usize,
    index: Cow<'static, str>,
    rebuild: bool,
}

impl IndexBuild {
    /// Statement `statement` (0-based among the script's statements) builds `index`, quoted as
    /// SQL names it: the table's schema when the statement names one, then the index name, each
    /// quoted (`"app"."users_email_idx"`, or `"users_email_idx"`, found through the
    /// `search_path` like the table).
    pub fn new(statement: usize, index: impl Into<Cow<'static, str>>) -> Self {
        Self {
            statement,
            index: index.into(),
            rebuild: false,
        }
    }

    /// Statement `statement` rebuilds the existing index `index` (`REINDEX INDEX
    /// CONCURRENTLY`).
    pub fn rebuild(statement: usize, index: impl Into<Cow<'static, str>>) -> Self {
        Self {
            rebuild: true,
            ..Self::new(statement, index)
        }
    }

    /// The statement's index among the script's statements.
    pub const fn statement(&self) -> usize {
        self.statement
    }

    /// The index, quoted as SQL names it.
    pub fn index(&self) -> &str {
        &self.index
    }

    /// Whether the statement rebuilds an existing index rather than building a new one.
    pub const fn rebuilds(&self) -> bool {
        self.rebuild
    }
}
