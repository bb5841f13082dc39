//! Tokens, versions and base URLs, errors, environment and secrets.

use kaisa::{ApiVersion, Client, ClientBuilder, Error, TokenFormat};
use serde_json::json;
use test_support::assertions::{assert_no_secret, config_field, remove_env_vars};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

async fn mount_ping(server: &MockServer, token: &str, ping_path: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path(ping_path))
        .and(api_headers(token))
        .and(exact_query(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ping": "ok"})))
        .expect(times)
        .named(format!("ping at {ping_path}"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn form_token_is_fetched_once_and_reused() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    mount_ping(&server, &token, &api_path("miscellaneous/ping"), 3).await;

    let client = builder(&server).build().unwrap();
    assert!(client.ping().await.unwrap().is_ok());
    assert!(client.ping().await.unwrap().is_ok());
    assert!(client.miscellaneous().ping().await.unwrap().is_ok());

    // A 300 s token is refreshed ahead by at most half its life (150 s) and served
    // from the cache until then: the token mock expects exactly one request.
    let cached = client.token().await.unwrap();
    assert_eq!(cached.secret(), token);
    assert_eq!(cached.lifetime(), std::time::Duration::from_secs(300));
    let refresh_ahead = cached.expires_at() - cached.refresh_at();
    assert!(
        refresh_ahead >= std::time::Duration::from_secs(150)
            && refresh_ahead <= std::time::Duration::from_secs(165),
        "{refresh_ahead:?}"
    );
    assert_eq!(cached.claims().unwrap().aud, vec!["kaisa-api".to_owned()]);
}

#[tokio::test]
async fn json_token_body_is_sent_when_chosen() {
    let server = MockServer::start().await;
    let token = kaisa_token();
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(&token)))
        .expect(1)
        .named("token endpoint, JSON body")
        .mount(&server)
        .await;
    mount_ping(&server, &token, &api_path("miscellaneous/ping"), 2).await;

    let client = builder(&server)
        .token_format(TokenFormat::Json)
        .build()
        .unwrap();
    client.ping().await.unwrap();
    client.ping().await.unwrap();
}

#[tokio::test]
async fn the_version_is_appended_to_the_base_url() {
    let cases: [(ApiVersion, &str); 4] = [
        (ApiVersion::V3, "v3"),
        (ApiVersion::custom("2.5.0"), "2.5.0"),
        (ApiVersion::from("2.4.9"), "2.4.9"),
        (ApiVersion::default(), "2.4.9"),
    ];
    for (version, segment) in cases {
        let server = MockServer::start().await;
        let token = mount_token(&server).await;
        let ping = format!("{PREFIX}/{segment}/miscellaneous/ping");
        mount_ping(&server, &token, &ping, 1).await;
        let client = builder(&server)
            .api_version(version.clone())
            .build()
            .unwrap();
        assert_eq!(client.api_version(), &version);
        client.ping().await.unwrap();
    }

    // A trailing slash on the base URL changes nothing; a string works as a version.
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    mount_ping(
        &server,
        &token,
        &format!("{PREFIX}/2.6/miscellaneous/ping"),
        1,
    )
    .await;
    builder(&server)
        .base_url(format!("{}{PREFIX}/", server.uri()))
        .api_version("2.6")
        .build()
        .unwrap()
        .ping()
        .await
        .unwrap();
}

#[test]
fn defaults_point_at_kaisa() {
    let client = Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();
    let text = format!("{client:?}");
    assert!(
        text.contains("https://api.analytics.freespee.com/2.4.9/"),
        "{text}"
    );
    assert!(text.contains(kaisa::DEFAULT_TOKEN_URL), "{text}");
    let v3 = Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .api_version(ApiVersion::V3)
        .build()
        .unwrap();
    assert!(format!("{v3:?}").contains("https://api.analytics.freespee.com/v3/"));
}

#[test]
fn bad_configuration_is_named() {
    let b = || Client::builder().client_credentials(CLIENT_ID, CLIENT_SECRET);
    assert_eq!(
        config_field(b().api_version("2.4.9/x").build()),
        "api_version"
    );
    assert_eq!(config_field(b().api_version("").build()), "api_version");
    assert_eq!(
        config_field(b().base_url("http://api.analytics.freespee.com").build()),
        "base_url"
    );
    assert_eq!(
        config_field(b().base_url("http://127.0.0.1:9/kaisa").build()),
        "base_url"
    );
    assert_eq!(
        config_field(b().token_url("http://127.0.0.1:9/token").build()),
        "token_url"
    );
    assert!(matches!(
        Client::builder()
            .client_credentials("", CLIENT_SECRET)
            .build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder().client_credentials(CLIENT_ID, "").build(),
        Err(Error::Config(_))
    ));
    assert!(b()
        .base_url("http://127.0.0.1:9/kaisa")
        .token_url("http://127.0.0.1:9/token")
        .allow_insecure_loopback(true)
        .build()
        .is_ok());
}

#[tokio::test]
async fn refused_client_credentials_are_a_token_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "Client authentication failed"
        })))
        .expect(1)
        .named("token endpoint refuses")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("no API call without a token")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client.ping().await.unwrap_err();
    let Error::Token(token_error) = &err else {
        panic!("expected a token error, got {err:?}")
    };
    assert_eq!(
        token_error.oauth().map(|o| o.code()),
        Some("invalid_client")
    );
    assert!(!err.to_string().contains(CLIENT_SECRET));
}

#[tokio::test]
async fn api_errors_keep_the_vendor_message() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("customers")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"code": 404, "message": "Unknown API version '9.9.9'"}
        })))
        .expect(1)
        .named("customers answers 404")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client.customers().list().send().await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(api.message(), Some("Unknown API version '9.9.9'"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_rejected_token_is_replaced_once() {
    let server = MockServer::start().await;
    let token = kaisa_token();
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(&token)))
        .expect(2)
        .named("token endpoint, asked again after the 401")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("miscellaneous/ping")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": {"code": 401, "message": "Invalid or expired token"}
        })))
        .expect(2)
        .named("ping refuses the token twice")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client.ping().await.unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&vendor_core::AuthErrorKind::TokenRejected)
    );
}

#[test]
fn debug_output_holds_no_secret() {
    let builder = Client::builder().client_credentials(CLIENT_ID, CLIENT_SECRET);
    let builder_text = format!("{builder:?}");
    let client_text = format!("{:?}", builder.build().unwrap());
    for text in [builder_text, client_text] {
        assert_no_secret(&text, &[CLIENT_SECRET]);
        assert!(text.contains(CLIENT_ID), "{text}");
    }
}

const ENV_VARS: [&str; 7] = [
    "KAISA_ALLOW_INSECURE_LOOPBACK",
    "KAISA_CLIENT_ID",
    "KAISA_CLIENT_SECRET",
    "KAISA_API_VERSION",
    "KAISA_BASE_URL",
    "KAISA_TOKEN_URL",
    "KAISA_TOKEN_FORMAT",
];

/// Every environment test lives here: variables are process-wide.
#[tokio::test]
async fn configuration_from_the_environment() {
    let server = MockServer::start().await;
    let token = kaisa_token();
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(&token)))
        .expect(1)
        .named("token endpoint from env, JSON")
        .mount(&server)
        .await;
    mount_ping(
        &server,
        &token,
        &format!("{PREFIX}/v3/miscellaneous/ping"),
        1,
    )
    .await;

    remove_env_vars(&ENV_VARS);
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KAISA_CLIENT_ID"
    );
    assert_eq!(config_field(ClientBuilder::from_env()), "KAISA_CLIENT_ID");
    // Credentials the builder already has need not be in the environment.
    let in_code = Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .read_env()
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(in_code.api_version(), &ApiVersion::V2_4_9);
    // Half a pair in the environment is still a mistake, named.
    std::env::set_var("KAISA_CLIENT_SECRET", CLIENT_SECRET);
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .read_env()
        ),
        "KAISA_CLIENT_ID"
    );
    std::env::remove_var("KAISA_CLIENT_SECRET");
    std::env::set_var("KAISA_CLIENT_ID", CLIENT_ID);
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KAISA_CLIENT_SECRET"
    );
    std::env::set_var("KAISA_CLIENT_SECRET", CLIENT_SECRET);
    // Defaults alone make a client for Kaisa's real hosts.
    assert!(Client::from_env().is_ok());

    std::env::set_var("KAISA_TOKEN_FORMAT", "xml");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KAISA_TOKEN_FORMAT"
    );
    std::env::set_var("KAISA_TOKEN_FORMAT", "JSON");
    std::env::set_var("KAISA_API_VERSION", "v3/../x");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KAISA_API_VERSION"
    );
    std::env::set_var("KAISA_API_VERSION", "v3");
    std::env::set_var("KAISA_BASE_URL", format!("{}{PREFIX}", server.uri()));
    std::env::set_var("KAISA_TOKEN_URL", format!("{}{TOKEN_PATH}", server.uri()));

    // Plain http to loopback still needs the opt-in: a setter, or the variable the
    // sandbox prints.
    assert_eq!(config_field(Client::from_env()), "KAISA_TOKEN_URL");
    let client = Client::builder()
        .read_env()
        .unwrap()
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert_eq!(client.api_version(), &ApiVersion::V3);
    std::env::set_var("KAISA_ALLOW_INSECURE_LOOPBACK", "maybe");
    assert_eq!(
        config_field(Client::from_env()),
        "KAISA_ALLOW_INSECURE_LOOPBACK"
    );
    std::env::set_var("KAISA_ALLOW_INSECURE_LOOPBACK", "1");
    let client = Client::from_env().unwrap();
    assert_eq!(client.api_version(), &ApiVersion::V3);
    client.ping().await.unwrap();

    // A setter after `read_env` overrides its variable.
    let client = Client::builder()
        .read_env()
        .unwrap()
        .api_version("2.4.9")
        .build()
        .unwrap();
    assert_eq!(client.api_version(), &ApiVersion::V2_4_9);

    remove_env_vars(&ENV_VARS);
}

#[tokio::test]
async fn the_raw_pipeline_is_versioned_and_authorized_like_the_typed_calls() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("numbers")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"number": "+4686"}])))
        .expect(1)
        .named("an endpoint the crate does not model")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    assert_eq!(
        client.base_url(),
        format!("{}{PREFIX}/2.4.9/", server.uri())
    );
    let answer: serde_json::Value = client
        .api_client()
        .send(vendor_core::Request::get("numbers"))
        .await
        .unwrap();
    assert_eq!(answer[0]["number"], "+4686");
}

/// A token provider the application already has replaces the credentials: no token
/// endpoint is asked, and the calls carry its bearer.
#[tokio::test]
async fn a_token_provider_replaces_the_credentials() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path_regex("token"))
        .respond_with(wiremock::ResponseTemplate::new(500))
        .expect(0)
        .named("any token endpoint")
        .mount(&server)
        .await;
    let token = crate::kaisa_token();
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(crate::api_path("customers")))
        .and(crate::api_headers(&token))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"customers": []})),
        )
        .expect(1)
        .named("customers")
        .mount(&server)
        .await;
    let provider = oauth_core::StaticTokenProvider::new(oauth_core::AccessToken::valid_for(
        token.clone(),
        std::time::Duration::from_secs(3600),
    ));
    let client = kaisa::Client::builder()
        .base_url(format!("{}{}", server.uri(), crate::PREFIX))
        .allow_insecure_loopback(true)
        .token_provider(std::sync::Arc::new(provider))
        .build()
        .unwrap();
    assert!(client.customers().list().send().await.unwrap().is_empty());
}
