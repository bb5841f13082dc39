//! Helpers: the Redis under test, fake token sources, raw Redis access.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use oauth_cache_redis::{RedisTokenCache, RedisTokenCacheBuilder};
use oauth_core::{AccessToken, CacheKey, TokenError, TokenSource};

/// Distinctive values: finding one in Redis, a log line or a `Debug` output is a leak.
pub const CLIENT_ID: &str = "cid-7e3f91-fleet-client";
pub const CLIENT_SECRET: &str = "csecret-5d81c2-do-not-leak";
pub const TENANT: &str = "tenant-4b2a77.onmicrosoft.com";
pub const REDIS_PASSWORD: &str = "redispw-93be1f";

/// Whether the tests run under CI (`CI` set and not `false`/`0`): then every Redis
/// deployment must be there, and a missing variable fails the test.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// The value of `var`, or `None` after printing why the test is skipped; under CI a
/// missing variable fails the test instead: CI must set it (see `.ci/run`).
pub fn required_var(var: &str) -> Option<String> {
    if let Ok(value) = std::env::var(var) {
        if !value.trim().is_empty() {
            return Some(value);
        }
    }
    assert!(
        !under_ci(),
        "{var} is not set but CI is: CI must start the Redis deployments and export {var} (see .ci/run)"
    );
    println!("skipped: {var} not set");
    None
}

/// `REDIS_URL`, or `None` after printing why the test is skipped (failing under
/// CI).
pub fn redis_url() -> Option<String> {
    required_var("REDIS_URL")
}

/// The single node (`REDIS_URL`), or return from the test (see [`redis_url`]).
macro_rules! require_redis {
    () => {
        match crate::common::Redis::from_env(crate::common::Deployment::SingleNode) {
            Some(redis) => redis,
            None => return,
        }
    };
}
pub(crate) use require_redis;

/// The Redis deployments the tests run against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deployment {
    /// One server: `REDIS_URL`.
    SingleNode,
    /// One server that speaks TLS only: `REDIS_TLS_URL`, its CA in `REDIS_TLS_CA_FILE`.
    Tls,
    /// A Redis Cluster: `REDIS_CLUSTER_URLS`, its masters' URLs, comma-separated.
    Cluster,
}

/// The Redis timeout of the caches on the TLS node and on the cluster. Connecting
/// there costs more than the default 250 ms allows in a debug build on two busy
/// cores (a TLS handshake takes 30 to 70 ms of CPU unoptimised; a cluster
/// connection is one per master, after `CLUSTER SLOTS`), and a command that times
/// out makes a process fetch its own token, which the tests count.
pub const SLOW_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A Redis deployment, as the caches and the tests' own connections reach it.
#[derive(Clone)]
pub struct Redis {
    pub deployment: Deployment,
    /// The node URLs (one but for a cluster, whose every master is listed).
    pub urls: Vec<String>,
    /// The CA of a TLS deployment, in PEM.
    pub ca: Option<Vec<u8>>,
}

impl Redis {
    /// The deployment from the environment, or `None` (see [`required_var`]).
    pub fn from_env(deployment: Deployment) -> Option<Self> {
        match deployment {
            Deployment::SingleNode => Some(Self::single_node_at(redis_url()?)),
            Deployment::Tls => {
                let url = required_var("REDIS_TLS_URL")?;
                let ca_file = required_var("REDIS_TLS_CA_FILE")?;
                let ca = std::fs::read(&ca_file)
                    .unwrap_or_else(|e| panic!("REDIS_TLS_CA_FILE {ca_file}: {e}"));
                Some(Self {
                    deployment,
                    urls: vec![url],
                    ca: Some(ca),
                })
            }
            Deployment::Cluster => {
                let urls: Vec<String> = required_var("REDIS_CLUSTER_URLS")?
                    .split(',')
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty())
                    .collect();
                assert!(!urls.is_empty(), "REDIS_CLUSTER_URLS names no node");
                Some(Self {
                    deployment,
                    urls,
                    ca: None,
                })
            }
        }
    }

    /// A plain single server at `url`.
    pub fn single_node_at(url: String) -> Self {
        Self {
            deployment: Deployment::SingleNode,
            urls: vec![url],
            ca: None,
        }
    }

    /// A builder on this deployment (trusting its CA), nothing else set but the
    /// Redis timeout of TLS and cluster deployments (see [`SLOW_CONNECT_TIMEOUT`]).
    pub fn cache_builder(&self) -> RedisTokenCacheBuilder {
        match self.deployment {
            Deployment::SingleNode => RedisTokenCache::builder(self.urls[0].as_str()),
            Deployment::Tls => RedisTokenCache::builder(self.urls[0].as_str())
                .tls_root_certificates_pem(self.ca.as_deref().expect("the CA of the TLS node"))
                .redis_timeout(SLOW_CONNECT_TIMEOUT),
            Deployment::Cluster => RedisTokenCache::cluster_builder(self.urls.clone())
                .redis_timeout(SLOW_CONNECT_TIMEOUT),
        }
    }

    /// A client of each node (of a cluster: each master), as the default user.
    pub fn node_clients(&self) -> Vec<redis::Client> {
        self.urls
            .iter()
            .map(|url| match &self.ca {
                Some(ca) => redis::Client::build_with_tls(
                    url.as_str(),
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(ca.clone()),
                    },
                )
                .expect("TLS client"),
                None => redis::Client::open(url.as_str()).expect("valid url"),
            })
            .collect()
    }

    /// A connection to each node.
    pub async fn node_connections(&self) -> Vec<redis::aio::MultiplexedConnection> {
        let mut conns = Vec::new();
        for client in self.node_clients() {
            conns.push(node_connection(&client).await);
        }
        conns
    }
}

/// The tests' own connections wait long: a busy machine is no reason to fail.
const TEST_CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to the node of `client`.
pub async fn node_connection(client: &redis::Client) -> redis::aio::MultiplexedConnection {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(TEST_CONNECTION_TIMEOUT))
        .set_response_timeout(Some(TEST_CONNECTION_TIMEOUT));
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .expect("connect to a Redis node")
}

/// The CI ACL user's credentials (`OAUTH_CACHE_REDIS_USERNAME` and
/// `OAUTH_CACHE_REDIS_PASSWORD`, which `.ci/run` sets), or `None` (see
/// [`required_var`]).
pub fn env_credentials() -> Option<(String, String)> {
    Some((
        required_var("OAUTH_CACHE_REDIS_USERNAME")?,
        required_var("OAUTH_CACHE_REDIS_PASSWORD")?,
    ))
}

/// An ACL user of the test's own on every node (all keys, channels and commands),
/// deleted when dropped: what its connections do can be told apart from the rest.
pub struct AclUser {
    redis: Redis,
    pub name: String,
    pub password: String,
}

impl AclUser {
    pub async fn create(redis: &Redis) -> Self {
        let user = Self {
            redis: redis.clone(),
            name: format!("oauth-cache-test-{:08x}", fastrand::u32(..)),
            password: format!("pw-{:032x}", fastrand::u128(..)),
        };
        for mut conn in redis.node_connections().await {
            let _: () = redis::cmd("ACL")
                .arg("SETUSER")
                .arg(&user.name)
                .arg("on")
                .arg(format!(">{}", user.password))
                .arg("~*")
                .arg("&*")
                .arg("+@all")
                .query_async(&mut conn)
                .await
                .expect("ACL SETUSER");
        }
        user
    }

    /// `CLIENT KILL TYPE <kind> USER <name>` on every node: how many were closed.
    pub async fn kill_connections(&self, kind: &str) -> i64 {
        let mut killed = 0;
        for mut conn in self.redis.node_connections().await {
            let n: i64 = redis::cmd("CLIENT")
                .arg("KILL")
                .arg("TYPE")
                .arg(kind)
                .arg("USER")
                .arg(&self.name)
                .query_async(&mut conn)
                .await
                .expect("CLIENT KILL");
            killed += n;
        }
        killed
    }
}

impl Drop for AclUser {
    fn drop(&mut self) {
        for client in self.redis.node_clients() {
            if let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_secs(2)) {
                let _: Result<i64, _> = redis::cmd("ACL")
                    .arg("DELUSER")
                    .arg(&self.name)
                    .query(&mut conn);
            }
        }
    }
}

/// The connections of `user` on every node, from `CLIENT LIST`: how many, and how
/// many of them are subscribed to a channel.
pub async fn connections_of(redis: &Redis, user: &str) -> (usize, usize) {
    let (mut all, mut subscribed) = (0, 0);
    for mut conn in redis.node_connections().await {
        let list: String = redis::cmd("CLIENT")
            .arg("LIST")
            .query_async(&mut conn)
            .await
            .expect("CLIENT LIST");
        for line in list.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            if fields.contains(&format!("user={user}").as_str()) {
                all += 1;
                if fields
                    .iter()
                    .any(|f| f.strip_prefix("sub=").is_some_and(|n| n != "0"))
                {
                    subscribed += 1;
                }
            }
        }
    }
    (all, subscribed)
}

/// Log lines, captured from every thread.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// A subscriber that writes everything (trace and up) here, for
    /// `tracing::subscriber::set_default` on a current-thread runtime.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A connection for key commands, whatever the deployment (on a cluster, each
/// command goes to its key's node).
#[derive(Clone)]
pub enum Raw {
    Node(redis::aio::MultiplexedConnection),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl redis::aio::ConnectionLike for Raw {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Self::Node(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Self::Node(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Node(c) => c.get_db(),
            Self::Cluster(c) => c.get_db(),
        }
    }
}

/// Runs each named test, an `async fn(Redis)` of the calling module, against each
/// deployment, as `<name>::single_node`, `<name>::tls` and `<name>::cluster`; each is
/// skipped (or fails under CI) without its variables.
///
/// `current_thread: name, ...` runs them on a current-thread runtime, for tests
/// that capture the logs of everything the cache runs (a thread-local subscriber).
macro_rules! on_each_deployment {
    (current_thread: $($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::common::{Deployment, Redis};

            #[tokio::test]
            async fn single_node() {
                if let Some(redis) = Redis::from_env(Deployment::SingleNode) {
                    super::$name(redis).await;
                }
            }

            #[tokio::test]
            async fn tls() {
                if let Some(redis) = Redis::from_env(Deployment::Tls) {
                    super::$name(redis).await;
                }
            }

            #[tokio::test]
            async fn cluster() {
                if let Some(redis) = Redis::from_env(Deployment::Cluster) {
                    super::$name(redis).await;
                }
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::common::{Deployment, Redis};

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn single_node() {
                if let Some(redis) = Redis::from_env(Deployment::SingleNode) {
                    super::$name(redis).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn tls() {
                if let Some(redis) = Redis::from_env(Deployment::Tls) {
                    super::$name(redis).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn cluster() {
                if let Some(redis) = Redis::from_env(Deployment::Cluster) {
                    super::$name(redis).await;
                }
            }
        }
    )*};
}
pub(crate) use on_each_deployment;

/// A key prefix no other test (or run) uses.
pub fn unique_prefix() -> String {
    format!("oauth-cache-redis-test:{:016x}:", fastrand::u64(..))
}

/// A builder on `redis` with the test's prefix and the tests' encryption key (the
/// same for every "process" of a test).
pub fn builder(redis: &Redis, prefix: &str) -> RedisTokenCacheBuilder {
    redis
        .cache_builder()
        .key_prefix(prefix)
        .encryption_key(TEST_KEY)
}

/// The hash in the Redis names of `key`: `<prefix>{<hash>}`.
pub fn key_hash(cache: &RedisTokenCache, prefix: &str, key: &CacheKey) -> String {
    let name = cache.redis_key(key);
    let tagged = name
        .strip_prefix(prefix)
        .expect("the name starts with the prefix");
    tagged
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .expect("the name ends in a hash tag")
        .to_owned()
}

/// The cache key of the tests' client, as a `TokenClient` would build it.
pub fn cache_key(token_url: &str) -> CacheKey {
    CacheKey::builder(token_url, CLIENT_ID, "client_credentials")
        .scopes(["api://fleet-api/.default"])
        .credential_part("client_secret", b"fleet-client-secret")
        .build()
}

pub fn default_key() -> CacheKey {
    cache_key(&format!(
        "https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    ))
}

/// A token source shared by all "processes" of a test: counts its calls, waits
/// `delay`, then answers `at-<tag>-<n>`. With `hang_first`, the first call never
/// answers (a process that dies mid-fetch).
#[derive(Debug)]
pub struct FakeSource {
    tag: String,
    calls: AtomicUsize,
    delay: Duration,
    lifetime: Duration,
    hang_first: AtomicBool,
}

impl FakeSource {
    /// A source, and the same as the trait object caches take.
    pub fn shared(delay: Duration) -> (Arc<Self>, Arc<dyn TokenSource>) {
        let source = Self::new(delay);
        (source.clone(), source)
    }

    pub fn new(delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            tag: format!("{:08x}", fastrand::u32(..)),
            calls: AtomicUsize::new(0),
            delay,
            lifetime: Duration::from_secs(3600),
            hang_first: AtomicBool::new(false),
        })
    }

    pub fn hanging_first(delay: Duration) -> Arc<Self> {
        let source = Self::new(delay);
        source.hang_first.store(true, Ordering::SeqCst);
        source
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The value of the `n`-th token this source hands out.
    pub fn token_value(&self, n: usize) -> String {
        format!("at-{}-{n}", self.tag)
    }

    pub async fn wait_for_calls(&self, n: usize) {
        tokio::time::timeout(Duration::from_secs(5), async {
            while self.calls() < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the source was called in time");
    }
}

#[async_trait]
impl TokenSource for FakeSource {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == 1 && self.hang_first.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(self.delay).await;
        Ok(AccessToken::valid_for(self.token_value(n), self.lifetime)
            .with_scopes(vec!["api://fleet-api/.default".to_owned()]))
    }
}

/// A connection as the default user, to look at what the cache wrote.
pub async fn raw(redis: &Redis) -> Raw {
    match redis.deployment {
        Deployment::Cluster => Raw::Cluster(
            redis::cluster::ClusterClientBuilder::new(redis.urls.clone())
                .connection_timeout(TEST_CONNECTION_TIMEOUT)
                .response_timeout(TEST_CONNECTION_TIMEOUT)
                .build()
                .expect("valid urls")
                .get_async_connection()
                .await
                .expect("connect to the cluster"),
        ),
        _ => Raw::Node(node_connection(&redis.node_clients()[0]).await),
    }
}

pub async fn raw_get(redis: &Redis, key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut raw(redis).await)
        .await
        .expect("GET")
}

/// Every key under `prefix`, on every node.
pub async fn keys_under(redis: &Redis, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for mut conn in redis.node_connections().await {
        let mut cursor = 0u64;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{prefix}*"))
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .expect("SCAN");
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
    }
    keys
}

/// A prefix of the test's own on `redis`, and the guard that deletes its keys.
pub fn isolated(redis: Redis) -> (Redis, String, Cleanup) {
    let prefix = unique_prefix();
    let cleanup = Cleanup {
        redis: redis.clone(),
        prefix: prefix.clone(),
    };
    (redis, prefix, cleanup)
}

/// Deletes a test's keys when dropped (tokens live an hour otherwise).
pub struct Cleanup {
    pub redis: Redis,
    pub prefix: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        // Node by node: on a cluster, each key is deleted where it lives.
        for client in self.redis.node_clients() {
            let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_secs(1)) else {
                continue;
            };
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", self.prefix))
                .query(&mut conn)
                .unwrap_or_default();
            for key in keys {
                let _: Result<i64, _> = redis::cmd("DEL").arg(key).query(&mut conn);
            }
        }
    }
}

/// A redis-server of the test's own, on a free port, killed when dropped. `None`
/// (after printing why) when `redis-server` is not on PATH.
pub struct OwnRedis {
    child: Child,
    pub url: String,
    /// The same server, for the helpers.
    pub redis: Redis,
}

impl OwnRedis {
    pub async fn start() -> Option<Self> {
        let on_path = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !on_path {
            println!("skipped: redis-server is not on PATH");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let url = format!("redis://127.0.0.1:{port}/");
        let own = Self {
            child,
            redis: Redis::single_node_at(url.clone()),
            url,
        };
        let client = redis::Client::open(own.url.as_str()).expect("valid url");
        for _ in 0..200 {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                if redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .is_ok()
                {
                    return Some(own);
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("redis-server on port {port} did not start");
    }

    /// `SHUTDOWN NOSAVE`, and waits until the process has exited.
    pub async fn shutdown(&mut self) {
        if let Ok(mut conn) = redis::Client::open(self.url.as_str())
            .expect("valid url")
            .get_multiplexed_async_connection()
            .await
        {
            // The server closes the connection instead of answering.
            let _ = redis::cmd("SHUTDOWN")
                .arg("NOSAVE")
                .query_async::<redis::Value>(&mut conn)
                .await;
        }
        for _ in 0..200 {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("redis-server did not shut down");
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The encryption key of the tests' fleets.
pub const TEST_KEY: [u8; 32] = [0x42; 32];

/// A builder for a fleet that keeps tokens in plaintext (explicitly allowed).
pub fn plain_builder(redis: &Redis, prefix: &str) -> RedisTokenCacheBuilder {
    redis
        .cache_builder()
        .key_prefix(prefix)
        .allow_plaintext(true)
}

/// What a cache with `key` would store at `redis_key` for `plaintext`:
/// base64(nonce || AES-256-GCM(plaintext)), the Redis key as associated data.
pub fn seal(key: &[u8; 32], redis_key: &str, plaintext: &[u8]) -> String {
    use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
    use aes_gcm::{Aes256Gcm, Key};
    use base64::Engine as _;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: redis_key.as_bytes(),
            },
        )
        .expect("encrypt");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// `SET key value PX ttl_ms` with raw bytes, as anyone who can write to Redis can.
pub async fn plant(redis: &Redis, key: &str, value: &[u8], ttl_ms: u64) {
    let _: () = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .arg("PX")
        .arg(ttl_ms)
        .query_async(&mut raw(redis).await)
        .await
        .expect("SET");
}

/// How many times Redis ran each read of a value (`GET`, `GETRANGE`) since it
/// started, from `INFO commandstats` (commands run by scripts included).
pub async fn reads_served(redis: &Redis) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut raw(redis).await)
        .await
        .expect("INFO");
    info.lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("cmdstat_get:")
                .or_else(|| line.strip_prefix("cmdstat_getrange:"))?;
            rest.split(',')
                .find_map(|field| field.strip_prefix("calls="))?
                .parse::<u64>()
                .ok()
        })
        .sum()
}
