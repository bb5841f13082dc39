//! The Dynamic Numbers (DNCS) API, as far as Kaisa documents it publicly.
//!
//! The DNCS API is the server-side stand-in for Kaisa's number-swapping JavaScript: a
//! partner's server asks which tracking number to show (or dial) for a visitor. Kaisa
//! documents the JSON request body, that a signature of the request data must be sent
//! along, that it answers in about 50 ms, and that a caller should give up after
//! 1500 ms (network included) and fall back to the original number on any error
//! ([Dynamic Numbers (DNCS) API](https://support.kaisa.io/hc/en-us/articles/360002641617-Dynamic-Numbers-DNCS-API)).
//! The OAuth2 token of this crate's client is valid for it
//! ([Using OAuth2 with Kaisa's API](https://support.kaisa.io/hc/en-us/articles/34668374101917-Using-OAuth2-with-Kaisa-s-API)).
//!
//! Kaisa's public page does not give the endpoint URL, the signature algorithm nor the
//! answer's shape (Kaisa hands them out with the access details), so this crate does
//! not send DNCS requests: [`DncsRequest`] builds the documented body, whose bytes
//! ([`DncsRequest::to_json`]) are what the signature is computed over, and
//! [`DNCS_TIMEOUT`] is the documented time limit.
//!
//! ```
//! use kaisa::dncs::{DncsRequest, DNCS_TIMEOUT};
//!
//! let body = DncsRequest::web("adv-123", "tracking-456", "+46812345678")
//!     .full_url("https://www.example.se/kontakt")
//!     .full_referrer("https://www.google.com/")
//!     .user_agent("Mozilla/5.0")
//!     .request_ip_address("203.0.113.7")
//!     .session_id("f1e2d3")
//!     .parameter("custnr", "ACME-001");
//! let json = body.to_json().unwrap();
//! assert!(json.starts_with(br#"{"advId":"adv-123","#));
//! assert_eq!(DNCS_TIMEOUT.as_millis(), 1500);
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// Kaisa's advice: give up on a DNCS request after 1500 ms, network round trips
/// included, and show or dial the original number instead.
pub const DNCS_TIMEOUT: Duration = Duration::from_millis(1500);

/// Where a DNCS request comes from: a web page or a native app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DncsType {
    /// A web page (`"web"`).
    Web,
    /// A native app (`"app"`; `fullUrl` may be empty).
    App,
}

/// The JSON body of a DNCS request, with the fields Kaisa's page lists for web and
/// app requests; fields not set are sent as empty strings, as every one is listed as
/// mandatory. `parameters` holds `custnr`, `custname`, `custemail` and any other
/// parameter, as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DncsRequest {
    /// The advertiser id.
    pub adv_id: String,
    /// The page's full URL (may be empty for an app).
    pub full_url: String,
    /// The tracking id.
    pub tracking_id: String,
    /// The number(s) to replace.
    pub numbers: String,
    /// Web or app.
    #[serde(rename = "type")]
    pub kind: DncsType,
    /// The page's full referrer.
    pub full_referrer: String,
    /// Further parameters (`custnr`, `custname`, `custemail`, ...).
    pub parameters: BTreeMap<String, String>,
    /// The visitor's user agent.
    pub user_agent: String,
    /// The visitor's IP address.
    pub request_ip_address: String,
    /// The visitor's session id.
    pub session_id: String,
}

impl DncsRequest {
    fn new(
        kind: DncsType,
        adv_id: impl Into<String>,
        tracking_id: impl Into<String>,
        numbers: impl Into<String>,
    ) -> Self {
        Self {
            adv_id: adv_id.into(),
            full_url: String::new(),
            tracking_id: tracking_id.into(),
            numbers: numbers.into(),
            kind,
            full_referrer: String::new(),
            parameters: BTreeMap::new(),
            user_agent: String::new(),
            request_ip_address: String::new(),
            session_id: String::new(),
        }
    }

    /// A request from a web page.
    pub fn web(
        adv_id: impl Into<String>,
        tracking_id: impl Into<String>,
        numbers: impl Into<String>,
    ) -> Self {
        Self::new(DncsType::Web, adv_id, tracking_id, numbers)
    }

    /// A request from a native app.
    pub fn app(
        adv_id: impl Into<String>,
        tracking_id: impl Into<String>,
        numbers: impl Into<String>,
    ) -> Self {
        Self::new(DncsType::App, adv_id, tracking_id, numbers)
    }

    /// The page's full URL (`fullUrl`).
    #[must_use]
    pub fn full_url(mut self, url: impl Into<String>) -> Self {
        self.full_url = url.into();
        self
    }

    /// The page's referrer (`fullReferrer`).
    #[must_use]
    pub fn full_referrer(mut self, referrer: impl Into<String>) -> Self {
        self.full_referrer = referrer.into();
        self
    }

    /// The visitor's user agent (`userAgent`).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The visitor's IP address (`requestIpAddress`).
    #[must_use]
    pub fn request_ip_address(mut self, address: impl Into<String>) -> Self {
        self.request_ip_address = address.into();
        self
    }

    /// The visitor's session id (`sessionId`).
    #[must_use]
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = session_id.into();
        self
    }

    /// A parameter in `parameters` (`custnr`, `custname`, `custemail`, ...).
    #[must_use]
    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters.insert(key.into(), value.into());
        self
    }

    /// The body as the JSON bytes to sign and send.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] when the body cannot be encoded (it always
    /// can: every field is a string).
    pub fn to_json(&self) -> crate::Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|e| crate::Error::invalid("dncs", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_fields_in_their_documented_names() {
        let body = DncsRequest::app("a", "t", "+4681")
            .parameter("custname", "Acme")
            .session_id("s");
        let json: serde_json::Value = serde_json::from_slice(&body.to_json().unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "advId": "a", "fullUrl": "", "trackingId": "t", "numbers": "+4681",
                "type": "app", "fullReferrer": "", "parameters": {"custname": "Acme"},
                "userAgent": "", "requestIpAddress": "", "sessionId": "s"
            })
        );
        assert_eq!(
            serde_json::to_value(DncsType::Web).unwrap(),
            serde_json::json!("web")
        );
    }
}
