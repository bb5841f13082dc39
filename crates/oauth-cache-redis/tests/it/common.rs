//! Helpers: the Redis under test, fake token sources, raw Redis access.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use oauth_cache_redis::{RedisTokenCache, RedisTokenCacheBuilder};
use oauth_core::{AccessToken, CacheKey, TokenError, TokenSource};

/// Distinctive values: finding one in Redis, a log line or a `Debug` output is a leak.
pub const CLIENT_ID: &str = "cid-7e3f91-fleet-client";
pub const CLIENT_SECRET: &str = "csecret-5d81c2-do-not-leak";
pub const TENANT: &str = "tenant-4b2a77.onmicrosoft.com";
pub const REDIS_PASSWORD: &str = "redispw-93be1f";

/// `REDIS_URL`, or `None` after printing why the test is skipped. Under CI (`CI` set
/// and not `false`/`0`) a missing `REDIS_URL` fails the test instead: CI must run it.
pub fn redis_url() -> Option<String> {
    if let Ok(url) = std::env::var("REDIS_URL") {
        if !url.trim().is_empty() {
            return Some(url);
        }
    }
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"));
    assert!(
        !ci,
        "REDIS_URL is not set but CI is: CI must start redis-server and export REDIS_URL"
    );
    println!("skipped: REDIS_URL not set");
    None
}

/// The Redis URL, or return from the test (see [`redis_url`]).
macro_rules! require_redis {
    () => {
        match crate::common::redis_url() {
            Some(url) => url,
            None => return,
        }
    };
}
pub(crate) use require_redis;

/// A key prefix no other test (or run) uses.
pub fn unique_prefix() -> String {
    format!("oauth-cache-redis-test:{:016x}:", fastrand::u64(..))
}

/// A builder on `url` with the test's prefix and the tests' encryption key (the same
/// for every "process" of a test).
pub fn builder(url: &str, prefix: &str) -> RedisTokenCacheBuilder {
    RedisTokenCache::builder(url)
        .key_prefix(prefix)
        .encryption_key(TEST_KEY)
}

/// The cache key of the tests' client, as a `TokenClient` would build it.
pub fn cache_key(token_url: &str) -> CacheKey {
    CacheKey::builder(token_url, CLIENT_ID, "client_credentials")
        .scopes(["api://fleet-api/.default"])
        .credential_part("client_secret", b"fleet-client-secret")
        .build()
}

pub fn default_key() -> CacheKey {
    cache_key(&format!(
        "https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    ))
}

/// A token source shared by all "processes" of a test: counts its calls, waits
/// `delay`, then answers `at-<tag>-<n>`. With `hang_first`, the first call never
/// answers (a process that dies mid-fetch).
#[derive(Debug)]
pub struct FakeSource {
    tag: String,
    calls: AtomicUsize,
    delay: Duration,
    lifetime: Duration,
    hang_first: AtomicBool,
}

impl FakeSource {
    /// A source, and the same as the trait object caches take.
    pub fn shared(delay: Duration) -> (Arc<Self>, Arc<dyn TokenSource>) {
        let source = Self::new(delay);
        (source.clone(), source)
    }

    pub fn new(delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            tag: format!("{:08x}", fastrand::u32(..)),
            calls: AtomicUsize::new(0),
            delay,
            lifetime: Duration::from_secs(3600),
            hang_first: AtomicBool::new(false),
        })
    }

    pub fn hanging_first(delay: Duration) -> Arc<Self> {
        let source = Self::new(delay);
        source.hang_first.store(true, Ordering::SeqCst);
        source
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The value of the `n`-th token this source hands out.
    pub fn token_value(&self, n: usize) -> String {
        format!("at-{}-{n}", self.tag)
    }

    pub async fn wait_for_calls(&self, n: usize) {
        tokio::time::timeout(Duration::from_secs(5), async {
            while self.calls() < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the source was called in time");
    }
}

#[async_trait]
impl TokenSource for FakeSource {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == 1 && self.hang_first.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(self.delay).await;
        Ok(AccessToken::valid_for(self.token_value(n), self.lifetime)
            .with_scopes(vec!["api://fleet-api/.default".to_owned()]))
    }
}

/// A plain connection, to look at what the cache wrote.
pub async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("valid url")
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis")
}

pub async fn raw_get(url: &str, key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut raw(url).await)
        .await
        .expect("GET")
}

/// Every key under `prefix`.
pub async fn keys_under(url: &str, prefix: &str) -> Vec<String> {
    let mut conn = raw(url).await;
    let mut cursor = 0u64;
    let mut keys = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .expect("SCAN");
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

/// A prefix of the test's own on `url`, and the guard that deletes its keys.
pub fn isolated(url: String) -> (String, String, Cleanup) {
    let prefix = unique_prefix();
    let cleanup = Cleanup {
        url: url.clone(),
        prefix: prefix.clone(),
    };
    (url, prefix, cleanup)
}

/// Deletes a test's keys when dropped (tokens live an hour otherwise).
pub struct Cleanup {
    pub url: String,
    pub prefix: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return;
        };
        let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_secs(1)) else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query(&mut conn)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query(&mut conn);
        }
    }
}

/// A redis-server of the test's own, on a free port, killed when dropped. `None`
/// (after printing why) when `redis-server` is not on PATH.
pub struct OwnRedis {
    child: Child,
    pub url: String,
}

impl OwnRedis {
    pub async fn start() -> Option<Self> {
        let on_path = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !on_path {
            println!("skipped: redis-server is not on PATH");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let own = Self {
            child,
            url: format!("redis://127.0.0.1:{port}/"),
        };
        let client = redis::Client::open(own.url.as_str()).expect("valid url");
        for _ in 0..200 {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                if redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .is_ok()
                {
                    return Some(own);
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("redis-server on port {port} did not start");
    }

    /// `SHUTDOWN NOSAVE`, and waits until the process has exited.
    pub async fn shutdown(&mut self) {
        if let Ok(mut conn) = redis::Client::open(self.url.as_str())
            .expect("valid url")
            .get_multiplexed_async_connection()
            .await
        {
            // The server closes the connection instead of answering.
            let _ = redis::cmd("SHUTDOWN")
                .arg("NOSAVE")
                .query_async::<redis::Value>(&mut conn)
                .await;
        }
        for _ in 0..200 {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("redis-server did not shut down");
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The encryption key of the tests' fleets.
pub const TEST_KEY: [u8; 32] = [0x42; 32];

/// A builder for a fleet that keeps tokens in plaintext (explicitly allowed).
pub fn plain_builder(url: &str, prefix: &str) -> RedisTokenCacheBuilder {
    RedisTokenCache::builder(url)
        .key_prefix(prefix)
        .allow_plaintext(true)
}

/// What a cache with `key` would store at `redis_key` for `plaintext`:
/// base64(nonce || AES-256-GCM(plaintext)), the Redis key as associated data.
pub fn seal(key: &[u8; 32], redis_key: &str, plaintext: &[u8]) -> String {
    use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
    use aes_gcm::{Aes256Gcm, Key};
    use base64::Engine as _;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: redis_key.as_bytes(),
            },
        )
        .expect("encrypt");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// `SET key value PX ttl_ms` with raw bytes, as anyone who can write to Redis can.
pub async fn plant(url: &str, key: &str, value: &[u8], ttl_ms: u64) {
    let _: () = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .arg("PX")
        .arg(ttl_ms)
        .query_async(&mut raw(url).await)
        .await
        .expect("SET");
}
/// How many times Redis ran each read of a value (`GET`, `GETRANGE`) since it
/// started, from `INFO commandstats` (commands run by scripts included).
pub async fn reads_served(url: &str) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut raw(url).await)
        .await
        .expect("INFO");
    info.lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("cmdstat_get:")
                .or_else(|| line.strip_prefix("cmdstat_getrange:"))?;
            rest.split(',')
                .find_map(|field| field.strip_prefix("calls="))?
                .parse::<u64>()
                .ok()
        })
        .sum()
}
