//! Short tokens: Kaisa's 300 s tokens under one simulated hour of steady load.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use oauth_core::{AccessToken, CacheKey, MemoryTokenCache, OAuthProvider, TokenError, TokenSource};
use tokio::time::Instant;

use crate::Scale;

#[derive(Debug)]
struct FakeKaisa {
    fetches: AtomicU64,
}

#[async_trait]
impl TokenSource for FakeKaisa {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        let n = self.fetches.fetch_add(1, Ordering::SeqCst);
        let sent = Instant::now();
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(AccessToken::new(
            format!("kaisa-{n}"),
            "Bearer",
            sent,
            SystemTime::now(),
            Duration::from_secs(300),
        ))
    }
}

/// Runs the short-token benchmark (paused clock) and returns its Markdown section.
pub fn run(scale: Scale) -> String {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return format!("\n## 6. Short tokens\n\ncould not start a runtime: {e}\n"),
    };
    let hours = 1;
    let simulated = Duration::from_secs(3600 * hours);
    let callers = scale.pick(8, 2);
    let every = Duration::from_millis(100);
    let (calls, expired, waited, fetches) = runtime.block_on(async move {
        let source = Arc::new(FakeKaisa {
            fetches: AtomicU64::new(0),
        });
        let provider = Arc::new(OAuthProvider::from_source(
            CacheKey::custom("kaisa"),
            source.clone(),
            Arc::new(MemoryTokenCache::new()),
        ));
        let end = Instant::now() + simulated;
        let handles: Vec<_> = (0..callers)
            .map(|i| {
                let provider = provider.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(i as u64 * 7)).await;
                    let (mut calls, mut expired, mut waited) = (0u64, 0u64, 0u64);
                    while Instant::now() < end {
                        let start = Instant::now();
                        match provider.token().await {
                            Ok(t) if t.expires_at() <= Instant::now() => expired += 1,
                            Ok(_) => {}
                            Err(_) => expired += 1,
                        }
                        if start.elapsed() > Duration::ZERO {
                            waited += 1;
                        }
                        calls += 1;
                        tokio::time::sleep(every).await;
                    }
                    (calls, expired, waited)
                })
            })
            .collect();
        let (mut calls, mut expired, mut waited) = (0, 0, 0);
        for h in handles {
            if let Ok((c, e, w)) = h.await {
                calls += c;
                expired += e;
                waited += w;
            }
        }
        (
            calls,
            expired,
            waited,
            source.fetches.load(Ordering::SeqCst),
        )
    });
    let mut out = String::from(
        "\n## 6. Short tokens: 300 s Kaisa tokens for one simulated hour\n\n\
         Paused tokio clock; a fake token endpoint issues 300 s tokens after 50 ms; callers ask \
         every 100 ms. Refresh-ahead starts 150 s (+ up to 15 s jitter) before expiry, so about \
         one request per ~140 s is expected (~26 per hour).\n\n\
         | callers | calls | calls that met an expired token | calls that waited | token requests |\n\
         |---:|---:|---:|---:|---:|\n",
    );
    let _ = writeln!(
        out,
        "| {callers} | {calls} | {expired} | {waited} | {fetches} |"
    );
    let _ = writeln!(
        out,
        "\n(\"waited\" counts calls during which the simulated clock moved: only the very first \
         calls, on the cold cache, should.)"
    );
    out
}
