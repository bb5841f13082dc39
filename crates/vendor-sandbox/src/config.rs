//! Start-up configuration and injectable faults.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How to start a [`Sandbox`](crate::Sandbox).
///
/// ```
/// use std::time::Duration;
/// use vendor_sandbox::{Faults, SandboxConfig};
///
/// let config = SandboxConfig::default()
///     .with_port(0)
///     .with_token_lifetime(Duration::from_secs(60))
///     .with_faults(Faults::default().with_rate_limit_every(5));
/// assert_eq!(config.faults.rate_limit_every, Some(5));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SandboxConfig {
    /// TCP port on 127.0.0.1; `0` picks a free port (read it back with
    /// [`Sandbox::addr`](crate::Sandbox::addr)).
    pub port: u16,
    /// Faults active from the first request; change them later with
    /// [`Sandbox::set_faults`](crate::Sandbox::set_faults).
    pub faults: Faults,
    /// Lifetime of every issued token, instead of the vendor default (3599 s for Azure AD,
    /// 300 s for Kaisa). [`Faults::token_lifetime_secs`] takes precedence when set.
    pub token_lifetime: Option<Duration>,
    /// Serve https with this CA and server certificate instead of plain http; see
    /// [`SandboxTls`](crate::SandboxTls).
    pub tls: Option<crate::SandboxTls>,
}

impl SandboxConfig {
    /// Sets [`port`](Self::port).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets [`faults`](Self::faults).
    #[must_use]
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Sets [`tls`](Self::tls): the sandbox serves `https://127.0.0.1:PORT`.
    #[must_use]
    pub fn with_tls(mut self, tls: crate::SandboxTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Sets [`token_lifetime`](Self::token_lifetime).
    #[must_use]
    pub fn with_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }
}

/// Misbehaviour the sandbox injects, for exercising retries and timeouts.
///
/// Injection is deterministic: it is driven by counters of API calls, not randomness, and
/// the counters restart whenever faults are replaced. As JSON (`GET`/`POST /_sandbox/faults`)
/// the latency is `latency_ms`; missing fields take their defaults:
///
/// ```json
/// {"latency_ms":0,"rate_limit_every":null,"server_error_rate":0.0,"token_lifetime_secs":null}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Delay added before every API and token answer.
    #[serde(rename = "latency_ms", with = "duration_ms")]
    pub latency: Duration,
    /// Every Nth API call answers 429 with `Retry-After: 1` and the APIM rate-limit body.
    /// `None` or `Some(0)` disables it.
    pub rate_limit_every: Option<u32>,
    /// Fraction (0.0..=1.0) of API calls that answer 503. Spread evenly: with 0.25 exactly
    /// every 4th call fails.
    pub server_error_rate: f64,
    /// Lifetime in seconds of every token issued from now on (overrides
    /// [`SandboxConfig::token_lifetime`]). `Some(0)` issues tokens that are already expired.
    pub token_lifetime_secs: Option<u64>,
}

impl Faults {
    /// Sets [`latency`](Self::latency).
    #[must_use]
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets [`rate_limit_every`](Self::rate_limit_every).
    #[must_use]
    pub fn with_rate_limit_every(mut self, every: u32) -> Self {
        self.rate_limit_every = Some(every);
        self
    }

    /// Sets [`server_error_rate`](Self::server_error_rate) (clamped to 0.0..=1.0).
    #[must_use]
    pub fn with_server_error_rate(mut self, rate: f64) -> Self {
        self.server_error_rate = rate;
        self
    }

    /// Sets [`token_lifetime_secs`](Self::token_lifetime_secs).
    #[must_use]
    pub fn with_token_lifetime_secs(mut self, secs: u64) -> Self {
        self.token_lifetime_secs = Some(secs);
        self
    }

    /// The server-error rate in parts per million, clamped; NaN counts as 0.
    pub(crate) fn server_error_ppm(&self) -> u64 {
        let rate = self.server_error_rate;
        if rate.is_nan() || rate <= 0.0 {
            0
        } else if rate >= 1.0 {
            1_000_000
        } else {
            (rate * 1_000_000.0).round() as u64
        }
    }
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// The four vendors the sandbox imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// Kazi (Azure AD v1 tokens, APIM).
    Kazi,
    /// Keyavi (Azure AD v2 tokens, APIM, caller-id header for apps).
    Keyavi,
    /// Kaisa, formerly Freespee (own token endpoint, no subscription key).
    Kaisa,
    /// OKQ8 (Azure AD v2 tokens with access levels, APIM products).
    Okq8,
}

impl Vendor {
    /// All vendors, in a stable order.
    pub const ALL: [Vendor; 4] = [Vendor::Kazi, Vendor::Keyavi, Vendor::Kaisa, Vendor::Okq8];

    /// Lower-case name used in [`Stats`](crate::Stats) keys: `kazi`, `keyavi`, `kaisa`, `okq8`.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Kazi => "kazi",
            Vendor::Keyavi => "keyavi",
            Vendor::Kaisa => "kaisa",
            Vendor::Okq8 => "okq8",
        }
    }
}

impl std::fmt::Display for Vendor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_json_uses_milliseconds_and_defaults() {
        let faults: Faults = serde_json::from_str(r#"{"latency_ms":250}"#).unwrap();
        assert_eq!(faults.latency, Duration::from_millis(250));
        assert_eq!(faults.rate_limit_every, None);
        let json = serde_json::to_value(&faults).unwrap();
        assert_eq!(json["latency_ms"], 250);
    }

    #[test]
    fn error_rate_is_clamped() {
        assert_eq!(
            Faults::default()
                .with_server_error_rate(2.0)
                .server_error_ppm(),
            1_000_000
        );
        assert_eq!(
            Faults::default()
                .with_server_error_rate(f64::NAN)
                .server_error_ppm(),
            0
        );
        assert_eq!(
            Faults::default()
                .with_server_error_rate(0.1)
                .server_error_ppm(),
            100_000
        );
    }
}
