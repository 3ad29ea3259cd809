//! [`Remedy`]: what the caller can change to get past an error or a finding, in no front end's
//! words. It imports no other module of the crate.

/// What the caller can change to get past an error ([`Error::remedies`](crate::Error::remedies))
/// or a finding ([`FindingKind::remedy`](crate::FindingKind::remedy)). The error states the
/// fact; each front end words the remedy: [`Error`](crate::Error)'s `Display` names the
/// builder method, the `migrate` command its flag, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// Wait longer for another migrator's lock: [`Runner::lock_wait`](crate::Runner::lock_wait).
    LockWait,
    /// Let a migration wait longer for the locks of its tables:
    /// [`Runner::lock_timeout`](crate::Runner::lock_timeout) or
    /// [`Runner::lock_retries`](crate::Runner::lock_retries).
    LockTimeout,
    /// Record a baseline although the history table holds rows:
    /// [`Runner::force_baseline`](crate::Runner::force_baseline).
    ForceBaseline,
    /// Keep the history table as it is and record in another one:
    /// [`Runner::history_table`](crate::Runner::history_table).
    HistoryTable,
    /// Run an interrupted no-transaction file whose text changed again from its first
    /// statement: [`Runner::restart_changed`](crate::Runner::restart_changed).
    RestartChanged,
    /// Apply a pending migration older than the newest applied one:
    /// [`Runner::allow_out_of_order`](crate::Runner::allow_out_of_order).
    AllowOutOfOrder,
    /// Accept applied migrations whose file changed since:
    /// [`Runner::allow_modified`](crate::Runner::allow_modified).
    AllowModified,
    /// Accept applied migrations missing from this build:
    /// [`Runner::allow_missing`](crate::Runner::allow_missing).
    AllowMissing,
    /// Connect around the transaction pooler: to PostgreSQL itself or to a session-mode pool.
    SessionConnection,
    /// Make a repair that leaves a migration pending below the newest applied one:
    /// [`Runner::allow_out_of_order`](crate::Runner::allow_out_of_order), which the next run
    /// needs too.
    RepairOutOfOrder,
}

impl Remedy {
    /// The remedy in the words of this crate's API, as the `Display` of an error or a finding
    /// appends it.
    pub(crate) fn in_builder_terms(self) -> &'static str {
        match self {
            Remedy::LockWait => "To wait longer, raise Runner::lock_wait",
            Remedy::LockTimeout => {
                "To let it wait longer for its tables, raise Runner::lock_timeout or \
                 Runner::lock_retries"
            }
            Remedy::ForceBaseline => {
                "Use Runner::force_baseline(true) to record the baseline anyway"
            }
            Remedy::HistoryTable => {
                "To leave that table alone, choose another one with Runner::history_table"
            }
            Remedy::RestartChanged => {
                "If you change the file, Runner::restart_changed(true) runs it again from its \
                 first statement"
            }
            Remedy::AllowOutOfOrder => {
                "Runner::allow_out_of_order(true) applies an older pending migration"
            }
            Remedy::AllowModified => {
                "Runner::allow_modified(true) accepts applied migrations whose file changed"
            }
            Remedy::AllowMissing => {
                "Runner::allow_missing(true) accepts applied migrations missing from this build"
            }
            Remedy::SessionConnection => {
                "Give the runner a client connected to PostgreSQL itself or to a session-mode \
                 pool (PgBouncer pool_mode = session), e.g. through a separate migration URL \
                 that bypasses the pooler"
            }
            Remedy::RepairOutOfOrder => {
                "Runner::allow_out_of_order(true) makes the repair anyway; the next run needs it \
                 too, to apply the older migration"
            }
        }
    }
}

/// `remedies` each once, in the order they first come.
pub(crate) fn distinct(remedies: impl IntoIterator<Item = Remedy>) -> Vec<Remedy> {
    let mut seen = Vec::new();
    for remedy in remedies {
        if !seen.contains(&remedy) {
            seen.push(remedy);
        }
    }
    seen
}
