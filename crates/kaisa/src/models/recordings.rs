//! Call recordings (`recordings`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient::{one_or_many, opt_bool, opt_from_string, opt_string, opt_u64};

use super::datetime::{opt_datetime, KaisaDateTime};
use super::ids::{CdrId, CustomerId, RecordingId};

/// A call recording, as `recordings` returns it. Kaisa's own client reads
/// `recording_id`, `expired` (`"0"` while the sound is kept) and `sounddata` (base64,
/// sent when one recording is asked for by id); the other fields are ours, decoded
/// when present, and anything else stays in [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Recording {
    /// The recording's id.
    pub recording_id: RecordingId,
    /// Whether the sound has expired (is no longer kept).
    #[serde(default, deserialize_with = "opt_bool")]
    pub expired: Option<bool>,
    /// The sound, base64-encoded, when one recording was asked for by id.
    #[serde(default, deserialize_with = "opt_string")]
    pub sounddata: Option<String>,
    /// The customer.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub customer_id: Option<CustomerId>,
    /// The call recorded.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub cdr_id: Option<CdrId>,
    /// When the recording was made (UTC).
    #[serde(default, deserialize_with = "opt_datetime")]
    pub timestamp: Option<KaisaDateTime>,
    /// The length of `sounddata` (decoded), in bytes.
    #[serde(default, deserialize_with = "opt_u64")]
    pub datalength: Option<u64>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Recording {
    /// Whether the sound can still be downloaded: not marked expired.
    pub fn is_available(&self) -> bool {
        self.expired != Some(true)
    }
}

/// `{"recordings":[...]}`.
#[derive(Deserialize)]
pub(crate) struct RecordingsEnvelope {
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) recordings: Vec<Recording>,
}
