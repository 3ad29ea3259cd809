//! From a folder on disk to the runner's [`Migrations`]: the checker (`migrate-lint`, the same
//! one the build runs) reads and checks the files, and the checked set becomes the value
//! `embed_migrations!` would have embedded, with the settings of the folder's `migrate.toml`.

use std::path::Path;

use migrate_lint::{Diagnostic, Outcome};
use migrate_runtime::{Migration, Migrations, Repeatable, Script, Statement};

/// Checks the folder with the build's rules and its `migrate.toml`, as the build does.
pub fn check(dir: &Path) -> Outcome {
    migrate_lint::check_dir(dir, &dir.display().to_string())
}

/// The checked set as the runner's [`Migrations`], or the errors that forbid running it. This is
/// the one place where the checker's model becomes the runtime's, through its public
/// constructors (the macro builds the same values in `static` context).
pub fn migrations(outcome: &Outcome) -> Result<Migrations, Vec<&Diagnostic>> {
    if outcome.has_errors() {
        return Err(outcome.errors().collect());
    }
    let list: Vec<Migration> = outcome.migrations.iter().map(migration).collect();
    let set = Migrations::new(list).expect("the checker reports duplicate versions as errors");
    let repeatables = outcome.repeatables.iter().map(repeatable).collect();
    let set = set
        .with_repeatables(repeatables)
        .expect("one folder holds each file name once");
    Ok(set.with_settings(outcome.config.settings.clone()))
}

fn repeatable(r: &migrate_lint::Repeatable) -> Repeatable {
    let repeatable = Repeatable::new(r.name.clone(), script(&r.script))
        .expect("the checker refuses a repeatable migration without a transaction");
    debug_assert_eq!(repeatable.checksum(), r.checksum, "one checksum definition");
    repeatable
}

fn migration(m: &migrate_lint::Migration) -> Migration {
    let mut migration = Migration::new(
        m.version,
        m.name.clone(),
        script(&m.up),
        m.down.as_ref().map(script),
    );
    if let Some(checkpoint) = &m.checkpoint {
        migration = migration
            .with_checkpoint(script(checkpoint))
            .expect("the checker refuses a checkpoint without a transaction");
    }
    debug_assert_eq!(migration.checksum(), m.checksum, "one checksum definition");
    migration
}

fn script(s: &migrate_lint::Script) -> Script {
    let statements = s
        .statements
        .iter()
        .map(|r| Statement::new(r.start, r.end))
        .collect();
    Script::new(s.path.clone(), s.text.clone(), s.transaction, statements)
        .and_then(|script| script.with_index_builds(s.index_builds.clone()))
        .expect("the checker's statement ranges lie inside its normalised text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_set_becomes_the_runtime_set() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("001_a.sql"),
            "CREATE TABLE IF NOT EXISTS a (id int);\nCREATE TABLE IF NOT EXISTS b (id int);\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("001_a.down.sql"),
            "DROP TABLE IF EXISTS b;\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("R__views.sql"),
            "CREATE OR REPLACE VIEW v AS SELECT id FROM b;\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("migrate.toml"),
            "[history]\nschema = \"app\"\n[run]\nlock_timeout = \"3s\"\n",
        )
        .unwrap();
        let outcome = check(dir.path());
        let set = migrations(&outcome).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(set.len(), 1);
        let m = set.get(1).unwrap();
        assert_eq!(m.name(), "a");
        assert_eq!(m.checksum(), outcome.migrations[0].checksum);
        assert_eq!(m.up().statements().len(), 2);
        assert_eq!(
            m.up().statement_sql(&m.up().statements()[1]),
            "CREATE TABLE IF NOT EXISTS b (id int)"
        );
        assert!(m.down().is_some());
        let views = &set.repeatables()[0];
        assert_eq!(views.name(), "views");
        assert_eq!(views.checksum(), outcome.repeatables[0].checksum);
        assert_eq!(
            views
                .script()
                .statement_sql(&views.script().statements()[0]),
            "CREATE OR REPLACE VIEW v AS SELECT id FROM b"
        );
        let runner = set.runner();
        assert_eq!(runner.table().qualified(), "\"app\".\"schema_migrations\"");
        assert_eq!(
            set.settings().lock_timeout(),
            Some(std::time::Duration::from_secs(3))
        );
    }

    #[test]
    fn errors_forbid_running() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("001_a.sql"), "CREATE TABLE a (id int);\n").unwrap();
        let outcome = check(dir.path());
        assert!(!migrations(&outcome).unwrap_err().is_empty());
    }
}
