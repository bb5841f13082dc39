//! Secrets (client secret, password, access token) never show in `Debug`, `Display`
//! or logs: not in configuration types, tokens, or any error the engine produces,
//! even when a server or a proxy echoes the request back.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use common::*;
use oauth_core::MAX_SNIPPET_BYTES;
use oauth_core::{
    AccessToken, BodyFormat, CacheKey, ClientAuth, Credentials, MemoryTokenCache, OAuthProvider,
    RetryPolicy, Timeouts, TokenClient, TokenEndpoint, TokenError,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Secrets with characters that form-urlencoding and JSON escaping change, so that an
/// echo of the encoded request shows them in another spelling.
const ODD_SECRET: &str = "s3cr3t~7f1c.9e_client+/=&x";
const ODD_PASSWORD: &str = "p4ss\"w0rd\\2b8d41 user";
/// Fragments that every spelling of the odd secrets keeps (raw, form, JSON).
const ODD_FRAGMENTS: &[&str] = &["7f1c.9e", "2b8d41"];

fn password_credentials() -> Credentials {
    Credentials::password(
        CLIENT_ID,
        Some(CLIENT_SECRET.to_owned()),
        USERNAME,
        PASSWORD,
    )
}

fn basic_value(client_id: &str, secret: &str) -> String {
    let enc = |s: &str| {
        serde_urlencoded::to_string([("", s)])
            .unwrap()
            .trim_start_matches('=')
            .to_owned()
    };
    base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret)))
}

// ---------------------------------------------------------------------------------
// Debug of configuration, clients, providers and tokens
// ---------------------------------------------------------------------------------

#[test]
fn credentials_debug_is_redacted() {
    for credentials in [
        Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET),
        password_credentials(),
    ] {
        let text = format!("{credentials:?} {credentials:#?}");
        assert_free_of("Credentials", &text, ALL_SECRETS);
        assert!(text.contains(CLIENT_ID), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}

#[test]
fn builders_clients_and_providers_debug_is_redacted() {
    let builder = TokenClient::builder()
        .endpoint(TokenEndpoint::azure_ad_v2(TENANT, ["api://x/.default"]))
        .credentials(password_credentials())
        .extra_param("client_assertion", CLIENT_SECRET)
        .client_auth(ClientAuth::SecretBasic);
    assert_debug_free_of_secrets("TokenClientBuilder", &builder);
    let text = format!("{builder:?}");
    for part in ["TokenClientBuilder", CLIENT_ID, TENANT, "client_assertion"] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let client = builder.build().unwrap();
    assert_debug_free_of_secrets("TokenClient", &client);
    assert!(format!("{client:?}").contains(CLIENT_ID));

    let provider_builder = OAuthProvider::builder()
        .endpoint(TokenEndpoint::azure_ad_v1(TENANT, RESOURCE))
        .credentials(password_credentials())
        .body_format(BodyFormat::Json);
    assert_debug_free_of_secrets("OAuthProviderBuilder", &provider_builder);
    let provider = provider_builder.build().unwrap();
    assert_debug_free_of_secrets("OAuthProvider", &provider);
    // ...and says which principal, source and cache it is.
    let text = format!("{provider:?}");
    for part in ["OAuthProvider", USERNAME, CLIENT_ID, "MemoryTokenCache"] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert_debug_free_of_secrets("CacheKey", provider.cache_key());
    assert_free_of("CacheKey text", provider.cache_key().as_str(), ALL_SECRETS);
    assert!(provider.cache_key().as_str().contains(USERNAME));
}

fn assert_debug_free_of_secrets<T: std::fmt::Debug>(what: &str, value: &T) {
    let text = format!("{value:?} {value:#?}");
    assert_free_of(what, &text, ALL_SECRETS);
    let basic = basic_value(CLIENT_ID, CLIENT_SECRET);
    assert_free_of(what, &text, &[basic.as_str()]);
}

#[tokio::test(start_paused = true)]
async fn access_token_debug_is_redacted() {
    let opaque = AccessToken::valid_for(ACCESS_TOKEN, Duration::from_secs(60));
    let text = format!("{opaque:?} {opaque:#?}");
    assert_free_of("AccessToken", &text, &[ACCESS_TOKEN]);
    assert!(text.contains("[redacted]"));
    assert!(opaque.authorization_header().is_sensitive());
    assert_eq!(format!("{:?}", opaque.authorization_header()), "Sensitive");

    let jwt = unsigned_jwt(&json!({ "roles": ["Expectations.Read"], "aud": "api://kazi" }));
    let token = AccessToken::valid_for(jwt.clone(), Duration::from_secs(60));
    let text = format!("{token:?} {token:#?}");
    let payload = jwt.split('.').nth(1).unwrap();
    assert_free_of("AccessToken (JWT)", &text, &[jwt.as_str(), payload]);
    assert!(
        text.contains("Expectations.Read"),
        "claims are shown: {text}"
    );
}

// ---------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------

const LONG_HINT: &str = "opaque-hint-0123456789";

/// Only secrets are redacted: a short extra parameter that is not one (a region, a
/// prompt) stays readable when the server quotes it, so the error still says what
/// was wrong.
#[tokio::test]
async fn an_extra_parameter_that_is_not_secret_stays_readable_in_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_request",
            "error_description": format!(
                "Unknown region 'westeu2' for secret {CLIENT_SECRET} and hint {LONG_HINT}"
            ),
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = builder_for(
        &server,
        TokenEndpoint::azure_ad_v2(TENANT, ["api://x/.default"]),
    )
    .credentials(Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET))
    .extra_param("region", "westeu2")
    .extra_param("login_hint_token", LONG_HINT)
    .build()
    .unwrap()
    .request_token()
    .await
    .unwrap_err();
    let description = err.oauth().and_then(|o| o.description()).unwrap();
    assert!(description.contains("'westeu2'"), "{description}");
    // A value of 16 bytes or more is taken for a secret whatever its name.
    assert_free_of(
        "OAuthError description",
        description,
        &[CLIENT_SECRET, LONG_HINT],
    );
}

#[tokio::test]
async fn an_oauth_error_that_quotes_the_secret_is_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!(
                "AADSTS7000215: Invalid client secret provided: '{CLIENT_SECRET}' for user {USERNAME} with password '{PASSWORD}'.\r\nTrace ID: 0e7a55b2"
            ),
            "error_codes": [7000215],
            "trace_id": "0e7a55b2",
            "correlation_id": format!("corr-{CLIENT_SECRET}"),
        })))
        .expect(1)
        .named("token endpoint quoting the secret")
        .mount(&server)
        .await;

    let err = builder_for(
        &server,
        TokenEndpoint::azure_ad_v2(TENANT, ["api://x/.default"]),
    )
    .credentials(password_credentials())
    .build()
    .unwrap()
    .request_token()
    .await
    .unwrap_err();

    let oauth = err.oauth().unwrap_or_else(|| panic!("{err:?}"));
    let description = oauth.description().unwrap();
    assert!(description.contains("[redacted]"), "{description}");
    assert_free_of("OAuthError description", description, ALL_SECRETS);
    assert_free_of(
        "OAuthError correlation id",
        oauth.correlation_id().unwrap(),
        ALL_SECRETS,
    );
    assert_error_free_of("TokenError::OAuth", &err, ALL_SECRETS);
    assert_error_free_of("OAuthError", oauth, ALL_SECRETS);
}

/// A proxy error page that echoes the request: its Authorization header and body.
struct EchoingProxy;

impl Respond for EchoingProxy {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let page = format!(
            "<html><body><h1>502 Bad Gateway</h1><pre>authorization: {authorization}\n{}</pre></body></html>",
            String::from_utf8_lossy(&request.body)
        );
        ResponseTemplate::new(502).set_body_raw(page, "text/html")
    }
}

async fn error_from_echoing_proxy(
    credentials: Credentials,
    format: BodyFormat,
    auth: ClientAuth,
) -> TokenError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(EchoingProxy)
        .expect(1)
        .named("proxy echoing the request")
        .mount(&server)
        .await;
    let err = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .credentials(credentials)
        .body_format(format)
        .client_auth(auth)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();
    server.verify().await;
    err
}

fn assert_redacted_status(what: &str, err: &TokenError, forbidden: &[&str]) {
    let TokenError::Status(status) = err else {
        panic!("{what}: expected TokenError::Status, got {err:?}");
    };
    let snippet = status.snippet();
    assert!(snippet.contains("502 Bad Gateway"), "{what}: {snippet}");
    assert!(snippet.contains("[redacted]"), "{what}: {snippet}");
    assert_free_of(what, snippet, forbidden);
    assert_error_free_of(what, err, forbidden);
}

#[tokio::test]
async fn a_proxy_page_echoing_a_form_body_is_redacted() {
    let err = error_from_echoing_proxy(
        Credentials::password(
            CLIENT_ID,
            Some(ODD_SECRET.to_owned()),
            USERNAME,
            ODD_PASSWORD,
        ),
        BodyFormat::Form,
        ClientAuth::SecretPost,
    )
    .await;
    assert_redacted_status("form echo", &err, ODD_FRAGMENTS);
    assert!(
        err.to_string().contains("grant_type=password"),
        "the rest of the page is kept: {err}"
    );
}

#[tokio::test]
async fn a_proxy_page_echoing_a_json_body_is_redacted() {
    let err = error_from_echoing_proxy(
        Credentials::password(
            CLIENT_ID,
            Some(ODD_SECRET.to_owned()),
            USERNAME,
            ODD_PASSWORD,
        ),
        BodyFormat::Json,
        ClientAuth::SecretPost,
    )
    .await;
    assert_redacted_status("JSON echo", &err, ODD_FRAGMENTS);
}

#[tokio::test]
async fn a_proxy_page_echoing_the_basic_header_is_redacted() {
    let basic = basic_value(CLIENT_ID, ODD_SECRET);
    let err = error_from_echoing_proxy(
        Credentials::client_credentials(CLIENT_ID, ODD_SECRET),
        BodyFormat::Form,
        ClientAuth::SecretBasic,
    )
    .await;
    assert_redacted_status("Basic echo", &err, &[basic.as_str(), ODD_FRAGMENTS[0]]);
}

#[tokio::test]
async fn a_secret_cut_by_the_snippet_limit_is_still_redacted() {
    // The secret starts a few bytes before the snippet limit, so a cut made before
    // redacting would leave its first bytes in the snippet.
    let mut page = String::from("<html><body><pre>");
    while page.len() < MAX_SNIPPET_BYTES - 8 {
        page.push('.');
    }
    page.push_str(CLIENT_SECRET);
    page.push_str(&"x".repeat(2000));
    page.push_str("</pre></body></html>");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(page, "text/html"))
        .expect(1)
        .named("error page with the secret at the cut")
        .mount(&server)
        .await;
    let err = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();

    let TokenError::Status(status) = &err else {
        panic!("expected TokenError::Status, got {err:?}");
    };
    let prefix = &CLIENT_SECRET[..8];
    assert!(
        !status.snippet().contains(prefix),
        "part of the secret survives the cut: {}",
        status.snippet()
    );
    assert!(status.snippet().ends_with('…'), "{}", status.snippet());
    assert_error_free_of("cut snippet", &err, &[prefix]);
}

#[tokio::test]
async fn a_200_that_is_not_a_json_token_does_not_quote_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!("access_token={ACCESS_TOKEN}&token_type=bearer&expires_in=3599"),
            "application/x-www-form-urlencoded",
        ))
        .expect(1)
        .named("token endpoint answering a form")
        .mount(&server)
        .await;
    let err = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();

    assert!(
        matches!(&err, TokenError::InvalidResponse(m) if m.contains("application/x-www-form-urlencoded")),
        "{err:?}"
    );
    assert_error_free_of("TokenError::InvalidResponse", &err, ALL_SECRETS);
}

#[tokio::test]
async fn unusable_json_tokens_are_not_quoted() {
    for (what, answer) in [
        (
            "mac token",
            json!({ "access_token": ACCESS_TOKEN, "token_type": "mac" }),
        ),
        (
            "token with a line break",
            json!({ "access_token": format!("{ACCESS_TOKEN}\r\nX-Injected: 1"), "token_type": "Bearer" }),
        ),
        (
            "token type holding the token",
            json!({ "access_token": ACCESS_TOKEN, "token_type": ACCESS_TOKEN }),
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .expect(1)
            .named(what)
            .mount(&server)
            .await;
        let err = builder_for(&server, TokenEndpoint::url(token_url(&server)))
            .build()
            .unwrap()
            .request_token()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, TokenError::InvalidResponse(_)),
            "{what}: {err:?}"
        );
        assert_error_free_of(what, &err, ALL_SECRETS);
    }
}

#[tokio::test]
async fn transport_errors_hold_no_secret() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = TokenClient::builder()
        .endpoint(TokenEndpoint::url(format!(
            "http://127.0.0.1:{port}/oauth2/token"
        )))
        .credentials(password_credentials())
        .client_auth(ClientAuth::SecretBasic)
        .allow_insecure_loopback(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();

    assert!(matches!(&err, TokenError::Transport(_)), "{err:?}");
    assert_error_free_of("TokenError::Transport", &err, ALL_SECRETS);
    let basic = basic_value(CLIENT_ID, CLIENT_SECRET);
    assert_error_free_of("TokenError::Transport", &err, &[basic.as_str()]);
}

#[tokio::test]
async fn deadline_and_backoff_wrappers_hold_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "5")
                .set_body_raw(
                    format!("<html>busy; you sent client_secret={CLIENT_SECRET}&password={PASSWORD}</html>"),
                    "text/html",
                ),
        )
        .expect(1)
        .named("busy endpoint echoing the secrets")
        .mount(&server)
        .await;
    let client = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .credentials(password_credentials())
        .timeouts(Timeouts {
            overall: Duration::from_secs(2),
            ..Timeouts::default()
        })
        .build()
        .unwrap();
    let provider = OAuthProvider::from_source(
        CacheKey::custom("deadline"),
        Arc::new(client),
        Arc::new(MemoryTokenCache::new()),
    );

    // Retry-After 5 s does not fit in the 2 s deadline.
    let err = provider.token().await.unwrap_err();
    assert!(
        matches!(&err, TokenError::DeadlineExceeded { last, .. } if matches!(**last, TokenError::Status(_))),
        "{err:?}"
    );
    assert!(err.to_string().contains("[redacted]"), "{err}");
    assert_error_free_of("TokenError::DeadlineExceeded", &err, ALL_SECRETS);

    let err = provider.token().await.unwrap_err();
    assert!(matches!(&err, TokenError::BackingOff { .. }), "{err:?}");
    assert_error_free_of("TokenError::BackingOff", &err, ALL_SECRETS);
}

/// A server that answers with a JSON error document quoting the JSON request body
/// as a string: every secret in it is JSON-escaped twice.
struct JsonQuotingServer;

impl wiremock::Respond for JsonQuotingServer {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        ResponseTemplate::new(502).set_body_json(serde_json::json!({
            "message": "upstream rejected the request",
            "request": body,
        }))
    }
}

#[tokio::test]
async fn a_json_error_quoting_the_json_request_is_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(JsonQuotingServer)
        .expect(1)
        .named("JSON error quoting the request")
        .mount(&server)
        .await;
    let err = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .credentials(Credentials::password(
            CLIENT_ID,
            Some(ODD_SECRET.to_owned()),
            USERNAME,
            ODD_PASSWORD,
        ))
        .body_format(BodyFormat::Json)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();
    let TokenError::Status(status) = &err else {
        panic!("expected TokenError::Status, got {err:?}");
    };
    assert!(
        status.snippet().contains("upstream rejected"),
        "{}",
        status.snippet()
    );
    assert!(
        status.snippet().contains("[redacted]"),
        "{}",
        status.snippet()
    );
    // The double-escaped spellings, e.g. `p4ss\\\"w0rd`, and every fragment.
    assert_error_free_of("JSON quoting JSON", &err, ODD_FRAGMENTS);
    assert_error_free_of("JSON quoting JSON", &err, &[r#"p4ss\\\"w0rd"#, "w0rd"]);
}

#[tokio::test]
async fn an_echo_of_a_short_password_is_withheld_whole() {
    for password in ["pw", "p+1"] {
        let err = error_from_echoing_proxy(
            Credentials::password(CLIENT_ID, None, USERNAME, password),
            BodyFormat::Form,
            ClientAuth::SecretPost,
        )
        .await;
        let TokenError::Status(status) = &err else {
            panic!("expected TokenError::Status, got {err:?}");
        };
        let form = format!("password={}", password.replace('+', "%2B"));
        assert!(!status.snippet().contains(&form), "{}", status.snippet());
        assert!(
            status.snippet().starts_with("[redacted"),
            "{}",
            status.snippet()
        );
        assert_error_free_of("short password", &err, &[form.as_str()]);
    }
}

#[tokio::test]
async fn an_echoed_secret_extra_parameter_is_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(EchoingProxy)
        .expect(1)
        .named("proxy echoing the request")
        .mount(&server)
        .await;
    let err = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .extra_param("client_assertion", "eyJ-extra-assertion-77c1")
        .extra_param("refresh_token", "rt-9")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();
    assert_error_free_of("extra parameters", &err, &["eyJ-extra-assertion-77c1"]);
    let text = err.to_string();
    assert!(!text.contains("refresh_token=rt-9"), "{text}");
}
