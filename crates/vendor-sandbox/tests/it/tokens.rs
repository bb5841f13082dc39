//! Token endpoint shapes and errors.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use vendor_sandbox::SandboxConfig;

use crate::support::*;

fn is_azure_timestamp(text: &str) -> bool {
    // YYYY-MM-DD HH:MM:SSZ
    let bytes = text.as_bytes();
    bytes.len() == 20
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b' ',
            13 | 16 => *b == b':',
            19 => *b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

fn assert_azure_error(status: StatusCode, body: &Value, http: u16, error: &str, code: u64) {
    assert_eq!(status.as_u16(), http, "body: {body}");
    assert_eq!(body["error"], error, "body: {body}");
    assert_eq!(body["error_codes"], json!([code]), "body: {body}");
    let description = body["error_description"].as_str().expect("description");
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert!(description.contains("\r\nTrace ID: "), "{description}");
    assert!(
        description.contains("\r\nCorrelation ID: "),
        "{description}"
    );
    assert!(description.contains("\r\nTimestamp: "), "{description}");
    assert!(
        is_azure_timestamp(body["timestamp"].as_str().expect("timestamp")),
        "{body}"
    );
    assert_eq!(body["trace_id"].as_str().map(str::len), Some(36), "{body}");
    assert_eq!(
        body["correlation_id"].as_str().map(str::len),
        Some(36),
        "{body}"
    );
}

#[tokio::test]
async fn azure_v1_answers_with_strings_and_roles_in_the_token() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let (status, body) = post_form(
        &kazi.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kazi.client_id),
            ("client_secret", &kazi.client_secret),
            ("resource", &kazi.resource),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], "3599");
    assert_eq!(body["ext_expires_in"], "3599");
    assert_eq!(body["resource"], kazi.resource.as_str());
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    let not_before: i64 = body["not_before"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires_on - not_before, 3599);

    let claims = claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], kazi.resource.as_str());
    assert_eq!(claims["tid"], kazi.tenant.as_str());
    // A v1 access token: `appid`/`appidacr` (1: a secret), no `azp`; issuer
    // `{authority}/{tid}/` where production has `https://sts.windows.net/{tid}/`.
    assert_eq!(claims["appid"], kazi.client_id.as_str());
    assert_eq!(claims["appidacr"], "1");
    assert!(claims.get("azp").is_none());
    assert_eq!(claims["ver"], "1.0");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["exp"].as_i64(), Some(expires_on));
    assert_eq!(
        claims["iss"],
        format!("{}/{}/", kazi.authority, kazi.tenant).as_str()
    );
    assert!(claims["uti"].is_string());
    assert!(claims["oid"].is_string() && claims["nbf"].is_i64() && claims["iat"].is_i64());
    let roles = claims["roles"].as_array().expect("roles array");
    assert!(roles.contains(&json!("read:expectations")));
    assert!(roles.contains(&json!("read:talentscans")));
    assert!(claims.get("scp").is_none());
}

#[tokio::test]
async fn limited_client_lacks_read_expectations() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let token = kazi_token_for(
        &sandbox,
        &kazi.limited_client_id,
        &kazi.limited_client_secret,
    )
    .await;
    let roles = claims(&token)["roles"].clone();
    assert_eq!(roles, json!(["read:talentscans"]));
}

#[tokio::test]
async fn client_secret_basic_is_accepted() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let response = http()
        .post(&kazi.token_url)
        .basic_auth(&kazi.client_id, Some(&kazi.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", &kazi.resource),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn v1_without_resource_is_invalid_request() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let (status, body) = post_form(
        &kazi.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kazi.client_id),
            ("client_secret", &kazi.client_secret),
        ],
    )
    .await;
    assert_azure_error(status, &body, 400, "invalid_request", 50001);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("'resource'"));
}

#[tokio::test]
async fn wrong_secret_is_invalid_client_without_echoing_it() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let wrong = "not-the-secret-Zq81";
    let response = http()
        .post(&kazi.token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", kazi.client_id.as_str()),
            ("client_secret", wrong),
            ("resource", kazi.resource.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["x-ms-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    assert!(!text.contains(wrong), "secret echoed: {text}");
    assert!(
        !text.contains(&kazi.client_secret),
        "real secret leaked: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_azure_error(
        StatusCode::UNAUTHORIZED,
        &body,
        401,
        "invalid_client",
        7_000_215,
    );
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215: Invalid client secret provided."));
    assert_eq!(body["trace_id"], request_id.as_str());

    // Same on v2, which also carries error_uri.
    let okq8 = sandbox.okq8();
    let (status, body) = post_form(
        &okq8.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &okq8.client_id),
            ("client_secret", wrong),
            ("scope", &okq8.scope),
        ],
    )
    .await;
    assert_azure_error(status, &body, 401, "invalid_client", 7_000_215);
    assert_eq!(
        body["error_uri"],
        "https://login.microsoftonline.com/error?code=7000215"
    );
}

#[tokio::test]
async fn unknown_client_and_unknown_tenant() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let (status, body) = post_form(
        &kazi.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "00000000-0000-4000-8000-000000000000"),
            ("client_secret", "x"),
            ("resource", &kazi.resource),
        ],
    )
    .await;
    assert_azure_error(status, &body, 400, "unauthorized_client", 700_016);

    let url = format!(
        "{}/login/no-such-tenant/oauth2/v2.0/token",
        sandbox.base_url()
    );
    let (status, body) = post_form(&url, &[("grant_type", "client_credentials")]).await;
    assert_azure_error(status, &body, 400, "invalid_request", 90002);
}

#[tokio::test]
async fn azure_v2_answers_with_numbers_and_scoped_roles() {
    let sandbox = start().await;
    let okq8 = sandbox.okq8();
    let (status, body) = post_form(
        &okq8.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &okq8.client_id),
            ("client_secret", &okq8.client_secret),
            ("scope", &okq8.scope),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    assert!(body.get("expires_on").is_none());
    let claims_all = claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims_all["roles"], json!(["get", "post", "put", "delete"]));
    assert_eq!(claims_all["tid"], okq8.tenant.as_str());

    let get_only = okq8_reader_token(&sandbox).await;
    assert_eq!(claims(&get_only)["roles"], json!(["get"]));
    // An access level is an app role, not a scope: client credentials asking for
    // `.../get` are refused as Entra ID refuses them.
    let (status, body) = post_form(
        &okq8.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &okq8.client_id),
            ("client_secret", &okq8.client_secret),
            ("scope", "api://apim-sandbox-api/get"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_scope");
    assert_eq!(body["error_codes"], json!([1002012]));

    let keyavi = keyavi_app_token(&sandbox).await;
    let keyavi_claims = claims(&keyavi);
    assert_eq!(
        keyavi_claims["roles"],
        json!(["Payloads.Protect", "Logs.Read"])
    );
    assert_eq!(keyavi_claims["aud"], sandbox.keyavi().app_id.as_str());

    // Two tokens asked for in the same second still differ, by their `uti`.
    let again = okq8_token(&sandbox, "api://apim-sandbox-api/.default").await;
    assert_ne!(again, get_only);
    assert_ne!(claims(&again)["uti"], claims(&get_only)["uti"]);
    // A v2 access token: `azp`/`azpacr`, no `appid`; issuer `{authority}/{tid}/v2.0`.
    let okq8 = sandbox.okq8();
    let v2 = claims(&again);
    assert_eq!(v2["ver"], "2.0");
    assert_eq!(v2["azp"], okq8.client_id.as_str());
    assert_eq!(v2["azpacr"], "1");
    assert!(v2.get("appid").is_none());
    assert_eq!(
        v2["iss"],
        format!("{}/{}/v2.0", okq8.authority, okq8.tenant).as_str()
    );
}

#[tokio::test]
async fn invalid_scope_is_rejected() {
    let sandbox = start().await;
    let okq8 = sandbox.okq8();
    let (status, body) = post_form(
        &okq8.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &okq8.client_id),
            ("client_secret", &okq8.client_secret),
            ("scope", "api://apim-sandbox-api/read.everything"),
        ],
    )
    .await;
    assert_azure_error(status, &body, 400, "invalid_scope", 70011);
    assert_eq!(
        body["error_uri"],
        "https://login.microsoftonline.com/error?code=70011"
    );
}

#[tokio::test]
async fn password_grant_issues_user_tokens_and_checks_the_password() {
    let sandbox = start().await;
    let token = keyavi_user_token(&sandbox).await;
    let claims = claims(&token);
    assert_eq!(claims["idtyp"], "user");
    assert_eq!(claims["scp"], "access_as_user");
    assert!(claims.get("roles").is_none());

    let k = sandbox.keyavi();
    let (status, body) = post_form(
        &k.token_url,
        &[
            ("grant_type", "password"),
            ("client_id", &k.client_id),
            ("scope", &k.user_scope),
            ("username", &k.username),
            ("password", "wrong-password"),
        ],
    )
    .await;
    assert_azure_error(status, &body, 400, "invalid_grant", 50126);
    assert!(!body.to_string().contains("wrong-password"));
}

#[tokio::test]
async fn kaisa_accepts_form_and_json_and_rejects_a_wrong_secret() {
    let sandbox = start().await;
    let kaisa = sandbox.kaisa();
    let (status, body) = post_form(
        &kaisa.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kaisa.client_id),
            ("client_secret", &kaisa.client_secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["token_type"], "Bearer");

    let response = http()
        .post(&kaisa.token_url)
        .json(&json!({
            "grant_type": "client_credentials",
            "client_id": kaisa.client_id,
            "client_secret": kaisa.client_secret,
        }))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());

    let (status, body) = post_form(
        &kaisa.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kaisa.client_id),
            ("client_secret", "guess-123"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].is_string());
    assert!(!body.to_string().contains("guess-123"));
}

#[tokio::test]
async fn configured_token_lifetime_is_used() {
    let sandbox =
        start_with(SandboxConfig::default().with_token_lifetime(Duration::from_secs(60))).await;
    let kazi = sandbox.kazi();
    let (_, body) = post_form(
        &kazi.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kazi.client_id),
            ("client_secret", &kazi.client_secret),
            ("resource", &kazi.resource),
        ],
    )
    .await;
    assert_eq!(body["expires_in"], "60");
}
