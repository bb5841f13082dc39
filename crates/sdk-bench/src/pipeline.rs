//! Pipeline overhead: a typed call through a vendor crate (okq8) against raw reqwest
//! sending the same headers to the same loopback server.

use std::fmt::Write as _;
use std::future::Future;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tokio::time::Instant;

use crate::{percentile, Scale};

const KEY: &str = "bench-subscription-key";

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // decoded to measure the work, not read
struct Station {
    id: String,
    name: String,
    city: String,
    fuels: Vec<String>,
    open: bool,
}

async fn station() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "id": "SE-1001",
        "name": "OKQ8 Stockholm Kungsgatan",
        "city": "Stockholm",
        "fuels": ["GoEasy Bensin 95", "GoEasy Bensin 98", "GoEasy Diesel", "HVO100", "E85"],
        "open": true,
    }))
}

async fn token() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "token_type": "Bearer", "expires_in": 3599, "access_token": "bench-access-token"
    }))
}

struct Run {
    latencies_us: Vec<f64>,
    elapsed: Duration,
}

async fn sequential<F, Fut>(calls: usize, call: &F) -> Run
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let mut latencies_us = Vec::with_capacity(calls);
    let start = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        if !call().await {
            return Run {
                latencies_us: Vec::new(),
                elapsed: start.elapsed(),
            };
        }
        latencies_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Run {
        latencies_us,
        elapsed: start.elapsed(),
    }
}

/// The SDK client and the raw one, for the server at `addr`, and the raw client's URL.
fn clients(addr: std::net::SocketAddr) -> Result<(okq8::Client, reqwest::Client, String), String> {
    let base = format!("http://{addr}/okq8/");
    let client = okq8::Client::builder()
        .client_credentials("bench-client", "bench-secret")
        .scope("api://bench/.default")
        .subscription_key(KEY)
        .base_url(base.clone())
        .token_url(format!("http://{addr}/token"))
        .allow_insecure_loopback(true)
        .build()
        .map_err(|e| format!("could not build the okq8 client: {e}"))?;
    // The same timeouts as the SDK's defaults: a hand-written client that can hang
    // forever is not the baseline to beat (each per-request timeout arms a timer).
    let defaults = oauth_core::Timeouts::default();
    let raw = reqwest::Client::builder()
        .user_agent("okq8/0.1.0")
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(defaults.connect)
        .timeout(defaults.attempt)
        .build()
        .map_err(|e| format!("could not build reqwest: {e}"))?;
    Ok((client, raw, format!("{base}core/v1/stations/SE-1001")))
}

async fn sdk_once(client: &okq8::Client) -> bool {
    client
        .get::<Station>("core/v1/stations/SE-1001")
        .await
        .is_ok()
}

async fn raw_once(raw: &reqwest::Client, url: &str) -> bool {
    let response = raw
        .get(url)
        .header("authorization", "Bearer bench-access-token")
        .header("ocp-apim-subscription-key", KEY)
        .header("accept", "application/json")
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => match r.bytes().await {
            Ok(body) => serde_json::from_slice::<Station>(&body).is_ok(),
            Err(_) => false,
        },
        _ => false,
    }
}

/// A figure for the SDK and for raw reqwest.
type SdkAndRaw = (f64, f64);

/// Heap allocations per call, SDK and raw: each client is built and driven on a
/// thread of its own (a current-thread runtime, so its connection tasks run there
/// too), and the allocations that thread makes over `calls` calls are counted.
/// Also returns each client's median latency (µs) over those calls: one thread, no
/// scheduling between workers, so what remains is each client's own work.
fn allocations_per_call(
    addr: std::net::SocketAddr,
    calls: u64,
) -> Result<(SdkAndRaw, SdkAndRaw), String> {
    let count = move |sdk: bool| -> Result<(f64, f64), String> {
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let (client, raw, url) = clients(addr)?;
                let once = || async {
                    if sdk {
                        sdk_once(&client).await
                    } else {
                        raw_once(&raw, &url).await
                    }
                };
                for _ in 0..100 {
                    once().await;
                }
                let before = crate::alloc::count();
                for _ in 0..calls {
                    if !once().await {
                        return Err("a call failed".to_owned());
                    }
                }
                let allocations = (crate::alloc::count() - before) as f64 / calls as f64;
                let mut latencies = Vec::with_capacity(calls as usize);
                for _ in 0..calls {
                    let t = Instant::now();
                    once().await;
                    latencies.push(t.elapsed().as_secs_f64() * 1e6);
                }
                latencies.sort_by(f64::total_cmp);
                Ok((allocations, percentile(&latencies, 50.0)))
            })
        })
        .join()
        .map_err(|_| "the counting thread failed".to_owned())?
    };
    // Interleaved: SDK, raw, SDK, raw; the lower median of each pair of runs.
    let (sdk_a, raw_a) = (count(true)?, count(false)?);
    let (sdk_b, raw_b) = (count(true)?, count(false)?);
    Ok((
        (sdk_a.0, raw_a.0),
        (sdk_a.1.min(sdk_b.1), raw_a.1.min(raw_b.1)),
    ))
}

/// Runs the pipeline benchmark and returns its Markdown section.
pub async fn run(scale: Scale) -> String {
    let header = "\n## 4. Pipeline overhead: typed call through `okq8` vs raw reqwest\n\n";
    let app = Router::new()
        .route("/okq8/core/v1/stations/SE-1001", get(station))
        .route("/token", post(token));
    let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
        return format!("{header}could not bind a port\n");
    };
    let Ok(addr) = listener.local_addr() else {
        return format!("{header}could not read the port\n");
    };
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let (client, raw, raw_url) = match clients(addr) {
        Ok(c) => c,
        Err(e) => return format!("{header}{e}\n"),
    };
    let sdk_call = || sdk_once(&client);
    let raw_call = || raw_once(&raw, &raw_url);
    // Warm up both (connections, token).
    let _ = sequential(200, &sdk_call).await;
    let _ = sequential(200, &raw_call).await;

    let rounds = scale.pick(20, 2);
    let per_round = scale.pick(1_000, 300);
    let (mut sdk_lat, mut raw_lat) = (Vec::new(), Vec::new());
    let (mut sdk_time, mut raw_time) = (Duration::ZERO, Duration::ZERO);
    let mut round_ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        // Alternate which goes first so neither always meets a warmer machine.
        let (a, b) = if round % 2 == 0 {
            let a = sequential(per_round, &sdk_call).await;
            let b = sequential(per_round, &raw_call).await;
            (a, b)
        } else {
            let b = sequential(per_round, &raw_call).await;
            let a = sequential(per_round, &sdk_call).await;
            (a, b)
        };
        sdk_lat.extend(a.latencies_us);
        raw_lat.extend(b.latencies_us);
        round_ratios.push(b.elapsed.as_secs_f64() / a.elapsed.as_secs_f64());
        sdk_time += a.elapsed;
        raw_time += b.elapsed;
    }
    let total = rounds * per_round;
    if sdk_lat.len() != total || raw_lat.len() != total {
        return format!("{header}a call failed during the run\n");
    }
    sdk_lat.sort_by(f64::total_cmp);
    raw_lat.sort_by(f64::total_cmp);
    round_ratios.sort_by(f64::total_cmp);
    let median_ratio = percentile(&round_ratios, 50.0);
    let sdk_tput = total as f64 / sdk_time.as_secs_f64();
    let raw_tput = total as f64 / raw_time.as_secs_f64();
    let (sdk_p50, sdk_p99) = (percentile(&sdk_lat, 50.0), percentile(&sdk_lat, 99.0));
    let (raw_p50, raw_p99) = (percentile(&raw_lat, 50.0), percentile(&raw_lat, 99.0));
    let allocations = match allocations_per_call(addr, scale.pick(2_000, 200) as u64) {
        Ok(((sdk, raw), (sdk_p50, raw_p50))) => format!(
            "\n\nHeap allocations per call, counted on the calling thread (a current-thread runtime, so the client's connection tasks count too; the server's do not): SDK {sdk:.2}, raw {raw:.2} (SDK − raw = {:+.2}). On that one thread (no scheduling across workers; the server runs on the other runtime), the median call takes {sdk_p50:.1} µs through the SDK and {raw_p50:.1} µs raw: {:.3}x.",
            sdk - raw,
            sdk_p50 / raw_p50
        ),
        Err(e) => format!("\n\nAllocations could not be counted: {e}."),
    };
    let mut out = String::from(header);
    let _ = writeln!(
        out,
        "{total} sequential GETs each, in {rounds} alternating rounds, to one axum server on \
         127.0.0.1 answering a fixed JSON station; both decode it into the same struct, send \
         the same bearer, subscription key and accept headers, and have the same connect and \
         per-request timeouts (the SDK's defaults). The SDK path adds the cached-token lookup, \
         URL building, retry and redirect policy, body cap, error classification and a tracing \
         span.\n\n\
         | client | calls/s | p50 (µs) | p99 (µs) |\n|---|---:|---:|---:|\n\
         | `okq8::Client::get::<Station>` | {sdk_tput:.0} | {sdk_p50:.1} | {sdk_p99:.1} |\n\
         | raw `reqwest` + `serde_json` | {raw_tput:.0} | {raw_p50:.1} | {raw_p99:.1} |\n\n\
         Ratios (SDK / raw): throughput {:.3} over the whole run ({median_ratio:.3}, median \
         of the {rounds} rounds' ratios, less sensitive to a noisy neighbour), p50 {:.3}, p99 \
         {:.3}.",
        sdk_tput / raw_tput,
        sdk_p50 / raw_p50,
        sdk_p99 / raw_p99
    );
    out.push_str(&allocations);
    out
}
