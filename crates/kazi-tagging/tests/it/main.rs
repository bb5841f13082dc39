//! Integration tests of the kazi-tagging crate against wiremock servers on 127.0.0.1.

// Helpers outside `#[test]` functions fail loudly too: a broken fixture is a test bug.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod create_talent_scan;
mod credentials;
mod expectations;
mod job_scans;
mod paths;
mod shape;
mod talent_scans;

use kazi_tagging::{Client, ClientBuilder, DEFAULT_RESOURCE, DEFAULT_TENANT};
use serde_json::{json, Value};
use test_support::matchers::ApiHeaders;
use test_support::{jwt, token_endpoint};
use wiremock::MockServer;

pub(crate) const CLIENT_ID: &str = "5d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a";
pub(crate) const CLIENT_SECRET: &str = "kazi-test-secret~Vq82.zX";
pub(crate) const SUBSCRIPTION_KEY: &str = "4b617a69aa11bb22cc33dd44ee55ff66";
pub(crate) const TALENT_SCAN: &str = "8f14e45f-ceea-467a-9575-6d6a1b1f3f5e";
/// The API base path on the mock server, as on the sandbox.
pub(crate) const API: &str = "/kazi";

/// A fixture from `tests/fixtures`, parsed.
pub(crate) fn fixture(name: &str) -> Value {
    test_support::fixture(env!("CARGO_MANIFEST_DIR"), name)
}

/// An application token granting `roles`, as Azure AD v1 issues for Kazi.
pub(crate) fn app_token(roles: &[&str]) -> String {
    jwt::unsigned(&json!({
        "aud": DEFAULT_RESOURCE,
        "iss": "https://sts.windows.net/kazib2c.onmicrosoft.com/",
        "appid": CLIENT_ID,
        "idtyp": "app",
        "roles": roles,
    }))
}

/// The Azure AD v1 token endpoint path on the mock server (authority = server).
pub(crate) fn token_path() -> String {
    format!("/{DEFAULT_TENANT}/oauth2/token")
}

/// The form a token request must carry.
pub(crate) fn token_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("resource", DEFAULT_RESOURCE),
    ]
}

/// Azure AD v1's answer, with every number as a string (as Kazi documents it).
pub(crate) fn token_answer(access_token: &str) -> Value {
    token_endpoint::azure_v1_answer(access_token, DEFAULT_RESOURCE)
}

/// Mounts the token endpoint at `path_`: asked `times` times with the v1 form, it
/// answers a token granting `roles`, which it returns.
pub(crate) async fn mount_token_at(
    server: &MockServer,
    path_: &str,
    roles: &[&str],
    times: u64,
) -> String {
    let token = app_token(roles);
    token_endpoint::mount(
        server,
        path_,
        &token_form(),
        token_answer(&token),
        times,
        "azure ad v1 token endpoint",
    )
    .await;
    token
}

/// Mounts the default token endpoint, to be asked exactly once.
pub(crate) async fn mount_token(server: &MockServer, roles: &[&str]) -> String {
    mount_token_at(server, &token_path(), roles, 1).await
}

/// A builder pointed at the mock server: authority and base URL (with the `/kazi`
/// prefix) on it, loopback allowed.
pub(crate) fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .subscription_key(SUBSCRIPTION_KEY)
        .authority(server.uri())
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
}

/// Matches the headers every API call carries: the subscription key, bearer
/// `token`, JSON accepted, a user agent naming the crate.
pub(crate) fn api_headers(token: &str) -> ApiHeaders {
    ApiHeaders::bearer("kazi-tagging/", token)
        .subscription_key(SUBSCRIPTION_KEY)
        .accepting_json()
}
