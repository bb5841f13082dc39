//! Bad configuration: every builder (oauth-core's `TokenClient`, `OAuthProvider` and
//! `ApiClient`, and the four vendors' `ClientBuilder`s) refuses invalid input with a
//! `ConfigError` that names the setting (`field()`) and says what to fix.
//!
//! One table: (what is wrong, the builder call, the expected field, a substring of
//! the message).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;
use std::sync::Arc;

use oauth_core::secrecy::SecretString;
use oauth_core::{
    AccessToken, ClientAuth, ConfigError, Credentials, OAuthProvider, StaticTokenProvider,
    TokenClient, TokenEndpoint,
};
use vendor_core::ApiClient;

type Case = (
    &'static str,
    Box<dyn Fn() -> Option<ConfigError>>,
    &'static str,
    &'static str,
);

fn core<T>(result: Result<T, ConfigError>) -> Option<ConfigError> {
    result.err()
}

fn vendor<T>(result: Result<T, vendor_core::Error>) -> Option<ConfigError> {
    match result {
        Err(vendor_core::Error::Config(c)) => Some(c),
        Err(other) => panic!("expected a configuration error, got {other:?}"),
        Ok(_) => None,
    }
}

const SECRET: &str = "s3cr3t-bad-config-7731";
const V2: fn() -> TokenEndpoint =
    || TokenEndpoint::azure_ad_v2("contoso.onmicrosoft.com", ["api://x/.default"]);

fn creds() -> Credentials {
    Credentials::client_credentials("client-id", SECRET)
}

fn token(b: oauth_core::TokenClientBuilder) -> Option<ConfigError> {
    core(b.build())
}

fn api() -> vendor_core::ApiClientBuilder {
    ApiClient::builder().token_provider(Arc::new(StaticTokenProvider::new(AccessToken::valid_for(
        "t",
        std::time::Duration::from_secs(60),
    ))))
}

fn kazi() -> kazi_tagging::ClientBuilder {
    kazi_tagging::Client::builder()
        .client_credentials("client-id", SECRET)
        .subscription_key("key")
}

fn keyavi_app() -> keyavi::ClientBuilder {
    keyavi::Client::builder()
        .app(
            "client-id",
            SECRET,
            keyavi::CallerId::parse("ops@example.com").unwrap(),
        )
        .tenant("contoso.onmicrosoft.com")
        .base_url("https://keyavi.example/api/")
        .subscription_key("key")
}

fn okq8() -> okq8::ClientBuilder {
    okq8::Client::builder()
        .client_credentials("client-id", SECRET)
        .scope("api://apim-core-api/.default")
        .base_url("https://okq8.example/")
        .subscription_key("key")
}

fn cases() -> Vec<Case> {
    let b = TokenClient::builder;
    vec![
        // oauth-core: TokenClient
        (
            "token client without endpoint",
            Box::new(move || token(b().credentials(creds()))),
            "endpoint",
            "set the token endpoint",
        ),
        (
            "token client without credentials",
            Box::new(move || token(b().endpoint(V2()))),
            "credentials",
            "set the client credentials",
        ),
        (
            "empty client id",
            Box::new(move || {
                token(
                    b().endpoint(V2())
                        .credentials(Credentials::client_credentials(" ", SECRET)),
                )
            }),
            "client_id",
            "must not be empty",
        ),
        (
            "empty client secret",
            Box::new(move || {
                token(
                    b().endpoint(V2())
                        .credentials(Credentials::client_credentials("id", "")),
                )
            }),
            "client_secret",
            "must not be empty",
        ),
        (
            "password grant without username",
            Box::new(move || {
                token(
                    b().endpoint(V2())
                        .credentials(Credentials::password("id", None, "", "pw")),
                )
            }),
            "username",
            "must not be empty",
        ),
        (
            "password grant without password",
            Box::new(move || {
                token(
                    b().endpoint(V2())
                        .credentials(Credentials::password("id", None, "user", "")),
                )
            }),
            "password",
            "must not be empty",
        ),
        (
            "tenant with a slash",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::azure_ad_v2("a/b", ["x"]))
                        .credentials(creds()),
                )
            }),
            "tenant",
            "is not a tenant id or domain",
        ),
        (
            "empty tenant",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::azure_ad_v1("", "res"))
                        .credentials(creds()),
                )
            }),
            "tenant",
            "expected a GUID",
        ),
        (
            "v1 without resource",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::azure_ad_v1("contoso.onmicrosoft.com", " "))
                        .credentials(creds()),
                )
            }),
            "resource",
            "must not be empty",
        ),
        (
            "v2 without scope",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::azure_ad_v2(
                        "contoso.onmicrosoft.com",
                        Vec::<String>::new(),
                    ))
                    .credentials(creds()),
                )
            }),
            "scope",
            "at least one scope",
        ),
        (
            "v2 with an empty scope",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::azure_ad_v2(
                        "contoso.onmicrosoft.com",
                        ["x", " "],
                    ))
                    .credentials(creds()),
                )
            }),
            "scope",
            "must not be empty",
        ),
        (
            "plain http token URL",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::url("http://auth.example/token"))
                        .credentials(creds()),
                )
            }),
            "token_url",
            "must use https://",
        ),
        (
            "plain http to a non-loopback host, opted in",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::url("http://auth.example/token"))
                        .credentials(creds())
                        .allow_insecure_loopback(true),
                )
            }),
            "token_url",
            "only to a loopback host",
        ),
        (
            "ftp token URL",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::url("ftp://auth.example/token"))
                        .credentials(creds()),
                )
            }),
            "token_url",
            "unsupported scheme",
        ),
        (
            "credentials in the token URL",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::url("https://u:p@auth.example/token"))
                        .credentials(creds()),
                )
            }),
            "token_url",
            "must not carry credentials",
        ),
        (
            "token URL that is not a URL",
            Box::new(move || {
                token(
                    b().endpoint(TokenEndpoint::url("auth example"))
                        .credentials(creds()),
                )
            }),
            "token_url",
            "is not a valid URL",
        ),
        (
            "token_url override over http",
            Box::new(move || {
                token(
                    b().endpoint(V2())
                        .credentials(creds())
                        .token_url("http://login.example/t"),
                )
            }),
            "token_url",
            "https",
        ),
        (
            "plain http authority",
            Box::new(move || {
                token(
                    b().endpoint(V2())
                        .credentials(creds())
                        .authority("http://login.example"),
                )
            }),
            "authority",
            "https",
        ),
        (
            "HTTP Basic without a client secret",
            Box::new(move || {
                token(
                    b().endpoint(V2())
                        .credentials(Credentials::password("id", None, "user", "pw"))
                        .client_auth(ClientAuth::SecretBasic),
                )
            }),
            "client_auth",
            "needs a client secret",
        ),
        // oauth-core: OAuthProvider
        (
            "provider without endpoint",
            Box::new(|| core(OAuthProvider::builder().credentials(creds()).build())),
            "endpoint",
            "set the token endpoint",
        ),
        (
            "provider with a plain http authority",
            Box::new(|| {
                core(
                    OAuthProvider::builder()
                        .endpoint(V2())
                        .credentials(creds())
                        .authority("http://login.example")
                        .build(),
                )
            }),
            "authority",
            "https",
        ),
        // oauth-core: ApiClient
        (
            "API client without base URL",
            Box::new(|| core(api().build())),
            "base_url",
            "set the API's base URL",
        ),
        (
            "API base URL over http",
            Box::new(|| core(api().base_url("http://api.example").build())),
            "base_url",
            "must use https://",
        ),
        (
            "API base URL with credentials",
            Box::new(|| core(api().base_url("https://u:p@api.example").build())),
            "base_url",
            "must not carry credentials",
        ),
        (
            "header name with a space",
            Box::new(|| {
                core(
                    api()
                        .base_url("https://api.example")
                        .header("bad name", "v")
                        .build(),
                )
            }),
            "header",
            "is not a valid header name",
        ),
        (
            "header value with a line break",
            Box::new(|| {
                core(
                    api()
                        .base_url("https://api.example")
                        .header("x-a", "v\r\nx-b: injected")
                        .build(),
                )
            }),
            "header",
            "is not a valid header value",
        ),
        (
            "empty secret header",
            Box::new(|| {
                core(
                    api()
                        .base_url("https://api.example")
                        .secret_header(
                            "Ocp-Apim-Subscription-Key",
                            SecretString::from(String::new()),
                        )
                        .build(),
                )
            }),
            "header",
            "is empty",
        ),
        (
            "secret header with a line break",
            Box::new(|| {
                core(
                    api()
                        .base_url("https://api.example")
                        .secret_header(
                            "Ocp-Apim-Subscription-Key",
                            SecretString::from(format!("{SECRET}\n")),
                        )
                        .build(),
                )
            }),
            "header",
            "characters not allowed in a header",
        ),
        // kazi-tagging
        (
            "kazi without credentials",
            Box::new(|| {
                vendor(
                    kazi_tagging::Client::builder()
                        .subscription_key("k")
                        .build(),
                )
            }),
            "credentials",
            "KAZI_CLIENT_ID",
        ),
        (
            "kazi without subscription key",
            Box::new(|| {
                vendor(
                    kazi_tagging::Client::builder()
                        .client_credentials("id", SECRET)
                        .build(),
                )
            }),
            "subscription_key",
            "Ocp-Apim-Subscription-Key",
        ),
        (
            "kazi with a blank subscription key",
            Box::new(|| vendor(kazi().subscription_key("  ").build())),
            "subscription_key",
            "developer portal",
        ),
        (
            "kazi with an empty tenant",
            Box::new(|| vendor(kazi().tenant(" ").build())),
            "tenant",
            "is empty",
        ),
        (
            "kazi with an empty resource",
            Box::new(|| vendor(kazi().resource("").build())),
            "resource",
            "is empty",
        ),
        (
            "kazi base URL over http",
            Box::new(|| vendor(kazi().base_url("http://kazi.example").build())),
            "base_url",
            "https",
        ),
        (
            "kazi unknown environment",
            Box::new(|| kazi_tagging::Environment::from_str("staging").err()),
            "environment",
            "test, production",
        ),
        // keyavi
        (
            "keyavi without tenant",
            Box::new(|| {
                vendor(
                    keyavi::Client::builder()
                        .app("id", SECRET, keyavi::CallerId::parse("a@b.co").unwrap())
                        .base_url("https://k.example/api/")
                        .subscription_key("k")
                        .build(),
                )
            }),
            "tenant",
            "set the Azure AD tenant",
        ),
        (
            "keyavi with a malformed tenant",
            Box::new(|| vendor(keyavi_app().tenant("con toso").build())),
            "tenant",
            "is not a tenant id or domain",
        ),
        (
            "keyavi without base URL",
            Box::new(|| {
                vendor(
                    keyavi::Client::builder()
                        .app("id", SECRET, keyavi::CallerId::parse("a@b.co").unwrap())
                        .tenant("t.example")
                        .subscription_key("k")
                        .build(),
                )
            }),
            "base_url",
            "set the API's base URL",
        ),
        (
            "keyavi without subscription key",
            Box::new(|| {
                vendor(
                    keyavi::Client::builder()
                        .app("id", SECRET, keyavi::CallerId::parse("a@b.co").unwrap())
                        .tenant("t.example")
                        .base_url("https://k.example/api/")
                        .build(),
                )
            }),
            "subscription_key",
            "subscription key",
        ),
        (
            "keyavi user mode with an empty password",
            Box::new(|| {
                vendor(
                    keyavi::Client::builder()
                        .user("id", "user@example.com", "")
                        .tenant("t.example")
                        .base_url("https://k.example/api/")
                        .subscription_key("k")
                        .build(),
                )
            }),
            "password",
            "must not be empty",
        ),
        (
            "keyavi base URL over http",
            Box::new(|| vendor(keyavi_app().base_url("http://k.example/api/").build())),
            "base_url",
            "https",
        ),
        (
            "keyavi caller id without @",
            Box::new(|| keyavi::CallerId::parse("ops").err()),
            "caller_id",
            "exactly one `@`",
        ),
        (
            "keyavi caller id without a dotted domain",
            Box::new(|| keyavi::CallerId::parse("ops@localhost").err()),
            "caller_id",
            "the domain needs a dot",
        ),
        (
            "keyavi caller id with a line break",
            Box::new(|| keyavi::CallerId::parse("ops@example.com\r\nx: y").err()),
            "caller_id",
            "whitespace or control characters",
        ),
        // kaisa
        (
            "kaisa with an Azure AD authority",
            Box::new(|| {
                vendor(
                    kaisa::Client::builder()
                        .client_credentials("id", SECRET)
                        .authority("https://login.example")
                        .build(),
                )
            }),
            "authority",
            ".token_url(",
        ),
        (
            "kaisa with an empty client id",
            Box::new(|| {
                vendor(
                    kaisa::Client::builder()
                        .client_credentials("", SECRET)
                        .build(),
                )
            }),
            "client_id",
            "must not be empty",
        ),
        (
            "kaisa with an empty client secret",
            Box::new(|| {
                vendor(
                    kaisa::Client::builder()
                        .client_credentials("id", "")
                        .build(),
                )
            }),
            "client_secret",
            "must not be empty",
        ),
        (
            "kaisa version that is a path",
            Box::new(|| {
                vendor(
                    kaisa::Client::builder()
                        .client_credentials("id", SECRET)
                        .api_version("../admin")
                        .build(),
                )
            }),
            "api_version",
            "is not an API version",
        ),
        (
            "kaisa base URL over http",
            Box::new(|| {
                vendor(
                    kaisa::Client::builder()
                        .client_credentials("id", SECRET)
                        .base_url("http://kaisa.example")
                        .build(),
                )
            }),
            "base_url",
            "https",
        ),
        (
            "kaisa token URL over http",
            Box::new(|| {
                vendor(
                    kaisa::Client::builder()
                        .client_credentials("id", SECRET)
                        .token_url("http://auth.example/token")
                        .build(),
                )
            }),
            "token_url",
            "https",
        ),
        // okq8
        (
            "okq8 OAuth mode without credentials",
            Box::new(|| {
                vendor(
                    okq8::Client::builder()
                        .scope("api://x/.default")
                        .base_url("https://o.example/")
                        .subscription_key("k")
                        .build(),
                )
            }),
            "credentials",
            "subscription_key_only()",
        ),
        (
            "okq8 without scope",
            Box::new(|| {
                vendor(
                    okq8::Client::builder()
                        .client_credentials("id", SECRET)
                        .base_url("https://o.example/")
                        .subscription_key("k")
                        .build(),
                )
            }),
            "scope",
            "set the scope",
        ),
        (
            "okq8 without base URL",
            Box::new(|| {
                vendor(
                    okq8::Client::builder()
                        .client_credentials("id", SECRET)
                        .scope("api://x/.default")
                        .subscription_key("k")
                        .build(),
                )
            }),
            "base_url",
            "set the API's base URL",
        ),
        (
            "okq8 without subscription key",
            Box::new(|| {
                vendor(
                    okq8::Client::builder()
                        .client_credentials("id", SECRET)
                        .scope("api://x/.default")
                        .base_url("https://o.example/")
                        .build(),
                )
            }),
            "subscription_key",
            "Ocp-Apim-Subscription-Key",
        ),
        (
            "okq8 key-only client given a scope",
            Box::new(|| {
                vendor(
                    okq8::Client::builder()
                        .subscription_key_only()
                        .scope("api://x/.default")
                        .base_url("https://o.example/")
                        .subscription_key("k")
                        .build(),
                )
            }),
            "scope",
            "takes no scope",
        ),
        (
            "okq8 with an empty tenant",
            Box::new(|| vendor(okq8().tenant(" ").build())),
            "tenant",
            "is empty",
        ),
        (
            "okq8 base URL over http",
            Box::new(|| vendor(okq8().base_url("http://o.example/").build())),
            "base_url",
            "https",
        ),
    ]
}

#[test]
fn every_builder_refuses_bad_input_naming_the_setting_to_fix() {
    let cases = cases();
    let mut problems = Vec::new();
    for (what, call, field, hint) in &cases {
        match call() {
            None => problems.push(format!("{what}: accepted")),
            Some(e) => {
                let text = e.to_string();
                if e.field() != *field {
                    problems.push(format!(
                        "{what}: field `{}`, expected `{field}` ({text})",
                        e.field()
                    ));
                }
                if !text.contains(hint) {
                    problems.push(format!("{what}: message lacks `{hint}`: {text}"));
                }
                if !text.contains(&format!("`{}`", e.field())) {
                    problems.push(format!("{what}: message does not name the field: {text}"));
                }
                if text.contains(SECRET) || format!("{e:?}").contains(SECRET) {
                    problems.push(format!("{what}: the message shows the secret: {text}"));
                }
            }
        }
    }
    println!(
        "bad configuration: {} cases, {} problems",
        cases.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The good configurations the table's cases start from are accepted: each case
/// fails for its own reason, not for another.
#[test]
fn the_baseline_configurations_build() {
    token(TokenClient::builder().endpoint(V2()).credentials(creds()))
        .map_or(Ok(()), Err)
        .unwrap();
    core(api().base_url("https://api.example").build())
        .map_or(Ok(()), Err)
        .unwrap();
    kazi().build().unwrap();
    keyavi_app().build().unwrap();
    kaisa::Client::builder()
        .client_credentials("id", SECRET)
        .build()
        .unwrap();
    okq8().build().unwrap();
    okq8::Client::builder()
        .subscription_key_only()
        .base_url("https://o.example/")
        .subscription_key("k")
        .build()
        .unwrap();
}
