//! Helpers shared by the oauth-core integration tests.
//!
//! Each test binary uses a different subset of these.
#![allow(dead_code, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use base64::Engine as _;
use oauth_core::{Credentials, TokenClientBuilder, TokenEndpoint};
use wiremock::{Match, MockServer, Request};

/// Values distinctive enough that finding them in any output is a leak, not a coincidence.
pub const CLIENT_ID: &str = "0b6f3c1e-5a7d-4c2b-9e3f-app-client";
pub const CLIENT_SECRET: &str = "s3cr3t-7f1c9e-client";
pub const USERNAME: &str = "svc.tagging@kazib2c.onmicrosoft.com";
pub const PASSWORD: &str = "p4ssw0rd-2b8d41-user";
pub const ACCESS_TOKEN: &str = "at-9d2e4a7c-5b1f-token-value";
pub const TENANT: &str = "kazib2c.onmicrosoft.com";
pub const TENANT_GUID: &str = "a53d724c-15ea-4469-a987-82a5b30ec167";
pub const RESOURCE: &str = "d00b610c-389f-4a05-97cc-f9a934488c8b";

/// The `access_token` values of the token fixtures.
pub const V1_FIXTURE_TOKEN: &str = "v1-at-3c8e51d2-opaque-token-value";
pub const V2_FIXTURE_TOKEN: &str = "v2-at-8a41f0b6-opaque-token-value";

/// A fixture file from `tests/fixtures`, as text.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A fixture file from `tests/fixtures`, parsed.
pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

/// An unsigned JWT (`alg: none`) carrying `claims`.
pub fn unsigned_jwt(claims: &serde_json::Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    )
}

/// A minimal success answer.
pub fn token_answer(access_token: &str) -> serde_json::Value {
    serde_json::json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "access_token": access_token,
    })
}

/// A token client builder pointed at the mock server (`http://127.0.0.1:<port>`), with
/// client credentials.
pub fn builder_for(server: &MockServer, endpoint: TokenEndpoint) -> TokenClientBuilder {
    oauth_core::TokenClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET))
        .authority(server.uri())
        .allow_insecure_loopback(true)
}

/// The generic token URL on the mock server.
pub fn token_url(server: &MockServer) -> String {
    format!("{}/oauth2/token", server.uri())
}

/// Parses a form-urlencoded body into its pairs, in order.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).expect("form-urlencoded body")
}

/// Matches a form-urlencoded body holding exactly these parameters: each once, none
/// missing, none extra (order ignored, values compared after decoding).
pub struct FormBody(BTreeMap<String, String>);

pub fn form_body(pairs: &[(&str, &str)]) -> FormBody {
    FormBody(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

impl Match for FormBody {
    fn matches(&self, request: &Request) -> bool {
        let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&request.body) else {
            return false;
        };
        let map: BTreeMap<String, String> = pairs.iter().cloned().collect();
        map.len() == pairs.len() && map == self.0
    }
}

/// Fails if `text` contains any of `secrets`; `what` names the text in the message.
pub fn assert_free_of(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{what} leaks the secret `{secret}`:\n{text}"
        );
    }
}

/// Fails if the `Debug` (plain and pretty) or `Display` of `value` holds a secret.
pub fn assert_error_free_of<E: std::fmt::Debug + std::fmt::Display>(
    what: &str,
    value: &E,
    secrets: &[&str],
) {
    assert_free_of(&format!("{what} (Display)"), &value.to_string(), secrets);
    assert_free_of(&format!("{what} (Debug)"), &format!("{value:?}"), secrets);
    assert_free_of(
        &format!("{what} (Debug pretty)"),
        &format!("{value:#?}"),
        secrets,
    );
}

/// The default secrets of these tests.
pub const ALL_SECRETS: &[&str] = &[CLIENT_SECRET, PASSWORD, ACCESS_TOKEN];
