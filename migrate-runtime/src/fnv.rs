//! FNV-1a, 64 bits: the hash of the advisory lock keys and of the test templates' names, which
//! must be the same in every build, version and platform (std's `DefaultHasher` promises neither).

/// The 64-bit FNV-1a hash of `bytes`. Callers frame their fields themselves (a NUL between or
/// after each), so that field boundaries count.
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    #[test]
    fn known_values() {
        // The reference values of the FNV authors' test suite.
        assert_eq!(fnv1a(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(*b"foobar"), 0x8594_4171_f739_67e8);
    }
}
