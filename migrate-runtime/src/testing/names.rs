//! The names of template, build and test databases. Pure.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Fingerprint, TestDatabaseError};

/// The longest prefix: test database names must fit PostgreSQL's 63 bytes.
pub(super) const MAX_PREFIX_LEN: usize = 30;

pub(super) fn check_prefix(prefix: &str) -> Result<(), TestDatabaseError> {
    let valid = (1..=MAX_PREFIX_LEN).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(TestDatabaseError::InvalidPrefix {
            prefix: prefix.to_owned(),
        })
    }
}

pub(super) fn template_name(prefix: &str, fingerprint: Fingerprint) -> String {
    format!("{prefix}_{fingerprint}")
}

pub(super) fn build_name(template: &str) -> String {
    format!("{template}_build")
}

/// `<prefix>_test_<pid>_<counter>_<nanos>` (hex): unique across threads, processes and, almost
/// surely, machines sharing a server.
fn test_name(prefix: &str, pid: u32, counter: u32, nanos: u32) -> String {
    format!("{prefix}_test_{pid:x}_{counter:x}_{nanos:x}")
}

pub(super) fn next_test_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    test_name(
        prefix,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos,
    )
}

/// Whether `name` is a template of `prefix` (`<prefix>_<16 hex digits>`) other than `current`.
pub(super) fn is_stale_template(prefix: &str, current: &str, name: &str) -> bool {
    let fingerprint = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'));
    name != current
        && fingerprint.is_some_and(|f| {
            f.len() == 16
                && f.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let fp = Fingerprint(0xab);
        assert_eq!(template_name("migrate", fp), "migrate_00000000000000ab");
        assert_eq!(
            build_name("migrate_00000000000000ab"),
            "migrate_00000000000000ab_build"
        );
        let longest = test_name(&"p".repeat(MAX_PREFIX_LEN), u32::MAX, u32::MAX, u32::MAX);
        assert!(longest.len() <= 63, "{longest}");
        assert!(check_prefix("my_app2").is_ok());
        for bad in ["", "My", "a-b", "a\"b", &"p".repeat(MAX_PREFIX_LEN + 1)] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stale_templates() {
        let current = "migrate_00000000000000ab";
        assert!(is_stale_template(
            "migrate",
            current,
            "migrate_00000000000000ff"
        ));
        assert!(!is_stale_template("migrate", current, current));
        assert!(!is_stale_template(
            "migrate",
            current,
            "other_00000000000000ff"
        ));
        assert!(!is_stale_template(
            "migrate",
            current,
            "migrate_00000000000000ff_build"
        ));
        assert!(!is_stale_template("migrate", current, "migrate_test_1_2_3"));
        assert!(!is_stale_template("migrate", current, "template1"));
    }
}
