//! `miscellaneous/...`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient::opt_string;

/// The answer of `miscellaneous/ping`: `{"ping":"ok"}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Ping {
    /// `ok` when the API is up and the credentials are accepted.
    #[serde(default, deserialize_with = "opt_string")]
    pub ping: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Ping {
    /// Whether the API answered `ok`.
    pub fn is_ok(&self) -> bool {
        self.ping
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("ok"))
    }
}
