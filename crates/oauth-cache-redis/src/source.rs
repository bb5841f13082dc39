//! The token source the memory cache (L1) calls on a miss: Redis first, then one
//! fetch for the whole fleet under a Redis lock.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use oauth_core::{AccessToken, CacheKey, Freshness, TokenError, TokenSource};
use tokio::time::Instant;

use crate::cache::Inner;
use crate::error::RedisCacheError;
use crate::invalidation::{Event, InvalidationMessage};
use crate::store::RedisKeys;

/// The least time between two reads of Redis by one waiting call when notices wake
/// it: a flood of `stored` notices (anyone who can publish on the channel can send
/// them) costs at most one read per key and process per this time.
pub(crate) const NOTICE_READ_GAP: Duration = Duration::from_millis(50);

/// Wraps the caller's source: looks in Redis, else fetches under the fleet-wide lock
/// (or waits for the process that holds it), and stores what it fetched.
pub(crate) struct RedisBackedSource {
    pub(crate) cache: Arc<Inner>,
    pub(crate) key: CacheKey,
    pub(crate) inner: Arc<dyn TokenSource>,
}

impl fmt::Debug for RedisBackedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackedSource")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl RedisBackedSource {
    /// A stored token is used only if it is not the one being replaced, not one this
    /// process saw rejected, and fresh on this process's clock.
    fn usable(
        &self,
        keys: &RedisKeys,
        replacing: Option<&AccessToken>,
        token: &AccessToken,
    ) -> bool {
        !replacing.is_some_and(|r| token.same_as(r))
            && !self.cache.is_rejected(&keys.hash, token)
            && token.freshness(Instant::now()) == Freshness::Fresh
    }

    async fn fetch_locked(
        &self,
        keys: &RedisKeys,
        lock_value: &str,
        replacing: Option<&AccessToken>,
    ) -> Result<AccessToken, TokenError> {
        let cache = &self.cache;
        // The previous holder may have stored its token and released the lock between
        // our look and our lock: look again before asking the token endpoint.
        let stored = match cache.load(keys).await {
            Ok(Some((token, _))) if self.usable(keys, replacing, &token) => Some(token),
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(key = %keys.hash, error = %err, "token cache: Redis failed while holding the fetch lock; fetching anyway");
                None
            }
        };
        let result = match stored {
            Some(token) => {
                tracing::debug!(key = %keys.hash, "token cache: token from Redis (stored just before the lock)");
                Ok(token)
            }
            None => {
                tracing::debug!(key = %keys.hash, "token cache: fetching under the fleet-wide lock");
                self.fetch_and_store(keys, replacing).await
            }
        };
        // Released after the store, so that whoever sees the lock gone finds the token.
        if let Err(err) = cache.store.compare_and_delete(&keys.lock, lock_value).await {
            tracing::warn!(
                key = %keys.hash,
                error = %err,
                lock_ttl_ms = cache.settings.lock_ttl.as_millis() as u64,
                "token cache: could not release the fetch lock; it expires by itself"
            );
        }
        result
    }

    /// Fetches from the caller's source, and stores and announces what it got.
    async fn fetch_and_store(
        &self,
        keys: &RedisKeys,
        replacing: Option<&AccessToken>,
    ) -> Result<AccessToken, TokenError> {
        let cache = &self.cache;
        let started = Instant::now();
        let result = self.inner.fetch(replacing).await;
        if let Ok(token) = &result {
            match cache.save(keys, token).await {
                Ok(()) => {
                    tracing::debug!(
                        key = %keys.hash,
                        latency_ms = started.elapsed().as_millis() as u64,
                        "token cache: fetched and stored in Redis"
                    );
                    self.announce(keys).await;
                }
                Err(err) => tracing::warn!(
                    key = %keys.hash,
                    error = %err,
                    "token cache: could not store the new token in Redis; other processes will fetch their own"
                ),
            }
        }
        result
    }

    /// Tells the processes waiting for this fetch that the token is in Redis, so that
    /// they read it at once instead of at their next poll. Best effort: a waiter that
    /// misses the notice finds the token when it polls.
    async fn announce(&self, keys: &RedisKeys) {
        let cache = &self.cache;
        let notice = InvalidationMessage {
            key: keys.hash.clone(),
            event: Event::Stored,
            token: String::new(),
            from: cache.instance_id.clone(),
        };
        let Ok(notice) = serde_json::to_string(&notice) else {
            return;
        };
        if let Err(err) = cache.store.publish(&cache.settings.channel, &notice).await {
            tracing::debug!(key = %keys.hash, error = %err, "token cache: could not announce the new token; waiters find it when they poll");
        }
    }

    async fn fetch_directly(
        &self,
        keys: &RedisKeys,
        err: &RedisCacheError,
        replacing: Option<&AccessToken>,
    ) -> Result<AccessToken, TokenError> {
        tracing::warn!(key = %keys.hash, error = %err, "token cache: Redis is unavailable; fetching the token without it");
        self.inner.fetch(replacing).await
    }
}

#[async_trait]
impl TokenSource for RedisBackedSource {
    async fn fetch(&self, replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        let cache = &self.cache;
        let settings = &cache.settings;
        let keys = cache.keys(&self.key);
        cache.remember(&keys, &self.key);
        let lock_value = format!("{}:{:032x}", cache.instance_id, fastrand::u128(..));
        let started = Instant::now();
        // The lock expires `lock_ttl` after it was taken, so a waiter gets its turn
        // within that time even if the holder died; but a lock can also be held by
        // holders that fail one after the other, or planted by someone who can write
        // to Redis. A call waits for others at most `max_lock_wait`, then fetches
        // itself. No deadline if it is out of the clock's range.
        let deadline = started.checked_add(settings.max_lock_wait);
        let mut delay = settings.poll_first;
        let mut waiting = false;
        let announced = cache.wait_for(&keys.hash);
        loop {
            // Registered before Redis is read, so that an announcement made between
            // the read and the wait below is not missed.
            let stored = announced.notify.notified();
            tokio::pin!(stored);
            stored.as_mut().enable();
            let read_at = Instant::now();
            match cache.load(&keys).await {
                Ok(Some((token, _))) if self.usable(&keys, replacing, &token) => {
                    tracing::debug!(
                        key = %keys.hash,
                        waited_ms = started.elapsed().as_millis() as u64,
                        "token cache: token from Redis"
                    );
                    return Ok(token);
                }
                Ok(_) => {}
                Err(err) => return self.fetch_directly(&keys, &err, replacing).await,
            }
            match cache
                .store
                .set_if_absent(&keys.lock, &lock_value, settings.lock_ttl)
                .await
            {
                Ok(true) => return self.fetch_locked(&keys, &lock_value, replacing).await,
                Ok(false) => {}
                Err(err) => return self.fetch_directly(&keys, &err, replacing).await,
            }
            let now = Instant::now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                tracing::warn!(
                    key = %keys.hash,
                    waited_ms = started.elapsed().as_millis() as u64,
                    max_lock_wait_ms = settings.max_lock_wait.as_millis() as u64,
                    "token cache: another process held the fetch lock for longer than max_lock_wait; fetching without it"
                );
                return self.fetch_and_store(&keys, replacing).await;
            }
            if !waiting {
                tracing::debug!(key = %keys.hash, "token cache: another process is fetching; waiting for its token");
                waiting = true;
            }
            // 75–100 % of the delay, so that waiters spread out.
            let poll =
                now.checked_add(oauth_core::__internal::spread(delay, 0.75, fastrand::f64()));
            let wake = match (poll, deadline) {
                (Some(poll), Some(deadline)) => poll.min(deadline),
                (Some(at), None) | (None, Some(at)) => at,
                (None, None) => now,
            };
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {}
                () = &mut stored => {
                    // Announced: read again, but not sooner than the gap after the
                    // last read; notices meanwhile are served by that one read.
                    if let Some(gap_end) = read_at.checked_add(NOTICE_READ_GAP) {
                        tokio::time::sleep_until(gap_end.min(wake)).await;
                    }
                }
            }
            delay = delay.saturating_mul(2).min(settings.poll_max);
        }
    }
}
