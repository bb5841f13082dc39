//! Call detail records (`statistics/cdrs/out`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient::{one_or_many, opt_bool, opt_from_string, opt_string, opt_u64};

use super::datetime::{opt_datetime, KaisaDateTime};
use super::ids::{CdrId, CustomerId, SourceId};

/// One call, as `statistics/cdrs/out` returns it. Numbers and flags come as strings
/// and are decoded; unknown fields (the `extended` ones among them) stay in
/// [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Cdr {
    /// The record's id.
    pub cdr_id: CdrId,
    /// When the call started (UTC).
    #[serde(default, deserialize_with = "opt_datetime")]
    pub start: Option<KaisaDateTime>,
    /// Duration in seconds.
    #[serde(default, deserialize_with = "opt_u64")]
    pub duration: Option<u64>,
    /// The caller's number, masked.
    #[serde(default, deserialize_with = "opt_string")]
    pub anum: Option<String>,
    /// MD5 of the caller's full number, to recognise repeat callers.
    #[serde(default, deserialize_with = "opt_string")]
    pub anum_md5: Option<String>,
    /// The tracking number dialled.
    #[serde(default, deserialize_with = "opt_string")]
    pub bnum: Option<String>,
    /// The number the call was forwarded to.
    #[serde(default, deserialize_with = "opt_string")]
    pub cnum: Option<String>,
    /// The customer.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub customer_id: Option<CustomerId>,
    /// The source.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub source_id: Option<SourceId>,
    /// The customer's number.
    #[serde(default, deserialize_with = "opt_string")]
    pub custnr: Option<String>,
    /// Whether the call was answered.
    #[serde(default, deserialize_with = "opt_bool")]
    pub answered: Option<bool>,
    /// Whether the number was quarantined.
    #[serde(default, deserialize_with = "opt_bool")]
    pub quarantined: Option<bool>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"cdrs":[...]}` (the envelope key is ours: Kaisa's page does not show it).
#[derive(Deserialize)]
pub(crate) struct CdrsEnvelope {
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) cdrs: Vec<Cdr>,
}
