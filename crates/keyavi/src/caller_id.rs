//! The `x-api-caller-id` of application mode.

use std::fmt;
use std::str::FromStr;

use oauth_core::ConfigError;

/// The email address of the person an application acts for, sent as
/// `x-api-caller-id` on every call in application mode (Keyavi requires it there).
///
/// Checked when made: exactly one `@`, a non-empty local part, a domain with a dot
/// (not at either end, no empty label), and no whitespace or control characters.
///
/// ```
/// use keyavi::CallerId;
///
/// let id = CallerId::parse("ops@example.com")?;
/// assert_eq!(id.as_str(), "ops@example.com");
/// assert!(CallerId::parse("ops").is_err());
/// assert!(CallerId::parse("ops@localhost").is_err());
/// # Ok::<(), oauth_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallerId(String);

impl CallerId {
    /// Checks and wraps an email address.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for `caller_id` saying what is wrong with the address.
    pub fn parse(email: impl AsRef<str>) -> Result<Self, ConfigError> {
        Self::parse_as(email.as_ref(), "caller_id")
    }

    /// Like [`CallerId::parse`], reporting errors under `field` (an environment variable).
    pub(crate) fn parse_as(email: &str, field: &'static str) -> Result<Self, ConfigError> {
        let email = email.trim();
        let fail = |problem: &str| {
            ConfigError::new(
                field,
                format!("`{email}` is not an email address: {problem}"),
            )
        };
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail("it contains whitespace or control characters"));
        }
        let mut parts = email.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(fail("it needs exactly one `@`"));
        };
        if local.is_empty() {
            return Err(fail("nothing before the `@`"));
        }
        if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return Err(fail("the domain needs a dot, like example.com"));
        }
        Ok(Self(email.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CallerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CallerId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CallerId {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for CallerId {
    type Error = ConfigError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CallerId {
    type Error = ConfigError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_addresses() {
        for ok in [
            "ops@example.com",
            "a.b+c@mail.example.co.uk",
            " ops@example.com ",
        ] {
            assert!(CallerId::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "ops",
            "@example.com",
            "ops@",
            "ops@example",
            "ops@@example.com",
            "a@b@example.com",
            "ops@.example.com",
            "ops@example.com.",
            "ops@exa..mple.com",
            "o ps@example.com",
            "ops@exa\tmple.com",
            "ops@example.com\r\nx: y",
        ] {
            let e = CallerId::parse(bad).unwrap_err();
            assert_eq!(e.field(), "caller_id", "{bad}");
        }
    }
}
