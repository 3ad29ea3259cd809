//! Reading a file's bytes into the text that is checked, hashed and run.

/// Why a file's bytes are not migration text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TextError {
    /// Not valid UTF-8: byte offset of the first invalid sequence.
    NotUtf8 { offset: usize },
    /// A NUL byte (PostgreSQL cannot receive one in a query): its byte offset.
    NulByte { offset: usize },
}

/// The normalised text of a migration file: a leading UTF-8 BOM removed and every CRLF turned into
/// LF. This exact text is what the checksum covers and what the runtime sends to PostgreSQL, so a
/// Windows checkout of a file checks, hashes and runs the same as the original.
pub(crate) fn normalise(bytes: &[u8]) -> Result<String, TextError> {
    let text = std::str::from_utf8(bytes).map_err(|e| TextError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if let Some(offset) = text.find('\0') {
        return Err(TextError::NulByte { offset });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(text.replace("\r\n", "\n"))
}

/// `text` with every character but line feeds replaced by spaces, byte for byte: a multibyte
/// character becomes as many spaces as it has bytes, so every offset after it stays valid in
/// the original text. What blanked-out psql-only text is replaced with before parsing.
pub(crate) fn blank(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let (fill, count) = if c == '\n' {
                ('\n', 1)
            } else {
                (' ', c.len_utf8())
            };
            std::iter::repeat_n(fill, count)
        })
        .collect()
}

/// The largest character boundary at or before a byte offset (clamped to the text).
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// 1-based line and column (counted in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_boundary(text, offset)];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The whole line holding a byte offset, without its line end.
pub(crate) fn line_at(text: &str, offset: usize) -> &str {
    let offset = floor_boundary(text, offset);
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[start..end].trim_end_matches('\r')
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_core::checksum;

    const LF: &str = "CREATE TABLE IF NOT EXISTS t (\n  id int\n);\n";

    #[test]
    fn crlf_and_bom_copies_hash_like_the_lf_original() {
        let crlf = LF.replace('\n', "\r\n");
        let bom = format!("\u{feff}{LF}");
        let both = format!("\u{feff}{crlf}");
        let original = checksum(&normalise(LF.as_bytes()).unwrap());
        for copy in [crlf.as_str(), bom.as_str(), both.as_str()] {
            assert_eq!(checksum(&normalise(copy.as_bytes()).unwrap()), original);
        }
    }

    #[test]
    fn a_one_character_edit_changes_the_checksum() {
        let edited = LF.replace("id int", "id inT");
        assert_ne!(
            checksum(&normalise(edited.as_bytes()).unwrap()),
            checksum(&normalise(LF.as_bytes()).unwrap())
        );
    }

    #[test]
    fn checksum_is_sha256_hex() {
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_bom_in_the_middle_and_a_lone_cr_are_kept() {
        assert_eq!(
            normalise("a\u{feff}b\rc".as_bytes()).unwrap(),
            "a\u{feff}b\rc"
        );
    }

    #[test]
    fn invalid_utf8_and_nul_are_located() {
        assert_eq!(
            normalise(b"select 1;\xff"),
            Err(TextError::NotUtf8 { offset: 9 })
        );
        assert_eq!(
            normalise(b"select\0 1;"),
            Err(TextError::NulByte { offset: 6 })
        );
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\nçé x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, text.find('x').unwrap()), (2, 4));
        assert_eq!(line_at(text, text.find('x').unwrap()), "çé x");
        // Inside a multibyte character: the character's own line and column.
        assert_eq!(line_col(text, 4), (2, 1));
        assert_eq!(line_at(text, 4), "çé x");
    }

    #[test]
    fn blanking_keeps_every_byte_offset() {
        let text = "\\i \u{1f600} é\nD$1";
        let blanked = blank(text);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(
            blanked,
            format!("{}\n   ", " ".repeat(text.find('\n').unwrap()))
        );
    }
}
