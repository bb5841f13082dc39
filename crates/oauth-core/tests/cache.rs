//! The token cache semantics of DESIGN.md ("Token cache semantics"): single flight,
//! refresh ahead, waiting only when nothing usable is cached, compare-and-invalidate,
//! cancellation safety, failure sharing and backoff, and the capacity bound.
//!
//! Most tests drive a fake [`TokenSource`] on tokio's paused clock (no sockets, so
//! auto-advance is safe); one repeats the single-flight test against wiremock with a
//! multi-thread runtime and real time.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use futures_util::future::join_all;
use oauth_core::{
    AccessToken, CacheKey, Credentials, MemoryTokenCache, OAuthProvider, TokenCache, TokenEndpoint,
    TokenError, TokenProvider, TokenSource,
};
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOUR: Duration = Duration::from_secs(3600);
/// For a one-hour token: past the refresh point (at most 5 min + 10 % jitter before
/// expiry) and before the skew (30 s before expiry).
const INTO_REFRESH_WINDOW: Duration = Duration::from_secs(3600 - 250);
/// For a one-hour token: within the last 30 s, where it is no longer handed out.
const INTO_EXPIRY_SKEW: Duration = Duration::from_secs(3600 - 10);

/// A token source that counts its calls, takes `delay` (on tokio's clock) and then
/// answers `token-<n>` valid for `lifetime`, or fails with `fake failure #<n>`.
#[derive(Debug)]
struct FakeSource {
    calls: AtomicUsize,
    completed: AtomicUsize,
    delay_ms: AtomicU64,
    lifetime_s: AtomicU64,
    failing: AtomicBool,
}

impl FakeSource {
    fn new(lifetime: Duration, delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            completed: AtomicUsize::new(0),
            delay_ms: AtomicU64::new(delay.as_millis() as u64),
            lifetime_s: AtomicU64::new(lifetime.as_secs()),
            failing: AtomicBool::new(false),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn completed(&self) -> usize {
        self.completed.load(Ordering::SeqCst)
    }

    fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

#[async_trait]
impl TokenSource for FakeSource {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let delay = Duration::from_millis(self.delay_ms.load(Ordering::SeqCst));
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.completed.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(TokenError::InvalidResponse(format!("fake failure #{n}")));
        }
        Ok(AccessToken::valid_for(
            format!("token-{n}"),
            Duration::from_secs(self.lifetime_s.load(Ordering::SeqCst)),
        ))
    }
}

fn provider_over(source: &Arc<FakeSource>, cache: Arc<MemoryTokenCache>) -> Arc<OAuthProvider> {
    Arc::new(OAuthProvider::from_source(
        CacheKey::custom("fake|client|client_credentials||scope"),
        source.clone(),
        cache,
    ))
}

fn provider(source: &Arc<FakeSource>) -> Arc<OAuthProvider> {
    provider_over(source, Arc::new(MemoryTokenCache::new()))
}

/// Lets spawned tasks (the detached fetch) run without moving the clock.
async fn let_tasks_run() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

fn secrets(results: Vec<Result<AccessToken, TokenError>>) -> Vec<String> {
    results
        .into_iter()
        .map(|r| r.unwrap().secret().to_owned())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn cold_cache_500_concurrent_callers_cause_one_fetch() {
    let source = FakeSource::new(HOUR, Duration::from_millis(200));
    let provider = provider(&source);

    let tasks: Vec<_> = (0..500)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token().await })
        })
        .collect();
    let mut got = Vec::new();
    for task in tasks {
        got.push(task.await.unwrap());
    }

    assert!(secrets(got).iter().all(|s| s == "token-1"));
    assert_eq!(source.calls(), 1);
    // And later callers are served from the cache.
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");
    assert_eq!(source.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_cache_500_concurrent_callers_cause_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_answer(ACCESS_TOKEN))
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .named("the only token request")
        .mount(&server)
        .await;
    let provider = Arc::new(
        OAuthProvider::builder()
            .endpoint(TokenEndpoint::url(token_url(&server)))
            .credentials(Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET))
            .allow_insecure_loopback(true)
            .build()
            .unwrap(),
    );
    let start = Arc::new(tokio::sync::Barrier::new(500));

    let tasks: Vec<_> = (0..500)
        .map(|_| {
            let provider = provider.clone();
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                provider.token().await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().secret(), ACCESS_TOKEN);
    }

    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn providers_sharing_a_cache_share_the_token() {
    let source = FakeSource::new(HOUR, Duration::from_millis(50));
    let cache = Arc::new(MemoryTokenCache::new());
    let a = provider_over(&source, cache.clone());
    let b = provider_over(&source, cache.clone());

    let (ta, tb) = tokio::join!(a.token(), b.token());

    assert_eq!(ta.unwrap().secret(), "token-1");
    assert_eq!(tb.unwrap().secret(), "token-1");
    assert_eq!(source.calls(), 1);
    assert_eq!(cache.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn refresh_ahead_serves_the_old_token_at_once_and_refreshes_once() {
    let refresh_takes = Duration::from_secs(10);
    let source = FakeSource::new(HOUR, refresh_takes);
    let provider = provider(&source);
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");
    assert!(provider.cached().is_some(), "fresh: on the hot path");

    tokio::time::advance(INTO_REFRESH_WINDOW).await;
    assert!(
        provider.cached().is_none(),
        "in the refresh window the hot path defers to the cache"
    );
    let before = Instant::now();
    let first_wave = join_all((0..200).map(|_| provider.token())).await;
    assert_eq!(Instant::now(), before, "nobody waited for the refresh");
    assert!(secrets(first_wave).iter().all(|s| s == "token-1"));

    // The refresh starts in the background, once.
    let_tasks_run().await;
    assert_eq!(source.calls(), 2);
    assert_eq!(source.completed(), 1, "the refresh is still running");

    // While it runs, callers keep getting the old token without waiting.
    let second_wave = join_all((0..200).map(|_| provider.token())).await;
    assert_eq!(Instant::now(), before);
    assert!(secrets(second_wave).iter().all(|s| s == "token-1"));
    let_tasks_run().await;
    assert_eq!(source.calls(), 2, "still exactly one refresh");

    // Once it finishes, the new token is served.
    tokio::time::sleep(refresh_takes + Duration::from_millis(1)).await;
    assert_eq!(source.completed(), 2);
    let after = provider.token().await.unwrap();
    assert_eq!(after.secret(), "token-2");
    assert!(after.remaining() > HOUR - Duration::from_secs(1));
    assert_eq!(provider.token().await.unwrap().secret(), "token-2");
    assert_eq!(source.calls(), 2);
    assert!(
        provider.cached().is_some_and(|t| t.secret() == "token-2"),
        "the refreshed token replaced the old one on the hot path"
    );
}

#[tokio::test(start_paused = true)]
async fn an_expired_token_makes_callers_wait_for_one_fetch() {
    let fetch_takes = Duration::from_secs(5);
    let source = FakeSource::new(HOUR, fetch_takes);
    let provider = provider(&source);
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");

    tokio::time::advance(INTO_EXPIRY_SKEW).await;
    let before = Instant::now();
    let waited = join_all((0..50).map(|_| provider.token())).await;

    assert!(Instant::now() - before >= fetch_takes, "callers waited");
    assert!(secrets(waited).iter().all(|s| s == "token-2"));
    assert_eq!(source.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn fifty_concurrent_invalidations_of_one_token_cause_one_refresh() {
    let source = FakeSource::new(HOUR, Duration::from_millis(100));
    let provider = provider(&source);
    let rejected = provider.token().await.unwrap();
    assert_eq!(rejected.secret(), "token-1");

    // 50 requests got a 401 with the same token: each invalidates it, then asks again.
    // Their 401s arrive 4 ms apart over 200 ms, so about half come after the new token
    // (fetched in 100 ms) is in place, and must not drop it.
    let retried = join_all((0..50u64).map(|i| {
        let provider = provider.clone();
        let rejected = rejected.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(4 * i)).await;
            provider.invalidate(&rejected).await;
            provider.token().await
        }
    }))
    .await;

    assert!(secrets(retried).iter().all(|s| s == "token-2"));
    assert_eq!(source.calls(), 2);
    assert_eq!(provider.token().await.unwrap().secret(), "token-2");
    assert_eq!(source.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn invalidating_a_token_that_is_no_longer_current_is_a_no_op() {
    let source = FakeSource::new(HOUR, Duration::from_millis(100));
    let cache = Arc::new(MemoryTokenCache::new());
    let provider = provider_over(&source, cache.clone());
    let old = provider.token().await.unwrap();
    provider.invalidate(&old).await;
    let current = provider.token().await.unwrap();
    assert_eq!(current.secret(), "token-2");
    assert_eq!(source.calls(), 2);

    // A late 401 for the old token must not throw away the new one.
    provider.invalidate(&old).await;
    cache.invalidate(provider.cache_key(), &old).await;

    assert!(cache
        .peek(provider.cache_key())
        .is_some_and(|t| t.same_as(&current)));
    assert!(provider.cached().is_some_and(|t| t.same_as(&current)));
    assert_eq!(provider.token().await.unwrap().secret(), "token-2");
    assert_eq!(source.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_caller_neither_cancels_nor_stalls_the_fetch() {
    let fetch_takes = Duration::from_secs(5);
    let source = FakeSource::new(HOUR, fetch_takes);
    let provider = provider(&source);
    let started = Instant::now();

    // The caller that starts the fetch goes away.
    let first = tokio::spawn({
        let provider = provider.clone();
        async move { provider.token().await }
    });
    let_tasks_run().await;
    assert_eq!(source.calls(), 1);
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());

    // So does one that gives up after a second.
    let waiter = tokio::spawn({
        let provider = provider.clone();
        async move { provider.token().await }
    });
    let impatient = tokio::time::timeout(Duration::from_secs(1), provider.token()).await;
    assert!(impatient.is_err(), "timed out while the fetch ran");

    // The others still get the token, when the one fetch completes.
    let token = waiter.await.unwrap().unwrap();
    assert_eq!(token.secret(), "token-1");
    let elapsed = Instant::now() - started;
    assert!(
        elapsed >= fetch_takes && elapsed < fetch_takes + Duration::from_millis(10),
        "the waiter got the token when the fetch completed, not later: {elapsed:?}"
    );
    assert_eq!(source.calls(), 1);
    assert_eq!(source.completed(), 1);
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");
    assert_eq!(source.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_fetch_goes_to_every_waiter_then_backs_off_then_retries() {
    let source = FakeSource::new(HOUR, Duration::from_secs(1));
    source.set_failing(true);
    let cache = Arc::new(
        MemoryTokenCache::new().failure_backoff(Duration::from_secs(1), Duration::from_secs(10)),
    );
    let provider = provider_over(&source, cache);

    // Every waiter gets the one failure.
    let failed = join_all((0..20).map(|_| provider.token())).await;
    assert_eq!(source.calls(), 1);
    for result in &failed {
        let err = result.as_ref().unwrap_err();
        assert!(
            matches!(err, TokenError::InvalidResponse(m) if m == "fake failure #1"),
            "{err:?}"
        );
    }

    // Right after, the cache backs off without asking the source.
    let err = provider.token().await.unwrap_err();
    let TokenError::BackingOff { retry_in, last } = &err else {
        panic!("expected BackingOff, got {err:?}");
    };
    assert!(*retry_in > Duration::ZERO && *retry_in <= Duration::from_secs(1));
    assert!(last.to_string().contains("fake failure #1"), "{last}");
    assert_eq!(source.calls(), 1);

    // After the window, the next call tries again; a second failure doubles the wait.
    tokio::time::advance(Duration::from_millis(1001)).await;
    let err = provider.token().await.unwrap_err();
    assert!(err.to_string().contains("fake failure #2"), "{err}");
    assert_eq!(source.calls(), 2);
    let err = provider.token().await.unwrap_err();
    assert!(
        matches!(&err, TokenError::BackingOff { retry_in, .. } if *retry_in >= Duration::from_secs(1)),
        "{err:?}"
    );
    assert_eq!(source.calls(), 2);

    // Once the source recovers and the window has passed, a token comes.
    source.set_failing(false);
    tokio::time::advance(Duration::from_millis(2001)).await;
    assert_eq!(provider.token().await.unwrap().secret(), "token-3");
    assert_eq!(source.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_failed_background_refresh_keeps_serving_the_valid_token() {
    let source = FakeSource::new(HOUR, Duration::ZERO);
    let provider = provider(&source);
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");

    source.set_failing(true);
    tokio::time::advance(INTO_REFRESH_WINDOW).await;
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");
    let_tasks_run().await;
    assert_eq!(source.calls(), 2, "the refresh ran and failed");
    assert_eq!(source.completed(), 2);

    // Within the failure backoff: still the old token, no new attempt.
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");
    let_tasks_run().await;
    assert_eq!(source.calls(), 2);

    // After it, another background attempt; still the old token.
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");
    let_tasks_run().await;
    assert_eq!(source.calls(), 3);

    // When the source recovers, the refreshed token replaces it.
    source.set_failing(false);
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(provider.token().await.unwrap().secret(), "token-1");
    let_tasks_run().await;
    assert_eq!(source.calls(), 4);
    assert_eq!(provider.token().await.unwrap().secret(), "token-4");
}

#[tokio::test(start_paused = true)]
async fn the_memory_cache_holds_at_most_its_capacity() {
    let source = FakeSource::new(HOUR, Duration::from_millis(10));
    let cache = Arc::new(MemoryTokenCache::with_capacity(2));

    for key in ["tenant-a", "tenant-b", "tenant-c", "tenant-d"] {
        let provider =
            OAuthProvider::from_source(CacheKey::custom(key), source.clone(), cache.clone());
        provider.token().await.unwrap();
        assert!(cache.len() <= 2, "{} keys after {key}", cache.len());
    }

    assert_eq!(cache.len(), 2);
    assert_eq!(source.calls(), 4);
}

#[test]
fn cache_keys_ignore_scope_order_and_separate_users() {
    let url = "https://login.microsoftonline.com/t/oauth2/v2.0/token";
    let key = |grant: &str, user: Option<&str>, scopes: &[&str]| {
        let mut key = CacheKey::builder(url, "id", grant).scopes(scopes);
        if let Some(user) = user {
            key = key.username(user);
        }
        key.credential(b"same secret").build()
    };
    let a = key("password", Some("ann"), &["b", "a"]);
    let b = key("password", Some("ann"), &["a", "b"]);
    let c = key("password", Some("bob"), &["a", "b"]);
    let d = key("client_credentials", None, &["a", "b"]);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, d);
    assert_ne!(c, d);
}

#[tokio::test(start_paused = true)]
async fn a_token_dropped_through_another_provider_is_not_served_from_the_hot_path() {
    // Two providers over one cache stand for two clients, or two processes sharing
    // a cache whose invalidations arrive from elsewhere.
    let source = FakeSource::new(HOUR, Duration::from_millis(100));
    let cache = Arc::new(MemoryTokenCache::new());
    let a = provider_over(&source, cache.clone());
    let b = provider_over(&source, cache.clone());
    let rejected = a.token().await.unwrap();
    assert!(b.token().await.unwrap().same_as(&rejected));
    assert!(
        b.cached().is_some_and(|t| t.same_as(&rejected)),
        "b kept it"
    );
    assert_eq!(source.calls(), 1);

    // The cache drops the token on someone else's behalf: b's kept copy is stale.
    cache.invalidate(a.cache_key(), &rejected).await;
    assert!(
        b.cached().is_none(),
        "b's hot path no longer trusts its copy"
    );
    let fresh = b.token().await.unwrap();
    assert_eq!(fresh.secret(), "token-2");
    assert!(a.token().await.unwrap().same_as(&fresh));
    assert_eq!(source.calls(), 2);
    // Once confirmed by the cache, the new token is served from the hot path again.
    assert!(b.cached().is_some_and(|t| t.same_as(&fresh)));
}

/// A source whose fetch panics (a bug in a custom source): its task dies before it
/// delivers anything.
#[derive(Debug)]
struct PanickingSource;

#[async_trait]
impl TokenSource for PanickingSource {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        panic!("a bug in a custom token source");
    }
}

#[tokio::test(start_paused = true)]
async fn a_fetch_whose_task_died_does_not_pin_its_key_in_a_full_cache() {
    let cache = Arc::new(MemoryTokenCache::with_capacity(1));
    let broken: Arc<dyn TokenSource> = Arc::new(PanickingSource);
    let err = cache
        .get(&CacheKey::custom("tenant-broken"), &broken)
        .await
        .unwrap_err();
    assert!(matches!(err, TokenError::Abandoned), "{err:?}");
    let_tasks_run().await;

    // The dead fetch's key makes room like any other: the bound holds.
    let source = FakeSource::new(HOUR, Duration::ZERO);
    let healthy: Arc<dyn TokenSource> = source.clone();
    let token = cache
        .get(&CacheKey::custom("tenant-ok"), &healthy)
        .await
        .unwrap();
    assert_eq!(token.secret(), "token-1");
    assert_eq!(cache.len(), 1, "the cache holds at most its capacity");
    assert!(cache.peek(&CacheKey::custom("tenant-ok")).is_some());
}

#[tokio::test(start_paused = true)]
async fn a_full_cache_drops_an_expired_token_before_one_still_usable() {
    let source = FakeSource::new(HOUR, Duration::ZERO);
    let dyn_source: Arc<dyn TokenSource> = source.clone();
    let cache = Arc::new(MemoryTokenCache::with_capacity(2));
    let long = CacheKey::custom("one-hour");
    let short = CacheKey::custom("forty-seconds");

    // A one-hour token, and near its end a 40 s token that expires before it.
    cache.get(&long, &dyn_source).await.unwrap();
    tokio::time::advance(Duration::from_secs(3600 - 45)).await;
    source.lifetime_s.store(40, Ordering::SeqCst);
    cache.get(&short, &dyn_source).await.unwrap();
    // 25 s on, the one-hour token is within its last 30 s: no longer handed out. The
    // 40 s token (15 s left, past its 10 s skew) still is, though it expires first.
    tokio::time::advance(Duration::from_secs(25)).await;
    assert!(cache.peek(&long).is_none());
    let usable = cache.peek(&short).unwrap();

    source.lifetime_s.store(3600, Ordering::SeqCst);
    cache
        .get(&CacheKey::custom("newcomer"), &dyn_source)
        .await
        .unwrap();

    assert_eq!(cache.len(), 2);
    assert!(
        cache.peek(&short).is_some_and(|t| t.same_as(&usable)),
        "the usable token was kept; the expired one made room"
    );
    let calls = source.calls();
    assert!(cache
        .get(&short, &dyn_source)
        .await
        .unwrap()
        .same_as(&usable));
    assert_eq!(source.calls(), calls, "served without a fetch");
}

#[tokio::test(start_paused = true)]
async fn a_full_cache_drops_the_token_expiring_first() {
    let source = FakeSource::new(HOUR, Duration::ZERO);
    let dyn_source: Arc<dyn TokenSource> = source.clone();
    let cache = Arc::new(MemoryTokenCache::with_capacity(8));
    // Eight keys, filled in an order unrelated to their lifetimes.
    let lifetimes = [7u64, 2, 5, 0, 3, 6, 1, 4];
    for (i, rank) in lifetimes.iter().enumerate() {
        source.lifetime_s.store(3600 + 600 * rank, Ordering::SeqCst);
        cache
            .get(&CacheKey::custom(format!("key-{i}")), &dyn_source)
            .await
            .unwrap();
    }
    // Newcomers outlive all of them; each one pushes out the key expiring first.
    source.lifetime_s.store(100_000, Ordering::SeqCst);
    for rank in 0..6u64 {
        cache
            .get(&CacheKey::custom(format!("newcomer-{rank}")), &dyn_source)
            .await
            .unwrap();
        assert_eq!(cache.len(), 8);
        for (i, r) in lifetimes.iter().enumerate() {
            let held = cache.peek(&CacheKey::custom(format!("key-{i}"))).is_some();
            assert_eq!(
                held,
                *r > rank,
                "after newcomer {rank}: key-{i} (lifetime rank {r}) held: {held}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_fetch_is_tried_again_the_moment_the_backoff_ends() {
    let source = FakeSource::new(HOUR, Duration::ZERO);
    source.set_failing(true);
    let dyn_source: Arc<dyn TokenSource> = source.clone();
    let cache =
        MemoryTokenCache::new().failure_backoff(Duration::from_secs(1), Duration::from_secs(10));
    let key = CacheKey::custom("backoff-boundary");

    cache.get(&key, &dyn_source).await.unwrap_err();
    let err = cache.get(&key, &dyn_source).await.unwrap_err();
    let TokenError::BackingOff { retry_in, .. } = err else {
        panic!("expected BackingOff, got {err:?}");
    };
    assert_eq!(source.calls(), 1);

    source.set_failing(false);
    tokio::time::advance(retry_in).await;
    let token = cache.get(&key, &dyn_source).await.unwrap();
    assert_eq!(token.secret(), "token-2");
    assert_eq!(source.calls(), 2);
}

/// A shared cache that keeps no invalidation counter (the trait's default), whose
/// `get` takes a second (a network round trip) to answer with the token it held
/// when asked.
#[derive(Debug, Default)]
struct SlowCounterlessCache {
    current: std::sync::Mutex<Option<AccessToken>>,
}

#[async_trait]
impl TokenCache for SlowCounterlessCache {
    async fn get(
        &self,
        _key: &CacheKey,
        source: &Arc<dyn TokenSource>,
    ) -> Result<AccessToken, TokenError> {
        let held = self.current.lock().unwrap().clone();
        let token = match held {
            Some(token) => token,
            None => {
                let token = source.fetch(None).await?;
                *self.current.lock().unwrap() = Some(token.clone());
                token
            }
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(token)
    }

    async fn invalidate(&self, _key: &CacheKey, token: &AccessToken) {
        let mut current = self.current.lock().unwrap();
        if current.as_ref().is_some_and(|t| t.same_as(token)) {
            *current = None;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_rejected_while_a_call_fetched_it_is_not_served_from_the_hot_path() {
    let source = FakeSource::new(HOUR, Duration::ZERO);
    let cache = Arc::new(SlowCounterlessCache::default());
    let provider = Arc::new(OAuthProvider::from_source(
        CacheKey::custom("counterless"),
        source.clone(),
        cache.clone(),
    ));

    // A call asks the cache for a token; while the answer (token-1) travels back, an
    // API rejects token-1 for another call.
    let slow_call = tokio::spawn({
        let provider = provider.clone();
        async move { provider.token().await }
    });
    let_tasks_run().await;
    let in_transit = cache.current.lock().unwrap().clone().unwrap();
    assert_eq!(in_transit.secret(), "token-1");
    provider.invalidate(&in_transit).await;
    let late = slow_call.await.unwrap().unwrap();
    assert!(late.same_as(&in_transit));

    assert!(
        provider.cached().is_none(),
        "the rejected token is not handed out from the hot path"
    );
    let current = provider.token().await.unwrap();
    assert_eq!(current.secret(), "token-2");
    assert_eq!(source.calls(), 2);
    assert!(provider.cached().is_some_and(|t| t.same_as(&current)));

    // A late 401 for the old token: the kept copy is not trusted until the cache
    // confirms the current one, and then it is kept again.
    provider.invalidate(&late).await;
    assert!(provider.cached().is_none());
    assert!(provider.token().await.unwrap().same_as(&current));
    assert!(
        provider.cached().is_some_and(|t| t.same_as(&current)),
        "confirmed by the cache: back on the hot path"
    );
    assert_eq!(source.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_key_whose_fetch_is_in_flight_is_not_evicted() {
    let source = FakeSource::new(HOUR, Duration::from_secs(1));
    let dyn_source: Arc<dyn TokenSource> = source.clone();
    let cache = Arc::new(MemoryTokenCache::with_capacity(1));
    let busy = CacheKey::custom("fetching");

    let waiter = tokio::spawn({
        let (cache, source, busy) = (cache.clone(), dyn_source.clone(), busy.clone());
        async move { cache.get(&busy, &source).await }
    });
    let_tasks_run().await;
    assert_eq!(source.calls(), 1);
    // Another key arrives while the full cache's only key is being fetched.
    cache
        .get(&CacheKey::custom("other"), &dyn_source)
        .await
        .unwrap();
    let fetched = waiter.await.unwrap().unwrap();
    assert_eq!(source.calls(), 2);

    // The fetched token was kept: the next caller gets it without a fetch.
    assert!(cache
        .get(&busy, &dyn_source)
        .await
        .unwrap()
        .same_as(&fetched));
    assert_eq!(source.calls(), 2);
}

#[test]
fn a_static_provider_hands_out_its_token_without_waiting() {
    let token = AccessToken::valid_for("static-token", HOUR);
    let provider = oauth_core::StaticTokenProvider::new(token.clone());
    assert!(provider.cached().is_some_and(|t| t.same_as(&token)));
}

#[tokio::test(start_paused = true)]
async fn a_memory_cache_is_empty_until_it_holds_a_key() {
    let source = FakeSource::new(HOUR, Duration::ZERO);
    let dyn_source: Arc<dyn TokenSource> = source.clone();
    let cache = MemoryTokenCache::new();
    assert!(cache.is_empty());
    cache
        .get(&CacheKey::custom("one"), &dyn_source)
        .await
        .unwrap();
    assert!(!cache.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_built_over_one_shared_cache_make_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("the one token request")
        .mount(&server)
        .await;
    let shared = Arc::new(MemoryTokenCache::new());
    let build = || {
        OAuthProvider::builder()
            .cache(shared.clone())
            .endpoint(TokenEndpoint::url(token_url(&server)))
            .credentials(Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET))
            .allow_insecure_loopback(true)
            .build()
            .unwrap()
    };
    let (a, b) = (build(), build());

    assert_eq!(a.token().await.unwrap().secret(), ACCESS_TOKEN);
    assert_eq!(b.token().await.unwrap().secret(), ACCESS_TOKEN);
    assert_eq!(shared.len(), 1, "the token is held in the shared cache");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A cache shared by two principals counts invalidations for both: after the other's
/// token is rejected, this provider's token (unchanged, still fresh) goes back on its
/// hot path at its next call, instead of every later call going through the cache.
#[tokio::test(start_paused = true)]
async fn another_principals_invalidation_leaves_this_token_on_the_hot_path_after_one_call() {
    let cache = Arc::new(MemoryTokenCache::new());
    let source_a = FakeSource::new(HOUR, Duration::ZERO);
    let source_b = FakeSource::new(HOUR, Duration::ZERO);
    let a = OAuthProvider::from_source(
        CacheKey::custom("principal-a"),
        source_a.clone(),
        cache.clone(),
    );
    let b = OAuthProvider::from_source(
        CacheKey::custom("principal-b"),
        source_b.clone(),
        cache.clone(),
    );
    let token_a = a.token().await.unwrap();
    let token_b = b.token().await.unwrap();
    assert!(a.cached().is_some_and(|t| t.same_as(&token_a)));

    b.invalidate(&token_b).await;
    assert!(
        a.cached().is_none(),
        "an invalidation in the shared cache sends every provider to the cache once"
    );
    assert!(a.token().await.unwrap().same_as(&token_a));
    assert!(
        a.cached().is_some_and(|t| t.same_as(&token_a)),
        "the same token, confirmed by the cache, is back on the hot path"
    );
    assert_eq!(source_a.calls(), 1);
}

/// The pipeline holds its provider as `Arc<dyn TokenProvider>` and drops a rejected
/// token through the trait: that must reach the cache as the inherent call does.
#[tokio::test(start_paused = true)]
async fn invalidating_through_the_provider_trait_makes_the_next_call_fetch() {
    let source = FakeSource::new(HOUR, Duration::from_millis(100));
    let provider: Arc<dyn TokenProvider> = provider(&source);
    let rejected = provider.token().await.unwrap();
    assert_eq!(rejected.secret(), "token-1");

    provider.invalidate(&rejected).await;
    assert!(provider.cached().is_none(), "the rejected token is gone");
    let next = provider.token().await.unwrap();

    assert_eq!(next.secret(), "token-2");
    assert_eq!(source.calls(), 2);
    assert!(provider.cached().is_some_and(|t| t.same_as(&next)));
}

/// What a memory cache shows in `Debug`: how many keys it holds and its capacity,
/// never a token.
#[tokio::test(start_paused = true)]
async fn a_memory_cache_debug_shows_its_keys_and_capacity_but_no_token() {
    let source = FakeSource::new(HOUR, Duration::ZERO);
    let dyn_source: Arc<dyn TokenSource> = source.clone();
    let cache = MemoryTokenCache::with_capacity(7);
    assert_eq!(
        format!("{cache:?}"),
        "MemoryTokenCache { keys: 0, capacity: 7, .. }"
    );
    for key in ["one", "two"] {
        cache
            .get(&CacheKey::custom(key), &dyn_source)
            .await
            .unwrap();
    }
    let text = format!("{cache:?}");
    assert_eq!(text, "MemoryTokenCache { keys: 2, capacity: 7, .. }");
    assert!(!text.contains("token-"), "{text}");
}

/// Refresh ahead starts at the refresh point itself: a call an instant before it is
/// served without a fetch, a call at it starts one in the background.
#[tokio::test(start_paused = true)]
async fn the_refresh_starts_at_the_refresh_point_itself() {
    let source = FakeSource::new(HOUR, Duration::from_millis(100));
    let provider = provider(&source);
    let first = provider.token().await.unwrap();
    let until_refresh = first.refresh_at() - Instant::now();
    tokio::time::advance(until_refresh - Duration::from_nanos(1)).await;
    assert!(provider.token().await.unwrap().same_as(&first));
    let_tasks_run().await;
    assert_eq!(source.calls(), 1, "an instant before the refresh point");
    tokio::time::advance(Duration::from_nanos(1)).await;
    assert!(
        provider.token().await.unwrap().same_as(&first),
        "served at once"
    );
    let_tasks_run().await;
    assert_eq!(source.calls(), 2, "at the refresh point");
}

/// A token read back from a shared cache keeps the lifetime it was issued with and
/// expires at the wall-clock instant stored, so every process refreshes it at the
/// same point.
#[test]
fn a_restored_token_keeps_its_lifetime_and_expiry() {
    let lifetime = Duration::from_secs(3600);
    let expires = std::time::SystemTime::now() + Duration::from_secs(1800);
    let token = AccessToken::restore("shared", "Bearer", expires, lifetime, vec!["s".into()]);
    assert_eq!(token.lifetime(), lifetime);
    let remaining = token.remaining();
    assert!(
        remaining > Duration::from_secs(1795) && remaining <= Duration::from_secs(1800),
        "{remaining:?}"
    );
    let drift = token
        .expires_at_wall()
        .duration_since(expires)
        .unwrap_or_else(|e| e.duration());
    assert!(drift < Duration::from_secs(1), "{drift:?}");
    assert_eq!(token.scopes(), ["s"]);
}
