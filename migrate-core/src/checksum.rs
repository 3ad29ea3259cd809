//! [`checksum`]: what the history table stores to tell an applied file from an edited one.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of a migration's normalised text (a leading UTF-8 BOM removed, every
/// CRLF turned into LF, as the checker reads a file), so a Windows checkout of a file has the
/// checksum of the original.
///
/// Fixed for good: every checksum stored in a history table was computed by this function, so
/// changing it would report every applied migration as modified.
///
/// ```
/// assert_eq!(
///     migrate_core::checksum(""),
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn checksum(normalised: &str) -> String {
    // By hand rather than `format!` per byte: the macro computes one per file in a proc macro's
    // unoptimised build, where 32 formatting calls cost more than the hash.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(normalised.as_bytes()) {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::checksum;

    #[test]
    fn is_pinned() {
        // `printf %s "SELECT 1;" | sha256sum`: stored checksums depend on this value.
        assert_eq!(
            checksum("SELECT 1;"),
            "17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a"
        );
    }
}
