//! Kaisa's 300 s tokens over a simulated hour: refreshed ahead of expiry, so that no
//! call ever meets an expired token.
//!
//! The hour passes on tokio's paused clock, which the token cache reads. Tokio's
//! auto-advance does not mix with real sockets (while a request waits for the
//! sandbox, the paused clock would jump to the next timer, such as the request's own
//! timeout), so the clock is advanced by hand while paused, and resumed only around
//! the real HTTP calls of each step.

use std::time::Duration;

use kaisa::{AccessToken, Client};
use oauth_core::Freshness;
use tokio::time::Instant;
use vendor_sandbox::Vendor;

use super::{sandbox, traffic};

/// Simulated time between two steps.
const STEP: Duration = Duration::from_secs(10);
/// Steps in the simulated hour.
const STEPS: u32 = 360;
/// Real-time bound of one step's HTTP work.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Awaits `work` on the running (real) clock, failing the test after [`STEP_TIMEOUT`].
async fn real<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(STEP_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| panic!("a step took longer than {STEP_TIMEOUT:?}"))
}

/// One step, with the clock running: takes the client's token, checks it has life
/// left, makes a call, and lets a refresh the step started land before the clock
/// stops again (a fetch left in flight across a jump of the paused clock would see
/// its timeouts fire). Returns the token used.
async fn step(client: &Client) -> AccessToken {
    let token = real(client.token()).await.unwrap();
    let now = Instant::now();
    assert!(token.expires_at() > now, "an expired token was handed out");
    // The cache stops handing a token out 30 s (for a 300 s token) before expiry.
    assert!(
        token.expires_at() - now >= Duration::from_secs(30),
        "a token about to expire was handed out: {:?} left",
        token.expires_at() - now
    );
    assert!(real(client.ping().send()).await.unwrap().is_ok());
    real(async {
        while client.token().await.unwrap().freshness(Instant::now()) != Freshness::Fresh {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
    token
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn kaisa_tokens_are_refreshed_ahead_of_expiry_over_an_hour() {
    tokio::time::resume();
    let sandbox = sandbox().await;
    let client = workspace_tests::kaisa_client(&sandbox).unwrap();
    let started = Instant::now();

    let mut previous = step(&client).await;
    assert_eq!(previous.lifetime(), Duration::from_secs(300));
    let mut changes: u64 = 0;
    tokio::time::pause();
    for _ in 0..STEPS {
        tokio::time::advance(STEP).await;
        tokio::time::resume();
        let token = step(&client).await;
        // Not `same_as`: it also compares the token values, and the sandbox signs
        // whole-second claims on the wall clock, which barely moves here, so two
        // fetches a simulated refresh apart can return the very same JWT.
        if token.expires_at() != previous.expires_at() {
            changes += 1;
            // The replaced token was still valid when its successor took over.
            assert!(previous.expires_at() > Instant::now());
            previous = token;
        }
        tokio::time::pause();
    }
    tokio::time::resume();

    let simulated = started.elapsed();
    assert!(simulated >= STEP * STEPS, "{simulated:?}");
    let stats = sandbox.stats();
    let (requested, issued, calls, ok) = traffic(&stats, Vendor::Kaisa);
    // A 300 s token is refreshed 150 s (less up to 15 s of jitter) before expiry, that
    // is every 135..150 s, rounded up to the 10 s steps: about 3600 / 145 ≈ 25.
    assert!((20..=30).contains(&requested), "{requested} token requests");
    assert_eq!(issued, requested, "{stats:?}");
    // Every token fetched was put to use, after the first.
    assert_eq!(changes + 1, requested, "{stats:?}");
    // Every call succeeded, with no 401 (so no refetch after a rejection).
    assert_eq!(
        (calls, ok),
        (u64::from(STEPS) + 1, u64::from(STEPS) + 1),
        "{stats:?}"
    );
}
