//! Managed identity against wiremock on loopback (never the real metadata address):
//! the App Service and metadata-service request shapes, string expiry fields,
//! caching, retries, errors without the header secret, and the endpoint policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_core::{ManagedIdentity, OAuthProvider, RetryPolicy, TokenError};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const RESOURCE: &str = "https://vault.azure.net";
const HEADER_SECRET: &str = "identity-header-5c9e-secret";

fn in_an_hour() -> String {
    (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600)
        .to_string()
}

#[tokio::test]
async fn app_service_requests_carry_the_header_and_cache_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/msi/token"))
        .and(query_param("api-version", "2019-08-01"))
        .and(query_param("resource", RESOURCE))
        .and(query_param("client_id", "user-assigned-1"))
        .and(header("x-identity-header", HEADER_SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "mi-token-app-service",
            "expires_on": in_an_hour(),
            "resource": RESOURCE,
            "token_type": "Bearer",
            "client_id": "user-assigned-1",
        })))
        .expect(1)
        .named("App Service identity endpoint, once")
        .mount(&server)
        .await;
    let identity = ManagedIdentity::builder(RESOURCE)
        .client_id("user-assigned-1")
        .app_service(format!("{}/msi/token", server.uri()), HEADER_SECRET)
        .build()
        .unwrap();
    assert!(!format!("{identity:?}").contains(HEADER_SECRET));
    let provider = OAuthProvider::managed_identity(identity);
    let token = provider.token().await.unwrap();
    assert_eq!(token.secret(), "mi-token-app-service");
    let remaining = token.remaining();
    assert!(remaining > Duration::from_secs(3500) && remaining <= Duration::from_secs(3600));
    // Served from the cache.
    assert!(provider.token().await.unwrap().same_as(&token));
}

#[tokio::test]
async fn the_metadata_service_is_asked_with_metadata_true_and_string_lifetimes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .and(query_param("api-version", "2018-02-01"))
        .and(query_param("resource", "api://orders"))
        .and(query_param_is_missing("client_id"))
        .and(header("metadata", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "mi-token-imds",
            "expires_in": "3599",
            "expires_on": in_an_hour(),
            "token_type": "Bearer",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let identity = ManagedIdentity::builder("unused")
        .scope("api://orders/.default")
        .imds_endpoint(format!("{}/metadata/identity/oauth2/token", server.uri()))
        .build()
        .unwrap();
    let token = identity.request_token().await.unwrap();
    assert_eq!(token.secret(), "mi-token-imds");
    assert!(token.remaining() > Duration::from_secs(3500));
}

#[tokio::test]
async fn a_starting_metadata_service_is_retried_and_refusals_are_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/imds/retry"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/imds/retry"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "after-retry", "expires_in": "3599", "token_type": "Bearer",
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/app/refused"))
        .respond_with(|r: &Request| {
            // An error page that echoes the request's headers back.
            let echoed: Vec<String> = r
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or_default()))
                .collect();
            ResponseTemplate::new(400).set_body_json(json!({
                "error": "invalid_request",
                "error_description": format!("Identity not found. {}", echoed.join("; ")),
            }))
        })
        .expect(1)
        .mount(&server)
        .await;
    let fast = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20));
    let identity = ManagedIdentity::builder(RESOURCE)
        .imds_endpoint(format!("{}/imds/retry", server.uri()))
        .retry_policy(fast.clone())
        .build()
        .unwrap();
    assert_eq!(
        identity.request_token().await.unwrap().secret(),
        "after-retry"
    );

    let identity = ManagedIdentity::builder(RESOURCE)
        .app_service(format!("{}/app/refused", server.uri()), HEADER_SECRET)
        .retry_policy(fast)
        .build()
        .unwrap();
    let err = identity.request_token().await.unwrap_err();
    assert!(
        matches!(&err, TokenError::OAuth(e) if e.code() == "invalid_request"),
        "{err}"
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(HEADER_SECRET), "{text}");
    }
}

#[test]
fn plain_http_is_allowed_for_exactly_the_identity_endpoints() {
    // Built only: nothing is sent to any of these.
    let imds = |endpoint: &str| {
        ManagedIdentity::builder(RESOURCE)
            .imds_endpoint(endpoint)
            .build()
            .map(|_| ())
    };
    let app = |endpoint: &str| {
        ManagedIdentity::builder(RESOURCE)
            .app_service(endpoint, "h")
            .build()
            .map(|_| ())
    };
    assert!(imds(oauth_core::IMDS_TOKEN_ENDPOINT).is_ok());
    assert!(imds("http://127.0.0.1:1/token").is_ok());
    assert!(app("http://127.0.0.1:41741/msi/token").is_ok());
    assert!(app("https://identity.example/msi/token").is_ok());
    for refused in [
        imds("http://169.254.169.253/metadata/identity/oauth2/token"),
        imds("http://metadata.example/token"),
        app("http://169.254.169.254/metadata/identity/oauth2/token"),
        app("http://10.0.0.4/msi/token"),
    ] {
        let err = refused.unwrap_err();
        assert!(err.problem().contains("must be https"), "{err}");
    }
    let err = ManagedIdentity::builder(" ").build().unwrap_err();
    assert_eq!(err.field(), "resource");
}

#[test]
fn system_and_user_assigned_identities_have_their_own_cache_keys() {
    let key = |client_id: Option<&str>, resource: &str| {
        let mut b = ManagedIdentity::builder(resource).imds_endpoint("http://127.0.0.1:1/t");
        if let Some(id) = client_id {
            b = b.client_id(id);
        }
        b.build().unwrap().cache_key().clone()
    };
    assert_eq!(key(None, RESOURCE), key(None, RESOURCE));
    assert_ne!(key(None, RESOURCE), key(Some("ua-1"), RESOURCE));
    assert_ne!(key(Some("ua-1"), RESOURCE), key(Some("ua-2"), RESOURCE));
    assert_ne!(
        key(None, RESOURCE),
        key(None, "https://management.azure.com")
    );
}

#[test]
fn from_env_needs_both_platform_variables_or_neither() {
    // The only test of this binary that touches these variables.
    std::env::set_var("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token");
    std::env::remove_var("IDENTITY_HEADER");
    let err = ManagedIdentity::builder(RESOURCE).from_env().unwrap_err();
    assert_eq!(err.field(), "IDENTITY_HEADER");
    std::env::set_var("IDENTITY_HEADER", "h-secret-value");
    let identity = ManagedIdentity::builder(RESOURCE)
        .from_env()
        .unwrap()
        .build()
        .unwrap();
    let debug = format!("{identity:?}");
    assert!(
        debug.contains("app_service") && !debug.contains("h-secret-value"),
        "{debug}"
    );
    std::env::remove_var("IDENTITY_ENDPOINT");
    std::env::remove_var("IDENTITY_HEADER");
    let identity = ManagedIdentity::builder(RESOURCE)
        .from_env()
        .unwrap()
        .build()
        .unwrap();
    assert!(format!("{identity:?}").contains("imds"));
}

/// A managed identity token with many group and role claims runs to several KiB:
/// it is read whole (the identity endpoint's answer may take up to 64 KiB); the
/// builder shows where it asks, never the App Service header's secret.
#[tokio::test]
async fn a_large_identity_token_is_read_and_the_builder_shows_where_it_asks() {
    let server = MockServer::start().await;
    let large = format!("mi-{}", "g".repeat(8 * 1024));
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": large, "expires_in": "3599", "token_type": "Bearer",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let endpoint = format!("{}/metadata/identity/oauth2/token", server.uri());
    let builder = ManagedIdentity::builder("api://orders")
        .client_id("mi-client-3")
        .imds_endpoint(endpoint.clone());
    let text = format!("{builder:?}");
    for part in [
        "ManagedIdentityBuilder",
        "api://orders",
        "mi-client-3",
        endpoint.as_str(),
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let token = builder.build().unwrap().request_token().await.unwrap();
    assert_eq!(token.secret(), large);

    let app_service = ManagedIdentity::builder("api://orders")
        .app_service("http://127.0.0.1:41000/msi/token", "header-secret-51e0");
    let text = format!("{app_service:?}");
    assert!(text.contains("http://127.0.0.1:41000/msi/token"), "{text}");
    assert!(!text.contains("header-secret-51e0"), "{text}");
}
