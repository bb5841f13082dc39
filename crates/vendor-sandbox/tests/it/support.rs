//! Helpers shared by the integration tests.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use vendor_sandbox::{Sandbox, SandboxConfig};

pub const MISSING_KEY: &str = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";
pub const INVALID_KEY: &str = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";
pub const INVALID_TOKEN: &str = "Unauthorized. Access token is missing or invalid.";

pub async fn start() -> Sandbox {
    start_with(SandboxConfig::default()).await
}

pub async fn start_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn http() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// Status and JSON body.
pub async fn json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, value)
}

/// The payload of a JWT.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

pub async fn post_form(url: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    json(http().post(url).form(form).send().await.expect("request")).await
}

fn access_token(status: StatusCode, body: &Value) -> String {
    assert_eq!(status, StatusCode::OK, "token request failed: {body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub async fn kazi_token(sandbox: &Sandbox) -> String {
    let kazi = sandbox.kazi();
    kazi_token_for(sandbox, &kazi.client_id, &kazi.client_secret).await
}

pub async fn kazi_token_for(sandbox: &Sandbox, client_id: &str, secret: &str) -> String {
    let kazi = sandbox.kazi();
    let (status, body) = post_form(
        &kazi.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("resource", &kazi.resource),
        ],
    )
    .await;
    access_token(status, &body)
}

pub async fn v2_token(token_url: &str, client_id: &str, secret: &str, scope: &str) -> String {
    let (status, body) = post_form(
        token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", scope),
        ],
    )
    .await;
    access_token(status, &body)
}

pub async fn keyavi_app_token(sandbox: &Sandbox) -> String {
    let k = sandbox.keyavi();
    v2_token(&k.token_url, &k.client_id, &k.client_secret, &k.app_scope).await
}

pub async fn keyavi_user_token(sandbox: &Sandbox) -> String {
    let k = sandbox.keyavi();
    let (status, body) = post_form(
        &k.token_url,
        &[
            ("grant_type", "password"),
            ("client_id", &k.client_id),
            ("scope", &k.user_scope),
            ("username", &k.username),
            ("password", &k.password),
        ],
    )
    .await;
    access_token(status, &body)
}

pub async fn okq8_token(sandbox: &Sandbox, scope: &str) -> String {
    let o = sandbox.okq8();
    v2_token(&o.token_url, &o.client_id, &o.client_secret, scope).await
}

/// A `.default` token of the OKQ8 application granted the `get` level only.
pub async fn okq8_reader_token(sandbox: &Sandbox) -> String {
    let o = sandbox.okq8();
    v2_token(
        &o.token_url,
        &o.reader_client_id,
        &o.reader_client_secret,
        &o.scope,
    )
    .await
}

pub async fn kaisa_token(sandbox: &Sandbox) -> String {
    let k = sandbox.kaisa();
    let (status, body) = post_form(
        &k.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &k.client_id),
            ("client_secret", &k.client_secret),
        ],
    )
    .await;
    access_token(status, &body)
}

/// GET a Kazi path with the key and a token.
pub async fn kazi_get(sandbox: &Sandbox, token: &str, path_and_query: &str) -> (StatusCode, Value) {
    let kazi = sandbox.kazi();
    json(
        http()
            .get(format!("{}{path_and_query}", kazi.base_url))
            .header("Ocp-Apim-Subscription-Key", &kazi.subscription_key)
            .bearer_auth(token)
            .send()
            .await
            .expect("request"),
    )
    .await
}

/// Asserts an APIM-shaped error body.
pub fn assert_apim(status: StatusCode, body: &Value, expected: u16, message: &str) {
    assert_eq!(status.as_u16(), expected, "body: {body}");
    assert_eq!(body["statusCode"], expected, "body: {body}");
    assert_eq!(body["message"], message, "body: {body}");
}
