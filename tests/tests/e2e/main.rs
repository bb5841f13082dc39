//! End-to-end tests: each vendor SDK client against its own `vendor-sandbox` on
//! 127.0.0.1 (port 0), asserting on the values returned, the error kinds, and what the
//! sandbox counted (`Sandbox::stats`: token requests and API calls by status).
//!
//! One test binary with a module per area, so that the workspace links it once.

// Helpers outside `#[test]` functions fail loudly too: a broken setup is a test bug.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod credentials;
mod faults;
mod kaisa;
mod kazi;
mod keyavi;
mod okq8;
mod token_refresh;

use std::collections::HashSet;
use std::fmt::Debug;
use std::future::IntoFuture;
use std::hash::Hash;
use std::time::Duration;

use vendor_sandbox::{Faults, Sandbox, SandboxConfig, Stats, Vendor};

/// Upper bound of one test's work in real time. Generous: the slowest test waits
/// twice for a `Retry-After: 1`.
const TEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `work`, failing the test if it takes longer than [`TEST_TIMEOUT`].
async fn bounded<T>(work: impl IntoFuture<Output = T>) -> T {
    tokio::time::timeout(TEST_TIMEOUT, work.into_future())
        .await
        .unwrap_or_else(|_| panic!("the test did not finish within {TEST_TIMEOUT:?}"))
}

/// A sandbox on a free port, without faults.
async fn sandbox() -> Sandbox {
    sandbox_with(Faults::default()).await
}

/// A sandbox on a free port with `faults` active from the first request.
async fn sandbox_with(faults: Faults) -> Sandbox {
    Sandbox::start(SandboxConfig::default().with_port(0).with_faults(faults))
        .await
        .expect("the sandbox starts on 127.0.0.1:0")
}

/// Asserts that `ids` has no duplicate and returns how many there are.
fn assert_unique<T: Eq + Hash + Debug>(ids: impl IntoIterator<Item = T>) -> usize {
    let mut seen = HashSet::new();
    let mut count = 0;
    for id in ids {
        count += 1;
        assert!(seen.insert(id), "an id came twice");
    }
    count
}

/// The sandbox's counters for one vendor, in a form that prints well on failure:
/// (token requests, tokens issued, API calls, API calls answered 200).
fn traffic(stats: &Stats, vendor: Vendor) -> (u64, u64, u64, u64) {
    (
        stats.token_requests_total(vendor),
        stats.tokens_issued(vendor),
        stats.api_calls_total(vendor),
        stats.api_calls_with_status(vendor, 200),
    )
}

/// Asserts that no vendor but `vendor` saw any traffic: a client talks to its own API.
fn assert_only(stats: &Stats, vendor: Vendor) {
    for other in Vendor::ALL.into_iter().filter(|v| *v != vendor) {
        assert_eq!(
            traffic(stats, other),
            (0, 0, 0, 0),
            "{other} saw traffic: {stats:?}"
        );
    }
}
