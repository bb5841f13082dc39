//! Shared server state: key, faults, counters, statistics and seeded vendor data.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::config::{Faults, SandboxConfig, Vendor};
use crate::creds::Secrets;
use crate::jwt::{self, Claims, TokenRejection};
use crate::stats::Stats;
use crate::{ids, kaisa, kazi, keyavi, okq8, time, SandboxError};

/// A fault chosen for one API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    RateLimited,
    ServerError,
}

#[derive(Debug, Default)]
struct FaultCounters {
    calls: u64,
    error_budget_ppm: u64,
}

/// Everything the handlers share.
pub(crate) struct AppState {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The RS256 token-signing key, served by the JWKS endpoints.
    pub issuer_key: jwt::IssuerKey,
    /// Key of the federated tokens handed out by `Sandbox::federated_token`.
    pub federation_key: [u8; 32],
    /// `jti` of every client assertion accepted, with its `exp` (pruned once expired).
    seen_assertions: Mutex<HashMap<String, i64>>,
    /// The only secrets this sandbox accepts (drawn at start, handed out by `Sandbox`).
    pub secrets: Secrets,
    config_token_lifetime: Option<Duration>,
    faults: Mutex<Faults>,
    counters: Mutex<FaultCounters>,
    stats: Mutex<Stats>,
    rng: Mutex<fastrand::Rng>,
    pub kazi: kazi::Data,
    pub keyavi: keyavi::Data,
    pub kaisa: kaisa::Data,
    pub okq8: okq8::Data,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another handler must not wedge the sandbox; the data stays usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    pub(crate) fn new(base_url: String, config: &SandboxConfig) -> Result<Self, SandboxError> {
        let mut rng = fastrand::Rng::new();
        let mut federation_key = [0u8; 32];
        rng.fill(&mut federation_key);
        Ok(Self {
            base_url,
            issuer_key: jwt::IssuerKey::load()?,
            federation_key,
            seen_assertions: Mutex::new(HashMap::new()),
            secrets: Secrets::generate(),
            config_token_lifetime: config.token_lifetime,
            faults: Mutex::new(config.faults.clone()),
            counters: Mutex::new(FaultCounters::default()),
            stats: Mutex::new(Stats::default()),
            rng: Mutex::new(rng),
            kazi: kazi::Data::seed(),
            keyavi: keyavi::Data::seed(),
            kaisa: kaisa::Data::seed(),
            okq8: okq8::Data::seed(),
        })
    }

    pub(crate) fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// Replaces the faults and restarts the injection counters.
    pub(crate) fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
        *lock(&self.counters) = FaultCounters::default();
    }

    /// Counts one API call and decides its latency and injected fault.
    pub(crate) fn next_api_call(&self) -> (Duration, Option<Injected>) {
        let faults = self.faults();
        let mut counters = lock(&self.counters);
        counters.calls += 1;
        if let Some(every) = faults.rate_limit_every.filter(|n| *n > 0) {
            if counters.calls.is_multiple_of(u64::from(every)) {
                return (faults.latency, Some(Injected::RateLimited));
            }
        }
        let ppm = faults.server_error_ppm();
        if ppm > 0 {
            counters.error_budget_ppm += ppm;
            if counters.error_budget_ppm >= 1_000_000 {
                counters.error_budget_ppm -= 1_000_000;
                return (faults.latency, Some(Injected::ServerError));
            }
        }
        (faults.latency, None)
    }

    pub(crate) fn latency(&self) -> Duration {
        lock(&self.faults).latency
    }

    /// Lifetime in seconds for a token whose vendor default is `default_secs`.
    pub(crate) fn token_lifetime(&self, default_secs: u64) -> u64 {
        lock(&self.faults)
            .token_lifetime_secs
            .or_else(|| self.config_token_lifetime.map(|d| d.as_secs()))
            .unwrap_or(default_secs)
    }

    pub(crate) fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    pub(crate) fn reset_stats(&self) {
        *lock(&self.stats) = Stats::default();
    }

    pub(crate) fn record_api(&self, vendor: Vendor, status: u16) {
        lock(&self.stats).record_api(vendor, status);
    }

    pub(crate) fn record_token(&self, vendor: &str, endpoint: &str, status: u16) {
        lock(&self.stats).record_token(vendor, endpoint, status);
    }

    /// A fresh random GUID (request ids, trace ids).
    pub(crate) fn fresh_guid(&self) -> String {
        ids::guid_from_rng(&mut lock(&self.rng))
    }

    pub(crate) fn sign(&self, claims: &Claims) -> String {
        self.issuer_key.sign(claims)
    }

    pub(crate) fn verify(&self, token: &str) -> Result<Claims, TokenRejection> {
        self.issuer_key.verify(token, time::now_unix())
    }

    /// Records an assertion's `jti`; `false` if it was seen before (a replay).
    pub(crate) fn first_use_of_assertion(&self, jti: &str, exp: i64, now: i64) -> bool {
        let mut seen = lock(&self.seen_assertions);
        seen.retain(|_, until| *until > now);
        if seen.contains_key(jti) {
            return false;
        }
        seen.insert(jti.to_owned(), exp);
        true
    }
}
