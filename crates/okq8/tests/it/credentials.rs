//! Every way an application authenticates: a certificate, a federated token file,
//! the managed identity, a token provider the application already has.

use std::sync::Arc;
use std::time::Duration;
use test_support::credentials::{certificate_path, forbid_token_requests};

use oauth_core::{AccessToken, Certificate, StaticTokenProvider};
use okq8::{AuthMode, Client, ClientBuilder};
use serde_json::json;
use test_support::assertions::{config_field, remove_env_vars};
use test_support::matchers::assertion_form;
use test_support::token_endpoint;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    api_headers, app_token, default_scope, token_path, API, APP_ID_URI, CLIENT_ID, SUBSCRIPTION_KEY,
};

/// A builder on the mock server with a scope and no credentials.
fn bare(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .api(APP_ID_URI)
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

/// Mounts the stations call, to be made once with bearer `token`.
async fn mount_call(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{API}/core/v1/stations")))
        .and(api_headers(token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .named("stations")
        .mount(server)
        .await;
}

/// Mounts the v2 token endpoint expecting a client assertion (`assertion`, or any JWT).
async fn mount_assertion_token(server: &MockServer, assertion: Option<&str>) -> String {
    let token = app_token(&["default"]);
    let scope = default_scope();
    Mock::given(method("POST"))
        .and(path(token_path()))
        .and(assertion_form(
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("scope", &scope),
            ],
            assertion,
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(token_endpoint::azure_v2_answer(&token)),
        )
        .expect(1)
        .named("token endpoint with a client assertion")
        .mount(server)
        .await;
    token
}

#[tokio::test]
async fn a_certificate_signs_the_client_assertion() {
    let server = MockServer::start().await;
    let token = mount_assertion_token(&server, None).await;
    mount_call(&server, &token).await;
    let certificate = Certificate::from_pem_file(certificate_path()).unwrap();
    let client = bare(&server)
        .subscription_key_only()
        .api(APP_ID_URI)
        .certificate(CLIENT_ID, certificate)
        .build()
        .unwrap();
    assert_eq!(client.auth_mode(), AuthMode::OAuth);
    client.get_json("core/v1/stations").await.unwrap();
}

#[tokio::test]
async fn a_federated_token_file_is_the_assertion() {
    let server = MockServer::start().await;
    let file = std::env::temp_dir().join(format!("okq8-federated-{}", std::process::id()));
    let federated = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
    std::fs::write(&file, federated).unwrap();
    let token = mount_assertion_token(&server, Some(federated)).await;
    mount_call(&server, &token).await;
    let client = bare(&server)
        .client_credentials(CLIENT_ID, "overridden")
        .federated_token_file(CLIENT_ID, &file)
        .build()
        .unwrap();
    client.get_json("core/v1/stations").await.unwrap();
    std::fs::remove_file(&file).unwrap();
}

#[tokio::test]
async fn the_managed_identity_gives_the_token() {
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = app_token(&["default"]);
    Mock::given(method("GET"))
        .and(path("/msi/token"))
        .and(header("Metadata", "true"))
        .and(query_param("resource", APP_ID_URI))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_endpoint::azure_v1_answer(&token, APP_ID_URI)),
        )
        .expect(1)
        .named("managed identity endpoint")
        .mount(&server)
        .await;
    mount_call(&server, &token).await;
    let client = bare(&server)
        .managed_identity(None)
        .managed_identity_endpoint(format!("{}/msi/token", server.uri()))
        .build()
        .unwrap();
    client.get_json("core/v1/stations").await.unwrap();
}

#[tokio::test]
async fn a_token_provider_replaces_the_credentials() {
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = app_token(&["default"]);
    mount_call(&server, &token).await;
    let provider = StaticTokenProvider::new(AccessToken::valid_for(
        token.clone(),
        Duration::from_secs(3600),
    ));
    let client = Client::builder()
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
        .token_provider(Arc::new(provider))
        .build()
        .unwrap();
    assert_eq!(client.auth_mode(), AuthMode::OAuth);
    client.get_json("core/v1/stations").await.unwrap();
}

/// The credential variables; run inside the crate's single environment test (the
/// variables are process-wide). Leaves them all unset.
pub(crate) async fn environment_cases() {
    const VARS: [&str; 14] = [
        "OKQ8_CLIENT_ID",
        "OKQ8_CLIENT_SECRET",
        "OKQ8_CLIENT_CERTIFICATE_PATH",
        "OKQ8_CLIENT_CERTIFICATE_PASSWORD",
        "OKQ8_FEDERATED_TOKEN_FILE",
        "OKQ8_USE_MANAGED_IDENTITY",
        "OKQ8_MANAGED_IDENTITY_CLIENT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "OKQ8_SUBSCRIPTION_KEY",
        "OKQ8_BASE_URL",
        "OKQ8_SCOPE",
        "OKQ8_ALLOW_INSECURE_LOOPBACK",
    ];
    remove_env_vars(&VARS);
    let server = MockServer::start().await;
    std::env::set_var("OKQ8_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    std::env::set_var("OKQ8_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::set_var("OKQ8_ALLOW_INSECURE_LOOPBACK", "1");
    std::env::set_var("OKQ8_SCOPE", default_scope());
    std::env::set_var("OKQ8_CLIENT_ID", CLIENT_ID);
    // Two kinds: an error naming both variables.
    std::env::set_var("OKQ8_CLIENT_SECRET", "s3cret");
    std::env::set_var("OKQ8_CLIENT_CERTIFICATE_PATH", certificate_path());
    let text = Client::builder().read_env().unwrap_err().to_string();
    assert!(
        text.contains("OKQ8_CLIENT_SECRET") && text.contains("OKQ8_CLIENT_CERTIFICATE_PATH"),
        "{text}"
    );
    std::env::remove_var("OKQ8_CLIENT_SECRET");
    // A password is for a PKCS#12 archive, not a PEM file.
    std::env::set_var("OKQ8_CLIENT_CERTIFICATE_PASSWORD", "pw");
    let text = Client::builder().read_env().unwrap_err().to_string();
    assert!(text.contains("is PEM, but a password was given"), "{text}");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "OKQ8_CLIENT_CERTIFICATE_PATH"
    );
    std::env::remove_var("OKQ8_CLIENT_CERTIFICATE_PASSWORD");
    // A certificate from the environment.
    let token = mount_assertion_token(&server, None).await;
    mount_call(&server, &token).await;
    let client = Client::builder()
        .read_env()
        .unwrap()
        .authority(server.uri())
        .build()
        .unwrap();
    client.get_json("core/v1/stations").await.unwrap();
    std::env::remove_var("OKQ8_CLIENT_CERTIFICATE_PATH");

    // The managed identity through the App Service variables, without OKQ8_CLIENT_ID.
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = app_token(&["default"]);
    Mock::given(method("GET"))
        .and(path("/identity"))
        .and(header("X-IDENTITY-HEADER", "identity-header-secret"))
        .and(query_param("resource", APP_ID_URI))
        .and(query_param("client_id", "mi-client"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_endpoint::azure_v1_answer(&token, APP_ID_URI)),
        )
        .expect(1)
        .named("app service identity endpoint")
        .mount(&server)
        .await;
    mount_call(&server, &token).await;
    std::env::set_var("OKQ8_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::remove_var("OKQ8_CLIENT_ID");
    std::env::set_var("OKQ8_USE_MANAGED_IDENTITY", "1");
    std::env::set_var("OKQ8_MANAGED_IDENTITY_CLIENT_ID", "mi-client");
    std::env::set_var("IDENTITY_ENDPOINT", format!("{}/identity", server.uri()));
    std::env::set_var("IDENTITY_HEADER", "identity-header-secret");
    let client = Client::from_env().unwrap();
    assert_eq!(client.auth_mode(), AuthMode::OAuth);
    client.get_json("core/v1/stations").await.unwrap();
    remove_env_vars(&VARS);

    // Client credentials given in code are the credential: AZURE_FEDERATED_TOKEN_FILE,
    // the fallback of a builder that has none, is left alone (and OKQ8_CLIENT_ID is
    // not needed).
    let server = MockServer::start().await;
    let token = crate::mount_token(&server, &["default"]).await;
    mount_call(&server, &token).await;
    std::env::set_var("OKQ8_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    std::env::set_var("OKQ8_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::set_var("OKQ8_ALLOW_INSECURE_LOOPBACK", "1");
    std::env::set_var("OKQ8_SCOPE", default_scope());
    std::env::set_var("AZURE_FEDERATED_TOKEN_FILE", certificate_path());
    let client = Client::builder()
        .client_credentials(CLIENT_ID, crate::CLIENT_SECRET)
        .read_env()
        .unwrap()
        .authority(server.uri())
        .build()
        .unwrap();
    assert_eq!(client.auth_mode(), AuthMode::OAuth);
    client.get_json("core/v1/stations").await.unwrap();
    remove_env_vars(&VARS);
}
