//! The pipeline's and the token engine's spans follow OpenTelemetry's HTTP client
//! conventions, count resends and carry nothing secret. Alone in its test binary: one
//! test installs a global subscriber (the other a subscriber of its own thread).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use oauth_core::secrecy::SecretString;
use oauth_core::{Credentials, OAuthProvider, TokenEndpoint};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use vendor_core::{ApiClient, Request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sub-key-span-9c1d";
const SECRET: &str = "client-secret-span-77ab";
const TOKEN: &str = "at-span-token-31fe";

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

#[tokio::test]
async fn spans_follow_the_http_client_conventions_and_hold_no_secret() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN,
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "no such thing"})))
        .expect(1)
        .mount(&server)
        .await;
    let provider = OAuthProvider::builder()
        .endpoint(TokenEndpoint::url(format!("{}/oauth2/token", server.uri())).with_scopes(["s"]))
        .credentials(Credentials::client_credentials("client", SECRET))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let api = ApiClient::builder()
        .base_url(format!("{}/api/", server.uri()))
        .token_provider(Arc::new(provider))
        .secret_header("Ocp-Apim-Subscription-Key", SecretString::from(KEY))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let err = api
        .send_empty(
            Request::get("things")
                .query(&[("q", "x")])
                .operation("test.things.get"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind_name(), "404");

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let port = server.address().port();
    for expected in [
        "api.request",
        "http.request.method=GET",
        "server.address=\"127.0.0.1\"",
        &format!("server.port={port}"),
        &format!("url.full=http://127.0.0.1:{port}/api/things "),
        "http.response.status_code=404",
        "error.type=\"404\"",
        "operation=\"test.things.get\"",
        "oauth.token_request",
        "oauth.grant_type=\"client_credentials\"",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }
    for secret in [KEY, SECRET, TOKEN] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    // Sent once: no resend count on its span.
    assert!(
        closed_span(&text, "test.things.get").is_some_and(|s| !s.contains("resend_count")),
        "{text}"
    );
}

/// The line closing the `api.request` span of `operation`, if any.
fn closed_span<'a>(text: &'a str, operation: &str) -> Option<&'a str> {
    let needle = format!("operation=\"{operation}\"");
    text.lines()
        .find(|line| line.contains(&needle) && line.contains(" close "))
}

/// Resends are counted on the span: none for a refused loopback connection (not
/// retried), one for a GET answered 503 once.
#[tokio::test]
async fn the_span_counts_resends() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    // This test's runtime runs on this thread only.
    let _guard = tracing::subscriber::set_default(subscriber);
    let fast = oauth_core::RetryPolicy::default()
        .initial_backoff(std::time::Duration::from_millis(10))
        .max_backoff(std::time::Duration::from_millis(20));

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/flaky"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let api = ApiClient::builder()
        .base_url(format!("{}/api/", server.uri()))
        .retry_policy(fast.clone())
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    api.send_empty(Request::get("flaky").operation("test.flaky"))
        .await
        .unwrap();

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let closed = ApiClient::builder()
        .base_url(format!("http://127.0.0.1:{port}/api/"))
        .retry_policy(fast)
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    closed
        .send_empty(Request::get("things").operation("test.refused"))
        .await
        .unwrap_err();

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let flaky = closed_span(&text, "test.flaky").unwrap();
    assert!(flaky.contains("http.request.resend_count=1 "), "{flaky}");
    let refused = closed_span(&text, "test.refused").unwrap();
    assert!(!refused.contains("resend_count"), "{refused}");
}
