//! Redis down, silent or stopped mid-run: callers still get tokens, quickly.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use oauth_cache_redis::RedisTokenCache;
use oauth_core::{OAuthProvider, TokenCache, TokenSource};
use tokio::time::Instant;

use crate::common::*;

const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

fn provider(cache: &RedisTokenCache, source: &Arc<FakeSource>) -> Arc<OAuthProvider> {
    Arc::new(OAuthProvider::from_source(
        default_key(),
        source.clone() as Arc<dyn TokenSource>,
        Arc::new(cache.clone()),
    ))
}

/// Runs 8 concurrent callers; all must get the `n`-th token within `bound`.
async fn all_get_token(provider: &Arc<OAuthProvider>, expected: &str, bound: Duration) {
    let started = Instant::now();
    let results = join_all((0..8).map(|_| {
        let provider = provider.clone();
        tokio::spawn(async move { provider.token().await })
    }))
    .await;
    let took = started.elapsed();
    for result in results {
        assert_eq!(result.unwrap().unwrap().secret(), expected);
    }
    assert!(took < bound, "took {took:?}, bound {bound:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_nothing_listening_callers_still_get_tokens_quickly() {
    // No Redis needed: nothing listens on port 1.
    let cache = RedisTokenCache::builder("redis://127.0.0.1:1/")
        .encryption_key(TEST_KEY)
        .redis_timeout(REDIS_TIMEOUT)
        .build()
        .expect("building does not connect");
    let source = FakeSource::new(Duration::from_millis(20));
    let provider = provider(&cache, &source);

    all_get_token(&provider, &source.token_value(1), Duration::from_secs(1)).await;
    assert_eq!(
        source.calls(),
        1,
        "still one fetch per process (memory single flight)"
    );

    // After a 401 the next token comes directly from the source, just as fast.
    let token = provider.token().await.unwrap();
    let started = Instant::now();
    provider.invalidate(&token).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    all_get_token(&provider, &source.token_value(2), Duration::from_secs(1)).await;
    assert_eq!(source.calls(), 2);

    assert!(cache.connect().await.is_err());
    assert!(!cache.is_subscribed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_a_redis_that_never_answers_each_call_waits_at_most_the_timeout() {
    // Accepts connections and never answers: a hung or blackholed Redis.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let cache = RedisTokenCache::builder(format!("redis://127.0.0.1:{port}/"))
        .encryption_key(TEST_KEY)
        .redis_timeout(REDIS_TIMEOUT)
        .build()
        .unwrap();
    let source = FakeSource::new(Duration::from_millis(20));
    let provider = provider(&cache, &source);

    // One Redis timeout, then the direct fetch.
    let started = Instant::now();
    all_get_token(&provider, &source.token_value(1), Duration::from_secs(1)).await;
    let took = started.elapsed();
    println!("first token with a silent Redis: {took:?} (Redis timeout {REDIS_TIMEOUT:?})");
    assert!(took >= REDIS_TIMEOUT, "it did ask Redis first: {took:?}");
    assert_eq!(source.calls(), 1);

    // From memory afterwards: no Redis on the hot path.
    let started = Instant::now();
    provider.token().await.unwrap();
    assert!(started.elapsed() < REDIS_TIMEOUT);
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn when_redis_stops_mid_run_callers_still_get_tokens_quickly() {
    let Some(mut redis) = OwnRedis::start().await else {
        return;
    };
    let prefix = unique_prefix();
    let source = FakeSource::new(Duration::from_millis(20));
    let a = builder(&redis.redis, &prefix)
        .redis_timeout(REDIS_TIMEOUT)
        .build()
        .unwrap();
    let b = builder(&redis.redis, &prefix)
        .redis_timeout(REDIS_TIMEOUT)
        .build()
        .unwrap();
    a.connect().await.unwrap();
    b.connect().await.unwrap();
    let provider_a = provider(&a, &source);
    let provider_b = provider(&b, &source);

    // Healthy: one fetch shared through Redis.
    all_get_token(&provider_a, &source.token_value(1), Duration::from_secs(1)).await;
    all_get_token(&provider_b, &source.token_value(1), Duration::from_secs(1)).await;
    assert_eq!(source.calls(), 1);

    redis.shutdown().await;

    // Memory still serves.
    all_get_token(
        &provider_b,
        &source.token_value(1),
        Duration::from_millis(500),
    )
    .await;
    // A 401 and a refetch: Redis fails, the source answers directly.
    let token = provider_a.token().await.unwrap();
    let started = Instant::now();
    provider_a.invalidate(&token).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    all_get_token(&provider_a, &source.token_value(2), Duration::from_secs(1)).await;
    // A process started after Redis died.
    let c = builder(&redis.redis, &prefix)
        .redis_timeout(REDIS_TIMEOUT)
        .build()
        .unwrap();
    let provider_c = provider(&c, &source);
    all_get_token(&provider_c, &source.token_value(3), Duration::from_secs(1)).await;
    assert_eq!(source.calls(), 3);

    // The lost subscription is noticed.
    tokio::time::timeout(Duration::from_secs(2), async {
        while b.is_subscribed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the subscription loss is noticed");
    assert!(b.connect().await.is_err());
    let _ = b
        .get(&default_key(), &(source.clone() as Arc<dyn TokenSource>))
        .await
        .unwrap();
}
