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
    /// The last token handed out, for the lock-free hot path.
    local: ArcSwapOption<Local>,
    /// The cache's count of dropped tokens ([`TokenCache::invalidations`]), or the
    /// provider's own count of invalidations when the cache keeps none.
    invalidations: Arc<AtomicU64>,
    /// Whether `invalidations` is the provider's own, bumped by its `invalidate`.
    own_counter: bool,
}

/// The token kept for the hot path, and the invalidation count read before it was
/// obtained: once the count moves, the copy is not trusted until the cache confirms.
struct Local {
    token: Arc<TokenInner>,
    seen: u64,
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
        let (invalidations, own_counter) = match cache.invalidations() {
            Some(counter) => (counter, false),
            None => (Arc::new(AtomicU64::new(0)), true),
        };
        Self {
            key,
            source,
            cache,
            local: ArcSwapOption::empty(),
            invalidations,
            own_counter,
        }
    }

    /// A provider over a managed identity, with its own memory cache.
    pub fn managed_identity(identity: crate::ManagedIdentity) -> Self {
        Self::managed_identity_with_cache(identity, Arc::new(MemoryTokenCache::new()))
    }

    /// A provider over a managed identity and a (possibly shared) cache.
    pub fn managed_identity_with_cache(
        identity: crate::ManagedIdentity,
        cache: Arc<dyn TokenCache>,
    ) -> Self {
        let key = identity.cache_key().clone();
        Self::from_source(key, Arc::new(identity), cache)
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
        // Read before asking the cache: an invalidation that lands while we wait
        // moves the count past `seen`, so the copy kept below is not trusted.
        let seen = self.invalidations.load(Ordering::SeqCst);
        let token = self.cache.get(&self.key, &self.source).await?;
        // Kept only while fresh: in the refresh window every call asks the cache
        // (which keeps the background refresh going), so there is nothing to keep.
        // Every caller of a herd comes here with the same token: only the first
        // stores it, the others see it held already and skip the allocation and the
        // swap (which all of them would otherwise make on the same cache line).
        if token.freshness(Instant::now()) == Freshness::Fresh {
            let held = self.local.load();
            let already = held
                .as_ref()
                .is_some_and(|local| local.seen == seen && token.is_inner(&local.token));
            if !already {
                self.local.store(Some(Arc::new(Local {
                    token: token.inner_arc(),
                    seen,
                })));
            }
        }
        Ok(token)
    }

    /// The kept token, if no invalidation happened since it was obtained and it is
    /// fresh: one atomic load, one counter read and one clock read.
    fn fresh_local(&self) -> Option<AccessToken> {
        let guard = self.local.load();
        let local = guard.as_ref()?;
        if local.seen != self.invalidations.load(Ordering::SeqCst)
            || !local.token.is_fresh(Instant::now())
        {
            return None;
        }
        Some(AccessToken::from_inner(local.token.clone()))
    }

    /// Drops `token` if it is still the current one (after an API rejected it).
    pub async fn invalidate(&self, token: &AccessToken) {
        if self.own_counter {
            self.invalidations.fetch_add(1, Ordering::SeqCst);
        }
        let current = self.local.load_full();
        if let Some(local) = current {
            if AccessToken::from_inner(local.token.clone()).same_as(token) {
                self.local
                    .compare_and_swap(&Some(local), None::<Arc<Local>>);
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
        /// See [`TokenClientBuilder::add_root_certificate_pem`].
        add_root_certificate_pem(pem: impl AsRef<[u8]>),
        /// See [`TokenClientBuilder::http_options`].
        http_options(options: crate::HttpOptions),
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
