//! Authentication: OAuth scopes and access levels, key-only mode, and the 401/403
//! meanings OKQ8 documents.

use okq8::{AccessLevel, AuthErrorKind, AuthMode, Error};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    api_headers, fixture, key_only_builder, key_only_headers, mount_token, mount_token_for,
    oauth_builder, token_path, API, APP_ID_URI, CLIENT_SECRET, SUBSCRIPTION_KEY,
};

#[tokio::test]
async fn the_token_is_fetched_once_across_calls() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get", "post"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/core/v1/stations")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("stations_page1.json")))
        .expect(3)
        .named("stations")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/payments/v1/payments")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("payment_created.json")))
        .expect(1)
        .named("payment")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    assert_eq!(client.auth_mode(), AuthMode::OAuth);
    let clone = client.clone();
    for c in [&client, &clone, &client] {
        c.get_json("core/v1/stations").await.unwrap();
    }
    clone
        .post::<serde_json::Value>("payments/v1/payments", &json!({"amount": 1}))
        .await
        .unwrap();
    // token() serves the cached token too.
    assert_eq!(client.token().await.unwrap().secret(), token);
}

/// Client credentials take `.default` only (Entra ID refuses the rest with
/// AADSTS1002012): `.api(uri)` asks for it, an access level is never requested as a
/// scope (refused before any request), and the levels granted are the token's roles.
#[tokio::test]
async fn the_api_default_scope_is_requested_and_levels_are_roles() {
    let server = MockServer::start().await;
    let scope = format!("{APP_ID_URI}/.default");
    let token = mount_token_for(&server, &scope, &["get", "post"], 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/core/v1/stations")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("stations_page1.json")))
        .expect(1)
        .named("stations")
        .mount(&server)
        .await;

    let client = oauth_builder(&server)
        .api(format!("{APP_ID_URI}/"))
        .build()
        .unwrap();
    client.get_json("core/v1/stations").await.unwrap();
    assert_eq!(
        client.access_levels().await.unwrap(),
        vec![AccessLevel::Get, AccessLevel::Post]
    );

    for (scope, needle) in [
        (format!("{APP_ID_URI}/get"), "access level `get`"),
        (
            "https://graph.microsoft.com/User.Read".to_owned(),
            "/.default",
        ),
    ] {
        let err = oauth_builder(&server).scope(scope).build().unwrap_err();
        match err {
            Error::Config(c) => {
                assert_eq!(c.field(), "scope");
                assert!(c.problem().contains(needle), "{c}");
            }
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn key_only_mode_sends_no_authorization_and_never_asks_for_a_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/oauth2/"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named("any token endpoint")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/public/v1/prices")))
        .and(key_only_headers())
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("prices.json")))
        .expect(2)
        .named("prices with the key only")
        .mount(&server)
        .await;

    let client = key_only_builder(&server).build().unwrap();
    assert_eq!(client.auth_mode(), AuthMode::SubscriptionKeyOnly);
    for _ in 0..2 {
        let prices = client.get_json("public/v1/prices").await.unwrap();
        assert_eq!(prices["items"][0]["fuel"], json!("GoEasy Bensin 95"));
    }
    match client.token().await {
        Err(Error::Config(c)) => assert_eq!(c.field(), "credentials"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// Mounts a GET answering `status` with the fixture `body`, `times` times.
async fn mount_refusal(server: &MockServer, status: u16, body: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path(format!("{API}/core/v1/stations")))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("apim-request-id", "2f9d3c1b-apim")
                .set_body_json(fixture(body)),
        )
        .expect(times)
        .named(body.to_owned())
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_missing_key_is_named_and_not_retried_with_a_new_token() {
    let server = MockServer::start().await;
    mount_token(&server, &["get"]).await;
    mount_refusal(&server, 401, "apim_missing_key.json", 1).await;

    let client = oauth_builder(&server).build().unwrap();
    let err = client.get_json("core/v1/stations").await.unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::SubscriptionKeyMissing)
    );
    assert_eq!(err.request_id(), Some("2f9d3c1b-apim"));
    assert!(err.to_string().contains("subscription key"), "{err}");
}

#[tokio::test]
async fn an_invalid_key_is_named_in_both_modes() {
    for oauth in [true, false] {
        let server = MockServer::start().await;
        let builder = if oauth {
            mount_token(&server, &["get"]).await;
            oauth_builder(&server)
        } else {
            key_only_builder(&server)
        };
        mount_refusal(&server, 401, "apim_invalid_key.json", 1).await;
        let err = builder
            .build()
            .unwrap()
            .get_json("core/v1/stations")
            .await
            .unwrap_err();
        assert_eq!(
            err.auth_kind(),
            Some(&AuthErrorKind::SubscriptionKeyInvalid),
            "oauth: {oauth}"
        );
        assert!(!err.to_string().contains(SUBSCRIPTION_KEY));
    }
}

#[tokio::test]
async fn a_subscription_not_authorised_for_the_product_is_a_403() {
    for oauth in [true, false] {
        let server = MockServer::start().await;
        let builder = if oauth {
            mount_token(&server, &["get"]).await;
            oauth_builder(&server)
        } else {
            key_only_builder(&server)
        };
        mount_refusal(&server, 403, "apim_not_authorized.json", 1).await;
        let err = builder
            .build()
            .unwrap()
            .get_json("core/v1/stations")
            .await
            .unwrap_err();
        assert_eq!(
            err.auth_kind(),
            Some(&AuthErrorKind::SubscriptionNotAuthorized),
            "oauth: {oauth}"
        );
        assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    }
}

#[tokio::test]
async fn a_suspended_subscription_is_a_403() {
    let server = MockServer::start().await;
    mount_refusal(&server, 403, "apim_suspended.json", 1).await;
    let err = key_only_builder(&server)
        .build()
        .unwrap()
        .get_json("core/v1/stations")
        .await
        .unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::SubscriptionNotAuthorized)
    );
}

#[tokio::test]
async fn a_token_without_the_access_level_names_it() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/payments/v1/payments")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(fixture("access_level_forbidden.json")),
        )
        .expect(1)
        .named("payment refused")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    // No role declared: a POST needs the `post` level, named in the error.
    let err = client
        .request::<serde_json::Value>(okq8::Method::POST, "payments/v1/payments")
        .json(&json!({"amount": 1}))
        .await
        .unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::MissingRole {
            required: "post".to_owned(),
            granted: vec!["get".to_owned()],
        })
    );
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once() {
    let server = MockServer::start().await;
    let token = mount_token_for(&server, &crate::default_scope(), &["get"], 2).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/core/v1/stations")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401,
            "message": "Unauthorized. Access token is missing or invalid."
        })))
        .up_to_n_times(1)
        .expect(1)
        .named("first answer: token rejected")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/core/v1/stations")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("stations_page1.json")))
        .expect(1)
        .named("second answer")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    client.get_json("core/v1/stations").await.unwrap();
}

#[tokio::test]
async fn azure_ad_refusing_the_secret_is_a_token_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture("aad_invalid_client.json")))
        .expect(1)
        .named("azure ad refuses the secret")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("api never called")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let err = client.get_json("core/v1/stations").await.unwrap_err();
    let Error::Token(token_err) = &err else {
        panic!("expected a token error, got {err:?}");
    };
    assert!(token_err.oauth().is_some_and(|o| o.has_aadsts(7000215)));
    assert!(!err.to_string().contains(CLIENT_SECRET));
}
