//! Herd: N concurrent callers on a cold cache, token endpoint answering after 50 ms.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::baseline::MutexCache;
use crate::server::TokenServer;
use crate::{percentile, Scale};

const LATENCY: Duration = Duration::from_millis(50);

struct Outcome {
    requests: u64,
    all_done_ms: f64,
    p50_ms: f64,
    errors: usize,
}

/// Releases `n` callers of `call` at once and measures when each has its token.
async fn release<F, Fut>(n: usize, call: F) -> (Vec<f64>, usize)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let (tx, rx) = watch::channel::<Option<Instant>>(None);
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let mut rx = rx.clone();
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let start = match rx.wait_for(Option::is_some).await {
                Ok(v) => v.unwrap_or_else(Instant::now),
                Err(_) => Instant::now(),
            };
            let ok = call().await;
            (start.elapsed().as_secs_f64() * 1000.0, ok)
        }));
    }
    // Let every task reach the gate before opening it.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let _ = tx.send(Some(Instant::now()));
    let mut times = Vec::with_capacity(n);
    let mut errors = 0;
    for t in tasks {
        match t.await {
            Ok((ms, ok)) => {
                times.push(ms);
                if !ok {
                    errors += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    times.sort_by(f64::total_cmp);
    (times, errors)
}

async fn measure(strategy: &str, n: usize) -> Option<Outcome> {
    let server = TokenServer::start(LATENCY, 3600).await.ok()?;
    let (times, errors) = match strategy {
        "oauth-core" => {
            let provider = Arc::new(server.provider());
            release(n, move || {
                let p = provider.clone();
                async move { p.token().await.is_ok() }
            })
            .await
        }
        "mutex" => {
            let cache = Arc::new(MutexCache::new(server.client(), Duration::from_secs(30)));
            release(n, move || {
                let c = cache.clone();
                async move { c.get().await.is_ok() }
            })
            .await
        }
        _ => {
            let client = Arc::new(server.client());
            release(n, move || {
                let c = client.clone();
                async move { c.request_token().await.is_ok() }
            })
            .await
        }
    };
    Some(Outcome {
        requests: server.count(),
        all_done_ms: times.last().copied().unwrap_or(0.0),
        p50_ms: percentile(&times, 50.0),
        errors,
    })
}

/// Runs the herd benchmark and returns its Markdown section.
pub async fn run(scale: Scale) -> String {
    let sizes: Vec<usize> = if scale.quick {
        vec![1, 100]
    } else {
        vec![1, 100, 1_000, 10_000]
    };
    let mut out = String::from(
        "\n## 2. Herd: concurrent callers on a cold cache\n\n\
         The token endpoint (axum on 127.0.0.1) answers after 50 ms. \"all have a token\" is the \
         time from releasing every caller at once until the last one holds a token.\n\n\
         | callers | strategy | token requests | all have a token (ms) | median caller (ms) | errors |\n\
         |---:|---|---:|---:|---:|---:|\n",
    );
    for &n in &sizes {
        for strategy in ["oauth-core", "mutex", "no cache"] {
            if strategy == "no cache" && n > 1_000 {
                let _ = writeln!(
                    out,
                    "| {n} | no cache | not run: {n} sockets at once exceed this machine's file limit | | | |"
                );
                continue;
            }
            let label = match strategy {
                "oauth-core" => "oauth-core `OAuthProvider`",
                "mutex" => "`tokio::sync::Mutex<Option<token>>`",
                _ => "no cache (one request per caller)",
            };
            match measure(strategy, n).await {
                Some(o) => {
                    let _ = writeln!(
                        out,
                        "| {n} | {label} | {} | {:.1} | {:.1} | {} |",
                        o.requests, o.all_done_ms, o.p50_ms, o.errors
                    );
                }
                None => {
                    let _ = writeln!(out, "| {n} | {label} | could not start the server | | | |");
                }
            }
        }
    }
    out
}
