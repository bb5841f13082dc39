//! The warning about a middleware with no allowed origin: once, and only then. A
//! test binary of its own, since the capture is the binary's global subscriber.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use oauth_core::{AccessToken, StaticTokenProvider};
use oauth_middleware::OAuthMiddleware;
use reqwest_middleware::ClientBuilder;
use test_support::logs::LogCapture;
use wiremock::{Mock, MockServer, ResponseTemplate};

const WARNING: &str = "no allowed origin configured";

fn warnings(capture: &LogCapture) -> usize {
    capture.text().matches(WARNING).count()
}

#[tokio::test]
async fn a_middleware_without_an_allowed_origin_warns_once_and_one_with_an_origin_never() {
    let capture = LogCapture::global();
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let token = AccessToken::new(
        "tok-static",
        "Bearer",
        Instant::now(),
        SystemTime::now(),
        Duration::from_secs(3600),
    );
    let provider = Arc::new(StaticTokenProvider::new(token));

    // An origin is allowed, just not this server's: no warning, no token.
    let elsewhere = OAuthMiddleware::new(provider.clone())
        .allowed_origin("https://api.example.com")
        .unwrap();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(elsewhere)
        .build();
    client.get(server.uri()).send().await.unwrap();
    assert_eq!(warnings(capture), 0, "{}", capture.text());

    // No origin at all: the first request warns, the second does not again.
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(OAuthMiddleware::new(provider))
        .build();
    client.get(server.uri()).send().await.unwrap();
    assert_eq!(warnings(capture), 1, "{}", capture.text());
    client.get(server.uri()).send().await.unwrap();
    assert_eq!(warnings(capture), 1, "{}", capture.text());

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert!(requests
        .iter()
        .all(|r| !r.headers.contains_key("authorization")));
    assert!(!capture.text().contains("tok-static"));
}
