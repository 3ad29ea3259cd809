//! A test that cannot exercise what it names because something it needs is missing on this
//! machine. Under `CI` (set by `.ci/run`, after `scripts/setup` installed every prerequisite) the
//! test fails; elsewhere it says so on stderr, and its caller returns without exercising anything.
//!
//! The one place of this rule: `migrate-tests` exports it, and the tests of other crates include
//! this file with `#[path]` (a dependency on `migrate-tests` would make trybuild build it too).

/// Reports that `what` is missing for the running test: panics under `CI` (any value but empty,
/// `0` or `false`), else prints `prerequisite missing, NOT TESTED: {what}` on stderr.
pub fn missing(what: &str) {
    let under_ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
    if under_ci {
        panic!("prerequisite missing under CI: {what} (scripts/setup installs the prerequisites)");
    }
    eprintln!("prerequisite missing, NOT TESTED: {what} (under CI=true this test fails)");
}
