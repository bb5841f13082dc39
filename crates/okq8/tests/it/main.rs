//! Integration tests of the okq8 crate against wiremock servers on 127.0.0.1.

// Helpers outside `#[test]` functions fail loudly too: a broken fixture is a test bug.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod calls;
mod client;
mod credentials;
mod paths;
mod shape;
mod spans;

use okq8::{Client, ClientBuilder, DEFAULT_TENANT};
use serde_json::{json, Value};
use test_support::matchers::ApiHeaders;
use test_support::{jwt, token_endpoint};
use wiremock::MockServer;

pub(crate) const CLIENT_ID: &str = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f";
pub(crate) const CLIENT_SECRET: &str = "okq8-test-secret~Hq71.vB";
pub(crate) const SUBSCRIPTION_KEY: &str = "6f6b7138aa11bb22cc33dd44ee55ff66";
pub(crate) const APP_ID_URI: &str = "api://apim-okq8core-api";
/// The API base path on the mock server, as on the sandbox.
pub(crate) const API: &str = "/okq8";

/// A fixture from `tests/fixtures`, parsed.
pub(crate) fn fixture(name: &str) -> Value {
    test_support::fixture(env!("CARGO_MANIFEST_DIR"), name)
}

/// An application token granting `roles` (access levels).
pub(crate) fn app_token(roles: &[&str]) -> String {
    jwt::unsigned(&json!({
        "aud": APP_ID_URI,
        "tid": DEFAULT_TENANT,
        "azp": CLIENT_ID,
        "idtyp": "app",
        "roles": roles,
    }))
}

/// The Azure AD v2 token endpoint path on the mock server (authority = server).
pub(crate) fn token_path() -> String {
    format!("/{DEFAULT_TENANT}/oauth2/v2.0/token")
}

/// Mounts the token endpoint: asked `times` times with the client-credentials form
/// for `scope`, it answers a token granting `roles`, which it returns.
pub(crate) async fn mount_token_for(
    server: &MockServer,
    scope: &str,
    roles: &[&str],
    times: u64,
) -> String {
    let token = app_token(roles);
    token_endpoint::mount(
        server,
        &token_path(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", scope),
        ],
        token_endpoint::azure_v2_answer(&token),
        times,
        "azure ad v2 token endpoint",
    )
    .await;
    token
}

/// Mounts the token endpoint for `<api>/.default`, to be asked exactly once.
pub(crate) async fn mount_token(server: &MockServer, roles: &[&str]) -> String {
    mount_token_for(server, &default_scope(), roles, 1).await
}

pub(crate) fn default_scope() -> String {
    format!("{APP_ID_URI}/.default")
}

/// An OAuth builder pointed at the mock server.
pub(crate) fn oauth_builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .api(APP_ID_URI)
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

/// A subscription-key-only builder pointed at the mock server.
pub(crate) fn key_only_builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .subscription_key_only()
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

/// The headers every call carries: the subscription key (never in the query), a user
/// agent naming the crate, JSON accepted.
fn call_headers(headers: ApiHeaders) -> ApiHeaders {
    headers
        .subscription_key(SUBSCRIPTION_KEY)
        .accepting_json()
        .key_not_in_query()
}

/// The headers every call carries, and `Authorization: Bearer <token>`.
pub(crate) fn api_headers(token: &str) -> ApiHeaders {
    call_headers(ApiHeaders::bearer("okq8/", token))
}

/// The headers every call carries, and no `Authorization` header.
pub(crate) fn key_only_headers() -> ApiHeaders {
    call_headers(ApiHeaders::without_authorization("okq8/"))
}
