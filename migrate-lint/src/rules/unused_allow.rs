//! `unused-allow`: found by the reading of directives (`directives`), which reports it with this rule.

use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};
use crate::rule::{Check, Example, Examples, Family, Rule};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "unused-allow",
    family: Family::Directives,
    severity: Severity::Warning,
    reason: "an allow directive that allows nothing hides nothing today, but would silently \
             allow a future problem",
    help: "remove the rule from the directive",
    allowable: false,
    autofix: Some(
        "removes the directive's line when it allows nothing at all (a directive that still \
         allows another rule is left to a person)",
    ),
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_expire_sessions.sql",
            "-- migrate:allow(truncate) sessions are recreated at login
DELETE FROM sessions WHERE expires_at < now();
",
        ),
        good: (
            "002_expire_sessions.sql",
            "DELETE FROM sessions WHERE expires_at < now();\n",
        ),
    }]),
    check: Check::Stage,
};

/// The fix of a directive none of whose rules is used: its comment, at the byte offset `at` of
/// the file's `text`, removed with its line, when nothing else is on the line.
pub(crate) fn fix(text: &str, at: usize) -> Option<Fix> {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    text[start..at]
        .trim()
        .is_empty()
        .then(|| Fix::edits("remove the directive", vec![Edit::replace(start..end, "")]))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, fixed};

    #[test]
    fn the_fix_removes_a_directive_that_allows_nothing() {
        let sql = "-- header\n  -- migrate:allow(truncate, drop-table) not needed\n\
                   DELETE FROM t WHERE id = 1;\n";
        assert_eq!(
            fixed(&RULE, sql),
            "-- header\nDELETE FROM t WHERE id = 1;\n"
        );
    }

    #[test]
    fn a_directive_that_still_allows_a_rule_is_left_to_a_person() {
        let sql = "-- migrate:allow(truncate, drop-table) the old model goes\nDROP TABLE t;\n";
        assert_eq!(findings(&RULE, sql).len(), 1);
        let (_, found, _) = crate::check::check_script(
            "t.sql",
            sql,
            crate::rule::ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let unused = found.iter().filter(|d| d.rule == RULE.name);
        assert!(unused.clone().count() == 1 && unused.clone().all(|d| d.fix.is_none()));
    }
}
