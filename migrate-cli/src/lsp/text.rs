//! The editor's coordinates: LSP positions count UTF-16 code units from 0, the checker's count
//! characters from 1; `file://` URIs and paths; an open document's text and its edits. Pure.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, TextDocumentContentChangeEvent, Uri};

/// Line `line` (0-based) of `text`, without its line end; empty past the last line.
pub fn line(text: &str, line: u32) -> &str {
    text.split('\n')
        .nth(line as usize)
        .unwrap_or("")
        .trim_end_matches('\r')
}

/// The UTF-16 column of the character at `chars` (0-based, counted in characters) in `line`;
/// past the line's end, as many units more as characters.
pub fn utf16_column(line: &str, chars: usize) -> u32 {
    let units: usize = line.chars().take(chars).map(char::len_utf16).sum();
    let past = chars.saturating_sub(line.chars().count());
    u32::try_from(units + past).unwrap_or(u32::MAX)
}

/// The byte offset of an LSP position in `text`: the end of its line when the column is past
/// it (or inside a surrogate pair), the end of the text when the line is.
pub fn offset(text: &str, position: Position) -> usize {
    let mut start = 0;
    for _ in 0..position.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= position.character as usize {
            return start + i;
        }
        units += c.len_utf16();
    }
    start + line.len()
}

/// The LSP position of the byte offset `at` of `text` (the inverse of [`offset`]): its line, and
/// its column in UTF-16 units.
pub fn position(text: &str, at: usize) -> Position {
    let before = &text[..at.min(text.len())];
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = u32::try_from(before.matches('\n').count()).unwrap_or(u32::MAX);
    let column = before[start..].chars().map(char::len_utf16).sum::<usize>();
    Position::new(line, u32::try_from(column).unwrap_or(u32::MAX))
}

/// Applies one change an editor sent: a range replaced (incremental sync), or the whole text.
pub fn apply(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        Some(range) => {
            let start = offset(text, range.start);
            let end = offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
        None => *text = change.text,
    }
}

/// The rule name (letters, digits, `-`) under `position`, if any.
pub fn word_at(text: &str, position: Position) -> Option<&str> {
    let line_text = line(text, position.line);
    let at = offset(line_text, Position::new(0, position.character));
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let start = line_text[..at]
        .rfind(|c: char| !is_word(c))
        .map_or(0, |i| i + 1);
    let end = line_text[at..]
        .find(|c: char| !is_word(c))
        .map_or(line_text.len(), |i| at + i);
    (start < end).then(|| &line_text[start..end])
}

/// The path of a `file://` URI (`None` for another scheme).
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let path = &rest[rest.find('/')?..];
    let mut bytes = Vec::with_capacity(path.len());
    let mut input = path.bytes();
    while let Some(b) = input.next() {
        let hex = |b: Option<u8>| b.and_then(|b| (b as char).to_digit(16));
        if b == b'%' {
            let (high, low) = (hex(input.next())?, hex(input.next())?);
            bytes.push(u8::try_from(high * 16 + low).ok()?);
        } else {
            bytes.push(b);
        }
    }
    let path = String::from_utf8(bytes).ok()?;
    // `file:///C:/dir` on Windows: the drive without the leading slash.
    let path = match path.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() => path[1..].to_owned(),
        _ => path,
    };
    Some(PathBuf::from(path))
}

/// The `file://` URI of an absolute path.
pub fn uri_of(path: &Path) -> Uri {
    let path = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file://");
    if !path.starts_with('/') {
        uri.push('/');
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&uri).expect("a percent-encoded absolute path is a valid URI")
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Range;

    #[test]
    fn a_byte_offset_is_the_position_offset_reads_back() {
        let text = "SELECT '😀é';\r\nDROP TABLE t;\nx";
        for at in text.char_indices().map(|(i, _)| i).chain([text.len()]) {
            assert_eq!(offset(text, position(text, at)), at, "{at}");
        }
        assert_eq!(
            position(text, text.find("TABLE").unwrap()),
            Position::new(1, 5)
        );
        assert_eq!(
            position(text, text.find('é').unwrap()),
            Position::new(0, 10)
        );
    }

    #[test]
    fn columns_are_utf16_units() {
        let text = "SELECT '😀é'; DROP TABLE t;\nx";
        // `D` is the 14th character, the 15th unit: the emoji takes two.
        assert_eq!(utf16_column(line(text, 0), 13), 14);
        assert_eq!(
            offset(text, Position::new(0, 14)),
            text.find("DROP").unwrap()
        );
        assert_eq!(offset(text, Position::new(0, 99)), text.find('\n').unwrap());
        assert_eq!(offset(text, Position::new(1, 0)), text.len() - 1);
        assert_eq!(offset(text, Position::new(5, 0)), text.len());
    }

    #[test]
    fn incremental_and_full_changes_apply() {
        let mut text = "SELECT 1;\nDROP TABLE t;\n".to_owned();
        apply(
            &mut text,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(1, 0), Position::new(1, 10))),
                range_length: None,
                text: "DROP TABLE IF EXISTS".to_owned(),
            },
        );
        assert_eq!(text, "SELECT 1;\nDROP TABLE IF EXISTS t;\n");
        apply(
            &mut text,
            TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "SELECT 2;".to_owned(),
            },
        );
        assert_eq!(text, "SELECT 2;");
    }

    #[test]
    fn the_word_under_the_cursor_is_a_rule_name() {
        let text = "-- migrate:allow(drop-table, cascade) why";
        assert_eq!(word_at(text, Position::new(0, 20)), Some("drop-table"));
        assert_eq!(word_at(text, Position::new(0, 27)), Some("drop-table"));
        assert_eq!(word_at(text, Position::new(0, 30)), Some("cascade"));
        assert_eq!(word_at(text, Position::new(0, 16)), Some("allow"));
        assert_eq!(word_at(text, Position::new(0, 28)), None);
    }

    #[test]
    fn paths_and_uris_round_trip() {
        let path = Path::new("/home/me/my app/migrations/001_é.sql");
        let uri = uri_of(path);
        assert_eq!(
            uri.as_str(),
            "file:///home/me/my%20app/migrations/001_%C3%A9.sql"
        );
        assert_eq!(path_of(&uri).as_deref(), Some(path));
        let windows = Uri::from_str("file:///C:/work/migrations/001_a.sql").unwrap();
        assert_eq!(
            path_of(&windows),
            Some(PathBuf::from("C:/work/migrations/001_a.sql"))
        );
        assert_eq!(
            path_of(&Uri::from_str("untitled:Untitled-1").unwrap()),
            None
        );
    }
}
