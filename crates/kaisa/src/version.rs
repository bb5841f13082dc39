//! The API version, which is a path segment: `https://api.analytics.freespee.com/2.4.9/`.

use std::borrow::Cow;
use std::fmt;

use oauth_core::ConfigError;

/// The version of Kaisa's REST API, the first path segment after the host.
///
/// Kaisa's clients use dotted versions (`2.4.9`, the default). Kaisa also has a REST v3,
/// but no public page shows its path segment: the OAuth2 page writes
/// `https://api.analytics.freespee.com/version/customers`, and the introduction says
/// the version is handed out with the access details. [`ApiVersion::V3`] is the segment
/// `v3`, a guess: prefer the segment Kaisa gives you ([`ApiVersion::custom`], a string,
/// or `KAISA_API_VERSION`).
///
/// ```
/// use kaisa::ApiVersion;
///
/// assert_eq!(ApiVersion::default(), ApiVersion::V2_4_9);
/// assert_eq!(ApiVersion::custom("2.5.0").as_str(), "2.5.0");
/// assert_eq!(ApiVersion::from("v3"), ApiVersion::V3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiVersion(Cow<'static, str>);

impl ApiVersion {
    /// `2.4.9`, the version Kaisa's own clients call (the default).
    pub const V2_4_9: ApiVersion = ApiVersion(Cow::Borrowed("2.4.9"));
    /// `v3`: this crate's guess at REST v3's segment (Kaisa does not publish it).
    pub const V3: ApiVersion = ApiVersion(Cow::Borrowed("v3"));

    /// Any version segment (checked when the client is built).
    pub fn custom(version: impl Into<String>) -> Self {
        Self(Cow::Owned(version.into()))
    }

    /// The path segment.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A version must be one plain path segment: letters, digits, `.`, `-`, `_`.
    pub(crate) fn check(&self, field: &'static str) -> Result<(), ConfigError> {
        let v = self.as_str();
        let ok = !v.is_empty()
            && v != "."
            && v != ".."
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if ok {
            Ok(())
        } else {
            Err(ConfigError::new(
                field,
                format!("`{v}` is not an API version such as 2.4.9 or v3"),
            ))
        }
    }
}

impl Default for ApiVersion {
    fn default() -> Self {
        Self::V2_4_9
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ApiVersion {
    fn from(version: &str) -> Self {
        Self(Cow::Owned(version.trim().to_owned()))
    }
}

impl From<String> for ApiVersion {
    fn from(version: String) -> Self {
        Self::from(version.as_str())
    }
}

impl AsRef<str> for ApiVersion {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_single_segments() {
        for ok in ["2.4.9", "v3", "2.5.0-beta", "2"] {
            assert!(ApiVersion::from(ok).check("api_version").is_ok(), "{ok}");
        }
        for bad in ["", "..", "2.4.9/customers", "v3?x", "2 4"] {
            assert!(ApiVersion::from(bad).check("api_version").is_err(), "{bad}");
        }
    }
}
