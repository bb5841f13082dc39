//! Integration tests of the keyavi crate against wiremock servers on 127.0.0.1.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod logs;
mod payloads;

use std::collections::BTreeMap;

use base64::Engine as _;
use keyavi::{CallerId, ClientBuilder};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

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
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// An unsigned JWT (`alg: none`) with this payload.
pub(crate) fn jwt(claims: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        b64.encode(br#"{"alg":"none"}"#),
        b64.encode(claims.to_string())
    )
}

/// An application token granting `roles`.
pub(crate) fn app_token(roles: &[&str]) -> String {
    jwt(&json!({"aud": APP_ID, "tid": TENANT, "azp": CLIENT_ID, "idtyp": "app", "roles": roles}))
}

/// A user token with delegated scopes `scp`.
pub(crate) fn user_token(scp: &str) -> String {
    jwt(
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
    Mock::given(method("POST"))
        .and(path(token_path()))
        .and(form_body(form))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": access_token,
        })))
        .expect(1)
        .named("token endpoint")
        .mount(server)
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
    ClientBuilder::app(
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
    ClientBuilder::user(CLIENT_ID, USERNAME, PASSWORD)
        .tenant(TENANT)
        .app_id(APP_ID)
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

/// Matches the headers every API call carries: subscription key, bearer `token`, a
/// user agent naming the crate.
pub(crate) struct ApiHeaders {
    pub(crate) token: String,
}

impl Match for ApiHeaders {
    fn matches(&self, request: &Request) -> bool {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        header("ocp-apim-subscription-key").as_deref() == Some(SUBSCRIPTION_KEY)
            && header("authorization") == Some(format!("Bearer {}", self.token))
            && header("user-agent").is_some_and(|ua| ua.starts_with("keyavi/"))
    }
}

pub(crate) fn api_headers(token: &str) -> ApiHeaders {
    ApiHeaders {
        token: token.to_owned(),
    }
}

/// Matches a query string holding exactly these parameters (order ignored).
pub(crate) struct ExactQuery(BTreeMap<String, String>);

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let got: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        let count = request.url.query_pairs().count();
        got == self.0 && count == self.0.len()
    }
}

pub(crate) fn exact_query(pairs: &[(&str, &str)]) -> ExactQuery {
    ExactQuery(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

/// Matches a form-urlencoded body holding exactly these parameters (order ignored).
pub(crate) struct FormBody(BTreeMap<String, String>);

impl Match for FormBody {
    fn matches(&self, request: &Request) -> bool {
        let is_form = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&request.body) else {
            return false;
        };
        let count = pairs.len();
        let got: BTreeMap<String, String> = pairs.into_iter().collect();
        is_form && count == self.0.len() && got == self.0
    }
}

pub(crate) fn form_body(pairs: &[(&str, &str)]) -> FormBody {
    FormBody(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}
