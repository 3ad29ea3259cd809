//! The registry of live test databases: a session advisory lock per database, on one connection
//! per process and server, which the server releases when the process dies.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::fnv::fnv1a;
use crate::template::TemplateError as TestDatabaseError;
use crate::template::{admin_error, connect, describe};

/// The class of the advisory locks (two-`int4` form) that mark live test databases: "migt";
/// the second key is [`liveness_key`] of the database's name.
pub(super) const LIVE_CLASS: i32 = 0x6d69_6774;

/// The process's connections that hold the advisory locks marking its live test databases, one
/// per server (keyed by [`describe`] of the admin settings). When the process dies, the server
/// closes them and the locks go: that is how [`sweep`](super::sweep::sweep) tells a dead
/// process's database.
pub(super) struct Liveness;

impl Liveness {
    fn connections() -> &'static Mutex<HashMap<String, postgres::Client>> {
        static CONNECTIONS: OnceLock<Mutex<HashMap<String, postgres::Client>>> = OnceLock::new();
        CONNECTIONS.get_or_init(Mutex::default)
    }

    /// Marks `name` live until [`Liveness::release`] or the end of the process.
    pub(super) fn hold(admin: &postgres::Config, name: &str) -> Result<(), TestDatabaseError> {
        let mut connections = Self::connections()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = describe(admin);
        if !connections.contains_key(&key) {
            let mut client = connect(admin, postgres::NoTls)?;
            // The locks must last as long as the process: no idle timeout on this session
            // (the setting exists from PostgreSQL 14 on).
            client
                .batch_execute(
                    "SELECT set_config(name, '0', false) FROM pg_settings \
                     WHERE name = 'idle_session_timeout'",
                )
                .map_err(admin_error(
                    "open the connection that marks live test databases".into(),
                ))?;
            connections.insert(key.clone(), client);
        }
        let client = connections.get_mut(&key).expect("inserted above");
        let lock = format!(
            "SELECT pg_advisory_lock({LIVE_CLASS}, {})",
            liveness_key(name)
        );
        client.batch_execute(&lock).map_err(|source| {
            connections.remove(&key);
            admin_error(format!("mark the test database {name} as live"))(source)
        })
    }

    /// Unmarks `name` (it was dropped, or never created). A failure only leaves the lock held
    /// until the process ends, which spares a database that no longer exists.
    pub(super) fn release(admin: &postgres::Config, name: &str) {
        let mut connections = Self::connections()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = connections.get_mut(&describe(admin)) {
            let unlock = format!(
                "SELECT pg_advisory_unlock({LIVE_CLASS}, {})",
                liveness_key(name)
            );
            let _ = client.batch_execute(&unlock);
        }
    }
}

/// The second key of the advisory lock that marks `name` live: 32 bits of its FNV-1a hash. Two
/// names that collide only make a sweep spare a dead database once more, never drop a live one.
pub(super) fn liveness_key(name: &str) -> i32 {
    // The name followed by a NUL, as every field the crate hashes; the low 32 bits.
    fnv1a(name.bytes().chain([0])) as i32
}

#[cfg(test)]
mod tests {
    use super::liveness_key;

    #[test]
    fn liveness_keys_are_stable_across_versions() {
        // A test run of an older version holds its keys while a newer one sweeps.
        assert_eq!(liveness_key("migrate_test_1_2_3"), 1_224_964_300);
    }
}
