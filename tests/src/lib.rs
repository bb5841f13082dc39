//! Shared setup for the cross-crate tests in `tests/tests/`: every vendor SDK client
//! built the way an application builds it (its public builder), pointed at a running
//! [`Sandbox`].
//!
//! Each `*_builder` function returns a builder that is complete for the sandbox's
//! default client (credentials, subscription key, base and token URLs, loopback
//! `http://` allowed), so that a test changes only what it is about:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use vendor_sandbox::{Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let client = workspace_tests::kazi_builder(&sandbox)
//!     .subscription_key("not-the-right-key")
//!     .build()?;
//! # let _ = client;
//! # Ok(()) }
//! ```
//!
//! Nothing here asserts: the tests do, so that a failure points at the test.

use std::sync::Arc;

use oauth_core::{ConfigError, Credentials, OAuthProvider, TokenEndpoint, TokenProvider};
use vendor_core::ApiClient;
use vendor_sandbox::Sandbox;

/// A Kazi builder for the sandbox's full-roles client (`read:expectations`,
/// `read:talentscans`, ...), with its subscription key.
pub fn kazi_builder(sandbox: &Sandbox) -> kazi_tagging::ClientBuilder {
    let s = sandbox.kazi();
    kazi_tagging::Client::builder()
        .client_credentials(s.client_id, s.client_secret)
        .subscription_key(s.subscription_key)
        .tenant(s.tenant)
        .resource(s.resource)
        .base_url(s.base_url)
        .token_url(s.token_url)
        .allow_insecure_loopback(true)
}

/// A Kazi client with every role the sandbox grants.
///
/// # Errors
///
/// The builder's [`kazi_tagging::Error::Config`] (none expected).
pub fn kazi_client(sandbox: &Sandbox) -> kazi_tagging::Result<kazi_tagging::Client> {
    kazi_builder(sandbox).build()
}

/// A Kazi client registered with `read:talentscans` only (no `read:expectations`).
///
/// # Errors
///
/// The builder's [`kazi_tagging::Error::Config`] (none expected).
pub fn kazi_limited_client(sandbox: &Sandbox) -> kazi_tagging::Result<kazi_tagging::Client> {
    let s = sandbox.kazi();
    kazi_builder(sandbox)
        .client_credentials(s.limited_client_id, s.limited_client_secret)
        .build()
}

/// A Keyavi builder in application mode (client credentials, `<app id>/.default`,
/// `x-api-caller-id` = the sandbox's caller).
///
/// # Errors
///
/// [`ConfigError`] if the sandbox's caller id were not an email address.
pub fn keyavi_app_builder(sandbox: &Sandbox) -> Result<keyavi::ClientBuilder, ConfigError> {
    let s = sandbox.keyavi();
    keyavi_app_builder_as(sandbox, &s.client_id, &s.client_secret)
}

/// A Keyavi builder in application mode for the sandbox, as the application
/// `client_id` with `client_secret`.
///
/// # Errors
///
/// [`ConfigError`] if the sandbox's caller id does not parse (never expected).
pub fn keyavi_app_builder_as(
    sandbox: &Sandbox,
    client_id: &str,
    client_secret: &str,
) -> Result<keyavi::ClientBuilder, ConfigError> {
    let s = sandbox.keyavi();
    let caller = keyavi::CallerId::parse(&s.caller_id)?;
    Ok(keyavi::Client::builder()
        .app(client_id, client_secret, caller)
        .tenant(s.tenant)
        .app_id(s.app_id)
        .subscription_key(s.subscription_key)
        .base_url(s.base_url)
        .token_url(s.token_url)
        .allow_insecure_loopback(true))
}

/// A Keyavi client in application mode.
///
/// # Errors
///
/// [`keyavi::Error::Config`] from the builder (none expected).
pub fn keyavi_app_client(sandbox: &Sandbox) -> keyavi::Result<keyavi::Client> {
    keyavi_app_builder(sandbox)?.build()
}

/// A Keyavi builder in user mode (password grant, `<app id>/access_as_user`,
/// confidential client).
pub fn keyavi_user_builder(sandbox: &Sandbox) -> keyavi::ClientBuilder {
    let s = sandbox.keyavi();
    keyavi::Client::builder()
        .user(s.client_id, s.username, s.password)
        .client_secret(s.client_secret)
        .tenant(s.tenant)
        .app_id(s.app_id)
        .subscription_key(s.subscription_key)
        .base_url(s.base_url)
        .token_url(s.token_url)
        .allow_insecure_loopback(true)
}

/// A Keyavi client in user mode.
///
/// # Errors
///
/// [`keyavi::Error::Config`] from the builder (none expected).
pub fn keyavi_user_client(sandbox: &Sandbox) -> keyavi::Result<keyavi::Client> {
    keyavi_user_builder(sandbox).build()
}

/// A Kaisa builder (its own token endpoint, 300 s tokens, no subscription key), with
/// the sandbox's API version.
pub fn kaisa_builder(sandbox: &Sandbox) -> kaisa::ClientBuilder {
    let s = sandbox.kaisa();
    kaisa::Client::builder()
        .client_credentials(s.client_id, s.client_secret)
        .api_version(s.api_version)
        .base_url(s.base_url)
        .token_url(s.token_url)
        .allow_insecure_loopback(true)
}

/// A Kaisa client.
///
/// # Errors
///
/// [`kaisa::Error::Config`] from the builder (none expected).
pub fn kaisa_client(sandbox: &Sandbox) -> kaisa::Result<kaisa::Client> {
    kaisa_builder(sandbox).build()
}

/// The OKQ8 API's application id URI (`api://apim-sandbox-api`): the sandbox's
/// `.default` scope without its suffix, for [`okq8::ClientBuilder::api`].
pub fn okq8_app_id_uri(sandbox: &Sandbox) -> String {
    let scope = sandbox.okq8().scope;
    match scope.strip_suffix("/.default") {
        Some(uri) => uri.to_owned(),
        None => scope,
    }
}

/// An OKQ8 builder in OAuth mode with the `.default` scope (every access level) and
/// the key subscribed to every product.
pub fn okq8_builder(sandbox: &Sandbox) -> okq8::ClientBuilder {
    let s = sandbox.okq8();
    okq8::Client::builder()
        .client_credentials(s.client_id, s.client_secret)
        .tenant(s.tenant)
        .scope(s.scope)
        .subscription_key(s.subscription_key)
        .base_url(s.base_url)
        .token_url(s.token_url)
        .allow_insecure_loopback(true)
}

/// An OKQ8 client in OAuth mode with every access level.
///
/// # Errors
///
/// [`okq8::Error::Config`] from the builder (none expected).
pub fn okq8_client(sandbox: &Sandbox) -> okq8::Result<okq8::Client> {
    okq8_builder(sandbox).build()
}

/// An OKQ8 client for key-only products (`public/...`): never fetches a token.
///
/// # Errors
///
/// [`okq8::Error::Config`] from the builder (none expected).
pub fn okq8_public_client(sandbox: &Sandbox) -> okq8::Result<okq8::Client> {
    let s = sandbox.okq8();
    okq8::Client::builder()
        .subscription_key_only()
        .subscription_key(s.subscription_key)
        .base_url(s.base_url)
        .allow_insecure_loopback(true)
        .build()
}

/// An [`vendor_core::ApiClient`] for `base_url` that sends **no** subscription
/// key, with `provider` for the bearer (or none).
///
/// The vendor builders refuse to build without a key, so this is how a test puts a
/// keyless call on the wire through the same pipeline the vendor crates use (bearer,
/// retries, error classification).
///
/// # Errors
///
/// [`ConfigError`] for a base URL the pipeline refuses.
pub fn keyless_api_client(
    base_url: &str,
    provider: Option<Arc<dyn TokenProvider>>,
) -> Result<ApiClient, ConfigError> {
    let mut builder = ApiClient::builder()
        .base_url(base_url)
        .allow_insecure_loopback(true);
    if let Some(provider) = provider {
        builder = builder.token_provider(provider);
    }
    builder.build()
}

/// A token provider for the sandbox's Keyavi application (client credentials,
/// `<app id>/.default`): the Keyavi client does not expose its own, and a keyless
/// call still needs a bearer so that only the key is missing.
///
/// # Errors
///
/// [`ConfigError`] from the provider builder (none expected).
pub fn keyavi_app_provider(sandbox: &Sandbox) -> Result<Arc<dyn TokenProvider>, ConfigError> {
    let s = sandbox.keyavi();
    let provider = OAuthProvider::builder()
        .endpoint(TokenEndpoint::azure_ad_v2(s.tenant, [s.app_scope]))
        .credentials(Credentials::client_credentials(
            s.client_id,
            s.client_secret,
        ))
        .token_url(s.token_url)
        .allow_insecure_loopback(true)
        .build()?;
    Ok(Arc::new(provider))
}

/// The workspace README, so that its Rust snippets are compiled as doc tests. Its
/// links are to files of the repository, not to Rust items.
#[doc = include_str!("../../README.md")]
#[allow(rustdoc::broken_intra_doc_links)]
pub mod readme {}
