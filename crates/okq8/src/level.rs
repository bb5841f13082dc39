//! OKQ8's OAuth access levels: app roles in the token, not scopes to request.

use std::fmt;
use std::str::FromStr;

use http::Method;
use oauth_core::ConfigError;

/// An access level of an OKQ8 API (`get`, `post`, `put`, `delete`,
/// <https://developer.test.api.okq8.se/api-authentication>).
///
/// With Azure AD v2 client credentials an application can only request
/// `{resource}/.default`; the levels it was granted arrive as app roles (`roles`) in
/// that token. So the levels are not requested: [`ClientBuilder::api`] asks for
/// `.default`, every call declares the level its HTTP method needs (a 403 then names
/// the missing role), and [`Client::access_levels`] reads those granted.
///
/// [`ClientBuilder::api`]: crate::ClientBuilder::api
/// [`Client::access_levels`]: crate::Client::access_levels
///
/// ```
/// use okq8::{AccessLevel, Method};
///
/// assert_eq!(AccessLevel::for_method(&Method::POST), Some(AccessLevel::Post));
/// assert_eq!(AccessLevel::Get.as_str(), "get");
/// assert_eq!("DELETE".parse::<AccessLevel>()?, AccessLevel::Delete);
/// # Ok::<(), oauth_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessLevel {
    /// Reading (`get`).
    Get,
    /// Creating (`post`).
    Post,
    /// Replacing (`put`).
    Put,
    /// Deleting (`delete`).
    Delete,
}

impl AccessLevel {
    /// Every level.
    pub const ALL: [AccessLevel; 4] = [
        AccessLevel::Get,
        AccessLevel::Post,
        AccessLevel::Put,
        AccessLevel::Delete,
    ];

    /// The app role's name (`get`, `post`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Get => "get",
            AccessLevel::Post => "post",
            AccessLevel::Put => "put",
            AccessLevel::Delete => "delete",
        }
    }

    /// The level a call with `method` needs (`HEAD` as `GET`; `None` for methods
    /// OKQ8 names no level for, such as `PATCH`).
    pub fn for_method(method: &Method) -> Option<AccessLevel> {
        match *method {
            Method::GET | Method::HEAD => Some(AccessLevel::Get),
            Method::POST => Some(AccessLevel::Post),
            Method::PUT => Some(AccessLevel::Put),
            Method::DELETE => Some(AccessLevel::Delete),
            _ => None,
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessLevel {
    type Err = ConfigError;

    /// `get`, `post`, `put`, `delete`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccessLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                ConfigError::new(
                    "access_level",
                    format!("`{s}` is not one of: get, post, put, delete"),
                )
            })
    }
}

/// The scope client credentials request for the API `app_id_uri`: its `.default`.
pub(crate) fn default_scope(app_id_uri: &str) -> String {
    format!("{}/.default", app_id_uri.trim().trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_print_parse_and_follow_the_method() {
        for level in AccessLevel::ALL {
            assert_eq!(level.to_string().parse::<AccessLevel>().unwrap(), level);
        }
        assert_eq!(" post ".parse::<AccessLevel>().unwrap(), AccessLevel::Post);
        assert!("patch".parse::<AccessLevel>().is_err());
        assert!(".default".parse::<AccessLevel>().is_err());
        assert_eq!(
            AccessLevel::for_method(&Method::HEAD),
            Some(AccessLevel::Get)
        );
        assert_eq!(AccessLevel::for_method(&Method::PATCH), None);
        assert_eq!(
            default_scope(" api://apim-x-api// "),
            "api://apim-x-api/.default"
        );
    }
}
