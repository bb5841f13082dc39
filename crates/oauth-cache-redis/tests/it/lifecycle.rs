//! What a cache leaves behind when it is dropped, and what it does for the callers it
//! serves that no other test pins down.

use std::time::Duration;

use oauth_cache_redis::{RedisCacheError, RedisTokenCache};
use oauth_core::TokenCache as _;

use crate::common::*;

/// How many connections listen on `channel` (`PUBSUB NUMSUB`).
async fn subscribers(redis: &Redis, channel: &str) -> i64 {
    let mut conn = node_connection(&redis.node_clients()[0]).await;
    let (_, count): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut conn)
        .await
        .expect("PUBSUB NUMSUB");
    count
}

/// Dropping the last clone of a cache ends its invalidation subscription: a process
/// that builds caches (per tenant, per test...) does not pile up Redis connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_cache_leaves_no_subscription_behind() {
    let redis = require_redis!();
    let (redis, prefix, _cleanup) = isolated(redis);
    let cache = builder(&redis, &prefix).build().unwrap();
    let clone = cache.clone();
    cache.connect().await.unwrap();
    let channel = cache.invalidation_channel().to_owned();
    assert_eq!(subscribers(&redis, &channel).await, 1);
    drop(cache);
    assert_eq!(
        subscribers(&redis, &channel).await,
        1,
        "a clone still uses the cache"
    );
    drop(clone);
    // Nothing is published on the channel: without the cache ending it, the
    // subscription would stay for good. The bound only keeps a failure from hanging.
    let gone = tokio::time::timeout(Duration::from_secs(30), async {
        while subscribers(&redis, &channel).await != 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the subscription outlived the cache");
}

/// A token this process saw rejected stays refused from Redis while the process goes
/// on using other keys: caching more keys (far fewer than the cache's bound on keys
/// it remembers) does not make it forget the rejection, so a slow writer that puts
/// the rejected token back cannot get it used again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_is_remembered_while_other_keys_are_cached() {
    let redis = require_redis!();
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let other_key = cache_key("https://login.example/other-tenant/oauth2/v2.0/token");
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = builder(&redis, &prefix).build().unwrap();

    let rejected = cache.get(&key, &dyn_source).await.unwrap();
    let stored = raw_get(&redis, &cache.redis_key(&key)).await.unwrap();
    cache.invalidate(&key, &rejected).await;
    // The slow writer.
    plant(&redis, &cache.redis_key(&key), stored.as_bytes(), 60_000).await;
    // Another key, cached meanwhile.
    let other = cache.get(&other_key, &dyn_source).await.unwrap();
    assert_eq!(other.secret(), source.token_value(2));

    let again = cache.get(&key, &dyn_source).await.unwrap();
    assert!(
        !again.same_as(&rejected),
        "the rejected token was used again"
    );
    assert_eq!(again.secret(), source.token_value(3));
    assert_eq!(source.calls(), 3);
}

/// `connect` to a closed port fails at once as a Redis failure: not a timeout, nor a
/// credential or permission problem. (No Redis needed.)
#[tokio::test]
async fn connect_to_a_closed_port_is_a_redis_failure() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("redis://{}/", closed.local_addr().unwrap());
    drop(closed);
    let cache = RedisTokenCache::builder(closed_url)
        .encryption_key(TEST_KEY)
        .redis_timeout(Duration::from_secs(5))
        .subscribe_invalidations(false)
        .build()
        .unwrap();
    let err = cache.connect().await.unwrap_err();
    assert!(matches!(err, RedisCacheError::Redis(_)), "{err:?}");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(
        !err.is_authentication() && !err.is_permission_denied(),
        "{err:?}"
    );
}

/// Hands out one long token (JWTs with many claims run to kilobytes).
#[derive(Debug)]
struct LongTokenSource {
    calls: std::sync::atomic::AtomicUsize,
    bytes: usize,
}

#[async_trait::async_trait]
impl oauth_core::TokenSource for LongTokenSource {
    async fn fetch(
        &self,
        _replacing: Option<&oauth_core::AccessToken>,
    ) -> Result<oauth_core::AccessToken, oauth_core::TokenError> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let token = format!("{n}-{}", "x".repeat(self.bytes));
        Ok(oauth_core::AccessToken::valid_for(
            token,
            Duration::from_secs(3600),
        ))
    }
}

/// A long token (11 KiB: near the 12 KiB the crate documents as fitting, encrypted,
/// in the 16 KiB it reads back) is shared through Redis like any other: the second
/// process reads it instead of asking the token endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eleven_kib_token_is_shared_through_redis() {
    let redis = require_redis!();
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let source = std::sync::Arc::new(LongTokenSource {
        calls: std::sync::atomic::AtomicUsize::new(0),
        bytes: 11 * 1024,
    });
    let dyn_source: std::sync::Arc<dyn oauth_core::TokenSource> = source.clone();
    let a = builder(&redis, &prefix).build().unwrap();
    let b = builder(&redis, &prefix).build().unwrap();
    let first = a.get(&key, &dyn_source).await.unwrap();
    assert!(first.secret().len() > 11 * 1024);
    assert!(
        raw_get(&redis, &a.redis_key(&key)).await.is_some(),
        "stored"
    );
    let second = b.get(&key, &dyn_source).await.unwrap();
    assert!(second.same_as(&first));
    assert_eq!(source.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// The first token of a fleet (nothing in Redis yet) is fetched and stored without a
/// single warning: a missing key is not a value that "cannot be read".
#[tokio::test]
async fn a_first_fetch_logs_no_warning() {
    let redis = require_redis!();
    let captured = Captured::default();
    let _logs = tracing::subscriber::set_default(captured.subscriber());
    let (redis, prefix, _cleanup) = isolated(redis);
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = builder(&redis, &prefix)
        .subscribe_invalidations(false)
        .build()
        .unwrap();
    let token = cache.get(&default_key(), &dyn_source).await.unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    assert!(raw_get(&redis, &cache.redis_key(&default_key()))
        .await
        .is_some());
    let logs = captured.text();
    assert!(logs.contains("fetched and stored in Redis"), "{logs}");
    assert!(!logs.contains("WARN"), "{logs}");
}

/// A read Redis denies (an ACL user without the cache's keys) is logged as Redis
/// failing, which points the operator at the ACL, never as a value of the wrong
/// type someone planted; the token still comes.
#[tokio::test]
async fn a_denied_read_is_logged_as_a_redis_failure() {
    let redis = require_redis!();
    let Some((username, password)) = env_credentials() else {
        return;
    };
    let captured = Captured::default();
    let _logs = tracing::subscriber::set_default(captured.subscriber());
    // The CI user may use `oauth-cache-redis-test:*` keys only.
    let prefix = format!("outside-the-acl:{:016x}:", fastrand::u64(..));
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = redis
        .cache_builder()
        .key_prefix(prefix)
        .encryption_key(TEST_KEY)
        .username(username)
        .password(password)
        .subscribe_invalidations(false)
        .build()
        .unwrap();
    let token = cache.get(&default_key(), &dyn_source).await.unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    let logs = captured.text();
    assert!(
        logs.contains("Redis is unavailable") && logs.contains("Redis denied the cache's user"),
        "{logs}"
    );
    assert!(!logs.contains("wrong type"), "{logs}");
}

/// A value over the 16 KiB the cache reads is reported as too large (what an
/// operator needs to know: it is not read past the cap), and ignored.
#[tokio::test]
async fn a_value_over_the_cap_is_reported_as_too_large() {
    let redis = require_redis!();
    let captured = Captured::default();
    let _logs = tracing::subscriber::set_default(captured.subscriber());
    let (redis, prefix, _cleanup) = isolated(redis);
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = builder(&redis, &prefix)
        .subscribe_invalidations(false)
        .build()
        .unwrap();
    let key = default_key();
    plant(&redis, &cache.redis_key(&key), &[b'A'; 20 * 1024], 60_000).await;
    let token = cache.get(&key, &dyn_source).await.unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    let logs = captured.text();
    assert!(logs.contains("too large to be a token"), "{logs}");
    assert!(!logs.contains("cannot be read"), "{logs}");
}

/// A value of exactly the 16 KiB the cache reads is read and used (the cap is
/// inclusive): here a plaintext record padded with trailing blanks.
#[tokio::test]
async fn a_value_of_exactly_the_cap_is_read() {
    let redis = require_redis!();
    let (redis, prefix, _cleanup) = isolated(redis);
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = plain_builder(&redis, &prefix)
        .subscribe_invalidations(false)
        .build()
        .unwrap();
    let key = default_key();
    let expires_at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        + 3_600_000;
    let record = serde_json::json!({
        "v": 1,
        "access_token": "at-planted-at-the-cap",
        "token_type": "Bearer",
        "expires_at_ms": expires_at_ms,
        "lifetime_ms": 3_600_000u64,
        "scopes": [],
    })
    .to_string();
    let mut value = record.into_bytes();
    value.resize(16 * 1024, b' ');
    plant(&redis, &cache.redis_key(&key), &value, 60_000).await;
    let token = cache.get(&key, &dyn_source).await.unwrap();
    assert_eq!(token.secret(), "at-planted-at-the-cap");
    assert_eq!(source.calls(), 0);
}

/// Hands out tokens of exactly `len` plain ASCII bytes (no JSON escaping), each new
/// one different (`sized-secret-<n>-xxx...`), valid for an hour, with the same
/// scopes: records of two such tokens differ in length only by their tokens'.
#[derive(Debug)]
struct SizedTokenSource {
    calls: std::sync::atomic::AtomicUsize,
    len: usize,
}

impl SizedTokenSource {
    const MARK: &'static str = "sized-secret-";

    fn shared(
        len: usize,
    ) -> (
        std::sync::Arc<Self>,
        std::sync::Arc<dyn oauth_core::TokenSource>,
    ) {
        let source = std::sync::Arc::new(Self {
            calls: std::sync::atomic::AtomicUsize::new(0),
            len,
        });
        (source.clone(), source)
    }

    fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl oauth_core::TokenSource for SizedTokenSource {
    async fn fetch(
        &self,
        _replacing: Option<&oauth_core::AccessToken>,
    ) -> Result<oauth_core::AccessToken, oauth_core::TokenError> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let mut token = format!("{}{n}-", Self::MARK);
        assert!(
            token.len() <= self.len,
            "the token is too short for its mark"
        );
        token.push_str(&"x".repeat(self.len - token.len()));
        Ok(
            oauth_core::AccessToken::valid_for(token, Duration::from_secs(3600))
                .with_scopes(vec!["api://fleet-api/.default".to_owned()]),
        )
    }
}

/// The write side of the 16 KiB cap, at the boundary: a token whose stored value
/// (here the plaintext record) is exactly 16384 bytes is stored and shared, one whose
/// value would be 16385 bytes is not stored at all (every process fetches its own),
/// with a warning that does not quote the token. The record's overhead around the
/// token is measured first, with a short token of the same lifetime and scopes (the
/// expiry, in milliseconds since the epoch, has 13 digits until 2286).
#[tokio::test]
async fn a_token_stored_in_exactly_the_cap_is_shared_and_one_byte_more_is_not_stored() {
    const CAP: usize = 16 * 1024;
    let redis = require_redis!();
    let captured = Captured::default();
    let _logs = tracing::subscriber::set_default(captured.subscriber());
    let (redis, prefix, _cleanup) = isolated(redis);
    let a = plain_builder(&redis, &prefix)
        .subscribe_invalidations(false)
        .build()
        .unwrap();
    let b = plain_builder(&redis, &prefix)
        .subscribe_invalidations(false)
        .build()
        .unwrap();

    // The overhead of the record around a token.
    let probe_len = 100;
    let (probe_source, probe_dyn) = SizedTokenSource::shared(probe_len);
    let probe_key = cache_key("https://login.example/probe/oauth2/v2.0/token");
    let probe = a.get(&probe_key, &probe_dyn).await.unwrap();
    assert_eq!(probe.secret().len(), probe_len);
    assert_eq!(probe_source.calls(), 1);
    let probe_value = raw_get(&redis, &a.redis_key(&probe_key))
        .await
        .expect("the probe token is stored");
    assert!(probe_value.contains(probe.secret()), "not plaintext JSON");
    let overhead = probe_value.len() - probe_len;
    assert!(overhead > 0 && overhead < 1024, "overhead {overhead}");

    // Exactly the cap: stored, and the other process uses it.
    let (at_cap_source, at_cap_dyn) = SizedTokenSource::shared(CAP - overhead);
    let at_cap_key = cache_key("https://login.example/at-the-cap/oauth2/v2.0/token");
    let first = a.get(&at_cap_key, &at_cap_dyn).await.unwrap();
    assert_eq!(first.secret().len(), CAP - overhead);
    let stored = raw_get(&redis, &a.redis_key(&at_cap_key))
        .await
        .expect("a token whose value is exactly the cap is stored");
    assert_eq!(stored.len(), CAP, "the value is not exactly at the cap");
    let second = b.get(&at_cap_key, &at_cap_dyn).await.unwrap();
    assert!(second.same_as(&first), "the other process did not share it");
    assert_eq!(at_cap_source.calls(), 1);

    // One byte over: not stored, each process fetches its own, the warning says why
    // without the token.
    let (over_source, over_dyn) = SizedTokenSource::shared(CAP + 1 - overhead);
    let over_key = cache_key("https://login.example/over-the-cap/oauth2/v2.0/token");
    let first = a.get(&over_key, &over_dyn).await.unwrap();
    assert_eq!(first.secret().len(), CAP + 1 - overhead);
    assert_eq!(over_source.calls(), 1);
    let over_name = a.redis_key(&over_key);
    assert_eq!(
        raw_get(&redis, &over_name).await,
        None,
        "stored over the cap"
    );
    assert_eq!(keys_under(&redis, &over_name).await, Vec::<String>::new());
    let second = b.get(&over_key, &over_dyn).await.unwrap();
    assert!(!second.same_as(&first));
    assert_eq!(over_source.calls(), 2, "the other process fetched its own");
    assert_eq!(
        raw_get(&redis, &over_name).await,
        None,
        "stored over the cap"
    );

    let logs = captured.text();
    assert!(
        logs.contains("could not store the new token in Redis")
            && logs.contains(&format!("would take {} bytes", CAP + 1)),
        "{logs}"
    );
    assert!(
        !logs.contains(SizedTokenSource::MARK) && !logs.contains("xxxxxxxx"),
        "a token was logged: {logs}"
    );
}

/// A user that may use the cache's keys but not its channel (an ACL written for the
/// key prefix only): the cache works, and says once, at WARN, that it cannot
/// subscribe to invalidations, then keeps retrying in the background at DEBUG only
/// (a retry every few seconds must not flood the operator's warnings), never logging
/// the password or the token.
#[tokio::test]
async fn a_subscription_the_acl_denies_is_warned_about_once_then_retried_quietly() {
    let redis = require_redis!();
    let captured = Captured::default();
    let _logs = tracing::subscriber::set_default(captured.subscriber());
    let (redis, prefix, _cleanup) = isolated(redis);
    // Every key and command still, but no channel.
    let (user, cache) = cache_without_channels(&redis, &prefix).await;
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let key = default_key();

    // The first use starts the subscriber; the cache works without it.
    let token = cache.get(&key, &dyn_source).await.unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    assert!(
        raw_get(&redis, &cache.redis_key(&key)).await.is_some(),
        "the user stores the token"
    );

    // The first attempt and two retries (50-100 ms, then 100-200 ms later).
    let attempts = |logs: &str| {
        logs.lines()
            .filter(|l| l.contains("cannot subscribe to invalidations"))
            .count()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while attempts(&captured.text()) < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "fewer than 3 attempts to subscribe in 5 s: {}",
            captured.text()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!cache.is_subscribed());
    drop(cache);

    let logs = captured.text();
    let lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("cannot subscribe to invalidations"))
        .collect();
    let warned: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains(" WARN "))
        .collect();
    assert_eq!(warned.len(), 1, "not warned exactly once: {logs}");
    assert!(
        lines[0].contains(" WARN ")
            && lines[0].contains("cannot subscribe to invalidations; retrying in the background"),
        "the first failure is not the warning: {logs}"
    );
    assert!(
        lines[1..].iter().all(|l| l.contains(" DEBUG ")
            && l.contains("still cannot subscribe to invalidations")),
        "a retry is not logged at DEBUG: {logs}"
    );
    for secret in [user.password.as_str(), token.secret()] {
        assert!(!logs.contains(secret), "logs hold {secret}: {logs}");
    }
}

/// Invalidations published while a cache is not subscribed are missed: once it
/// subscribes, it checks each token it holds in memory against Redis, keeps the one
/// Redis still holds, and drops the ones Redis deleted or replaced meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_keeps_the_tokens_redis_still_holds_and_drops_the_others() {
    let redis = require_redis!();
    let (redis, prefix, _cleanup) = isolated(redis);
    // Every key and command still, but no channel: the cache cannot subscribe yet.
    let (user, cache) = cache_without_channels(&redis, &prefix).await;
    let (_source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let kept = cache_key("https://login.example.com/kept/token");
    let deleted = cache_key("https://login.example.com/deleted/token");
    let replaced = cache_key("https://login.example.com/replaced/token");
    let mut tokens = Vec::new();
    for key in [&kept, &deleted, &replaced] {
        let token = cache.get(key, &dyn_source).await.unwrap();
        assert!(
            raw_get(&redis, &cache.redis_key(key)).await.is_some(),
            "the user stores the token"
        );
        tokens.push(token);
    }
    assert!(!cache.is_subscribed(), "the ACL refuses the subscription");

    // While the cache is not subscribed: one token is deleted from Redis, another one
    // replaced by another process (whose notices the cache misses).
    let _: i64 = redis::cmd("DEL")
        .arg(cache.redis_key(&deleted))
        .query_async(&mut raw(&redis).await)
        .await
        .expect("DEL");
    let _: i64 = redis::cmd("DEL")
        .arg(cache.redis_key(&replaced))
        .query_async(&mut raw(&redis).await)
        .await
        .expect("DEL");
    let other = builder(&redis, &prefix).build().unwrap();
    let newer = other.get(&replaced, &dyn_source).await.unwrap();
    assert!(!newer.same_as(&tokens[2]), "the other process fetched anew");
    assert!(raw_get(&redis, &cache.redis_key(&replaced)).await.is_some());
    drop(other);
    for key in [&kept, &deleted, &replaced] {
        assert!(cache.memory().peek(key).is_some(), "still in memory before");
    }

    // The channel back: the cache subscribes at its next retry, then reconciles.
    for mut conn in redis.node_connections().await {
        let _: () = redis::cmd("ACL")
            .arg("SETUSER")
            .arg(&user.name)
            .arg("allchannels")
            .query_async(&mut conn)
            .await
            .expect("ACL SETUSER allchannels");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while !cache.is_subscribed() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not subscribed 6 s after the ACL allows it"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while cache.memory().peek(&deleted).is_some() || cache.memory().peek(&replaced).is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a token Redis deleted or replaced is still in memory 3 s after subscribing \
             (deleted: {}, replaced: {})",
            cache.memory().peek(&deleted).is_some(),
            cache.memory().peek(&replaced).is_some()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The whole reconciliation is a few reads: give it time to reach the kept one.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        cache
            .memory()
            .peek(&kept)
            .is_some_and(|t| t.same_as(&tokens[0])),
        "the token Redis still holds was dropped from memory"
    );
}

/// A throwaway ACL user with every key and command but no pub/sub channel (deleted
/// when dropped), and a cache connecting as that user: it works, but cannot
/// subscribe to invalidations until the user gets its channels back.
async fn cache_without_channels(redis: &Redis, prefix: &str) -> (AclUser, RedisTokenCache) {
    let user = AclUser::create(redis).await;
    for mut conn in redis.node_connections().await {
        let _: () = redis::cmd("ACL")
            .arg("SETUSER")
            .arg(&user.name)
            .arg("resetchannels")
            .query_async(&mut conn)
            .await
            .expect("ACL SETUSER resetchannels");
    }
    let cache = builder(redis, prefix)
        .username(user.name.as_str())
        .password(user.password.as_str())
        .build()
        .unwrap();
    (user, cache)
}
