//! Building the client: defaults, environments, from_env, secrets in Debug, token().

use kazi_tagging::{Client, Environment, Scope};
use serde_json::json;
use test_support::assertions::{assert_no_secret, config_field, remove_env_vars};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    api_headers, builder, mount_token, mount_token_at, API, CLIENT_ID, CLIENT_SECRET,
    SUBSCRIPTION_KEY,
};

#[test]
fn environments_pick_the_base_url() {
    let base = |env: Option<Environment>| {
        let mut b = Client::builder()
            .client_credentials(CLIENT_ID, CLIENT_SECRET)
            .subscription_key(SUBSCRIPTION_KEY);
        if let Some(env) = env {
            b = b.environment(env);
        }
        let client = b.build().unwrap();
        (client.environment(), client.base_url().to_owned())
    };
    assert_eq!(
        base(None),
        (Environment::Test, "https://test-api.kazi.be/".to_owned())
    );
    assert_eq!(
        base(Some(Environment::Production)),
        (Environment::Production, "https://api.kazi.be/".to_owned())
    );
    let overridden = Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .subscription_key(SUBSCRIPTION_KEY)
        .environment(Environment::Production)
        .base_url("https://kazi.example.com/gateway")
        .build()
        .unwrap();
    assert_eq!(overridden.base_url(), "https://kazi.example.com/gateway");
    assert_eq!(
        "PRODUCTION".parse::<Environment>().unwrap(),
        Environment::Production
    );
    assert_eq!("test".parse::<Environment>().unwrap(), Environment::Test);
    assert!("staging".parse::<Environment>().is_err());
}

#[test]
fn build_names_what_is_missing() {
    assert_eq!(
        config_field(Client::builder().subscription_key(SUBSCRIPTION_KEY).build()),
        "credentials"
    );
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials("", CLIENT_SECRET)
                .subscription_key(SUBSCRIPTION_KEY)
                .build()
        ),
        "credentials"
    );
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .build()
        ),
        "subscription_key"
    );
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .subscription_key(SUBSCRIPTION_KEY)
                .tenant(" ")
                .build()
        ),
        "tenant"
    );
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .subscription_key(SUBSCRIPTION_KEY)
                .resource("")
                .build()
        ),
        "resource"
    );
    // Plain http is refused unless explicitly allowed for loopback.
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .subscription_key(SUBSCRIPTION_KEY)
                .base_url("http://127.0.0.1:9/kazi")
                .build()
        ),
        "base_url"
    );
}

#[test]
fn debug_never_shows_secrets() {
    let b = Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .subscription_key(SUBSCRIPTION_KEY);
    let text = format!("{b:?}");
    assert!(text.contains(CLIENT_ID), "{text}");
    assert_no_secret(&text, &[CLIENT_SECRET, SUBSCRIPTION_KEY]);
    let client = b.build().unwrap();
    let text = format!("{client:?}");
    assert!(text.contains("test-api.kazi.be"), "{text}");
    assert_no_secret(&text, &[CLIENT_SECRET, SUBSCRIPTION_KEY]);
}

#[tokio::test]
async fn token_shows_the_granted_scopes() {
    let server = MockServer::start().await;
    mount_token(&server, &["read:expectations", "read:reports"]).await;
    let client = builder(&server).build().unwrap();
    let token = client.token().await.unwrap();
    assert_eq!(
        Scope::granted_by(&token),
        [
            Scope::ReadExpectations,
            Scope::Unknown("read:reports".to_owned())
        ]
    );
    // Cached: asking again does not call the token endpoint (expect(1) above).
    client.token().await.unwrap();
    assert!(!format!("{token:?}").contains(token.secret()));
}

/// All environment variable cases in one test: the variables are process-wide.
#[tokio::test]
async fn from_env_reads_and_names_variables() {
    const VARS: [&str; 7] = [
        "KAZI_CLIENT_ID",
        "KAZI_CLIENT_SECRET",
        "KAZI_SUBSCRIPTION_KEY",
        "KAZI_ENV",
        "KAZI_BASE_URL",
        "KAZI_TOKEN_URL",
        "KAZI_ALLOW_INSECURE_LOOPBACK",
    ];
    remove_env_vars(&VARS);
    assert_eq!(config_field(Client::builder().read_env()), "KAZI_CLIENT_ID");
    // What the builder already has need not be in the environment.
    let in_code = Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .subscription_key(SUBSCRIPTION_KEY)
        .read_env()
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(in_code.environment(), Environment::Test);
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(CLIENT_ID, CLIENT_SECRET)
                .read_env()
        ),
        "KAZI_SUBSCRIPTION_KEY"
    );
    std::env::set_var("KAZI_CLIENT_ID", CLIENT_ID);
    assert_eq!(config_field(Client::from_env()), "KAZI_CLIENT_SECRET");
    std::env::set_var("KAZI_CLIENT_SECRET", CLIENT_SECRET);
    assert_eq!(
        config_field(Client::builder().read_env()),
        "KAZI_SUBSCRIPTION_KEY"
    );
    std::env::set_var("KAZI_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
    std::env::set_var("KAZI_ENV", "staging");
    assert_eq!(config_field(Client::builder().read_env()), "KAZI_ENV");

    for production in ["production", "PROD"] {
        std::env::set_var("KAZI_ENV", production);
        let client = Client::from_env().unwrap();
        assert_eq!(client.environment(), Environment::Production);
        assert_eq!(client.base_url(), "https://api.kazi.be/");
    }
    std::env::remove_var("KAZI_ENV");
    assert_eq!(Client::from_env().unwrap().environment(), Environment::Test);
    // Settings made after `read_env` win over the variables.
    let adjusted = Client::builder()
        .read_env()
        .unwrap()
        .environment(Environment::Production)
        .build()
        .unwrap();
    assert_eq!(adjusted.environment(), Environment::Production);

    // Overrides point the whole client at the mock server.
    let server = MockServer::start().await;
    let token = mount_token_at(&server, "/token", &["read:expectations"], 2).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/tagging/v2/expectations")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(2)
        .named("expectations")
        .mount(&server)
        .await;
    // A malformed URL variable, or plain http without the opt-in, names the variable.
    for (var, value) in [
        ("KAZI_BASE_URL", "not a url"),
        ("KAZI_BASE_URL", "http://api.kazi.example/"),
        ("KAZI_TOKEN_URL", "ftp://login.example/token"),
        ("KAZI_ALLOW_INSECURE_LOOPBACK", "maybe"),
    ] {
        std::env::set_var(var, value);
        assert_eq!(config_field(Client::builder().read_env()), var, "{value}");
        std::env::remove_var(var);
    }
    std::env::set_var("KAZI_BASE_URL", format!("{}{API}", server.uri()));
    std::env::set_var("KAZI_TOKEN_URL", format!("{}/token", server.uri()));
    assert_eq!(config_field(Client::from_env()), "KAZI_TOKEN_URL");
    // The opt-in in code...
    let built = Client::builder()
        .read_env()
        .unwrap()
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    // ... or in the environment, as `vendorctl sandbox` prints it.
    std::env::set_var("KAZI_ALLOW_INSECURE_LOOPBACK", "1");
    let from_env = Client::from_env().unwrap();
    remove_env_vars(&VARS);
    assert!(built.expectations().list().await.unwrap().is_empty());
    assert!(from_env.expectations().list().await.unwrap().is_empty());
    crate::credentials::environment_cases().await;
}
