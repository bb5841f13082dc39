//! Audit logs: `logs/payload` (no personal data) and `logs/full-payload` (with it).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient::{opt_from_str, opt_from_string, opt_string, opt_u64};

use super::ids::{PayloadId, UserId};
use super::timestamp::LocalTimestamp;

/// Declares a vendor enum read from and written as text, with an `Unknown` fallback
/// so that a value Keyavi adds later still decodes.
macro_rules! text_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $text:literal ),* $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
            /// A value this crate does not know, as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as Keyavi writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Unknown(other) => other,
                }
            }
        }

        /// Case-insensitive; anything else becomes `Unknown`.
        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $( if text.eq_ignore_ascii_case($text) { return Self::$variant; } )*
                Self::Unknown(text.to_owned())
            }
        }

        vendor_core::text_enum_impls!($name);
    };
}

text_enum! {
    /// What the user tried to do (`actionAttempted`). `Decrypt` and `Audit` appear in
    /// Keyavi's documentation; `Protect` and `Share` are the other actions the local
    /// sandbox logs (ours).
    ActionAttempted {
        /// Opening (decrypting) a payload.
        Decrypt = "Decrypt",
        /// An audit action, such as revoking access.
        Audit = "Audit",
        /// Protecting a file.
        Protect = "Protect",
        /// Sharing a payload.
        Share = "Share",
    }
}

text_enum! {
    /// The outcome of the action (`result`), as documented by Keyavi.
    LogResult {
        /// The action was allowed.
        Success = "Success",
        /// The action was refused.
        AccessDenied = "AccessDenied",
        /// Access was revoked.
        RevokeAccess = "RevokeAccess",
    }
}

text_enum! {
    /// A field log records are sorted by (`sort=`). `LogTimestamp` is the one
    /// Keyavi's own log export sorts by (`sort=+LogTimestamp`); any other name is sent
    /// as given.
    LogSortField {
        /// When the record was logged.
        LogTimestamp = "LogTimestamp",
    }
}

/// The order of log records: a field and a direction, written `+Field` (ascending,
/// as Keyavi's own log export writes it) or `-Field` (descending: ours, by the same
/// convention; the reference publishes no sort syntax).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogSort {
    field: LogSortField,
    descending: bool,
}

impl LogSort {
    /// Ascending by `field`: `+Field`.
    pub fn ascending(field: impl Into<LogSortField>) -> Self {
        Self {
            field: field.into(),
            descending: false,
        }
    }

    /// Descending by `field`: `-Field`.
    pub fn descending(field: impl Into<LogSortField>) -> Self {
        Self {
            field: field.into(),
            descending: true,
        }
    }

    /// Oldest records first: `+LogTimestamp`.
    pub fn oldest_first() -> Self {
        Self::ascending(LogSortField::LogTimestamp)
    }

    /// Newest records first: `-LogTimestamp`.
    pub fn newest_first() -> Self {
        Self::descending(LogSortField::LogTimestamp)
    }

    /// The field sorted by.
    pub fn field(&self) -> &LogSortField {
        &self.field
    }

    /// Whether the order is descending.
    pub fn is_descending(&self) -> bool {
        self.descending
    }
}

/// `+Field`, `-Field` or a bare `Field` (ascending); the field's name in any case.
impl From<&str> for LogSort {
    fn from(text: &str) -> Self {
        let text = text.trim();
        match text.strip_prefix('-') {
            Some(field) => Self::descending(field.trim()),
            None => Self::ascending(text.strip_prefix('+').unwrap_or(text).trim()),
        }
    }
}

/// As sent: `+Field` or `-Field`.
impl fmt::Display for LogSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.descending { '-' } else { '+' };
        write!(f, "{sign}{}", self.field.as_str())
    }
}

/// The `pagination` object of a log page. Counts are numbers or numeric strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Pagination {
    /// Records matching the filters, over all pages.
    #[serde(default, deserialize_with = "opt_u64")]
    pub total_records: Option<u64>,
    /// Records per page.
    #[serde(default, deserialize_with = "opt_u64")]
    pub page_size: Option<u64>,
    /// Records on this page.
    #[serde(default, deserialize_with = "opt_u64")]
    pub items_in_page: Option<u64>,
    /// This page's number, from 1.
    #[serde(default, deserialize_with = "opt_u64")]
    pub page: Option<u64>,
}

impl Pagination {
    /// Number of pages, when the total and the page size are known.
    pub fn total_pages(&self) -> Option<u64> {
        match (self.total_records, self.page_size) {
            (Some(total), Some(size)) if size > 0 => Some(total.div_ceil(size)),
            _ => None,
        }
    }
}

/// One page of audit log records: `{pagination, data}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct LogPage<T> {
    /// Where this page stands.
    #[serde(default)]
    pub pagination: Pagination,
    /// The records.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
}

/// A record of `logs/payload`: what happened to a payload, without personal data.
///
/// Field names follow Keyavi's documented example; unknown fields are kept in
/// [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PayloadLog {
    /// The log record's id.
    #[serde(default, deserialize_with = "opt_u64")]
    pub log_id: Option<u64>,
    /// Who attempted the action.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub user_id: Option<UserId>,
    /// The payload acted on.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub payload_id: Option<PayloadId>,
    /// The payload's name.
    #[serde(default, deserialize_with = "opt_string")]
    pub payload_name: Option<String>,
    /// The payload's current owner.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub current_payload_owner_id: Option<UserId>,
    /// What was attempted.
    #[serde(default)]
    pub action_attempted: Option<ActionAttempted>,
    /// The outcome.
    #[serde(default)]
    pub result: Option<LogResult>,
    /// Why (`UserPayloadNoAccess`, ...).
    #[serde(default, deserialize_with = "opt_string")]
    pub result_reason: Option<String>,
    /// When (no offset: see [`LocalTimestamp`]).
    #[serde(default, deserialize_with = "opt_from_str")]
    pub log_timestamp: Option<LocalTimestamp>,
    /// The user's object id at the identity provider (`oId`, as Keyavi's own log
    /// export reads it).
    #[serde(default, deserialize_with = "opt_string")]
    pub o_id: Option<String>,
    /// The identity provider's name (`oIdProviderName`).
    #[serde(default, deserialize_with = "opt_string")]
    pub o_id_provider_name: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A record of `logs/full-payload`: a [`PayloadLog`] plus the personal data
/// (names, email addresses, the user's network).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FullPayloadLog {
    /// The log record's id.
    #[serde(default, deserialize_with = "opt_u64")]
    pub log_id: Option<u64>,
    /// Who attempted the action.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub user_id: Option<UserId>,
    /// The user's name, `Last, First`.
    #[serde(default, deserialize_with = "opt_string")]
    pub user_last_name_first_name: Option<String>,
    /// The user's email address.
    #[serde(default, deserialize_with = "opt_string")]
    pub user_email_address: Option<String>,
    /// The payload acted on.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub payload_id: Option<PayloadId>,
    /// The payload's name.
    #[serde(default, deserialize_with = "opt_string")]
    pub payload_name: Option<String>,
    /// The payload's current owner.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub current_payload_owner_id: Option<UserId>,
    /// The owner's name, `Last, First`.
    #[serde(default, deserialize_with = "opt_string")]
    pub current_owner_last_name_first_name: Option<String>,
    /// The owner's email address.
    #[serde(default, deserialize_with = "opt_string")]
    pub current_owner_email_address: Option<String>,
    /// What was attempted.
    #[serde(default)]
    pub action_attempted: Option<ActionAttempted>,
    /// The outcome.
    #[serde(default)]
    pub result: Option<LogResult>,
    /// Why (`UserPayloadNoAccess`, ...).
    #[serde(default, deserialize_with = "opt_string")]
    pub result_reason: Option<String>,
    /// When (no offset: see [`LocalTimestamp`]).
    #[serde(default, deserialize_with = "opt_from_str")]
    pub log_timestamp: Option<LocalTimestamp>,
    /// The user's object id at the identity provider (`oId`, as Keyavi's own log
    /// export reads it).
    #[serde(default, deserialize_with = "opt_string")]
    pub o_id: Option<String>,
    /// The identity provider's name (`oIdProviderName`).
    #[serde(default, deserialize_with = "opt_string")]
    pub o_id_provider_name: Option<String>,
    /// Where the user was.
    #[serde(default)]
    pub user_network: Option<UserNetwork>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UserNetwork {
    /// [`lat_long`](Self::lat_long) as degrees (latitude, longitude), when it is two
    /// numbers separated by a comma and within range.
    pub fn lat_long_degrees(&self) -> Option<(f64, f64)> {
        let (lat, long) = self.lat_long.as_deref()?.split_once(',')?;
        let lat: f64 = lat.trim().parse().ok()?;
        let long: f64 = long.trim().parse().ok()?;
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&long)).then_some((lat, long))
    }
}

/// The network and device of the user in a [`FullPayloadLog`], with every field of
/// Keyavi's reference example.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserNetwork {
    /// IP address.
    #[serde(default, deserialize_with = "opt_string")]
    pub ip_address: Option<String>,
    /// Network name.
    #[serde(default, deserialize_with = "opt_string")]
    pub network_name: Option<String>,
    /// Network id.
    #[serde(default, deserialize_with = "opt_string")]
    pub network_id: Option<String>,
    /// Domain name.
    #[serde(default, deserialize_with = "opt_string")]
    pub domain_name: Option<String>,
    /// Device type (`Desktop`, `Mobile`, ...).
    #[serde(default, deserialize_with = "opt_string")]
    pub device_type: Option<String>,
    /// Machine name.
    #[serde(default, deserialize_with = "opt_string")]
    pub machine_name: Option<String>,
    /// MAC address.
    #[serde(default, deserialize_with = "opt_string")]
    pub mac: Option<String>,
    /// The device's UUID.
    #[serde(default, deserialize_with = "opt_string")]
    pub uuid: Option<String>,
    /// The network's service provider.
    #[serde(default, deserialize_with = "opt_string")]
    pub service_provider: Option<String>,
    /// Latitude and longitude, `"84.9183,-09.7229"` as Keyavi writes them (see
    /// [`lat_long_degrees`](Self::lat_long_degrees)).
    #[serde(default, deserialize_with = "opt_string")]
    pub lat_long: Option<String>,
    /// The street address the location resolves to.
    #[serde(default, deserialize_with = "opt_string")]
    pub address: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_fall_back_to_unknown() {
        assert_eq!(ActionAttempted::from("decrypt"), ActionAttempted::Decrypt);
        assert_eq!(
            ActionAttempted::from("Rename"),
            ActionAttempted::Unknown("Rename".into())
        );
        let r: LogResult = serde_json::from_str(r#""Expired""#).unwrap();
        assert_eq!(r.as_str(), "Expired");
        assert_eq!(
            serde_json::to_string(&LogResult::AccessDenied).unwrap(),
            r#""AccessDenied""#
        );
    }

    #[test]
    fn sorts_are_written_with_a_sign() {
        assert_eq!(LogSort::oldest_first().to_string(), "+LogTimestamp");
        assert_eq!(LogSort::newest_first().to_string(), "-LogTimestamp");
        assert_eq!(LogSort::from("-logtimestamp"), LogSort::newest_first());
        assert_eq!(LogSort::from("LogTimestamp"), LogSort::oldest_first());
        assert_eq!(LogSort::from(" +LogId ").to_string(), "+LogId");
        assert!(LogSort::from("-PayloadName").is_descending());
    }

    #[test]
    fn lat_long_reads_as_degrees() {
        let mut n = UserNetwork {
            lat_long: Some("84.9183,-09.7229".into()),
            ..UserNetwork::default()
        };
        assert_eq!(n.lat_long_degrees(), Some((84.9183, -9.7229)));
        n.lat_long = Some("95,0".into());
        assert_eq!(n.lat_long_degrees(), None);
        n.lat_long = Some("somewhere".into());
        assert_eq!(n.lat_long_degrees(), None);
    }

    #[test]
    fn total_pages_rounds_up() {
        let p: Pagination = serde_json::from_str(
            r#"{"totalRecords":"45","pageSize":20,"itemsInPage":20,"page":1}"#,
        )
        .unwrap();
        assert_eq!(p.total_pages(), Some(3));
        assert_eq!(Pagination::default().total_pages(), None);
    }
}
