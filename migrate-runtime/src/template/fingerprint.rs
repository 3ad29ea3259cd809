//! The fingerprint of a migration set, which names its template.

use std::fmt;

use crate::fnv::fnv1a;
use crate::Runner;

/// A hash of everything that decides a template's content: the history table, the tenant schema
/// (when the runner has one) and every migration's version and checksum. Two sets with the same
/// fingerprint build the same schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub(crate) u64);

impl Fingerprint {
    /// The fingerprint of what `runner` applies (FNV-1a 64, stable across builds and platforms).
    pub fn of(runner: &Runner) -> Self {
        let table = runner.table();
        // The first field names the scheme; it says "testing", where templates started, and
        // stays so that the templates built by earlier versions keep their names.
        let mut fields = vec![
            "migrate-runtime testing v1".to_owned(),
            table.schema().to_owned(),
            table.table().to_owned(),
        ];
        // Only when set, so that the fingerprints of other runners stay as they were.
        if let Some(tenant) = runner.tenant() {
            fields.extend(["tenant schema".to_owned(), tenant.to_owned()]);
        }
        for migration in runner.migrations() {
            fields.push(migration.version().to_string());
            fields.push(migration.checksum().to_owned());
        }
        // Each field followed by a NUL, so that field boundaries count.
        Self(fnv1a(
            fields.iter().flat_map(|field| field.bytes().chain([0])),
        ))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Migrations;
    use crate::Transaction;
    use migrate_core::embedded::{MigrationRecord, ScriptRecord};
    use migrate_core::Settings;

    /// One migration, `users`, whose up file has this checksum.
    fn one(checksum: &'static str) -> Migrations {
        let record = MigrationRecord {
            version: crate::Version::new(1),
            name: "users",
            checksum,
            up: ScriptRecord {
                path: "m/001_users.sql",
                text: 0,
                transaction: Transaction::Single,
                statements: vec![],
                index_builds: vec![],
            },
            down: None,
            checkpoint: None,
        };
        Migrations::embedded(&[""], &[record], Settings::new())
    }

    fn fingerprint(migrations: &Migrations) -> Fingerprint {
        Fingerprint::of(&migrations.runner())
    }

    #[test]
    fn fingerprint_follows_checksums_and_history_table() {
        assert_eq!(fingerprint(&one("aa")), fingerprint(&one("aa")));
        assert_ne!(fingerprint(&one("aa")), fingerprint(&one("ab")));
        assert_ne!(
            fingerprint(&one("aa")),
            fingerprint(&Migrations::new(vec![]).unwrap())
        );
        let elsewhere = one("aa").runner().history_table("app", "h");
        assert_ne!(fingerprint(&one("aa")), Fingerprint::of(&elsewhere));
        // A tenant schema puts the objects elsewhere too, even with the same history table.
        let runner = one("aa").runner();
        let tenant = runner.clone().tenant_schema("app");
        let table_only = runner.history_table("app", "schema_migrations");
        assert_ne!(Fingerprint::of(&tenant), Fingerprint::of(&table_only));
        assert_eq!(fingerprint(&one("aa")).to_string().len(), 16);
    }

    #[test]
    fn fingerprint_is_stable_across_versions() {
        // The templates of earlier test runs are reused only while this value does not change.
        assert_eq!(fingerprint(&one("aa")).to_string(), "be98650cabf80a39");
    }
}
