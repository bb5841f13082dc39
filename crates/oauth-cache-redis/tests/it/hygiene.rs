//! Nothing secret or identifying in Redis key names, messages, `Debug` or logs.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use oauth_cache_redis::{EncryptionKey, RedisTokenCache};
use oauth_core::{TokenCache, TokenSource};

use crate::common::*;

on_each_deployment!(redis_key_names_and_messages_name_no_client_tenant_or_token,);

async fn redis_key_names_and_messages_name_no_client_tenant_or_token(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    assert!(
        key.as_str().contains(CLIENT_ID),
        "the key itself names the client"
    );
    // The fetch lasts long enough to look at Redis meanwhile (over TLS too).
    let (source, dyn_source) = FakeSource::shared(Duration::from_millis(500));
    let cache = builder(&redis, &prefix).build().unwrap();

    // Look while the fetch holds the lock, and after.
    let fetch = {
        let cache = cache.clone();
        let (key, dyn_source) = (key.clone(), dyn_source.clone());
        tokio::spawn(async move { cache.get(&key, &dyn_source).await })
    };
    source.wait_for_calls(1).await;
    let mut names = keys_under(&redis, &prefix).await;
    let token = fetch.await.unwrap().unwrap();
    names.extend(keys_under(&redis, &prefix).await);

    assert!(names.iter().any(|n| n.ends_with(":lock")), "{names:?}");
    assert!(names.contains(&cache.redis_key(&key)), "{names:?}");
    let hash = key_hash(&cache, &prefix, &key);
    assert_eq!(cache.redis_key(&key), format!("{prefix}{{{hash}}}"));
    for name in &names {
        // `<prefix>{<hash>}` and `<prefix>{<hash>}:lock`: the hash is the hash tag.
        let tagged = name.strip_prefix(&prefix).unwrap();
        let tagged = tagged.strip_suffix(":lock").unwrap_or(tagged);
        let hashed = tagged
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or_else(|| panic!("{name} has no hash tag"));
        assert_eq!(hashed, hash, "{name}");
        assert_eq!(hashed.len(), 64, "{name}");
        assert!(hashed.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
        for secretish in [
            CLIENT_ID,
            TENANT,
            CLIENT_SECRET,
            "fleet-api",
            token.secret(),
        ] {
            assert!(!name.contains(secretish), "{name} names {secretish}");
        }
    }
    let value = raw_get(&redis, &cache.redis_key(&key)).await.unwrap();
    assert!(!value.contains(CLIENT_ID) && !value.contains(CLIENT_SECRET));

    // The invalidation message names neither the client nor the token.
    // On a cluster, through one node: PUBLISH reaches them all.
    let mut listener = redis.node_clients()[0].get_async_pubsub().await.unwrap();
    listener
        .subscribe(cache.invalidation_channel())
        .await
        .unwrap();
    cache.invalidate(&key, &token).await;
    let message = tokio::time::timeout(Duration::from_secs(2), listener.on_message().next())
        .await
        .unwrap()
        .unwrap();
    let payload: String = message.get_payload().unwrap();
    for secretish in [CLIENT_ID, TENANT, token.secret()] {
        assert!(!payload.contains(secretish), "{payload}");
    }
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        payload["key"].as_str().unwrap(),
        key_hash(&cache, &prefix, &key)
    );
}

#[tokio::test]
async fn debug_output_shows_no_secret() {
    let url = format!("redis://admin:{REDIS_PASSWORD}@127.0.0.1:1/3");
    let key_bytes = [0xa7u8; 32];
    let builder = RedisTokenCache::builder(&url)
        .encryption_key(key_bytes)
        .redis_timeout(Duration::from_millis(50));
    let builder_debug = format!("{builder:?}");
    let cache = builder.build().unwrap();
    // With a token in memory.
    let source = FakeSource::new(Duration::ZERO) as Arc<dyn TokenSource>;
    let token = cache.get(&default_key(), &source).await.unwrap();
    let cache_debug = format!("{cache:?}");
    let key_debug = format!("{:?}", EncryptionKey::from(key_bytes));

    for output in [&builder_debug, &cache_debug, &key_debug] {
        assert!(!output.contains(REDIS_PASSWORD), "{output}");
        assert!(!output.contains(token.secret()), "{output}");
        assert!(!output.contains("167"), "key bytes (0xa7 = 167): {output}");
        assert!(!output.to_ascii_lowercase().contains("a7a7"), "{output}");
    }
    assert!(
        cache_debug.contains("redis://admin:redacted@127.0.0.1:1/3"),
        "{cache_debug}"
    );
    assert!(
        builder_debug.contains("EncryptionKey([redacted])"),
        "{builder_debug}"
    );
    assert!(cache_debug.contains("encryption: true"), "{cache_debug}");
}

/// Log lines, captured from every thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_name_no_token_and_warn_when_redis_fails() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // A current-thread runtime: the detached fetch and the subscriber log here too.
    let source = FakeSource::new(Duration::ZERO) as Arc<dyn TokenSource>;
    let key = default_key();
    let mut secrets = Vec::new();
    if let Some(url) = redis_url() {
        let prefix = unique_prefix();
        let _cleanup = Cleanup {
            redis: Redis::single_node_at(url.clone()),
            prefix: prefix.clone(),
        };
        let cache = builder(&Redis::single_node_at(url), &prefix)
            .build()
            .unwrap();
        cache.connect().await.unwrap();
        let token = cache.get(&key, &source).await.unwrap();
        cache.invalidate(&key, &token).await;
        secrets.push(token.secret().to_owned());
    }
    let down = RedisTokenCache::builder(format!("redis://:{REDIS_PASSWORD}@127.0.0.1:1/"))
        .encryption_key(TEST_KEY)
        .build()
        .unwrap();
    let token = down.get(&key, &source).await.unwrap();
    down.invalidate(&key, &token).await;
    secrets.push(token.secret().to_owned());

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("WARN") && logs.contains("Redis is unavailable"),
        "a Redis failure is a warning: {logs}"
    );
    for secret in secrets
        .iter()
        .map(String::as_str)
        .chain([REDIS_PASSWORD, CLIENT_SECRET])
    {
        assert!(!logs.contains(secret), "logs hold {secret}: {logs}");
    }
}

#[test]
fn the_cipher_wipes_its_round_keys_when_dropped() {
    // Compiles only with the cipher crates' `zeroize` features on (see Cargo.toml).
    fn wiped_on_drop<T: oauth_core::secrecy::zeroize::ZeroizeOnDrop>() {}
    // The AES-256 round keys. (aes-gcm's GHASH key is wiped by polyval's `Drop`
    // with its `zeroize` feature, which declares no marker trait to check here.)
    wiped_on_drop::<aes::Aes256>();
}
