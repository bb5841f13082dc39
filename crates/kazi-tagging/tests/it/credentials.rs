//! Every way an application authenticates: a certificate, a federated token file,
//! the managed identity, a token provider the application already has.

use std::sync::Arc;
use test_support::credentials::{
    certificate_path, forbid_token_requests, pkcs12_path, PKCS12_PASSWORD,
};

use kazi_tagging::{Client, DEFAULT_RESOURCE};
use oauth_core::{AccessToken, Certificate, StaticTokenProvider};
use serde_json::json;
use test_support::assertions::{config_field, remove_env_vars};
use test_support::matchers::assertion_form;
use test_support::token_endpoint;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{api_headers, app_token, token_answer, token_path, API, CLIENT_ID, SUBSCRIPTION_KEY};

/// A builder on the mock server without credentials.
fn bare(server: &MockServer) -> kazi_tagging::ClientBuilder {
    Client::builder()
        .subscription_key(SUBSCRIPTION_KEY)
        .authority(server.uri())
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
}

/// Mounts the expectations list, to be called once with bearer `token`.
async fn mount_list(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{API}/tagging/v2/expectations")))
        .and(api_headers(token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .named("expectations")
        .mount(server)
        .await;
}

/// Mounts the v1 token endpoint expecting a client assertion (`assertion`, or any JWT).
async fn mount_assertion_token(server: &MockServer, assertion: Option<&str>) -> String {
    let token = app_token(&["read:expectations"]);
    Mock::given(method("POST"))
        .and(path(token_path()))
        .and(assertion_form(
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("resource", DEFAULT_RESOURCE),
            ],
            assertion,
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(&token)))
        .expect(1)
        .named("token endpoint with a client assertion")
        .mount(server)
        .await;
    token
}

/// Mounts the instance metadata endpoint at `/msi/token`, to be asked once for Kazi's
/// resource (by `client_id` when given).
async fn mount_identity(server: &MockServer, client_id: Option<&str>) -> String {
    let token = app_token(&["read:expectations"]);
    let mut mock = Mock::given(method("GET"))
        .and(path("/msi/token"))
        .and(header("Metadata", "true"))
        .and(query_param("resource", DEFAULT_RESOURCE));
    if let Some(id) = client_id {
        mock = mock.and(query_param("client_id", id));
    }
    mock.respond_with(
        ResponseTemplate::new(200)
            .set_body_json(token_endpoint::azure_v1_answer(&token, DEFAULT_RESOURCE)),
    )
    .expect(1)
    .named("managed identity endpoint")
    .mount(server)
    .await;
    token
}

#[tokio::test]
async fn a_certificate_signs_the_client_assertion() {
    let server = MockServer::start().await;
    let token = mount_assertion_token(&server, None).await;
    mount_list(&server, &token).await;
    let certificate = Certificate::from_pem_file(certificate_path()).unwrap();
    let client = bare(&server)
        .client_credentials("someone-else", "overridden")
        .certificate(CLIENT_ID, certificate)
        .build()
        .unwrap();
    assert!(client.expectations().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_federated_token_file_is_the_assertion() {
    let server = MockServer::start().await;
    let dir = std::env::temp_dir().join(format!("kazi-federated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    let federated = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
    std::fs::write(&file, format!("{federated}\n")).unwrap();
    let token = mount_assertion_token(&server, Some(federated)).await;
    mount_list(&server, &token).await;
    let client = bare(&server)
        .federated_token_file(CLIENT_ID, &file)
        .build()
        .unwrap();
    assert!(client.expectations().list().await.unwrap().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_managed_identity_gives_the_token() {
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = mount_identity(&server, Some("user-assigned-id")).await;
    mount_list(&server, &token).await;
    let client = bare(&server)
        .client_credentials(CLIENT_ID, "overridden")
        .managed_identity(Some("user-assigned-id".to_owned()))
        .managed_identity_endpoint(format!("{}/msi/token", server.uri()))
        .build()
        .unwrap();
    assert!(client.expectations().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_token_provider_replaces_the_credentials() {
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = app_token(&["read:expectations"]);
    mount_list(&server, &token).await;
    let provider = StaticTokenProvider::new(AccessToken::valid_for(
        token.clone(),
        std::time::Duration::from_secs(3600),
    ));
    let client = bare(&server)
        .token_provider(Arc::new(provider))
        .build()
        .unwrap();
    assert!(client.expectations().list().await.unwrap().is_empty());
    assert_eq!(client.token().await.unwrap().secret(), token);
}

/// The credential variables; run inside the crate's single environment test (the
/// variables are process-wide). Expects the other `KAZI_*` variables unset.
pub(crate) async fn environment_cases() {
    const VARS: [&str; 13] = [
        "KAZI_AUTHORITY_HOST",
        "AZURE_AUTHORITY_HOST",
        "KAZI_CLIENT_ID",
        "KAZI_CLIENT_SECRET",
        "KAZI_CLIENT_CERTIFICATE_PATH",
        "KAZI_CLIENT_CERTIFICATE_PASSWORD",
        "KAZI_FEDERATED_TOKEN_FILE",
        "KAZI_USE_MANAGED_IDENTITY",
        "KAZI_MANAGED_IDENTITY_CLIENT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "KAZI_SUBSCRIPTION_KEY",
    ];
    remove_env_vars(&VARS);
    std::env::set_var("KAZI_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    std::env::set_var("KAZI_CLIENT_ID", CLIENT_ID);
    // Two kinds: an error naming both variables.
    std::env::set_var("KAZI_CLIENT_SECRET", "s3cret");
    std::env::set_var("KAZI_CLIENT_CERTIFICATE_PATH", certificate_path());
    let err = Client::builder().read_env().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("KAZI_CLIENT_SECRET") && text.contains("KAZI_CLIENT_CERTIFICATE_PATH"),
        "{text}"
    );
    std::env::remove_var("KAZI_CLIENT_SECRET");
    std::env::set_var("KAZI_USE_MANAGED_IDENTITY", "1");
    let text = Client::builder().read_env().unwrap_err().to_string();
    assert!(
        text.contains("KAZI_CLIENT_CERTIFICATE_PATH") && text.contains("KAZI_USE_MANAGED_IDENTITY"),
        "{text}"
    );
    std::env::remove_var("KAZI_USE_MANAGED_IDENTITY");
    // A sovereign cloud: KAZI_AUTHORITY_HOST, else AZURE_AUTHORITY_HOST, by name or URL.
    std::env::set_var("AZURE_AUTHORITY_HOST", "AzureGovernment");
    let builder = Client::builder().read_env().unwrap();
    assert!(
        format!("{builder:?}").contains("https://login.microsoftonline.us"),
        "{builder:?}"
    );
    std::env::set_var("KAZI_AUTHORITY_HOST", "https://login.chinacloudapi.cn/");
    let builder = Client::builder().read_env().unwrap();
    assert!(
        format!("{builder:?}").contains("\"https://login.chinacloudapi.cn\""),
        "{builder:?}"
    );
    std::env::set_var("KAZI_AUTHORITY_HOST", "mars");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KAZI_AUTHORITY_HOST"
    );
    std::env::remove_var("KAZI_AUTHORITY_HOST");
    std::env::remove_var("AZURE_AUTHORITY_HOST");
    // A certificate password without a certificate.
    std::env::remove_var("KAZI_CLIENT_CERTIFICATE_PATH");
    std::env::set_var("KAZI_CLIENT_CERTIFICATE_PASSWORD", "pw");
    let err = Client::builder().read_env().unwrap_err();
    assert!(err.to_string().contains("PKCS#12"), "{err}");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KAZI_CLIENT_CERTIFICATE_PASSWORD"
    );
    // A PKCS#12 archive with the wrong password: the path's variable is named, the
    // password is not quoted.
    std::env::set_var("KAZI_CLIENT_CERTIFICATE_PATH", pkcs12_path());
    std::env::set_var("KAZI_CLIENT_CERTIFICATE_PASSWORD", "not-the-password");
    let err = Client::builder().read_env().unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
    assert!(!err.to_string().contains("not-the-password"), "{err}");
    assert!(!format!("{err:?}").contains("not-the-password"), "{err:?}");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KAZI_CLIENT_CERTIFICATE_PATH"
    );
    // ... and with the right one, a token through a signed assertion.
    std::env::set_var("KAZI_CLIENT_CERTIFICATE_PASSWORD", PKCS12_PASSWORD);
    let server = MockServer::start().await;
    let token = mount_assertion_token(&server, None).await;
    mount_list(&server, &token).await;
    let client = Client::builder()
        .read_env()
        .unwrap()
        .authority(server.uri())
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains(PKCS12_PASSWORD));
    assert!(client.expectations().list().await.unwrap().is_empty());
    std::env::remove_var("KAZI_CLIENT_CERTIFICATE_PASSWORD");

    // A PEM certificate from the environment.
    std::env::set_var("KAZI_CLIENT_CERTIFICATE_PATH", certificate_path());
    let server = MockServer::start().await;
    let token = mount_assertion_token(&server, None).await;
    mount_list(&server, &token).await;
    let client = Client::builder()
        .read_env()
        .unwrap()
        .authority(server.uri())
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert!(client.expectations().list().await.unwrap().is_empty());
    std::env::remove_var("KAZI_CLIENT_CERTIFICATE_PATH");

    // A federated token file, from AZURE_FEDERATED_TOKEN_FILE when the vendor's is unset.
    let server = MockServer::start().await;
    let file = std::env::temp_dir().join(format!("kazi-env-federated-{}", std::process::id()));
    std::fs::write(&file, "a.b.c").unwrap();
    std::env::set_var("AZURE_FEDERATED_TOKEN_FILE", &file);
    let token = mount_assertion_token(&server, Some("a.b.c")).await;
    mount_list(&server, &token).await;
    let client = Client::builder()
        .read_env()
        .unwrap()
        .authority(server.uri())
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert!(client.expectations().list().await.unwrap().is_empty());
    // ... but not over credentials the builder already has (the platform sets it in
    // every pod).
    std::env::remove_var("KAZI_CLIENT_ID");
    let in_code = Client::builder()
        .client_credentials(CLIENT_ID, "code-secret")
        .read_env()
        .unwrap();
    assert!(format!("{in_code:?}").contains("Secret"), "{in_code:?}");
    std::env::set_var("KAZI_CLIENT_ID", CLIENT_ID);
    std::env::remove_var("AZURE_FEDERATED_TOKEN_FILE");
    std::fs::remove_file(&file).unwrap();

    // The managed identity through the App Service variables, without KAZI_CLIENT_ID.
    let server = MockServer::start().await;
    forbid_token_requests(&server).await;
    let token = app_token(&["read:expectations"]);
    Mock::given(method("GET"))
        .and(path("/identity"))
        .and(header("X-IDENTITY-HEADER", "identity-header-secret"))
        .and(query_param("resource", DEFAULT_RESOURCE))
        .and(query_param("client_id", "mi-client"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_endpoint::azure_v1_answer(&token, DEFAULT_RESOURCE)),
        )
        .expect(1)
        .named("app service identity endpoint")
        .mount(&server)
        .await;
    mount_list(&server, &token).await;
    std::env::remove_var("KAZI_CLIENT_ID");
    std::env::set_var("KAZI_USE_MANAGED_IDENTITY", "1");
    std::env::set_var("KAZI_MANAGED_IDENTITY_CLIENT_ID", "mi-client");
    std::env::set_var("IDENTITY_ENDPOINT", format!("{}/identity", server.uri()));
    std::env::set_var("IDENTITY_HEADER", "identity-header-secret");
    let client = Client::builder()
        .read_env()
        .unwrap()
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert!(client.expectations().list().await.unwrap().is_empty());
    remove_env_vars(&VARS);
}
