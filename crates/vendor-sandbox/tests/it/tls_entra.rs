//! The sandbox over https, and Entra ID's discovery: OpenID configuration per tenant
//! (v1 and v2), the JWKS, and RS256 tokens that verify with the key it serves.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::Value;
use vendor_sandbox::{Sandbox, SandboxConfig, SandboxTls, Vendor};

use crate::support::{claims, json};

/// A client that trusts only `ca_pem`.
fn https(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn tls_sandbox() -> (Sandbox, reqwest::Client) {
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_tls(SandboxTls::generate().unwrap()))
            .await
            .unwrap();
    let client = https(sandbox.ca_certificate_pem().unwrap());
    (sandbox, client)
}

/// Verifies `token`'s RS256 signature with the JWKS key its `kid` names.
fn verify_with_jwks(token: &str, jwks: &Value) {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the JWKS serves the token's kid");
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    let part = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
    ring::signature::RsaPublicKeyComponents {
        n: part("n"),
        e: part("e"),
    }
    .verify(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        signing_input.as_bytes(),
        &URL_SAFE_NO_PAD.decode(signature).unwrap(),
    )
    .expect("the signature verifies with the JWKS key");
}

#[tokio::test]
async fn over_https_everything_is_served_and_trusted_through_the_ca() {
    let (sandbox, client) = tls_sandbox().await;
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    let vars = sandbox.env_vars();
    assert!(!vars
        .iter()
        .any(|(k, _)| k.ends_with("_ALLOW_INSECURE_LOOPBACK")));
    assert!(vars
        .iter()
        .any(|(k, v)| k == "AZURE_AUTHORITY_HOST" && v == sandbox.base_url()));

    // A token and an API call, then managed identity, on the same listener.
    let okq8 = sandbox.okq8();
    assert!(okq8.token_url.starts_with("https://"));
    let (status, body) = json(
        client
            .post(&okq8.token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &okq8.client_id),
                ("client_secret", &okq8.client_secret),
                ("scope", &okq8.scope),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let response = client
        .get(format!("{}core/v1/stations", okq8.base_url))
        .bearer_auth(token)
        .header("Ocp-Apim-Subscription-Key", &okq8.subscription_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mi = sandbox.managed_identity();
    let response = client
        .get(&mi.identity_endpoint)
        .query(&[
            ("api-version", "2019-08-01"),
            ("resource", "api://apim-sandbox-api"),
        ])
        .header("X-IDENTITY-HEADER", &mi.identity_header)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // A client that does not trust the CA fails the handshake.
    let untrusting = reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    assert!(untrusting.get(sandbox.base_url()).send().await.is_err());
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn openid_configuration_v2_and_v1_name_the_issuer_the_tokens_carry() {
    let (sandbox, client) = tls_sandbox().await;
    let base = sandbox.base_url().to_owned();
    let get = |url: String| {
        let client = client.clone();
        async move { json(client.get(url).send().await.unwrap()).await }
    };

    // OKQ8 v2, by its documented tenant id.
    let okq8 = sandbox.okq8();
    let tid = "a53d724c-15ea-4469-a987-82a5b30ec167";
    assert_eq!(okq8.tenant, tid);
    let (status, v2) = get(format!(
        "{base}/{tid}/v2.0/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{v2}");
    assert_eq!(v2["issuer"], format!("{base}/{tid}/v2.0"));
    assert_eq!(
        v2["token_endpoint"],
        format!("{base}/{tid}/oauth2/v2.0/token")
    );
    assert_eq!(v2["jwks_uri"], format!("{base}/{tid}/discovery/v2.0/keys"));
    assert_eq!(
        v2["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    let (_, jwks) = get(v2["jwks_uri"].as_str().unwrap().to_owned()).await;
    assert_eq!(jwks["keys"][0]["issuer"], v2["issuer"]);
    assert!(jwks["keys"][0]["x5c"][0].is_string());
    let token = sandbox.mint_token(Vendor::Okq8, 60);
    verify_with_jwks(&token, &jwks);
    assert_eq!(claims(&token)["iss"], v2["issuer"]);

    // Kazi v1, by its documented domain name: ids in the documents, v1 issuer.
    let kazi = sandbox.kazi();
    assert!(kazi
        .token_url
        .contains("/kazib2c.onmicrosoft.com/oauth2/token"));
    let (status, v1) = get(format!(
        "{base}/kazib2c.onmicrosoft.com/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["issuer"], format!("{base}/{}/", kazi.tenant));
    assert_eq!(
        v1["token_endpoint"],
        format!("{base}/{}/oauth2/token", kazi.tenant)
    );
    let (_, v1_keys) = get(v1["jwks_uri"].as_str().unwrap().to_owned()).await;
    let (status, body) = json(
        client
            .post(&kazi.token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &kazi.client_id),
                ("client_secret", &kazi.client_secret),
                ("resource", &kazi.resource),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    verify_with_jwks(token, &v1_keys);
    let kazi_claims = claims(token);
    assert_eq!(kazi_claims["iss"], v1["issuer"]);
    assert_eq!(kazi_claims["ver"], "1.0");
    assert_eq!(kazi_claims["tid"], kazi.tenant.as_str());

    // Kazi's resource asked through v2 still gets a v1 token (the resource decides).
    let (status, body) = json(
        client
            .post(format!("{base}/kazib2c.onmicrosoft.com/oauth2/v2.0/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", kazi.client_id.as_str()),
                ("client_secret", kazi.client_secret.as_str()),
                ("scope", &format!("{}/.default", kazi.resource)),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(claims(body["access_token"].as_str().unwrap())["ver"], "1.0");

    // An unknown tenant: 400 AADSTS90002, as Entra ID's discovery answers.
    let (status, body) = get(format!(
        "{base}/nobody.onmicrosoft.com/v2.0/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_codes"], serde_json::json!([90002]));
    // The keys answer for `common` too.
    let (status, _) = get(format!("{base}/common/discovery/v2.0/keys")).await;
    assert_eq!(status, StatusCode::OK);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn tls_in_a_directory_reuses_its_ca() {
    let dir = std::env::temp_dir().join(format!("vendor-sandbox-tls-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = SandboxTls::in_dir(&dir).unwrap();
    let second = SandboxTls::in_dir(&dir).unwrap();
    assert_eq!(first.ca_certificate_pem(), second.ca_certificate_pem());
    assert_ne!(first, second, "a fresh server certificate each time");
    assert_eq!(second.ca_file(), Some(dir.join("ca.pem")));
    assert!(!format!("{second:?}").contains("PRIVATE"));
    // A server on the reused CA is trusted by a client of the first.
    let sandbox = Sandbox::start(SandboxConfig::default().with_tls(second))
        .await
        .unwrap();
    let vars = sandbox.env_vars();
    let ca_file = dir.join("ca.pem").display().to_string();
    for name in ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"] {
        assert!(
            vars.iter().any(|(k, v)| k == name && *v == ca_file),
            "{name}"
        );
    }
    let response = https(first.ca_certificate_pem())
        .get(format!("{}/common/discovery/keys", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    sandbox.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn instance_and_user_realm_discovery_answer_as_msal_reads_them() {
    let (sandbox, client) = tls_sandbox().await;
    let base = sandbox.base_url().to_owned();
    let host = base.trim_start_matches("https://").to_owned();
    let keyavi = sandbox.keyavi();
    let (status, body) = json(
        client
            .get(format!("{base}/common/discovery/instance"))
            .query(&[
                ("api-version", "1.1"),
                (
                    "authorization_endpoint",
                    &format!("https://127.0.0.1/{}/oauth2/v2.0/authorize", keyavi.tenant),
                ),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["tenant_discovery_endpoint"],
        format!(
            "{base}/{}/v2.0/.well-known/openid-configuration",
            keyavi.tenant
        )
    );
    assert_eq!(body["metadata"][0]["aliases"], serde_json::json!([host]));
    let (status, body) = json(
        client
            .get(format!("{base}/common/userrealm/{}", keyavi.username))
            .query(&[("api-version", "1.0")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["account_type"], "Managed");
    sandbox.shutdown().await.unwrap();
}
