//! Cancellation: callers dropped at random points (a fixed seed) during token fetches
//! and during API calls with retries never wedge the token cache, and single-flight
//! holds throughout; afterwards a normal call succeeds at once, with at most one
//! extra token request.
//!
//! Each iteration starts 1 to 4 concurrent callers, each cut by
//! `tokio::time::timeout` after a random budget of 0 to 30 (or 40) ms, while the token
//! endpoint takes 10 ms to answer: callers are dropped before the fetch starts,
//! while it runs, while they wait for it, in the middle of an API call and in the
//! middle of a retry's sleep.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, Credentials, OAuthProvider, RetryPolicy, Timeouts, TokenEndpoint};
use reliability::secrets::{jwt, Secrets};
use reliability::summary;
use serde_json::json;
use vendor_core::Error;
use vendor_core::{ApiClient, AuthErrorKind, Request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

const SEED: u64 = 0x5EED_CA9C;
const ITERATIONS: usize = 200;
const TOKEN_PATH: &str = "/oauth2/token";

/// A token endpoint that answers after 10 ms with a new token each time.
struct Tokens {
    issued: AtomicUsize,
}

impl Respond for Tokens {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst);
        let token = jwt(&json!({"roles": ["get"], "n": n}), &format!("sig-{n}"));
        ResponseTemplate::new(200)
            .set_body_json(
                json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token}),
            )
            .set_delay(Duration::from_millis(10))
    }
}

/// An API that cycles through 503 (Retry-After 10 ms), 401, 200, 200 until it is
/// made healthy, then always answers 200.
struct FlakyApi {
    calls: AtomicUsize,
    unauthorized: AtomicUsize,
    healthy: AtomicBool,
}

impl Respond for FlakyApi {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if self.healthy.load(Ordering::SeqCst) {
            return ResponseTemplate::new(200).set_body_json(json!({"ok": true}));
        }
        match n % 4 {
            0 => ResponseTemplate::new(503).insert_header("Retry-After", "0.01"),
            1 => {
                self.unauthorized.fetch_add(1, Ordering::SeqCst);
                ResponseTemplate::new(401)
                    .insert_header("WWW-Authenticate", r#"Bearer error="invalid_token""#)
            }
            _ => ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true}))
                .set_delay(Duration::from_millis((n % 3) as u64 * 5)),
        }
    }
}

async fn token_server() -> (MockServer, Arc<OAuthProvider>) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(Tokens {
            issued: AtomicUsize::new(0),
        })
        .named("token endpoint (10 ms)")
        .mount(&server)
        .await;
    let s = Secrets::random();
    let provider = OAuthProvider::builder()
        .endpoint(
            TokenEndpoint::url(format!("{}{TOKEN_PATH}", server.uri()))
                .with_scopes(["api://reliability/.default"]),
        )
        .credentials(Credentials::client_credentials(
            s.client_id,
            s.client_secret,
        ))
        .allow_insecure_loopback(true)
        .timeouts(Timeouts {
            connect: Duration::from_secs(2),
            attempt: Duration::from_secs(5),
            overall: Duration::from_secs(10),
        })
        .build()
        .unwrap();
    (server, Arc::new(provider))
}

async fn token_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .count()
}

#[derive(Debug, Default)]
struct Figures {
    callers: usize,
    dropped: usize,
    completed: usize,
    errors: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_token_fetches_never_wedge_the_cache() {
    let (server, provider) = token_server().await;
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut figures = Figures::default();
    let mut invalidations = 0usize;
    let mut last: Option<AccessToken> = None;
    let started = Instant::now();
    for i in 0..ITERATIONS {
        // Every other iteration or so, the API "rejects" the last token seen.
        if let Some(token) = last.as_ref().filter(|_| rng.bool()) {
            provider.invalidate(token).await;
            invalidations += 1;
        }
        let callers: Vec<_> = (0..rng.usize(1..=4))
            .map(|_| {
                let budget = Duration::from_millis(rng.u64(0..30));
                let provider = provider.clone();
                async move { tokio::time::timeout(budget, provider.token()).await }
            })
            .collect();
        figures.callers += callers.len();
        for result in join_all(callers).await {
            match result {
                Err(_) => figures.dropped += 1,
                Ok(Ok(token)) => {
                    figures.completed += 1;
                    last = Some(token);
                }
                Ok(Err(e)) => panic!("iteration {i}: a token fetch failed: {e:?}"),
            }
        }
        let fetched = token_requests(&server).await;
        assert!(
            fetched <= invalidations + 1,
            "iteration {i}: {fetched} token requests for {invalidations} invalidations: single-flight broken"
        );
    }
    let loop_time = started.elapsed();
    assert!(
        figures.dropped > 20 && figures.completed > 20,
        "{figures:?}: the budgets did not cut callers at random points"
    );

    // Let a fetch still in flight land, then one normal call.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let before = token_requests(&server).await;
    let call = Instant::now();
    let token = tokio::time::timeout(Duration::from_secs(5), provider.token())
        .await
        .expect("the cache is wedged: a normal call did not complete")
        .expect("a normal call failed");
    assert!(
        call.elapsed() < Duration::from_secs(1),
        "slow: {:?}",
        call.elapsed()
    );
    let extra = token_requests(&server).await - before;
    assert!(extra <= 1, "{extra} extra token requests");
    assert!(token.remaining() > Duration::from_secs(3000));

    let line = format!(
        "token fetches: {ITERATIONS} iterations (seed {SEED:#x}), {} callers, {} dropped by their budget, {} completed, \
         {invalidations} invalidations, {before} token requests (bound {}), normal call after: ok, {extra} extra token request(s), loop {} ms",
        figures.callers, figures.dropped, figures.completed, invalidations + 1, loop_time.as_millis()
    );
    println!("{line}");
    summary::write_target_file("reliability-cancellation-token.md", &line).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_api_calls_during_retries_never_wedge_the_cache() {
    let (server, provider) = token_server().await;
    let api_state = Arc::new(FlakyApi {
        calls: AtomicUsize::new(0),
        unauthorized: AtomicUsize::new(0),
        healthy: AtomicBool::new(false),
    });
    struct Shared(Arc<FlakyApi>);
    impl Respond for Shared {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            self.0.respond(request)
        }
    }
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(Shared(api_state.clone()))
        .named("flaky api")
        .mount(&server)
        .await;
    let s = Secrets::random();
    let api = ApiClient::builder()
        .base_url(server.uri())
        .token_provider(provider)
        .secret_header(
            "Ocp-Apim-Subscription-Key",
            SecretString::from(s.subscription_key),
        )
        .allow_insecure_loopback(true)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();

    let mut rng = fastrand::Rng::with_seed(SEED ^ 0xA91);
    let mut figures = Figures::default();
    let started = Instant::now();
    for i in 0..ITERATIONS {
        let callers: Vec<_> = (0..rng.usize(1..=3))
            .map(|_| {
                let budget = Duration::from_millis(rng.u64(0..40));
                let api = api.clone();
                async move {
                    tokio::time::timeout(
                        budget,
                        api.send::<serde_json::Value>(Request::get("/items")),
                    )
                    .await
                }
            })
            .collect();
        figures.callers += callers.len();
        for result in join_all(callers).await {
            match result {
                Err(_) => figures.dropped += 1,
                Ok(Ok(_)) => figures.completed += 1,
                // Two 401s in a row for one call (others took the 200s between):
                // rejected after one refresh, as designed. Or 503 on every attempt.
                Ok(Err(e))
                    if e.auth_kind() == Some(&AuthErrorKind::TokenRejected)
                        || matches!(&e, Error::Api(a) if a.status().as_u16() == 503) =>
                {
                    figures.errors += 1;
                }
                Ok(Err(e)) => panic!("iteration {i}: unexpected failure: {e:?}"),
            }
        }
        let fetched = token_requests(&server).await;
        let unauthorized = api_state.unauthorized.load(Ordering::SeqCst);
        assert!(
            fetched <= unauthorized + 1,
            "iteration {i}: {fetched} token requests for {unauthorized} 401s: more than one refresh per rejection"
        );
    }
    let loop_time = started.elapsed();
    assert!(
        figures.dropped > 20 && figures.completed > 20,
        "{figures:?}"
    );

    api_state.healthy.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let before = token_requests(&server).await;
    let call = Instant::now();
    let value: serde_json::Value =
        tokio::time::timeout(Duration::from_secs(5), api.send(Request::get("/items")))
            .await
            .expect("the pipeline is wedged: a normal call did not complete")
            .expect("a normal call failed");
    assert_eq!(value, json!({"ok": true}));
    assert!(
        call.elapsed() < Duration::from_secs(1),
        "slow: {:?}",
        call.elapsed()
    );
    let extra = token_requests(&server).await - before;
    assert!(extra <= 1, "{extra} extra token requests");

    let line = format!(
        "api calls with retries: {ITERATIONS} iterations, {} callers, {} dropped by their budget, {} completed ok, \
         {} completed with a designed error, {} API calls served ({} of them 401), {before} token requests, \
         normal call after: ok, {extra} extra token request(s), loop {} ms",
        figures.callers,
        figures.dropped,
        figures.completed,
        figures.errors,
        api_state.calls.load(Ordering::SeqCst) - 1,
        api_state.unauthorized.load(Ordering::SeqCst),
        loop_time.as_millis()
    );
    println!("{line}");
    summary::write_target_file("reliability-cancellation-api.md", &line).unwrap();
}
