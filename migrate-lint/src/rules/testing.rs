//! Helpers for the rules' own tests: check one up (or down) file and keep one rule's findings.

use crate::check::{check_script, check_script_after};
use crate::fix::{apply, compatible};
use crate::rule::Policy;
use crate::rule::{Rule, ScriptKind, Target};
use migrate_core::PgVersion;

/// `(line, column, message)` of each finding of `rule` in an up file holding `sql`.
pub(crate) fn findings(rule: &Rule, sql: &str) -> Vec<(usize, usize, String)> {
    findings_in(rule, sql, ScriptKind::Up)
}

/// Like [`findings`], with `postgres = target` in `migrate.toml`.
pub(crate) fn findings_targeting(
    rule: &Rule,
    target: u32,
    sql: &str,
) -> Vec<(usize, usize, String)> {
    checked(rule, sql, ScriptKind::Up, &targeting(target))
}

/// Like [`findings`], in a down file.
pub(crate) fn findings_in(rule: &Rule, sql: &str, kind: ScriptKind) -> Vec<(usize, usize, String)> {
    checked(rule, sql, kind, &Policy::default())
}

/// The policy of `postgres = target`.
fn targeting(target: u32) -> Policy {
    Policy {
        target: Target {
            version: PgVersion::new(target).expect("a supported major version"),
            declared: true,
        },
        ..Policy::default()
    }
}

/// `(line, column, message)` of each finding of `rule` in a file holding `sql`.
fn checked(
    rule: &Rule,
    sql: &str,
    kind: ScriptKind,
    policy: &Policy,
) -> Vec<(usize, usize, String)> {
    let (_, diagnostics, _) = check_script("test.sql", sql, kind, policy);
    diagnostics
        .into_iter()
        .filter(|d| d.rule == rule.name)
        .map(|d| {
            let p = d.position.expect("statement findings have a position");
            (p.line, p.column, d.message)
        })
        .collect()
}

/// Like [`findings`], in an up file checked after the up files `earlier`: the schema model
/// knows what they did.
pub(crate) fn findings_after(
    rule: &Rule,
    earlier: &[&str],
    sql: &str,
) -> Vec<(usize, usize, String)> {
    let (_, diagnostics, _) =
        check_script_after(earlier, "test.sql", sql, ScriptKind::Up, &Policy::default());
    diagnostics
        .into_iter()
        .filter(|d| d.rule == rule.name)
        .map(|d| {
            let p = d.position.expect("statement findings have a position");
            (p.line, p.column, d.message)
        })
        .collect()
}

/// The help line of each finding of `rule` in an up file holding `sql`.
pub(crate) fn helps(rule: &Rule, sql: &str) -> Vec<String> {
    helps_targeting(rule, PgVersion::DEFAULT.major(), sql)
}

/// Like [`helps`], with `postgres = target` in `migrate.toml`.
pub(crate) fn helps_targeting(rule: &Rule, target: u32, sql: &str) -> Vec<String> {
    let (_, diagnostics, _) = check_script("test.sql", sql, ScriptKind::Up, &targeting(target));
    diagnostics
        .into_iter()
        .filter(|d| d.rule == rule.name)
        .map(|d| d.help)
        .collect()
}

/// Asserts that `rule` fires on `sql`, and returns the first finding's message.
#[track_caller]
pub(crate) fn fires(rule: &Rule, sql: &str) -> String {
    let found = findings(rule, sql);
    assert!(!found.is_empty(), "`{}` should fire on:\n{sql}", rule.name);
    found[0].2.clone()
}

/// Asserts that `rule` does not fire on `sql`.
#[track_caller]
pub(crate) fn passes(rule: &Rule, sql: &str) {
    let found = findings(rule, sql);
    assert!(
        found.is_empty(),
        "`{}` should not fire on:\n{sql}\nbut found {found:?}",
        rule.name
    );
}

/// `sql` with the fixes of `rule`'s findings applied, pass after pass (at most four) until
/// none is left; asserts that the result parses and that `rule` no longer fires on it.
#[track_caller]
pub(crate) fn fixed(rule: &Rule, sql: &str) -> String {
    let mut text = sql.to_owned();
    for _ in 0..4 {
        let (_, diagnostics, _) =
            check_script("test.sql", &text, ScriptKind::Up, &Policy::default());
        let fixes = diagnostics.iter().filter(|d| d.rule == rule.name);
        let edits = compatible(fixes.filter_map(|d| d.fix.as_ref()));
        if edits.is_empty() {
            break;
        }
        text = apply(&text, &edits).expect("compatible edits apply");
    }
    assert!(
        crate::parse::parse(&text).is_ok(),
        "the fix of `{}` broke the SQL:\n{text}",
        rule.name
    );
    passes(rule, &text);
    text
}
