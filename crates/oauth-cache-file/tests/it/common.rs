//! Helpers: caches on temporary directories, counting token sources, token records
//! written by hand, captured logs, a bound on every test.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use oauth_cache_file::FileTokenCache;
use oauth_core::{
    AccessToken, CacheKey, Credentials, OAuthProvider, TokenEndpoint, TokenError, TokenSource,
};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Distinctive values: finding one in a file name, a `Debug` output or a log line
/// is a leak.
pub const CLIENT_ID: &str = "cid-51c0e2-file-cache-client";
pub const CLIENT_SECRET: &str = "csecret-8a9d37-do-not-leak";
pub const APP: &str = "oauth-cache-file-tests";
pub const TOKEN_PATH: &str = "/oauth2/token";

/// Runs a test body with a bound, so that a hang fails instead of stalling CI.
pub async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(60), body)
        .await
        .expect("the test did not finish within 60 s");
}

/// The cache key of the test credential with `secret`.
pub fn key_with_secret(secret: &str) -> CacheKey {
    CacheKey::builder(
        "https://login.example/oauth2/token",
        CLIENT_ID,
        "client_credentials",
    )
    .scopes(["api://file-cache-api/.default"])
    .credential(secret.as_bytes())
    .build()
}

pub fn default_key() -> CacheKey {
    key_with_secret(CLIENT_SECRET)
}

/// A cache on `dir` (a new instance: a new "run").
pub fn cache_on(dir: &Path) -> FileTokenCache {
    FileTokenCache::builder(APP).dir(dir).build().unwrap()
}

/// A token source that counts its fetches and hands out `<prefix>-<n>`.
#[derive(Debug)]
pub struct CountingSource {
    calls: AtomicUsize,
    prefix: String,
    delay: Duration,
    lifetime: Duration,
}

impl CountingSource {
    pub fn new(prefix: &str) -> Arc<Self> {
        Self::with_delay(prefix, Duration::ZERO)
    }

    pub fn with_delay(prefix: &str, delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            prefix: prefix.to_owned(),
            delay,
            lifetime: Duration::from_secs(3600),
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn as_dyn(self: &Arc<Self>) -> Arc<dyn TokenSource> {
        self.clone()
    }

    /// Waits until `n` fetches have started.
    pub async fn wait_for_calls(&self, n: usize) {
        while self.calls() < n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[async_trait]
impl TokenSource for CountingSource {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        Ok(AccessToken::valid_for(
            format!("{}-{n}", self.prefix),
            self.lifetime,
        ))
    }
}

/// A token endpoint that answers `token` (after `delay`), expected `expect` times.
pub async fn token_endpoint(token: &str, delay: Duration, expect: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(CLIENT_ID))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "access_token": token,
                }))
                .set_delay(delay),
        )
        .expect(expect)
        .named("token endpoint")
        .mount(&server)
        .await;
    server
}

/// A provider with the test credential at `token_url`, on `cache`.
pub fn provider(token_url: &str, cache: FileTokenCache) -> OAuthProvider {
    OAuthProvider::builder()
        .endpoint(TokenEndpoint::url(token_url).with_scopes(["api://file-cache-api/.default"]))
        .credentials(Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET))
        .allow_insecure_loopback(true)
        .cache(Arc::new(cache))
        .build()
        .unwrap()
}

/// A token record as the cache writes it, for the file `name`: `expires_in` from now,
/// issued with `lifetime`.
pub fn record(name: &str, secret: &str, expires_in: Duration, lifetime: Duration) -> String {
    let expires_at_ms = (SystemTime::now() + expires_in)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    serde_json::json!({
        "format": "oauth-cache-file/token",
        "v": 1,
        "key": name,
        "access_token": secret,
        "token_type": "Bearer",
        "expires_at_ms": expires_at_ms,
        "lifetime_ms": lifetime.as_millis() as u64,
        "scopes": [],
    })
    .to_string()
}

/// The file name stem (`<hmac>`) of a token file.
pub fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_str().unwrap().to_owned()
}

/// Writes `bytes` to `path` as a private file of this user (mode 0600 on Unix).
pub fn write_private(path: &Path, bytes: &[u8]) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).unwrap();
    file.write_all(bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// The names of the files in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Opens (creating it 0600 if needed) the lock file `path` and takes its lock, as a
/// fetching process would.
pub fn hold_lock(path: &Path) -> std::fs::File {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).unwrap();
    fs4::FileExt::try_lock(&file).unwrap();
    file
}

/// The lock file beside a token file.
pub fn lock_file(token_file: &Path) -> PathBuf {
    token_file.with_extension("lock")
}

/// Log lines captured from this thread's `tracing` events (every level).
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    pub fn warnings(&self) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(" WARN "))
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the `tracing` events of this thread (use a current-thread runtime) for
/// as long as the guard lives.
pub fn capture_logs() -> (tracing::subscriber::DefaultGuard, Logs) {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    (tracing::subscriber::set_default(subscriber), logs)
}

/// The user id this process runs as: the owner of a file it creates.
#[cfg(unix)]
pub fn my_uid(dir: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join("uid-probe");
    std::fs::write(&probe, b"").unwrap();
    let uid = std::fs::metadata(&probe).unwrap().uid();
    std::fs::remove_file(&probe).unwrap();
    uid
}

/// The permission bits of `path` (not following a link).
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}
