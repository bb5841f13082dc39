//! Injected faults: throttling with `Retry-After`, server errors, short-lived tokens.

use std::time::Duration;

use futures_util::TryStreamExt;
use kaisa::Cdr;
use oauth_core::Freshness;
use serde_json::Value;
use tokio::time::Instant;
use vendor_sandbox::{Faults, Vendor};

use super::{bounded, sandbox, sandbox_with, traffic};

#[tokio::test]
async fn every_third_call_throttled_still_succeeds_after_retry_after() {
    let sandbox = sandbox_with(Faults::default().with_rate_limit_every(3)).await;
    let client = workspace_tests::kazi_client(&sandbox).unwrap();

    let started = Instant::now();
    bounded(async {
        for _ in 0..5 {
            let expectations = client.expectations().list().await.unwrap();
            assert_eq!(expectations.len(), 12);
        }
    })
    .await;
    let elapsed = started.elapsed();

    let stats = sandbox.stats();
    // Calls 3 and 6 of 7 were answered 429; each was retried once.
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 1, 7, 5), "{stats:?}");
    assert_eq!(
        stats.api_calls_with_status(Vendor::Kazi, 429),
        2,
        "{stats:?}"
    );
    // Each 429 said `Retry-After: 1`, and the client waited that long.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn every_other_get_failing_with_503_still_succeeds() {
    let sandbox = sandbox_with(Faults::default().with_server_error_rate(0.5)).await;
    let client = workspace_tests::kaisa_client(&sandbox).unwrap();

    bounded(async {
        assert!(client.ping().await.unwrap().is_ok());
        assert_eq!(client.customers().list().send().await.unwrap().len(), 3);
        assert_eq!(client.sources().list().send().await.unwrap().len(), 5);
        let cdrs: Vec<Cdr> = client
            .statistics()
            .cdrs_out()
            .page_size(1000)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(cdrs.len(), 2500);
    })
    .await;

    let stats = sandbox.stats();
    // 6 GETs: the 1st succeeds at once; each later one meets a 503 (the even calls),
    // backs off, and succeeds on its retry: 11 calls.
    assert_eq!(traffic(&stats, Vendor::Kaisa), (1, 1, 11, 6), "{stats:?}");
    assert_eq!(
        stats.api_calls_with_status(Vendor::Kaisa, 503),
        5,
        "{stats:?}"
    );
}

#[tokio::test]
async fn a_short_token_lifetime_makes_a_later_call_fetch_a_new_token() {
    let sandbox = sandbox().await;
    sandbox.set_faults(Faults::default().with_token_lifetime_secs(4));
    let client = workspace_tests::okq8_client(&sandbox).unwrap();

    bounded(async {
        let first = client.token().await.unwrap();
        assert_eq!(first.lifetime(), Duration::from_secs(4));
        let _: Value = client.get_json("core/v1/stations/SE-1001").await.unwrap();
        // Still fresh a moment later (a background refresh would start only 2 s, less
        // jitter, into its life): served from the cache.
        let _: Value = client.get_json("core/v1/stations/SE-1002").await.unwrap();
        assert_eq!(sandbox.stats().token_requests_total(Vendor::Okq8), 1);

        // Past the token's usable life (4 s, less a 1 s safety margin).
        tokio::time::sleep(Duration::from_millis(3_100)).await;
        assert_eq!(first.freshness(Instant::now()), Freshness::Expired);
        let _: Value = client.get_json("core/v1/stations/SE-1003").await.unwrap();

        let second = client.token().await.unwrap();
        assert!(!second.same_as(&first));
        assert!(second.expires_at() > Instant::now());
    })
    .await;

    let stats = sandbox.stats();
    // The new token was fetched before the call, not after a rejection: no 401.
    assert_eq!(traffic(&stats, Vendor::Okq8), (2, 2, 3, 3), "{stats:?}");
}
