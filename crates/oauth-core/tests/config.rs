//! Configuration is checked when a client or provider is built, and a refusal names
//! the setting to fix.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oauth_core::{
    ClientAuth, ConfigError, Credentials, OAuthProvider, TokenClient, TokenClientBuilder,
    TokenEndpoint,
};

const ID: &str = "0b6f3c1e-5a7d-4c2b-9e3f-app-client";
const SECRET: &str = "s3cr3t-7f1c9e-client";
const TENANT: &str = "kazib2c.onmicrosoft.com";

fn v2() -> TokenEndpoint {
    TokenEndpoint::azure_ad_v2(TENANT, ["api://okq8-orders/.default"])
}

fn app() -> Credentials {
    Credentials::client_credentials(ID, SECRET)
}

fn refused(builder: TokenClientBuilder) -> ConfigError {
    match builder.build() {
        Ok(client) => panic!("expected a ConfigError, built {client:?}"),
        Err(e) => e,
    }
}

/// Builds both ways (client and provider) and checks that both refuse with `field`.
#[track_caller]
fn assert_refused(
    field: &str,
    client: TokenClientBuilder,
    provider: oauth_core::OAuthProviderBuilder,
) {
    let err = refused(client);
    assert_eq!(err.field(), field, "{err}");
    assert!(!err.problem().is_empty());
    assert!(
        err.to_string().contains(field),
        "the message names the setting: {err}"
    );
    assert!(!err.to_string().contains(SECRET), "{err}");
    let err = provider.build().unwrap_err();
    assert_eq!(err.field(), field, "provider: {err}");
}

macro_rules! both {
    ($field:expr, |$b:ident| $setup:expr) => {{
        let $b = TokenClient::builder();
        let client = $setup;
        let $b = OAuthProvider::builder();
        let provider = $setup;
        assert_refused($field, client, provider);
    }};
}

#[test]
fn a_valid_configuration_builds() {
    // The positive control: every refusal below differs from this in one setting.
    let client = TokenClient::builder()
        .endpoint(v2())
        .credentials(app())
        .build()
        .unwrap();
    assert_eq!(
        client.url().as_str(),
        format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(client.client_id(), ID);
    OAuthProvider::builder()
        .endpoint(TokenEndpoint::azure_ad_v1(
            TENANT,
            "d00b610c-389f-4a05-97cc-f9a934488c8b",
        ))
        .credentials(Credentials::password(ID, None, "user@kazi.be", "pw-1234"))
        .build()
        .unwrap();
    TokenClient::builder()
        .endpoint(TokenEndpoint::url("http://127.0.0.1:8080/oauth2/token"))
        .credentials(app())
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    TokenClient::builder()
        .endpoint(TokenEndpoint::url("http://localhost:8080/oauth2/token"))
        .credentials(app())
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
}

#[test]
fn missing_endpoint_or_credentials() {
    both!("endpoint", |b| b.credentials(app()));
    both!("credentials", |b| b.endpoint(v2()));
}

#[test]
fn empty_client_id_or_secret() {
    both!("client_id", |b| b
        .endpoint(v2())
        .credentials(Credentials::client_credentials("", SECRET)));
    both!("client_id", |b| b
        .endpoint(v2())
        .credentials(Credentials::client_credentials("  ", SECRET)));
    both!("client_secret", |b| b
        .endpoint(v2())
        .credentials(Credentials::client_credentials(ID, "")));
    both!("client_secret", |b| b.endpoint(v2()).credentials(
        Credentials::password(ID, Some(String::new()), "user", "pw-1234")
    ));
}

#[test]
fn empty_username_or_password() {
    both!("username", |b| b
        .endpoint(v2())
        .credentials(Credentials::password(ID, None, "", "pw-1234")));
    both!("password", |b| b
        .endpoint(v2())
        .credentials(Credentials::password(ID, None, "user", "")));
}

#[test]
fn malformed_tenant() {
    for tenant in ["a/b", "", "x?y", "has space", "../other"] {
        let err = refused(
            TokenClient::builder()
                .endpoint(TokenEndpoint::azure_ad_v2(tenant, ["api://x/.default"]))
                .credentials(app()),
        );
        assert_eq!(err.field(), "tenant", "{tenant:?}: {err}");
        let err = refused(
            TokenClient::builder()
                .endpoint(TokenEndpoint::azure_ad_v1(tenant, "resource"))
                .credentials(app()),
        );
        assert_eq!(err.field(), "tenant", "{tenant:?}: {err}");
    }
    both!("tenant", |b| b
        .endpoint(TokenEndpoint::azure_ad_v2("a/b", ["api://x/.default"]))
        .credentials(app()));
}

#[test]
fn an_endpoint_tells_what_it_asks_for() {
    let v2 = TokenEndpoint::azure_ad_v2(TENANT, ["api://x/.default", "offline_access"]);
    assert_eq!(v2.scopes(), ["api://x/.default", "offline_access"]);
    assert_eq!(v2.resource(), None);
    let v1 = TokenEndpoint::azure_ad_v1(TENANT, "https://kazi.example/api");
    assert!(v1.scopes().is_empty());
    assert_eq!(v1.resource(), Some("https://kazi.example/api"));
    let generic = TokenEndpoint::url("https://auth.example/token").with_scopes(["read", "write"]);
    assert_eq!(generic.scopes(), ["read", "write"]);
}

#[test]
fn scopes_and_resource() {
    both!("scope", |b| b
        .endpoint(TokenEndpoint::azure_ad_v2(TENANT, Vec::<String>::new()))
        .credentials(app()));
    both!("scope", |b| b
        .endpoint(TokenEndpoint::azure_ad_v2(TENANT, [""]))
        .credentials(app()));
    both!("scope", |b| b
        .endpoint(TokenEndpoint::azure_ad_v2(
            TENANT,
            ["api://x/.default", " "]
        ))
        .credentials(app()));
    both!("scope", |b| b
        .endpoint(TokenEndpoint::url("https://auth.freespee.com/oauth2/token").with_scopes([""]))
        .credentials(app()));
    both!("resource", |b| b
        .endpoint(TokenEndpoint::azure_ad_v1(TENANT, ""))
        .credentials(app()));
}

#[test]
fn plain_http_needs_the_opt_in_and_a_loopback_host() {
    both!("token_url", |b| b
        .endpoint(TokenEndpoint::url("http://127.0.0.1:8080/oauth2/token"))
        .credentials(app()));
    both!("token_url", |b| b
        .endpoint(TokenEndpoint::url("http://auth.freespee.com/oauth2/token"))
        .credentials(app())
        .allow_insecure_loopback(true));
    both!("token_url", |b| b
        .endpoint(v2())
        .token_url("http://login.example.com/token")
        .credentials(app())
        .allow_insecure_loopback(true));
    both!("authority", |b| b
        .endpoint(v2())
        .authority("http://127.0.0.1:8080")
        .credentials(app()));
    both!("authority", |b| b
        .endpoint(v2())
        .authority("http://login.microsoftonline.com")
        .credentials(app())
        .allow_insecure_loopback(true));
}

#[test]
fn token_urls_must_be_urls_without_credentials() {
    both!("token_url", |b| b
        .endpoint(TokenEndpoint::url("not a url"))
        .credentials(app()));
    both!("token_url", |b| b
        .endpoint(TokenEndpoint::url("ftp://auth.freespee.com/token"))
        .credentials(app()));
    both!("token_url", |b| b
        .endpoint(TokenEndpoint::url(format!(
            "https://{ID}:{SECRET}@auth.freespee.com/token"
        )))
        .credentials(app()));
}

#[test]
fn basic_auth_needs_a_client_secret() {
    both!("client_auth", |b| b
        .endpoint(v2())
        .credentials(Credentials::password(ID, None, "user", "pw-1234"))
        .client_auth(ClientAuth::SecretBasic));
}

#[test]
fn a_url_error_never_shows_the_password_the_url_carries() {
    for url in [
        "https://svc:Pa55w0rd-7e1@api kazi.be/oauth2/token",
        "https://svc:Pa55w0rd-7e1@",
        "ftp://svc:Pa55w0rd-7e1@example.com/token",
        "https://svc:Pa55w0rd-7e1@example.com/token",
    ] {
        let err = refused(
            TokenClient::builder()
                .endpoint(TokenEndpoint::url(url))
                .credentials(Credentials::client_credentials(ID, SECRET)),
        );
        assert_eq!(err.field(), "token_url", "{err}");
        assert!(!err.to_string().contains("Pa55w0rd-7e1"), "{err}");
    }
}

/// Each way a token URL can be wrong gets its own reason, quoting the URL without
/// its credentials.
#[test]
fn a_refused_token_url_says_why() {
    let problem = |url: &str, loopback: bool| {
        refused(
            TokenClient::builder()
                .endpoint(TokenEndpoint::url(url))
                .credentials(app())
                .allow_insecure_loopback(loopback),
        )
        .problem()
        .to_owned()
    };
    // A user name alone is a credential too.
    assert_eq!(
        problem("https://svc@auth.example.com/token", false),
        "must not carry credentials in the URL; configure them separately"
    );
    assert_eq!(
        problem("file:///etc/token", false),
        "`file:///etc/token` has no host"
    );
    assert_eq!(
        problem("http://auth.example.com/token", true),
        "`http://auth.example.com/token`: plain http is allowed only to a loopback host (127.0.0.1, ::1, localhost)"
    );
    assert!(problem("http://auth.example.com/token", false)
        .starts_with("`http://auth.example.com/token` must use https://"));
    // The URL is quoted, its user and password replaced.
    let shown = problem("https://svc:Pa55w0rd-7e1@api kazi.be/oauth2/token", false);
    assert!(
        shown.starts_with("`https://[redacted]@api kazi.be/oauth2/token` is not a valid URL"),
        "{shown}"
    );
}

/// Every name the Azure SDKs use for a cloud resolves to its authority host.
#[test]
fn cloud_names_resolve_to_their_authority_hosts() {
    use oauth_core::AuthorityHost;
    for (name, host) in [
        ("AzurePublicCloud", AuthorityHost::AzurePublicCloud),
        ("public", AuthorityHost::AzurePublicCloud),
        (" Global ", AuthorityHost::AzurePublicCloud),
        ("AzureGovernment", AuthorityHost::AzureGovernment),
        ("usgov", AuthorityHost::AzureGovernment),
        ("USGovernment", AuthorityHost::AzureGovernment),
        ("AzureChina", AuthorityHost::AzureChina),
        ("china", AuthorityHost::AzureChina),
    ] {
        assert_eq!(name.parse::<AuthorityHost>().unwrap(), host, "{name}");
    }
    assert_eq!(
        AuthorityHost::AzurePublicCloud.url(),
        "https://login.microsoftonline.com"
    );
    let err = "Mars".parse::<AuthorityHost>().unwrap_err();
    assert_eq!(err.field(), "authority_host");
}
