//! Integration tests of the keyavi crate against wiremock servers on 127.0.0.1.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod credentials;
mod logs;
mod paths;
mod payloads;
mod shape;
mod spans;

use keyavi::{CallerId, Client, ClientBuilder};
use serde_json::{json, Value};
use test_support::matchers::ApiHeaders;
use test_support::{jwt, token_endpoint};
use wiremock::MockServer;

pub(crate) use test_support::matchers::exact_query;

pub(crate) const TENANT: &str = "3c9d5e4f-8b7a-4f0b-a1c2-d3e4f5a6b7c8";
pub(crate) const APP_ID: &str = "7b1e6f5a-9c8b-4a1c-b2d3-e4f5a6b7c8d9";
pub(crate) const CLIENT_ID: &str = "9d3a8b7c-1e0d-4c3e-8f4a-5b6c7d8e9fa0";
pub(crate) const CLIENT_SECRET: &str = "keyavi-test-secret~Zq81.cx";
pub(crate) const USERNAME: &str = "jane.doe@contoso.example";
pub(crate) const PASSWORD: &str = "Pa55w0rd-7c1e-user";
pub(crate) const SUBSCRIPTION_KEY: &str = "6b6579617669aa11bb22cc33dd44ee55";
pub(crate) const CALLER: &str = "ops@contoso.example";
/// The API base path on the mock server, as on the sandbox.
pub(crate) const API: &str = "/keyavi/api";

/// A fixture from `tests/fixtures`, parsed.
pub(crate) fn fixture(name: &str) -> Value {
    test_support::fixture(env!("CARGO_MANIFEST_DIR"), name)
}

/// An application token granting `roles`.
pub(crate) fn app_token(roles: &[&str]) -> String {
    jwt::unsigned(
        &json!({"aud": APP_ID, "tid": TENANT, "azp": CLIENT_ID, "idtyp": "app", "roles": roles}),
    )
}

/// A user token with delegated scopes `scp`.
pub(crate) fn user_token(scp: &str) -> String {
    jwt::unsigned(
        &json!({"aud": APP_ID, "tid": TENANT, "azp": CLIENT_ID, "idtyp": "user",
                "upn": USERNAME, "scp": scp}),
    )
}

/// The Azure AD v2 token endpoint path on the mock server.
pub(crate) fn token_path() -> String {
    format!("/{TENANT}/oauth2/v2.0/token")
}

/// Mounts the token endpoint: it must be asked exactly once with exactly `form`, and
/// answers with `access_token`.
pub(crate) async fn mount_token(server: &MockServer, form: &[(&str, &str)], access_token: &str) {
    token_endpoint::mount(
        server,
        &token_path(),
        form,
        token_endpoint::azure_v2_answer(access_token),
        1,
        "token endpoint",
    )
    .await;
}

/// The form an application-mode token request must carry.
pub(crate) fn app_form() -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("client_secret", CLIENT_SECRET.to_owned()),
        ("scope", format!("{APP_ID}/.default")),
    ]
}

/// Mounts a token endpoint for application mode granting `roles`.
pub(crate) async fn mount_app_token(server: &MockServer, roles: &[&str]) -> String {
    let token = app_token(roles);
    let form = app_form();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    mount_token(server, &pairs, &token).await;
    token
}

/// An application-mode builder pointed at the mock server.
pub(crate) fn app_builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .app(
            CLIENT_ID,
            CLIENT_SECRET,
            CallerId::parse(CALLER).expect("valid caller"),
        )
        .tenant(TENANT)
        .app_id(APP_ID)
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

/// A user-mode builder pointed at the mock server.
pub(crate) fn user_builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .user(CLIENT_ID, USERNAME, PASSWORD)
        .tenant(TENANT)
        .app_id(APP_ID)
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

/// Matches the headers every API call carries: subscription key, bearer `token`, a
/// user agent naming the crate.
pub(crate) fn api_headers(token: &str) -> ApiHeaders {
    ApiHeaders::bearer("keyavi/", token).subscription_key(SUBSCRIPTION_KEY)
}
