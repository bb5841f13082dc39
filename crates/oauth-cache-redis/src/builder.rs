//! [`RedisTokenCacheBuilder`].

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use oauth_core::{ConfigError, MemoryTokenCache};
use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo as _};
use secrecy::{ExposeSecret as _, SecretString};

use crate::cache::{RedisTokenCache, Settings};
use crate::crypto::{Crypto, EncryptionKey};
use crate::store::{Backend, RedisStore};

/// Whether this process has warned that a cache keeps tokens in plaintext.
static PLAINTEXT_WARNED: AtomicBool = AtomicBool::new(false);

/// Why `build` refuses a cache without a key.
const KEY_REQUIRED: &str = "is required: tokens are encrypted in Redis by default. \
Make a key with `openssl rand -base64 32`, give the same one to every process of the fleet, \
and pass it with `.encryption_key(EncryptionKey::from_base64(..)?)`, or put it in \
OAUTH_CACHE_REDIS_KEY and call `.encryption_key_from_env()`; to keep tokens in Redis in \
plaintext instead, call `.allow_plaintext(true)`";

/// Where the cache's Redis is.
enum Nodes {
    /// One server: [`RedisTokenCache::builder`].
    Single(String),
    /// Seed nodes of a Redis Cluster: [`RedisTokenCache::cluster_builder`].
    Cluster(Vec<String>),
}

impl Nodes {
    fn urls(&self) -> &[String] {
        match self {
            Self::Single(url) => std::slice::from_ref(url),
            Self::Cluster(urls) => urls,
        }
    }
}

/// Builds a [`RedisTokenCache`]. Start with [`RedisTokenCache::builder`] (one Redis
/// server) or [`RedisTokenCache::cluster_builder`] (a Redis Cluster).
///
/// An encryption key is required ([`encryption_key`](Self::encryption_key) or
/// [`encryption_key_from_env`](Self::encryption_key_from_env)) unless plaintext is
/// allowed explicitly ([`allow_plaintext`](Self::allow_plaintext)).
///
/// Building checks the settings and parses the URLs but does not connect: a cache
/// can be built while Redis is down, and connects on first use.
#[must_use]
pub struct RedisTokenCacheBuilder {
    nodes: Nodes,
    username: Option<String>,
    password: Option<SecretString>,
    /// Why the credentials from the environment cannot be used, reported by `build`.
    credentials_error: Option<ConfigError>,
    tls_root_certificates: Option<Vec<u8>>,
    key_prefix: String,
    lock_ttl: Duration,
    max_lock_wait: Duration,
    redis_timeout: Duration,
    poll_first: Duration,
    poll_max: Duration,
    encryption_key: Option<Result<EncryptionKey, ConfigError>>,
    allow_plaintext: bool,
    allow_insecure_tls: bool,
    l1: Option<MemoryTokenCache>,
    subscribe: bool,
}

impl fmt::Debug for RedisTokenCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RedisTokenCacheBuilder");
        match &self.nodes {
            Nodes::Single(url) => d.field("redis_url", &redact_url(url)),
            Nodes::Cluster(urls) => d.field(
                "redis_cluster_nodes",
                &urls.iter().map(|u| redact_url(u)).collect::<Vec<_>>(),
            ),
        };
        d.field(
            "redis_credentials",
            &describe_credentials(self.username.is_some(), self.password.is_some()),
        )
        .field(
            "tls_root_certificates",
            &self.tls_root_certificates.as_ref().map(|_| "[set]"),
        )
        .field("key_prefix", &self.key_prefix)
        .field("lock_ttl", &self.lock_ttl)
        .field("max_lock_wait", &self.max_lock_wait)
        .field("redis_timeout", &self.redis_timeout)
        .field("lock_poll", &(self.poll_first, self.poll_max))
        .field("encryption_key", &self.encryption_key)
        .field("allow_plaintext", &self.allow_plaintext)
        .field("allow_insecure_tls", &self.allow_insecure_tls)
        .field("memory", &self.l1)
        .field("subscribe_invalidations", &self.subscribe)
        .finish()
    }
}

/// What `Debug` says of the credentials given to the builder: whether there are
/// any, never what they are.
pub(crate) fn describe_credentials(username: bool, password: bool) -> &'static str {
    match (username, password) {
        (true, true) => "username and password [redacted]",
        (false, true) => "password [redacted]",
        (true, false) => "username [redacted], no password",
        (false, false) => "none (the URL's, if any)",
    }
}

impl RedisTokenCacheBuilder {
    fn new(nodes: Nodes) -> Self {
        Self {
            nodes,
            username: None,
            password: None,
            credentials_error: None,
            tls_root_certificates: None,
            key_prefix: RedisTokenCache::DEFAULT_KEY_PREFIX.to_owned(),
            lock_ttl: RedisTokenCache::DEFAULT_LOCK_TTL,
            max_lock_wait: RedisTokenCache::DEFAULT_MAX_LOCK_WAIT,
            redis_timeout: RedisTokenCache::DEFAULT_REDIS_TIMEOUT,
            poll_first: Duration::from_millis(25),
            poll_max: Duration::from_millis(250),
            encryption_key: None,
            allow_plaintext: false,
            allow_insecure_tls: false,
            l1: None,
            subscribe: true,
        }
    }

    pub(crate) fn single(url: String) -> Self {
        Self::new(Nodes::Single(url))
    }

    pub(crate) fn cluster(urls: Vec<String>) -> Self {
        Self::new(Nodes::Cluster(urls))
    }

    /// The username of the Redis ACL user the cache connects as (Redis 6 and
    /// later). Needs a [`password`](Self::password); without a username, the
    /// password is the `default` user's. Never shown in `Debug` output, errors or
    /// logs. See also [`credentials_from_env`](Self::credentials_from_env).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The password the cache authenticates with (`AUTH`), for the
    /// [`username`](Self::username)'s user or else the `default` user. Held as a
    /// secret: never shown in `Debug` output, errors or logs. The URL must then hold
    /// no credentials of its own.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// Reads the credentials from the environment: the password from
    /// [`RedisTokenCache::PASSWORD_ENV`] (`OAUTH_CACHE_REDIS_PASSWORD`, required)
    /// and the ACL username from [`RedisTokenCache::USERNAME_ENV`]
    /// (`OAUTH_CACHE_REDIS_USERNAME`; unset or empty: the `default` user). Replaces
    /// [`username`](Self::username) and [`password`](Self::password).
    ///
    /// If the password variable is missing or empty, or either is not UTF-8,
    /// [`build`](Self::build) fails naming the variable, never quoting a value.
    pub fn credentials_from_env(mut self) -> Self {
        self.username = None;
        self.password = None;
        self.credentials_error = None;
        let user_var = RedisTokenCache::USERNAME_ENV;
        let pass_var = RedisTokenCache::PASSWORD_ENV;
        match std::env::var(user_var) {
            Ok(username) if !username.is_empty() => self.username = Some(username),
            Ok(_) | Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => {
                self.credentials_error = Some(ConfigError::new(
                    "redis_username",
                    format!("from {user_var} is not valid UTF-8"),
                ));
                return self;
            }
        }
        let problem = match std::env::var(pass_var).map(secrecy::zeroize::Zeroizing::new) {
            Ok(password) if !password.is_empty() => {
                self.password = Some(SecretString::from(password.as_str()));
                return self;
            }
            Ok(_) => format!("from {pass_var} is empty: set it to the Redis user's password"),
            Err(std::env::VarError::NotPresent) => format!(
                "was to be read from {pass_var}, which is not set: set it to the Redis user's \
                 password (and {user_var} to its ACL username, unless it is the `default` user)"
            ),
            Err(std::env::VarError::NotUnicode(_)) => {
                format!("from {pass_var} is not valid UTF-8")
            }
        };
        self.username = None;
        self.credentials_error = Some(ConfigError::new("redis_password", problem));
        self
    }

    /// Trusts only the CA certificates in `pem` (one or more `BEGIN CERTIFICATE`
    /// blocks), instead of the system's store, for the server's certificate: for a
    /// Redis whose certificate a private CA issued. Needs a TLS URL (`rediss://`)
    /// and the `tls` feature. Without it the system's store is used (which
    /// `SSL_CERT_FILE` replaces).
    pub fn tls_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.tls_root_certificates = Some(pem.as_ref().to_vec());
        self
    }

    /// The prefix of every Redis key and of the invalidation channel (default
    /// `oauth-core:token:`). Processes share tokens only if they use the same prefix.
    /// It may not hold `{` or `}`: the names' Redis Cluster hash tag follows it.
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
    /// nonce per value, the Redis key name as associated data), and derives the HMAC
    /// key of Redis key names from it. Every process of the fleet needs the same key
    /// (`openssl rand -base64 32` makes one); a value that does not decrypt counts as
    /// absent. Required unless [`allow_plaintext`](Self::allow_plaintext).
    pub fn encryption_key(mut self, key: impl Into<EncryptionKey>) -> Self {
        self.encryption_key = Some(Ok(key.into()));
        self
    }

    /// Reads the encryption key from the environment variable
    /// [`RedisTokenCache::ENCRYPTION_KEY_ENV`] (`OAUTH_CACHE_REDIS_KEY`): 32 bytes in
    /// standard base64, as `openssl rand -base64 32` prints them. If the variable is
    /// missing or not such a key, [`build`](Self::build) fails naming
    /// `encryption_key` (never quoting the variable's value), even with
    /// [`allow_plaintext`](Self::allow_plaintext).
    pub fn encryption_key_from_env(mut self) -> Self {
        let var = RedisTokenCache::ENCRYPTION_KEY_ENV;
        let problem = match std::env::var(var).map(secrecy::zeroize::Zeroizing::new) {
            Ok(text) => match EncryptionKey::from_base64(&text) {
                Ok(key) => {
                    self.encryption_key = Some(Ok(key));
                    return self;
                }
                Err(err) => format!("from {var} {}", err.problem()),
            },
            Err(std::env::VarError::NotPresent) => format!(
                "was to be read from {var}, which is not set: make a key with \
                 `openssl rand -base64 32` and set it there, the same in every process"
            ),
            Err(std::env::VarError::NotUnicode(_)) => format!(
                "from {var} is not valid base64: give 32 random bytes in standard base64 \
                 (`openssl rand -base64 32`)"
            ),
        };
        self.encryption_key = Some(Err(ConfigError::new("encryption_key", problem)));
        self
    }

    /// Allows a cache without an encryption key (default `false`): tokens are then
    /// stored in Redis as plaintext JSON, and a warning is logged (once per
    /// process) when such a cache is built.
    ///
    /// Anyone who can read that Redis can then read and use the tokens, and check a
    /// guessed client secret or password against the Redis key names (their HMAC key
    /// is a public constant without an encryption key); anyone who can write to it
    /// can plant a token of their choice, which this process would send to the
    /// vendor's API. Has no effect when a key is given.
    pub fn allow_plaintext(mut self, allow: bool) -> Self {
        self.allow_plaintext = allow;
        self
    }

    /// Allows a `rediss://…#insecure` URL (default `false`), which turns off the
    /// checks of the server's certificate and host name: anyone on the network path
    /// can then pose as Redis, and see its password and all the cache's traffic
    /// (with plaintext tokens, the tokens). Without
    /// this, [`build`](Self::build) refuses such a URL. Needs the `insecure-tls`
    /// feature (which turns on `tls`). For a test server, prefer trusting its
    /// certificate (`SSL_CERT_FILE`).
    pub fn allow_insecure_tls(mut self, allow: bool) -> Self {
        self.allow_insecure_tls = allow;
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
    /// A [`ConfigError`] if there is no encryption key (and plaintext is not
    /// allowed) or the key from the environment is missing or malformed, a URL is
    /// not a Redis URL this build can use (TLS needs the `tls` feature, a cluster
    /// the `cluster` feature), the credentials are incomplete, given twice or
    /// missing from the environment, root certificates are given without a TLS URL
    /// or hold no certificate, the key prefix is empty or holds a brace, or a
    /// duration is zero (the lock TTL must be at least 100 ms). The error never
    /// quotes a URL, a credential or the key.
    pub fn build(self) -> Result<RedisTokenCache, ConfigError> {
        let cluster = matches!(self.nodes, Nodes::Cluster(_));
        if cluster && !cfg!(feature = "cluster") {
            return Err(ConfigError::new(
                "redis_cluster_nodes",
                "name a Redis Cluster, which needs the `cluster` feature of oauth-cache-redis",
            ));
        }
        let urls = self.nodes.urls();
        if urls.is_empty() {
            return Err(ConfigError::new(
                "redis_cluster_nodes",
                "is empty: give the URL of at least one node of the cluster (several, so that \
                 the cache can start while one is down)",
            ));
        }
        let mut infos = Vec::with_capacity(urls.len());
        for url in urls {
            infos.push(parse_url(url, self.allow_insecure_tls)?);
        }
        if cluster {
            check_cluster_nodes(&infos)?;
        }
        if let Some(err) = self.credentials_error {
            return Err(err);
        }
        let infos = with_credentials(infos, self.username.as_deref(), self.password.as_ref())?;
        let is_tls = |info: &ConnectionInfo| matches!(info.addr(), ConnectionAddr::TcpTls { .. });
        if let Some(pem) = &self.tls_root_certificates {
            if !infos.iter().all(is_tls) {
                return Err(ConfigError::new(
                    "tls_root_certificates",
                    "are given, but the Redis URL is not a TLS URL: use `rediss://` (or drop the \
                     certificates)",
                ));
            }
            if !pem
                .windows(CERTIFICATE_PEM.len())
                .any(|w| w == CERTIFICATE_PEM.as_bytes())
            {
                return Err(ConfigError::new(
                    "tls_root_certificates",
                    "hold no `-----BEGIN CERTIFICATE-----` block: give the CA certificate in PEM",
                ));
            }
        }
        if self.key_prefix.is_empty() {
            return Err(ConfigError::new(
                "key_prefix",
                "must not be empty: give a namespace such as `oauth-core:token:`",
            ));
        }
        if self.key_prefix.contains(['{', '}']) {
            return Err(ConfigError::new(
                "key_prefix",
                "must not hold `{` or `}`: the cache puts a Redis Cluster hash tag after it, \
                 so that a token and its lock share a slot",
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
        let key = match self.encryption_key {
            Some(Ok(key)) => Some(key),
            Some(Err(err)) => return Err(err),
            None if self.allow_plaintext => None,
            None => return Err(ConfigError::new("encryption_key", KEY_REQUIRED)),
        };
        if infos.iter().any(is_tls) {
            ensure_crypto_provider();
        }
        let roots = self.tls_root_certificates.as_deref();
        let node_clients = infos
            .iter()
            .map(|info| node_client(info.clone(), roots))
            .collect::<Result<Vec<_>, _>>()?;
        let backend = if cluster {
            cluster_backend(infos, roots, self.redis_timeout)?
        } else {
            match node_clients.first() {
                Some(client) => Backend::single(client.clone(), self.redis_timeout),
                None => return Err(ConfigError::new("redis_url", "is missing")),
            }
        };
        if key.is_none() && !PLAINTEXT_WARNED.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "token cache: tokens are stored in Redis in plaintext (allow_plaintext): anyone who can read Redis can use them, and anyone who can write to it can make this process send a token of their choice; give an encryption key (`openssl rand -base64 32`)"
            );
        }
        let settings = Settings {
            channel: format!("{}invalidations", self.key_prefix),
            key_prefix: self.key_prefix,
            lock_ttl: self.lock_ttl,
            max_lock_wait: self.max_lock_wait.min(self.lock_ttl.saturating_mul(2)),
            poll_first: self.poll_first,
            poll_max: self.poll_max,
            subscribe: self.subscribe,
            cluster,
            redacted_urls: urls.iter().map(|u| redact_url(u)).collect(),
            credentials: describe_credentials(self.username.is_some(), self.password.is_some()),
        };
        Ok(RedisTokenCache::from_parts(
            self.l1.unwrap_or_default(),
            RedisStore::new(backend, node_clients, self.redis_timeout),
            Crypto::new(key.as_ref()),
            settings,
        ))
    }
}

/// What starts a certificate in PEM.
const CERTIFICATE_PEM: &str = "-----BEGIN CERTIFICATE-----";

/// Checks one node URL and parses it.
fn parse_url(url: &str, allow_insecure_tls: bool) -> Result<ConnectionInfo, ConfigError> {
    let insecure = skips_certificate_checks(url);
    if insecure && !allow_insecure_tls {
        return Err(ConfigError::new(
            "redis_url",
            "ends in `#insecure`, which turns off the checks of the server's certificate: \
             anyone on the network path could pose as Redis and see its password and all \
             the cache's traffic. Remove `#insecure` and give the server a certificate this \
             system trusts (`.tls_root_certificates_pem(..)`, or point SSL_CERT_FILE at its \
             CA), or accept the risk with `.allow_insecure_tls(true)`",
        ));
    }
    #[cfg(all(feature = "tls", not(feature = "insecure-tls")))]
    if insecure {
        return Err(ConfigError::new(
            "redis_url",
            "ends in `#insecure` (certificate checks off), which needs the `insecure-tls` \
             feature of oauth-cache-redis",
        ));
    }
    #[cfg(not(feature = "tls"))]
    if url.starts_with("rediss:") || url.starts_with("valkeys:") {
        return Err(ConfigError::new(
            "redis_url",
            "is a TLS URL (rediss://): enable the `tls` feature of oauth-cache-redis",
        ));
    }
    url.into_connection_info().map_err(|e| {
        ConfigError::new(
            "redis_url",
            format!(
                "is not a usable Redis URL ({e}); expected redis://[user:password@]host[:port][/db] \
                 or rediss://..."
            ),
        )
    })
}

/// A cluster is reached over TCP, in database 0.
fn check_cluster_nodes(infos: &[ConnectionInfo]) -> Result<(), ConfigError> {
    for info in infos {
        if matches!(info.addr(), ConnectionAddr::Unix(_)) {
            return Err(ConfigError::new(
                "redis_cluster_nodes",
                "name a Unix socket: cluster nodes are reached over TCP (the cluster tells \
                 clients its nodes' addresses)",
            ));
        }
        if info.redis_settings().db() != 0 {
            return Err(ConfigError::new(
                "redis_cluster_nodes",
                "name a database other than 0, which a Redis Cluster does not have: remove \
                 the `/<db>` from the URLs",
            ));
        }
    }
    Ok(())
}

/// The node URLs with the builder's credentials, which may not be given twice.
fn with_credentials(
    infos: Vec<ConnectionInfo>,
    username: Option<&str>,
    password: Option<&SecretString>,
) -> Result<Vec<ConnectionInfo>, ConfigError> {
    let Some(password) = password else {
        if username.is_some() {
            return Err(ConfigError::new(
                "redis_password",
                "is missing: a Redis username was given without a password (set both, \
                 `.password(..)` or OAUTH_CACHE_REDIS_PASSWORD)",
            ));
        }
        return Ok(infos);
    };
    let in_url = |info: &ConnectionInfo| {
        info.redis_settings().username().is_some() || info.redis_settings().password().is_some()
    };
    if infos.iter().any(in_url) {
        return Err(ConfigError::new(
            "redis_password",
            "is given twice: the Redis URL holds credentials too; give them in one place \
             (preferably the environment, out of the URL)",
        ));
    }
    Ok(infos
        .into_iter()
        .map(|info| {
            let mut redis = info
                .redis_settings()
                .clone()
                .set_password(password.expose_secret());
            if let Some(username) = username {
                redis = redis.set_username(username);
            }
            info.set_redis_settings(redis)
        })
        .collect())
}

/// A client of one node, trusting `roots` (PEM) if given.
fn node_client(info: ConnectionInfo, roots: Option<&[u8]>) -> Result<redis::Client, ConfigError> {
    let client = match roots {
        #[cfg(feature = "tls")]
        Some(pem) => redis::Client::build_with_tls(
            info,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(pem.to_vec()),
            },
        ),
        #[cfg(not(feature = "tls"))]
        Some(_) => {
            return Err(ConfigError::new(
                "tls_root_certificates",
                "need the `tls` feature of oauth-cache-redis",
            ))
        }
        None => redis::Client::open(info),
    };
    client.map_err(|e| {
        let field = if roots.is_some() {
            "tls_root_certificates"
        } else {
            "redis_url"
        };
        ConfigError::new(field, format!("cannot be used: {e}"))
    })
}

#[cfg(feature = "cluster")]
fn cluster_backend(
    infos: Vec<ConnectionInfo>,
    roots: Option<&[u8]>,
    timeout: Duration,
) -> Result<Backend, ConfigError> {
    let builder = redis::cluster::ClusterClientBuilder::new(infos)
        .connection_timeout(timeout)
        .response_timeout(timeout);
    #[cfg(feature = "tls")]
    let builder = match roots {
        Some(pem) => builder.certs(redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(pem.to_vec()),
        }),
        None => builder,
    };
    #[cfg(not(feature = "tls"))]
    let _ = roots;
    let client = builder.build().map_err(|e| {
        // Names the mismatch (TLS, credentials, database), never a URL or a secret.
        ConfigError::new(
            "redis_cluster_nodes",
            format!("cannot be used together: {e}"),
        )
    })?;
    Ok(Backend::Cluster(crate::store::LazyCluster::new(client)))
}

#[cfg(not(feature = "cluster"))]
fn cluster_backend(
    _infos: Vec<ConnectionInfo>,
    _roots: Option<&[u8]>,
    _timeout: Duration,
) -> Result<Backend, ConfigError> {
    Err(ConfigError::new(
        "redis_cluster_nodes",
        "name a Redis Cluster, which needs the `cluster` feature of oauth-cache-redis",
    ))
}

/// rustls needs a process-wide crypto provider, which it picks by itself only if
/// exactly one is compiled in: unless the application installed one, the cache
/// installs ring's (the one its `tls` feature brings), so that connecting never
/// fails (or panics) for want of one.
fn ensure_crypto_provider() {
    #[cfg(feature = "tls")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may have installed one meanwhile: either will do.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Whether `raw` is a TLS URL with the `#insecure` fragment, with which the redis
/// crate skips the checks of the server's certificate and host name.
fn skips_certificate_checks(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|url| {
        matches!(url.scheme(), "rediss" | "valkeys") && url.fragment() == Some("insecure")
    })
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
    use oauth_core::CacheKey;

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

    /// The documented bounds themselves are accepted: a lock TTL of exactly 100 ms,
    /// a poll whose first interval equals its max.
    #[test]
    fn settings_at_their_bounds_are_accepted() {
        let built = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([1; 32])
            .lock_ttl(Duration::from_millis(100))
            .lock_poll(Duration::from_millis(40), Duration::from_millis(40))
            .build();
        assert!(built.is_ok(), "{:?}", built.err());
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([1; 32])
            .lock_ttl(Duration::from_millis(99))
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "lock_ttl");
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([1; 32])
            .lock_poll(Duration::ZERO, Duration::from_millis(40))
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
    fn tls_without_certificate_checks_is_refused_unless_allowed() {
        for url in [
            "rediss://:hunter2@cache.example:6380/#insecure",
            "rediss://cache.example/0#insecure",
            "valkeys://cache.example#insecure",
        ] {
            let err = RedisTokenCache::builder(url)
                .encryption_key([1; 32])
                .build()
                .unwrap_err();
            assert_eq!(err.field(), "redis_url", "{url}");
            for hint in ["#insecure", "certificate", ".allow_insecure_tls(true)"] {
                assert!(err.problem().contains(hint), "{hint}: {err}");
            }
            assert!(!err.to_string().contains("hunter2"), "{err}");
            // Allowed: what this build can do with a TLS URL decides.
            let allowed = RedisTokenCache::builder(url)
                .encryption_key([1; 32])
                .allow_insecure_tls(true)
                .build();
            if cfg!(feature = "insecure-tls") {
                assert!(allowed.is_ok(), "{url}");
            } else {
                let err = allowed.unwrap_err();
                assert_eq!(err.field(), "redis_url");
                let feature = if cfg!(feature = "tls") {
                    "`insecure-tls` feature"
                } else {
                    "`tls` feature"
                };
                assert!(err.problem().contains(feature), "{err}");
            }
        }
        // Not a TLS URL, or checks on: no such refusal.
        for url in ["redis://cache.example/#insecure", "rediss://cache.example/"] {
            let built = RedisTokenCache::builder(url)
                .encryption_key([1; 32])
                .build();
            if let Err(err) = built {
                assert!(
                    !err.problem().contains("allow_insecure_tls"),
                    "{url}: {err}"
                );
            }
        }
    }

    #[test]
    fn the_wait_for_another_process_is_bounded_by_twice_the_lock_ttl() {
        let cache = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([1; 32])
            .build()
            .unwrap();
        assert!(
            format!("{cache:?}").contains("max_lock_wait: 10s"),
            "{cache:?}"
        );
        let cache = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([1; 32])
            .lock_ttl(Duration::from_secs(1))
            .build()
            .unwrap();
        assert!(
            format!("{cache:?}").contains("max_lock_wait: 2s"),
            "{cache:?}"
        );
    }

    #[test]
    fn a_cache_without_a_key_is_refused_unless_plaintext_is_allowed() {
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "encryption_key");
        for hint in [
            "openssl rand -base64 32",
            ".encryption_key(",
            "OAUTH_CACHE_REDIS_KEY",
            ".allow_plaintext(true)",
        ] {
            assert!(err.problem().contains(hint), "{hint}: {err}");
        }
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .allow_plaintext(false)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "encryption_key");

        let plain = RedisTokenCache::builder("redis://127.0.0.1/")
            .allow_plaintext(true)
            .build()
            .unwrap();
        assert!(format!("{plain:?}").contains("encryption: false"));
        let keyed = RedisTokenCache::builder("redis://127.0.0.1/")
            .allow_plaintext(true)
            .encryption_key(EncryptionKey::generate())
            .build()
            .unwrap();
        assert!(format!("{keyed:?}").contains("encryption: true"));
    }

    #[test]
    fn the_key_can_come_from_the_environment() {
        // The only test of this binary that touches the variable.
        let var = RedisTokenCache::ENCRYPTION_KEY_ENV;
        std::env::remove_var(var);
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key_from_env()
            .allow_plaintext(true)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "encryption_key");
        assert!(err.problem().contains("OAUTH_CACHE_REDIS_KEY"), "{err}");
        assert!(err.problem().contains("not set"), "{err}");
        assert!(RedisTokenCache::new("redis://127.0.0.1/").is_err());

        std::env::set_var(var, "c2hvcnQtYnV0LXNlY3JldA==");
        let err = RedisTokenCache::new("redis://127.0.0.1/").unwrap_err();
        assert_eq!(err.field(), "encryption_key");
        assert!(
            err.problem()
                .contains("OAUTH_CACHE_REDIS_KEY holds 16 bytes"),
            "{err}"
        );
        assert!(!err.to_string().contains("c2hvcnQ"), "{err}");

        std::env::set_var(var, "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n");
        let from_env = RedisTokenCache::new("redis://127.0.0.1/").unwrap();
        let from_code = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([7; 32])
            .build()
            .unwrap();
        std::env::remove_var(var);
        let key = CacheKey::custom("k");
        assert_eq!(from_env.redis_key(&key), from_code.redis_key(&key));
        assert!(format!("{from_env:?}").contains("encryption: true"));
    }

    #[test]
    fn key_prefixes_with_braces_are_refused() {
        for prefix in ["svc{a}:", "svc{", "svc}:"] {
            let err = RedisTokenCache::builder("redis://127.0.0.1/")
                .encryption_key([1; 32])
                .key_prefix(prefix)
                .build()
                .unwrap_err();
            assert_eq!(err.field(), "key_prefix", "{prefix}");
            assert!(err.problem().contains("hash tag"), "{err}");
        }
    }

    #[test]
    fn credentials_come_from_the_environment() {
        // The only test of this binary that touches these variables.
        let (user_var, pass_var) = (RedisTokenCache::USERNAME_ENV, RedisTokenCache::PASSWORD_ENV);
        let (user, password) = ("svc-user-5e1c", "redis-pw-7f3a90");
        let from_env = || {
            RedisTokenCache::builder("redis://127.0.0.1/")
                .encryption_key([1; 32])
                .credentials_from_env()
        };
        let refused = |builder: RedisTokenCacheBuilder, words: &[&str]| {
            let err = builder.build().unwrap_err();
            assert_eq!(err.field(), "redis_password", "{err}");
            for word in words {
                assert!(err.problem().contains(word), "{word}: {err}");
            }
            for secret in [user, password] {
                assert!(!err.to_string().contains(secret), "{err}");
            }
        };
        std::env::remove_var(user_var);
        std::env::remove_var(pass_var);
        refused(from_env(), &["OAUTH_CACHE_REDIS_PASSWORD", "not set"]);
        std::env::set_var(user_var, user);
        refused(from_env(), &["OAUTH_CACHE_REDIS_PASSWORD", "not set"]);
        std::env::set_var(pass_var, "");
        refused(from_env(), &["OAUTH_CACHE_REDIS_PASSWORD", "empty"]);

        std::env::set_var(pass_var, password);
        let builder = from_env();
        let builder_debug = format!("{builder:?}");
        let cache = builder.build().unwrap();
        for output in [builder_debug, format!("{cache:?}")] {
            assert!(
                output.contains("username and password [redacted]"),
                "{output}"
            );
            assert!(
                !output.contains(user) && !output.contains(password),
                "{output}"
            );
        }
        // Credentials in the URL too: given twice.
        refused(
            RedisTokenCache::builder(format!("redis://{user}:{password}@127.0.0.1/"))
                .encryption_key([1; 32])
                .credentials_from_env(),
            &["twice", "one place"],
        );
        // Without a username: the `default` user's password.
        std::env::remove_var(user_var);
        let cache = from_env().build().unwrap();
        assert!(format!("{cache:?}").contains("redis_credentials: \"password [redacted]\""));
        // An empty username is no username: the `default` user's password too.
        std::env::set_var(user_var, "");
        let cache = from_env().build().unwrap();
        assert!(format!("{cache:?}").contains("redis_credentials: \"password [redacted]\""));
        std::env::remove_var(user_var);
        std::env::remove_var(pass_var);
    }

    #[test]
    fn credentials_in_code_are_checked() {
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([1; 32])
            .username("svc-user")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "redis_password");
        assert!(err.problem().contains("without a password"), "{err}");
        assert!(!err.to_string().contains("svc-user"), "{err}");

        let err = RedisTokenCache::builder("redis://:in-url-pw@127.0.0.1/")
            .encryption_key([1; 32])
            .password("in-code-pw")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "redis_password");
        assert!(!err.to_string().contains("-pw"), "{err}");

        let builder = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([1; 32])
            .username("svc-user")
            .password("in-code-pw");
        let builder_debug = format!("{builder:?}");
        let cache = builder.build().unwrap();
        for output in [builder_debug, format!("{cache:?}")] {
            assert!(
                !output.contains("svc-user") && !output.contains("in-code-pw"),
                "{output}"
            );
        }
    }

    #[cfg(feature = "tls")]
    #[test]
    fn tls_root_certificates_need_a_tls_url_and_a_certificate() {
        let ca = include_str!("../tests/fixtures/other-ca.pem");
        let err = RedisTokenCache::builder("redis://127.0.0.1/")
            .encryption_key([1; 32])
            .tls_root_certificates_pem(ca)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "tls_root_certificates");
        assert!(err.problem().contains("rediss://"), "{err}");
        for not_a_certificate in ["", "hunter2", "-----BEGIN PRIVATE KEY-----\nAAAA\n"] {
            let err = RedisTokenCache::builder("rediss://127.0.0.1/")
                .encryption_key([1; 32])
                .tls_root_certificates_pem(not_a_certificate)
                .build()
                .unwrap_err();
            assert_eq!(err.field(), "tls_root_certificates");
            assert!(err.problem().contains("BEGIN CERTIFICATE"), "{err}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
        let err = RedisTokenCache::builder("rediss://127.0.0.1/")
            .encryption_key([1; 32])
            .tls_root_certificates_pem(
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            )
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "tls_root_certificates");
        let builder = RedisTokenCache::builder("rediss://127.0.0.1/")
            .encryption_key([1; 32])
            .tls_root_certificates_pem(ca);
        assert!(format!("{builder:?}").contains("tls_root_certificates: Some(\"[set]\")"));
        assert!(builder.build().is_ok());
    }

    #[cfg(feature = "cluster")]
    #[test]
    fn cluster_nodes_are_checked() {
        let build = |urls: &[&str]| {
            RedisTokenCache::cluster_builder(urls.iter().copied())
                .encryption_key([1; 32])
                .build()
        };
        let refused = |urls: &[&str], words: &[&str]| {
            let err = build(urls).unwrap_err();
            assert_eq!(err.field(), "redis_cluster_nodes", "{urls:?}: {err}");
            for word in words {
                assert!(err.problem().contains(word), "{word}: {err}");
            }
            assert!(!err.to_string().contains("pw-"), "{err}");
        };
        refused(&[], &["at least one node"]);
        refused(&["redis://127.0.0.1:7000/2"], &["database"]);
        refused(
            &["redis://127.0.0.1:7000/", "rediss://127.0.0.1:7001/"],
            &["TLS"],
        );
        refused(
            &[
                "redis://:pw-one@127.0.0.1:7000/",
                "redis://:pw-two@127.0.0.1:7001/",
            ],
            &["password"],
        );
        refused(&["redis+unix:///run/redis.sock"], &["Unix socket"]);

        let cache = build(&[
            "redis://:pw-same@127.0.0.1:7000/",
            "redis://:pw-same@127.0.0.1:7001/",
        ])
        .unwrap();
        let debug = format!("{cache:?}");
        assert!(
            debug.contains(
                "redis_cluster_nodes: [\"redis://:redacted@127.0.0.1:7000/\", \"redis://:redacted@127.0.0.1:7001/\"]"
            ),
            "{debug}"
        );
        assert!(!debug.contains("pw-same"), "{debug}");
    }

    #[cfg(not(feature = "cluster"))]
    #[test]
    fn a_cluster_asks_for_the_cluster_feature() {
        let err = RedisTokenCache::cluster_builder(["redis://127.0.0.1:7000/"])
            .encryption_key([1; 32])
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "redis_cluster_nodes");
        assert!(err.problem().contains("`cluster` feature"), "{err}");
    }

    #[test]
    fn building_does_not_connect() {
        // Nothing listens on port 1; building outside any runtime still succeeds.
        let cache = RedisTokenCache::builder("redis://127.0.0.1:1/")
            .encryption_key([1; 32])
            .build();
        assert!(cache.is_ok());
    }
}
