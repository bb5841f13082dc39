//! OKQ8's OAuth access levels.

use std::fmt;
use std::str::FromStr;

use oauth_core::ConfigError;

/// The access level a token is requested for, appended to the API's application id
/// URI: `api://apim-xxxxx-api/.default`, `.../get`, `.../post`, `.../put`,
/// `.../delete` (<https://developer.test.api.okq8.se/api-authentication>).
///
/// ```
/// use okq8::AccessLevel;
///
/// assert_eq!(AccessLevel::Get.scope_for("api://apim-core-api"), "api://apim-core-api/get");
/// assert_eq!(AccessLevel::Default.scope_for("api://apim-core-api/"), "api://apim-core-api/.default");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessLevel {
    /// Every level the application was granted (`/.default`).
    #[default]
    Default,
    /// Reading (`/get`).
    Get,
    /// Creating (`/post`).
    Post,
    /// Replacing (`/put`).
    Put,
    /// Deleting (`/delete`).
    Delete,
}

impl AccessLevel {
    /// Every level.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::Default,
        AccessLevel::Get,
        AccessLevel::Post,
        AccessLevel::Put,
        AccessLevel::Delete,
    ];

    /// The scope suffix (`.default`, `get`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Default => ".default",
            AccessLevel::Get => "get",
            AccessLevel::Post => "post",
            AccessLevel::Put => "put",
            AccessLevel::Delete => "delete",
        }
    }

    /// The scope for this level of the API `app_id_uri` (`api://apim-xxxxx-api`).
    pub fn scope_for(self, app_id_uri: &str) -> String {
        format!(
            "{}/{}",
            app_id_uri.trim().trim_end_matches('/'),
            self.as_str()
        )
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessLevel {
    type Err = ConfigError;

    /// `default` (or `.default`), `get`, `post`, `put`, `delete`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().trim_start_matches('.');
        AccessLevel::ALL
            .into_iter()
            .find(|l| {
                l.as_str()
                    .trim_start_matches('.')
                    .eq_ignore_ascii_case(wanted)
            })
            .ok_or_else(|| {
                ConfigError::new(
                    "access_level",
                    format!("`{s}` is not one of: default, get, post, put, delete"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_print_and_parse() {
        for level in AccessLevel::ALL {
            assert_eq!(level.to_string().parse::<AccessLevel>().unwrap(), level);
        }
        assert_eq!(
            "DEFAULT".parse::<AccessLevel>().unwrap(),
            AccessLevel::Default
        );
        assert_eq!(" post ".parse::<AccessLevel>().unwrap(), AccessLevel::Post);
        assert!("patch".parse::<AccessLevel>().is_err());
        assert_eq!(
            AccessLevel::Delete.scope_for(" api://apim-x-api// "),
            "api://apim-x-api/delete"
        );
    }
}
