//! The session a no-transaction script runs in: saved before the script, put back after it.
//!
//! A transactional script's `SET LOCAL` ends with its transaction, but a no-transaction script
//! runs on the runner's session: its `SET`, `RESET`, `SET ROLE`, `SET SESSION AUTHORIZATION` or
//! `set_config(..., false)` would outlive it, reach the next migration and, behind a pooler, the
//! application. So before the script the runner saves what the session holds ([`SAVE_SQL`]: the
//! settings set on this session, its session authorization and its role) and after the script,
//! done or failed, runs [`SavedSession::restore_sql`]: back to the saved authorization and role,
//! `RESET ALL`, then the saved settings again. Between the script's statements, the runner's
//! progress and failure records are written as the saved authorization and role
//! ([`SavedSession::as_runner`]), not as whatever role the script switched to. Settings from the connection string, the role or
//! the database (`ALTER ROLE ... SET`) come back through `RESET ALL`; the runner's own timeouts
//! and search_path go away with it. Custom settings (`app.tenant`) set on the connection before
//! the run cannot be listed by PostgreSQL, so `RESET ALL` clears them too.

use postgres::SimpleQueryMessage;

use crate::sql::{quote_ident, quote_literal, rows};

/// What a session holds, read in one round trip: one row per setting set on this session
/// (`setting`, its name, its value as `pg_settings` gives it, which `set_config` reads back
/// the same), then the session authorization and the role (`none` when no `SET ROLE`).
pub(crate) const SAVE_SQL: &str = "\
SELECT 'setting', name, setting FROM pg_settings WHERE source = 'session' \
AND name NOT IN ('role', 'session_authorization') \
UNION ALL SELECT 'authorization', '', current_setting('session_authorization') \
UNION ALL SELECT 'role', '', current_setting('role')";

/// A session's settings, authorization and role, as [`SAVE_SQL`] read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SavedSession {
    settings: Vec<(String, String)>,
    authorization: Option<String>,
    role: Option<String>,
}

impl SavedSession {
    /// Reads the answer to [`SAVE_SQL`].
    pub(crate) fn read(answer: &[SimpleQueryMessage]) -> Self {
        let mut saved = SavedSession {
            settings: Vec::new(),
            authorization: None,
            role: None,
        };
        for row in rows(answer) {
            let (Some(kind), Some(name), Some(value)) = (row.get(0), row.get(1), row.get(2)) else {
                continue;
            };
            let value = value.to_owned();
            match kind {
                "setting" => saved.settings.push((name.to_owned(), value)),
                "authorization" => saved.authorization = Some(value),
                _ => saved.role = Some(value).filter(|role| role != "none"),
            }
        }
        saved
    }

    /// `sql` (the runner's own history write) run as the saved authorization and role, whatever
    /// role the script has set so far: `SET LOCAL` in the query's implicit transaction, so the
    /// script's next statement still runs as the script left the session.
    pub(crate) fn as_runner(&self, sql: &str) -> String {
        let mut local = String::new();
        if let Some(authorization) = &self.authorization {
            local.push_str(&format!(
                "SET LOCAL SESSION AUTHORIZATION {}; ",
                quote_ident(authorization)
            ));
        }
        match &self.role {
            Some(role) => local.push_str(&format!("SET LOCAL ROLE {}; ", quote_ident(role))),
            None => local.push_str("SET LOCAL ROLE NONE; "),
        }
        format!("{local}{sql}")
    }

    /// The SQL that puts the session back as it was saved, whatever the script did to it.
    pub(crate) fn restore_sql(&self) -> String {
        let mut sql = String::new();
        if let Some(authorization) = &self.authorization {
            sql.push_str(&format!(
                "SET SESSION AUTHORIZATION {}; ",
                quote_ident(authorization)
            ));
        }
        if let Some(role) = &self.role {
            sql.push_str(&format!("SET ROLE {}; ", quote_ident(role)));
        }
        sql.push_str("RESET ALL");
        if !self.settings.is_empty() {
            let values: Vec<String> = self
                .settings
                .iter()
                .map(|(name, value)| format!("({}, {})", quote_literal(name), quote_literal(value)))
                .collect();
            sql.push_str(&format!(
                "; SELECT set_config(name, value, false) FROM (VALUES {}) AS saved (name, value)",
                values.join(", ")
            ));
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(settings: &[(&str, &str)], role: &str) -> SavedSession {
        SavedSession {
            settings: settings
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            authorization: Some("mig\"rator".to_owned()),
            role: Some(role.to_owned()).filter(|role| role != "none"),
        }
    }

    #[test]
    fn a_plain_session_gets_its_authorization_back_and_everything_reset() {
        assert_eq!(
            saved(&[], "none").restore_sql(),
            "SET SESSION AUTHORIZATION \"mig\"\"rator\"; RESET ALL"
        );
    }

    #[test]
    fn the_runner_writes_as_itself_for_one_transaction() {
        assert_eq!(
            saved(&[], "none").as_runner("INSERT 1"),
            "SET LOCAL SESSION AUTHORIZATION \"mig\"\"rator\"; SET LOCAL ROLE NONE; INSERT 1"
        );
        assert_eq!(
            saved(&[], "owner").as_runner("INSERT 1"),
            "SET LOCAL SESSION AUTHORIZATION \"mig\"\"rator\"; SET LOCAL ROLE \"owner\"; INSERT 1"
        );
    }

    #[test]
    fn saved_settings_and_role_come_back_quoted() {
        assert_eq!(
            saved(&[("search_path", "\"$user\", public"), ("work_mem", "8192")], "app's").restore_sql(),
            "SET SESSION AUTHORIZATION \"mig\"\"rator\"; SET ROLE \"app's\"; RESET ALL; \
             SELECT set_config(name, value, false) FROM (VALUES (E'search_path', E'\"$user\", public'), \
             (E'work_mem', E'8192')) AS saved (name, value)"
        );
    }
}
