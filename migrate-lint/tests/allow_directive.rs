//! The directive [`allow_directive`] writes allows what it is written for: for every example of
//! every rule that can be allowed, the finding is gone once the directive is inserted, and
//! nothing else is found; a rule that cannot be allowed gets no directive.

use std::path::PathBuf;

use migrate_lint::discover::{Entry, EntryKind};
use migrate_lint::{
    allow_directive, check_entries, rules, Diagnostic, Example, Examples, Insertion,
};

fn findings(before: &[(&str, &str)], file: (&str, &str)) -> Vec<Diagnostic> {
    let entries = before
        .iter()
        .chain([&file])
        .map(|(name, text)| Entry {
            name: (*name).to_owned(),
            path: PathBuf::from("/nowhere").join(name),
            kind: EntryKind::File(Ok(text.as_bytes().to_vec())),
        })
        .collect();
    check_entries("migrations", entries).diagnostics
}

/// `text` with `insertion` made.
fn insert(text: &str, insertion: &Insertion) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let line = insertion.at.line - 1;
    let target = lines.get(line).copied().unwrap_or("");
    let split = target
        .char_indices()
        .nth(insertion.at.column - 1)
        .map_or(target.len(), |(i, _)| i);
    let edited = format!("{}{}{}", &target[..split], insertion.text, &target[split..]);
    if line < lines.len() {
        lines[line] = &edited;
    } else {
        lines.push(&edited);
    }
    lines.concat()
}

#[test]
fn the_allow_directive_silences_exactly_its_finding() {
    let mut problems = Vec::new();
    let mut tried = 0;
    for rule in rules::all() {
        let Examples::Shown(examples) = rule.examples else {
            continue;
        };
        for Example { before, bad, .. } in examples {
            let at = format!("migrations/{}", bad.0);
            let found = findings(before, *bad);
            for finding in found.iter().filter(|d| d.rule == rule.name && d.path == at) {
                let Some(position) = finding.position else {
                    continue;
                };
                let insertion = allow_directive(bad.1, rule.name, position);
                if !rule.allowable {
                    if insertion.is_some() {
                        problems.push(format!("`{}` cannot be allowed", rule.name));
                    }
                    continue;
                }
                let Some(insertion) = insertion else {
                    problems.push(format!("no directive for `{}` at {at}", rule.name));
                    continue;
                };
                tried += 1;
                let allowed = insert(bad.1, &insertion);
                let after = findings(before, (bad.0, &allowed));
                let expected: Vec<String> = found
                    .iter()
                    .filter(|d| !(d.rule == rule.name && d.path == at))
                    .map(|d| d.rule.to_owned())
                    .collect();
                let left: Vec<String> = after.iter().map(|d| d.rule.to_owned()).collect();
                if left != expected {
                    problems.push(format!(
                        "`{}` at {}: with\n{allowed}\nthe findings are {left:?}, not {expected:?}",
                        rule.name,
                        finding.location()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(tried >= 30, "only {tried} directives tried");
}

#[test]
fn a_statement_after_another_on_its_line_moves_to_a_line_of_its_own() {
    let text = "SELECT 1; DROP TABLE IF EXISTS t;\n";
    let at = migrate_lint::Position {
        line: 1,
        column: 11,
    };
    let insertion = allow_directive(text, "drop-table", at).unwrap();
    assert_eq!(
        insert(text, &insertion),
        "SELECT 1; \n-- migrate:allow(drop-table) TODO: why this is safe\nDROP TABLE IF EXISTS t;\n"
    );
    let indented = "DO $$\nBEGIN\n  DROP TABLE IF EXISTS t;\nEND $$;\n";
    let at = migrate_lint::Position { line: 3, column: 3 };
    let insertion = allow_directive(indented, "drop-table", at).unwrap();
    assert_eq!(insertion.at, migrate_lint::Position { line: 1, column: 1 });
    assert!(allow_directive(text, "syntax", at).is_none());
}
