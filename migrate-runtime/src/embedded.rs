//! The types `embed_migrations!` expands to. They are built in `static` context, so their
//! constructors are `const fn`; they are `#[doc(hidden)]` because only the macro calls them.

use crate::settings::Settings;
use crate::version::Version;

/// The ordered set of migrations embedded from one folder.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    migrations: &'static [Migration],
    settings: Settings,
}

impl Migrations {
    #[doc(hidden)]
    pub const fn __new(migrations: &'static [Migration]) -> Self {
        Self {
            migrations,
            settings: Settings::new(),
        }
    }

    /// The same migrations with the settings of their folder's `migrate.toml` (the macro
    /// embeds them this way).
    pub const fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The settings of the folder's `migrate.toml` (all unset without one).
    pub const fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Every migration, in ascending version order.
    pub const fn as_slice(&self) -> &'static [Migration] {
        self.migrations
    }

    /// Iterates the migrations in ascending version order.
    pub fn iter(&self) -> std::slice::Iter<'static, Migration> {
        self.migrations.iter()
    }

    /// Number of migrations.
    pub const fn len(&self) -> usize {
        self.migrations.len()
    }

    /// Whether the folder held no migration.
    pub const fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }

    /// The migration with this version, if embedded.
    pub fn get(&self, version: impl Into<Version>) -> Option<&'static Migration> {
        let version = version.into();
        self.migrations
            .binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| &self.migrations[i])
    }
}

impl IntoIterator for &Migrations {
    type Item = &'static Migration;
    type IntoIter = std::slice::Iter<'static, Migration>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// One migration: `{version}_{name}.sql` and its optional `{version}_{name}.down.sql`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    version: Version,
    name: &'static str,
    checksum: &'static str,
    up: Script,
    down: Option<Script>,
}

impl Migration {
    #[doc(hidden)]
    pub const fn __new(
        version: Version,
        name: &'static str,
        checksum: &'static str,
        up: Script,
        down: Option<Script>,
    ) -> Self {
        Self {
            version,
            name,
            checksum,
            up,
            down,
        }
    }

    /// The version: the file name's leading digits read as an integer (`003` is 3).
    pub const fn version(&self) -> Version {
        self.version
    }

    /// The name: the rest of the file name, as written (`add_users` in `003_add_users.sql`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Lower-case hex SHA-256 of the up file's text after removing a leading UTF-8 BOM and turning
    /// CRLF into LF: a Windows checkout of the same file has the same checksum.
    pub const fn checksum(&self) -> &'static str {
        self.checksum
    }

    /// The up script, which applies the migration.
    pub const fn up(&self) -> &Script {
        &self.up
    }

    /// The down script, which reverts it, when a `.down.sql` file exists.
    pub const fn down(&self) -> Option<&Script> {
        self.down.as_ref()
    }
}

/// How a script runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transaction {
    /// All statements run in one transaction, together with the history-table change.
    Single,
    /// The file starts with `-- migrate:no-transaction`: each statement is sent alone, outside any
    /// transaction block, and progress is recorded after each one so a re-run resumes.
    None,
}

/// One SQL file as it will run: its text (normalised: no BOM, LF line ends) and its statements.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    path: &'static str,
    sql: &'static str,
    transaction: Transaction,
    statements: &'static [Statement],
}

impl Script {
    #[doc(hidden)]
    pub const fn __new(
        path: &'static str,
        sql: &'static str,
        transaction: Transaction,
        statements: &'static [Statement],
    ) -> Self {
        Self {
            path,
            sql,
            transaction,
            statements,
        }
    }

    /// The file's path as the build saw it, relative to the crate (`migrations/003_add_users.sql`).
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// The whole file text, normalised (leading BOM removed, CRLF turned into LF).
    pub const fn sql(&self) -> &'static str {
        self.sql
    }

    /// Whether the statements run in one transaction or one by one.
    pub const fn transaction(&self) -> Transaction {
        self.transaction
    }

    /// The statements to run, in order. A file's own outer `BEGIN;` and `COMMIT;` are not among
    /// them: the runner opens and ends the transaction itself.
    pub const fn statements(&self) -> &'static [Statement] {
        self.statements
    }

    /// The text of one statement, without its terminating semicolon.
    pub fn statement_sql(&self, statement: &Statement) -> &'static str {
        &self.sql[statement.start..statement.end]
    }

    /// The text from the first statement to the end of the last one (comments between statements
    /// included, the outer `BEGIN;`/`COMMIT;` excluded), and its byte offset in [`Script::sql`].
    /// Empty when the file holds no statement.
    pub fn body(&self) -> (usize, &'static str) {
        match (self.statements.first(), self.statements.last()) {
            (Some(first), Some(last)) => (first.start, &self.sql[first.start..last.end]),
            _ => (0, ""),
        }
    }

    /// The 1-based line and column (in characters) of a byte offset into [`Script::sql`].
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.sql.len());
        let before = &self.sql[..floor_char_boundary(self.sql, offset)];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

fn floor_char_boundary(s: &str, mut offset: usize) -> usize {
    while !s.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One statement of a [`Script`]: a byte range of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement {
    start: usize,
    end: usize,
}

impl Statement {
    #[doc(hidden)]
    pub const fn __new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Byte offset of the statement's first character in [`Script::sql`].
    pub const fn start(&self) -> usize {
        self.start
    }

    /// Byte offset just past the statement's last character (its semicolon excluded).
    pub const fn end(&self) -> usize {
        self.end
    }
}
