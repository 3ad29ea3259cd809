//! [`Severity`]: the one scale of findings.

use std::fmt;

/// How serious a finding is: of the checker (a rule that fired) or of the runner's validation
/// (a changed or missing migration).
///
/// Ordered from least to most serious, `Warning < Error`: the worst of several findings is their
/// [`max`](Ord::max), and sorting puts errors last. The two levels are the whole scale, a finding
/// either stops (the build, the run) or it does not, so the enum is exhaustive: a match on it
/// needs no wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Shown; the build or the run goes on.
    Warning,
    /// Fails the build, or stops the run before anything is applied.
    Error,
}

impl Severity {
    /// `error` or `warning`, as the messages, the JSON output and SARIF's `level` write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Severity;

    #[test]
    fn the_worst_is_the_greatest() {
        assert!(Severity::Warning < Severity::Error);
        let findings = [Severity::Warning, Severity::Error, Severity::Warning];
        assert_eq!(findings.into_iter().max(), Some(Severity::Error));
        assert_eq!(Severity::Error.to_string(), "error");
        assert_eq!(Severity::Warning.to_string(), "warning");
    }
}
