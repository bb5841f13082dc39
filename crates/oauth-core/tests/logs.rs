//! What the engine logs at TRACE level during a fetch and a failure holds no secret.
//!
//! Alone in its test binary: `tracing` caches each log site's interest process-wide,
//! so a site first hit by a parallel test without a subscriber could go unrecorded
//! here. This binary installs a global subscriber and runs one test.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use oauth_core::OAuthProvider;
use oauth_core::TokenEndpoint;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn password_credentials() -> oauth_core::Credentials {
    oauth_core::Credentials::password(
        CLIENT_ID,
        Some(CLIENT_SECRET.to_owned()),
        USERNAME,
        PASSWORD,
    )
}

// ---------------------------------------------------------------------------------

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
async fn trace_logs_of_a_fetch_and_a_failure_hold_no_secret() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let jwt = unsigned_jwt(&json!({ "roles": ["Expectations.Read"] }));
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(form_body(&[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("username", USERNAME),
            ("password", PASSWORD),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(&jwt)))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("token endpoint: first a token")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": format!("AADSTS50126: wrong password '{PASSWORD}' / secret '{CLIENT_SECRET}'"),
        })))
        .expect(1)
        .named("token endpoint: then a refusal")
        .mount(&server)
        .await;
    let provider = OAuthProvider::builder()
        .endpoint(TokenEndpoint::url(token_url(&server)))
        .credentials(password_credentials())
        .allow_insecure_loopback(true)
        .build()
        .unwrap();

    let token = provider.token().await.unwrap();
    tracing::debug!(?token, "the caller logs the token it got");
    provider.invalidate(&token).await;
    let err = provider.token().await.unwrap_err();
    tracing::warn!(error = %err, details = ?err, "the caller logs the failure");

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("token cache: fetch succeeded"), "{logs}");
    assert!(logs.contains("token cache: fetch failed"), "{logs}");
    assert!(logs.contains("AADSTS50126"), "{logs}");
    assert_free_of(
        "trace logs",
        &logs,
        &[CLIENT_SECRET, PASSWORD, jwt.as_str()],
    );
    let payload = jwt.split('.').nth(1).unwrap();
    assert_free_of("trace logs", &logs, &[payload]);
}
