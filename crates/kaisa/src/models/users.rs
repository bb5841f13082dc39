//! Users (`users`): the people who log in to Kaisa for a customer.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use vendor_core::kit::lenient::{opt_bool, opt_from_string, opt_string, opt_u64};

use super::ids::CustomerId;

/// A user's activation token: a secret until the user is activated. Its `Debug` and
/// its serialization are redacted; [`expose`](Self::expose) gives the value.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationToken(String);

impl ActivationToken {
    /// The token itself, to build the activation link the user is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ActivationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationToken([redacted])")
    }
}

/// Written as `"[redacted]"`, so that printing a user never shows the token.
impl Serialize for ActivationToken {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[redacted]")
    }
}

fn opt_token<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ActivationToken>, D::Error> {
    Ok(opt_string(d)?.map(ActivationToken))
}

/// A user, as `users` returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct User {
    /// The user's id.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub user_id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Whether the user may change things.
    #[serde(default, deserialize_with = "opt_bool")]
    pub write_access: Option<bool>,
    /// Monthly report: 0 none, 1 extended, 2 short.
    #[serde(default, deserialize_with = "opt_u64")]
    pub receive_monthly_report: Option<u64>,
    /// The customer the user belongs to.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub customer_id: Option<CustomerId>,
    /// The activation token; `None` once the user is activated.
    #[serde(default, deserialize_with = "opt_token")]
    pub token: Option<ActivationToken>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// Whether the user has activated the account (no token pending).
    pub fn is_activated(&self) -> bool {
        self.token.is_none()
    }
}

/// Longest user email Kaisa accepts, in characters.
pub const MAX_USER_EMAIL_CHARS: usize = 60;

/// A user to create (`email` and `customer_id` required) or the changes to one
/// (only what is set is sent).
///
/// ```
/// use kaisa::UserFields;
///
/// let new = UserFields::new().name("Eva Ek").write_access(true).receive_monthly_report(2);
/// assert_eq!(new.write_access, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserFields {
    /// Name.
    pub name: Option<String>,
    /// Write access.
    pub write_access: Option<bool>,
    /// Monthly report: 0 none, 1 extended, 2 short.
    pub receive_monthly_report: Option<u8>,
}

impl UserFields {
    /// Nothing set yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Name (`name=`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Write access (`write_access=1` or `0`).
    #[must_use]
    pub fn write_access(mut self, write: bool) -> Self {
        self.write_access = Some(write);
        self
    }

    /// Monthly report, 0, 1 or 2 (`receive_monthly_report=`; checked when sent).
    #[must_use]
    pub fn receive_monthly_report(mut self, setting: u8) -> Self {
        self.receive_monthly_report = Some(setting);
        self
    }

    pub(crate) fn check(&self) -> crate::Result<()> {
        match self.receive_monthly_report {
            Some(setting) if setting > 2 => Err(crate::Error::invalid(
                "receive_monthly_report",
                format!("{setting} is not 0, 1 or 2"),
            )),
            _ => Ok(()),
        }
    }

    /// The url-encoded pairs, after `first`.
    pub(crate) fn pairs<'a>(&'a self, first: Vec<(&'a str, String)>) -> Vec<(&'a str, String)> {
        let mut pairs = first;
        if let Some(name) = &self.name {
            pairs.push(("name", name.clone()));
        }
        if let Some(write) = self.write_access {
            pairs.push(("write_access", if write { "1" } else { "0" }.to_owned()));
        }
        if let Some(setting) = self.receive_monthly_report {
            pairs.push(("receive_monthly_report", setting.to_string()));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_shows() {
        let user: User = serde_json::from_value(serde_json::json!({
            "user_id": "77", "token": "act-3f9a-secret", "write_access": "1"
        }))
        .unwrap();
        assert_eq!(
            user.token.as_ref().map(ActivationToken::expose),
            Some("act-3f9a-secret")
        );
        assert!(!format!("{user:?}").contains("act-3f9a"));
        assert!(!serde_json::to_string(&user).unwrap().contains("act-3f9a"));
        assert!(!user.is_activated());
    }
}
