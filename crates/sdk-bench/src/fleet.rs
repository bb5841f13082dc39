//! Fleet: 16 OS processes that need the same token, with and without the token cache
//! they share through Redis (`oauth-cache-redis`).
//!
//! The benchmark re-executes its own binary as the processes of the fleet
//! ([`child_main`], behind the hidden `--fleet-child` argument). They talk to the
//! parent over their standard streams: each child prints `ready` once its provider is
//! built and Redis connected, reads `go <Unix ms>`, sleeps until that instant, calls
//! `token()` once and prints `ok <ms>` (or `error <reason>` at any point).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_cache_redis::{EncryptionKey, RedisTokenCache};
use oauth_core::{OAuthProvider, TokenCache};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::time::Instant;

use crate::percentile;
use crate::server::{client_for, TokenServer};

/// Processes in the fleet.
const PROCESSES: usize = 16;
/// Rounds per mode; the table shows the median one.
const ROUNDS: usize = 3;
/// Latency of the token endpoint, as in the herd benchmark.
const LATENCY: Duration = Duration::from_millis(50);
/// Lifetime of the issued tokens: fresh for the whole run, and gone from an external
/// Redis (`REDIS_URL`) ten minutes later.
const LIFETIME_SECS: u64 = 600;
/// A child that has not answered this long after it was started is killed.
const CHILD_DEADLINE: Duration = Duration::from_secs(30);
/// The common start instant is this far after the last child said it was ready.
const START_DELAY: Duration = Duration::from_millis(200);
/// How long a `redis-server` started here may take to answer.
const REDIS_START: Duration = Duration::from_secs(5);
/// The argument that turns the binary into a process of the fleet.
pub const CHILD_ARG: &str = "--fleet-child";
/// The environment variable that hands a child the Redis URL (kept out of the
/// command line, where `ps` would show a password); absent: no shared cache.
const REDIS_URL_VAR: &str = "SDK_BENCH_FLEET_REDIS_URL";

/// The fleet's encryption key for the shared cache (tokens encrypted in Redis, as by
/// default): the same in every process, and no secret, since the tokens are fake.
const FLEET_KEY: [u8; 32] = *b"sdk-bench fleet, not a secret!!!";

/// Whether the processes share a cache.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `RedisTokenCache`: one fetch for the fleet.
    Shared,
    /// Each process's default `MemoryTokenCache`.
    Separate,
}

/// One round of one mode.
struct Round {
    requests: u64,
    /// Time to first token of each process that got one (ms, sorted).
    times: Vec<f64>,
    failed: usize,
    /// Why the first failed process failed.
    failure: Option<String>,
}

impl Round {
    fn p50(&self) -> f64 {
        percentile(&self.times, 50.0)
    }

    fn max(&self) -> f64 {
        self.times.last().copied().unwrap_or(f64::NAN)
    }
}

/// The Redis the fleet shares: from `REDIS_URL`, or a `redis-server` started here.
struct Redis {
    url: String,
    /// Where it comes from, for the section text.
    origin: String,
    /// The server started here, stopped by [`Redis::stop`] (or killed on drop).
    server: Option<Child>,
}

impl Redis {
    /// `REDIS_URL` if set, else a `redis-server` on a free loopback port; `Err` says
    /// why there is no Redis.
    async fn find() -> Result<Self, String> {
        if let Some(url) = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) {
            probe(&url)
                .await
                .map_err(|e| format!("REDIS_URL is set but Redis does not answer: {e}"))?;
            return Ok(Self {
                url,
                origin: "the Redis at `REDIS_URL`".to_owned(),
                server: None,
            });
        }
        Self::start().await
    }

    async fn start() -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("REDIS_URL is not set and no free port was found: {e}"))?;
        let version = Command::new("redis-server")
            .arg("--version")
            .output()
            .await
            .map_err(|e| {
                format!("REDIS_URL is not set and `redis-server` could not be run ({e})")
            })?;
        let version = String::from_utf8_lossy(&version.stdout)
            .split_whitespace()
            .find_map(|w| w.strip_prefix("v="))
            .map(|v| format!("redis-server {v}"))
            .unwrap_or_else(|| "redis-server".to_owned());
        let mut server = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("REDIS_URL is not set and `redis-server` did not start: {e}"))?;
        let url = format!("redis://127.0.0.1:{port}/");
        let until = Instant::now() + REDIS_START;
        loop {
            if let Ok(Some(status)) = server.try_wait() {
                return Err(format!(
                    "REDIS_URL is not set and `redis-server` exited at once ({status})"
                ));
            }
            match probe(&url).await {
                Ok(()) => break,
                Err(e) if Instant::now() >= until => {
                    let _ = server.kill().await;
                    return Err(format!(
                        "REDIS_URL is not set and the `redis-server` started here did not \
                         answer within {REDIS_START:?}: {e}"
                    ));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        Ok(Self {
            url,
            origin: format!("{version} started by the benchmark on 127.0.0.1 (no persistence)"),
            server: Some(server),
        })
    }

    /// Stops the server started here, if any.
    async fn stop(mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill().await;
        }
    }
}

/// Whether the Redis at `url` answers a `PING`.
async fn probe(url: &str) -> Result<(), String> {
    let cache = RedisTokenCache::builder(url)
        .encryption_key(EncryptionKey::generate())
        .subscribe_invalidations(false)
        .build()
        .map_err(|e| e.to_string())?;
    cache.connect().await.map_err(|e| e.to_string())
}

/// A running child and its standard streams.
struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Proc {
    fn spawn(
        exe: &Path,
        token_url: &str,
        redis_url: Option<&str>,
        prefix: &str,
    ) -> Result<Self, String> {
        let mut command = Command::new(exe);
        command
            .args([CHILD_ARG, token_url, prefix])
            .env_remove(REDIS_URL_VAR)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(url) = redis_url {
            command.env(REDIS_URL_VAR, url);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("could not start a process: {e}"))?;
        let stdin = child.stdin.take();
        let Some(stdout) = child.stdout.take() else {
            return Err("a process has no stdout".to_owned());
        };
        Ok(Self {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        })
    }

    /// The child's next line, or why there is none by `deadline`.
    async fn line(&mut self, deadline: Instant) -> Result<String, String> {
        match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
            Ok(Ok(Some(line))) => match line.strip_prefix("error ") {
                Some(reason) => Err(reason.to_owned()),
                None => Ok(line),
            },
            Ok(Ok(None)) => Err("a process exited without answering".to_owned()),
            Ok(Err(e)) => Err(format!("could not read a process's answer: {e}")),
            Err(_) => Err(format!(
                "a process did not answer within {}s and was killed",
                CHILD_DEADLINE.as_secs()
            )),
        }
    }

    /// Tells the child when to start.
    async fn go(&mut self, start_ms: u128) -> Result<(), String> {
        let Some(mut stdin) = self.stdin.take() else {
            return Err("a process has no stdin".to_owned());
        };
        let line = format!("go {start_ms}\n");
        stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("could not start a process: {e}"))?;
        stdin
            .flush()
            .await
            .map_err(|e| format!("could not start a process: {e}"))
    }

    async fn kill(mut self) {
        let _ = self.child.kill().await;
    }

    /// Waits for the child to exit by `deadline`, else kills it.
    async fn reap(mut self, deadline: Instant) {
        if tokio::time::timeout_at(deadline, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Runs one round: a fresh token endpoint, `PROCESSES` children, one token each.
async fn round(mode: Mode, redis_url: &str, prefix: &str) -> Result<Round, String> {
    let server = TokenServer::start(LATENCY, LIFETIME_SECS)
        .await
        .map_err(|e| format!("could not start the token endpoint: {e}"))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let redis_url = (mode == Mode::Shared).then_some(redis_url);
    let deadline = Instant::now() + CHILD_DEADLINE;
    let mut failed = 0;
    let mut failure: Option<String> = None;
    let mut fail = |reason: String| {
        failed += 1;
        failure.get_or_insert(reason);
    };

    let mut started = Vec::with_capacity(PROCESSES);
    for _ in 0..PROCESSES {
        match Proc::spawn(&exe, &server.url, redis_url, prefix) {
            Ok(p) => started.push(p),
            Err(e) => fail(e),
        }
    }
    let mut ready = Vec::with_capacity(started.len());
    for mut p in started {
        match p.line(deadline).await {
            Ok(line) if line == "ready" => ready.push(p),
            Ok(line) => {
                fail(format!("unexpected answer `{line}`"));
                p.kill().await;
            }
            Err(e) => {
                fail(e);
                p.kill().await;
            }
        }
    }
    let start_ms = epoch_ms(SystemTime::now() + START_DELAY);
    let mut going = Vec::with_capacity(ready.len());
    for mut p in ready {
        match p.go(start_ms).await {
            Ok(()) => going.push(p),
            Err(e) => {
                fail(e);
                p.kill().await;
            }
        }
    }
    let mut times = Vec::with_capacity(going.len());
    for mut p in going {
        let answer = p.line(deadline).await.and_then(|line| {
            line.strip_prefix("ok ")
                .and_then(|ms| ms.parse::<f64>().ok())
                .ok_or(format!("unexpected answer `{line}`"))
        });
        match answer {
            Ok(ms) => {
                times.push(ms);
                p.reap(deadline).await;
            }
            Err(e) => {
                fail(e);
                p.kill().await;
            }
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(Round {
        requests: server.count(),
        times,
        failed,
        failure,
    })
}

fn epoch_ms(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Runs the fleet benchmark and returns its Markdown section.
pub async fn run() -> String {
    let mut out = String::from(
        "\n## 5. Fleet: 16 processes sharing a token cache on Redis\n\n\
         Sixteen OS processes (this binary, started again) each build an `OAuthProvider` for the \
         same client and the same token endpoint (axum on 127.0.0.1, answers after 50 ms), connect \
         to Redis, say they are ready, and wait for a common start instant; then each calls \
         `token()` once. \"Token requests\" is what the endpoint received; \"time to first token\" \
         runs from the common start instant (wall clock) until the process holds its token, so it \
         includes waking up 16 processes on this machine. With the shared cache \
         (`oauth_cache_redis::RedisTokenCache`, default settings with an encryption key, a key \
         prefix of its own for each round) one process fetches under the Redis lock while the \
         others wait for its token, \
         which it announces on the cache's pub/sub channel as soon as it is stored (they also \
         poll Redis, from 25 ms backing off to 250 ms, in case a notice is lost); without it \
         each process's \
         default memory cache fetches its own token. Three rounds per mode, interleaved, with a \
         new token endpoint each; the table shows the round with the median p50. A process that \
         does not answer within 30 s is killed and counted as failed.\n\n",
    );
    let redis = match Redis::find().await {
        Ok(redis) => redis,
        Err(why) => {
            let _ = writeln!(out, "Skipped: {why}.");
            return out;
        }
    };
    let _ = writeln!(out, "Redis: {}.\n", redis.origin);
    let run_id = format!(
        "sdk-bench:fleet:{}:{}",
        std::process::id(),
        epoch_ms(SystemTime::now())
    );
    let mut shared = Vec::with_capacity(ROUNDS);
    let mut separate = Vec::with_capacity(ROUNDS);
    for i in 0..ROUNDS {
        for (mode, rounds) in [(Mode::Shared, &mut shared), (Mode::Separate, &mut separate)] {
            let prefix = format!("{run_id}:{i}:");
            rounds.push(round(mode, &redis.url, &prefix).await);
        }
    }
    redis.stop().await;

    out.push_str(
        "| processes | token cache | token requests | time to first token p50 (ms) | max (ms) | failed processes |\n\
         |---:|---|---:|---:|---:|---:|\n",
    );
    let rows = [
        ("shared: `RedisTokenCache`", &shared),
        ("not shared: each process's `MemoryTokenCache`", &separate),
    ];
    let mut medians = Vec::new();
    let mut counts = Vec::new();
    let mut notes = Vec::new();
    for (label, rounds) in rows {
        let mut ok: Vec<&Round> = rounds.iter().filter_map(|r| r.as_ref().ok()).collect();
        ok.sort_by(|a, b| a.p50().total_cmp(&b.p50()));
        for r in rounds {
            match r {
                Err(e) => notes.push(format!("{label}: a round did not run: {e}")),
                Ok(Round {
                    failure: Some(e), ..
                }) => notes.push(format!("{label}: a process failed: {e}")),
                Ok(_) => {}
            }
        }
        let Some(median) = ok.get(ok.len() / 2).copied() else {
            let _ = writeln!(out, "| {PROCESSES} | {label} | no round ran | | | |");
            medians.push(None);
            continue;
        };
        let _ = writeln!(
            out,
            "| {PROCESSES} | {label} | {} | {:.1} | {:.1} | {} |",
            median.requests,
            median.p50(),
            median.max(),
            median.failed
        );
        let each: Vec<String> = rounds
            .iter()
            .map(|r| match r {
                Ok(r) => r.requests.to_string(),
                Err(_) => "-".to_owned(),
            })
            .collect();
        counts.push(format!("{label}: {}", each.join(", ")));
        medians.push(Some(median));
    }
    if let [Some(s), Some(a)] = medians[..] {
        let _ = writeln!(
            out,
            "\nRatios: without the shared cache the fleet makes {:.1}x the token requests; with it \
             the median process takes {:.2}x as long to its first token, and the last one {:.2}x.",
            a.requests as f64 / s.requests.max(1) as f64,
            s.p50() / a.p50(),
            s.max() / a.max()
        );
    }
    if !counts.is_empty() {
        let _ = writeln!(
            out,
            "\nToken requests in each round: {}.",
            counts.join("; ")
        );
    }
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

/// A process of the fleet: `--fleet-child <token url> <key prefix>`, the Redis URL
/// (if the cache is shared) in [`REDIS_URL_VAR`]. Speaks the protocol in the module
/// docs on its standard streams.
pub fn child_main(args: &[String]) -> ExitCode {
    let (Some(token_url), Some(prefix)) = (args.first(), args.get(1)) else {
        println!("error usage: {CHILD_ARG} <token url> <key prefix>");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            println!("error cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let redis_url = std::env::var(REDIS_URL_VAR).ok();
    match runtime.block_on(child(token_url, redis_url.as_deref(), prefix)) {
        Ok(ms) => {
            println!("ok {ms:.3}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("error {e}");
            ExitCode::FAILURE
        }
    }
}

/// Gets ready, waits for the start, and returns the time to first token (ms).
async fn child(token_url: &str, redis_url: Option<&str>, prefix: &str) -> Result<f64, String> {
    let client = client_for(token_url).map_err(|e| format!("token client: {e}"))?;
    let provider = match redis_url {
        Some(url) => {
            let cache = RedisTokenCache::builder(url)
                .key_prefix(prefix)
                .encryption_key(FLEET_KEY)
                .build()
                .map_err(|e| format!("Redis cache: {e}"))?;
            cache
                .connect()
                .await
                .map_err(|e| format!("Redis cache: {e}"))?;
            let cache: Arc<dyn TokenCache> = Arc::new(cache);
            OAuthProvider::with_cache(client, cache)
        }
        None => OAuthProvider::new(client),
    };
    println!("ready");
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let line = match lines.next_line().await {
        Ok(Some(line)) => line,
        Ok(None) => return Err("no start instant on stdin".to_owned()),
        Err(e) => return Err(format!("cannot read stdin: {e}")),
    };
    let start_ms: u64 = line
        .strip_prefix("go ")
        .and_then(|ms| ms.parse().ok())
        .ok_or(format!("unexpected line `{line}`"))?;
    let start = UNIX_EPOCH + Duration::from_millis(start_ms);
    if let Ok(wait) = start.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
    provider.token().await.map_err(|e| format!("token: {e}"))?;
    let elapsed = SystemTime::now()
        .duration_since(start)
        .unwrap_or(Duration::ZERO);
    Ok(elapsed.as_secs_f64() * 1000.0)
}
