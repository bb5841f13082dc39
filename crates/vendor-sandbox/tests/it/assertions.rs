//! Client assertions (RFC 7523): certificate JWTs and federated tokens.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use reqwest::StatusCode;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256};
use serde_json::{json, Value};
use vendor_sandbox::{
    Sandbox, Vendor, JWT_BEARER_ASSERTION_TYPE, TEST_CLIENT_CERTIFICATE_X5T_S256,
    TEST_CLIENT_PRIVATE_KEY_PEM,
};

use crate::support::*;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn key() -> RsaKeyPair {
    let body: String = TEST_CLIENT_PRIVATE_KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    RsaKeyPair::from_pkcs8(&STANDARD.decode(body).unwrap()).unwrap()
}

fn jti() -> String {
    format!("test-{}-{}", now(), fastrand::u64(..))
}

/// A signed assertion with `alg` (RS256 or PS256) and `claims`.
fn sign(alg: &str, claims: &Value) -> String {
    sign_as(TEST_CLIENT_CERTIFICATE_X5T_S256, alg, claims)
}

/// The `x5t#S256` of a PEM certificate.
fn thumbprint(pem: &str) -> String {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body).unwrap();
    URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, &der))
}

/// As [`sign`], naming the certificate with thumbprint `x5t` (signed with the test key).
fn sign_as(x5t: &str, alg: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "typ": "JWT", "x5t#S256": x5t});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = key();
    let mut signature = vec![0; key.public().modulus_len()];
    let padding: &'static dyn ring::signature::RsaEncoding = if alg == "PS256" {
        &RSA_PSS_SHA256
    } else {
        &RSA_PKCS1_SHA256
    };
    key.sign(
        padding,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn claims(client_id: &str, aud: &str) -> Value {
    let now = now();
    json!({"aud": aud, "iss": client_id, "sub": client_id, "jti": jti(),
           "nbf": now, "iat": now, "exp": now + 300})
}

async fn kazi_with_assertion(sandbox: &Sandbox, assertion: &str) -> (StatusCode, Value) {
    let kazi = sandbox.kazi();
    post_form(
        &kazi.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kazi.client_id),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", assertion),
            ("resource", &kazi.resource),
        ],
    )
    .await
}

fn assert_refused(status: StatusCode, body: &Value, code: u64) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_client", "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
}

#[tokio::test]
async fn a_certificate_assertion_gets_a_token_the_kazi_api_accepts() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let assertion = sign("RS256", &claims(&kazi.client_id, &kazi.token_url));
    let (status, body) = kazi_with_assertion(&sandbox, &assertion).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let (status, body) = kazi_get(&sandbox, token, "/tagging/v2/expectations").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn ps256_assertions_work_on_v2_endpoints_without_client_id() {
    let sandbox = start().await;
    let o = sandbox.okq8();
    let assertion = sign("PS256", &claims(&o.client_id, &o.token_url));
    let (status, body) = post_form(
        &o.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", &assertion),
            ("scope", &o.scope),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let response = http()
        .get(format!("{}core/v1/stations", o.base_url))
        .header("Ocp-Apim-Subscription-Key", &o.subscription_key)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_tampered_signature_is_refused_with_700027() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let assertion = sign("RS256", &claims(&kazi.client_id, &kazi.token_url));
    let (input, signature) = assertion.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    bytes[10] ^= 0x01;
    let tampered = format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes));
    let (status, body) = kazi_with_assertion(&sandbox, &tampered).await;
    assert_refused(status, &body, 700_027);
}

#[tokio::test]
async fn an_unregistered_or_expired_certificate_is_refused_with_700027() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    // A certificate the app does not know (any thumbprint but the registered ones).
    let unknown = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let assertion = sign_as(&unknown, "RS256", &claims(&kazi.client_id, &kazi.token_url));
    let (status, body) = kazi_with_assertion(&sandbox, &assertion).await;
    assert_refused(status, &body, 700_027);
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains("The key was not found"),
        "{description}"
    );
    // The expired registration: the same key, refused because its time is over.
    let expired = thumbprint(vendor_sandbox::TEST_EXPIRED_CLIENT_CERTIFICATE_PEM);
    assert_ne!(expired, TEST_CLIENT_CERTIFICATE_X5T_S256);
    let assertion = sign_as(&expired, "RS256", &claims(&kazi.client_id, &kazi.token_url));
    let (status, body) = kazi_with_assertion(&sandbox, &assertion).await;
    assert_refused(status, &body, 700_027);
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains("The key used is expired"),
        "{description}"
    );
    assert!(description.contains(&expired), "{description}");
    // The registered one still works.
    let assertion = sign("RS256", &claims(&kazi.client_id, &kazi.token_url));
    assert_eq!(
        kazi_with_assertion(&sandbox, &assertion).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_expired_or_too_long_assertion_is_refused_with_700024() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let now = now();
    let mut expired = claims(&kazi.client_id, &kazi.token_url);
    expired["nbf"] = json!(now - 900);
    expired["iat"] = json!(now - 900);
    expired["exp"] = json!(now - 600);
    let (status, body) = kazi_with_assertion(&sandbox, &sign("RS256", &expired)).await;
    assert_refused(status, &body, 700_024);

    let mut too_long = claims(&kazi.client_id, &kazi.token_url);
    too_long["exp"] = json!(now + 3600);
    let (status, body) = kazi_with_assertion(&sandbox, &sign("RS256", &too_long)).await;
    assert_refused(status, &body, 700_024);

    let mut future = claims(&kazi.client_id, &kazi.token_url);
    future["nbf"] = json!(now + 300);
    future["exp"] = json!(now + 600);
    let (status, body) = kazi_with_assertion(&sandbox, &sign("RS256", &future)).await;
    assert_refused(status, &body, 700_024);
}

#[tokio::test]
async fn a_wrong_audience_is_refused_with_700023() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    // The v2.0 URL of the same tenant is not the v1 endpoint the request reached.
    let v2 = kazi
        .token_url
        .replace("/oauth2/token", "/oauth2/v2.0/token");
    let assertion = sign("RS256", &claims(&kazi.client_id, &v2));
    let (status, body) = kazi_with_assertion(&sandbox, &assertion).await;
    assert_refused(status, &body, 700_023);
}

#[tokio::test]
async fn a_wrong_issuer_is_refused_with_700021() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let mut other = claims(&kazi.client_id, &kazi.token_url);
    other["sub"] = json!(kazi.limited_client_id);
    let (status, body) = kazi_with_assertion(&sandbox, &sign("RS256", &other)).await;
    assert_refused(status, &body, 700_021);
}

#[tokio::test]
async fn malformed_assertions_are_refused_with_50027() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    for malformed in ["not-a-jwt", "a.b.c", "e30.e30"] {
        let (status, body) = kazi_with_assertion(&sandbox, malformed).await;
        assert_refused(status, &body, 50027);
    }
    let mut no_jti = claims(&kazi.client_id, &kazi.token_url);
    no_jti.as_object_mut().unwrap().remove("jti");
    let (status, body) = kazi_with_assertion(&sandbox, &sign("RS256", &no_jti)).await;
    assert_refused(status, &body, 50027);
}

#[tokio::test]
async fn a_replayed_assertion_is_refused() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let assertion = sign("RS256", &claims(&kazi.client_id, &kazi.token_url));
    let (status, body) = kazi_with_assertion(&sandbox, &assertion).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = kazi_with_assertion(&sandbox, &assertion).await;
    assert_refused(status, &body, 50027);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("already been used"),
        "{body}"
    );
}

#[tokio::test]
async fn federated_tokens_work_once_and_for_their_vendor_only() {
    let sandbox = start().await;
    let federated = sandbox.federated_token(Vendor::Kazi);
    let (status, body) = kazi_with_assertion(&sandbox, &federated).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = kazi_with_assertion(&sandbox, &federated).await;
    assert_refused(status, &body, 50027);

    let (status, body) =
        kazi_with_assertion(&sandbox, &sandbox.federated_token(Vendor::Okq8)).await;
    assert_refused(status, &body, 70021);

    // Another sandbox's federated token is not signed with this one's key.
    let other = start().await;
    let (status, body) = kazi_with_assertion(&sandbox, &other.federated_token(Vendor::Kazi)).await;
    assert_refused(status, &body, 700_027);
}

#[tokio::test]
async fn a_keyavi_federated_token_gets_a_token_for_the_keyavi_app() {
    let sandbox = start().await;
    let k = sandbox.keyavi();
    let (status, body) = post_form(
        &k.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &k.client_id),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", &sandbox.federated_token(Vendor::Keyavi)),
            ("scope", &k.app_scope),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        crate::support::claims(body["access_token"].as_str().unwrap())["aud"],
        k.app_id.as_str()
    );
}
