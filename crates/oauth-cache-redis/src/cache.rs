//! [`RedisTokenCache`]: a memory cache in front, Redis behind it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use oauth_core::{
    AccessToken, CacheKey, ConfigError, MemoryTokenCache, TokenCache, TokenError, TokenSource,
};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::builder::RedisTokenCacheBuilder;
use crate::crypto::Crypto;
use crate::error::RedisCacheError;
use crate::invalidation::{run_subscriber, Event, InvalidationMessage};
use crate::record::{self, MAX_VALUE_BYTES};
use crate::source::RedisBackedSource;
use crate::store::{RedisKeys, RedisStore, Stored};

/// Most keys remembered for invalidation messages (keys no longer in the memory
/// cache are forgotten first).
const MAX_KNOWN_KEYS: usize = 4096;

/// A [`TokenCache`] shared by a fleet of processes through Redis.
///
/// Each process keeps a [`MemoryTokenCache`] in front (the hot path stays local and
/// lock-free). When it has no usable token, the process looks in Redis; if Redis has
/// none either, exactly one process of the fleet fetches it, under a Redis lock,
/// while the others wait for it to appear in Redis. Invalidating a token (after an
/// API answered 401) removes it from Redis and tells the other processes, over
/// pub/sub, to drop it from their memory caches.
///
/// Redis is a help, never a requirement: if it is down or slow (every command has a
/// short timeout), callers still get tokens, from memory or fetched directly, and
/// the failure is logged as a `tracing` warning.
///
/// Cheap to clone: clones share one cache. Build it with [`RedisTokenCache::builder`];
/// see the crate documentation for an example.
#[derive(Clone)]
pub struct RedisTokenCache {
    inner: Arc<Inner>,
}

pub(crate) struct Settings {
    pub(crate) key_prefix: String,
    pub(crate) channel: String,
    pub(crate) lock_ttl: Duration,
    /// The longest a call waits for another process's fetch (at most 2 × `lock_ttl`).
    pub(crate) max_lock_wait: Duration,
    pub(crate) poll_first: Duration,
    pub(crate) poll_max: Duration,
    pub(crate) subscribe: bool,
    /// Whether the nodes are a Redis Cluster's.
    pub(crate) cluster: bool,
    /// The node URLs without their passwords.
    pub(crate) redacted_urls: Vec<String>,
    /// Whether credentials were given to the builder (never what they are).
    pub(crate) credentials: &'static str,
}

/// A key this process has cached: to map a hashed key in a message back to it.
struct Known {
    key: CacheKey,
    /// Fingerprint of the last token rejected for this key, which is never taken
    /// from Redis again (in case a slow writer stored it back).
    rejected: Option<String>,
}

pub(crate) struct Inner {
    pub(crate) l1: MemoryTokenCache,
    pub(crate) store: RedisStore,
    pub(crate) crypto: Crypto,
    pub(crate) settings: Settings,
    /// Random per cache instance: marks our own invalidation messages and lock values.
    pub(crate) instance_id: String,
    known: Mutex<HashMap<String, Known>>,
    subscriber: OnceLock<AbortHandle>,
    subscribed: Arc<watch::Sender<bool>>,
    /// Why the last attempt to subscribe failed, for [`RedisTokenCache::connect`].
    pub(crate) subscribe_error: Mutex<Option<RedisCacheError>>,
    /// The keys a call of this process waits for another process to fetch, each with
    /// what wakes it when that process announces the token.
    waiting: Mutex<HashMap<String, Arc<tokio::sync::Notify>>>,
}

/// A call's registration as a waiter for one key (see [`Inner::wait_for`]).
pub(crate) struct Waiting {
    cache: Arc<Inner>,
    hash: String,
    pub(crate) notify: Arc<tokio::sync::Notify>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut waiting = lock(&self.cache.waiting);
        // The map's reference and ours: no other call waits for this key.
        if Arc::strong_count(&self.notify) <= 2 {
            waiting.remove(&self.hash);
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = self.subscriber.get() {
            task.abort();
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each critical section is a few map operations: a panic cannot leave it torn.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    pub(crate) fn keys(&self, key: &CacheKey) -> RedisKeys {
        self.keys_for_hash(self.crypto.key_name(key))
    }

    pub(crate) fn keys_for_hash(&self, hash: String) -> RedisKeys {
        RedisKeys::new(&self.settings.key_prefix, hash)
    }

    /// Remembers that this process caches `key`, for invalidation messages.
    pub(crate) fn remember(&self, keys: &RedisKeys, key: &CacheKey) {
        let mut known = lock(&self.known);
        if known.contains_key(&keys.hash) {
            return;
        }
        if known.len() >= MAX_KNOWN_KEYS {
            known.retain(|_, k| self.l1.peek(&k.key).is_some());
            if known.len() >= MAX_KNOWN_KEYS {
                return;
            }
        }
        known.insert(
            keys.hash.clone(),
            Known {
                key: key.clone(),
                rejected: None,
            },
        );
    }

    pub(crate) fn known_key(&self, hash: &str) -> Option<CacheKey> {
        lock(&self.known).get(hash).map(|k| k.key.clone())
    }

    pub(crate) fn known_keys(&self) -> Vec<(String, CacheKey)> {
        lock(&self.known)
            .iter()
            .map(|(hash, k)| (hash.clone(), k.key.clone()))
            .collect()
    }

    /// What wakes a call waiting for another process's fetch of the key `hash`, for
    /// as long as the returned guard lives.
    pub(crate) fn wait_for(self: &Arc<Self>, hash: &str) -> Waiting {
        let notify = lock(&self.waiting)
            .entry(hash.to_owned())
            .or_default()
            .clone();
        Waiting {
            cache: self.clone(),
            hash: hash.to_owned(),
            notify,
        }
    }

    /// Wakes the calls waiting for the key `hash`, if any: a notice for a key no call
    /// here waits for costs nothing.
    pub(crate) fn wake_waiters(&self, hash: &str) -> bool {
        match lock(&self.waiting).get(hash) {
            Some(notify) => {
                notify.notify_waiters();
                true
            }
            None => false,
        }
    }

    pub(crate) fn reject(&self, hash: &str, fingerprint: String) {
        if let Some(known) = lock(&self.known).get_mut(hash) {
            known.rejected = Some(fingerprint);
        }
    }

    pub(crate) fn is_rejected(&self, hash: &str, token: &AccessToken) -> bool {
        let rejected = lock(&self.known).get(hash).and_then(|k| k.rejected.clone());
        rejected.is_some_and(|fp| fp == self.crypto.fingerprint(token.secret()))
    }

    /// The token stored for `keys`, with its raw value (for compare-and-delete).
    ///
    /// Whatever Redis holds is untrusted input: a value over [`MAX_VALUE_BYTES`] (not
    /// transferred), not a string, not UTF-8, that does not decrypt or does not make
    /// sense as a record counts as absent, with a warning. Only a failure to talk to
    /// Redis is an error.
    pub(crate) async fn load(
        &self,
        keys: &RedisKeys,
    ) -> Result<Option<(AccessToken, String)>, RedisCacheError> {
        let bytes = match self.store.get_capped(&keys.value, MAX_VALUE_BYTES).await? {
            Stored::Absent => return Ok(None),
            Stored::Value(bytes) => bytes,
            Stored::TooLarge => {
                tracing::warn!(key = %keys.hash, max_bytes = MAX_VALUE_BYTES, "token cache: ignoring a value in Redis that is too large to be a token");
                return Ok(None);
            }
            Stored::WrongType => {
                tracing::warn!(key = %keys.hash, "token cache: ignoring a Redis key of the wrong type where a token should be");
                return Ok(None);
            }
        };
        let decoded = String::from_utf8(bytes)
            .map_err(|_| "the value is not UTF-8".to_owned())
            .and_then(|raw| {
                let json = self.crypto.open(&keys.value, &raw).map_err(str::to_owned)?;
                record::decode(&json).map(|token| (token, raw))
            });
        match decoded {
            Ok(found) => Ok(Some(found)),
            Err(reason) => {
                tracing::warn!(key = %keys.hash, reason = %reason, "token cache: ignoring a value in Redis that cannot be read");
                Ok(None)
            }
        }
    }

    /// Stores `token` for the rest of its life.
    pub(crate) async fn save(
        &self,
        keys: &RedisKeys,
        token: &AccessToken,
    ) -> Result<(), RedisCacheError> {
        let Some((json, ttl)) = record::encode(token) else {
            return Ok(()); // Already expired: nothing worth sharing.
        };
        let value = self
            .crypto
            .seal(&keys.value, &json)
            .map_err(|why| RedisCacheError::Redis(why.to_owned()))?;
        if value.len() > MAX_VALUE_BYTES {
            // The others would ignore it: each fetches its own instead.
            return Err(RedisCacheError::Redis(format!(
                "the token's stored value would take {} bytes, more than the {MAX_VALUE_BYTES} the cache reads back",
                value.len()
            )));
        }
        self.store.set(&keys.value, &value, ttl).await
    }

    fn ensure_subscriber(self: &Arc<Self>) {
        if !self.settings.subscribe || self.subscriber.get().is_some() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        self.subscriber.get_or_init(|| {
            runtime
                .spawn(run_subscriber(
                    Arc::downgrade(self),
                    self.subscribed.clone(),
                ))
                .abort_handle()
        });
    }
}

impl RedisTokenCache {
    /// The environment variable [`RedisTokenCacheBuilder::encryption_key_from_env`]
    /// reads: the fleet's encryption key, 32 bytes in standard base64
    /// (`openssl rand -base64 32`).
    pub const ENCRYPTION_KEY_ENV: &'static str = "OAUTH_CACHE_REDIS_KEY";
    /// The environment variable [`RedisTokenCacheBuilder::credentials_from_env`]
    /// reads the Redis ACL username from (optional: the `default` user without it).
    pub const USERNAME_ENV: &'static str = "OAUTH_CACHE_REDIS_USERNAME";
    /// The environment variable [`RedisTokenCacheBuilder::credentials_from_env`]
    /// reads the Redis password from.
    pub const PASSWORD_ENV: &'static str = "OAUTH_CACHE_REDIS_PASSWORD";
    /// Default prefix of every Redis key (and of the invalidation channel).
    pub const DEFAULT_KEY_PREFIX: &'static str = "oauth-core:token:";
    /// Default time-to-live of the fetch lock: the longest one process may fetch
    /// before another takes over.
    pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);
    /// Default of the longest a call waits for another process's fetch before it
    /// fetches itself: one attempt of `TokenClient` (10 s), well below twice the lock
    /// TTL.
    pub const DEFAULT_MAX_LOCK_WAIT: Duration = Duration::from_secs(10);
    /// Default timeout of each Redis command (and of connecting).
    pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(250);

    /// Starts building a cache on the Redis server at `redis_url`
    /// (`redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS with the
    /// `tls` feature).
    pub fn builder(redis_url: impl Into<String>) -> RedisTokenCacheBuilder {
        RedisTokenCacheBuilder::single(redis_url.into())
    }

    /// Starts building a cache on a Redis Cluster, given the URLs of some of its
    /// nodes (`redis://host:port` or `rediss://host:port`, all alike; database 0):
    /// the cache learns the others from them, and follows the cluster's slots as they
    /// move. Give several, so that the cache can start while one is down.
    ///
    /// Each token and its lock share a slot (their names carry a hash tag), and
    /// invalidations are published to the whole cluster and received through a
    /// connection to one of these nodes (another one after a failure).
    ///
    /// Needs the `cluster` feature: without it, [`build`](RedisTokenCacheBuilder::build)
    /// fails naming the feature.
    pub fn cluster_builder<I>(node_urls: I) -> RedisTokenCacheBuilder
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        RedisTokenCacheBuilder::cluster(node_urls.into_iter().map(Into::into).collect())
    }

    /// A cache with the default settings and its encryption key from the
    /// environment variable [`ENCRYPTION_KEY_ENV`](Self::ENCRYPTION_KEY_ENV): same as
    /// `builder(redis_url).encryption_key_from_env().build()`.
    ///
    /// # Errors
    ///
    /// See [`RedisTokenCacheBuilder::build`]; also if `OAUTH_CACHE_REDIS_KEY` is not
    /// set or is not 32 bytes in base64.
    pub fn new(redis_url: impl Into<String>) -> Result<Self, ConfigError> {
        Self::builder(redis_url).encryption_key_from_env().build()
    }

    pub(crate) fn from_parts(
        l1: MemoryTokenCache,
        store: RedisStore,
        crypto: Crypto,
        settings: Settings,
    ) -> Self {
        let (subscribed, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                l1,
                store,
                crypto,
                settings,
                instance_id: format!("{:016x}", fastrand::u64(..)),
                known: Mutex::new(HashMap::new()),
                subscriber: OnceLock::new(),
                subscribed: Arc::new(subscribed),
                subscribe_error: Mutex::new(None),
                waiting: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The Redis key that holds the token for `key`: `<prefix>{<hmac>}`, the prefix
    /// and an HMAC of the key (its credential fingerprint included) under a key
    /// derived from the encryption key, so that no client id, tenant or user shows in
    /// Redis and no name can be checked against a guessed secret. The braces make
    /// the HMAC the Redis Cluster hash tag: the fetch lock, `<prefix>{<hmac>}:lock`,
    /// lives in the same slot.
    pub fn redis_key(&self, key: &CacheKey) -> String {
        self.inner.keys(key).value
    }

    /// The pub/sub channel invalidations are published on (`<prefix>invalidations`).
    pub fn invalidation_channel(&self) -> &str {
        &self.inner.settings.channel
    }

    /// The memory cache in front of Redis.
    pub fn memory(&self) -> &MemoryTokenCache {
        &self.inner.l1
    }

    /// Whether this process currently receives invalidations from the others.
    ///
    /// The subscription starts with the first use of the cache (or with
    /// [`RedisTokenCache::connect`]) and is renewed in the background after any
    /// failure; always `false` when invalidations are turned off.
    pub fn is_subscribed(&self) -> bool {
        *self.inner.subscribed.borrow()
    }

    /// Connects to Redis now rather than on first use, and waits until invalidations
    /// from other processes are received: for a start-up or health check. The cache
    /// works without calling it, and keeps working (without Redis) when it fails.
    ///
    /// # Errors
    ///
    /// [`RedisCacheError`] if Redis does not answer a `PING` within the Redis timeout
    /// (on a cluster: every primary), or the subscription is not in place within four
    /// times that (then the reason of the last failed attempt, such as
    /// [`RedisCacheError::PermissionDenied`] for a user without the channel).
    /// [`RedisCacheError::Authentication`] if Redis refuses the credentials.
    pub async fn connect(&self) -> Result<(), RedisCacheError> {
        self.inner.store.ping().await?;
        if !self.inner.settings.subscribe {
            return Ok(());
        }
        self.inner.ensure_subscriber();
        let mut status = self.inner.subscribed.subscribe();
        let wait = self.inner.store.timeout().saturating_mul(4);
        let subscribed = tokio::time::timeout(wait, async {
            status.wait_for(|subscribed| *subscribed).await.is_ok()
        })
        .await;
        match subscribed {
            Ok(true) => Ok(()),
            _ => Err(lock(&self.inner.subscribe_error)
                .clone()
                .unwrap_or(RedisCacheError::Timeout(wait))),
        }
    }
}

impl fmt::Debug for RedisTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let s = &inner.settings;
        let mut d = f.debug_struct("RedisTokenCache");
        match (s.cluster, s.redacted_urls.as_slice()) {
            (false, [url]) => d.field("redis_url", url),
            (true, _) => d.field("redis_cluster_nodes", &s.redacted_urls),
            (false, urls) => d.field("redis_urls", &urls),
        };
        d.field("redis_credentials", &s.credentials)
            .field("key_prefix", &s.key_prefix)
            .field("lock_ttl", &s.lock_ttl)
            .field("max_lock_wait", &s.max_lock_wait)
            .field("redis_timeout", &inner.store.timeout())
            .field("encryption", &inner.crypto.encrypts())
            .field("invalidations", &s.subscribe)
            .field("subscribed", &self.is_subscribed())
            .field("memory", &inner.l1)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenCache for RedisTokenCache {
    async fn get(
        &self,
        key: &CacheKey,
        source: &Arc<dyn TokenSource>,
    ) -> Result<AccessToken, TokenError> {
        self.inner.ensure_subscriber();
        // The memory cache keeps its semantics (single flight within the process,
        // refresh ahead, detached fetches); only its misses reach Redis.
        let shared: Arc<dyn TokenSource> = Arc::new(RedisBackedSource {
            cache: self.inner.clone(),
            key: key.clone(),
            inner: source.clone(),
        });
        self.inner.l1.get(key, &shared).await
    }

    async fn invalidate(&self, key: &CacheKey, token: &AccessToken) {
        let inner = &self.inner;
        inner.ensure_subscriber();
        inner.l1.invalidate(key, token).await;
        let keys = inner.keys(key);
        let fingerprint = inner.crypto.fingerprint(token.secret());
        inner.remember(&keys, key);
        inner.reject(&keys.hash, fingerprint.clone());
        // Done before returning: the caller's next `get` must not find it in Redis.
        match inner.load(&keys).await {
            Ok(Some((stored, raw))) if stored.same_as(token) => {
                match inner.store.compare_and_delete(&keys.value, &raw).await {
                    Ok(deleted) => {
                        tracing::debug!(key = %keys.hash, deleted, "token cache: invalidated in Redis");
                    }
                    Err(err) => {
                        tracing::warn!(key = %keys.hash, error = %err, "token cache: could not drop the rejected token from Redis");
                        return;
                    }
                }
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(key = %keys.hash, error = %err, "token cache: could not drop the rejected token from Redis");
                return;
            }
        }
        // Published even if this process does not listen: others may.
        let message = InvalidationMessage {
            key: keys.hash.clone(),
            event: Event::Invalidated,
            token: fingerprint,
            from: inner.instance_id.clone(),
        };
        let Ok(message) = serde_json::to_string(&message) else {
            return;
        };
        if let Err(err) = inner.store.publish(&inner.settings.channel, &message).await {
            tracing::warn!(key = %keys.hash, error = %err, "token cache: could not tell other processes about the rejected token");
        }
    }

    /// The memory cache's count: an invalidation from another process empties it,
    /// which also stops every provider's hot-path copy of the rejected token.
    fn invalidations(&self) -> Option<Arc<std::sync::atomic::AtomicU64>> {
        self.inner.l1.invalidations()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key stays registered for wake-ups while some call waits for it, and is
    /// forgotten with the last one: the map of waiting keys does not grow with every
    /// key ever waited for, and a notice for a key nobody waits for any more wakes
    /// nothing.
    #[test]
    fn a_key_is_forgotten_when_its_last_waiter_leaves() {
        let cache = RedisTokenCache::builder("redis://127.0.0.1:1/")
            .encryption_key([1; 32])
            .build()
            .unwrap();
        let inner = &cache.inner;
        assert!(!inner.wake_waiters("k"), "nobody waits yet");
        let first = inner.wait_for("k");
        let second = inner.wait_for("k");
        assert!(Arc::ptr_eq(&first.notify, &second.notify));
        drop(first);
        assert!(inner.wake_waiters("k"), "the second call still waits");
        drop(second);
        assert!(!inner.wake_waiters("k"), "the last waiter left");
        assert!(lock(&inner.waiting).is_empty());
    }

    /// The keys remembered for invalidation messages are bounded: once the bound is
    /// reached, the keys no longer in the memory cache are forgotten, and a new key
    /// is remembered in their place.
    #[test]
    fn remembered_keys_are_bounded_by_forgetting_those_no_longer_cached() {
        let cache = RedisTokenCache::builder("redis://127.0.0.1:1/")
            .encryption_key([1; 32])
            .build()
            .unwrap();
        let inner = &cache.inner;
        for i in 0..MAX_KNOWN_KEYS {
            let key = CacheKey::custom(format!("not-cached-{i}"));
            inner.remember(&inner.keys(&key), &key);
        }
        assert_eq!(lock(&inner.known).len(), MAX_KNOWN_KEYS);
        let key = CacheKey::custom("new");
        let keys = inner.keys(&key);
        inner.remember(&keys, &key);
        assert_eq!(
            inner.known_key(&keys.hash).map(|k| k.as_str().to_owned()),
            Some(key.as_str().to_owned())
        );
        assert_eq!(lock(&inner.known).len(), 1, "the others were not cached");
    }
}
