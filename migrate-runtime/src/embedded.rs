//! The migration model: [`Migrations`], [`Migration`], [`Repeatable`], [`Script`],
//! [`Statement`]. One model for
//! the set `embed_migrations!` expands to (the files' `'static` texts and the set's index, built
//! in `static` context through the `#[doc(hidden)]` [`Embedded`], read into this model on first
//! use) and for a set built at run time (owned text, through the public constructors), as the
//! `migrate` command does with the folder it checks.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use migrate_core::embedded::{self, MigrationRecord, RepeatableRecord, ScriptRecord};
use migrate_core::{checksum, IndexBuild, Settings, Transaction, Version};

/// A migration set that cannot be built: what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMigration(String);

impl fmt::Display for InvalidMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidMigration {}

/// The ordered set of migrations of one folder, with the settings of its `migrate.toml`.
/// Cloning it is cheap: the migrations are shared, not copied.
#[derive(Clone)]
pub struct Migrations {
    migrations: List,
    /// The repeatable migrations given at run time ([`Migrations::with_repeatables`]); `None`:
    /// the embedded set's.
    repeatables: Option<Arc<[Repeatable]>>,
    settings: Settings,
}

/// Where the migrations live: in the binary, or shared on the heap.
#[derive(Clone)]
enum List {
    Embedded(&'static Embedded),
    Shared(Arc<[Migration]>),
}

/// The set `embed_migrations!` writes into the binary: the files' texts, and the index of the set
/// (see [`migrate_core::embedded`]), read into [`Migration`]s on first use.
#[doc(hidden)]
pub struct Embedded {
    texts: &'static [&'static str],
    index: &'static str,
    migrations: OnceLock<Box<[Migration]>>,
    /// The index of the repeatable migrations, when the folder has some.
    repeatables_index: Option<&'static str>,
    repeatables: OnceLock<Box<[Repeatable]>>,
}

impl Embedded {
    #[doc(hidden)]
    pub const fn __new(texts: &'static [&'static str], index: &'static str) -> Self {
        Self::build(texts, index, None)
    }

    /// A set with repeatable migrations, described by `repeatables` (see
    /// [`migrate_core::embedded::encode_repeatables`]).
    #[doc(hidden)]
    pub const fn __with_repeatables(
        texts: &'static [&'static str],
        index: &'static str,
        repeatables: &'static str,
    ) -> Self {
        Self::build(texts, index, Some(repeatables))
    }

    const fn build(
        texts: &'static [&'static str],
        index: &'static str,
        repeatables_index: Option<&'static str>,
    ) -> Self {
        Self {
            texts,
            index,
            migrations: OnceLock::new(),
            repeatables_index,
            repeatables: OnceLock::new(),
        }
    }

    fn repeatables(&self) -> &[Repeatable] {
        let Some(index) = self.repeatables_index else {
            return &[];
        };
        self.repeatables.get_or_init(|| {
            let records = embedded::decode_repeatables(index, self.texts.len())
                .unwrap_or_else(|e| panic!("{e}"));
            records.into_iter().map(|r| self.repeatable(r)).collect()
        })
    }

    fn repeatable(&self, r: RepeatableRecord<'static>) -> Repeatable {
        Repeatable {
            name: Cow::Borrowed(r.name),
            checksum: Cow::Borrowed(r.checksum),
            script: self.script(r.script),
        }
    }

    fn migrations(&self) -> &[Migration] {
        self.migrations.get_or_init(|| {
            // Written by the macro of this very version (`migrate-runtime` re-exports it): an
            // index it cannot read is a bug, not an input error.
            let records =
                embedded::decode(self.index, self.texts.len()).unwrap_or_else(|e| panic!("{e}"));
            records.into_iter().map(|m| self.migration(m)).collect()
        })
    }

    fn migration(&self, m: MigrationRecord<'static>) -> Migration {
        Migration {
            version: m.version,
            name: Cow::Borrowed(m.name),
            checksum: Cow::Borrowed(m.checksum),
            up: self.script(m.up),
            down: m.down.map(|d| self.script(d)),
            checkpoint: m.checkpoint.map(|c| self.script(c)),
        }
    }

    fn script(&self, s: ScriptRecord<'static>) -> Script {
        Script {
            path: Cow::Borrowed(s.path),
            sql: Cow::Borrowed(self.texts[s.text]),
            transaction: s.transaction,
            statements: s
                .statements
                .into_iter()
                .map(|r| Statement::new(r.start, r.end))
                .collect(),
            index_builds: Cow::Owned(s.index_builds),
        }
    }
}

#[cfg(test)]
impl Migrations {
    /// The set `embed_migrations!` writes for `records`, whose texts are `texts`, with `settings`.
    pub(crate) fn embedded(
        texts: &'static [&'static str],
        records: &[MigrationRecord<'_>],
        settings: Settings,
    ) -> Self {
        let index = embedded::encode(records).leak();
        Self::__embedded(Box::leak(Box::new(Embedded::__new(texts, index))), settings)
    }
}

#[cfg(test)]
/// For tests: three migrations (1 `one`, 2 `two`, 3 `three`, checksums `c1` to `c3`) of two statements each: the second runs without a transaction.
pub(crate) static THREE: std::sync::LazyLock<Migrations> = std::sync::LazyLock::new(|| {
    let record = |version, name, checksum, transaction| MigrationRecord {
        version: Version::new(version),
        name,
        checksum,
        up: ScriptRecord {
            path: "m.sql",
            text: 0,
            transaction,
            statements: vec![0..8, 10..18],
            index_builds: vec![],
        },
        down: None,
        checkpoint: None,
    };
    let set = [
        record(1, "one", "c1", Transaction::Single),
        record(2, "two", "c2", Transaction::None),
        record(3, "three", "c3", Transaction::Single),
    ];
    Migrations::embedded(&["SELECT 1;\nSELECT 2;"], &set, Settings::new())
});

impl fmt::Debug for Migrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migrations")
            .field("migrations", &self.as_slice())
            .field("settings", &self.settings)
            .finish()
    }
}

impl Migrations {
    #[doc(hidden)]
    pub const fn __embedded(set: &'static Embedded, settings: Settings) -> Self {
        Self {
            migrations: List::Embedded(set),
            repeatables: None,
            settings,
        }
    }

    /// A set built at run time (the macro builds the embedded one). The migrations are put in
    /// ascending version order; two with the same version are an error.
    pub fn new(mut migrations: Vec<Migration>) -> Result<Self, InvalidMigration> {
        migrations.sort_by_key(Migration::version);
        if let Some(pair) = migrations
            .windows(2)
            .find(|pair| pair[0].version == pair[1].version)
        {
            return Err(InvalidMigration(format!(
                "two migrations have version {}: {} and {}",
                pair[0].version,
                pair[0].up.path(),
                pair[1].up.path()
            )));
        }
        Ok(Self {
            migrations: List::Shared(migrations.into()),
            repeatables: None,
            settings: Settings::new(),
        })
    }

    /// The same migrations with these repeatable migrations (the macro embeds the folder's),
    /// put in the order they are applied: by name, as their file names sort. Two with the same
    /// name are an error.
    pub fn with_repeatables(
        mut self,
        mut repeatables: Vec<Repeatable>,
    ) -> Result<Self, InvalidMigration> {
        repeatables.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pair) = repeatables.windows(2).find(|p| p[0].name == p[1].name) {
            return Err(InvalidMigration(format!(
                "two repeatable migrations are named {}: {} and {}",
                pair[0].name,
                pair[0].script.path(),
                pair[1].script.path()
            )));
        }
        self.repeatables = Some(repeatables.into());
        Ok(self)
    }

    /// The repeatable migrations (`R__{name}.sql`), in the order a run applies them (after
    /// every versioned migration): by file name.
    pub fn repeatables(&self) -> &[Repeatable] {
        match (&self.repeatables, &self.migrations) {
            (Some(list), _) => list,
            (None, List::Embedded(set)) => set.repeatables(),
            (None, List::Shared(_)) => &[],
        }
    }

    /// The same migrations with the settings of their folder's `migrate.toml` (the macro
    /// embeds them with the set).
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The settings of the folder's `migrate.toml` (all unset without one).
    pub const fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Every migration, in ascending version order.
    pub fn as_slice(&self) -> &[Migration] {
        match &self.migrations {
            List::Embedded(set) => set.migrations(),
            List::Shared(list) => list,
        }
    }

    /// Iterates the migrations in ascending version order.
    pub fn iter(&self) -> std::slice::Iter<'_, Migration> {
        self.as_slice().iter()
    }

    /// Number of migrations.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether the folder held no migration.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The migration with this version, if in the set.
    pub fn get(&self, version: impl Into<Version>) -> Option<&Migration> {
        let version = version.into();
        let list = self.as_slice();
        list.binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| &list[i])
    }
}

impl<'a> IntoIterator for &'a Migrations {
    type Item = &'a Migration;
    type IntoIter = std::slice::Iter<'a, Migration>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// One migration: `{version}_{name}.sql`, its optional `{version}_{name}.down.sql`, and its
/// optional checkpoint `{version}_{name}.checkpoint.sql`.
#[derive(Debug, Clone)]
pub struct Migration {
    version: Version,
    name: Cow<'static, str>,
    checksum: Cow<'static, str>,
    up: Script,
    down: Option<Script>,
    checkpoint: Option<Script>,
}

impl Migration {
    /// A migration built at run time; its checksum is computed from the up script's text.
    pub fn new(
        version: Version,
        name: impl Into<Cow<'static, str>>,
        up: Script,
        down: Option<Script>,
    ) -> Self {
        Self {
            version,
            name: name.into(),
            checksum: Cow::Owned(checksum(up.sql())),
            up,
            down,
            checkpoint: None,
        }
    }

    /// The same migration with a checkpoint: the script a database without history runs, in
    /// one transaction with the history rows of every migration up to this one, instead of
    /// replaying them (what `migrate squash --until V` writes and the checker checks). A
    /// checkpoint that does not run in one transaction is an error naming its path.
    pub fn with_checkpoint(mut self, checkpoint: Script) -> Result<Self, InvalidMigration> {
        if checkpoint.transaction() != Transaction::Single {
            return Err(InvalidMigration(format!(
                "{}: a checkpoint runs in one transaction with the history rows of the \
                 migrations it stands for; it cannot run without one",
                checkpoint.path()
            )));
        }
        self.checkpoint = Some(checkpoint);
        Ok(self)
    }

    /// The version: the file name's leading digits read as an integer (`003` is 3).
    pub const fn version(&self) -> Version {
        self.version
    }

    /// The name: the rest of the file name, as written (`add_users` in `003_add_users.sql`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Lower-case hex SHA-256 of the up file's text after removing a leading UTF-8 BOM and turning
    /// CRLF into LF: a Windows checkout of the same file has the same checksum.
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// The up script, which applies the migration.
    pub const fn up(&self) -> &Script {
        &self.up
    }

    /// The down script, which reverts it, when a `.down.sql` file exists.
    pub const fn down(&self) -> Option<&Script> {
        self.down.as_ref()
    }

    /// The checkpoint, when a `.checkpoint.sql` file exists: what a database without history
    /// runs instead of the migrations up to this one (see [`Migration::with_checkpoint`]).
    pub const fn checkpoint(&self) -> Option<&Script> {
        self.checkpoint.as_ref()
    }
}

/// A repeatable migration: `R__{name}.sql`, applied after the versioned migrations whenever its
/// checksum differs from the one recorded when it was last applied, in one transaction with the
/// row that records it.
#[derive(Debug, Clone)]
pub struct Repeatable {
    name: Cow<'static, str>,
    checksum: Cow<'static, str>,
    script: Script,
}

impl Repeatable {
    /// A repeatable migration built at run time; its checksum is computed from the script's
    /// text. A script without a transaction is an error naming it: a repeatable migration runs
    /// in one transaction with its record.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        script: Script,
    ) -> Result<Self, InvalidMigration> {
        if script.transaction() != Transaction::Single {
            return Err(InvalidMigration(format!(
                "{}: a repeatable migration runs in one transaction",
                script.path()
            )));
        }
        Ok(Self {
            name: name.into(),
            checksum: Cow::Owned(checksum(script.sql())),
            script,
        })
    }

    /// The name: the rest of the file name after `R__` (`views` in `R__views.sql`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Lower-case hex SHA-256 of the file's normalised text, as [`Migration::checksum`].
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// The script.
    pub const fn script(&self) -> &Script {
        &self.script
    }
}

/// One SQL file as it will run: its text (normalised: no BOM, LF line ends) and its statements.
#[derive(Debug, Clone)]
pub struct Script {
    path: Cow<'static, str>,
    sql: Cow<'static, str>,
    transaction: Transaction,
    statements: Cow<'static, [Statement]>,
    index_builds: Cow<'static, [IndexBuild]>,
}

impl Script {
    /// A script built at run time. `sql` is the file's text normalised (no leading BOM, LF line
    /// ends, as the checksum is defined) and `statements` are the byte ranges of its statements
    /// as PostgreSQL's parser found them, in order (the runtime has no parser: the `migrate`
    /// command takes them from the checker). A text that is not normalised, or a range that is
    /// not inside the text on character boundaries, is an error naming `path`.
    pub fn new(
        path: impl Into<Cow<'static, str>>,
        sql: impl Into<Cow<'static, str>>,
        transaction: Transaction,
        statements: Vec<Statement>,
    ) -> Result<Self, InvalidMigration> {
        let (path, sql) = (path.into(), sql.into());
        let invalid = |what: String| Err(InvalidMigration(format!("{path}: {what}")));
        if sql.starts_with('\u{feff}') || sql.contains("\r\n") {
            return invalid(
                "the text is not normalised: remove the leading BOM and turn CRLF into LF".into(),
            );
        }
        let mut previous_end = 0;
        for s in &statements {
            let inside = s.start <= s.end
                && s.start >= previous_end
                && s.end <= sql.len()
                && sql.is_char_boundary(s.start)
                && sql.is_char_boundary(s.end);
            if !inside {
                return invalid(format!(
                    "statement range {}..{} is not inside the text ({} bytes), in order, on \
                     character boundaries",
                    s.start,
                    s.end,
                    sql.len()
                ));
            }
            previous_end = s.end;
        }
        Ok(Self {
            path,
            sql,
            transaction,
            statements: Cow::Owned(statements),
            index_builds: Cow::Borrowed(&[]),
        })
    }

    /// The statements of this script that build an index concurrently, as the checker found
    /// them; a statement index out of range is an error naming the path.
    pub fn with_index_builds(mut self, builds: Vec<IndexBuild>) -> Result<Self, InvalidMigration> {
        if let Some(b) = builds
            .iter()
            .find(|b| b.statement() >= self.statements.len())
        {
            return Err(InvalidMigration(format!(
                "{}: index build {} names statement {}, but the script has {} statement(s)",
                self.path,
                b.index(),
                b.statement(),
                self.statements.len()
            )));
        }
        self.index_builds = Cow::Owned(builds);
        Ok(self)
    }

    /// The index statement `i` builds or rebuilds concurrently, if it does.
    pub fn index_build(&self, i: usize) -> Option<&IndexBuild> {
        self.index_builds.iter().find(|b| b.statement() == i)
    }

    /// The indexes this script builds concurrently.
    pub fn index_builds(&self) -> &[IndexBuild] {
        &self.index_builds
    }

    /// The file's path as the build saw it, relative to the crate (`migrations/003_add_users.sql`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The whole file text, normalised (leading BOM removed, CRLF turned into LF).
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Whether the statements run in one transaction or one by one.
    pub const fn transaction(&self) -> Transaction {
        self.transaction
    }

    /// The statements to run, in order. A file's own outer `BEGIN;` and `COMMIT;` are not among
    /// them: the runner opens and ends the transaction itself.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The text of one statement, without its terminating semicolon.
    pub fn statement_sql(&self, statement: &Statement) -> &str {
        &self.sql[statement.start..statement.end]
    }

    /// The text from the first statement to the end of the last one (comments between statements
    /// included, the outer `BEGIN;`/`COMMIT;` excluded), and its byte offset in [`Script::sql`].
    /// Empty when the file holds no statement.
    pub fn body(&self) -> (usize, &str) {
        match (self.statements.first(), self.statements.last()) {
            (Some(first), Some(last)) => (first.start, &self.sql[first.start..last.end]),
            _ => (0, ""),
        }
    }

    /// The 1-based line and column (in characters) of a byte offset into [`Script::sql`].
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.sql.len());
        let before = &self.sql[..floor_char_boundary(&self.sql, offset)];
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
    /// The statement at bytes `start..end` of its script's text (its semicolon excluded).
    pub const fn new(start: usize, end: usize) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn script(path: &'static str, sql: &'static str) -> Script {
        Script::new(
            path,
            sql,
            Transaction::Single,
            vec![Statement::new(0, sql.len() - 1)],
        )
        .unwrap()
    }

    #[test]
    fn a_set_built_at_run_time_is_ordered_and_checksummed_like_the_embedded_one() {
        let set = Migrations::new(vec![
            Migration::new(
                Version::new(10),
                "b",
                script("m/10_b.sql", "SELECT 2;"),
                None,
            ),
            Migration::new(
                Version::new(9),
                String::from("a"),
                script("m/9_a.sql", "SELECT 1;"),
                None,
            ),
        ])
        .unwrap();
        let versions: Vec<Version> = set.iter().map(Migration::version).collect();
        assert_eq!(versions, [Version::new(9), Version::new(10)]);
        let a = set.get(9).unwrap();
        assert_eq!(a.name(), "a");
        // `printf %s "SELECT 1;" | sha256sum`
        assert_eq!(
            a.checksum(),
            "17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a"
        );
        assert_eq!(a.up().statement_sql(&a.up().statements()[0]), "SELECT 1");
        let shared = set.clone();
        assert!(
            std::ptr::eq(shared.as_slice(), set.as_slice()),
            "clones share the list"
        );
    }

    #[test]
    fn repeatables_are_ordered_by_name_embedded_or_built_at_run_time() {
        let set = Migrations::new(vec![])
            .unwrap()
            .with_repeatables(vec![
                Repeatable::new("views", script("m/R__views.sql", "SELECT 2;")).unwrap(),
                Repeatable::new("grants", script("m/R__grants.sql", "SELECT 1;")).unwrap(),
            ])
            .unwrap();
        let names: Vec<&str> = set.repeatables().iter().map(Repeatable::name).collect();
        assert_eq!(names, ["grants", "views"]);
        assert_eq!(
            set.repeatables()[0].checksum(),
            "17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a"
        );
        let twice = Migrations::new(vec![]).unwrap().with_repeatables(vec![
            Repeatable::new("v", script("m/R__v.sql", "SELECT 1;")).unwrap(),
            Repeatable::new("v", script("n/R__v.sql", "SELECT 1;")).unwrap(),
        ]);
        assert_eq!(
            twice.unwrap_err().to_string(),
            "two repeatable migrations are named v: m/R__v.sql and n/R__v.sql"
        );
        let alone = Script::new("m/R__v.sql", "SELECT 1;", Transaction::None, vec![]).unwrap();
        assert!(Repeatable::new("v", alone).is_err());
        let record = RepeatableRecord {
            name: "views",
            checksum: "c9",
            script: ScriptRecord {
                path: "m/R__views.sql",
                text: 0,
                transaction: Transaction::Single,
                statements: std::iter::once(0..8).collect(),
                index_builds: vec![],
            },
        };
        let index = embedded::encode_repeatables(&[record]).leak();
        let set: &'static Embedded = Box::leak(Box::new(Embedded::__with_repeatables(
            &["SELECT 1;"],
            embedded::encode(&[]).leak(),
            index,
        )));
        let embedded = Migrations::__embedded(set, Settings::new());
        let r = &embedded.repeatables()[0];
        assert_eq!((r.name(), r.checksum()), ("views", "c9"));
        assert_eq!(
            r.script().statement_sql(&r.script().statements()[0]),
            "SELECT 1"
        );
        assert!(THREE.repeatables().is_empty());
    }

    #[test]
    fn bad_sets_and_scripts_are_errors_naming_the_file() {
        let duplicate = Migrations::new(vec![
            Migration::new(Version::new(1), "a", script("m/1_a.sql", "SELECT 1;"), None),
            Migration::new(
                Version::new(1),
                "b",
                script("m/001_b.sql", "SELECT 1;"),
                None,
            ),
        ]);
        assert_eq!(
            duplicate.unwrap_err().to_string(),
            "two migrations have version 1: m/1_a.sql and m/001_b.sql"
        );
        let crlf = Script::new("m/1_a.sql", "SELECT 1;\r\n", Transaction::Single, vec![]);
        assert!(crlf
            .unwrap_err()
            .to_string()
            .starts_with("m/1_a.sql: the text is not normalised"));
        for range in [(0, 99), (5, 2), (0, 9)] {
            let bad = Script::new(
                "m/1_a.sql",
                "SELECT 'é'",
                Transaction::Single,
                vec![Statement::new(range.0, range.1)],
            );
            assert!(bad.is_err(), "{range:?}");
        }
        let overlapping = Script::new(
            "m/1_a.sql",
            "SELECT 1; SELECT 2",
            Transaction::Single,
            vec![Statement::new(0, 8), Statement::new(4, 18)],
        );
        assert!(overlapping.is_err());
    }
}
