//! The token cache: single-flight fetches, refresh-ahead and compare-and-invalidate.
//!
//! # Semantics
//!
//! For each [`CacheKey`] the cache holds at most one token. A call to
//! [`TokenCache::get`] then does one of three things, by the token's
//! [`Freshness`]:
//!
//! - **Fresh** (more than `min(5 min, lifetime / 2)` left, less a little jitter):
//!   returns it.
//! - **Refresh-ahead** (less than that, but more than `min(30 s, lifetime / 4)`):
//!   returns it at once and makes sure exactly one background fetch runs.
//! - **Expired or empty**: waits for the one fetch in flight, starting it if none.
//!
//! Fetches run in their own task, detached from every caller: a caller that is
//! dropped (a timeout, a cancelled request) neither cancels nor stalls the others.
//! A failed fetch is handed to every waiter; after it the cache answers
//! [`TokenError::BackingOff`] until a short, growing delay has passed, so a broken
//! credential does not hammer the token endpoint. A failed background refresh keeps
//! the still-valid token in service.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use async_trait::async_trait;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::error::TokenError;
pub use crate::key::{CacheKey, CacheKeyBuilder};
use crate::token::{AccessToken, Freshness, TokenInner};

/// Something that fetches a fresh token: normally a [`crate::TokenClient`].
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Fetches a new token. `replacing` is the token about to be replaced, if any,
    /// so that a shared cache can skip a copy of it.
    async fn fetch(&self, replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError>;
}

/// A store of tokens that providers share.
///
/// [`MemoryTokenCache`] is the default; a cache shared by several processes (for
/// example on Redis) implements this trait too, with a memory cache in front.
#[async_trait]
pub trait TokenCache: Send + Sync + fmt::Debug {
    /// Returns a usable token for `key`, fetching it from `source` when needed.
    async fn get(
        &self,
        key: &CacheKey,
        source: &Arc<dyn TokenSource>,
    ) -> Result<AccessToken, TokenError>;

    /// Drops `token` for `key`, but only if it is still the cached one, so that
    /// many callers that saw the same token rejected cause one new fetch.
    async fn invalidate(&self, key: &CacheKey, token: &AccessToken);

    /// A counter the cache increments whenever it drops a token it held, whoever
    /// asked (this process after a 401, or another process through a shared cache).
    ///
    /// [`OAuthProvider`](crate::OAuthProvider) keeps the last token it handed out
    /// for a lock-free hot path, and trusts that copy only while this counter has not
    /// moved. The default, `None`, suits caches that never drop a token on another
    /// caller's behalf.
    fn invalidations(&self) -> Option<Arc<AtomicU64>> {
        None
    }
}

/// Slot result shared with every waiter.
type Shared = Option<Result<AccessToken, TokenError>>;

/// The in-memory, bounded, single-flight token cache.
///
/// Clone-free to share: wrap it in an `Arc` and hand it to several providers so
/// that providers with the same key share one token.
pub struct MemoryTokenCache {
    slots: Mutex<HashMap<CacheKey, Arc<Slot>>>,
    capacity: usize,
    failure_backoff: Duration,
    max_failure_backoff: Duration,
    invalidations: Arc<AtomicU64>,
}

impl fmt::Debug for MemoryTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenCache")
            .field("keys", &lock(&self.slots).len())
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryTokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryTokenCache {
    /// Default number of keys held.
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// A cache holding up to [`Self::DEFAULT_CAPACITY`] keys.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A cache holding up to `capacity` keys (at least 1). When full, a key whose
    /// token expired, or else the one expiring first, makes room.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            failure_backoff: Duration::from_millis(250),
            max_failure_backoff: Duration::from_secs(30),
            invalidations: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The wait after the first failed fetch before the cache asks again (doubling
    /// with each further failure, up to `max`). Default 250 ms, up to 30 s.
    #[must_use]
    pub fn failure_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.failure_backoff = first;
        self.max_failure_backoff = max.max(first);
        self
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        lock(&self.slots).len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The token cached for `key` if it can be used now, without fetching.
    pub fn peek(&self, key: &CacheKey) -> Option<AccessToken> {
        let slot = lock(&self.slots).get(key).cloned()?;
        let token = slot.current()?;
        (token.freshness(Instant::now()) != Freshness::Expired).then_some(token)
    }

    fn slot(&self, key: &CacheKey) -> Arc<Slot> {
        let mut slots = lock(&self.slots);
        if let Some(slot) = slots.get(key) {
            return slot.clone();
        }
        if slots.len() >= self.capacity {
            evict_one(&mut slots);
        }
        let slot = Arc::new(Slot::default());
        slots.insert(key.clone(), slot.clone());
        slot
    }

    /// Starts the fetch for `slot` unless one runs; returns a receiver for its result,
    /// or the backoff error. Called with the slot's state locked.
    fn start_fetch(
        &self,
        key: &CacheKey,
        slot: &Arc<Slot>,
        state: &mut SlotState,
        source: &Arc<dyn TokenSource>,
        replacing: Option<AccessToken>,
        now: Instant,
    ) -> Result<watch::Receiver<Shared>, TokenError> {
        if let Some(rx) = state.live_inflight() {
            return Ok(rx.clone());
        }
        if let (Some(not_before), Some(last)) = (state.retry_not_before, &state.last_error) {
            if now < not_before {
                return Err(TokenError::BackingOff {
                    retry_in: not_before - now,
                    last: Box::new(last.clone()),
                });
            }
        }
        let (tx, rx) = watch::channel(None);
        state.inflight = Some(rx.clone());
        let task = FetchTask {
            key: key.clone(),
            slot: slot.clone(),
            source: source.clone(),
            tx,
            windows: FailureWindows {
                first: self.failure_backoff,
                max: self.max_failure_backoff,
            },
            gate: slot.gate.clone().try_lock_owned().ok(),
        };
        tracing::debug!(key = %key.as_str(), background = replacing.is_some(), "token cache: fetch started");
        tokio::spawn(task.run(replacing));
        Ok(rx)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave the data inconsistent (each
    // critical section is a few assignments), so poisoning is ignored.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn evict_one(slots: &mut HashMap<CacheKey, Arc<Slot>>) {
    let now = Instant::now();
    let victim = slots
        .iter()
        .filter(|(_, s)| Arc::strong_count(s) == 1 && lock(&s.state).inflight.is_none())
        .min_by_key(|(_, s)| match s.current() {
            Some(t) if t.freshness(now) != Freshness::Expired => (1, Some(t.expires_at())),
            _ => (0, None),
        })
        .map(|(k, _)| k.clone());
    if let Some(key) = victim {
        tracing::debug!(key = %key.as_str(), "token cache: evicted");
        slots.remove(&key);
    }
}

#[derive(Default)]
struct Slot {
    token: ArcSwapOption<TokenInner>,
    state: Mutex<SlotState>,
    /// Held by the fetch a caller waits for, until its result is out; the waiters then
    /// pass it on one to the next. A herd of thousands is so woken one at a time on the
    /// worker that is already running (a hand-off, as a mutex does), which costs far
    /// less than waking them all at once onto every worker's queue.
    gate: Arc<tokio::sync::Mutex<()>>,
}

impl Slot {
    fn current(&self) -> Option<AccessToken> {
        self.token.load_full().map(AccessToken::from_inner)
    }
}

#[derive(Default)]
struct SlotState {
    inflight: Option<watch::Receiver<Shared>>,
    failures: u32,
    retry_not_before: Option<Instant>,
    last_error: Option<TokenError>,
}

impl SlotState {
    /// The fetch in flight, if its task is still alive. A task dropped before it
    /// ran (spawned onto a runtime that then shut down) never cleared its marker;
    /// its channel is closed with no result, and the marker is cleared here.
    fn live_inflight(&mut self) -> Option<&watch::Receiver<Shared>> {
        let dead = self
            .inflight
            .as_ref()
            .is_some_and(|rx| rx.has_changed().is_err() && rx.borrow().is_none());
        if dead {
            self.inflight = None;
        }
        self.inflight.as_ref()
    }
}

#[derive(Clone, Copy)]
struct FailureWindows {
    first: Duration,
    max: Duration,
}

struct FetchTask {
    key: CacheKey,
    slot: Arc<Slot>,
    source: Arc<dyn TokenSource>,
    tx: watch::Sender<Shared>,
    windows: FailureWindows,
    /// The slot's gate, when it was free as the fetch started (else the task takes it).
    gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl FetchTask {
    async fn run(mut self, replacing: Option<AccessToken>) {
        // If this task is dropped before it finishes (runtime shutdown, a panic in
        // the source, also while it waits for the gate below), the guard clears the
        // in-flight marker so the next caller can start a new fetch instead of
        // waiting forever.
        let mut guard = InflightGuard {
            slot: self.slot.clone(),
            armed: true,
        };
        // Held until the result is out (dropped with the task if it is cancelled).
        let _gate = match self.gate.take() {
            Some(gate) => gate,
            None => self.slot.gate.clone().lock_owned().await,
        };
        let started = Instant::now();
        let result = self.source.fetch(replacing.as_ref()).await;
        {
            let mut state = lock(&self.slot.state);
            match &result {
                Ok(token) => {
                    self.slot.token.store(Some(token.inner_arc()));
                    state.failures = 0;
                    state.retry_not_before = None;
                    state.last_error = None;
                    tracing::debug!(
                        key = %self.key.as_str(),
                        latency_ms = started.elapsed().as_millis() as u64,
                        lifetime_s = token.lifetime().as_secs(),
                        "token cache: fetch succeeded"
                    );
                }
                Err(err) => {
                    state.failures = state.failures.saturating_add(1);
                    let window = failure_window(self.windows, state.failures);
                    state.retry_not_before = Some(Instant::now() + window);
                    state.last_error = Some(err.clone());
                    tracing::warn!(
                        key = %self.key.as_str(),
                        failures = state.failures,
                        retry_in_ms = window.as_millis() as u64,
                        error = %err,
                        "token cache: fetch failed"
                    );
                }
            }
            state.inflight = None;
        }
        // Disarm rather than `mem::forget`: forgetting would leak the guard's
        // `Arc<Slot>`, and a slot with an extra reference is never evicted.
        guard.armed = false;
        drop(guard);
        self.tx.send_replace(Some(result));
    }
}

fn failure_window(w: FailureWindows, failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(16);
    let bound = w.first.saturating_mul(1u32 << exp).min(w.max);
    bound / 2 + (bound / 2).mul_f64(fastrand::f64())
}

struct InflightGuard {
    slot: Arc<Slot>,
    /// Cleared once the task has recorded its result itself; the marker may by then
    /// belong to a newer fetch, which must not be cleared.
    armed: bool,
}

impl Drop for InflightGuard {
    fn drop(&mut self) {
        if self.armed {
            lock(&self.slot.state).inflight = None;
        }
    }
}

#[async_trait]
impl TokenCache for MemoryTokenCache {
    async fn get(
        &self,
        key: &CacheKey,
        source: &Arc<dyn TokenSource>,
    ) -> Result<AccessToken, TokenError> {
        let slot = self.slot(key);
        let now = Instant::now();
        let current = slot.current();
        if let Some(token) = &current {
            match token.freshness(now) {
                Freshness::Fresh => {
                    tracing::trace!(key = %key.as_str(), "token cache: hit");
                    return Ok(token.clone());
                }
                Freshness::RefreshAhead => {
                    let mut state = lock(&slot.state);
                    if state.live_inflight().is_none() {
                        tracing::debug!(key = %key.as_str(), "token cache: refresh ahead");
                        // A backoff error here only means "not yet": keep serving.
                        let _ = self.start_fetch(
                            key,
                            &slot,
                            &mut state,
                            source,
                            Some(token.clone()),
                            now,
                        );
                    }
                    return Ok(token.clone());
                }
                Freshness::Expired => {}
            }
        }
        let mut rx = {
            let mut state = lock(&slot.state);
            // A fetch may have finished since the first look.
            if let Some(token) = slot.current() {
                if token.freshness(now) != Freshness::Expired {
                    return Ok(token);
                }
            }
            tracing::debug!(key = %key.as_str(), "token cache: miss");
            self.start_fetch(key, &slot, &mut state, source, current, now)?
        };
        // The fetch holds the gate until its result is out; each waiter then takes it
        // and hands it on. A waiter that gets it before the fetch took it (the fetch
        // found it still held by the previous herd) waits on the channel instead.
        drop(slot.gate.lock().await);
        if let Some(result) = rx.borrow().as_ref() {
            return result.clone();
        }
        let outcome = match rx.wait_for(Option::is_some).await {
            Ok(shared) => shared.clone().unwrap_or(Err(TokenError::Abandoned)),
            Err(_) => Err(TokenError::Abandoned),
        };
        outcome
    }

    async fn invalidate(&self, key: &CacheKey, token: &AccessToken) {
        let Some(slot) = lock(&self.slots).get(key).cloned() else {
            return;
        };
        let _state = lock(&slot.state);
        if let Some(current) = slot.current() {
            if current.same_as(token) {
                slot.token.store(None);
                self.invalidations.fetch_add(1, Ordering::SeqCst);
                tracing::debug!(key = %key.as_str(), "token cache: invalidated");
            }
        }
    }

    fn invalidations(&self) -> Option<Arc<AtomicU64>> {
        Some(self.invalidations.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Instant1h;

    #[async_trait]
    impl TokenSource for Instant1h {
        async fn fetch(&self, _: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
            Ok(AccessToken::valid_for("fresh", Duration::from_secs(3600)))
        }
    }

    /// A key a caller is using (it looked the slot up and has not returned yet, as the
    /// waiters of a herd while the gate is handed on) is not evicted from under it,
    /// even with no fetch running: the token stays cached for the next caller.
    #[tokio::test(start_paused = true)]
    async fn a_key_in_use_by_a_caller_is_not_evicted() {
        let cache = MemoryTokenCache::with_capacity(1);
        let source: Arc<dyn TokenSource> = Arc::new(Instant1h);
        let in_use = CacheKey::custom("in-use");
        assert!(cache.get(&in_use, &source).await.is_ok());
        let held = cache.slot(&in_use);
        assert!(cache.get(&CacheKey::custom("other"), &source).await.is_ok());
        drop(held);
        assert!(cache.peek(&in_use).is_some(), "the key in use was kept");
    }

    /// A fetch whose task is dropped before it delivers (its runtime shut down before
    /// the task ran, or while it waited for the gate the previous herd still held)
    /// must not leave the slot marked in flight: the next caller starts a fetch of its
    /// own instead of meeting a closed channel forever.
    #[test]
    fn a_fetch_dropped_while_waiting_for_the_gate_leaves_nothing_in_flight() {
        let cache = Arc::new(MemoryTokenCache::new());
        let key = CacheKey::custom("gate-test");
        let source: Arc<dyn TokenSource> = Arc::new(Instant1h);
        let slot = cache.slot(&key);
        let held = slot.gate.clone().try_lock_owned();
        assert!(held.is_ok(), "the gate of a new slot is free");
        let first = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => unreachable!("a runtime: {e}"),
        };
        first.block_on(async {
            let mut state = lock(&slot.state);
            let started = cache.start_fetch(&key, &slot, &mut state, &source, None, Instant::now());
            assert!(started.is_ok() && state.inflight.is_some());
        });
        // The fetch task never ran (or is parked on the gate): shutting the runtime
        // down drops it, and with it the sending end of its channel.
        drop(first);
        drop(held);
        assert!(
            lock(&slot.state).live_inflight().is_none(),
            "a dropped fetch is not taken for one in flight"
        );
        let second = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => unreachable!("a runtime: {e}"),
        };
        let token = second.block_on(cache.get(&key, &source));
        assert_eq!(
            token.map(|t| t.secret().to_owned()).ok().as_deref(),
            Some("fresh")
        );
    }
}
