//! A Redis that someone else can write to: planted values, held locks, floods of
//! notices and garbage messages. Everything read from Redis is untrusted input: a
//! planted value that is too large, cannot be authenticated or makes no sense is
//! ignored (never served, never a panic), the fleet lock keeps working, and what an
//! attacker can cost is bounded (time waiting for a lock, reads per notice).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use futures_util::StreamExt as _;
use oauth_cache_redis::RedisTokenCache;
use oauth_core::{CacheKey, TokenCache};
use tokio::time::Instant;

use crate::common::*;

on_each_deployment!(
    planted_values_are_ignored_and_the_fleet_still_makes_one_token_request,
    garbage_messages_do_not_stop_the_subscriber,
    a_planted_lock_stalls_a_call_no_longer_than_max_lock_wait,
    a_planted_lock_that_expires_keeps_the_fleet_to_one_request,
    an_invalidation_of_1024_bytes_is_read_and_one_of_1025_bytes_is_ignored,
);

fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// Stored notices in a flood.
const NOTICES: usize = 1000;

/// The token a valid planted record holds.
const PLANTED: &str = "at-planted-by-someone-else";

/// A record as the cache writes it (a fresh hour-long token), with `patch`'s fields
/// replaced.
fn record(patch: serde_json::Value) -> Vec<u8> {
    let mut record = serde_json::json!({
        "v": 1,
        "access_token": PLANTED,
        "token_type": "Bearer",
        "expires_at_ms": now_ms() + 3_600_000,
        "lifetime_ms": 3_600_000u64,
        "scopes": ["api://fleet-api/.default"],
    });
    for (field, value) in patch.as_object().unwrap() {
        record[field] = value.clone();
    }
    serde_json::to_vec(&record).unwrap()
}

#[derive(Clone)]
enum Plant {
    /// These bytes, as they are, whatever the cache's mode.
    Raw(Vec<u8>),
    /// These bytes as the cache would store them: as they are in plaintext mode,
    /// sealed with the fleet's key when it encrypts.
    Record(Vec<u8>),
    /// A list where the token should be.
    WrongType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Plaintext,
    Encrypted,
}

impl Mode {
    fn cache(self, redis: &Redis, prefix: &str) -> RedisTokenCache {
        match self {
            Self::Plaintext => plain_builder(redis, prefix),
            Self::Encrypted => builder(redis, prefix).encryption_key(TEST_KEY),
        }
        .build()
        .unwrap()
    }
}

fn cases() -> Vec<(&'static str, Plant, bool)> {
    let big_scopes: Vec<String> = (0..400).map(|i| format!("api://scope-{i:045}")).collect();
    vec![
        // The controls: a well-formed record is served (in plaintext mode anyone who
        // can write to Redis can plant one: see the threat model).
        (
            "control: a valid record",
            Plant::Record(record(serde_json::json!({}))),
            true,
        ),
        (
            "control: token_type BEARER",
            Plant::Record(record(serde_json::json!({"token_type": "BEARER"}))),
            true,
        ),
        (
            "non-UTF-8 bytes",
            Plant::Raw(b"\xff\xfe\xfd\x00\x80garbage".to_vec()),
            false,
        ),
        (
            "a brace, then non-UTF-8",
            Plant::Raw(b"{\xff\xfe\"v\":1}".to_vec()),
            false,
        ),
        ("an empty value", Plant::Raw(Vec::new()), false),
        (
            "1 MiB of base64 letters",
            Plant::Raw(vec![b'A'; 1 << 20]),
            false,
        ),
        (
            "a record over 16 KiB",
            Plant::Record(record(serde_json::json!({"scopes": big_scopes}))),
            false,
        ),
        (
            "not JSON",
            Plant::Record(b"not json at all".to_vec()),
            false,
        ),
        (
            "non-UTF-8 JSON",
            Plant::Record(b"{\"v\":1,\"access_token\":\"\xff\"}".to_vec()),
            false,
        ),
        (
            "deeply nested JSON",
            Plant::Record("[".repeat(10_000).into_bytes()),
            false,
        ),
        (
            "token_type mac",
            Plant::Record(record(serde_json::json!({"token_type": "mac"}))),
            false,
        ),
        (
            "token_type empty",
            Plant::Record(record(serde_json::json!({"token_type": ""}))),
            false,
        ),
        (
            "token_type Bearer with a suffix",
            Plant::Record(record(serde_json::json!({"token_type": "Bearer x"}))),
            false,
        ),
        (
            "an empty token",
            Plant::Record(record(serde_json::json!({"access_token": ""}))),
            false,
        ),
        (
            "a token that is a number",
            Plant::Record(record(serde_json::json!({"access_token": 7}))),
            false,
        ),
        (
            "expires_at_ms u64::MAX",
            Plant::Record(record(serde_json::json!({"expires_at_ms": u64::MAX}))),
            false,
        ),
        (
            "expires_at_ms 0",
            Plant::Record(record(serde_json::json!({"expires_at_ms": 0}))),
            false,
        ),
        (
            "expires_at_ms -1",
            Plant::Record(record(serde_json::json!({"expires_at_ms": -1}))),
            false,
        ),
        (
            "expires_at_ms i64::MIN",
            Plant::Record(record(serde_json::json!({"expires_at_ms": i64::MIN}))),
            false,
        ),
        (
            "expires_at_ms 1e300",
            Plant::Record(record(serde_json::json!({"expires_at_ms": 1e300}))),
            false,
        ),
        (
            "expired a minute ago",
            Plant::Record(record(
                serde_json::json!({"expires_at_ms": now_ms() - 60_000}),
            )),
            false,
        ),
        (
            "expires in 48 h",
            Plant::Record(record(
                serde_json::json!({"expires_at_ms": now_ms() + 48 * 3_600_000}),
            )),
            false,
        ),
        (
            "lifetime_ms u64::MAX",
            Plant::Record(record(serde_json::json!({"lifetime_ms": u64::MAX}))),
            false,
        ),
        (
            "lifetime_ms 48 h",
            Plant::Record(record(
                serde_json::json!({"lifetime_ms": 48 * 3_600_000u64}),
            )),
            false,
        ),
        (
            "version 2",
            Plant::Record(record(serde_json::json!({"v": 2}))),
            false,
        ),
        ("a list where the token should be", Plant::WrongType, false),
    ]
}

/// Plants `plant` where `mode`'s fleet keeps the token, then two processes ask for
/// it at once, and a third one later. The planted value is either served by all
/// three without a fetch (`served`), or ignored: one fetch for the fleet, that token
/// for all three, and Redis holds it instead of what was planted.
async fn scenario(redis: Redis, mode: Mode, plant: Plant, served: bool) -> Result<(), String> {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::from_millis(100));
    let a = mode.cache(&redis, &prefix);
    let b = mode.cache(&redis, &prefix);
    let redis_key = a.redis_key(&key);
    match plant {
        Plant::Raw(bytes) => plant_value(&redis, &redis_key, &bytes).await,
        Plant::Record(bytes) => match mode {
            Mode::Plaintext => plant_value(&redis, &redis_key, &bytes).await,
            Mode::Encrypted => {
                plant_value(
                    &redis,
                    &redis_key,
                    seal(&TEST_KEY, &redis_key, &bytes).as_bytes(),
                )
                .await;
            }
        },
        Plant::WrongType => {
            let _: i64 = redis::cmd("RPUSH")
                .arg(&redis_key)
                .arg("x")
                .query_async(&mut raw(&redis).await)
                .await
                .unwrap();
        }
    }
    let (ta, tb) = tokio::join!(a.get(&key, &dyn_source), b.get(&key, &dyn_source));
    let c = mode.cache(&redis, &prefix);
    let tc = c.get(&key, &dyn_source).await;
    let expected = if served {
        PLANTED.to_owned()
    } else {
        source.token_value(1)
    };
    for (who, token) in [("a", ta), ("b", tb), ("c", tc)] {
        let token = token.map_err(|e| format!("{who}: {e}"))?;
        if token.secret() != expected {
            return Err(format!(
                "{who} was served {:?}, expected {expected:?}",
                token.secret()
            ));
        }
    }
    let fetches = usize::from(!served);
    if source.calls() != fetches {
        return Err(format!(
            "{} token requests, expected {fetches}",
            source.calls()
        ));
    }
    Ok(())
}

async fn plant_value(redis: &Redis, key: &str, bytes: &[u8]) {
    plant(redis, key, bytes, 60_000).await;
}

async fn planted_values_are_ignored_and_the_fleet_still_makes_one_token_request(redis: Redis) {
    let scenarios = cases().into_iter().flat_map(|(name, plant, served)| {
        let redis = redis.clone();
        [Mode::Plaintext, Mode::Encrypted].map(move |mode| {
            let (redis, plant) = (redis.clone(), plant.clone());
            async move { (name, mode, scenario(redis, mode, plant, served).await) }
        })
    });
    // Eight at a time: each scenario is three "processes", each with its own
    // connections (on a cluster, one per master).
    let results: Vec<_> = futures_util::stream::iter(scenarios)
        .buffer_unordered(8)
        .collect()
        .await;
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(name, mode, result)| {
            result
                .as_ref()
                .err()
                .map(|why| format!("{name} ({mode:?}): {why}"))
        })
        .collect();
    println!(
        "{} planted values x 2 modes: {} failures",
        results.len() / 2,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn garbage_messages_do_not_stop_the_subscriber(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let a = builder(&redis, &prefix).build().unwrap();
    let b = builder(&redis, &prefix).build().unwrap();
    b.connect().await.unwrap();
    let first = a.get(&key, &dyn_source).await.unwrap();
    assert!(b.get(&key, &dyn_source).await.unwrap().same_as(&first));
    let hash = key_hash(&b, &prefix, &key);

    let mut garbage: Vec<Vec<u8>> = vec![
        b"\xff\xfe\xfd\x00\x80".to_vec(),
        Vec::new(),
        b"null".to_vec(),
        b"[]".to_vec(),
        "[".repeat(100_000).into_bytes(),
        vec![b'{'; 1 << 20],
        br#"{"key": 7, "from": []}"#.to_vec(),
        br#"{"key": "x", "event": "exploded", "from": "y"}"#.to_vec(),
        // Names the key, but not the token: nothing to drop.
        format!(r#"{{"key": "{hash}", "token": "00", "from": "attacker"}}"#).into_bytes(),
        format!(r#"{{"key": "{hash}", "event": "stored", "from": "attacker"}}"#).into_bytes(),
    ];
    let mut padded =
        format!(r#"{{"key": "{hash}", "event": "stored", "from": "attacker", "pad": ""#)
            .into_bytes();
    padded.extend(std::iter::repeat_n(b'x', 64 * 1024));
    padded.extend_from_slice(b"\"}");
    garbage.push(padded);
    let mut conn = raw(&redis).await;
    for payload in &garbage {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(b.invalidation_channel())
            .arg(payload.as_slice())
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    // Still subscribed, still holding the token, and a real invalidation still arrives.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(b.is_subscribed());
    assert!(b.memory().peek(&key).is_some_and(|t| t.same_as(&first)));
    a.invalidate(&key, &first).await;
    tokio::time::timeout(Duration::from_secs(2), async {
        while b.memory().peek(&key).is_some() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("a real invalidation still reaches b after the garbage");
    assert_eq!(
        b.get(&key, &dyn_source).await.unwrap().secret(),
        source.token_value(2)
    );
}

/// The Redis names of the tests' default key.
fn lock_key(cache: &RedisTokenCache, key: &CacheKey) -> String {
    format!("{}:lock", cache.redis_key(key))
}

async fn a_planted_lock_stalls_a_call_no_longer_than_max_lock_wait(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    const BOUND: Duration = Duration::from_millis(300);
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = builder(&redis, &prefix)
        .max_lock_wait(BOUND)
        .build()
        .unwrap();
    // Held for ten minutes by "someone", with a value that is not even UTF-8.
    plant(&redis, &lock_key(&cache, &key), b"\xff\xfeheld", 600_000).await;

    let started = Instant::now();
    let token = tokio::time::timeout(Duration::from_secs(5), cache.get(&key, &dyn_source))
        .await
        .expect("not stalled for 2 x lock TTL (60 s)")
        .unwrap();
    let took = started.elapsed();
    println!(
        "planted lock (TTL 600 s, lock TTL {:?}): the call returned after {took:?}, bound {BOUND:?}",
        RedisTokenCache::DEFAULT_LOCK_TTL
    );
    assert_eq!(token.secret(), source.token_value(1));
    assert_eq!(source.calls(), 1, "one token request");
    assert!(
        took >= BOUND.mul_f64(0.9),
        "it waited for the holder: {took:?}"
    );
    assert!(took < BOUND + Duration::from_millis(400), "took {took:?}");

    // What it fetched is shared: the next process does not wait, nor fetch.
    let other = builder(&redis, &prefix)
        .max_lock_wait(BOUND)
        .build()
        .unwrap();
    let started = Instant::now();
    assert!(other.get(&key, &dyn_source).await.unwrap().same_as(&token));
    assert!(started.elapsed() < BOUND);
    assert_eq!(source.calls(), 1);
}

async fn a_planted_lock_that_expires_keeps_the_fleet_to_one_request(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::from_millis(50));
    let caches: Vec<RedisTokenCache> = (0..4)
        .map(|_| builder(&redis, &prefix).build().unwrap())
        .collect();
    plant(&redis, &lock_key(&caches[0], &key), b"\x80\x81", 300).await;
    let results = join_all(caches.iter().map(|c| c.get(&key, &dyn_source))).await;
    for result in results {
        assert_eq!(result.unwrap().secret(), source.token_value(1));
    }
    assert_eq!(
        source.calls(),
        1,
        "the garbage lock did not switch the lock off"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_stored_notices_causes_a_bounded_number_of_reads() {
    // Counts the reads Redis served: needs a redis-server no other test uses.
    let Some(own) = OwnRedis::start().await else {
        return;
    };
    let redis = own.redis.clone();
    let prefix = unique_prefix();
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    // Polls rarely: the reads counted are those the notices cause.
    let cache = builder(&redis, &prefix)
        .lock_poll(Duration::from_secs(3), Duration::from_secs(3))
        .max_lock_wait(Duration::from_secs(20))
        .build()
        .unwrap();
    cache.connect().await.unwrap();
    let hash = key_hash(&cache, &prefix, &key);
    plant(&redis, &lock_key(&cache, &key), b"held", 600_000).await;
    let waiting = {
        let (cache, key, dyn_source) = (cache.clone(), key.clone(), dyn_source.clone());
        tokio::spawn(async move { cache.get(&key, &dyn_source).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut conn = raw(&redis).await;

    // Notices for a key nobody here waits for cost no read at all.
    let before = reads_served(&redis).await;
    let started = Instant::now();
    flood(
        &mut conn,
        cache.invalidation_channel(),
        &format!("{:064x}", 7),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let unknown = reads_served(&redis).await.saturating_sub(before);

    // Notices for the key being waited for: reads are spaced out, not one per notice.
    let before = reads_served(&redis).await;
    let started_known = Instant::now();
    flood(&mut conn, cache.invalidation_channel(), &hash).await;
    let published_in = started_known.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let window = started_known.elapsed();
    let known = reads_served(&redis).await.saturating_sub(before);
    println!(
        "{NOTICES} stored notices for a key not awaited: {unknown} reads; {NOTICES} for the awaited key (published in {published_in:?}, counted over {window:?}): {known} reads; both floods {:?}",
        started.elapsed()
    );
    assert_eq!(
        unknown, 0,
        "notices for keys not awaited here cause no read"
    );
    // One read per 50 ms at most, while the notices arrive.
    let bound = u64::try_from(published_in.as_millis() / 50).unwrap() + 3;
    assert!(
        known <= bound,
        "{known} reads for {NOTICES} notices in {published_in:?} (bound {bound})"
    );

    // The holder goes away and announces nothing: the waiter still gets its token.
    let _: i64 = redis::cmd("DEL")
        .arg(lock_key(&cache, &key))
        .query_async(&mut conn)
        .await
        .unwrap();
    let token = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    assert_eq!(source.calls(), 1);
}

/// Publishes [`NOTICES`] `stored` notices for `hash` from as many made-up processes, one
/// after the other, as fast as one connection goes.
async fn flood(conn: &mut Raw, channel: &str, hash: &str) {
    for i in 0..NOTICES {
        let notice =
            serde_json::json!({"key": hash, "event": "stored", "from": format!("attacker-{i}")});
        let _: i64 = redis::cmd("PUBLISH")
            .arg(channel)
            .arg(notice.to_string())
            .query_async(conn)
            .await
            .unwrap();
    }
}

/// A source that always hands out the same token text, so that every token it gives
/// has the same fingerprint.
#[derive(Debug)]
struct SameToken(String);

#[async_trait::async_trait]
impl oauth_core::TokenSource for SameToken {
    async fn fetch(
        &self,
        _replacing: Option<&oauth_core::AccessToken>,
    ) -> Result<oauth_core::AccessToken, oauth_core::TokenError> {
        Ok(
            oauth_core::AccessToken::valid_for(self.0.clone(), Duration::from_secs(3600))
                .with_scopes(vec!["api://fleet-api/.default".to_owned()]),
        )
    }
}

/// `message` (a JSON object) with a `pad` string field that makes it `len` bytes long.
fn padded_to(message: &str, len: usize) -> Vec<u8> {
    let open = message
        .strip_suffix('}')
        .expect("the message is a JSON object");
    let mut padded = format!(r#"{open},"pad":""#).into_bytes();
    let fill = len
        .checked_sub(padded.len() + 2)
        .expect("the message is shorter than the padding target");
    padded.extend(std::iter::repeat_n(b'x', fill));
    padded.extend_from_slice(b"\"}");
    padded
}

/// The size limit on messages is inclusive: a genuine invalidation padded to exactly
/// `MAX_MESSAGE_BYTES` (1024) is acted on, the same padded to 1025 bytes is ignored.
async fn an_invalidation_of_1024_bytes_is_read_and_one_of_1025_bytes_is_ignored(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let text = format!("at-same-{:08x}", fastrand::u32(..));
    let source: std::sync::Arc<dyn oauth_core::TokenSource> =
        std::sync::Arc::new(SameToken(text.clone()));
    let a = builder(&redis, &prefix).build().unwrap();
    let b = builder(&redis, &prefix).build().unwrap();

    // A genuine invalidation, as a publishes it (on a cluster, through one node:
    // PUBLISH reaches them all).
    let first = a.get(&key, &source).await.unwrap();
    assert_eq!(first.secret(), text);
    let mut listener = redis.node_clients()[0].get_async_pubsub().await.unwrap();
    listener.subscribe(a.invalidation_channel()).await.unwrap();
    a.invalidate(&key, &first).await;
    let message: String = tokio::time::timeout(Duration::from_secs(2), async {
        let mut messages = listener.on_message();
        loop {
            let payload: String = messages.next().await.unwrap().get_payload().unwrap();
            let parsed: serde_json::Value = serde_json::from_str(&payload).unwrap();
            // Skips the `stored` notice of a's fetch, should it arrive late.
            if parsed["token"].is_string() {
                break payload;
            }
        }
    })
    .await
    .expect("a publishes its invalidation");
    let parsed: serde_json::Value = serde_json::from_str(&message).unwrap();
    assert_eq!(parsed["key"].as_str().unwrap(), key_hash(&a, &prefix, &key));
    assert!(message.len() < 1000, "{} bytes: {message}", message.len());

    // b holds a token of the same text, hence of the fingerprint the message names.
    b.connect().await.unwrap();
    tokio::time::timeout(Duration::from_secs(2), async {
        while !b.is_subscribed() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("b subscribes");
    assert_eq!(b.get(&key, &source).await.unwrap().secret(), text);
    assert!(b.memory().peek(&key).is_some());

    let mut conn = raw(&redis).await;
    let exactly = padded_to(&message, 1024);
    assert_eq!(exactly.len(), 1024);
    let _: i64 = redis::cmd("PUBLISH")
        .arg(b.invalidation_channel())
        .arg(exactly.as_slice())
        .query_async(&mut conn)
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(2), async {
        while b.memory().peek(&key).is_some() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("a message of exactly 1024 bytes is acted on: b drops the token");

    // The same token again; a byte more and the message is ignored.
    assert_eq!(b.get(&key, &source).await.unwrap().secret(), text);
    assert!(b.memory().peek(&key).is_some());
    let over = padded_to(&message, 1025);
    assert_eq!(over.len(), 1025);
    let _: i64 = redis::cmd("PUBLISH")
        .arg(b.invalidation_channel())
        .arg(over.as_slice())
        .query_async(&mut conn)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(b.is_subscribed());
    assert!(
        b.memory().peek(&key).is_some_and(|t| t.secret() == text),
        "a message of 1025 bytes is ignored: b keeps the token"
    );
}
