//! The token request as it goes on the wire (URL, headers, exact body) for every
//! endpoint kind, body format, grant and client authentication; and how success
//! answers are read (lifetimes as numbers or strings, token types, claims).

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::*;
use oauth_core::token::DEFAULT_LIFETIME;
use oauth_core::{
    AccessToken, BodyFormat, ClientAuth, Credentials, RetryPolicy, TokenClient, TokenEndpoint,
    TokenError,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FORM: &str = "application/x-www-form-urlencoded";

fn json_answer(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn fixture_answer(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name), "application/json")
}

/// The one request the server got: no query string, and its raw body.
async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "exactly one token request");
    let request = requests.remove(0);
    assert_eq!(
        request.url.query(),
        None,
        "nothing goes in the query string"
    );
    request
}

// ---------------------------------------------------------------------------------
// What is sent
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn azure_v1_posts_a_form_with_the_resource_to_the_tenant_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/token")))
        .and(header("content-type", FORM))
        .and(header("accept", "application/json"))
        .and(form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("resource", RESOURCE),
        ]))
        .respond_with(fixture_answer("azure_v1_token.json"))
        .expect(1)
        .named("azure v1 token endpoint")
        .mount(&server)
        .await;

    let client = builder_for(&server, TokenEndpoint::azure_ad_v1(TENANT, RESOURCE))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(
        client.url().as_str(),
        format!("{}/{TENANT}/oauth2/token", server.uri())
    );
    let token = client.request_token().await.unwrap();

    assert_eq!(token.secret(), V1_FIXTURE_TOKEN);
    assert_eq!(token.scopes(), [RESOURCE.to_owned()]);
    let request = only_request(&server).await;
    assert!(
        request.headers.get("authorization").is_none(),
        "client_secret_post sends no Authorization header"
    );
}

/// The application's user agent goes on every token request (APIM and Entra ID logs
/// show it); without one, the SDK's own.
#[tokio::test]
async fn the_user_agent_given_goes_on_the_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(fixture_answer("azure_v1_token.json"))
        .expect(2)
        .mount(&server)
        .await;
    builder_for(&server, TokenEndpoint::azure_ad_v1(TENANT, RESOURCE))
        .user_agent("inventory-sync/4.2")
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap();
    builder_for(&server, TokenEndpoint::azure_ad_v1(TENANT, RESOURCE))
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let agent = |i: usize| {
        requests[i].headers["user-agent"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(agent(0), "inventory-sync/4.2");
    assert!(agent(1).starts_with("oauth-core/"), "{}", agent(1));
}

#[tokio::test]
async fn azure_v2_password_grant_joins_several_scopes_with_spaces() {
    let server = MockServer::start().await;
    let scopes = [
        "api://keyavi-api/access_as_user",
        "api://keyavi-api/Files.Read",
    ];
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT_GUID}/oauth2/v2.0/token")))
        .and(header("content-type", FORM))
        .and(form_body(&[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("username", USERNAME),
            ("password", PASSWORD),
            (
                "scope",
                "api://keyavi-api/access_as_user api://keyavi-api/Files.Read",
            ),
        ]))
        .respond_with(fixture_answer("azure_v2_token.json"))
        .expect(1)
        .named("azure v2 token endpoint, password grant")
        .mount(&server)
        .await;

    let client = builder_for(&server, TokenEndpoint::azure_ad_v2(TENANT_GUID, scopes))
        .credentials(Credentials::password(
            CLIENT_ID,
            Some(CLIENT_SECRET.to_owned()),
            USERNAME,
            PASSWORD,
        ))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let token = client.request_token().await.unwrap();

    assert_eq!(token.secret(), V2_FIXTURE_TOKEN);
    assert_eq!(token.scopes(), scopes.map(str::to_owned));
    // The two scopes are one parameter, separated by a single space.
    let request = only_request(&server).await;
    let scope_params: Vec<_> = parse_form(&request.body)
        .into_iter()
        .filter(|(k, _)| k == "scope")
        .collect();
    assert_eq!(scope_params.len(), 1);
}

#[tokio::test]
async fn azure_v2_public_client_password_grant_sends_no_client_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .and(header("content-type", FORM))
        .and(form_body(&[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("username", USERNAME),
            ("password", PASSWORD),
            ("scope", "api://keyavi-api/access_as_user"),
        ]))
        .respond_with(fixture_answer("azure_v2_token.json"))
        .expect(1)
        .named("azure v2 token endpoint, public client")
        .mount(&server)
        .await;

    let client = builder_for(
        &server,
        TokenEndpoint::azure_ad_v2(TENANT, ["api://keyavi-api/access_as_user"]),
    )
    .credentials(Credentials::password(CLIENT_ID, None, USERNAME, PASSWORD))
    .retry_policy(RetryPolicy::none())
    .build()
    .unwrap();

    assert_eq!(
        client.request_token().await.unwrap().secret(),
        V2_FIXTURE_TOKEN
    );
}

#[tokio::test]
async fn azure_v2_client_credentials_with_an_extra_param() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .and(header("content-type", FORM))
        .and(form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", "api://okq8-orders/.default"),
            ("client_info", "1"),
        ]))
        .respond_with(fixture_answer("azure_v2_token.json"))
        .expect(1)
        .named("azure v2 token endpoint, client credentials")
        .mount(&server)
        .await;

    let client = builder_for(
        &server,
        TokenEndpoint::azure_ad_v2(TENANT, ["api://okq8-orders/.default"]),
    )
    .extra_param("client_info", "1")
    .retry_policy(RetryPolicy::none())
    .build()
    .unwrap();

    assert_eq!(
        client.request_token().await.unwrap().secret(),
        V2_FIXTURE_TOKEN
    );
}

#[tokio::test]
async fn token_url_override_keeps_the_v1_resource() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/custom/tenant/token"))
        .and(header("content-type", FORM))
        .and(form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("resource", RESOURCE),
        ]))
        .respond_with(fixture_answer("azure_v1_token.json"))
        .expect(1)
        .named("overridden token url")
        .mount(&server)
        .await;

    let client = builder_for(&server, TokenEndpoint::azure_ad_v1(TENANT, RESOURCE))
        .token_url(format!("{}/custom/tenant/token", server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    assert_eq!(
        client.request_token().await.unwrap().secret(),
        V1_FIXTURE_TOKEN
    );
}

#[tokio::test]
async fn generic_url_json_body_with_scope_and_extra_param() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "dncs analytics:read",
            "audience": "https://api.analytics.freespee.com",
        })))
        .respond_with(json_answer(json!({
            "access_token": ACCESS_TOKEN,
            "token_type": "bearer",
            "expires_in": 300,
        })))
        .expect(1)
        .named("generic token endpoint, JSON body")
        .mount(&server)
        .await;

    let client = builder_for(
        &server,
        TokenEndpoint::url(token_url(&server)).with_scopes(["dncs", "analytics:read"]),
    )
    .body_format(BodyFormat::Json)
    .extra_param("audience", "https://api.analytics.freespee.com")
    .retry_policy(RetryPolicy::none())
    .build()
    .unwrap();
    let token = client.request_token().await.unwrap();

    assert_eq!(token.secret(), ACCESS_TOKEN);
    assert_eq!(token.lifetime(), Duration::from_secs(300));
    // The body is one JSON object of strings (no form encoding mixed in).
    let request = only_request(&server).await;
    let body: serde_json::Value = request.body_json().unwrap();
    assert!(body.as_object().unwrap().values().all(|v| v.is_string()));
}

#[tokio::test]
async fn generic_url_json_password_grant_without_scope() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": USERNAME,
            "password": PASSWORD,
        })))
        .respond_with(json_answer(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("generic token endpoint, JSON password grant")
        .mount(&server)
        .await;

    let client = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .credentials(Credentials::password(
            CLIENT_ID,
            Some(CLIENT_SECRET.to_owned()),
            USERNAME,
            PASSWORD,
        ))
        .body_format(BodyFormat::Json)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    assert_eq!(client.request_token().await.unwrap().secret(), ACCESS_TOKEN);
}

#[tokio::test]
async fn generic_url_form_body_without_scope_sends_no_scope() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header("content-type", FORM))
        .and(form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ]))
        .respond_with(json_answer(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("generic token endpoint, form body, no scope")
        .mount(&server)
        .await;

    let client = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    assert_eq!(client.request_token().await.unwrap().secret(), ACCESS_TOKEN);
    let key = client.cache_key().as_str();
    assert!(
        key.contains(&format!(
            "url={}:{}",
            token_url(&server).len(),
            token_url(&server)
        )),
        "{key}"
    );
    assert!(!key.contains("scope="), "{key}");
}

#[tokio::test]
async fn secret_basic_sends_urlencoded_credentials_in_the_header_only() {
    // Characters that form-urlencoding changes, so that a missing encoding step shows.
    let client_id = "app:0b6f3c1e";
    let secret = "s3cr3t+7f1c/9e=client~x y";
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode("app%3A0b6f3c1e:s3cr3t%2B7f1c%2F9e%3Dclient%7Ex+y")
    );

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .and(header("content-type", FORM))
        .and(header("authorization", expected.as_str()))
        .and(form_body(&[
            ("grant_type", "client_credentials"),
            ("scope", "api://okq8-orders/.default"),
        ]))
        .respond_with(fixture_answer("azure_v2_token.json"))
        .expect(1)
        .named("token endpoint with client_secret_basic")
        .mount(&server)
        .await;

    let client = builder_for(
        &server,
        TokenEndpoint::azure_ad_v2(TENANT, ["api://okq8-orders/.default"]),
    )
    .credentials(Credentials::client_credentials(client_id, secret))
    .client_auth(ClientAuth::SecretBasic)
    .retry_policy(RetryPolicy::none())
    .build()
    .unwrap();

    assert_eq!(
        client.request_token().await.unwrap().secret(),
        V2_FIXTURE_TOKEN
    );
    let request = only_request(&server).await;
    let body = String::from_utf8(request.body).unwrap();
    assert!(!body.contains("client_secret"), "{body}");
    assert!(!body.contains("s3cr3t"), "{body}");
}

// ---------------------------------------------------------------------------------
// How answers are read
// ---------------------------------------------------------------------------------

/// Serves `answer` once to a generic client (default retries, so a retry would show
/// as a second request) and returns what the client made of it.
async fn read_answer(answer: ResponseTemplate) -> Result<AccessToken, TokenError> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(answer)
        .expect(1)
        .named("token endpoint")
        .mount(&server)
        .await;
    let client = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .build()
        .unwrap();
    let result = client.request_token().await;
    server.verify().await;
    result
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn assert_lifetime_near(token: &AccessToken, expected: Duration) {
    let slack = Duration::from_secs(3);
    let lifetime = token.lifetime();
    assert!(
        lifetime + slack >= expected && lifetime <= expected + slack,
        "lifetime {lifetime:?}, expected about {expected:?}"
    );
    let remaining = token.remaining();
    assert!(
        remaining + slack >= expected && remaining <= expected,
        "remaining {remaining:?}, expected about {expected:?}"
    );
    let wall = token
        .expires_at_wall()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expected_wall = unix_now() + expected.as_secs();
    assert!(
        wall.abs_diff(expected_wall) <= slack.as_secs(),
        "wall-clock expiry {wall}, expected about {expected_wall}"
    );
}

#[tokio::test]
async fn v1_string_numbers_give_the_expires_in_lifetime() {
    // The fixture's `expires_on` lies in 2013: `expires_in` must win over it.
    let token = read_answer(fixture_answer("azure_v1_token.json"))
        .await
        .unwrap();
    assert_eq!(token.lifetime(), Duration::from_secs(3599));
    assert_lifetime_near(&token, Duration::from_secs(3599));
    assert_eq!(token.token_type(), "Bearer");
}

#[tokio::test]
async fn v2_numeric_expires_in_gives_the_same_lifetime() {
    let token = read_answer(fixture_answer("azure_v2_token.json"))
        .await
        .unwrap();
    assert_eq!(token.lifetime(), Duration::from_secs(3599));
    assert_lifetime_near(&token, Duration::from_secs(3599));
}

#[tokio::test]
async fn expires_on_alone_sets_the_expiry() {
    let token = read_answer(json_answer(json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_on": (unix_now() + 1800).to_string(),
        "not_before": (unix_now() - 5).to_string(),
    })))
    .await
    .unwrap();
    assert_lifetime_near(&token, Duration::from_secs(1800));
}

/// `expires_on` is an instant: the time the answer took to arrive is not taken off
/// the token's life a second time.
#[tokio::test]
async fn a_slow_answer_with_expires_on_keeps_the_instant_it_names() {
    let on = unix_now() + 3600;
    let token = read_answer(
        json_answer(json!({ "access_token": ACCESS_TOKEN, "expires_on": on }))
            .set_delay(Duration::from_secs(2)),
    )
    .await
    .unwrap();
    // It expires at `on` (to the second it names), about 3598 s from now.
    let remaining = token.remaining();
    assert!(
        remaining > Duration::from_secs(3596) && remaining <= Duration::from_secs(3600),
        "{remaining:?}"
    );
}

#[tokio::test]
async fn numeric_expires_on_alone_sets_the_expiry() {
    let token = read_answer(json_answer(json!({
        "access_token": ACCESS_TOKEN,
        "expires_on": unix_now() + 900,
    })))
    .await
    .unwrap();
    assert_lifetime_near(&token, Duration::from_secs(900));
}

#[tokio::test]
async fn without_expiry_the_default_lifetime_applies() {
    let token = read_answer(json_answer(json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
    })))
    .await
    .unwrap();
    assert_eq!(token.lifetime(), DEFAULT_LIFETIME);
    assert_lifetime_near(&token, DEFAULT_LIFETIME);
}

#[tokio::test]
async fn an_unreadable_expires_in_falls_back_to_the_default_lifetime() {
    let token = read_answer(json_answer(json!({
        "access_token": ACCESS_TOKEN,
        "expires_in": "soon",
    })))
    .await
    .unwrap();
    assert_eq!(token.lifetime(), DEFAULT_LIFETIME);
}

#[tokio::test]
async fn token_type_is_case_insensitive_and_optional() {
    for token_type in [Some("bearer"), Some("BEARER"), Some("Bearer"), None] {
        let mut answer = json!({ "access_token": ACCESS_TOKEN, "expires_in": 60 });
        if let Some(t) = token_type {
            answer["token_type"] = json!(t);
        }
        let token = read_answer(json_answer(answer))
            .await
            .unwrap_or_else(|e| panic!("token_type {token_type:?}: {e}"));
        assert_eq!(token.secret(), ACCESS_TOKEN);
        assert!(token.token_type().eq_ignore_ascii_case("bearer"));
        assert_eq!(
            token.authorization_header().to_str().unwrap(),
            format!("Bearer {ACCESS_TOKEN}")
        );
    }
}

#[tokio::test]
async fn a_mac_token_is_refused_without_retry() {
    let err = read_answer(json_answer(json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "mac",
        "expires_in": 3599,
    })))
    .await
    .unwrap_err();
    let TokenError::InvalidResponse(message) = &err else {
        panic!("expected InvalidResponse, got {err:?}");
    };
    assert!(message.contains("mac"), "{message}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_missing_or_empty_access_token_is_an_invalid_response() {
    for answer in [
        json!({ "token_type": "Bearer", "expires_in": 3599 }),
        json!({ "access_token": "", "token_type": "Bearer", "expires_in": 3599 }),
    ] {
        let err = read_answer(json_answer(answer.clone())).await.unwrap_err();
        assert!(
            matches!(&err, TokenError::InvalidResponse(m) if m.contains("access_token")),
            "{answer}: {err:?}"
        );
    }
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let token = read_answer(json_answer(json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": "3599",
        "ext_expires_in": 3599,
        "refresh_token": "rt-ignored",
        "id_token": "x.y.z",
        "scope": "dncs",
        "vendor": { "nested": [1, 2, { "deep": null }] },
    })))
    .await
    .unwrap();
    assert_eq!(token.secret(), ACCESS_TOKEN);
    assert_eq!(token.lifetime(), Duration::from_secs(3599));
}

#[tokio::test]
async fn jwt_claims_are_decoded_and_roles_checked() {
    let jwt = unsigned_jwt(&json!({
        "aud": "api://kazi-tagging",
        "iss": format!("https://sts.windows.net/{TENANT_GUID}/"),
        "tid": TENANT_GUID,
        "appid": CLIENT_ID,
        "oid": "6c1d1c7e-0000-4000-8000-00000000000a",
        "roles": ["Expectations.Read", "Answers.Write"],
        "exp": unix_now() + 3599,
    }));
    let token = read_answer(json_answer(json!({
        "access_token": jwt,
        "token_type": "Bearer",
        "expires_in": 3599,
    })))
    .await
    .unwrap();

    let claims = token.claims().expect("a JWT has claims");
    assert_eq!(claims.roles, ["Expectations.Read", "Answers.Write"]);
    assert_eq!(claims.aud, ["api://kazi-tagging"]);
    assert_eq!(claims.tid.as_deref(), Some(TENANT_GUID));
    assert_eq!(claims.app_id(), Some(CLIENT_ID));
    assert_eq!(token.has_role("Expectations.Read"), Some(true));
    assert_eq!(token.has_role("Answers.Write"), Some(true));
    assert_eq!(token.has_role("Expectations.Write"), Some(false));
}

#[tokio::test]
async fn opaque_tokens_have_no_claims() {
    let token = read_answer(fixture_answer("azure_v2_token.json"))
        .await
        .unwrap();
    assert!(token.claims().is_none());
    assert_eq!(token.has_role("Expectations.Read"), None);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere/token"))
        .expect(1)
        .named("token endpoint that redirects")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/elsewhere/token"))
        .respond_with(json_answer(token_answer(ACCESS_TOKEN)))
        .expect(0)
        .named("redirect target (must not be asked)")
        .mount(&server)
        .await;
    let client: TokenClient = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let err = client.request_token().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(307), "{err:?}");
}
