//! Mechanical fixes: what a rule's help says to write, as edits of the file's text. A rule that
//! finds a problem whose help is a pure rewrite (`IF NOT EXISTS`, `IF EXISTS`, `OR REPLACE`,
//! `SET LOCAL`, `CONCURRENTLY` in a file without a transaction) attaches a [`Fix`] to its
//! finding ([`Diagnostic::fix`](crate::Diagnostic::fix)); `migrate lint --fix` and the editor
//! server's code actions apply it with [`apply`]. A fix that needs a new file is a [`NewFile`]
//! plan, shown and never applied.
//!
//! Offsets are bytes in the file's normalised text (a leading BOM removed, CRLF turned into LF:
//! [`Script::text`](crate::Script::text)); [`in_original`] maps edits onto the text as it is on
//! disk or in an editor. A leaf module: it imports nothing of the crate.

use std::ops::Range;

/// Replace `range` of the text with `replacement`; an empty range inserts at its start.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    /// Byte range in the file's normalised text.
    pub range: Range<usize>,
    /// What it becomes.
    pub replacement: String,
}

impl Edit {
    /// Inserts `text` at the byte offset `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Self {
            range: at..at,
            replacement: text.into(),
        }
    }

    /// Replaces `range` with `text`.
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Self {
            range,
            replacement: text.into(),
        }
    }

    /// Whether two edits cannot be applied together: their ranges overlap, or they start at the
    /// same offset (two insertions there would depend on their order).
    pub fn conflicts(&self, other: &Edit) -> bool {
        self.range.start == other.range.start
            || (self.range.start < other.range.end && other.range.start < self.range.end)
    }
}

/// How a finding is fixed mechanically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Edits of the finding's own file, to apply together.
    Edits {
        /// What the fix does, as a code action names it (`add IF NOT EXISTS`).
        title: String,
        /// The edits, none conflicting with another.
        edits: Vec<Edit>,
    },
    /// A fix that needs a new migration file: a plan to show, not to apply half-way.
    NewFile(NewFile),
}

/// A statement to move out of its file into a new migration of its own (a concurrent index
/// build cannot run in the file's transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// What the plan does.
    pub title: String,
    /// What to remove from the finding's file: the statement and its semicolon.
    pub remove: Range<usize>,
    /// The new file's whole text, to save as a migration after the last one.
    pub content: String,
}

impl Fix {
    /// A fix made of edits of the finding's file.
    pub fn edits(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::Edits {
            title: title.into(),
            edits,
        }
    }

    /// What the fix does.
    pub fn title(&self) -> &str {
        match self {
            Fix::Edits { title, .. } | Fix::NewFile(NewFile { title, .. }) => title,
        }
    }

    /// The edits to apply to the finding's file: none for a plan.
    pub fn text_edits(&self) -> &[Edit] {
        match self {
            Fix::Edits { edits, .. } => edits,
            Fix::NewFile(_) => &[],
        }
    }
}

/// The edits of `fixes` that can be applied together, in the fixes' order: a fix whose edits
/// conflict with an edit already taken is left for another pass. Sorted by offset.
pub fn compatible<'a>(fixes: impl IntoIterator<Item = &'a Fix>) -> Vec<Edit> {
    let mut taken: Vec<Edit> = Vec::new();
    for fix in fixes {
        let edits = fix.text_edits();
        if !edits.is_empty() && !edits.iter().any(|e| taken.iter().any(|t| t.conflicts(e))) {
            taken.extend(edits.iter().cloned());
        }
    }
    taken.sort_by_key(|e| (e.range.start, e.range.end));
    taken
}

/// `text` with `edits` applied, or `None` when two of them conflict or one does not fall on
/// character boundaries of `text`.
pub fn apply(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut from = 0;
    for (i, edit) in sorted.iter().enumerate() {
        if sorted[..i].iter().any(|e| e.conflicts(edit)) {
            return None;
        }
        out.push_str(text.get(from..edit.range.start)?);
        text.get(edit.range.clone())?;
        out.push_str(&edit.replacement);
        from = edit.range.end;
    }
    out.push_str(text.get(from..)?);
    Some(out)
}

/// `edits` of the normalised text of `original` (see the module's documentation), as edits of
/// `original` itself: past a leading BOM and each CR of a CRLF. An edit's replacement is kept
/// as it is.
pub fn in_original(original: &str, edits: &[Edit]) -> Vec<Edit> {
    let offset = |normalised: usize| {
        let mut skipped = usize::from(original.starts_with('\u{feff}')) * '\u{feff}'.len_utf8();
        let bytes = original.as_bytes();
        let mut at = skipped;
        let mut seen = 0;
        while seen < normalised && at < bytes.len() {
            if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                skipped += 1;
                at += 1;
            }
            at += 1;
            seen += 1;
        }
        normalised + skipped
    };
    edits
        .iter()
        .map(|e| Edit::replace(offset(e.range.start)..offset(e.range.end), &e.replacement))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_offset_order_and_conflicts_are_refused() {
        let text = "CREATE TABLE t (id int);";
        let edits = [
            Edit::replace(13..14, "u"),
            Edit::insert(12, " IF NOT EXISTS"),
        ];
        assert_eq!(
            apply(text, &edits).unwrap(),
            "CREATE TABLE IF NOT EXISTS u (id int);"
        );
        assert_eq!(
            apply(text, &[Edit::insert(12, " a"), Edit::insert(12, " b")]),
            None
        );
        assert_eq!(
            apply(text, &[Edit::replace(10..14, "x"), Edit::insert(12, "y")]),
            None
        );
        assert_eq!(apply(text, &[Edit::insert(99, "x")]), None);
        assert_eq!(apply("é", &[Edit::insert(1, "x")]), None);
    }

    #[test]
    fn compatible_keeps_whole_fixes_that_conflict_with_none_taken() {
        let a = Fix::edits("a", vec![Edit::insert(5, "a")]);
        let b = Fix::edits("b", vec![Edit::insert(1, "b"), Edit::insert(5, "b")]);
        let c = Fix::edits("c", vec![Edit::insert(1, "c")]);
        let plan = Fix::NewFile(NewFile {
            title: "move".to_owned(),
            remove: 0..3,
            content: String::new(),
        });
        assert_eq!(
            compatible([&a, &b, &c, &plan]),
            [Edit::insert(1, "c"), Edit::insert(5, "a")]
        );
    }

    #[test]
    fn edits_of_the_normalised_text_map_past_a_bom_and_carriage_returns() {
        let original = "\u{feff}SET a = 1;\r\nSET b = 2;\r\n";
        let normalised = "SET a = 1;\nSET b = 2;\n";
        let edits = [Edit::insert(3, " LOCAL"), Edit::insert(14, " LOCAL")];
        assert_eq!(
            apply(normalised, &edits).unwrap(),
            "SET LOCAL a = 1;\nSET LOCAL b = 2;\n"
        );
        assert_eq!(
            apply(original, &in_original(original, &edits)).unwrap(),
            "\u{feff}SET LOCAL a = 1;\r\nSET LOCAL b = 2;\r\n"
        );
    }
}
