//! [`RedisTokenCacheBuilder`].

use std::fmt;
use std::time::Duration;

use oauth_core::{ConfigError, MemoryTokenCache};

use crate::cache::{RedisTokenCache, Settings};
use crate::crypto::{Crypto, EncryptionKey};
use crate::store::RedisStore;

/// Builds a [`RedisTokenCache`]. Start with [`RedisTokenCache::builder`].
///
/// Building checks the settings and parses the URL but does not connect: a cache can
/// be built while Redis is down, and connects on first use.
#[must_use]
pub struct RedisTokenCacheBuilder {
    url: String,
    key_prefix: String,
    lock_ttl: Duration,
    max_lock_wait: Duration,
    redis_timeout: Duration,
    poll_first: Duration,
    poll_max: Duration,
    encryption_key: Option<EncryptionKey>,
    l1: Option<MemoryTokenCache>,
    subscribe: bool,
}

impl fmt::Debug for RedisTokenCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenCacheBuilder")
            .field("redis_url", &redact_url(&self.url))
            .field("key_prefix", &self.key_prefix)
            .field("lock_ttl", &self.lock_ttl)
            .field("max_lock_wait", &self.max_lock_wait)
            .field("redis_timeout", &self.redis_timeout)
            .field("lock_poll", &(self.poll_first, self.poll_max))
            .field("encryption_key", &self.encryption_key)
            .field("memory", &self.l1)
            .field("subscribe_invalidations", &self.subscribe)
            .finish()
    }
}

impl RedisTokenCacheBuilder {
    pub(crate) fn new(url: String) -> Self {
        Self {
            url,
            key_prefix: RedisTokenCache::DEFAULT_KEY_PREFIX.to_owned(),
            lock_ttl: RedisTokenCache::DEFAULT_LOCK_TTL,
            max_lock_wait: RedisTokenCache::DEFAULT_MAX_LOCK_WAIT,
            redis_timeout: RedisTokenCache::DEFAULT_REDIS_TIMEOUT,
            poll_first: Duration::from_millis(25),
            poll_max: Duration::from_millis(250),
            encryption_key: None,
            l1: None,
            subscribe: true,
        }
    }

    /// The prefix of every Redis key and of the invalidation channel (default
    /// `oauth-core:token:`). Processes share tokens only if they use the same prefix.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long the fetch lock lives (default 30 s): the longest one process may
    /// fetch a token while the others wait for it rather than fetch themselves, and
    /// how long the lock of a process that died stays in the way. Make it at least
    /// the token client's overall deadline. See also
    /// [`max_lock_wait`](Self::max_lock_wait).
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }

    /// The longest a call waits for another process's fetch (default 10 s, and never
    /// more than twice the lock TTL); past it, this process fetches the token itself,
    /// without the lock, and stores it for the others.
    ///
    /// This bounds the stall a lock left by a dead process (or planted by someone who
    /// can write to Redis) causes: set it at most to the deadline of the calls that
    /// need a token (the cache cannot ask a [`oauth_core::TokenSource`] for its own;
    /// `TokenClient` allows 10 s per attempt and 30 s overall by default). A shorter
    /// bound means more processes fetch their own when the token endpoint is slow.
    pub fn max_lock_wait(mut self, wait: Duration) -> Self {
        self.max_lock_wait = wait;
        self
    }

    /// The timeout of each Redis command, and of connecting (default 250 ms). Past
    /// it, the cache goes on without Redis for that call.
    pub fn redis_timeout(mut self, timeout: Duration) -> Self {
        self.redis_timeout = timeout;
        self
    }

    /// How often a process waiting for another's fetch looks in Redis: first after
    /// `first`, then twice as long each time, up to `max` (default 25 ms to 250 ms).
    pub fn lock_poll(mut self, first: Duration, max: Duration) -> Self {
        self.poll_first = first;
        self.poll_max = max;
        self
    }

    /// Encrypts stored tokens with AES-256-GCM under this key (a fresh random 96-bit
    /// nonce per value, the Redis key name as associated data). Every process of the
    /// fleet needs the same key; a value that does not decrypt counts as absent.
    pub fn encryption_key(mut self, key: impl Into<EncryptionKey>) -> Self {
        self.encryption_key = Some(key.into());
        self
    }

    /// The memory cache in front of Redis (default: [`MemoryTokenCache::new`]), for
    /// another capacity or failure backoff.
    pub fn l1(mut self, cache: MemoryTokenCache) -> Self {
        self.l1 = Some(cache);
        self
    }

    /// Whether this process listens for invalidations by other processes (default
    /// `true`), on one extra Redis connection. Without it, a token another process
    /// saw rejected stays in this process's memory cache until this process sees it
    /// rejected too. Invalidations are published either way.
    pub fn subscribe_invalidations(mut self, subscribe: bool) -> Self {
        self.subscribe = subscribe;
        self
    }

    /// Checks the settings and builds the cache, without connecting.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] if the URL is not a Redis URL this build can use, the key
    /// prefix is empty, or a duration is zero (the lock TTL must be at least
    /// 100 ms). The error never quotes the URL.
    pub fn build(self) -> Result<RedisTokenCache, ConfigError> {
        #[cfg(not(feature = "tls"))]
        if self.url.starts_with("rediss:") || self.url.starts_with("valkeys:") {
            return Err(ConfigError::new(
                "redis_url",
                "is a TLS URL (rediss://): enable the `tls` feature of oauth-cache-redis",
            ));
        }
        let client = redis::Client::open(self.url.as_str()).map_err(|e| {
            ConfigError::new(
                "redis_url",
                format!(
                    "is not a usable Redis URL ({e}); expected redis://[user:password@]host[:port][/db]"
                ),
            )
        })?;
        if self.key_prefix.is_empty() {
            return Err(ConfigError::new(
                "key_prefix",
                "must not be empty: give a namespace such as `oauth-core:token:`",
            ));
        }
        if self.lock_ttl < Duration::from_millis(100) {
            return Err(ConfigError::new(
                "lock_ttl",
                "must be at least 100 ms (and at least the token request's deadline)",
            ));
        }
        if self.max_lock_wait.is_zero() {
            return Err(ConfigError::new(
                "max_lock_wait",
                "must be more than zero (at most the deadline of a call that needs a token)",
            ));
        }
        if self.redis_timeout.is_zero() {
            return Err(ConfigError::new("redis_timeout", "must be more than zero"));
        }
        if self.poll_first.is_zero() || self.poll_max < self.poll_first {
            return Err(ConfigError::new(
                "lock_poll",
                "the first interval must be more than zero and not above the max",
            ));
        }
        let settings = Settings {
            channel: format!("{}invalidations", self.key_prefix),
            key_prefix: self.key_prefix,
            lock_ttl: self.lock_ttl,
            max_lock_wait: self.max_lock_wait.min(self.lock_ttl.saturating_mul(2)),
            poll_first: self.poll_first,
            poll_max: self.poll_max,
            subscribe: self.subscribe,
            redacted_url: redact_url(&self.url),
        };
        Ok(RedisTokenCache::from_parts(
            self.l1.unwrap_or_default(),
            RedisStore::new(client, self.redis_timeout),
            Crypto::new(self.encryption_key.as_ref()),
            settings,
        ))
    }
}

/// The URL with its password (and any password-like query parameter) replaced.
pub(crate) fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "[not a URL]".to_owned();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("redacted"));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let lower = name.to_ascii_lowercase();
                let secret = ["pass", "secret", "token", "key"]
                    .iter()
                    .any(|s| lower.contains(s));
                let value = if secret {
                    "redacted".to_owned()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(
            redact_url("redis://user:hunter2@cache.internal:6380/2"),
            "redis://user:redacted@cache.internal:6380/2"
        );
        assert_eq!(
            redact_url("redis://:hunter2@cache.internal/"),
            "redis://:redacted@cache.internal/"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379/"),
            "redis://127.0.0.1:6379/"
        );
        let unix = redact_url("redis+unix:///run/redis.sock?db=1&pass=hunter2");
        assert!(!unix.contains("hunter2"), "{unix}");
        assert!(unix.contains("db=1"), "{unix}");
        assert_eq!(redact_url("::hunter2::"), "[not a URL]");
    }

    #[test]
    fn bad_settings_are_refused_with_the_field() {
        let err = RedisTokenCache::builder("http://user:hunter2@host/")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "redis_url");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .key_prefix("")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "key_prefix");
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .lock_ttl(Duration::from_millis(10))
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "lock_ttl");
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .max_lock_wait(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "max_lock_wait");
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .redis_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "redis_timeout");
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .lock_poll(Duration::from_millis(100), Duration::from_millis(10))
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "lock_poll");
    }

    #[cfg(not(feature = "tls"))]
    #[test]
    fn tls_urls_ask_for_the_tls_feature() {
        let err = RedisTokenCache::builder("rediss://:hunter2@cache.example:6380/")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "redis_url");
        assert!(err.problem().contains("`tls` feature"), "{err}");
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn the_wait_for_another_process_is_bounded_by_twice_the_lock_ttl() {
        let cache = RedisTokenCache::builder("redis://127.0.0.1/")
            .build()
            .unwrap();
        assert!(
            format!("{cache:?}").contains("max_lock_wait: 10s"),
            "{cache:?}"
        );
        let cache = RedisTokenCache::builder("redis://127.0.0.1/")
            .lock_ttl(Duration::from_secs(1))
            .build()
            .unwrap();
        assert!(
            format!("{cache:?}").contains("max_lock_wait: 2s"),
            "{cache:?}"
        );
    }

    #[test]
    fn building_does_not_connect() {
        // Nothing listens on port 1; building outside any runtime still succeeds.
        let cache = RedisTokenCache::builder("redis://127.0.0.1:1/").build();
        assert!(cache.is_ok());
    }
}
