//! Building the client: required settings, modes, from_env, secrets in Debug.

use okq8::{AuthMode, Client, ClientBuilder};
use serde_json::json;
use test_support::assertions::{assert_no_secret, config_field, remove_env_vars};
use test_support::matchers::form_body;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    api_headers, key_only_headers, API, APP_ID_URI, CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY,
};

fn complete() -> ClientBuilder {
    Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(format!("{APP_ID_URI}/.default"))
        .base_url("https://api.okq8.example/")
        .subscription_key(SUBSCRIPTION_KEY)
}

#[test]
fn build_names_what_is_missing() {
    assert!(complete().build().is_ok());
    assert_eq!(
        config_field(
            Client::builder()
                .scope("api://x/.default")
                .base_url("https://api.okq8.example/")
                .subscription_key(SUBSCRIPTION_KEY)
                .build()
        ),
        "credentials"
    );
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .base_url("https://api.okq8.example/")
                .subscription_key(SUBSCRIPTION_KEY)
                .build()
        ),
        "scope"
    );
    assert_eq!(config_field(complete().scope(" ").build()), "scope");
    assert_eq!(config_field(complete().tenant("").build()), "tenant");
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .scope("api://x/.default")
                .subscription_key(SUBSCRIPTION_KEY)
                .build()
        ),
        "base_url"
    );
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .scope("api://x/.default")
                .base_url("https://api.okq8.example/")
                .build()
        ),
        "subscription_key"
    );
    assert_eq!(
        config_field(
            Client::builder()
                .subscription_key_only()
                .base_url("https://api.okq8.example/")
                .build()
        ),
        "subscription_key"
    );
    // Last call wins: credentials after key-only choose OAuth, which needs a scope.
    assert_eq!(
        config_field(
            Client::builder()
                .subscription_key_only()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .base_url("https://api.okq8.example/")
                .subscription_key(SUBSCRIPTION_KEY)
                .build()
        ),
        "scope"
    );
    assert_eq!(
        config_field(complete().base_url("http://api.okq8.example/").build()),
        "base_url"
    );
    let key_only = Client::builder()
        .subscription_key_only()
        .base_url("https://api.okq8.example/public")
        .subscription_key(SUBSCRIPTION_KEY)
        .build()
        .unwrap();
    assert_eq!(key_only.auth_mode(), AuthMode::SubscriptionKeyOnly);
    assert_eq!(key_only.base_url(), "https://api.okq8.example/public");
}

#[test]
fn debug_never_shows_secrets() {
    let builder = complete();
    let text = format!("{builder:?}");
    assert!(text.contains(CLIENT_ID), "{text}");
    assert_no_secret(&text, &[CLIENT_SECRET, SUBSCRIPTION_KEY]);
    let client = builder.build().unwrap();
    let text = format!("{client:?}");
    assert!(text.contains("api.okq8.example"), "{text}");
    assert_no_secret(&text, &[CLIENT_SECRET, SUBSCRIPTION_KEY]);
    let request = client
        .request::<serde_json::Value>(okq8::Method::GET, "core/v1/stations")
        .query(&[("page", 1)]);
    assert!(format!("{request:?}").contains("page=1"));
}

/// All environment variable cases in one test: the variables are process-wide.
#[tokio::test]
async fn from_env_reads_and_names_variables() {
    const VARS: [&str; 8] = [
        "OKQ8_TENANT_ID",
        "OKQ8_CLIENT_ID",
        "OKQ8_CLIENT_SECRET",
        "OKQ8_SCOPE",
        "OKQ8_SUBSCRIPTION_KEY",
        "OKQ8_BASE_URL",
        "OKQ8_TOKEN_URL",
        "OKQ8_ALLOW_INSECURE_LOOPBACK",
    ];
    let clear = || remove_env_vars(&VARS);
    clear();
    assert_eq!(config_field(ClientBuilder::from_env()), "OKQ8_BASE_URL");
    assert_eq!(config_field(Client::builder().read_env()), "OKQ8_BASE_URL");
    // `read_env` requires only what the builder does not already have.
    let in_code = complete().read_env().unwrap().build().unwrap();
    assert_eq!(in_code.auth_mode(), AuthMode::OAuth);
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .base_url("https://api.okq8.example/")
                .subscription_key(SUBSCRIPTION_KEY)
                .read_env()
        ),
        "OKQ8_SCOPE"
    );
    std::env::set_var("OKQ8_BASE_URL", "https://api.okq8.example/");
    assert_eq!(config_field(Client::from_env()), "OKQ8_SUBSCRIPTION_KEY");
    std::env::set_var("OKQ8_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);

    // Neither client id nor secret: subscription key only.
    assert_eq!(
        Client::from_env().unwrap().auth_mode(),
        AuthMode::SubscriptionKeyOnly
    );
    // ... unless code then gives credentials: the last mode set wins.
    let oauth_in_code = ClientBuilder::from_env()
        .unwrap()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(format!("{APP_ID_URI}/.default"))
        .build()
        .unwrap();
    assert_eq!(oauth_in_code.auth_mode(), AuthMode::OAuth);
    // Or had them before reading the environment.
    let oauth_in_code = Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(format!("{APP_ID_URI}/.default"))
        .read_env()
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(oauth_in_code.auth_mode(), AuthMode::OAuth);
    // One without the other is a mistake, named.
    std::env::set_var("OKQ8_CLIENT_ID", CLIENT_ID);
    assert_eq!(
        config_field(ClientBuilder::from_env()),
        "OKQ8_CLIENT_SECRET"
    );
    std::env::remove_var("OKQ8_CLIENT_ID");
    std::env::set_var("OKQ8_CLIENT_SECRET", CLIENT_SECRET);
    assert_eq!(config_field(ClientBuilder::from_env()), "OKQ8_CLIENT_ID");
    std::env::set_var("OKQ8_CLIENT_ID", CLIENT_ID);
    assert_eq!(config_field(ClientBuilder::from_env()), "OKQ8_SCOPE");

    // Full OAuth configuration, pointed at the mock server.
    let server = MockServer::start().await;
    let scope = format!("{APP_ID_URI}/.default");
    let token = {
        // OKQ8_TOKEN_URL replaces the tenant's endpoint; a custom tenant is still read.
        let token = crate::app_token(&["get"]);
        Mock::given(method("POST"))
            .and(path("/custom/token"))
            .and(form_body(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("scope", &scope),
            ]))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "token_type": "Bearer", "expires_in": 3599, "access_token": token,
            })))
            .expect(1)
            .named("token endpoint from OKQ8_TOKEN_URL")
            .mount(&server)
            .await;
        token
    };
    Mock::given(method("GET"))
        .and(path(format!("{API}/core/v1/stations")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .named("stations with OAuth")
        .mount(&server)
        .await;
    std::env::set_var("OKQ8_SCOPE", &scope);
    std::env::set_var("OKQ8_TENANT_ID", "contoso.onmicrosoft.com");
    std::env::set_var("OKQ8_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::set_var("OKQ8_TOKEN_URL", format!("{}/custom/token", server.uri()));
    let oauth = ClientBuilder::from_env()
        .unwrap()
        .allow_insecure_loopback(true)
        .build();

    // And key-only from the environment, against the same server.
    std::env::remove_var("OKQ8_CLIENT_ID");
    std::env::remove_var("OKQ8_CLIENT_SECRET");
    Mock::given(method("GET"))
        .and(path(format!("{API}/public/v1/prices")))
        .and(key_only_headers())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .named("prices with the key only")
        .mount(&server)
        .await;
    // A plain-http loopback base URL is refused without the opt-in...
    assert_eq!(config_field(Client::from_env()), "OKQ8_BASE_URL");
    std::env::set_var("OKQ8_ALLOW_INSECURE_LOOPBACK", "maybe");
    assert_eq!(
        config_field(Client::from_env()),
        "OKQ8_ALLOW_INSECURE_LOOPBACK"
    );
    // ... which the environment gives, as `vendorctl sandbox` prints it.
    std::env::set_var("OKQ8_ALLOW_INSECURE_LOOPBACK", "1");
    let key_only = Client::from_env();
    clear();

    let oauth = oauth.unwrap();
    assert_eq!(oauth.auth_mode(), AuthMode::OAuth);
    oauth.get_json("core/v1/stations").await.unwrap();
    key_only
        .unwrap()
        .get_json("public/v1/prices")
        .await
        .unwrap();
    crate::credentials::environment_cases().await;
}

/// A builder given neither credentials nor `subscription_key_only()` says both ways
/// out, so the user can pick the one their API product needs.
#[test]
fn a_builder_without_a_mode_names_both_modes() {
    let err = Client::builder()
        .base_url("https://api.okq8.example/")
        .subscription_key(SUBSCRIPTION_KEY)
        .build()
        .unwrap_err()
        .to_string();
    for hint in [
        "choose how the client authenticates",
        ".client_credentials(",
        ".subscription_key_only()",
    ] {
        assert!(err.contains(hint), "{hint}: {err}");
    }
}

/// A paged request shows in `Debug` (for logs) its path, query and page.
#[test]
fn a_paged_request_shows_its_path_query_and_page_in_debug() {
    let client = complete().build().unwrap();
    let request = client
        .paged::<serde_json::Value>("core/v1/stations")
        .query(&[("city", "Uppsala")])
        .page(3);
    let shown = format!("{request:?}");
    for part in [
        "ListItemsRequest",
        "core/v1/stations",
        "city=Uppsala",
        "page: 3",
    ] {
        assert!(shown.contains(part), "{part}: {shown}");
    }
}
