//! Fault injection, statistics, control endpoints and lifecycle.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use vendor_sandbox::{Faults, Sandbox, SandboxConfig, Stats, Vendor};

use crate::support::*;

async fn ping(sandbox: &Sandbox, token: &str) -> reqwest::Response {
    let k = sandbox.kaisa();
    http()
        .get(format!(
            "{}/{}/miscellaneous/ping",
            k.base_url, k.api_version
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_nth_call_is_rate_limited() {
    let sandbox = start_with(
        SandboxConfig::default().with_faults(Faults::default().with_rate_limit_every(3)),
    )
    .await;
    let token = kaisa_token(&sandbox).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = ping(&sandbox, &token).await;
        statuses.push(response.status().as_u16());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(response.headers()["retry-after"], "1");
            let (_, body) = json(response).await;
            assert_eq!(
                body,
                json!({"statusCode":429,"message":"Rate limit is exceeded. Try again in 1 seconds."})
            );
        }
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    let stats = sandbox.stats();
    assert_eq!(stats.api_calls_total(Vendor::Kaisa), 6);
    assert_eq!(stats.api_calls_with_status(Vendor::Kaisa, 429), 2);
    assert_eq!(stats.api_calls_with_status(Vendor::Kaisa, 200), 4);
    // Token endpoints are not rate limited.
    assert_eq!(stats.tokens_issued(Vendor::Kaisa), 1);
}

#[tokio::test]
async fn server_errors_follow_the_rate_exactly() {
    let sandbox = start().await;
    let token = kaisa_token(&sandbox).await;
    sandbox.set_faults(Faults::default().with_server_error_rate(0.5));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(ping(&sandbox, &token).await.status().as_u16());
    }
    assert_eq!(statuses, [200, 503, 200, 503]);
    sandbox.set_faults(Faults::default());
    assert_eq!(ping(&sandbox, &token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn latency_set_over_http_delays_answers() {
    let sandbox = start().await;
    let token = kaisa_token(&sandbox).await;
    let faults_url = format!("{}/_sandbox/faults", sandbox.base_url());
    let (status, body) = json(
        http()
            .post(&faults_url)
            .json(&json!({ "latency_ms": 150 }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["latency_ms"], 150);
    assert_eq!(sandbox.faults().latency, Duration::from_millis(150));

    let started = Instant::now();
    assert_eq!(ping(&sandbox, &token).await.status(), StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    kaisa_token(&sandbox).await;
    assert!(started.elapsed() >= Duration::from_millis(150));

    let (status, _) = json(
        http()
            .post(&faults_url)
            .json(&json!({ "server_error_rate": 7.0 }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, body) = json(http().get(&faults_url).send().await.unwrap()).await;
    assert_eq!(body["latency_ms"], 150);
}

#[tokio::test]
async fn stats_count_requests_and_reset() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let token = kazi_token(&sandbox).await;
    let _ = post_form(
        &kazi.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kazi.client_id),
            ("client_secret", "wrong"),
            ("resource", &kazi.resource),
        ],
    )
    .await;
    let _ = keyavi_app_token(&sandbox).await;
    let (status, _) = kazi_get(&sandbox, &token, "/tagging/v2/expectations").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = kazi_get(&sandbox, "not-a-token", "/tagging/v2/expectations").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let stats = sandbox.stats();
    assert_eq!(stats.token_requests_total(Vendor::Kazi), 2);
    assert_eq!(stats.tokens_issued(Vendor::Kazi), 1);
    assert_eq!(stats.token_requests["kazi"]["azure-v1"].with_status(401), 1);
    assert_eq!(
        stats.token_requests["keyavi"]["azure-v2"].with_status(200),
        1
    );
    assert_eq!(stats.api_calls_total(Vendor::Kazi), 2);
    assert_eq!(stats.api_calls_with_status(Vendor::Kazi, 401), 1);
    assert_eq!(stats.api_calls_total(Vendor::Okq8), 0);

    let stats_url = format!("{}/_sandbox/stats", sandbox.base_url());
    let (status, body) = json(http().get(&stats_url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["api_calls"]["kazi"]["by_status"]["200"], 1);
    let over_http: Stats = serde_json::from_value(body).unwrap();
    assert_eq!(over_http, stats);

    let (status, body) = json(http().delete(&stats_url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "token_requests": {}, "api_calls": {} }));
    assert_eq!(sandbox.stats(), Stats::default());

    let _ = kazi_token(&sandbox).await;
    sandbox.reset_stats();
    assert_eq!(sandbox.stats().token_requests_total(Vendor::Kazi), 0);
}

#[tokio::test]
async fn every_answer_carries_a_fresh_request_id() {
    let sandbox = start().await;
    let url = format!("{}/okq8/public/v1/prices", sandbox.base_url());
    let first = http().get(&url).send().await.unwrap();
    let second = http().get(&url).send().await.unwrap();
    let id = |r: &reqwest::Response| r.headers()["x-ms-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id(&first).len(), 36);
    assert_ne!(id(&first), id(&second));
    assert_eq!(
        first.headers()["request-id"],
        first.headers()["x-ms-request-id"]
    );
}

#[tokio::test]
async fn env_vars_have_the_agreed_names() {
    let sandbox = start().await;
    let vars = sandbox.env_vars();
    let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "KAZI_CLIENT_ID",
            "KAZI_CLIENT_SECRET",
            "KAZI_SUBSCRIPTION_KEY",
            "KAZI_BASE_URL",
            "KAZI_TOKEN_URL",
            "KAZI_ALLOW_INSECURE_LOOPBACK",
            "KEYAVI_BASE_URL",
            "KEYAVI_TENANT_ID",
            "KEYAVI_CLIENT_ID",
            "KEYAVI_CLIENT_SECRET",
            "KEYAVI_SCOPE",
            "KEYAVI_SUBSCRIPTION_KEY",
            "KEYAVI_CALLER_ID",
            "KEYAVI_TOKEN_URL",
            "KEYAVI_ALLOW_INSECURE_LOOPBACK",
            "KAISA_CLIENT_ID",
            "KAISA_CLIENT_SECRET",
            "KAISA_API_VERSION",
            "KAISA_BASE_URL",
            "KAISA_TOKEN_URL",
            "KAISA_ALLOW_INSECURE_LOOPBACK",
            "OKQ8_TENANT_ID",
            "OKQ8_CLIENT_ID",
            "OKQ8_CLIENT_SECRET",
            "OKQ8_SCOPE",
            "OKQ8_SUBSCRIPTION_KEY",
            "OKQ8_BASE_URL",
            "OKQ8_TOKEN_URL",
            "OKQ8_ALLOW_INSECURE_LOOPBACK",
            "IDENTITY_ENDPOINT",
            "IDENTITY_HEADER",
        ]
    );
    assert!(vars.iter().all(|(_, v)| !v.is_empty()));
    let get = |name: &str| {
        vars.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("KAZI_TOKEN_URL"), sandbox.kazi().token_url);
    assert_eq!(get("KEYAVI_SCOPE"), sandbox.keyavi().app_scope);
    assert_eq!(
        get("KAISA_BASE_URL"),
        format!("{}/kaisa", sandbox.base_url())
    );
    assert!(get("KEYAVI_BASE_URL").ends_with("/api/"));
    assert_eq!(get("OKQ8_SCOPE"), "api://apim-sandbox-api/.default");
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let sandbox = start().await;
    let url = format!("{}/_sandbox/stats", sandbox.base_url());
    assert_eq!(
        http().get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let started = Instant::now();
    sandbox.shutdown().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(fresh.get(&url).send().await.is_err());
}

#[tokio::test]
async fn a_taken_port_is_a_bind_error() {
    let first = start().await;
    let err = Sandbox::start(SandboxConfig::default().with_port(first.addr().port()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, vendor_sandbox::SandboxError::Bind { .. }),
        "{err:?}"
    );
    let _: Value = json!(err.to_string());
}
