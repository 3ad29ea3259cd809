//! Every fixable rule's examples through its fix (`migrate lint --fix`, an editor's code
//! action): the fixed file parses with PostgreSQL's parser, no longer has the finding, is the
//! example's fixed form, and a second pass changes nothing. A fix that needs a new file (a
//! plan) is carried out here by hand, as its reader would, and must remove the finding too.

use std::path::PathBuf;

use migrate_lint::discover::{Entry, EntryKind};
use migrate_lint::rules::{self, Example, Examples, Rule};
use migrate_lint::{check_entries, fix, fix_entries, Diagnostic, Fix};

fn entries(files: &[(&str, &str)]) -> Vec<Entry> {
    files
        .iter()
        .map(|(name, text)| Entry {
            name: (*name).to_owned(),
            path: PathBuf::from("/nowhere").join(name),
            kind: EntryKind::File(Ok(text.as_bytes().to_vec())),
        })
        .collect()
}

/// The example's folder: the files before it, then the file the rule fires at.
fn folder<'a>(example: &'a Example, file: (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    let mut files = example.before.to_vec();
    files.push(file);
    files
}

fn at_file<'a>(found: &'a [Diagnostic], rule: &Rule, file: &str) -> Vec<&'a Diagnostic> {
    let path = format!("migrations/{file}");
    found
        .iter()
        .filter(|d| d.rule == rule.name && d.path == path)
        .collect()
}

fn parses(text: &str) -> bool {
    pg_query::parse(text, 0).is_ok()
}

/// Carries out a plan: the statement removed from the file, the new file saved after it.
fn carry_out(example: &Example, plan: &migrate_lint::NewFile) -> Vec<(String, String)> {
    let (name, text) = example.bad;
    let mut files: Vec<(String, String)> = example
        .before
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    let mut kept = text.to_owned();
    kept.replace_range(plan.remove.clone(), "");
    files.push((name.to_owned(), kept));
    files.push(("999_moved.sql".to_owned(), plan.content.clone()));
    files
}

#[test]
fn every_fixable_rule_fixes_its_examples_and_only_those_rules_carry_fixes() {
    let mut problems = Vec::new();
    let mut fixed_rules = Vec::new();
    for rule in rules::all() {
        let Examples::Shown(examples) = rule.examples else {
            continue;
        };
        for example in examples {
            let (name, bad) = example.bad;
            let found =
                check_entries("migrations", entries(&folder(example, example.bad))).diagnostics;
            let fixes: Vec<&Fix> = at_file(&found, rule, name)
                .into_iter()
                .filter_map(|d| d.fix.as_ref())
                .collect();
            if rule.autofix.is_none() {
                if !fixes.is_empty() {
                    problems.push(format!("`{}` fixes but has no `autofix`", rule.name));
                }
                continue;
            }
            if fixes.is_empty() {
                problems.push(format!("`{}`: its example {name} has no fix", rule.name));
                continue;
            }
            fixed_rules.push(rule.name);
            for fix in &fixes {
                if let Fix::NewFile(plan) = fix {
                    let files = carry_out(example, plan);
                    let files: Vec<(&str, &str)> = files
                        .iter()
                        .map(|(n, t)| (n.as_str(), t.as_str()))
                        .collect();
                    let after = check_entries("migrations", entries(&files)).diagnostics;
                    if !parses(&plan.content) || after.iter().any(|d| d.rule == rule.name) {
                        problems.push(format!(
                            "`{}`: the plan for {name} leaves {after:?}",
                            rule.name
                        ));
                    }
                }
            }
            if fixes.iter().all(|f| matches!(f, Fix::NewFile(_))) {
                continue;
            }
            let fixing = fix_entries("migrations", entries(&folder(example, example.bad)));
            let Some(file) = fixing.files.iter().find(|f| f.path.ends_with(name)) else {
                problems.push(format!("`{}`: --fix left {name} as it was", rule.name));
                continue;
            };
            if !parses(&file.after) {
                problems.push(format!("`{}`: the fixed {name} does not parse", rule.name));
            }
            if !at_file(&fixing.outcome.diagnostics, rule, name).is_empty() {
                problems.push(format!("`{}` still fires at the fixed {name}", rule.name));
            }
            if example.good.0 == name && file.after != example.good.1 {
                problems.push(format!(
                    "`{}`: the fixed {name} is not the example's fixed form:\n{}",
                    rule.name, file.after
                ));
            }
            let again = fix_entries(
                "migrations",
                entries(&folder(example, (name, file.after.as_str()))),
            );
            if !again.files.is_empty() {
                problems.push(format!("`{}`: a second --fix changed {name}", rule.name));
            }
            assert_ne!(bad, file.after);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    fixed_rules.dedup();
    // Every rule that says it fixes showed it on its examples.
    let fixable: Vec<&str> = rules::all()
        .iter()
        .filter(|r| r.autofix.is_some())
        .map(|r| r.name)
        .collect();
    assert_eq!(fixed_rules, fixable);
    assert_eq!(fixable.len(), 9);
}

/// A folder with every kind of fix at once, including two at one place (`CONCURRENTLY`, then
/// `IF NOT EXISTS` after it) that take two passes: fixed in one run, and a second run is a
/// no-op. A BOM and CRLF line ends are kept.
#[test]
fn fixing_twice_changes_nothing_the_second_time() {
    let crlf =
        "\u{feff}-- migrate:no-transaction\r\nCREATE INDEX users_email ON users (email);\r\n\
                DROP INDEX users_old;\r\n";
    let files = [
        (
            "001_users.sql",
            "CREATE TABLE users (id int, email text, old text);\n",
        ),
        (
            "002_more.sql",
            "SET statement_timeout = '1h';\nALTER TABLE users DROP COLUMN old, ADD x int;\n\
             CREATE VIEW v AS SELECT 1 AS n; -- a VIEW\n",
        ),
        ("003_index.sql", crlf),
    ];
    let first = fix_entries("migrations", entries(&files));
    let after: Vec<(&str, &str)> = files
        .iter()
        .map(|&(name, text)| {
            let fixed = first.files.iter().find(|f| f.path.ends_with(name));
            (name, fixed.map_or(text, |f| f.after.as_str()))
        })
        .collect();
    assert_eq!(
        after,
        [
            (
                "001_users.sql",
                "CREATE TABLE IF NOT EXISTS users (id int, email text, old text);\n"
            ),
            (
                "002_more.sql",
                "SET LOCAL statement_timeout = '1h';\nALTER TABLE users DROP COLUMN IF EXISTS \
                 old, ADD IF NOT EXISTS x int;\nCREATE OR REPLACE VIEW v AS SELECT 1 AS n; -- a \
                 VIEW\n"
            ),
            (
                "003_index.sql",
                "\u{feff}-- migrate:no-transaction\r\nCREATE INDEX CONCURRENTLY IF NOT EXISTS \
                 users_email ON users (email);\r\nDROP INDEX CONCURRENTLY IF EXISTS \
                 users_old;\r\n"
            ),
        ]
    );
    // What is left needs a person: the data loss confirmed.
    let left: Vec<&str> = first.outcome.diagnostics.iter().map(|d| d.rule).collect();
    assert_eq!(left, ["drop-column"]);
    let second = fix_entries("migrations", entries(&after));
    assert!(second.files.is_empty(), "{:?}", second.files);
    // The edits as an editor applies them, on the text as it is.
    let normalised = crlf.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let edit = fix::Edit::insert(normalised.find(" users_email").unwrap(), " CONCURRENTLY");
    let on_disk = fix::apply(crlf, &fix::in_original(crlf, &[edit])).unwrap();
    assert!(on_disk.contains("\r\nCREATE INDEX CONCURRENTLY users_email"));
}

/// `legacy_until` files are history: never changed, even where a rule would fix them.
#[test]
fn legacy_files_are_never_changed() {
    let files = [
        ("migrate.toml", "legacy_until = 1\n"),
        ("001_old.sql", "CREATE TABLE old (id int);\n"),
        ("002_new.sql", "CREATE TABLE new (id int);\n"),
    ];
    let fixing = fix_entries("migrations", entries(&files));
    let changed: Vec<&str> = fixing.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(changed, ["migrations/002_new.sql"]);
}
