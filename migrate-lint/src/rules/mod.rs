//! Every rule, one module each: its name, its reason, its fix, its examples, its check and its
//! tests; and the registry, [`all`], with the lookups by name ([`find`], and the did-you-mean of
//! a misspelt one).
//!
//! A rule is a [`Rule`] value, `rules/<name>.rs`'s `RULE`. Rules that look at one parsed
//! statement carry their check there. Rules that a stage of the pipeline finds (file names,
//! `migrate.toml`, syntax, directives, transaction structure) are defined there too, with
//! `Check::Stage`, and the stage imports them to report its findings: the registry lists every
//! rule without importing any stage, so the arrows run stages -> rules -> rule types (`rule`).
//!
//! Each rule's [`Examples`] are folders where it fires, each beside its fixed form
//! (`examples.rs` holds the files several share). The test `tests/rule_pages.rs` runs every
//! example through the checker and generates from the registry one page per rule,
//! `docs/rules/<rule>.md`, and the rules table of `docs/rules/README.md`.

pub use crate::rule::{Example, Examples, Family, Rule};

mod attach_partition_without_check;
mod cascade;
pub(crate) mod checkpoint;
mod cluster_administration;
mod column_type_change;
pub(crate) mod config;
mod constraint_without_not_valid;
mod copy_from_stdin;
mod delete_without_where;
mod detach_partition_without_concurrently;
mod drop_column;
mod drop_schema;
mod drop_table;
mod duplicate_column;
pub(crate) mod duplicate_version;
pub(crate) mod empty_migration;
mod escapes_tenant;
mod examples;
mod exclusion_constraint;
pub(crate) mod history_table_write;
mod index_without_concurrently;
pub(crate) mod invalid_directive;
pub(crate) mod invalid_name;
mod long_identifier;
mod long_work_under_lock;
pub(crate) mod misplaced_directive;
mod missing_if_exists;
mod missing_if_not_exists;
mod missing_or_replace;
pub(crate) mod needs_no_transaction;
pub(crate) mod nested_folder;
mod newer_than_target;
mod non_idempotent;
mod not_null_without_default;
pub(crate) mod not_utf8;
pub(crate) mod nul_byte;
pub(crate) mod orphan_down;
pub(crate) mod psql_meta_command;
mod refresh_without_concurrently;
pub(crate) mod repeatable_statement;
mod select_into;
mod session_setting;
mod set_not_null;
pub(crate) mod syntax;
mod table_rewrite;
pub(crate) mod transaction_control;
mod truncate;
mod unguarded_insert;
mod unguarded_update;
mod unique_without_index;
pub(crate) mod unknown_directive;
pub(crate) mod unknown_rule;
mod unnamed_index;
pub(crate) mod unneeded_no_transaction;
pub(crate) mod unreadable_file;
mod unsupported_drop_index_concurrently;
pub(crate) mod untransacted;
pub(crate) mod unused_allow;
pub(crate) mod volatile_default;

#[cfg(test)]
pub(crate) mod testing;

/// Every rule, in the order of the rules index (`docs/rules/README.md`): by family.
pub fn all() -> &'static [&'static Rule] {
    ALL
}

/// The rule with this name.
pub fn find(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.name == name)
}

/// A rule name that `migrate.toml` or an allow directive cannot take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AllowError {
    /// No rule has this name; maybe a close one.
    Unknown {
        name: String,
        suggestion: Option<&'static str>,
    },
    /// The rule exists but reports a problem the build cannot work around.
    NotAllowable(&'static str),
}

impl AllowError {
    pub(crate) fn message(&self) -> String {
        match self {
            AllowError::Unknown { name, .. } => format!("unknown rule `{name}`"),
            AllowError::NotAllowable(name) => format!("rule `{name}` cannot be allowed"),
        }
    }

    pub(crate) fn help(&self) -> String {
        match self {
            AllowError::Unknown {
                suggestion: Some(s),
                ..
            } => format!("did you mean `{s}`?"),
            AllowError::Unknown { .. } => "the rules are listed in docs/rules/README.md".to_owned(),
            AllowError::NotAllowable(_) => "it reports a problem the build cannot work around: \
                                            fix what it reports instead"
                .to_owned(),
        }
    }
}

/// The rule of this name, if it may be allowed.
pub(crate) fn allowable(name: &str) -> Result<&'static Rule, AllowError> {
    match find(name) {
        Some(rule) if rule.allowable => Ok(rule),
        Some(rule) => Err(AllowError::NotAllowable(rule.name)),
        None => Err(AllowError::Unknown {
            name: name.to_owned(),
            suggestion: closest(name, all().iter().map(|r| r.name)),
        }),
    }
}

/// The candidate closest to `name` by edit distance, when close enough to be a typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= 3.max(name.len() / 4))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

static ALL: &[&Rule] = &[
    &invalid_name::RULE,
    &duplicate_version::RULE,
    &orphan_down::RULE,
    &checkpoint::RULE,
    &nested_folder::RULE,
    &unreadable_file::RULE,
    &not_utf8::RULE,
    &nul_byte::RULE,
    &config::RULE,
    &syntax::RULE,
    &empty_migration::RULE,
    &duplicate_column::RULE,
    &long_identifier::RULE,
    &unsupported_drop_index_concurrently::RULE,
    &newer_than_target::RULE,
    &unknown_directive::RULE,
    &unknown_rule::RULE,
    &invalid_directive::RULE,
    &misplaced_directive::RULE,
    &unused_allow::RULE,
    &untransacted::RULE,
    &transaction_control::RULE,
    &needs_no_transaction::RULE,
    &unneeded_no_transaction::RULE,
    &session_setting::RULE,
    &missing_if_not_exists::RULE,
    &missing_if_exists::RULE,
    &missing_or_replace::RULE,
    &unnamed_index::RULE,
    &unguarded_insert::RULE,
    &unguarded_update::RULE,
    &select_into::RULE,
    &non_idempotent::RULE,
    &repeatable_statement::RULE,
    &drop_table::RULE,
    &drop_schema::RULE,
    &drop_column::RULE,
    &truncate::RULE,
    &delete_without_where::RULE,
    &cascade::RULE,
    &cluster_administration::RULE,
    &psql_meta_command::RULE,
    &copy_from_stdin::RULE,
    &history_table_write::RULE,
    &escapes_tenant::RULE,
    &index_without_concurrently::RULE,
    &constraint_without_not_valid::RULE,
    &unique_without_index::RULE,
    &detach_partition_without_concurrently::RULE,
    &set_not_null::RULE,
    &column_type_change::RULE,
    &volatile_default::RULE,
    &not_null_without_default::RULE,
    &table_rewrite::RULE,
    &refresh_without_concurrently::RULE,
    &exclusion_constraint::RULE,
    &attach_partition_without_check::RULE,
    &long_work_under_lock::RULE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for rule in all() {
            assert!(seen.insert(rule.name), "duplicate rule name {}", rule.name);
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                rule.name
            );
            assert!(
                !rule.reason.is_empty() && !rule.help.is_empty(),
                "{}",
                rule.name
            );
        }
    }

    #[test]
    fn families_are_listed_in_order() {
        assert!(all().windows(2).all(|w| w[0].family <= w[1].family));
    }
}
