//! The names of test databases. Pure.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The prefix of template and test database names unless
/// [`TestDatabases::prefix`](super::TestDatabases::prefix) says otherwise.
pub const DEFAULT_PREFIX: &str = "migrate";

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::constants::{MAX_NAME_LEN, MAX_PREFIX_LEN};

    #[test]
    fn test_names_fit_postgres() {
        let longest = test_name(&"p".repeat(MAX_PREFIX_LEN), u32::MAX, u32::MAX, u32::MAX);
        assert!(longest.len() <= MAX_NAME_LEN, "{longest}");
    }
}
