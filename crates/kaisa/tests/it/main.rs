//! Integration tests of the kaisa crate against wiremock servers on 127.0.0.1.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod customers;
mod sources;
mod statistics;

use std::collections::BTreeMap;

use kaisa::ClientBuilder;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

pub(crate) const CLIENT_ID: &str = "kaisa-test-client";
pub(crate) const CLIENT_SECRET: &str = "kaisa-test-secret~Qw7.z3Lp";
/// The API base on the mock server, before the version (as on the sandbox).
pub(crate) const PREFIX: &str = "/kaisa";
/// The token endpoint path on the mock server (as on the sandbox).
pub(crate) const TOKEN_PATH: &str = "/kaisa-auth/oauth2/token";

/// A fixture from `tests/fixtures`, parsed.
pub(crate) fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A JWT-shaped token like Kaisa's (unsigned).
pub(crate) fn kaisa_token() -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = json!({"aud": "kaisa-api", "iss": "https://auth.freespee.com", "sub": CLIENT_ID, "roles": ["api"]});
    format!(
        "{}.{}.sig",
        b64.encode(br#"{"alg":"none"}"#),
        b64.encode(claims.to_string())
    )
}

/// Kaisa's token answer: a 300 s token.
pub(crate) fn token_answer(token: &str) -> Value {
    json!({"access_token": token, "token_type": "Bearer", "expires_in": 300})
}

/// Mounts the token endpoint, asked exactly once with the form-encoded client
/// credentials; returns the token it hands out.
pub(crate) async fn mount_token(server: &MockServer) -> String {
    let token = kaisa_token();
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(&token)))
        .expect(1)
        .named("token endpoint")
        .mount(server)
        .await;
    token
}

/// A builder pointed at the mock server (version 2.4.9 by default).
pub(crate) fn builder(server: &MockServer) -> ClientBuilder {
    ClientBuilder::new(CLIENT_ID, CLIENT_SECRET)
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
pub(crate) struct ApiHeaders(String);

impl Match for ApiHeaders {
    fn matches(&self, request: &Request) -> bool {
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
        header("authorization") == Some(format!("Bearer {}", self.0).as_str())
            && header("user-agent").is_some_and(|ua| ua.starts_with("kaisa/"))
    }
}

pub(crate) fn api_headers(token: &str) -> ApiHeaders {
    ApiHeaders(token.to_owned())
}

/// Matches a query string holding exactly these parameters (order ignored).
pub(crate) struct ExactQuery(BTreeMap<String, String>);

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let count = pairs.len();
        count == self.0.len() && pairs.into_iter().collect::<BTreeMap<_, _>>() == self.0
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

/// Matches a url-encoded body holding exactly these parameters (order ignored), sent
/// with the url-encoded content type.
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
        is_form && count == self.0.len() && pairs.into_iter().collect::<BTreeMap<_, _>>() == self.0
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
