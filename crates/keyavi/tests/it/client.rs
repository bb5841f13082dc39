//! Authentication modes, configuration, environment and secrets.

use keyavi::{AuthMode, CallerId, Client, ClientBuilder, Error, CALLER_ID_HEADER};
use serde_json::json;
use test_support::assertions::{assert_no_secret, config_field, remove_env_vars};
use vendor_core::AuthErrorKind;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

fn empty_page() -> serde_json::Value {
    json!({"pagination": {"totalRecords": 0, "pageSize": 100, "itemsInPage": 0, "page": 1}, "data": []})
}

#[tokio::test]
async fn user_mode_uses_the_password_grant_and_sends_no_caller_id() {
    let server = MockServer::start().await;
    let token = user_token("access_as_user");
    let scope = format!("{APP_ID}/access_as_user");
    mount_token(
        &server,
        &[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("username", USERNAME),
            ("password", PASSWORD),
            ("scope", &scope),
        ],
        &token,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_page()))
        .expect(2)
        .named("logs/payload")
        .mount(&server)
        .await;

    let client = user_builder(&server).build().unwrap();
    assert_eq!(client.auth_mode(), AuthMode::User);
    assert!(client.caller_id().is_none());
    client.logs().payload().send().await.unwrap();
    client.logs().payload().send().await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let api_calls: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path().starts_with(API))
        .collect();
    assert_eq!(api_calls.len(), 2);
    for call in api_calls {
        assert!(
            call.headers.get(CALLER_ID_HEADER).is_none(),
            "user mode must not send x-api-caller-id"
        );
    }
}

#[tokio::test]
async fn user_mode_sends_the_client_secret_of_a_confidential_client() {
    let server = MockServer::start().await;
    let token = user_token("access_as_user");
    let scope = format!("{APP_ID}/access_as_user");
    mount_token(
        &server,
        &[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("username", USERNAME),
            ("password", PASSWORD),
            ("scope", &scope),
        ],
        &token,
    )
    .await;
    let client = user_builder(&server)
        .client_secret(CLIENT_SECRET)
        .build()
        .unwrap();
    let fetched = client.token().await.unwrap();
    assert_eq!(fetched.secret(), token);
    let claims = fetched.claims().unwrap();
    assert_eq!(claims.scopes, vec!["access_as_user".to_owned()]);
}

#[tokio::test]
async fn app_mode_uses_client_credentials_and_sends_the_caller_id_on_every_call() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Payloads.Protect", "Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .and(header(CALLER_ID_HEADER, CALLER))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_page()))
        .expect(1)
        .named("logs/payload with caller id")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/full-payload")))
        .and(api_headers(&token))
        .and(header(CALLER_ID_HEADER, CALLER))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_page()))
        .expect(1)
        .named("logs/full-payload with caller id")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/payloads/protect-remote/")))
        .and(api_headers(&token))
        .and(header(CALLER_ID_HEADER, CALLER))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("protect_remote.json")))
        .expect(1)
        .named("protect-remote with caller id")
        .mount(&server)
        .await;

    let client = app_builder(&server).build().unwrap();
    assert_eq!(client.auth_mode(), AuthMode::App);
    assert_eq!(client.caller_id().map(CallerId::as_str), Some(CALLER));
    client.logs().payload().send().await.unwrap();
    client.logs().full_payload().send().await.unwrap();
    client
        .payloads()
        .protect_remote(b"x".to_vec(), "x.txt")
        .send()
        .await
        .unwrap();
    // The token endpoint mock expects exactly one request: the token was reused.
}

#[tokio::test]
async fn scope_defaults_to_the_client_id_and_can_be_replaced() {
    let server = MockServer::start().await;
    let default_scope = format!("{CLIENT_ID}/.default");
    mount_token(
        &server,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", &default_scope),
        ],
        &app_token(&[]),
    )
    .await;
    let caller = CallerId::parse(CALLER).unwrap();
    let client = Client::builder()
        .app(CLIENT_ID, CLIENT_SECRET, caller.clone())
        .tenant(TENANT)
        .authority(server.uri())
        .base_url(format!("{}{API}/", server.uri()))
        .subscription_key(SUBSCRIPTION_KEY)
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    // Built in code without an application id: the client id stands in, said so.
    assert_eq!(client.warnings().len(), 1, "{:?}", client.warnings());
    assert!(client.warnings()[0].contains(&default_scope));
    assert!(client.warnings()[0].contains("KEYAVI_API_APP_ID"));
    client.token().await.unwrap();

    let other = MockServer::start().await;
    mount_token(
        &other,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", "api://keyavi-prod/.default"),
        ],
        &app_token(&[]),
    )
    .await;
    let client = app_builder(&other)
        .scope("api://keyavi-prod/.default")
        .build()
        .unwrap();
    client.token().await.unwrap();
}

#[tokio::test]
async fn missing_subscription_key_is_classified() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401,
            "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."
        })))
        .expect(1)
        .named("APIM refuses")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let err = client.logs().payload().send().await.unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::SubscriptionKeyMissing)
    );
}

#[tokio::test]
async fn missing_app_role_is_named() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Payloads.Protect"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/full-payload")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "statusCode": 403,
            "message": "The application is not assigned the Logs.Read role."
        })))
        .expect(1)
        .named("role missing")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let err = client.logs().full_payload().send().await.unwrap_err();
    match err.auth_kind() {
        Some(AuthErrorKind::MissingRole { required, granted }) => {
            assert_eq!(required, "Logs.Read");
            assert_eq!(granted, &vec!["Payloads.Protect".to_owned()]);
        }
        other => panic!("expected MissingRole, got {other:?} ({err})"),
    }
    assert!(err.to_string().contains("Logs.Read"), "{err}");
}

#[tokio::test]
async fn missing_user_scope_is_named() {
    let server = MockServer::start().await;
    let token = user_token("User.Read");
    let scope = format!("{APP_ID}/access_as_user");
    mount_token(
        &server,
        &[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("username", USERNAME),
            ("password", PASSWORD),
            ("scope", &scope),
        ],
        &token,
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/payloads/protect-remote/")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "statusCode": 403, "message": "The token lacks the access_as_user scope."
        })))
        .expect(1)
        .named("scope missing")
        .mount(&server)
        .await;
    let client = user_builder(&server).build().unwrap();
    let err = client
        .payloads()
        .protect_remote(b"x".to_vec(), "x.txt")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.auth_kind(), Some(AuthErrorKind::MissingRole { required, .. }) if required == "access_as_user"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_refused_caller_id_is_reported_with_the_api_message() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "statusCode": 400,
            "message": "x-api-caller-id header is required for application callers"
        })))
        .expect(1)
        .named("caller id refused")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let err = client.logs().payload().send().await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.status().as_u16(), 400);
    assert!(api.message().unwrap().contains("x-api-caller-id"));
}

#[test]
fn invalid_caller_ids_are_refused_before_building() {
    for bad in [
        "ops",
        "ops@localhost",
        "@example.com",
        "o ps@example.com",
        "a@b@c.com",
    ] {
        let err = CallerId::parse(bad).unwrap_err();
        assert_eq!(err.field(), "caller_id", "{bad}");
        // `?` turns it into the crate's error.
        let as_error: Error = err.into();
        assert!(matches!(as_error, Error::Config(_)));
    }
}

#[test]
fn http_base_url_is_refused_without_the_loopback_opt_in() {
    let caller = CallerId::parse(CALLER).unwrap();
    let base = || {
        Client::builder()
            .app(CLIENT_ID, CLIENT_SECRET, caller.clone())
            .tenant(TENANT)
            .subscription_key(SUBSCRIPTION_KEY)
    };
    assert_eq!(
        config_field(base().base_url("http://127.0.0.1:9/keyavi/api/").build()),
        "base_url"
    );
    assert_eq!(
        config_field(
            base()
                .base_url("http://keyavi.example.com/api/")
                .allow_insecure_loopback(true)
                .build()
        ),
        "base_url"
    );
    assert!(base()
        .base_url("http://127.0.0.1:9/keyavi/api/")
        .allow_insecure_loopback(true)
        .build()
        .is_ok());
    assert!(base()
        .base_url("https://keyavi.example.com/api/")
        .build()
        .is_ok());
}

#[test]
fn required_settings_are_named() {
    let caller = CallerId::parse(CALLER).unwrap();
    let full = || {
        Client::builder()
            .app(CLIENT_ID, CLIENT_SECRET, caller.clone())
            .tenant(TENANT)
            .base_url("https://keyavi.example.com/api/")
            .subscription_key(SUBSCRIPTION_KEY)
    };
    assert!(full().build().is_ok());
    let no_tenant = Client::builder()
        .app(CLIENT_ID, CLIENT_SECRET, caller.clone())
        .base_url("https://keyavi.example.com/api/")
        .subscription_key(SUBSCRIPTION_KEY)
        .build();
    assert_eq!(config_field(no_tenant), "tenant");
    let no_base = Client::builder()
        .app(CLIENT_ID, CLIENT_SECRET, caller.clone())
        .tenant(TENANT)
        .subscription_key(SUBSCRIPTION_KEY)
        .build();
    assert_eq!(config_field(no_base), "base_url");
    let no_key = Client::builder()
        .app(CLIENT_ID, CLIENT_SECRET, caller.clone())
        .tenant(TENANT)
        .base_url("https://keyavi.example.com/api/")
        .build();
    assert_eq!(config_field(no_key), "subscription_key");
    let empty_password = Client::builder()
        .user(CLIENT_ID, USERNAME, "")
        .tenant(TENANT)
        .base_url("https://keyavi.example.com/api/")
        .subscription_key(SUBSCRIPTION_KEY)
        .build();
    assert!(matches!(empty_password, Err(Error::Config(_))));
}

#[test]
fn debug_output_holds_no_secret() {
    let caller = CallerId::parse(CALLER).unwrap();
    let app = Client::builder()
        .app(CLIENT_ID, CLIENT_SECRET, caller)
        .tenant(TENANT)
        .base_url("https://keyavi.example.com/api/")
        .subscription_key(SUBSCRIPTION_KEY);
    let user = Client::builder()
        .user(CLIENT_ID, USERNAME, PASSWORD)
        .client_secret(CLIENT_SECRET)
        .tenant(TENANT)
        .base_url("https://keyavi.example.com/api/")
        .subscription_key(SUBSCRIPTION_KEY);
    let texts = [
        format!("{app:?}"),
        format!("{user:?}"),
        format!("{:?}", app.build().unwrap()),
        format!("{:?}", user.build().unwrap()),
    ];
    for text in texts {
        assert_no_secret(&text, &[CLIENT_SECRET, PASSWORD, SUBSCRIPTION_KEY]);
        assert!(
            text.contains(CLIENT_ID) || text.contains("Client"),
            "{text}"
        );
    }
}

const ENV_VARS: [&str; 12] = [
    "KEYAVI_API_APP_ID",
    "KEYAVI_BASE_URL",
    "KEYAVI_TENANT_ID",
    "KEYAVI_CLIENT_ID",
    "KEYAVI_CLIENT_SECRET",
    "KEYAVI_SCOPE",
    "KEYAVI_SUBSCRIPTION_KEY",
    "KEYAVI_CALLER_ID",
    "KEYAVI_USERNAME",
    "KEYAVI_PASSWORD",
    "KEYAVI_TOKEN_URL",
    "KEYAVI_ALLOW_INSECURE_LOOPBACK",
];

/// Every environment test lives here: variables are process-wide.
#[tokio::test]
async fn configuration_from_the_environment() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .and(header(CALLER_ID_HEADER, CALLER))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_page()))
        .expect(1)
        .named("logs/payload from env client")
        .mount(&server)
        .await;

    remove_env_vars(&ENV_VARS);
    assert_eq!(config_field(ClientBuilder::from_env()), "KEYAVI_BASE_URL");
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KEYAVI_BASE_URL"
    );

    // `read_env` requires only what the builder does not already have.
    let app = app_builder(&server).read_env().unwrap().build().unwrap();
    assert_eq!(app.auth_mode(), AuthMode::App);
    assert_eq!(app.caller_id().map(CallerId::as_str), Some(CALLER));
    let user = user_builder(&server).read_env().unwrap().build().unwrap();
    assert_eq!(user.auth_mode(), AuthMode::User);
    assert_eq!(
        config_field(
            Client::builder()
                .app(CLIENT_ID, CLIENT_SECRET, CallerId::parse(CALLER).unwrap())
                .base_url(format!("{}{API}/", server.uri()))
                .subscription_key(SUBSCRIPTION_KEY)
                .read_env()
        ),
        "KEYAVI_TENANT_ID"
    );
    // The variables that are set win over what the builder had.
    std::env::set_var("KEYAVI_CALLER_ID", "auditor@example.com");
    let app = app_builder(&server).read_env().unwrap().build().unwrap();
    assert_eq!(
        app.caller_id().map(CallerId::as_str),
        Some("auditor@example.com")
    );
    std::env::set_var("KEYAVI_CALLER_ID", "not-an-email");
    assert_eq!(
        config_field(app_builder(&server).read_env()),
        "KEYAVI_CALLER_ID"
    );
    std::env::remove_var("KEYAVI_CALLER_ID");

    // Application mode.
    std::env::set_var("KEYAVI_BASE_URL", format!("{}{API}/", server.uri()));
    std::env::set_var(
        "KEYAVI_TOKEN_URL",
        format!("{}{}", server.uri(), token_path()),
    );
    assert_eq!(config_field(ClientBuilder::from_env()), "KEYAVI_TENANT_ID");
    std::env::set_var("KEYAVI_TENANT_ID", TENANT);
    assert_eq!(config_field(ClientBuilder::from_env()), "KEYAVI_CLIENT_ID");
    std::env::set_var("KEYAVI_CLIENT_ID", CLIENT_ID);
    assert_eq!(
        config_field(ClientBuilder::from_env()),
        "KEYAVI_SUBSCRIPTION_KEY"
    );
    std::env::set_var("KEYAVI_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    assert_eq!(
        config_field(ClientBuilder::from_env()),
        "KEYAVI_CLIENT_SECRET"
    );
    std::env::set_var("KEYAVI_CLIENT_SECRET", CLIENT_SECRET);
    assert_eq!(config_field(ClientBuilder::from_env()), "KEYAVI_CALLER_ID");
    std::env::set_var("KEYAVI_CALLER_ID", "not-an-email");
    assert_eq!(config_field(ClientBuilder::from_env()), "KEYAVI_CALLER_ID");
    std::env::set_var("KEYAVI_CALLER_ID", CALLER);
    // The scope is built from Keyavi's API application id, never guessed from the
    // caller's client id: one of KEYAVI_API_APP_ID and KEYAVI_SCOPE is required.
    assert_eq!(config_field(ClientBuilder::from_env()), "KEYAVI_API_APP_ID");
    match ClientBuilder::from_env() {
        Err(keyavi::Error::Config(e)) => {
            let text = e.to_string();
            assert!(text.contains("KEYAVI_SCOPE"), "{text}");
            assert!(text.contains("API authentication app service"), "{text}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
    // An application id set in code is enough.
    Client::builder()
        .app_id(APP_ID)
        .read_env()
        .unwrap()
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    std::env::set_var("KEYAVI_API_APP_ID", APP_ID);

    // Plain http to loopback still needs the opt-in, which the caller adds.
    let field = config_field(Client::from_env());
    assert!(
        field == "KEYAVI_TOKEN_URL" || field == "KEYAVI_BASE_URL",
        "{field}"
    );
    let client = ClientBuilder::from_env()
        .unwrap()
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert_eq!(client.auth_mode(), AuthMode::App);
    // Or from the environment too, as `vendorctl sandbox` prints it.
    std::env::set_var("KEYAVI_ALLOW_INSECURE_LOOPBACK", "yes please");
    assert_eq!(
        config_field(Client::from_env()),
        "KEYAVI_ALLOW_INSECURE_LOOPBACK"
    );
    std::env::set_var("KEYAVI_ALLOW_INSECURE_LOOPBACK", "1");
    let client = Client::from_env().unwrap();
    assert_eq!(client.auth_mode(), AuthMode::App);
    assert!(client.warnings().is_empty(), "{:?}", client.warnings());
    // The token mock expects `<APP_ID>/.default`, built from KEYAVI_API_APP_ID.
    client.logs().payload().send().await.unwrap();

    // User mode: chosen by KEYAVI_USERNAME; the password is then required.
    std::env::set_var("KEYAVI_USERNAME", USERNAME);
    assert_eq!(config_field(ClientBuilder::from_env()), "KEYAVI_PASSWORD");
    std::env::set_var("KEYAVI_PASSWORD", PASSWORD);
    std::env::remove_var("KEYAVI_CLIENT_SECRET");
    std::env::remove_var("KEYAVI_CALLER_ID");
    let client = ClientBuilder::from_env()
        .unwrap()
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert_eq!(client.auth_mode(), AuthMode::User);
    assert!(client.warnings().is_empty(), "{:?}", client.warnings());
    // A scope of application mode given to user mode is sent, with a warning.
    std::env::set_var("KEYAVI_SCOPE", format!("{APP_ID}/.default"));
    let client = ClientBuilder::from_env()
        .unwrap()
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert_eq!(client.warnings().len(), 1, "{:?}", client.warnings());
    assert!(client.warnings()[0].contains("/access_as_user"));
    assert!(client.warnings()[0].contains("KEYAVI_SCOPE"));

    remove_env_vars(&ENV_VARS);
    crate::credentials::environment_cases().await;
}

#[tokio::test]
async fn the_raw_pipeline_adds_the_same_bearer_key_and_caller_id() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/payloads/policies")))
        .and(api_headers(&token))
        .and(header(CALLER_ID_HEADER, CALLER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [1, 2]})))
        .expect(1)
        .named("an endpoint the crate does not model")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    assert_eq!(client.base_url(), format!("{}{API}/", server.uri()));
    let answer: serde_json::Value = client
        .api_client()
        .send(vendor_core::Request::get("payloads/policies"))
        .await
        .unwrap();
    assert_eq!(answer["items"], json!([1, 2]));
}

#[test]
fn scopes_keyavi_would_refuse_are_warned_about() {
    let server_uri = "http://127.0.0.1:9";
    let with = |b: ClientBuilder| {
        b.tenant(TENANT)
            .authority(server_uri)
            .base_url(format!("{server_uri}{API}/"))
            .subscription_key(SUBSCRIPTION_KEY)
            .allow_insecure_loopback(true)
            .build()
            .unwrap()
    };
    let caller = || CallerId::parse(CALLER).unwrap();
    // Built from Keyavi's application id, in either mode: nothing to say.
    let app = with(
        Client::builder()
            .app(CLIENT_ID, CLIENT_SECRET, caller())
            .app_id(APP_ID),
    );
    assert!(app.warnings().is_empty(), "{:?}", app.warnings());
    let user = with(
        Client::builder()
            .user(CLIENT_ID, USERNAME, PASSWORD)
            .app_id(APP_ID),
    );
    assert!(user.warnings().is_empty(), "{:?}", user.warnings());
    // User mode with a scope that does not end in /access_as_user.
    let user = with(
        Client::builder()
            .user(CLIENT_ID, USERNAME, PASSWORD)
            .scope(format!("{APP_ID}/.default")),
    );
    assert_eq!(user.warnings().len(), 1, "{:?}", user.warnings());
    assert!(user.warnings()[0].contains("user mode"));
    assert!(user.warnings()[0].contains("/access_as_user"));
    // Application mode with a scope that does not end in /.default.
    let app = with(
        Client::builder()
            .app(CLIENT_ID, CLIENT_SECRET, caller())
            .scope(format!("{APP_ID}/access_as_user")),
    );
    assert_eq!(app.warnings().len(), 1, "{:?}", app.warnings());
    assert!(app.warnings()[0].contains("/.default"));
    // A warning holds no secret.
    for w in app.warnings().iter().chain(user.warnings()) {
        assert!(!w.contains(CLIENT_SECRET) && !w.contains(PASSWORD), "{w}");
    }
}
