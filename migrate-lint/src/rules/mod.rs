//! Every rule, one module each: its name, its reason, its fix, its check and its tests.
//!
//! A rule is a [`Rule`] value. Rules that look at one parsed statement carry their check here;
//! rules that belong to a stage of the pipeline (file names, syntax, directives, transaction
//! structure) are defined next to the stage that finds them and only listed here, so that
//! [`all`] is the complete, documented list.

pub use crate::rule::{Family, Rule};

mod cascade;
mod cluster_administration;
mod column_type_change;
mod constraint_without_not_valid;
mod copy_from_stdin;
mod delete_without_where;
mod detach_partition_without_concurrently;
mod drop_column;
mod drop_schema;
mod drop_table;
mod duplicate_column;
mod escapes_tenant;
pub(crate) mod history_table_write;
mod index_without_concurrently;
mod long_identifier;
mod missing_if_exists;
mod missing_if_not_exists;
mod missing_or_replace;
mod non_idempotent;
mod not_null_without_default;
pub(crate) mod psql_meta_command;
mod select_into;
mod set_not_null;
mod truncate;
mod unguarded_insert;
mod unique_without_index;
mod unnamed_index;
pub(crate) mod volatile_default;

#[cfg(test)]
pub(crate) mod testing;

/// Every rule, in the order of the README's table.
pub fn all() -> &'static [&'static Rule] {
    ALL
}

/// The rule with this name.
pub fn find(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.name == name)
}

static ALL: &[&Rule] = &[
    &crate::discover::INVALID_NAME,
    &crate::discover::DUPLICATE_VERSION,
    &crate::discover::ORPHAN_DOWN,
    &crate::discover::NESTED_FOLDER,
    &crate::discover::UNREADABLE_FILE,
    &crate::discover::NOT_UTF8,
    &crate::discover::NUL_BYTE,
    &crate::config::CONFIG,
    &crate::parse::SYNTAX,
    &crate::parse::EMPTY_MIGRATION,
    &duplicate_column::RULE,
    &long_identifier::RULE,
    &crate::directives::UNKNOWN_DIRECTIVE,
    &crate::directives::UNKNOWN_RULE,
    &crate::directives::INVALID_DIRECTIVE,
    &crate::directives::MISPLACED_DIRECTIVE,
    &crate::directives::UNUSED_ALLOW,
    &crate::structure::UNTRANSACTED,
    &crate::structure::TRANSACTION_CONTROL,
    &crate::structure::NEEDS_NO_TRANSACTION,
    &crate::structure::UNNEEDED_NO_TRANSACTION,
    &missing_if_not_exists::RULE,
    &missing_if_exists::RULE,
    &missing_or_replace::RULE,
    &unnamed_index::RULE,
    &unguarded_insert::RULE,
    &select_into::RULE,
    &non_idempotent::RULE,
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

    /// The rules table of docs/rules/README.md, as the registry says it should be.
    fn rules_table() -> String {
        let mut table = String::from(
            "| rule | family | level | what it flags, and why | what to write instead | allow |\n\
             |---|---|---|---|---|---|\n",
        );
        for rule in all() {
            let allow = if rule.allowable {
                format!("`-- migrate:allow({}) reason`", rule.name)
            } else {
                "no".to_owned()
            };
            table.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                rule.name,
                rule.family.as_str(),
                rule.severity,
                rule.reason.replace('|', "\\|"),
                rule.help.replace('|', "\\|"),
                allow
            ));
        }
        table
    }

    /// Keeps the rules table of docs/rules/README.md true. `UPDATE_README=1` rewrites it.
    #[test]
    fn the_readme_lists_every_rule() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules/README.md");
        let readme = std::fs::read_to_string(path).expect("docs/rules/README.md in the workspace");
        let (start, end) = ("<!-- rules-table -->\n", "<!-- /rules-table -->");
        let from = readme.find(start).expect("rules-table marker") + start.len();
        let to = readme.find(end).expect("/rules-table marker");
        let expected = rules_table();
        if readme[from..to] != expected {
            if std::env::var_os("UPDATE_README").is_some() {
                let updated = format!("{}{expected}{}", &readme[..from], &readme[to..]);
                std::fs::write(path, updated).expect("write docs/rules/README.md");
            } else {
                panic!(
                    "docs/rules/README.md's rules table is out of date; run \
                     `UPDATE_README=1 cargo test -p migrate-lint the_readme_lists_every_rule`"
                );
            }
        }
    }

    #[test]
    fn families_are_listed_in_order() {
        assert!(all().windows(2).all(|w| w[0].family <= w[1].family));
    }
}
