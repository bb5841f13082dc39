//! Network behaviour that depends on process-wide state, alone in its test binary:
//!
//! - a loopback target is never sent through a proxy from `HTTP_PROXY`/`ALL_PROXY`
//!   (plain http under the loopback opt-in would hand the client secret to the
//!   proxy in clear);
//! - a connection refused on loopback fails at once instead of being retried like a
//!   transient failure, and the error says which it was.
//!
//! The proxy variables and the log capture are process-wide, so each test installs
//! the same capture first and sets the same variables.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex, OnceLock};

use common::*;
use oauth_core::{RetryPolicy, TokenEndpoint, TokenError, TransportErrorKind};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer({
                let captured = captured.clone();
                move || captured.clone()
            })
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        captured
    })
}

/// A "proxy" that must never be asked for anything, set as every proxy variable.
async fn hostile_proxy() -> MockServer {
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
    proxy
}

#[tokio::test]
async fn loopback_traffic_never_goes_through_a_proxy() {
    logs();
    let proxy = hostile_proxy().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("token endpoint, directly")
        .mount(&server)
        .await;
    let client = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .build()
        .unwrap();
    assert_eq!(client.request_token().await.unwrap().secret(), ACCESS_TOKEN);

    proxy.verify().await;
}

#[tokio::test]
async fn a_refused_loopback_connection_is_not_retried() {
    let captured = logs();
    // A port that was just free: nothing listens on it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/refused-token-endpoint/token");
    let client = oauth_core::TokenClient::builder()
        .endpoint(TokenEndpoint::url(&url))
        .credentials(oauth_core::Credentials::client_credentials(
            CLIENT_ID,
            CLIENT_SECRET,
        ))
        .allow_insecure_loopback(true)
        .retry_policy(RetryPolicy::default().max_attempts(4))
        .build()
        .unwrap();
    let err = client.request_token().await.unwrap_err();
    let TokenError::Transport(transport) = &err else {
        panic!("expected a transport error, got {err}");
    };
    assert_eq!(transport.kind(), TransportErrorKind::Refused, "{err}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("nothing listens"), "{err}");
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let sent = text
        .lines()
        .filter(|l| l.contains("token request sent") && l.contains("refused-token-endpoint"))
        .count();
    assert_eq!(sent, 1, "one attempt, no retries:\n{text}");
}

#[tokio::test]
async fn a_configured_proxy_carries_https_traffic_and_a_custom_builder_is_used() {
    logs();
    // A "proxy" that records the first line it is sent, then hangs up: the token
    // request to a non-loopback https host must arrive here as a CONNECT, and no
    // packet leaves this machine (the client never resolves the target itself).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(String::new()));
    let recorded = seen.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        if let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 1024];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            *recorded.lock().unwrap() = String::from_utf8_lossy(&buf[..n]).into_owned();
        }
    });
    let client = oauth_core::TokenClient::builder()
        .endpoint(TokenEndpoint::url(
            "https://login.example.invalid/oauth2/token",
        ))
        .credentials(oauth_core::Credentials::client_credentials(
            CLIENT_ID,
            CLIENT_SECRET,
        ))
        .retry_policy(RetryPolicy::none())
        .http_options(oauth_core::HttpOptions::default().proxy(proxy_url))
        .build()
        .unwrap();
    assert!(client.request_token().await.is_err());
    let first = seen.lock().unwrap().clone();
    assert!(
        first.starts_with("CONNECT login.example.invalid:443"),
        "the proxy saw: {first:?}"
    );
    assert!(!first.contains(CLIENT_SECRET), "TLS is end to end: {first}");

    // The application's own reqwest builder is the starting point.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(wiremock::matchers::header("x-app-tag", "from-the-app"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("token endpoint, with the app's default header")
        .mount(&server)
        .await;
    let client = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .http_options(oauth_core::HttpOptions::default().client_builder(|| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                "x-app-tag",
                reqwest::header::HeaderValue::from_static("from-the-app"),
            );
            reqwest::Client::builder().default_headers(headers)
        }))
        .build()
        .unwrap();
    assert_eq!(client.request_token().await.unwrap().secret(), ACCESS_TOKEN);

    let err = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .http_options(oauth_core::HttpOptions::default().proxy("not a url"))
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "proxy");
    assert!(format!(
        "{:?}",
        oauth_core::HttpOptions::default().proxy("http://u:pw-77@p:1")
    )
    .contains("[set]"));
}
