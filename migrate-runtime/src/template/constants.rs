//! The numbers every part of the template module shares: the defaults, PostgreSQL's limits on
//! names, the advisory lock key of template builds. It imports nothing.

use std::time::Duration;

/// The prefix of the tenants' template unless
/// [`TenantDatabases::prefix`](super::TenantDatabases::prefix) says otherwise: the
/// template is `migrate_tenant_<fingerprint>` (test templates are `migrate_<fingerprint>`, so
/// neither side prunes the other's).
pub const DEFAULT_TENANT_PREFIX: &str = "migrate_tenant";

/// How long a caller waits for another thread or process building the template, unless
/// `lock_wait` says otherwise.
pub const DEFAULT_TEMPLATE_LOCK_WAIT: Duration = Duration::from_secs(300);

/// The longest prefix: the names made from it (a test database's is the longest) must fit
/// PostgreSQL's 63 bytes.
pub(crate) const MAX_PREFIX_LEN: usize = 30;

/// The longest database name PostgreSQL keeps (`NAMEDATALEN` - 1); a longer one is cut short.
pub(crate) const MAX_NAME_LEN: usize = 63;

/// The advisory lock (two-`int4` form, so it never meets the runner's `bigint` keys) that
/// serialises template builds on a server: "migr", "tpl0".
pub(crate) const TEMPLATE_LOCK: (i32, i32) = (0x6d69_6772, 0x7470_6c30);
