//! Refresh without stall: steady load across the refresh window of a short token.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::baseline::MutexCache;
use crate::server::TokenServer;
use crate::{percentile, Scale};

const FETCH_LATENCY: Duration = Duration::from_millis(50);
/// A call slower than this waited for a token fetch.
const WAITED: Duration = Duration::from_millis(20);

struct Outcome {
    calls: usize,
    waited: usize,
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
    requests: u64,
}

async fn load<F, Fut>(tasks: usize, duration: Duration, call: Arc<F>) -> Vec<Duration>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let end = Instant::now() + duration;
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while Instant::now() < end {
                    let start = Instant::now();
                    let ok = call().await;
                    lat.push(if ok { start.elapsed() } else { Duration::MAX });
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        if let Ok(lat) = h.await {
            all.extend(lat);
        }
    }
    all
}

fn summarize(mut lat: Vec<Duration>, requests: u64) -> Outcome {
    lat.sort();
    let us: Vec<f64> = lat.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    Outcome {
        calls: lat.len(),
        waited: lat.iter().filter(|d| **d >= WAITED).count(),
        p50_us: percentile(&us, 50.0),
        p99_us: percentile(&us, 99.0),
        max_us: us.last().copied().unwrap_or(0.0),
        requests,
    }
}

/// Runs the refresh benchmark and returns its Markdown section.
pub async fn run(scale: Scale) -> String {
    // A 4 s token: oauth-core refreshes it 2 s (+ jitter) before expiry and stops
    // handing it out 1 s before; the baseline refreshes 1 s before, under its lock.
    let lifetime = 4;
    let duration = Duration::from_secs(scale.pick(9, 5) as u64);
    let tasks = 8;
    let mut out = String::from(
        "\n## 3. Refresh without stall\n\n\
         Eight tasks call for a token every 2 ms while 4-second tokens expire and are renewed \
         (token endpoint latency 50 ms). A call that took 20 ms or more waited for a fetch \
         although a valid token existed.\n\n\
         | strategy | calls | token requests | calls that waited | p50 (µs) | p99 (µs) | worst (µs) |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut rows = Vec::new();
    if let Ok(server) = TokenServer::start(FETCH_LATENCY, lifetime).await {
        let provider = Arc::new(server.provider());
        let _ = provider.token().await;
        let lat = load(
            tasks,
            duration,
            Arc::new(move || {
                let p = provider.clone();
                async move { p.token().await.is_ok() }
            }),
        )
        .await;
        rows.push(("oauth-core (refresh-ahead)", summarize(lat, server.count())));
    }
    if let Ok(server) = TokenServer::start(FETCH_LATENCY, lifetime).await {
        let cache = Arc::new(MutexCache::new(server.client(), Duration::from_secs(1)));
        let _ = cache.get().await;
        let lat = load(
            tasks,
            duration,
            Arc::new(move || {
                let c = cache.clone();
                async move { c.get().await.is_ok() }
            }),
        )
        .await;
        rows.push((
            "`Mutex<Option<token>>` (refresh on expiry)",
            summarize(lat, server.count()),
        ));
    }
    for (label, o) in rows {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {:.1} | {:.1} | {:.1} |",
            o.calls, o.requests, o.waited, o.p50_us, o.p99_us, o.max_us
        );
    }
    out
}
