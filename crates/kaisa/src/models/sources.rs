//! Sources: the tracking numbers of a customer.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient::{one_or_many, opt_bool, opt_from_string, opt_string};

use super::datetime::{opt_datetime, KaisaDateTime};
use super::ids::{CustomerId, SourceId};

/// The life-cycle state of a source, as documented, with an `Unknown` fallback.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceStatus {
    /// In use.
    Active,
    /// Not active yet.
    Upcoming,
    /// Reserved.
    Reserved,
    /// Taken out of use, waiting before reuse.
    Quarantined,
    /// Archived.
    Archived,
    /// Extended.
    Extended,
    /// A status this crate does not know, as sent.
    Unknown(String),
}

const STATUSES: [(&str, SourceStatus); 6] = [
    ("active", SourceStatus::Active),
    ("upcoming", SourceStatus::Upcoming),
    ("reserved", SourceStatus::Reserved),
    ("quarantined", SourceStatus::Quarantined),
    ("archived", SourceStatus::Archived),
    ("extended", SourceStatus::Extended),
];

impl SourceStatus {
    /// The status as Kaisa writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unknown(other) => other,
            known => STATUSES
                .iter()
                .find(|(_, s)| s == known)
                .map_or("", |(text, _)| text),
        }
    }
}

/// Case-insensitive; anything else becomes `Unknown`.
impl From<&str> for SourceStatus {
    fn from(text: &str) -> Self {
        STATUSES
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(text.trim()))
            .map_or_else(|| Self::Unknown(text.to_owned()), |(_, s)| s.clone())
    }
}

vendor_core::text_enum_impls!(SourceStatus);

/// A source (tracking number), as `sources` returns it. Numbers and flags may come as
/// strings; empty strings and zero dates read as absent; unknown fields stay in
/// [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Source {
    /// The source's id.
    pub source_id: SourceId,
    /// Name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Email notified about calls.
    #[serde(default, deserialize_with = "opt_string")]
    pub email: Option<String>,
    /// Number notified by SMS.
    #[serde(default, deserialize_with = "opt_string")]
    pub smsnumber: Option<String>,
    /// The medium the number is published in.
    #[serde(default, deserialize_with = "opt_string")]
    pub media: Option<String>,
    /// Owning customer.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub customer_id: Option<CustomerId>,
    /// Campaign.
    #[serde(default, deserialize_with = "opt_string")]
    pub campaign_id: Option<String>,
    /// The tracking number.
    #[serde(default, deserialize_with = "opt_string")]
    pub phonenr: Option<String>,
    /// Where calls are forwarded.
    #[serde(default, deserialize_with = "opt_string")]
    pub destnr: Option<String>,
    /// Timestamp (UTC).
    #[serde(default, deserialize_with = "opt_datetime")]
    pub timestamp: Option<KaisaDateTime>,
    /// When the source expires.
    #[serde(default, deserialize_with = "opt_datetime")]
    pub expire: Option<KaisaDateTime>,
    /// When the source was created.
    #[serde(default, deserialize_with = "opt_datetime")]
    pub created: Option<KaisaDateTime>,
    /// When the source was last changed.
    #[serde(default, deserialize_with = "opt_datetime")]
    pub modified: Option<KaisaDateTime>,
    /// Class (`static`, `dynamic`, ...).
    #[serde(default, deserialize_with = "opt_string")]
    pub class: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<SourceStatus>,
    /// Voicemail greeting.
    #[serde(default, deserialize_with = "opt_string")]
    pub vm_greeting_id: Option<String>,
    /// Whether missed calls are notified.
    #[serde(default, deserialize_with = "opt_bool")]
    pub notify_on_missed_call: Option<bool>,
    /// Alternative numbers, as sent (their shape is not documented).
    #[serde(default, deserialize_with = "one_or_many")]
    pub alt_numbers: Vec<Value>,
    /// Fields this crate does not model (`vm_divert_*`, ...), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"sources":[...]}`.
#[derive(Deserialize)]
pub(crate) struct SourcesEnvelope {
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) sources: Vec<Source>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(SourceStatus::from("Quarantined"), SourceStatus::Quarantined);
        assert_eq!(SourceStatus::Extended.as_str(), "extended");
        assert_eq!(
            SourceStatus::from("ported"),
            SourceStatus::Unknown("ported".into())
        );
        assert_eq!(SourceStatus::Unknown("ported".into()).to_string(), "ported");
        for (text, status) in &STATUSES {
            assert_eq!(&SourceStatus::from(*text), status);
            assert_eq!(status.as_str(), *text);
        }
    }
}
