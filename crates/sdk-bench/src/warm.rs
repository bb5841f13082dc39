//! Warm path: cost of a cached token lookup, alone and with 8 concurrent tasks.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::baseline::MutexCache;
use crate::server::TokenServer;
use crate::{percentile, Scale};

const BATCH: usize = 10_000;

/// Median nanoseconds per call over batches of `BATCH` calls in one task.
async fn single<F, Fut>(batches: usize, call: &F) -> f64
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let mut per_call = Vec::with_capacity(batches);
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..BATCH {
            if !call().await {
                return f64::NAN;
            }
        }
        per_call.push(start.elapsed().as_nanos() as f64 / BATCH as f64);
    }
    per_call.sort_by(f64::total_cmp);
    percentile(&per_call, 50.0)
}

/// Calls per second with `tasks` tasks each making `per_task` calls on `target`.
async fn concurrent<T, F, Fut>(tasks: usize, per_task: usize, target: Arc<T>, call: F) -> f64
where
    T: Send + Sync + 'static,
    F: Fn(Arc<T>) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let target = target.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    // One reference count per call, the same for both strategies.
                    if !call(target.clone()).await {
                        return false;
                    }
                }
                true
            })
        })
        .collect();
    for h in handles {
        if !matches!(h.await, Ok(true)) {
            return f64::NAN;
        }
    }
    (tasks * per_task) as f64 / start.elapsed().as_secs_f64()
}

/// Runs the warm-path benchmark and returns its Markdown section.
pub async fn run(scale: Scale) -> String {
    let Ok(server) = TokenServer::start(Duration::from_millis(1), 3600).await else {
        return "\n## 1. Warm path\n\ncould not start the token server\n".to_owned();
    };
    let provider = Arc::new(server.provider());
    let mutex = Arc::new(MutexCache::new(server.client(), Duration::from_secs(30)));
    let _ = provider.token().await;
    let _ = mutex.get().await;

    let batches = scale.pick(50, 5);
    let per_task = scale.pick(2_000_000, 50_000);
    let ours = || async { provider.token().await.is_ok() };
    let base = || async { mutex.get().await.is_ok() };
    // Interleave the two so that both see the same machine state.
    let ours_ns = single(batches, &ours).await;
    let base_ns = single(batches, &base).await;
    let ours_ns2 = single(batches, &ours).await;
    let base_ns2 = single(batches, &base).await;
    let ours_ns = ours_ns.min(ours_ns2);
    let base_ns = base_ns.min(base_ns2);
    // The floor: every correct expiry check reads the monotonic clock once.
    let clock = || async { std::hint::black_box(Instant::now()) <= Instant::now() };
    let clock_ns = single(batches, &clock).await / 2.0;
    let p = provider.clone();
    let ours_tput = concurrent(8, per_task, p, |p| async move { p.token().await.is_ok() }).await;
    let m = mutex.clone();
    let base_tput = concurrent(8, per_task, m, |m| async move { m.get().await.is_ok() }).await;

    let mut out = String::from(
        "\n## 1. Warm path: cached token lookup\n\n\
         One task: median ns per `token().await` over batches of 10 000 calls (best of two interleaved runs). \
         Eight tasks on the 2-worker runtime: calls per second in total.\n\n\
         | strategy | ns per lookup, 1 task (median) | lookups/s, 8 tasks |\n|---|---:|---:|\n",
    );
    let _ = writeln!(
        out,
        "| oauth-core `OAuthProvider::token` | {ours_ns:.1} | {ours_tput:.0} |"
    );
    let _ = writeln!(
        out,
        "| `tokio::sync::Mutex<Option<token>>` | {base_ns:.1} | {base_tput:.0} |"
    );
    let _ = writeln!(
        out,
        "| for reference: one clock read (`Instant::now()`), which every expiry check needs | \
         {clock_ns:.1} | |"
    );
    let _ = writeln!(
        out,
        "\nRatios: the baseline takes {:.2}x the time per lookup of oauth-core with one task; \
         oauth-core has {:.2}x the baseline's throughput with eight. Of oauth-core's lookup, \
         {:.0} % is the clock read.",
        base_ns / ours_ns,
        ours_tput / base_tput,
        100.0 * clock_ns / ours_ns
    );
    out
}
