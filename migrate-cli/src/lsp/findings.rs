//! The checker's findings in the editor's terms: diagnostics, the code actions of a finding,
//! the hover of a rule. Pure.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, Diagnostic, DiagnosticSeverity, Hover, HoverContents,
    MarkupContent, MarkupKind, NumberOrString, Position, Range, TextEdit, Uri, WorkspaceEdit,
};
use migrate_lint::{allow_directive, rules, Rule, Severity};

use super::text::{line, position, utf16_column, word_at};

/// The name diagnostics carry as their `source`.
const SOURCE: &str = "migrate";

/// A finding as a diagnostic: from its position to the end of its line (the whole file's
/// start for a finding about the file), its rule as the code, its help after its message.
/// `text` is the file's, when the editor has it open (columns count UTF-16 units, and the
/// finding's own source line is used when it has one).
pub fn diagnostic(finding: &migrate_lint::Diagnostic, text: Option<&str>) -> Diagnostic {
    let range = match finding.position {
        Some(p) => {
            let number = u32::try_from(p.line - 1).unwrap_or(u32::MAX);
            let source = match (&finding.source_line, text) {
                (Some(source), _) => source.as_str(),
                (None, Some(text)) => line(text, number),
                (None, None) => "",
            };
            let start = utf16_column(source, p.column - 1);
            let end = utf16_column(source, source.chars().count()).max(start);
            Range::new(Position::new(number, start), Position::new(number, end))
        }
        None => Range::default(),
    };
    Diagnostic {
        range,
        severity: Some(match finding.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(finding.rule.to_owned())),
        source: Some(SOURCE.to_owned()),
        message: format!("{}\nhelp: {}", finding.message, finding.help),
        ..Diagnostic::default()
    }
}

/// The code actions of one finding of the file `uri` (its text `text`, as the editor holds it):
/// the rule's mechanical rewrite when it has one (the same edits as `migrate lint --fix`,
/// preferred), then "allow with a reason", the directive right above the statement (or
/// `allow-file` in the header), unless the rule cannot be allowed. The one place a finding's
/// actions are made.
pub fn code_actions(
    uri: &Uri,
    text: &str,
    finding: &migrate_lint::Diagnostic,
    shown: &Diagnostic,
) -> Vec<CodeAction> {
    let action = |title: String, edits: Vec<TextEdit>, preferred: bool| CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![shown.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    };
    let mut actions = Vec::new();
    // The fix's offsets are in the normalised text (no BOM, LF line ends): mapped to the
    // editor's.
    if let Some(fix) = finding.fix.as_ref().filter(|f| !f.text_edits().is_empty()) {
        let edits = migrate_lint::fix::in_original(text, fix.text_edits())
            .into_iter()
            .map(|e| {
                let range = Range::new(position(text, e.range.start), position(text, e.range.end));
                TextEdit::new(range, e.replacement)
            })
            .collect();
        actions.push(action(fix.title().to_owned(), edits, true));
    }
    if let Some(insertion) = finding
        .position
        .and_then(|at| allow_directive(text, finding.rule, at))
    {
        let number = u32::try_from(insertion.at.line - 1).unwrap_or(u32::MAX);
        let at = Position::new(
            number,
            utf16_column(line(text, number), insertion.at.column - 1),
        );
        let scope = if insertion.text.contains("allow-file") {
            "in this file"
        } else {
            "for this statement"
        };
        let edit = TextEdit::new(Range::new(at, at), insertion.text);
        let title = format!("Allow `{}` {scope}, with a reason", finding.rule);
        actions.push(action(title, vec![edit], false));
    }
    actions
}

/// What the hover over `position` of a file shows: the rule named under the cursor in an
/// `allow` directive or in `migrate.toml` (`in_config`), else the rules of the diagnostics
/// shown there; each with its reason and its fix.
pub fn hover(
    text: &str,
    position: Position,
    in_config: bool,
    shown: &[Diagnostic],
) -> Option<Hover> {
    let named = word_at(text, position)
        .filter(|_| in_config || line(text, position.line).contains("migrate:allow"))
        .and_then(rules::find);
    let under: Vec<&'static Rule> = match named {
        Some(rule) => vec![rule],
        None => shown
            .iter()
            .filter(|d| d.range.start <= position && position <= d.range.end)
            .filter_map(|d| match &d.code {
                Some(NumberOrString::String(code)) => rules::find(code),
                _ => None,
            })
            .collect(),
    };
    if under.is_empty() {
        return None;
    }
    let shown: Vec<String> = under.iter().map(|rule| explain(rule)).collect();
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: shown.join("\n\n---\n\n"),
        }),
        range: None,
    })
}

/// A rule in Markdown: its name, severity and family, its reason, its fix, whether it can be
/// allowed.
fn explain(rule: &Rule) -> String {
    let allow = if rule.allowable {
        format!("Can be allowed: `-- migrate:allow({}) reason`.", rule.name)
    } else {
        "Cannot be allowed: fix what it reports.".to_owned()
    };
    format!(
        "**`{}`** ({}, {})\n\n{}\n\n**Fix:** {}\n\n{allow}",
        rule.name,
        rule.severity,
        rule.family.as_str(),
        rule.reason,
        rule.help
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn finding(
        rule: &'static str,
        line: usize,
        column: usize,
        source: &str,
    ) -> migrate_lint::Diagnostic {
        migrate_lint::Diagnostic {
            rule,
            severity: Severity::Error,
            path: "migrations/001_a.sql".to_owned(),
            position: Some(migrate_lint::Position { line, column }),
            message: "what is wrong".to_owned(),
            source_line: Some(source.to_owned()),
            help: "what to write".to_owned(),
            fix: None,
        }
    }

    #[test]
    fn a_finding_is_a_diagnostic_in_utf16_columns_with_its_rule_as_code() {
        let source = "SELECT '😀'; DROP TABLE t;";
        let shown = diagnostic(&finding("drop-table", 2, 13, source), None);
        assert_eq!(
            shown.range,
            Range::new(Position::new(1, 13), Position::new(1, 26))
        );
        assert_eq!(
            shown.code,
            Some(NumberOrString::String("drop-table".to_owned()))
        );
        assert_eq!(shown.severity, Some(DiagnosticSeverity::ERROR));
        assert_eq!(shown.message, "what is wrong\nhelp: what to write");
    }

    #[test]
    fn the_allow_action_inserts_the_directive_above_the_statement() {
        let uri = Uri::from_str("file:///m/001_a.sql").unwrap();
        let text = "SELECT 1;\n  DROP TABLE IF EXISTS t;\n";
        let found = finding("drop-table", 2, 3, "  DROP TABLE IF EXISTS t;");
        let shown = diagnostic(&found, Some(text));
        let actions = code_actions(&uri, text, &found, &shown);
        assert_eq!(actions.len(), 1);
        assert_eq!(
            actions[0].title,
            "Allow `drop-table` for this statement, with a reason"
        );
        let edits = &actions[0].edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri];
        assert_eq!(
            edits,
            &[TextEdit::new(
                Range::new(Position::new(1, 0), Position::new(1, 0)),
                "  -- migrate:allow(drop-table) TODO: why this is safe\n".to_owned()
            )]
        );
        let syntax = finding("syntax", 1, 1, "SELECT 1;");
        assert!(code_actions(&uri, text, &syntax, &shown).is_empty());
    }

    #[test]
    fn the_hover_explains_the_rule_named_or_found_under_the_cursor() {
        let text = "-- migrate:allow(drop-table) gone\nDROP TABLE IF EXISTS t;\n";
        let hover_text = |h: Hover| match h.contents {
            HoverContents::Markup(m) => m.value,
            _ => String::new(),
        };
        let named = hover(text, Position::new(0, 20), false, &[]).map(hover_text);
        assert!(named
            .unwrap()
            .starts_with("**`drop-table`** (error, destructive)"));
        let found = diagnostic(&finding("cascade", 2, 1, "DROP TABLE IF EXISTS t;"), None);
        let under = hover(text, Position::new(1, 5), false, &[found]).map(hover_text);
        assert!(under.unwrap().starts_with("**`cascade`**"));
        assert!(hover(text, Position::new(1, 5), false, &[]).is_none());
    }
}
