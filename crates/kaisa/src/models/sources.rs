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

/// `{"sources":[<one>]}`: the answer of a create.
pub(crate) struct OneSource(pub(crate) Source);

impl<'de> Deserialize<'de> for OneSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SourcesEnvelope::deserialize(d)?
            .sources
            .into_iter()
            .next()
            .map(OneSource)
            .ok_or_else(|| serde::de::Error::custom("`sources` holds no source"))
    }
}

/// The typed parameters of [`NewSource`]; [`NewSource::param`] may not repeat them.
const TYPED_SOURCE_PARAMS: [&str; 4] = ["customer_id", "name", "media", "phonenr"];

/// A source to create: `customer_id` and `name` as Kaisa's getting-started example
/// sends them, with the optional `media` and `phonenr`. Kaisa's sources page lists
/// further parameters (an activation date, `reserve_number`, ...) whose exact names
/// this crate cannot confirm: pass them with [`param`](Self::param).
///
/// ```
/// use kaisa::NewSource;
///
/// let source = NewSource::new("407390", "AdWords")
///     .media("Google.com")
///     .phonenr("0890510")
///     .param("destnr", "+4612345678");
/// assert_eq!(source.name, "AdWords");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewSource {
    /// The customer the number is for.
    pub customer_id: CustomerId,
    /// The source's name.
    pub name: String,
    /// The medium the number is published in (`Google.com`, `Print`, ...).
    pub media: Option<String>,
    /// The number the source is for, as Kaisa's example sends it (`0890510`).
    pub phonenr: Option<String>,
    /// Further parameters, sent as given, in this order.
    pub params: Vec<(String, String)>,
}

impl NewSource {
    /// A source with its two required fields.
    pub fn new(customer_id: impl Into<CustomerId>, name: impl Into<String>) -> Self {
        Self {
            customer_id: customer_id.into(),
            name: name.into(),
            media: None,
            phonenr: None,
            params: Vec::new(),
        }
    }

    /// The medium (`media=`).
    #[must_use]
    pub fn media(mut self, media: impl Into<String>) -> Self {
        self.media = Some(media.into());
        self
    }

    /// The number (`phonenr=`).
    #[must_use]
    pub fn phonenr(mut self, phonenr: impl Into<String>) -> Self {
        self.phonenr = Some(phonenr.into());
        self
    }

    /// Any other parameter Kaisa documents for `POST sources`, sent as
    /// `key=value` (checked when sent: not empty, not one of the typed ones).
    #[must_use]
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((key.into(), value.into()));
        self
    }

    pub(crate) fn check(&self) -> crate::Result<()> {
        if self.customer_id.as_str().trim().is_empty() {
            return Err(crate::Error::invalid("customer_id", "must not be empty"));
        }
        if self.name.trim().is_empty() {
            return Err(crate::Error::invalid("name", "must not be empty"));
        }
        for (key, _) in &self.params {
            if key.trim().is_empty() {
                return Err(crate::Error::invalid("param", "a parameter name is empty"));
            }
            if TYPED_SOURCE_PARAMS.contains(&key.as_str()) {
                return Err(crate::Error::invalid(
                    "param",
                    format!("`{key}` has its own setter on NewSource"),
                ));
            }
        }
        Ok(())
    }
}

/// Serializes to the url-encoded parameters Kaisa expects.
impl Serialize for NewSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("customer_id", self.customer_id.as_str())?;
        map.serialize_entry("name", &self.name)?;
        if let Some(media) = &self.media {
            map.serialize_entry("media", media)?;
        }
        if let Some(phonenr) = &self.phonenr {
            map.serialize_entry("phonenr", phonenr)?;
        }
        for (key, value) in &self.params {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A source's service status, as `sources/statuses` returns it: only sources with a
/// problem are listed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SourceServiceStatus {
    /// The source.
    pub source_id: SourceId,
    /// The service status, usually `OOS` (out of service).
    #[serde(default, deserialize_with = "opt_string")]
    pub service: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The statuses, from `{"statuses":[...]}` (the key is ours: Kaisa's page shows
/// none), any other single-list envelope, or a bare array; `[]`, `{}` and `null` are
/// no statuses.
pub(crate) struct StatusesEnvelope(pub(crate) Vec<SourceServiceStatus>);

impl<'de> Deserialize<'de> for StatusesEnvelope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = match Value::deserialize(d)? {
            Value::Array(items) => Value::Array(items),
            Value::Object(mut map) => match map.remove("statuses") {
                Some(list) => list,
                None => map
                    .into_iter()
                    .map(|(_, v)| v)
                    .find(Value::is_array)
                    .unwrap_or(Value::Array(Vec::new())),
            },
            Value::Null => Value::Array(Vec::new()),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a list of source statuses, found {other}"
                )))
            }
        };
        serde_json::from_value(list)
            .map(StatusesEnvelope)
            .map_err(serde::de::Error::custom)
    }
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
