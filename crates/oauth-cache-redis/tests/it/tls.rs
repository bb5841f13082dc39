//! The TLS node (`REDIS_TLS_URL`, TLS only, its certificate from a CA made for the
//! run, `REDIS_TLS_CA_FILE`): the cache trusts the server only through the CA it is
//! given. (The other tests run on this node too.)

use std::time::Duration;

use oauth_cache_redis::RedisTokenCache;
use oauth_core::TokenCache;

use crate::common::*;

/// The TLS node, or `None` (see [`required_var`]).
fn tls_node() -> Option<Redis> {
    Redis::from_env(Deployment::Tls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_ca_the_cache_talks_tls_and_without_it_refuses_the_server() {
    let Some(redis) = tls_node() else {
        return;
    };
    let (redis, prefix, _cleanup) = isolated(redis);
    let url = redis.urls[0].clone();
    assert!(url.starts_with("rediss://"), "{url}");
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);

    // Trusting the CA: connected, subscribed, the token stored (the node has no
    // plain port: this was TLS).
    let trusting = builder(&redis, &prefix).build().unwrap();
    trusting.connect().await.expect("TLS with the CA");
    let token = trusting.get(&key, &dyn_source).await.unwrap();
    assert!(raw_get(&redis, &trusting.redis_key(&key)).await.is_some());

    // The system's store does not hold the run's CA: the server is not trusted, and
    // says why; the cache goes on without Redis.
    let doubting = RedisTokenCache::builder(url.as_str())
        .key_prefix(prefix.as_str())
        .encryption_key(TEST_KEY)
        .redis_timeout(SLOW_CONNECT_TIMEOUT)
        .build()
        .unwrap();
    let err = doubting.connect().await.unwrap_err();
    assert!(!err.is_timeout(), "refused, not timed out: {err:?}");
    assert!(
        err.to_string().to_ascii_lowercase().contains("certificate"),
        "{err}"
    );
    let own = doubting.get(&key, &dyn_source).await.unwrap();
    assert!(!own.same_as(&token), "not read from the untrusted server");
    assert_eq!(source.calls(), 2);

    // Another CA is no better.
    let other_ca = std::fs::read_to_string(other_ca_path()).unwrap();
    let wrong_ca = RedisTokenCache::builder(url.as_str())
        .key_prefix(prefix.as_str())
        .encryption_key(TEST_KEY)
        .tls_root_certificates_pem(other_ca)
        .redis_timeout(SLOW_CONNECT_TIMEOUT)
        .build()
        .unwrap();
    let err = wrong_ca.connect().await.unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
}

/// A CA certificate that issued nothing (its key was thrown away when it was made).
fn other_ca_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/other-ca.pem")
}

#[cfg(feature = "insecure-tls")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_insecure_tls_allowed_an_unchecked_certificate_is_accepted() {
    let Some(redis) = tls_node() else {
        return;
    };
    let (redis, prefix, _cleanup) = isolated(redis);
    let url = format!("{}#insecure", redis.urls[0]);
    let cache = RedisTokenCache::builder(url)
        .key_prefix(prefix.as_str())
        .encryption_key(TEST_KEY)
        .allow_insecure_tls(true)
        .redis_timeout(SLOW_CONNECT_TIMEOUT)
        .build()
        .unwrap();
    cache
        .connect()
        .await
        .expect("no certificate checks with #insecure");
}
