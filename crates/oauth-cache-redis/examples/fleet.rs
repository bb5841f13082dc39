//! A fleet of `RedisTokenCache` instances (stand-ins for processes) on a cold cache,
//! all asking for the same token at once: prints how many token requests were made
//! and how long each instance waited.
//!
//! ```sh
//! redis-server --port 6390 --save '' --appendonly no --daemonize yes
//! export OAUTH_CACHE_REDIS_KEY="$(openssl rand -base64 32)"   # the fleet's encryption key
//! REDIS_URL=redis://127.0.0.1:6390/ cargo run -p oauth-cache-redis --example fleet -- 50
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use oauth_cache_redis::RedisTokenCache;
use oauth_core::{AccessToken, CacheKey, OAuthProvider, TokenError, TokenSource};

/// Stands in for a token endpoint that takes 200 ms to answer.
#[derive(Debug, Default)]
struct SlowEndpoint {
    requests: AtomicUsize,
}

#[async_trait]
impl TokenSource for SlowEndpoint {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(AccessToken::valid_for(
            format!("demo-token-{n}"),
            Duration::from_secs(3600),
        ))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let instances: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    let prefix = format!("oauth-cache-redis-demo:{:08x}:", fastrand::u32(..));
    let endpoint = Arc::new(SlowEndpoint::default());
    let key = CacheKey::custom("demo-endpoint|demo-client|client_credentials||");

    let mut providers = Vec::new();
    for _ in 0..instances {
        // Every process of a fleet needs the same key: here, from OAUTH_CACHE_REDIS_KEY.
        let cache = RedisTokenCache::builder(url.as_str())
            .key_prefix(prefix.as_str())
            .encryption_key_from_env()
            .build()?;
        providers.push(Arc::new(OAuthProvider::from_source(
            key.clone(),
            endpoint.clone(),
            Arc::new(cache),
        )));
    }

    let started = Instant::now();
    let mut calls = Vec::new();
    for provider in &providers {
        let provider = provider.clone();
        calls.push(tokio::spawn(async move {
            provider.token().await.map(|_| started.elapsed())
        }));
    }
    let mut waits = Vec::new();
    for call in calls {
        waits.push(call.await??);
    }
    waits.sort();
    println!(
        "{instances} instances: {} token request(s); first token after {:?}, last after {:?}",
        endpoint.requests.load(Ordering::SeqCst),
        waits.first().copied().unwrap_or_default(),
        waits.last().copied().unwrap_or_default(),
    );
    Ok(())
}
