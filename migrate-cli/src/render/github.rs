//! `--format github`: one GitHub Actions workflow command per finding, which the runner turns
//! into an annotation on the pull request's diff:
//!
//! ```text
//! ::error file=migrations/001_users.sql,line=2,col=1,title=missing-if-not-exists::missing-if-not-exists: `CREATE TABLE users` ...%0Ahelp: write ...
//! ```
//!
//! Escaped as GitHub's own toolkit (`@actions/core`) escapes them: in the message, `%`, CR and
//! LF become `%25`, `%0D` and `%0A`; in a property value, also `:` and `,` become `%3A` and
//! `%2C`, since they end a value.

use migrate_lint::Diagnostic;

use super::help::with_help;

/// One workflow command per finding, each on its own line (empty when there is none).
pub fn annotations(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| annotation(d) + "\n").collect()
}

/// `::error` or `::warning` with the file, the line and column when the finding has a place,
/// the rule as title, and the rule, message and help as the annotation's text.
pub fn annotation(d: &Diagnostic) -> String {
    let mut properties = vec![format!("file={}", property(&d.path))];
    if let Some(p) = d.position {
        properties.push(format!("line={}", p.line));
        properties.push(format!("col={}", p.column));
    }
    properties.push(format!("title={}", property(d.rule)));
    format!(
        "::{} {}::{}",
        d.severity.as_str(),
        properties.join(","),
        data(&format!("{}: {}", d.rule, with_help(d)))
    )
}

/// A workflow command's message: `%`, CR and LF escaped (`%` first, so that the escapes stay).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as [`data`], and `:` and `,`, which would end the value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_lint::{Position, Severity};

    #[test]
    fn data_and_properties_are_escaped_as_the_runner_unescapes_them() {
        assert_eq!(
            data("100% done\r\nnext: a, b"),
            "100%25 done%0D%0Anext: a, b"
        );
        assert_eq!(
            property("dir: 50%, new\nline"),
            "dir%3A 50%25%2C new%0Aline"
        );
        // An escape sequence in the input is not taken for one.
        assert_eq!(data("%0A"), "%250A");
    }

    #[test]
    fn a_finding_about_a_place_and_one_about_the_whole_file() {
        let placed = Diagnostic {
            rule: "set-not-null",
            severity: Severity::Warning,
            path: "db/1,2: x%/001_a.sql".to_owned(),
            position: Some(Position { line: 3, column: 7 }),
            message: "`SET NOT NULL` scans the table".to_owned(),
            source_line: Some("ALTER TABLE t ALTER c SET NOT NULL;".to_owned()),
            help: "add a `CHECK (c IS NOT NULL) NOT VALID` constraint first".to_owned(),
            fix: None,
        };
        assert_eq!(
            annotation(&placed),
            "::warning file=db/1%2C2%3A x%25/001_a.sql,line=3,col=7,title=set-not-null::\
             set-not-null: `SET NOT NULL` scans the table%0A\
             help: add a `CHECK (c IS NOT NULL) NOT VALID` constraint first"
        );
        let whole = Diagnostic {
            rule: "invalid-name",
            severity: Severity::Error,
            path: "migrations/users.sql".to_owned(),
            position: None,
            message: "`users.sql` is not a migration name".to_owned(),
            source_line: None,
            help: "rename it `001_users.sql`".to_owned(),
            fix: None,
        };
        assert_eq!(
            annotations(&[whole]),
            "::error file=migrations/users.sql,title=invalid-name::invalid-name: `users.sql` is \
             not a migration name%0Ahelp: rename it `001_users.sql`\n"
        );
        assert_eq!(annotations(&[]), "");
    }
}
