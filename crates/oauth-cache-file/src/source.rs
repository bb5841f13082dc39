//! The token source the memory cache calls on a miss: the token file first, then
//! one fetch for all the processes under the key's file lock.

use std::fmt;
use std::fs::File;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use oauth_core::{AccessToken, CacheKey, Freshness, TokenError, TokenSource};
use tokio::time::Instant;

use crate::cache::Inner;
use crate::store::{Loaded, Store};

/// The first wait between two looks at the lock and the token file; it doubles up
/// to [`POLL_MAX`]. Both are cheap local reads.
const POLL_FIRST: Duration = Duration::from_millis(10);
const POLL_MAX: Duration = Duration::from_millis(100);

/// Wraps the caller's source: reads the token file, else fetches under the key's
/// lock (or waits for the process that holds it), and writes what it fetched.
pub(crate) struct FileBackedSource {
    pub(crate) cache: Arc<Inner>,
    pub(crate) key: CacheKey,
    pub(crate) inner: Arc<dyn TokenSource>,
}

impl fmt::Debug for FileBackedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileBackedSource")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl FileBackedSource {
    /// A token from a file is used if it is not the one being replaced nor one this
    /// process saw rejected, and if it is fresh; or, when nothing usable is being
    /// replaced (a cold start, a run of a CLI), if it is still usable at all: in its
    /// refresh-ahead window, the memory cache refreshes it in the background.
    fn usable(&self, name: &str, replacing: Option<&AccessToken>, token: &AccessToken) -> bool {
        if replacing.is_some_and(|r| token.same_as(r)) || self.cache.is_rejected(name, token) {
            return false;
        }
        let now = Instant::now();
        match token.freshness(now) {
            Freshness::Fresh => true,
            Freshness::RefreshAhead => {
                replacing.is_none_or(|r| r.freshness(now) == Freshness::Expired)
            }
            _ => false,
        }
    }

    /// The usable token in the file, if any. An unusable file is reported once per
    /// fetch (`reported`): it is about to be replaced.
    fn look(
        &self,
        store: &Store,
        name: &str,
        replacing: Option<&AccessToken>,
        reported: &mut bool,
    ) -> Option<AccessToken> {
        match store.load(name) {
            Loaded::Token(token) if self.usable(name, replacing, &token) => Some(token),
            Loaded::Token(_) | Loaded::Absent => None,
            Loaded::Unreadable(reason) => {
                tracing::debug!(file = %name, reason = %reason, "token cache: the token file cannot be read");
                None
            }
            Loaded::Ignored(reason) => {
                if !*reported {
                    *reported = true;
                    tracing::warn!(file = %name, reason = %reason, "token cache: ignoring a token file that cannot be used; it will be replaced");
                }
                None
            }
        }
    }

    /// Fetches from the caller's source and writes what it got.
    async fn fetch_and_store(
        &self,
        store: &Arc<Store>,
        name: &str,
        replacing: Option<&AccessToken>,
    ) -> Result<AccessToken, TokenError> {
        let started = Instant::now();
        let result = self.inner.fetch(replacing).await;
        if let Ok(token) = &result {
            tracing::debug!(
                file = %name,
                latency_ms = started.elapsed().as_millis() as u64,
                "token cache: fetched"
            );
            self.cache.save(store, name, token).await;
        }
        result
    }
}

#[async_trait]
impl TokenSource for FileBackedSource {
    async fn fetch(&self, replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        let Some(store) = self.cache.active_store().cloned() else {
            return self.inner.fetch(replacing).await;
        };
        let name = store.name(&self.key);
        let mut reported = false;
        let mut wait = LockWait::new(self.cache.max_lock_wait);
        loop {
            if let Some(token) = self.look(&store, &name, replacing, &mut reported) {
                tracing::debug!(
                    file = %name,
                    waited_ms = wait.started.elapsed().as_millis() as u64,
                    "token cache: token from its file"
                );
                return Ok(token);
            }
            match store.try_lock(&name) {
                Ok(Some(lock)) => {
                    // The previous holder may have written its token and let go
                    // between our look and our lock: look again before fetching.
                    let result = match self.look(&store, &name, replacing, &mut reported) {
                        Some(token) => Ok(token),
                        None => self.fetch_and_store(&store, &name, replacing).await,
                    };
                    // Released after the write, so whoever gets it next finds the token.
                    drop(lock);
                    return result;
                }
                Ok(None) => {}
                Err(err) => {
                    store.fail("taking a lock file", &err);
                    return self.inner.fetch(replacing).await;
                }
            }
            if !wait.pause(&name).await {
                tracing::warn!(
                    file = %name,
                    max_lock_wait_ms = self.cache.max_lock_wait.as_millis() as u64,
                    "token cache: another process has been fetching this token for longer than max_lock_wait; fetching without waiting for it"
                );
                return self.fetch_and_store(&store, &name, replacing).await;
            }
        }
    }
}

/// A bounded wait for a key's lock, polling with a growing, jittered delay.
pub(crate) struct LockWait {
    started: Instant,
    /// No deadline if it is out of the clock's range.
    deadline: Option<Instant>,
    delay: Duration,
    announced: bool,
}

impl LockWait {
    pub(crate) fn new(max_wait: Duration) -> Self {
        let started = Instant::now();
        Self {
            started,
            deadline: started.checked_add(max_wait),
            delay: POLL_FIRST,
            announced: false,
        }
    }

    /// Sleeps until the next look; `false` (without sleeping) once the wait is over.
    async fn pause(&mut self, name: &str) -> bool {
        let now = Instant::now();
        if self.deadline.is_some_and(|d| now >= d) {
            return false;
        }
        if !self.announced {
            self.announced = true;
            tracing::debug!(file = %name, "token cache: another process is fetching; waiting for its token");
        }
        // 75–100 % of the delay, so that waiting processes spread out.
        let next = now.checked_add(oauth_core::__internal::spread(
            self.delay,
            0.75,
            fastrand::f64(),
        ));
        let wake = match (next, self.deadline) {
            (Some(next), Some(deadline)) => next.min(deadline),
            (Some(at), None) | (None, Some(at)) => at,
            (None, None) => now,
        };
        tokio::time::sleep_until(wake).await;
        self.delay = self.delay.saturating_mul(2).min(POLL_MAX);
        true
    }

    /// The lock of `name` once it is free, or `None` after the wait (or if it cannot
    /// be taken: then the directory is no longer used).
    pub(crate) async fn acquire(mut self, store: &Store, name: &str) -> Option<File> {
        loop {
            match store.try_lock(name) {
                Ok(Some(lock)) => return Some(lock),
                Ok(None) => {}
                Err(err) => {
                    store.fail("taking a lock file", &err);
                    return None;
                }
            }
            if !self.pause(name).await {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use oauth_core::TokenSource;

    use super::*;
    use crate::FileTokenCache;

    /// A source never called: `usable` decides alone.
    #[derive(Debug)]
    struct Unused;

    #[async_trait]
    impl TokenSource for Unused {
        async fn fetch(&self, _: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
            Err(TokenError::Config(oauth_core::ConfigError::new(
                "source",
                "not called in these tests",
            )))
        }
    }

    /// A token with `left` of its `lifetime` to go, as a file restores it.
    fn token(secret: &str, left: Duration, lifetime: Duration) -> AccessToken {
        AccessToken::restore(
            secret,
            "Bearer",
            SystemTime::now() + left,
            lifetime,
            Vec::new(),
        )
    }

    fn backed(dir: &std::path::Path) -> (FileTokenCache, FileBackedSource) {
        let cache = FileTokenCache::builder("usable").dir(dir).build().unwrap();
        let source = FileBackedSource {
            cache: cache.inner.clone(),
            key: CacheKey::custom("usable"),
            inner: Arc::new(Unused),
        };
        (cache, source)
    }

    /// Which token from a file is used: a fresh one unless it is the one being
    /// replaced or one rejected here; one due for a refresh only when nothing
    /// usable is being replaced (a cold start, or an expired token); never an
    /// expired one.
    #[test]
    fn a_token_from_a_file_is_used_only_when_it_helps() {
        let dir = tempfile::tempdir().unwrap();
        let (_cache, source) = backed(dir.path());
        let hour = Duration::from_secs(3600);
        // 100 s of an hour left: past the refresh point (5 minutes before expiry).
        let due = |s: &str| token(s, Duration::from_secs(100), hour);
        let fresh = token("at-fresh", hour - Duration::from_secs(10), hour);
        let due_in_file = due("at-due-in-file");
        let due_in_memory = due("at-due-in-memory");
        let expired = token("at-expired", Duration::ZERO, Duration::from_secs(60));
        assert_eq!(
            due_in_file.freshness(Instant::now()),
            Freshness::RefreshAhead
        );
        assert_eq!(expired.freshness(Instant::now()), Freshness::Expired);

        assert!(source.usable("f", None, &fresh));
        assert!(source.usable("f", Some(&due_in_memory), &fresh));
        assert!(
            !source.usable("f", Some(&fresh), &fresh),
            "the token being replaced"
        );

        assert!(source.usable("f", None, &due_in_file), "a cold start");
        assert!(source.usable("f", Some(&expired), &due_in_file));
        assert!(
            !source.usable("f", Some(&due_in_memory), &due_in_file),
            "a refresh of a token still usable must fetch, not take another one due"
        );

        assert!(!source.usable("f", None, &expired));

        source.cache.reject("f", &fresh);
        assert!(!source.usable("f", None, &fresh), "a token rejected here");
        assert!(
            source.usable("g", None, &fresh),
            "rejected for its own file only"
        );
    }

    #[test]
    fn debug_names_the_wrapped_source_and_no_token() {
        let dir = tempfile::tempdir().unwrap();
        let (_cache, source) = backed(dir.path());
        let text = format!("{source:?}");
        assert!(text.starts_with("FileBackedSource"), "{text}");
        assert!(text.contains("Unused"), "{text}");
    }
}
