//! Token providers: what the HTTP pipeline asks for a token.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use async_trait::async_trait;
use tokio::time::Instant;

use crate::cache::{CacheKey, MemoryTokenCache, TokenCache, TokenSource};
use crate::endpoint::{TokenClient, TokenClientBuilder};
use crate::error::{ConfigError, TokenError};
use crate::token::{AccessToken, Freshness, TokenInner};

/// Gives out access tokens and takes back the ones an API rejected.
#[async_trait]
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token to use now.
    ///
    /// # Errors
    ///
    /// Whatever stopped a token from being obtained.
    async fn token(&self) -> Result<AccessToken, TokenError>;

    /// A token that can be used at once without waiting or fetching, if there is one.
    /// The pipeline tries this first to skip the async call on the hot path.
    fn cached(&self) -> Option<AccessToken> {
        None
    }

    /// Tells the provider that an API rejected `token` (HTTP 401). It is dropped if
    /// it is still the current one, so the next [`TokenProvider::token`] fetches anew.
    async fn invalidate(&self, token: &AccessToken);
}

/// A provider that always returns the same token: for tests, and for callers that
/// obtain tokens elsewhere.
#[derive(Debug, Clone)]
pub struct StaticTokenProvider {
    token: AccessToken,
}

impl StaticTokenProvider {
    /// Wraps `token`.
    pub fn new(token: AccessToken) -> Self {
        Self { token }
    }
}

#[async_trait]
impl TokenProvider for StaticTokenProvider {
    async fn token(&self) -> Result<AccessToken, TokenError> {
        Ok(self.token.clone())
    }

    fn cached(&self) -> Option<AccessToken> {
        Some(self.token.clone())
    }

    async fn invalidate(&self, _token: &AccessToken) {}
}

/// The OAuth 2.0 provider: a [`TokenClient`] behind a [`TokenCache`].
///
/// The hot path is one atomic load and a clock read: the provider keeps the last
/// token it handed out and returns it while it is fresh. Near expiry it goes to the
/// cache, which refreshes in the background while the valid token keeps being
/// served; once it is too close to expiry, callers wait for the single fetch in
/// flight.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use oauth_core::{Credentials, OAuthProvider, TokenEndpoint};
///
/// let provider = OAuthProvider::builder()
///     .endpoint(TokenEndpoint::azure_ad_v2("contoso.onmicrosoft.com", ["api://my-api/.default"]))
///     .credentials(Credentials::client_credentials("client-id", "client-secret"))
///     .build()?;
/// let token = provider.token().await?;
/// println!("expires in {:?}, roles {:?}", token.remaining(), token.claims().map(|c| &c.roles));
/// # Ok(()) }
/// ```
pub struct OAuthProvider {
    key: CacheKey,
    source: Arc<dyn TokenSource>,
    cache: Arc<dyn TokenCache>,
    local: ArcSwapOption<TokenInner>,
    /// Bumped by every [`OAuthProvider::invalidate`], so that a token obtained from
    /// the cache before an invalidation is not pinned in `local` after it.
    invalidations: AtomicU64,
}

impl fmt::Debug for OAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthProvider")
            .field("key", &self.key)
            .field("source", &self.source)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl OAuthProvider {
    /// Starts building a provider (the token client's settings plus the cache).
    pub fn builder() -> OAuthProviderBuilder {
        OAuthProviderBuilder::default()
    }

    /// A provider over any token source and cache.
    pub fn from_source(
        key: CacheKey,
        source: Arc<dyn TokenSource>,
        cache: Arc<dyn TokenCache>,
    ) -> Self {
        Self {
            key,
            source,
            cache,
            local: ArcSwapOption::empty(),
            invalidations: AtomicU64::new(0),
        }
    }

    /// A provider over a token client, with its own memory cache.
    pub fn new(client: TokenClient) -> Self {
        Self::with_cache(client, Arc::new(MemoryTokenCache::new()))
    }

    /// A provider over a token client and a (possibly shared) cache.
    pub fn with_cache(client: TokenClient, cache: Arc<dyn TokenCache>) -> Self {
        let key = client.cache_key().clone();
        Self::from_source(key, Arc::new(client), cache)
    }

    /// The cache key of this provider's tokens.
    pub fn cache_key(&self) -> &CacheKey {
        &self.key
    }

    /// A token to use now (see the type's docs for when this waits).
    ///
    /// # Errors
    ///
    /// The fetch's [`TokenError`], shared by every caller that waited for it.
    pub async fn token(&self) -> Result<AccessToken, TokenError> {
        if let Some(token) = self.fresh_local() {
            return Ok(token);
        }
        let seen = self.invalidations.load(Ordering::SeqCst);
        let token = self.cache.get(&self.key, &self.source).await?;
        let inner = token.inner_arc();
        self.local.store(Some(inner.clone()));
        if self.invalidations.load(Ordering::SeqCst) != seen {
            // An invalidation ran while we waited and may have been about this very
            // token (its clearing of `local` came before our store): do not pin it;
            // the next call asks the cache, which knows.
            self.local
                .compare_and_swap(&Some(inner), None::<Arc<TokenInner>>);
        }
        Ok(token)
    }

    fn fresh_local(&self) -> Option<AccessToken> {
        let guard = self.local.load();
        let inner = guard.as_ref()?;
        let token = AccessToken::from_inner(inner.clone());
        (token.freshness(Instant::now()) == Freshness::Fresh).then_some(token)
    }

    /// Drops `token` if it is still the current one (after an API rejected it).
    pub async fn invalidate(&self, token: &AccessToken) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        let current = self.local.load_full();
        if let Some(inner) = current {
            if AccessToken::from_inner(inner.clone()).same_as(token) {
                self.local
                    .compare_and_swap(&Some(inner), None::<Arc<TokenInner>>);
            }
        }
        self.cache.invalidate(&self.key, token).await;
    }
}

#[async_trait]
impl TokenProvider for OAuthProvider {
    async fn token(&self) -> Result<AccessToken, TokenError> {
        OAuthProvider::token(self).await
    }

    fn cached(&self) -> Option<AccessToken> {
        self.fresh_local()
    }

    async fn invalidate(&self, token: &AccessToken) {
        OAuthProvider::invalidate(self, token).await;
    }
}

/// Builds an [`OAuthProvider`]: every [`TokenClientBuilder`] setting, plus the cache.
#[must_use]
#[derive(Debug, Default)]
pub struct OAuthProviderBuilder {
    client: TokenClientBuilder,
    cache: Option<Arc<dyn TokenCache>>,
}

macro_rules! forward {
    ($( $(#[$doc:meta])* $name:ident($($arg:ident : $ty:ty),*) ),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $($arg: $ty),*) -> Self {
                self.client = self.client.$name($($arg),*);
                self
            }
        )*
    };
}

impl OAuthProviderBuilder {
    forward! {
        /// See [`TokenClientBuilder::endpoint`].
        endpoint(endpoint: crate::TokenEndpoint),
        /// See [`TokenClientBuilder::credentials`].
        credentials(credentials: crate::Credentials),
        /// See [`TokenClientBuilder::authority`].
        authority(authority: impl Into<String>),
        /// See [`TokenClientBuilder::token_url`].
        token_url(url: impl Into<String>),
        /// See [`TokenClientBuilder::body_format`].
        body_format(format: crate::BodyFormat),
        /// See [`TokenClientBuilder::client_auth`].
        client_auth(auth: crate::ClientAuth),
        /// See [`TokenClientBuilder::extra_param`].
        extra_param(name: impl Into<String>, value: impl Into<String>),
        /// See [`TokenClientBuilder::retry_policy`].
        retry_policy(policy: crate::RetryPolicy),
        /// See [`TokenClientBuilder::timeouts`].
        timeouts(timeouts: crate::Timeouts),
        /// See [`TokenClientBuilder::allow_insecure_loopback`].
        allow_insecure_loopback(allow: bool),
        /// See [`TokenClientBuilder::user_agent`].
        user_agent(user_agent: impl Into<String>),
    }

    /// Shares a cache with other providers (default: a memory cache of its own).
    pub fn cache(mut self, cache: Arc<dyn TokenCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Checks the configuration and builds the provider.
    ///
    /// # Errors
    ///
    /// See [`TokenClientBuilder::build`].
    pub fn build(self) -> Result<OAuthProvider, ConfigError> {
        let client = self.client.build()?;
        let cache = self
            .cache
            .unwrap_or_else(|| Arc::new(MemoryTokenCache::new()));
        Ok(OAuthProvider::with_cache(client, cache))
    }
}
