//! Every credential kind obtains a token from the sandbox, which verifies it for real
//! (signature against the registered certificate, audience, lifetime, replayed `jti`
//! refused), and the vendor API accepts that token.

use oauth_core::{Certificate, SigningAlgorithm};
use vendor_sandbox::{Vendor, TEST_CLIENT_CERTIFICATE_PEM, TEST_CLIENT_PRIVATE_KEY_PEM};
use workspace_tests::{kazi_builder, okq8_builder};

use crate::{bounded, sandbox};

fn certificate() -> Certificate {
    let pem = format!("{TEST_CLIENT_CERTIFICATE_PEM}\n{TEST_CLIENT_PRIVATE_KEY_PEM}");
    Certificate::from_pem(pem.as_bytes()).unwrap()
}

#[tokio::test]
async fn a_certificate_gets_a_token_the_kazi_api_accepts() {
    let sandbox = sandbox().await;
    let client_id = sandbox.kazi().client_id;
    let kazi = kazi_builder(&sandbox)
        .certificate(client_id, certificate())
        .build()
        .unwrap();
    let expectations = bounded(kazi.expectations().list()).await.unwrap();
    assert!(!expectations.is_empty());
    assert_eq!(sandbox.stats().token_requests_total(Vendor::Kazi), 1);
}

#[tokio::test]
async fn an_expired_certificate_is_refused_with_a_hint_to_renew_it() {
    let sandbox = sandbox().await;
    let client_id = sandbox.kazi().client_id;
    let pem = format!(
        "{}\n{TEST_CLIENT_PRIVATE_KEY_PEM}",
        vendor_sandbox::TEST_EXPIRED_CLIENT_CERTIFICATE_PEM
    );
    let kazi = kazi_builder(&sandbox)
        .certificate(client_id, Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let err = bounded(kazi.expectations().list()).await.unwrap_err();
    let vendor_core::Error::Token(oauth_core::TokenError::OAuth(oauth)) = &err else {
        panic!("an OAuth error: {err:?}");
    };
    assert!(oauth.has_aadsts(700_027), "{oauth:?}");
    assert!(oauth.hint().contains("expired"), "{}", oauth.hint());
    assert!(err.to_string().contains("expired"), "{err}");
    // Not retried: one token request, no API call.
    assert_eq!(sandbox.stats().token_requests_total(Vendor::Kazi), 1);
}

#[tokio::test]
async fn a_ps256_certificate_gets_a_token_the_okq8_api_accepts() {
    let sandbox = sandbox().await;
    let client_id = sandbox.okq8().client_id;
    let okq8 = okq8_builder(&sandbox)
        .certificate(
            client_id,
            certificate().with_algorithm(SigningAlgorithm::Ps256),
        )
        .build()
        .unwrap();
    let stations: serde_json::Value = bounded(okq8.get_json("core/v1/stations")).await.unwrap();
    assert!(stations.is_object() || stations.is_array(), "{stations}");
}

#[tokio::test]
async fn a_federated_token_is_read_at_each_request_and_never_replayed() {
    let sandbox = sandbox().await;
    let client_id = sandbox.kazi().client_id;
    let file = std::env::temp_dir().join(format!(
        "workspace-tests-federated-{}-{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::write(&file, sandbox.federated_token(Vendor::Kazi)).unwrap();
    let client = || {
        kazi_builder(&sandbox)
            .federated_token_file(client_id.clone(), &file)
            .build()
            .unwrap()
    };
    bounded(client().expectations().list()).await.unwrap();
    // The same token again (a second process, before rotation): the sandbox, like
    // Entra ID, refuses a replayed assertion.
    let err = bounded(client().expectations().list()).await.unwrap_err();
    assert!(
        matches!(&err, kazi_tagging::Error::Token(t) if t.oauth().is_some_and(|o| o.code() == "invalid_client")),
        "{err}"
    );
    // Kubernetes rotates the file: the next client reads the new token.
    std::fs::write(&file, sandbox.federated_token(Vendor::Kazi)).unwrap();
    bounded(client().expectations().list()).await.unwrap();
    std::fs::remove_file(&file).unwrap();
}

#[tokio::test]
async fn a_managed_identity_gets_a_token_the_kazi_api_accepts() {
    let sandbox = sandbox().await;
    let identity = sandbox.managed_identity();
    let kazi = kazi_builder(&sandbox)
        .managed_identity(None)
        .managed_identity_endpoint(identity.imds_endpoint)
        .build()
        .unwrap();
    let expectations = bounded(kazi.expectations().list()).await.unwrap();
    assert!(!expectations.is_empty());
}
