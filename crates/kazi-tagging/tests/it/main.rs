//! Integration tests of the kazi-tagging crate against wiremock servers on 127.0.0.1.

// Helpers outside `#[test]` functions fail loudly too: a broken fixture is a test bug.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod expectations;
mod talent_scans;

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use kazi_tagging::{ClientBuilder, DEFAULT_RESOURCE, DEFAULT_TENANT};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

pub(crate) const CLIENT_ID: &str = "5d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a";
pub(crate) const CLIENT_SECRET: &str = "kazi-test-secret~Vq82.zX";
pub(crate) const SUBSCRIPTION_KEY: &str = "4b617a69aa11bb22cc33dd44ee55ff66";
pub(crate) const TALENT_SCAN: &str = "8f14e45f-ceea-467a-9575-6d6a1b1f3f5e";
/// The API base path on the mock server, as on the sandbox.
pub(crate) const API: &str = "/kazi";

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

/// An application token granting `roles`, as Azure AD v1 issues for Kazi.
pub(crate) fn app_token(roles: &[&str]) -> String {
    jwt(&json!({
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
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    json!({
        "token_type": "Bearer",
        "expires_in": "3599",
        "ext_expires_in": "3599",
        "expires_on": (now + 3599).to_string(),
        "not_before": now.to_string(),
        "resource": DEFAULT_RESOURCE,
        "access_token": access_token,
    })
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
    Mock::given(method("POST"))
        .and(path(path_))
        .and(form_body(&token_form()))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(&token)))
        .expect(times)
        .named("azure ad v1 token endpoint")
        .mount(server)
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
    ClientBuilder::new()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .subscription_key(SUBSCRIPTION_KEY)
        .authority(server.uri())
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
}

/// Matches the headers every API call carries: the subscription key, bearer
/// `token`, JSON accepted, a user agent naming the crate.
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
            && header("accept").as_deref() == Some("application/json")
            && header("user-agent").is_some_and(|ua| ua.starts_with("kazi-tagging/"))
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
