//! [`FileTokenCache`]: a memory cache in front, the cache directory behind it.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use oauth_core::{
    AccessToken, CacheKey, ConfigError, Freshness, MemoryTokenCache, TokenCache, TokenError,
    TokenSource,
};
use tokio::time::Instant;

use crate::builder::FileTokenCacheBuilder;
use crate::error::FileCacheError;
use crate::source::{FileBackedSource, LockWait};
use crate::store::Store;

/// Most keys whose last rejected token is remembered (see [`Inner::reject`]).
const MAX_REJECTED: usize = 256;

/// A [`TokenCache`] on the local file system: a program run again and again (a
/// CLI) reuses its tokens across runs, and programs run in parallel make one token
/// request between them.
///
/// Each instance keeps a [`MemoryTokenCache`] in front, with its semantics
/// (single flight within the process, refresh ahead, back-off after failures); only
/// its misses and refreshes reach the directory. There the token of each key is one
/// file, named by an HMAC of the key under a random key kept in the directory, and
/// written atomically. The process that fetches holds an advisory lock on the key's
/// lock file; the others wait for its token (at most
/// [`max_lock_wait`](FileTokenCacheBuilder::max_lock_wait)).
///
/// The directory is a help, never a requirement: when it cannot be created, is
/// not private, or a write in it fails, the cache keeps tokens in memory only, with
/// one `tracing` warning, and token requests go on.
///
/// Cheap to clone: clones share one cache. Build it with
/// [`FileTokenCache::builder`]; see the crate documentation for an example.
#[derive(Clone)]
pub struct FileTokenCache {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) l1: MemoryTokenCache,
    /// The directory in use; `None` when it could not be used from the start.
    pub(crate) store: Option<Arc<Store>>,
    /// The directory configured (or the platform's default), used or not.
    dir: Option<PathBuf>,
    /// Why the directory is not used, when it is not.
    unavailable: Option<String>,
    app_name: String,
    pub(crate) max_lock_wait: Duration,
    /// The last token rejected for each file name: never taken from a file again,
    /// in case its removal raced with a write.
    rejected: Mutex<HashMap<String, AccessToken>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each critical section is one map operation: a panic cannot leave it torn.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    /// The store, if it is in use.
    pub(crate) fn active_store(&self) -> Option<&Arc<Store>> {
        self.store.as_ref().filter(|s| s.is_active())
    }

    pub(crate) fn reject(&self, name: &str, token: &AccessToken) {
        let mut rejected = lock(&self.rejected);
        if rejected.len() >= MAX_REJECTED && !rejected.contains_key(name) {
            rejected.clear();
        }
        rejected.insert(name.to_owned(), token.clone());
    }

    pub(crate) fn is_rejected(&self, name: &str, token: &AccessToken) -> bool {
        lock(&self.rejected)
            .get(name)
            .is_some_and(|r| r.same_as(token))
    }

    /// Writes `token` off the async threads (it syncs to disk); a failure stops the
    /// use of the directory, with one warning.
    pub(crate) async fn save(&self, store: &Arc<Store>, name: &str, token: &AccessToken) {
        let job = {
            let (store, name, token) = (store.clone(), name.to_owned(), token.clone());
            tokio::task::spawn_blocking(move || store.save(&name, &token))
        };
        match job.await {
            Ok(Ok(true)) => tracing::debug!(file = %name, "token cache: token written"),
            Ok(Ok(false)) => {
                tracing::debug!(file = %name, "token cache: token not written (expired, or not a Bearer token)");
            }
            Ok(Err(err)) => store.fail("writing a token file", &err),
            Err(err) => {
                tracing::debug!(file = %name, error = %err, "token cache: the write of a token file did not run");
            }
        }
    }
}

impl FileTokenCache {
    /// Default of the longest a call waits for another process's fetch before it
    /// fetches itself: one attempt of `oauth_core::TokenClient` (10 s).
    pub const DEFAULT_MAX_LOCK_WAIT: Duration = Duration::from_secs(10);

    /// Starts building a cache for the application `app_name` (such as
    /// `"vendorctl"`), whose tokens go to [`FileTokenCache::default_dir`] unless
    /// [`dir`](FileTokenCacheBuilder::dir) says otherwise.
    pub fn builder(app_name: impl Into<String>) -> FileTokenCacheBuilder {
        FileTokenCacheBuilder::new(app_name.into())
    }

    /// A cache with the default settings: same as `builder(app_name).build()`.
    ///
    /// # Errors
    ///
    /// See [`FileTokenCacheBuilder::build`].
    pub fn new(app_name: impl Into<String>) -> Result<Self, ConfigError> {
        Self::builder(app_name).build()
    }

    /// The platform's directory for the tokens of `app_name`: `tokens` in the
    /// application's cache directory, that is
    ///
    /// | platform | directory |
    /// |---|---|
    /// | Linux, BSD | `$XDG_CACHE_HOME/<app>/tokens`, else `$HOME/.cache/<app>/tokens` |
    /// | macOS | `$HOME/Library/Caches/<app>/tokens` |
    /// | Windows | `{FOLDERID_LocalAppData}\<app>\tokens` |
    ///
    /// `None` when the platform has none (no home directory).
    pub fn default_dir(app_name: &str) -> Option<PathBuf> {
        use etcetera::BaseStrategy as _;
        let platform = etcetera::base_strategy::choose_native_strategy().ok()?;
        Some(platform.cache_dir().join(app_name).join("tokens"))
    }

    pub(crate) fn from_parts(
        app_name: String,
        dir: Option<PathBuf>,
        l1: MemoryTokenCache,
        max_lock_wait: Duration,
    ) -> Self {
        let (store, unavailable) = match &dir {
            None => (
                None,
                Some("the platform has no cache directory (is HOME set?)".to_owned()),
            ),
            Some(dir) => match Store::open(dir) {
                Ok(store) => (Some(Arc::new(store)), None),
                Err(reason) => (None, Some(reason)),
            },
        };
        if let Some(reason) = &unavailable {
            tracing::warn!(
                app = %app_name,
                dir = %dir.as_deref().map(|d| d.display().to_string()).unwrap_or_default(),
                reason = %reason,
                "token cache: the cache directory cannot be used; tokens are kept in memory only"
            );
        }
        Self {
            inner: Arc::new(Inner {
                l1,
                store,
                dir,
                unavailable,
                app_name,
                max_lock_wait,
                rejected: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The cache directory: the one given to the builder, or the platform's default;
    /// `None` if there is neither. See [`is_persistent`](Self::is_persistent) for
    /// whether it is in use.
    pub fn dir(&self) -> Option<&Path> {
        self.inner.dir.as_deref()
    }

    /// Whether tokens are written to the directory: `false` when it could not be used
    /// from the start (see [`unavailable_reason`](Self::unavailable_reason)) or after
    /// a write in it failed; the cache then keeps tokens in memory only.
    pub fn is_persistent(&self) -> bool {
        self.inner.active_store().is_some()
    }

    /// Why the directory is not used, when it could not be from the start (never
    /// holds a secret).
    pub fn unavailable_reason(&self) -> Option<&str> {
        self.inner.unavailable.as_deref()
    }

    /// The file that holds (or would hold) the token of `key`:
    /// `<dir>/<hmac>.token`, where `<hmac>` is 64 hex digits of an HMAC-SHA-256 of the
    /// key, its credential fingerprint included, under a random key kept in the
    /// directory. So no client id, user or scope shows in a file name, two
    /// credentials that differ only in their secret get two files, and a name cannot
    /// be checked against a guessed secret without that key. `None` when the
    /// directory could not be used from the start.
    pub fn token_file(&self, key: &CacheKey) -> Option<PathBuf> {
        let store = self.inner.store.as_ref()?;
        Some(store.token_path(&store.name(key)))
    }

    /// Removes every token file of the directory (for `vendorctl cache clear`), and
    /// the lock files no process holds and temporary files left by a crash; returns
    /// the number of token files removed. The directory and its key stay.
    ///
    /// Tokens already in the memory of running processes (this one included) stay in
    /// use there until they expire or an API rejects them.
    ///
    /// # Errors
    ///
    /// [`FileCacheError`] if the directory could not be used from the start (it could
    /// not be created, is owned by another user, or the platform has none), or it
    /// could not be read, or a file could not be removed.
    pub fn clear(&self) -> Result<usize, FileCacheError> {
        let inner = &self.inner;
        let Some(store) = &inner.store else {
            let reason = inner.unavailable.clone().unwrap_or_default();
            return Err(FileCacheError::unavailable(inner.dir.clone(), reason));
        };
        let removed = store.clear().map_err(|e| {
            FileCacheError::io(store.dir(), "the token files could not be removed", e)
        })?;
        tracing::debug!(dir = %store.dir().display(), removed, "token cache: cleared");
        Ok(removed)
    }
}

impl fmt::Debug for FileTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("FileTokenCache")
            .field("app_name", &inner.app_name)
            .field("dir", &inner.dir)
            .field("persistent", &self.is_persistent())
            .field("unavailable", &inner.unavailable)
            .field("max_lock_wait", &inner.max_lock_wait)
            .field("memory", &inner.l1)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenCache for FileTokenCache {
    async fn get(
        &self,
        key: &CacheKey,
        source: &Arc<dyn TokenSource>,
    ) -> Result<AccessToken, TokenError> {
        // The memory cache keeps its semantics; only its misses reach the directory.
        let backed: Arc<dyn TokenSource> = Arc::new(FileBackedSource {
            cache: self.inner.clone(),
            key: key.clone(),
            inner: source.clone(),
        });
        let token = self.inner.l1.get(key, &backed).await?;
        if token.freshness(Instant::now()) != Freshness::RefreshAhead {
            return Ok(token);
        }
        // A token read from a file may already be due for a refresh, and the memory
        // cache starts one only when it sees such a token, not on the miss that read
        // it. Ask again: that starts the one background refresh (or finds it running)
        // and returns at once; the caller uses the token it has either way.
        match self.inner.l1.get(key, &backed).await {
            Ok(newer) => Ok(newer),
            Err(_) => Ok(token),
        }
    }

    async fn invalidate(&self, key: &CacheKey, token: &AccessToken) {
        let inner = &self.inner;
        inner.l1.invalidate(key, token).await;
        let Some(store) = inner.active_store() else {
            return;
        };
        let name = store.name(key);
        inner.reject(&name, token);
        // Compared under the lock, so that a token written meanwhile by a process
        // that fetched it is not removed; without the lock (after max_lock_wait, or
        // if it cannot be taken) compared all the same.
        let held = LockWait::new(inner.max_lock_wait)
            .acquire(store, &name)
            .await;
        match store.remove_if_holds(&name, token) {
            Ok(true) => {
                tracing::debug!(file = %name, "token cache: invalidated; token file removed")
            }
            Ok(false) => {
                tracing::debug!(file = %name, "token cache: invalidated; the token file held another token")
            }
            Err(err) => {
                tracing::debug!(file = %name, error = %err, "token cache: could not remove the rejected token's file");
            }
        }
        drop(held);
    }

    fn invalidations(&self) -> Option<Arc<AtomicU64>> {
        self.inner.l1.invalidations()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The rejected tokens are remembered per file name, at most `MAX_REJECTED` of
    /// them: a name already remembered is replaced in place; a new one beyond the
    /// bound starts the memory afresh rather than let it grow.
    #[test]
    fn rejected_tokens_are_remembered_per_name_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileTokenCache::builder("bounds")
            .dir(dir.path())
            .build()
            .unwrap();
        let inner = &cache.inner;
        let old = AccessToken::valid_for("at-old", Duration::from_secs(3600));
        let new = AccessToken::valid_for("at-new", Duration::from_secs(3600));
        for i in 0..MAX_REJECTED {
            inner.reject(&format!("file-{i}"), &old);
        }
        assert!(
            (0..MAX_REJECTED).all(|i| inner.is_rejected(&format!("file-{i}"), &old)),
            "every name up to the bound is remembered"
        );
        assert!(
            !inner.is_rejected("file-0", &new),
            "another token of a name is not"
        );

        // A name already remembered, at the bound: replaced, nothing forgotten.
        inner.reject("file-0", &new);
        assert!(inner.is_rejected("file-0", &new) && !inner.is_rejected("file-0", &old));
        assert!((1..MAX_REJECTED).all(|i| inner.is_rejected(&format!("file-{i}"), &old)));
        assert_eq!(lock(&inner.rejected).len(), MAX_REJECTED);

        // A new name beyond the bound: the memory starts afresh with it.
        inner.reject("file-new", &old);
        assert!(inner.is_rejected("file-new", &old));
        assert!(!inner.is_rejected("file-1", &old));
        assert_eq!(lock(&inner.rejected).len(), 1);
    }
}
