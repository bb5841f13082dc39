//! Integration tests of the kaisa crate against wiremock servers on 127.0.0.1.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod customer_resources;
mod customers;
mod paths;
mod recordings;
mod shape;
mod sources;
mod statistics;
mod users;

use kaisa::{Client, ClientBuilder};
use serde_json::{json, Value};
use test_support::matchers::ApiHeaders;
use test_support::{jwt, token_endpoint};
use wiremock::MockServer;

pub(crate) use test_support::matchers::{exact_query, form_body};

pub(crate) const CLIENT_ID: &str = "kaisa-test-client";
pub(crate) const CLIENT_SECRET: &str = "kaisa-test-secret~Qw7.z3Lp";
/// The API base on the mock server, before the version (as on the sandbox).
pub(crate) const PREFIX: &str = "/kaisa";
/// The token endpoint path on the mock server (as on the sandbox).
pub(crate) const TOKEN_PATH: &str = "/kaisa-auth/oauth2/token";

/// A fixture from `tests/fixtures`, parsed.
pub(crate) fn fixture(name: &str) -> Value {
    test_support::fixture(env!("CARGO_MANIFEST_DIR"), name)
}

/// A JWT-shaped token like Kaisa's (unsigned).
pub(crate) fn kaisa_token() -> String {
    let claims = json!({"aud": "kaisa-api", "iss": "https://auth.freespee.com", "sub": CLIENT_ID, "roles": ["api"]});
    jwt::unsigned(&claims)
}

/// Kaisa's token answer: a 300 s token.
pub(crate) fn token_answer(token: &str) -> Value {
    json!({"access_token": token, "token_type": "Bearer", "expires_in": 300})
}

/// Mounts the token endpoint, asked exactly once with the form-encoded client
/// credentials; returns the token it hands out.
pub(crate) async fn mount_token(server: &MockServer) -> String {
    let token = kaisa_token();
    token_endpoint::mount(
        server,
        TOKEN_PATH,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
        token_answer(&token),
        1,
        "token endpoint",
    )
    .await;
    token
}

/// A builder pointed at the mock server (version 2.4.9 by default).
pub(crate) fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .base_url(format!("{}{PREFIX}", server.uri()))
        .token_url(format!("{}{TOKEN_PATH}", server.uri()))
        .allow_insecure_loopback(true)
}

/// The path of `resource` under the default version.
pub(crate) fn api_path(resource: &str) -> String {
    format!("{PREFIX}/2.4.9/{resource}")
}

/// Matches the headers every API call carries: the bearer token and a user agent
/// naming the crate.
pub(crate) fn api_headers(token: &str) -> ApiHeaders {
    ApiHeaders::bearer("kaisa/", token)
}
