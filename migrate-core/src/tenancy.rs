//! [`Tenancy`]: what one tenant of a fleet is.

use std::fmt;
use std::str::FromStr;

/// How one migration set is applied to a fleet of tenants (`tenancy` in `migrate.toml`, the
/// fleet file's `tenancy`, `migrate apply --fleet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tenancy {
    /// `"schema"`: a schema per tenant; each migration runs with `SET LOCAL search_path` to it,
    /// so a name qualified with another schema escapes the tenant (rule `escapes-tenant`).
    Schema,
    /// `"database"`: a database per tenant; every schema of it is the tenant's.
    Database,
}

impl Tenancy {
    /// Every tenancy, in the order messages list them.
    pub const ALL: [Tenancy; 2] = [Tenancy::Schema, Tenancy::Database];

    /// `schema` or `database`, as `migrate.toml` and the fleet file write it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Tenancy::Schema => "schema",
            Tenancy::Database => "database",
        }
    }
}

impl fmt::Display for Tenancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no [`Tenancy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTenancyError;

impl fmt::Display for ParseTenancyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tenancy is \"schema\" or \"database\"")
    }
}

impl std::error::Error for ParseTenancyError {}

impl FromStr for Tenancy {
    type Err = ParseTenancyError;

    /// `schema` or `database`, exactly.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Tenancy::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or(ParseTenancyError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes() {
        for tenancy in Tenancy::ALL {
            assert_eq!(tenancy.to_string().parse(), Ok(tenancy));
        }
        assert_eq!("Schema".parse::<Tenancy>(), Err(ParseTenancyError));
    }
}
