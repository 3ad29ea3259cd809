//! One page per rule, generated from the registry: `docs/rules/<rule>.md`, and the rules table of
//! the index `docs/rules/README.md` (between its `rules-table` markers; the text around it is
//! written by hand). Every example of every rule goes through the checker first: the failing
//! folder must fire the rule at its file, the fixed one must have no finding at all.
//!
//! `UPDATE_DOCS=1 cargo test -p migrate-lint --test rule_pages` writes the pages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use migrate_lint::rules::{self, Example, Examples, Rule};
use migrate_lint::{check_dir, Diagnostic};

/// A migration folder holding files given as `(name, text)`, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(files: &[(&str, &str)]) -> Folder {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "migrate-lint-rule-pages-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Folder(dir)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The findings of a folder of `before` and then `file`, named `migrations` in messages.
fn findings(before: &[(&str, &str)], file: (&str, &str)) -> Vec<Diagnostic> {
    let mut files = before.to_vec();
    files.push(file);
    let folder = Folder::new(&files);
    check_dir(&folder.0, "migrations").diagnostics
}

fn shown(findings: &[Diagnostic]) -> String {
    findings
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_example_fires_its_rule_and_its_fixed_form_has_no_finding() {
    let mut problems = Vec::new();
    for rule in rules::all() {
        let Examples::Shown(examples) = rule.examples else {
            continue;
        };
        assert!(!examples.is_empty(), "`{}` has no example", rule.name);
        for Example { before, bad, good } in examples {
            let found = findings(before, *bad);
            // At the file, or at the sub-folder holding it (`nested-folder`).
            let at = format!("migrations/{}", bad.0);
            let fires_at = |d: &Diagnostic| at == d.path || at.starts_with(&format!("{}/", d.path));
            if !found.iter().any(|d| d.rule == rule.name && fires_at(d)) {
                problems.push(format!(
                    "`{}` does not fire at {at}; the folder's findings:\n{}",
                    rule.name,
                    shown(&found)
                ));
            }
            let found = findings(before, *good);
            if !found.is_empty() {
                problems.push(format!(
                    "`{}`: the fixed form ({}) has findings:\n{}",
                    rule.name,
                    good.0,
                    shown(&found)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// What each allowable rule's page says: `-- migrate:allow-file(rule) reason` in the header of the
/// failing file silences the rule.
#[test]
fn an_allowable_rule_is_silenced_by_allow_file() {
    for rule in rules::all().iter().filter(|r| r.allowable) {
        let Examples::Shown(examples) = rule.examples else {
            panic!("`{}` can be allowed but has no example", rule.name);
        };
        for Example { before, bad, .. } in examples {
            let allowed = format!(
                "-- migrate:allow-file({}) the example says why\n{}",
                rule.name, bad.1
            );
            let found = findings(before, (bad.0, &allowed));
            assert!(
                found.iter().all(|d| d.rule != rule.name),
                "`{}` fires in spite of allow-file:\n{}",
                rule.name,
                shown(&found)
            );
        }
    }
}

/// The rules that no folder can show are the ones whose problem is in the bytes or on the disk,
/// not in a text a page can hold.
#[test]
fn only_byte_and_disk_problems_have_no_example() {
    let not_shown: Vec<&str> = rules::all()
        .iter()
        .filter(|r| matches!(r.examples, Examples::NotShown(_)))
        .map(|r| r.name)
        .collect();
    assert_eq!(not_shown, ["unreadable-file", "not-utf8", "nul-byte"]);
}

/// The rules table of the index, as the registry says it should be; each name links to its page.
fn rules_table() -> String {
    let mut table = String::from(
        "| rule | family | level | what it flags, and why | what to write instead | allow | \
         `--fix` |\n|---|---|---|---|---|---|---|\n",
    );
    for rule in rules::all() {
        let allow = if rule.allowable {
            format!("`-- migrate:allow({}) reason`", rule.name)
        } else {
            "no".to_owned()
        };
        table.push_str(&format!(
            "| [`{0}`]({0}.md) | {1} | {2} | {3} | {4} | {5} | {6} |\n",
            rule.name,
            rule.family.as_str(),
            rule.severity,
            rule.reason.replace('|', "\\|"),
            rule.help.replace('|', "\\|"),
            allow,
            if rule.autofix.is_some() { "yes" } else { "no" }
        ));
    }
    table
}

const TABLE_START: &str = "<!-- rules-table -->\n";
const TABLE_END: &str = "<!-- /rules-table -->";

/// The index with its rules table replaced (or, when there is no index yet, a new one).
fn index(current: Option<&str>) -> String {
    let current = current.unwrap_or(
        "# Rules\n\nEvery rule of the checker; each name links to the rule's page.\n\n\
         <!-- rules-table -->\n<!-- /rules-table -->\n",
    );
    let from = current.find(TABLE_START).expect("rules-table marker") + TABLE_START.len();
    let to = current.find(TABLE_END).expect("/rules-table marker");
    format!("{}{}{}", &current[..from], rules_table(), &current[to..])
}

/// The language of a code block showing the file `name`.
fn language(name: &str) -> &'static str {
    if name.ends_with(".toml") {
        "toml"
    } else {
        "sql"
    }
}

fn file_block(label: &str, (name, text): (&str, &str)) -> String {
    format!("{label} `{name}`:\n\n```{}\n{text}```\n\n", language(name))
}

/// `text` as a sentence: a capital first letter and a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string());
    let stop = if text.ends_with(['.', '?', '!']) {
        ""
    } else {
        "."
    };
    format!("{}{}{stop}", first.unwrap_or_default(), chars.as_str())
}

/// The page of one rule.
fn page(rule: &Rule) -> String {
    let name = rule.name;
    let mut page = format!(
        "# `{name}`\n\n\
         <!-- Generated from the rule's definition in migrate-lint/src/rules/ by \
         `UPDATE_DOCS=1 cargo test -p migrate-lint --test rule_pages`. -->\n\n\
         | family | level | can be allowed | fixed by `--fix` |\n|---|---|---|---|\n\
         | {} | {} | {} | {} |\n\n{}\n\n## What to write instead\n\n{}\n\n",
        rule.family.as_str(),
        rule.severity,
        if rule.allowable { "yes" } else { "no" },
        if rule.autofix.is_some() { "yes" } else { "no" },
        sentence(rule.reason),
        sentence(rule.help)
    );
    if let Some(autofix) = rule.autofix {
        page.push_str(&format!(
            "## Fixing it automatically\n\n`migrate lint --fix` {autofix} (see \
             [the CLI guide](../cli-guide.md#fixing-findings-automatically)).\n\n"
        ));
    }
    match rule.examples {
        Examples::Shown(examples) => {
            for (i, example) in examples.iter().enumerate() {
                page.push_str(&if examples.len() == 1 {
                    "## Example\n\n".to_owned()
                } else {
                    format!("## Example {}\n\n", i + 1)
                });
                for &file in example.before {
                    page.push_str(&file_block("The folder holds", file));
                }
                page.push_str(&file_block("The rule fires at", example.bad));
                let said: Vec<String> = findings(example.before, example.bad)
                    .iter()
                    .filter(|d| d.rule == name)
                    .map(Diagnostic::to_string)
                    .collect();
                page.push_str(&format!(
                    "The checker says:\n\n```text\n{}\n```\n\n",
                    said.join("\n")
                ));
                let fixed = if example.good.0 == example.bad.0 {
                    "Fixed"
                } else {
                    "Fixed, renamed"
                };
                page.push_str(&file_block(fixed, example.good));
            }
        }
        Examples::NotShown(why) => {
            page.push_str(&format!("## Example\n\nNone: {why}\n\n"));
        }
    }
    page.push_str("## Allowing it\n\n");
    if rule.allowable {
        page.push_str(&format!(
            "When what it flags is intended, say so where it happens, with the reason the next \
             reader needs:\n\n\
             - right above the statement: `-- migrate:allow({name}) reason`;\n\
             - for a whole file, in its header (the comments before the first statement): \
             `-- migrate:allow-file({name}) reason`;\n\
             - for the set or a range of versions, in `migrate.toml` \
             (see [the configuration](../guide/configuration.md)):\n\n\
             ```toml\n[[allow]]\nrules = [\"{name}\"]\nreason = \"...\"\n```\n"
        ));
    } else {
        page.push_str(
            "It cannot be allowed: it reports a problem the build cannot work around. Fix what \
             it reports.\n",
        );
    }
    page
}

const SUMMARY_RULES: &str = "- [Rules](rules/README.md)\n";

/// The book's `SUMMARY.md` with the lines under its Rules entry listing every rule's page (mdBook
/// builds only the pages its summary lists).
fn summary(current: &str) -> String {
    let from = current
        .find(SUMMARY_RULES)
        .expect("a `- [Rules](rules/README.md)` line in SUMMARY.md")
        + SUMMARY_RULES.len();
    let listed: usize = current[from..]
        .split_inclusive('\n')
        .take_while(|line| line.starts_with("  - [`"))
        .map(str::len)
        .sum();
    let pages: String = rules::all()
        .iter()
        .map(|rule| format!("  - [`{0}`](rules/{0}.md)\n", rule.name))
        .collect();
    format!("{}{pages}{}", &current[..from], &current[from + listed..])
}

/// Keeps the book's summary listing every rule page. `UPDATE_DOCS=1` writes it.
#[test]
fn the_summary_lists_every_rule_page() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/SUMMARY.md");
    let current = std::fs::read_to_string(&path).expect("docs/SUMMARY.md");
    let expected = summary(&current);
    if current == expected {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, expected).unwrap();
    } else {
        panic!(
            "docs/SUMMARY.md does not list the rule pages; run \
             `UPDATE_DOCS=1 cargo test -p migrate-lint --test rule_pages`"
        );
    }
}

/// Keeps `docs/rules/` true to the registry. `UPDATE_DOCS=1` writes it.
#[test]
fn docs_rules_is_generated_from_the_registry() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules");
    let present: BTreeMap<String, String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap_or_default())
        })
        .collect();
    let mut expected: BTreeMap<String, String> = rules::all()
        .iter()
        .map(|rule| (format!("{}.md", rule.name), page(rule)))
        .collect();
    expected.insert(
        "README.md".to_owned(),
        index(present.get("README.md").map(String::as_str)),
    );
    let stale: Vec<&String> = expected
        .iter()
        .filter(|(name, text)| present.get(*name) != Some(text))
        .map(|(name, _)| name)
        .collect();
    let extra: Vec<&String> = present
        .keys()
        .filter(|name| !expected.contains_key(*name))
        .collect();
    if stale.is_empty() && extra.is_empty() {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for name in stale {
            std::fs::write(dir.join(name), &expected[name]).unwrap();
        }
        for name in extra {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
    } else {
        panic!(
            "docs/rules is out of date; run \
             `UPDATE_DOCS=1 cargo test -p migrate-lint --test rule_pages` \
             (differing or missing: {stale:?}; no such rule: {extra:?})"
        );
    }
}
