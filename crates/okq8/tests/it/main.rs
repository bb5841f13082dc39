//! Integration tests of the okq8 crate against wiremock servers on 127.0.0.1.

// Helpers outside `#[test]` functions fail loudly too: a broken fixture is a test bug.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod calls;
mod client;

use std::collections::BTreeMap;

use base64::Engine as _;
use okq8::{AccessLevel, ClientBuilder, DEFAULT_TENANT};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

pub(crate) const CLIENT_ID: &str = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f";
pub(crate) const CLIENT_SECRET: &str = "okq8-test-secret~Hq71.vB";
pub(crate) const SUBSCRIPTION_KEY: &str = "6f6b7138aa11bb22cc33dd44ee55ff66";
pub(crate) const APP_ID_URI: &str = "api://apim-okq8core-api";
/// The API base path on the mock server, as on the sandbox.
pub(crate) const API: &str = "/okq8";

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

/// An application token granting `roles` (access levels).
pub(crate) fn app_token(roles: &[&str]) -> String {
    jwt(&json!({
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
    Mock::given(method("POST"))
        .and(path(token_path()))
        .and(form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", scope),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        })))
        .expect(times)
        .named("azure ad v2 token endpoint")
        .mount(server)
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
    ClientBuilder::new()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .scope_for(APP_ID_URI, AccessLevel::Default)
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

/// A subscription-key-only builder pointed at the mock server.
pub(crate) fn key_only_builder(server: &MockServer) -> ClientBuilder {
    ClientBuilder::subscription_key_only()
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Matches the headers every call carries: the subscription key, a user agent naming
/// the crate, JSON accepted; and `Authorization: Bearer <token>`, or none at all.
pub(crate) struct ApiHeaders {
    token: Option<String>,
}

impl Match for ApiHeaders {
    fn matches(&self, request: &Request) -> bool {
        header(request, "ocp-apim-subscription-key").as_deref() == Some(SUBSCRIPTION_KEY)
            && header(request, "authorization")
                == self.token.as_ref().map(|t| format!("Bearer {t}"))
            && header(request, "accept").as_deref() == Some("application/json")
            && header(request, "user-agent").is_some_and(|ua| ua.starts_with("okq8/"))
            && !request
                .url
                .query_pairs()
                .any(|(k, _)| k == "subscription-key")
    }
}

/// Key and bearer `token`.
pub(crate) fn api_headers(token: &str) -> ApiHeaders {
    ApiHeaders {
        token: Some(token.to_owned()),
    }
}

/// Key and no `Authorization` header.
pub(crate) fn key_only_headers() -> ApiHeaders {
    ApiHeaders { token: None }
}

/// Matches a query string holding exactly these parameters (order ignored).
pub(crate) struct ExactQuery(BTreeMap<String, String>);

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let got: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        got == self.0 && request.url.query_pairs().count() == self.0.len()
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
        let is_form = header(request, "content-type")
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

/// Matches a JSON body equal to `expected`, sent as `application/json`.
pub(crate) struct JsonBody(Value);

impl Match for JsonBody {
    fn matches(&self, request: &Request) -> bool {
        header(request, "content-type").is_some_and(|v| v.starts_with("application/json"))
            && serde_json::from_slice::<Value>(&request.body).ok().as_ref() == Some(&self.0)
    }
}

pub(crate) fn json_body(expected: Value) -> JsonBody {
    JsonBody(expected)
}

/// Matches a request without a body.
pub(crate) struct NoBody;

impl Match for NoBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty() && header(request, "content-type").is_none()
    }
}
