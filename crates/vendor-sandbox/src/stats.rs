//! Request counters, readable through [`Sandbox::stats`](crate::Sandbox::stats) and
//! `GET /_sandbox/stats`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Vendor;

/// A count of answers, in total and per HTTP status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// All answers.
    pub total: u64,
    /// Answers per HTTP status code (JSON keys are the codes as strings).
    pub by_status: BTreeMap<u16, u64>,
}

impl StatusCounts {
    /// Answers with `status`.
    pub fn with_status(&self, status: u16) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    fn record(&mut self, status: u16) {
        self.total += 1;
        *self.by_status.entry(status).or_default() += 1;
    }
}

/// What the sandbox has answered since start or the last reset.
///
/// Control requests under `/_sandbox/` and requests outside every vendor prefix are not
/// counted; unknown paths inside a vendor prefix are (as API calls answering 404).
///
/// ```json
/// {"token_requests":{"kazi":{"azure-v1":{"total":2,"by_status":{"200":1,"401":1}}}},
///  "api_calls":{"kazi":{"total":3,"by_status":{"200":3}}}}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Token requests keyed by vendor (`kazi`, `keyavi`, `kaisa`, `okq8`, or `unknown` for
    /// an unknown tenant), then by endpoint (`azure-v1`, `azure-v2`, `kaisa`).
    pub token_requests: BTreeMap<String, BTreeMap<String, StatusCounts>>,
    /// API calls keyed by vendor, including the ones answered by injected faults.
    pub api_calls: BTreeMap<String, StatusCounts>,
}

impl Stats {
    /// Token requests for `vendor` over all its token endpoints.
    pub fn token_requests_total(&self, vendor: Vendor) -> u64 {
        self.token_requests
            .get(vendor.as_str())
            .map_or(0, |by_endpoint| by_endpoint.values().map(|c| c.total).sum())
    }

    /// Tokens issued to `vendor` clients (token requests answered 200).
    pub fn tokens_issued(&self, vendor: Vendor) -> u64 {
        self.token_requests
            .get(vendor.as_str())
            .map_or(0, |by_endpoint| {
                by_endpoint.values().map(|c| c.with_status(200)).sum()
            })
    }

    /// API calls to `vendor`, any status.
    pub fn api_calls_total(&self, vendor: Vendor) -> u64 {
        self.api_calls.get(vendor.as_str()).map_or(0, |c| c.total)
    }

    /// API calls to `vendor` answered with `status`.
    pub fn api_calls_with_status(&self, vendor: Vendor, status: u16) -> u64 {
        self.api_calls
            .get(vendor.as_str())
            .map_or(0, |c| c.with_status(status))
    }

    pub(crate) fn record_token(&mut self, vendor: &str, endpoint: &str, status: u16) {
        self.token_requests
            .entry(vendor.to_owned())
            .or_default()
            .entry(endpoint.to_owned())
            .or_default()
            .record(status);
    }

    pub(crate) fn record_api(&mut self, vendor: Vendor, status: u16) {
        self.api_calls
            .entry(vendor.as_str().to_owned())
            .or_default()
            .record(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_serializes() {
        let mut stats = Stats::default();
        stats.record_token("kazi", "azure-v1", 200);
        stats.record_token("kazi", "azure-v1", 401);
        stats.record_api(Vendor::Okq8, 429);
        assert_eq!(stats.token_requests_total(Vendor::Kazi), 2);
        assert_eq!(stats.tokens_issued(Vendor::Kazi), 1);
        assert_eq!(stats.api_calls_with_status(Vendor::Okq8, 429), 1);
        let json = serde_json::to_value(&stats).unwrap();
        assert_eq!(json["api_calls"]["okq8"]["by_status"]["429"], 1);
        let back: Stats = serde_json::from_value(json).unwrap();
        assert_eq!(back, stats);
    }
}
