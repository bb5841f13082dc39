//! Cross-process invalidation: a message on a Redis pub/sub channel, and the
//! background task that receives them and drops the named tokens from this
//! process's memory cache.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt as _;
use oauth_core::TokenCache as _;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::cache::Inner;
use crate::error::RedisCacheError;

/// First wait before subscribing again after a failure; doubles up to the max.
const RESUBSCRIBE_FIRST: Duration = Duration::from_millis(100);
const RESUBSCRIBE_MAX: Duration = Duration::from_secs(5);
/// How often the subscription connection is pinged, so that a connection that died
/// silently (no FIN, a blackholed network) is noticed and replaced.
pub(crate) const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(15);
/// The largest message read from the channel; ours take about 200 bytes. Anyone who
/// can publish can send anything: larger ones are ignored without being parsed.
const MAX_MESSAGE_BYTES: usize = 1024;

/// What a notice on the channel tells the other processes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Event {
    /// An API rejected the token: drop it.
    #[default]
    Invalidated,
    /// A new token is in Redis: stop waiting for it and read it.
    Stored,
}

/// What is published on the channel. Names neither the cache key nor the token: the
/// key by its SHA-256, the token by its fingerprint.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct InvalidationMessage {
    /// The hashed cache key.
    pub(crate) key: String,
    /// What happened (a notice without one is an invalidation).
    #[serde(default)]
    pub(crate) event: Event,
    /// Fingerprint of the rejected token (empty in a `stored` notice).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) token: String,
    /// The publishing instance, which ignores its own message.
    pub(crate) from: String,
}

/// Subscribes, handles messages, and subscribes again after any failure, until the
/// cache is dropped.
pub(crate) async fn run_subscriber(cache: Weak<Inner>, status: Arc<watch::Sender<bool>>) {
    let Some((clients, channel, timeout)) = cache.upgrade().map(|c| {
        (
            c.store.node_clients().to_vec(),
            c.settings.channel.clone(),
            c.store.timeout(),
        )
    }) else {
        return;
    };
    let mut delay = RESUBSCRIBE_FIRST;
    let mut failures = 0u32;
    // The node to try first: after a lost subscription, the next one (on a cluster,
    // PUBLISH reaches every node, so any node will do).
    let mut first = 0usize;
    loop {
        match subscribe(&clients, first, &channel, timeout).await {
            Ok((pubsub, node)) => {
                failures = 0;
                delay = RESUBSCRIBE_FIRST;
                first = node.wrapping_add(1);
                match cache.upgrade() {
                    Some(c) => *crate::cache::lock(&c.subscribe_error) = None,
                    None => return,
                }
                status.send_replace(true);
                tracing::debug!(channel = %channel, node, "token cache: subscribed to invalidations");
                match cache.upgrade() {
                    // Invalidations published while we were not subscribed were missed.
                    Some(c) => c.reconcile().await,
                    None => return,
                }
                let (mut sink, mut messages) = pubsub.split();
                let mut health = tokio::time::interval_at(
                    tokio::time::Instant::now() + HEALTH_CHECK_EVERY,
                    HEALTH_CHECK_EVERY,
                );
                loop {
                    tokio::select! {
                        message = messages.next() => {
                            let Some(message) = message else { break };
                            let Some(c) = cache.upgrade() else { return };
                            c.on_invalidation(message.get_payload_bytes()).await;
                        }
                        _ = health.tick() => {
                            let ping = tokio::time::timeout(timeout, sink.ping::<redis::Value>()).await;
                            if !matches!(ping, Ok(Ok(_))) {
                                break;
                            }
                        }
                    }
                }
                status.send_replace(false);
                tracing::warn!(
                    channel = %channel,
                    "token cache: lost the invalidation subscription; subscribing again (invalidations by other processes are missed meanwhile)"
                );
            }
            Err(err) => {
                failures = failures.saturating_add(1);
                first = first.wrapping_add(1);
                match cache.upgrade() {
                    Some(c) => *crate::cache::lock(&c.subscribe_error) = Some(err.clone()),
                    None => return,
                }
                if failures == 1 {
                    tracing::warn!(channel = %channel, error = %err, "token cache: cannot subscribe to invalidations; retrying in the background");
                } else {
                    tracing::debug!(channel = %channel, error = %err, failures, "token cache: still cannot subscribe to invalidations");
                }
            }
        }
        if cache.strong_count() == 0 {
            return;
        }
        // Half to all of the delay: a fleet that lost Redis at once comes back spread out.
        tokio::time::sleep(oauth_core::__internal::spread(delay, 0.5, fastrand::f64())).await;
        delay = delay.saturating_mul(2).min(RESUBSCRIBE_MAX);
    }
}

/// Subscribes through the first node of `clients` (starting at `first`, in turn)
/// that lets it; the subscription and the node's index, or the last node's error.
async fn subscribe(
    clients: &[redis::Client],
    first: usize,
    channel: &str,
    timeout: Duration,
) -> Result<(redis::aio::PubSub, usize), RedisCacheError> {
    let mut last = RedisCacheError::Redis("no Redis node to subscribe through".to_owned());
    for offset in 0..clients.len() {
        let node = first.wrapping_add(offset) % clients.len();
        let Some(client) = clients.get(node) else {
            continue;
        };
        let bounded = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        // Connecting and subscribing are two round trips: allow two timeouts.
        last = match tokio::time::timeout(timeout.saturating_mul(2), bounded).await {
            Ok(Ok(pubsub)) => return Ok((pubsub, node)),
            Ok(Err(err)) => RedisCacheError::from_redis(&err),
            Err(_) => RedisCacheError::Timeout(timeout.saturating_mul(2)),
        };
    }
    Err(last)
}

impl Inner {
    /// Drops the named token from the memory cache if it holds it. The payload is
    /// untrusted: anything that is not one of our messages is ignored.
    pub(crate) async fn on_invalidation(&self, payload: &[u8]) {
        if payload.len() > MAX_MESSAGE_BYTES {
            tracing::debug!(
                bytes = payload.len(),
                "token cache: ignoring an oversized invalidation message"
            );
            return;
        }
        let Ok(message) = serde_json::from_slice::<InvalidationMessage>(payload) else {
            tracing::debug!("token cache: ignoring an unreadable invalidation message");
            return;
        };
        if message.from == self.instance_id {
            return; // Our own: the memory cache is already done.
        }
        if message.event == Event::Stored {
            // Whoever waits here for that key reads Redis soon rather than at its next
            // poll (at most one read per `NOTICE_READ_GAP`, however many notices).
            if self.wake_waiters(&message.key) {
                tracing::trace!(key = %message.key, "token cache: another process announced a token");
            }
            return;
        }
        let Some(key) = self.known_key(&message.key) else {
            return; // Never cached here.
        };
        self.reject(&message.key, message.token.clone());
        if let Some(current) = self.l1.peek(&key) {
            if self.crypto.fingerprint(current.secret()) == message.token {
                self.l1.invalidate(&key, &current).await;
                tracing::debug!(key = %message.key, "token cache: dropped a token another process invalidated");
            }
        }
    }

    /// After (re)subscribing: drops every token in memory that Redis no longer holds,
    /// so that an invalidation missed while unsubscribed is not missed for good.
    pub(crate) async fn reconcile(&self) {
        for (hash, key) in self.known_keys() {
            let Some(current) = self.l1.peek(&key) else {
                continue;
            };
            let keys = self.keys_for_hash(hash);
            match self.load(&keys).await {
                Ok(Some((stored, _))) if stored.same_as(&current) => {}
                Ok(_) => {
                    self.l1.invalidate(&key, &current).await;
                    tracing::debug!(key = %keys.hash, "token cache: dropped a token Redis no longer holds");
                }
                Err(err) => {
                    tracing::debug!(error = %err, "token cache: reconciling with Redis stopped");
                    return;
                }
            }
        }
    }
}
