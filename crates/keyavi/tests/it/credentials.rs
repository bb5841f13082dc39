//! Application mode's other credentials: a certificate, a federated token file, the
//! managed identity; and a token provider the application already has.

use std::sync::Arc;
use std::time::Duration;
use test_support::credentials::{
    certificate_path, forbid_token_requests, pkcs12_path, PKCS12_PASSWORD,
};

use keyavi::{AuthMode, CallerId, Client, ClientBuilder, CALLER_ID_HEADER};
use oauth_core::{AccessToken, Certificate, StaticTokenProvider};
use serde_json::json;
use test_support::assertions::{config_field, remove_env_vars};
use test_support::matchers::assertion_form;
use test_support::token_endpoint;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    api_headers, app_token, mount_app_token, token_path, API, APP_ID, CALLER, CLIENT_ID,
    CLIENT_SECRET, SUBSCRIPTION_KEY, TENANT,
};

fn caller() -> CallerId {
    CallerId::parse(CALLER).unwrap()
}

/// A builder on the mock server without credentials.
fn bare(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .tenant(TENANT)
        .app_id(APP_ID)
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
}

/// Mounts an endpoint the crate does not model, to be called once with bearer
/// `token` and the caller id.
async fn mount_call(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{API}/payloads/policies")))
        .and(api_headers(token))
        .and(header(CALLER_ID_HEADER, CALLER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .named("payloads/policies")
        .mount(server)
        .await;
}

async fn call(client: &Client) {
    let answer: serde_json::Value = client
        .api_client()
        .send(vendor_core::Request::get("payloads/policies"))
        .await
        .unwrap();
    assert_eq!(answer["items"], json!([]));
}

/// Mounts the v2 token endpoint expecting a client assertion (`assertion`, or any JWT).
async fn mount_assertion_token(server: &MockServer, assertion: Option<&str>) -> String {
    let token = app_token(&["Logs.Read"]);
    let scope = format!("{APP_ID}/.default");
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
    // The caller id given to `.app(..)` is kept; the certificate replaces the secret.
    let client = bare(&server)
        .app(CLIENT_ID, "overridden", caller())
        .certificate(CLIENT_ID, certificate)
        .build()
        .unwrap();
    assert_eq!(client.auth_mode(), AuthMode::App);
    call(&client).await;
    // Without a caller id, application mode is refused, naming it.
    let certificate = Certificate::from_pem_file(certificate_path()).unwrap();
    assert_eq!(
        config_field(bare(&server).certificate(CLIENT_ID, certificate).build()),
        "caller_id"
    );
}

#[tokio::test]
async fn a_federated_token_file_is_the_assertion() {
    let server = MockServer::start().await;
    let file = std::env::temp_dir().join(format!("keyavi-federated-{}", std::process::id()));
    let federated = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
    std::fs::write(&file, federated).unwrap();
    let token = mount_assertion_token(&server, Some(federated)).await;
    mount_call(&server, &token).await;
    let client = bare(&server)
        .federated_token_file(CLIENT_ID, &file)
        .caller_id(caller())
        .build()
        .unwrap();
    call(&client).await;
    std::fs::remove_file(&file).unwrap();
}

#[tokio::test]
async fn the_managed_identity_gives_the_token() {
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = app_token(&["Logs.Read"]);
    Mock::given(method("GET"))
        .and(path("/msi/token"))
        .and(header("Metadata", "true"))
        .and(query_param("resource", APP_ID))
        .and(query_param("client_id", "mi-client"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_endpoint::azure_v1_answer(&token, APP_ID)),
        )
        .expect(1)
        .named("managed identity endpoint")
        .mount(&server)
        .await;
    mount_call(&server, &token).await;
    let client = bare(&server)
        .caller_id(caller())
        .managed_identity(Some("mi-client".to_owned()))
        .managed_identity_endpoint(format!("{}/msi/token", server.uri()))
        .build()
        .unwrap();
    call(&client).await;
}

#[tokio::test]
async fn a_token_provider_replaces_the_credentials() {
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = app_token(&["Logs.Read"]);
    mount_call(&server, &token).await;
    let provider = StaticTokenProvider::new(AccessToken::valid_for(
        token.clone(),
        Duration::from_secs(3600),
    ));
    let client = Client::builder()
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
        .caller_id(caller())
        .token_provider(Arc::new(provider))
        .build()
        .unwrap();
    call(&client).await;
}

/// The credential variables; run inside the crate's single environment test (the
/// variables are process-wide). Leaves them all unset.
pub(crate) async fn environment_cases() {
    const VARS: [&str; 17] = [
        "KEYAVI_CLIENT_ID",
        "KEYAVI_CLIENT_SECRET",
        "KEYAVI_CLIENT_CERTIFICATE_PATH",
        "KEYAVI_CLIENT_CERTIFICATE_PASSWORD",
        "KEYAVI_FEDERATED_TOKEN_FILE",
        "KEYAVI_USE_MANAGED_IDENTITY",
        "KEYAVI_MANAGED_IDENTITY_CLIENT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "KEYAVI_SUBSCRIPTION_KEY",
        "KEYAVI_BASE_URL",
        "KEYAVI_TENANT_ID",
        "KEYAVI_CALLER_ID",
        "KEYAVI_SCOPE",
        "KEYAVI_USERNAME",
        "KEYAVI_ALLOW_INSECURE_LOOPBACK",
    ];
    remove_env_vars(&VARS);
    let server = MockServer::start().await;
    std::env::set_var("KEYAVI_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    std::env::set_var("KEYAVI_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::set_var("KEYAVI_ALLOW_INSECURE_LOOPBACK", "1");
    std::env::set_var("KEYAVI_TENANT_ID", TENANT);
    std::env::set_var("KEYAVI_CALLER_ID", CALLER);
    std::env::set_var("KEYAVI_SCOPE", format!("{APP_ID}/.default"));
    std::env::set_var("KEYAVI_CLIENT_ID", CLIENT_ID);
    // Two kinds: an error naming both variables.
    std::env::set_var("KEYAVI_CLIENT_SECRET", "s3cret");
    std::env::set_var("KEYAVI_CLIENT_CERTIFICATE_PATH", certificate_path());
    let text = Client::builder().read_env().unwrap_err().to_string();
    assert!(
        text.contains("KEYAVI_CLIENT_SECRET") && text.contains("KEYAVI_CLIENT_CERTIFICATE_PATH"),
        "{text}"
    );
    std::env::remove_var("KEYAVI_CLIENT_SECRET");
    // A certificate password without a certificate.
    std::env::remove_var("KEYAVI_CLIENT_CERTIFICATE_PATH");
    std::env::set_var("KEYAVI_CLIENT_CERTIFICATE_PASSWORD", "pw");
    let text = Client::builder().read_env().unwrap_err().to_string();
    assert!(text.contains("PKCS#12"), "{text}");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KEYAVI_CLIENT_CERTIFICATE_PASSWORD"
    );
    // From here on, the certificate is a PKCS#12 archive with its password.
    std::env::set_var("KEYAVI_CLIENT_CERTIFICATE_PATH", pkcs12_path());
    std::env::set_var("KEYAVI_CLIENT_CERTIFICATE_PASSWORD", PKCS12_PASSWORD);
    // A certificate is for application mode only.
    std::env::set_var("KEYAVI_USERNAME", "jane@contoso.example");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KEYAVI_USERNAME"
    );
    std::env::remove_var("KEYAVI_USERNAME");
    // A certificate from the environment.
    let token = mount_assertion_token(&server, None).await;
    mount_call(&server, &token).await;
    let client = Client::builder()
        .read_env()
        .unwrap()
        .authority(server.uri())
        .build()
        .unwrap();
    call(&client).await;
    std::env::remove_var("KEYAVI_CLIENT_CERTIFICATE_PATH");
    std::env::remove_var("KEYAVI_CLIENT_CERTIFICATE_PASSWORD");

    // The managed identity through the App Service variables, without KEYAVI_CLIENT_ID.
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = app_token(&["Logs.Read"]);
    Mock::given(method("GET"))
        .and(path("/identity"))
        .and(header("X-IDENTITY-HEADER", "identity-header-secret"))
        .and(query_param("resource", APP_ID))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_endpoint::azure_v1_answer(&token, APP_ID)),
        )
        .expect(1)
        .named("app service identity endpoint")
        .mount(&server)
        .await;
    mount_call(&server, &token).await;
    std::env::set_var("KEYAVI_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::remove_var("KEYAVI_CLIENT_ID");
    std::env::set_var("KEYAVI_USE_MANAGED_IDENTITY", "1");
    std::env::set_var("IDENTITY_ENDPOINT", format!("{}/identity", server.uri()));
    std::env::set_var("IDENTITY_HEADER", "identity-header-secret");
    let client = Client::from_env().unwrap();
    assert_eq!(client.auth_mode(), AuthMode::App);
    call(&client).await;
    remove_env_vars(&VARS);

    // A client secret given in code is the credential: AZURE_FEDERATED_TOKEN_FILE,
    // the fallback of a builder that has none, is left alone.
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    mount_call(&server, &token).await;
    std::env::set_var("KEYAVI_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    std::env::set_var("KEYAVI_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::set_var("KEYAVI_ALLOW_INSECURE_LOOPBACK", "1");
    std::env::set_var("KEYAVI_TENANT_ID", TENANT);
    std::env::set_var("KEYAVI_CALLER_ID", CALLER);
    std::env::set_var("KEYAVI_SCOPE", format!("{APP_ID}/.default"));
    std::env::set_var("KEYAVI_CLIENT_ID", CLIENT_ID);
    std::env::set_var("AZURE_FEDERATED_TOKEN_FILE", certificate_path());
    let client = Client::builder()
        .client_secret(CLIENT_SECRET)
        .read_env()
        .unwrap()
        .authority(server.uri())
        .build()
        .unwrap();
    assert_eq!(client.auth_mode(), AuthMode::App);
    call(&client).await;
    remove_env_vars(&VARS);

    // A builder whose mode was chosen in code (a caller id: application mode) does
    // not take AZURE_FEDERATED_TOKEN_FILE, which may be another workload's: without a
    // credential, the secret it needs is named.
    std::env::set_var("KEYAVI_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    std::env::set_var("KEYAVI_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::set_var("KEYAVI_ALLOW_INSECURE_LOOPBACK", "1");
    std::env::set_var("KEYAVI_TENANT_ID", TENANT);
    std::env::set_var("KEYAVI_SCOPE", format!("{APP_ID}/.default"));
    std::env::set_var("KEYAVI_CLIENT_ID", CLIENT_ID);
    std::env::set_var("AZURE_FEDERATED_TOKEN_FILE", certificate_path());
    let builder = Client::builder().caller_id(caller()).read_env().unwrap();
    assert_eq!(config_field(builder.build()), "client_secret");
    remove_env_vars(&VARS);

    // With a token provider, no caller id (nor tenant, client or scope) variable is
    // required.
    std::env::set_var("KEYAVI_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    std::env::set_var("KEYAVI_BASE_URL", format!("{}{API}/", server.uri()));
    let provider = StaticTokenProvider::new(AccessToken::valid_for(
        app_token(&["Logs.Read"]),
        Duration::from_secs(3600),
    ));
    let read = Client::builder()
        .token_provider(Arc::new(provider))
        .read_env();
    assert!(read.is_ok(), "{:?}", read.err());
    remove_env_vars(&VARS);
}
