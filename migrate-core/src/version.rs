//! [`Version`]: a migration's number, of any length real projects use.

use std::fmt;
use std::str::FromStr;

/// A migration's version: the leading digits of its file name, read as an integer (`003` is 3).
///
/// Real projects use sequence numbers (`001`), dates (`20251018`), timestamps
/// (`20251018143000`) and longer stamps (20 digits and more, which do not fit an `i64`): a
/// version holds up to [`Version::MAX_DIGITS`] digits. Versions compare as integers, so leading
/// zeros do not make two versions differ. The history table stores them in a `numeric` column.
///
/// ```
/// use migrate_core::Version;
///
/// let v: Version = "00000000000000000000123".parse().unwrap();
/// assert_eq!(v, Version::new(123));
/// assert_eq!(v.to_string(), "123");
/// assert!("20251018143000123456".parse::<Version>().unwrap() > Version::from(20251018143000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Version(u128);

impl Version {
    /// The most significant digits a version may have (after leading zeros): every such number
    /// fits `numeric(38, 0)` and `u128`.
    pub const MAX_DIGITS: usize = 38;

    /// The version with this number.
    pub const fn new(number: u128) -> Self {
        Self(number)
    }

    /// The number.
    pub const fn get(self) -> u128 {
        self.0
    }
}

impl From<u64> for Version {
    fn from(number: u64) -> Self {
        Self(u128::from(number))
    }
}

impl PartialEq<u64> for Version {
    fn eq(&self, other: &u64) -> bool {
        self.0 == u128::from(*other)
    }
}

impl From<Version> for u128 {
    fn from(version: Version) -> Self {
        version.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Why a text is not a [`Version`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseVersionError {
    /// The text is empty or holds something other than ASCII digits.
    NotDigits,
    /// More than [`Version::MAX_DIGITS`] digits after the leading zeros.
    TooLong,
}

impl fmt::Display for ParseVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseVersionError::NotDigits => f.write_str("a version is one or more ASCII digits"),
            ParseVersionError::TooLong => write!(
                f,
                "a version has at most {} digits (leading zeros aside)",
                Version::MAX_DIGITS
            ),
        }
    }
}

impl std::error::Error for ParseVersionError {}

impl FromStr for Version {
    type Err = ParseVersionError;

    /// Reads ASCII digits (leading zeros allowed, no sign, no spaces).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseVersionError::NotDigits);
        }
        let significant = text.trim_start_matches('0');
        if significant.len() > Self::MAX_DIGITS {
            return Err(ParseVersionError::TooLong);
        }
        Ok(Self(significant.parse().unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_digits_of_any_length_up_to_38_and_compares_as_integers() {
        assert_eq!("0".parse(), Ok(Version::new(0)));
        assert_eq!("000".parse(), Ok(Version::new(0)));
        assert_eq!("001".parse::<Version>(), "1".parse());
        let long: Version = "12345678901234567890123456789012345678".parse().unwrap();
        assert_eq!(long.to_string(), "12345678901234567890123456789012345678");
        assert!(long > Version::from(u64::MAX));
        assert_eq!(
            "123456789012345678901234567890123456789".parse::<Version>(),
            Err(ParseVersionError::TooLong)
        );
        for bad in ["", "-1", "+1", "1 ", "1_000", "١٢"] {
            assert_eq!(
                bad.parse::<Version>(),
                Err(ParseVersionError::NotDigits),
                "{bad}"
            );
        }
        assert!(Version::new(9) < Version::new(10));
    }
}
