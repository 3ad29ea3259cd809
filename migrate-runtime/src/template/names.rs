//! The names of template and build databases, and the checks of the names given. Pure.

use super::constants::{MAX_NAME_LEN, MAX_PREFIX_LEN};
use super::{Fingerprint, TemplateError};

pub(crate) fn check_prefix(prefix: &str) -> Result<(), TemplateError> {
    let valid = (1..=MAX_PREFIX_LEN).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(TemplateError::InvalidPrefix {
            prefix: prefix.to_owned(),
        })
    }
}

/// A name given for a new database: any text PostgreSQL keeps as it is (it is quoted).
pub(crate) fn check_name(name: &str) -> Result<(), TemplateError> {
    if (1..=MAX_NAME_LEN).contains(&name.len()) && !name.contains('\0') {
        Ok(())
    } else {
        Err(TemplateError::InvalidName {
            name: name.to_owned(),
        })
    }
}

pub(crate) fn template_name(prefix: &str, fingerprint: Fingerprint) -> String {
    format!("{prefix}_{fingerprint}")
}

pub(crate) fn build_name(template: &str) -> String {
    format!("{template}_build")
}

/// Whether `name` is a template of `prefix` (`<prefix>_<16 hex digits>`) other than `current`.
pub(crate) fn is_stale_template(prefix: &str, current: &str, name: &str) -> bool {
    let fingerprint = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'));
    name != current
        && fingerprint.is_some_and(|f| {
            f.len() == 16
                && f.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let fp = Fingerprint(0xab);
        assert_eq!(template_name("migrate", fp), "migrate_00000000000000ab");
        assert_eq!(
            build_name("migrate_00000000000000ab"),
            "migrate_00000000000000ab_build"
        );
        let longest = build_name(&template_name(&"p".repeat(MAX_PREFIX_LEN), fp));
        assert!(longest.len() <= MAX_NAME_LEN, "{longest}");
        assert!(check_prefix("my_app2").is_ok());
        for bad in ["", "My", "a-b", "a\"b", &"p".repeat(MAX_PREFIX_LEN + 1)] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn database_names() {
        for good in ["t", "Tenant \"Acme\"; -- é", &"n".repeat(MAX_NAME_LEN)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        // 63 bytes, not characters: 32 two-byte characters are 64 bytes.
        for bad in ["", "a\0b", &"n".repeat(MAX_NAME_LEN + 1), &"é".repeat(32)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stale_templates() {
        let current = "migrate_00000000000000ab";
        assert!(is_stale_template(
            "migrate",
            current,
            "migrate_00000000000000ff"
        ));
        assert!(!is_stale_template("migrate", current, current));
        assert!(!is_stale_template(
            "migrate",
            current,
            "other_00000000000000ff"
        ));
        assert!(!is_stale_template(
            "migrate",
            current,
            "migrate_00000000000000ff_build"
        ));
        assert!(!is_stale_template("migrate", current, "migrate_test_1_2_3"));
        assert!(!is_stale_template("migrate", current, "template1"));
        // The tenants' default prefix and the tests' never take each other's templates.
        assert!(!is_stale_template(
            "migrate",
            current,
            "migrate_tenant_00000000000000ff"
        ));
    }
}
