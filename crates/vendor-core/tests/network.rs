//! Network behaviour of the pipeline that depends on process-wide state, alone in
//! its test binary:
//!
//! - a loopback API is never reached through a proxy from `HTTP_PROXY`/`ALL_PROXY`
//!   (plain http under the loopback opt-in would hand the bearer token and the
//!   subscription key to the proxy in clear);
//! - a connection refused on loopback is not retried, and the error says why.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, RetryPolicy, StaticTokenProvider, TransportErrorKind};
use vendor_core::{ApiClient, Error, Request};
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sub-key-4d1f9b-secret";
const TOKEN: &str = "at-77c2e1-pipeline-token";

#[tokio::test]
async fn loopback_traffic_never_goes_through_a_proxy() {
    let proxy = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(502))
        .expect(0)
        .named("proxy: must never see loopback traffic")
        .mount(&proxy)
        .await;
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
    ] {
        std::env::set_var(var, proxy.uri());
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("ocp-apim-subscription-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([1, 2])))
        .expect(1)
        .named("API, directly")
        .mount(&server)
        .await;
    let api = ApiClient::builder()
        .base_url(format!("{}/api/", server.uri()))
        .token_provider(Arc::new(StaticTokenProvider::new(AccessToken::valid_for(
            TOKEN,
            std::time::Duration::from_secs(3600),
        ))))
        .secret_header("Ocp-Apim-Subscription-Key", SecretString::from(KEY))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let things: Vec<u32> = api.send(Request::get("things")).await.unwrap();
    assert_eq!(things, [1, 2]);
    proxy.verify().await;
}

#[tokio::test]
async fn a_refused_loopback_connection_is_not_retried() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let api = ApiClient::builder()
        .base_url(format!("http://127.0.0.1:{port}/api/"))
        .allow_insecure_loopback(true)
        .retry_policy(RetryPolicy::default().max_attempts(4))
        .build()
        .unwrap();
    let err = api.send_empty(Request::get("things")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Refused),
        "{err:?}"
    );
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("nothing listens"), "{err}");
}
