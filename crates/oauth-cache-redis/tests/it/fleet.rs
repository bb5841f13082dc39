//! One token request for a whole fleet, and takeover when the fetching process dies.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use oauth_core::{Credentials, OAuthProvider, TokenCache, TokenEndpoint, TokenSource};
use tokio::time::Instant;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

on_each_deployment!(
    eight_processes_on_a_cold_cache_make_one_token_request,
    when_the_fetching_process_dies_another_takes_over_within_the_lock_ttl,
    a_token_in_redis_is_used_only_if_fresh_and_not_rejected,
    waiters_read_the_new_token_when_it_is_announced_not_at_their_next_poll,
);

const INSTANCES: usize = 8;
const CALLERS_PER_INSTANCE: usize = 4;

async fn eight_processes_on_a_cold_cache_make_one_token_request(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "access_token": "at-fleet-shared-token",
                }))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .named("token endpoint, once for the whole fleet")
        .mount(&server)
        .await;

    // Eight "processes": each its own cache (memory cache, connection, subscription)
    // and its own provider with its own token client.
    let providers: Vec<Arc<OAuthProvider>> = (0..INSTANCES)
        .map(|_| {
            let cache = builder(&redis, &prefix).build().unwrap();
            Arc::new(
                OAuthProvider::builder()
                    .endpoint(
                        TokenEndpoint::url(format!("{}/oauth2/token", server.uri()))
                            .with_scopes(["api://fleet-api/.default"]),
                    )
                    .credentials(Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET))
                    .allow_insecure_loopback(true)
                    .cache(Arc::new(cache))
                    .build()
                    .unwrap(),
            )
        })
        .collect();

    let started = Instant::now();
    let calls = providers.iter().flat_map(|provider| {
        (0..CALLERS_PER_INSTANCE).map(move |_| {
            let provider = provider.clone();
            tokio::spawn(async move {
                let token = provider.token().await;
                (token, started.elapsed())
            })
        })
    });
    let results = join_all(calls).await;

    let mut latencies = Vec::new();
    for result in results {
        let (token, latency) = result.unwrap();
        assert_eq!(token.unwrap().secret(), "at-fleet-shared-token");
        latencies.push(latency);
    }
    latencies.sort();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "one token request for the fleet");
    println!(
        "{INSTANCES} instances x {CALLERS_PER_INSTANCE} callers: first token after {:?}, last after {:?} (token endpoint delay 200 ms)",
        latencies[0],
        latencies[latencies.len() - 1]
    );
    // The waiters poll at most every 250 ms: all have the token soon after it exists.
    assert!(
        latencies[latencies.len() - 1] < Duration::from_secs(2),
        "{latencies:?}"
    );

    // Warm: every provider answers from memory, still one request.
    for provider in &providers {
        assert_eq!(
            provider.token().await.unwrap().secret(),
            "at-fleet-shared-token"
        );
    }
    server.verify().await;
}

async fn when_the_fetching_process_dies_another_takes_over_within_the_lock_ttl(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    const LOCK_TTL: Duration = Duration::from_secs(1);
    let source = FakeSource::hanging_first(Duration::ZERO);
    let key = default_key();

    // The victim "process" runs on a runtime of its own, so that killing it kills
    // everything it runs: the detached fetch, its connections, its subscription.
    let victim_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let victim = builder(&redis, &prefix).lock_ttl(LOCK_TTL).build().unwrap();
    let lock_key = format!("{}:lock", victim.redis_key(&key));
    let victim_provider = OAuthProvider::from_source(
        key.clone(),
        source.clone() as Arc<dyn TokenSource>,
        Arc::new(victim.clone()),
    );
    let victim_call = victim_runtime.spawn(async move { victim_provider.token().await });
    source.wait_for_calls(1).await;
    assert!(
        raw_get(&redis, &lock_key).await.is_some(),
        "the victim holds the fetch lock while it fetches"
    );

    let killed = Instant::now();
    victim_call.abort();
    victim_runtime.shutdown_background();

    let survivor = builder(&redis, &prefix).lock_ttl(LOCK_TTL).build().unwrap();
    let survivor_provider = OAuthProvider::from_source(
        key.clone(),
        source.clone() as Arc<dyn TokenSource>,
        Arc::new(survivor),
    );
    let token = tokio::time::timeout(LOCK_TTL * 3, survivor_provider.token())
        .await
        .expect("a token within the lock TTL plus margin")
        .unwrap();
    let took = killed.elapsed();
    println!("takeover after the holder died: {took:?} (lock TTL {LOCK_TTL:?})");

    assert_eq!(token.secret(), source.token_value(2));
    assert_eq!(source.calls(), 2);
    // It waited for the dead holder's lock to expire (not ignored it) ...
    assert!(took >= LOCK_TTL / 2, "took {took:?}");
    // ... and took over soon after.
    assert!(took <= LOCK_TTL + Duration::from_secs(1), "took {took:?}");
    // The survivor released its own lock.
    assert!(raw_get(&redis, &lock_key).await.is_none());
    drop(victim);
}

async fn a_token_in_redis_is_used_only_if_fresh_and_not_rejected(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);

    // A token too close to its refresh point, stored by "another process" of a
    // fleet that keeps tokens in plaintext.
    let writer = plain_builder(&redis, &prefix).build().unwrap();
    let stale = oauth_core::AccessToken::valid_for("at-stale-near-expiry", Duration::from_secs(40));
    let record = serde_json::json!({
        "v": 1,
        "access_token": stale.secret(),
        "token_type": "Bearer",
        "expires_at_ms": stale.expires_at_wall().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64,
        "lifetime_ms": 3_600_000u64,
        "scopes": [],
    });
    let mut conn = raw(&redis).await;
    let _: () = redis::cmd("SET")
        .arg(writer.redis_key(&key))
        .arg(record.to_string())
        .arg("PX")
        .arg(40_000)
        .query_async(&mut conn)
        .await
        .unwrap();

    // Not fresh on this clock (40 s left of an hour): fetched anew, and stored.
    let cache = plain_builder(&redis, &prefix).build().unwrap();
    let token = cache.get(&key, &dyn_source).await.unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    assert_eq!(source.calls(), 1);

    // A fresh stored token is taken as is by another process.
    let other = plain_builder(&redis, &prefix).build().unwrap();
    let token = other.get(&key, &dyn_source).await.unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    assert_eq!(source.calls(), 1);
    assert_eq!(token.scopes(), ["api://fleet-api/.default"]);

    // Rejected by an API: even if a slow writer puts it back into Redis, this process
    // does not take it again.
    let raw_value = raw_get(&redis, &other.redis_key(&key)).await.unwrap();
    other.invalidate(&key, &token).await;
    assert!(raw_get(&redis, &other.redis_key(&key)).await.is_none());
    let _: () = redis::cmd("SET")
        .arg(other.redis_key(&key))
        .arg(raw_value)
        .query_async(&mut conn)
        .await
        .unwrap();
    let token = other.get(&key, &dyn_source).await.unwrap();
    assert_eq!(token.secret(), source.token_value(2));
    assert_eq!(source.calls(), 2);
}

async fn waiters_read_the_new_token_when_it_is_announced_not_at_their_next_poll(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    // The fetch takes 300 ms; a waiter that only polled would look again after 20 s.
    let (source, dyn_source) = FakeSource::shared(Duration::from_millis(300));
    let slow_poll = Duration::from_secs(20);
    let holder = builder(&redis, &prefix).build().unwrap();
    let waiter = builder(&redis, &prefix)
        .lock_poll(slow_poll, slow_poll)
        .build()
        .unwrap();
    holder.connect().await.unwrap();
    waiter.connect().await.unwrap();

    let started = Instant::now();
    let fetching = tokio::spawn({
        let dyn_source = dyn_source.clone();
        async move { holder.get(&key, &dyn_source).await }
    });
    // Let the holder take the lock, then wait in the other process.
    source.wait_for_calls(1).await;
    let waited = tokio::time::timeout(slow_poll / 2, waiter.get(&default_key(), &dyn_source))
        .await
        .expect("woken by the announcement, long before the next poll")
        .unwrap();
    let fetched = fetching.await.unwrap().unwrap();
    assert!(waited.same_as(&fetched));
    assert_eq!(source.calls(), 1, "the waiter did not fetch its own");
    println!(
        "the waiter had the token {:?} after the fetch began",
        started.elapsed()
    );
}
