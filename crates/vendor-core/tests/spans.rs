//! The pipeline's and the token engine's spans follow OpenTelemetry's HTTP client
//! conventions and carry nothing secret. Alone in its test binary: it installs a
//! global subscriber.

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
}
