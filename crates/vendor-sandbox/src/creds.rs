//! The sandbox's tenants, clients and keys, and the per-vendor views handed to callers.
//!
//! Identifiers (tenants, client ids, resources, the user name, the caller id) are
//! constant so that docs, fixtures and shell sessions can quote them. Secrets (client
//! secrets, the user password, subscription keys) are drawn at random by each sandbox
//! when it starts ([`Secrets`]): a sandbox accepts only the secrets it handed out
//! itself, so no fixed value, and no value of another sandbox, gets anything from it.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher as _, Hasher as _};

use crate::Vendor;

pub(crate) const KAZI_TENANT: &str = "8a0c3b4e-1d2f-4e5a-9b6c-7d8e9f0a1b2c";
/// Kazi's tenant by the domain name its documentation gives (the path of its token URL);
/// tokens carry the tenant id [`KAZI_TENANT`] as `tid`, as Entra ID's do.
pub(crate) const KAZI_TENANT_NAME: &str = "kazib2c.onmicrosoft.com";
/// The resource Kazi documents, so that SDK defaults work against the sandbox.
pub(crate) const KAZI_RESOURCE: &str = "d00b610c-389f-4a05-97cc-f9a934488c8b";
pub(crate) const KAZI_CLIENT_ID: &str = "1f7d3c2a-6b5e-4d8f-a9c0-b1e2d3f4a5b6";
pub(crate) const KAZI_LIMITED_CLIENT_ID: &str = "2e8c4d3b-7a6f-4e9a-b0d1-c2f3e4a5b6c7";
pub(crate) const KAZI_ROLES: &[&str] = &[
    "read:expectations",
    "read:talentscans",
    "read:jobscans",
    "read:questions",
];
pub(crate) const KAZI_LIMITED_ROLES: &[&str] = &["read:talentscans"];

pub(crate) const KEYAVI_TENANT: &str = "3c9d5e4f-8b7a-4f0b-a1c2-d3e4f5a6b7c8";
pub(crate) const KEYAVI_APP_ID: &str = "7b1e6f5a-9c8b-4a1c-b2d3-e4f5a6b7c8d9";
pub(crate) const KEYAVI_CLIENT_ID: &str = "9d3a8b7c-1e0d-4c3e-8f4a-5b6c7d8e9fa0";
pub(crate) const KEYAVI_USERNAME: &str = "sandbox.user@keyavi.example";
pub(crate) const KEYAVI_CALLER_ID: &str = "sandbox.caller@keyavi.example";
pub(crate) const KEYAVI_APP_ROLES: &[&str] = &["Payloads.Protect", "Logs.Read"];
pub(crate) const KEYAVI_LOGS_ONLY_CLIENT_ID: &str = "4a7e2c1d-6b5f-4e3a-9c8d-0f1e2d3c4b5a";
pub(crate) const KEYAVI_LOGS_ONLY_ROLES: &[&str] = &["Logs.Read"];
pub(crate) const KEYAVI_USER_SCOPE: &str = "access_as_user";

pub(crate) const KAISA_CLIENT_ID: &str = "kaisa-sandbox-client";
pub(crate) const KAISA_API_VERSION: &str = "2.4.9";
pub(crate) const KAISA_AUDIENCE: &str = "kaisa-api";
pub(crate) const KAISA_ROLES: &[&str] = &["api"];

/// OKQ8's tenant id, as its documentation gives it.
pub(crate) const OKQ8_TENANT: &str = "a53d724c-15ea-4469-a987-82a5b30ec167";
pub(crate) const OKQ8_RESOURCE: &str = "api://apim-sandbox-api";
pub(crate) const OKQ8_CLIENT_ID: &str = "5c2b9a8d-3f1e-4d5f-9a6b-7c8d9e0f1a2b";
pub(crate) const OKQ8_ROLES: &[&str] = &["get", "post", "put", "delete"];
/// An OKQ8 application granted the `get` access level only.
pub(crate) const OKQ8_READER_CLIENT_ID: &str = "6d3c0b9e-4a2f-4e6a-8b7c-8d9e0f1a2b3c";
pub(crate) const OKQ8_READER_ROLES: &[&str] = &["get"];

/// Unguessable random values: SipHash keyed by `RandomState`, whose keys the standard
/// library draws from the operating system's random source, over a counter.
struct Entropy {
    keys: RandomState,
    counter: u64,
}

impl Entropy {
    fn new() -> Self {
        Self {
            keys: RandomState::new(),
            counter: 0,
        }
    }

    fn next_u64(&mut self) -> u64 {
        let mut hasher = self.keys.build_hasher();
        hasher.write_u64(self.counter);
        self.counter = self.counter.wrapping_add(1);
        hasher.finish()
    }

    /// `len` characters drawn from `alphabet` (each from a fresh 64-bit value, so the
    /// bias of the modulo is negligible).
    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                let i = usize::try_from(self.next_u64() % alphabet.len() as u64).unwrap_or(0);
                char::from(alphabet.get(i).copied().unwrap_or(b'x'))
            })
            .collect()
    }

    /// A client secret in Azure AD's alphabet: 32 random characters after `prefix`.
    fn secret(&mut self, prefix: &str) -> String {
        const ALPHABET: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
        format!("{prefix}{}", self.string(ALPHABET, 32))
    }

    /// An APIM subscription key: 32 hex digits, the first 8 fixed by `tag`.
    fn subscription_key(&mut self, tag: &str) -> String {
        format!("{tag}{}", self.string(b"0123456789abcdef", 24))
    }
}

/// The secrets of one sandbox, drawn at random when it starts. They are handed out
/// by the `*Sandbox` views and [`Sandbox::env_vars`](crate::Sandbox::env_vars), and
/// they are the only secrets the sandbox accepts.
pub(crate) struct Secrets {
    pub kazi_client_secret: String,
    pub kazi_limited_client_secret: String,
    pub kazi_subscription_key: String,
    pub keyavi_client_secret: String,
    pub keyavi_logs_only_client_secret: String,
    pub keyavi_password: String,
    pub keyavi_subscription_key: String,
    pub kaisa_client_secret: String,
    pub okq8_client_secret: String,
    pub okq8_reader_client_secret: String,
    pub okq8_subscription_key: String,
    pub okq8_other_product_key: String,
    /// The `X-IDENTITY-HEADER` value of the managed identity endpoint.
    pub identity_header: String,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets { *** }")
    }
}

impl Secrets {
    /// A fresh set, unlike that of any other sandbox.
    pub(crate) fn generate() -> Self {
        let mut e = Entropy::new();
        Self {
            kazi_client_secret: e.secret("kazi-sandbox-secret~"),
            kazi_limited_client_secret: e.secret("kazi-limited-secret~"),
            // The first 8 hex digits spell the vendor, to tell keys apart when debugging.
            kazi_subscription_key: e.subscription_key("4b617a69"),
            keyavi_client_secret: e.secret("keyavi-sandbox-secret~"),
            keyavi_logs_only_client_secret: e.secret("keyavi-logs-only-secret~"),
            keyavi_password: format!(
                "Sandbox-{}!",
                e.string(
                    b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
                    20
                )
            ),
            keyavi_subscription_key: e.subscription_key("6b657961"),
            kaisa_client_secret: e.secret("kaisa-sandbox-secret~"),
            okq8_client_secret: e.secret("okq8-sandbox-secret~"),
            okq8_reader_client_secret: e.secret("okq8-reader-secret~"),
            okq8_subscription_key: e.subscription_key("6f6b7138"),
            okq8_other_product_key: e.subscription_key("6f6b7138"),
            identity_header: e.string(b"0123456789ABCDEF", 32),
        }
    }

    /// The secret of the Azure AD application `client_id`, if the sandbox has it.
    pub(crate) fn client_secret(&self, client_id: &str) -> Option<&str> {
        let secret = match client_id {
            KAZI_CLIENT_ID => &self.kazi_client_secret,
            KAZI_LIMITED_CLIENT_ID => &self.kazi_limited_client_secret,
            KEYAVI_CLIENT_ID => &self.keyavi_client_secret,
            KEYAVI_LOGS_ONLY_CLIENT_ID => &self.keyavi_logs_only_client_secret,
            OKQ8_CLIENT_ID => &self.okq8_client_secret,
            OKQ8_READER_CLIENT_ID => &self.okq8_reader_client_secret,
            KAISA_CLIENT_ID => &self.kaisa_client_secret,
            _ => return None,
        };
        Some(secret)
    }
}

/// Compares a presented secret with the expected one in time that depends on their
/// lengths only, not on where they first differ.
pub(crate) fn same_secret(presented: &str, expected: &str) -> bool {
    let (a, b) = (presented.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One registered Azure AD application that may ask for tokens (its secret is in
/// [`Secrets::client_secret`]).
#[derive(Debug)]
pub(crate) struct AzureClient {
    pub tenant: &'static str,
    pub client_id: &'static str,
    pub vendor: Vendor,
    /// Resource identifier (v1 `resource`, v2 scope prefix) this client may call.
    pub resource: &'static str,
    /// Application roles granted to the client.
    pub roles: &'static [&'static str],
}

pub(crate) const AZURE_CLIENTS: &[AzureClient] = &[
    AzureClient {
        tenant: KAZI_TENANT,
        client_id: KAZI_CLIENT_ID,
        vendor: Vendor::Kazi,
        resource: KAZI_RESOURCE,
        roles: KAZI_ROLES,
    },
    AzureClient {
        tenant: KAZI_TENANT,
        client_id: KAZI_LIMITED_CLIENT_ID,
        vendor: Vendor::Kazi,
        resource: KAZI_RESOURCE,
        roles: KAZI_LIMITED_ROLES,
    },
    AzureClient {
        tenant: KEYAVI_TENANT,
        client_id: KEYAVI_CLIENT_ID,
        vendor: Vendor::Keyavi,
        resource: KEYAVI_APP_ID,
        roles: KEYAVI_APP_ROLES,
    },
    AzureClient {
        tenant: KEYAVI_TENANT,
        client_id: KEYAVI_LOGS_ONLY_CLIENT_ID,
        vendor: Vendor::Keyavi,
        resource: KEYAVI_APP_ID,
        roles: KEYAVI_LOGS_ONLY_ROLES,
    },
    AzureClient {
        tenant: OKQ8_TENANT,
        client_id: OKQ8_CLIENT_ID,
        vendor: Vendor::Okq8,
        resource: OKQ8_RESOURCE,
        roles: OKQ8_ROLES,
    },
    AzureClient {
        tenant: OKQ8_TENANT,
        client_id: OKQ8_READER_CLIENT_ID,
        vendor: Vendor::Okq8,
        resource: OKQ8_RESOURCE,
        roles: OKQ8_READER_ROLES,
    },
];

/// The tenant id of an Entra ID tenant of the sandbox named in a path by its id or its
/// domain name (case-insensitively).
pub(crate) fn tenant_id(tenant: &str) -> Option<&'static str> {
    if tenant.eq_ignore_ascii_case(KAZI_TENANT_NAME) {
        return Some(KAZI_TENANT);
    }
    AZURE_CLIENTS
        .iter()
        .find(|c| c.tenant.eq_ignore_ascii_case(tenant))
        .map(|c| c.tenant)
}

/// The vendor owning an Azure AD tenant of the sandbox (by id or domain name).
pub(crate) fn tenant_vendor(tenant: &str) -> Option<Vendor> {
    let id = tenant_id(tenant)?;
    AZURE_CLIENTS
        .iter()
        .find(|c| c.tenant == id)
        .map(|c| c.vendor)
}

/// The audience an API of `vendor` expects in its tokens.
pub(crate) fn expected_audience(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Kazi => KAZI_RESOURCE,
        Vendor::Keyavi => KEYAVI_APP_ID,
        Vendor::Kaisa => KAISA_AUDIENCE,
        Vendor::Okq8 => OKQ8_RESOURCE,
    }
}

fn redact(secret: &str) -> &'static str {
    if secret.is_empty() {
        "\"\""
    } else {
        "\"***\""
    }
}

struct Redacted<'a>(&'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(redact(self.0))
    }
}

/// Where and how to call the sandboxed Kazi API (Azure AD v1 client credentials + APIM key).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KaziSandbox {
    /// API base, e.g. `http://127.0.0.1:PORT/kazi` (append `/tagging/v2/expectations`).
    pub base_url: String,
    /// Full Azure AD v1 token endpoint: `{authority}/kazib2c.onmicrosoft.com/oauth2/token`
    /// (the tenant by the domain name Kazi documents).
    pub token_url: String,
    /// Entra ID authority host without the tenant: `http://127.0.0.1:PORT` (or `https://`),
    /// where production has `https://login.microsoftonline.com`. (`{authority}/login/{tenant}/...`
    /// is served too, for configurations of earlier sandboxes.)
    pub authority: String,
    /// Tenant id (GUID).
    pub tenant: String,
    /// The `resource` to send with the v1 token request; also the token audience.
    pub resource: String,
    /// Client id with roles `read:expectations`, `read:talentscans`, `read:jobscans`,
    /// `read:questions`.
    pub client_id: String,
    /// Secret of [`client_id`](Self::client_id).
    pub client_secret: String,
    /// Value for `Ocp-Apim-Subscription-Key`.
    pub subscription_key: String,
    /// A client that only has `read:talentscans` (lacks `read:expectations`).
    pub limited_client_id: String,
    /// Secret of [`limited_client_id`](Self::limited_client_id).
    pub limited_client_secret: String,
    /// Talent scan with 45 seeded job matches.
    pub known_talent_scan_id: String,
}

impl fmt::Debug for KaziSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KaziSandbox")
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("tenant", &self.tenant)
            .field("resource", &self.resource)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted(&self.client_secret))
            .field("subscription_key", &Redacted(&self.subscription_key))
            .field("limited_client_id", &self.limited_client_id)
            .field("known_talent_scan_id", &self.known_talent_scan_id)
            .finish_non_exhaustive()
    }
}

/// Where and how to call the sandboxed Keyavi API (Azure AD v2, app or user mode + APIM key).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyaviSandbox {
    /// API base ending in `/api/`, e.g. `http://127.0.0.1:PORT/keyavi/api/`.
    pub base_url: String,
    /// Full Azure AD v2 token endpoint: `{authority}/{tenant}/oauth2/v2.0/token`.
    pub token_url: String,
    /// Entra ID authority host without the tenant: `http://127.0.0.1:PORT` (or `https://`),
    /// where production has `https://login.microsoftonline.com`. (`{authority}/login/{tenant}/...`
    /// is served too, for configurations of earlier sandboxes.)
    pub authority: String,
    /// Tenant id (GUID).
    pub tenant: String,
    /// Application id of the Keyavi API (the scope prefix and token audience).
    pub app_id: String,
    /// Confidential client id (app mode; also accepted for the password grant).
    pub client_id: String,
    /// Secret of [`client_id`](Self::client_id).
    pub client_secret: String,
    /// App-mode scope: `<app_id>/.default` (roles `Payloads.Protect`, `Logs.Read`).
    pub app_scope: String,
    /// User-mode scope: `<app_id>/access_as_user` (password grant).
    pub user_scope: String,
    /// User name for the password grant.
    pub username: String,
    /// Password of [`username`](Self::username).
    pub password: String,
    /// Value for `Ocp-Apim-Subscription-Key`.
    pub subscription_key: String,
    /// Value for `x-api-caller-id`, required on app-mode calls.
    pub caller_id: String,
    /// A second confidential client granted `Logs.Read` only (no `Payloads.Protect`),
    /// to see a missing role.
    pub logs_only_client_id: String,
    /// Secret of [`logs_only_client_id`](Self::logs_only_client_id).
    pub logs_only_client_secret: String,
}

impl fmt::Debug for KeyaviSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyaviSandbox")
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("tenant", &self.tenant)
            .field("app_id", &self.app_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted(&self.client_secret))
            .field("app_scope", &self.app_scope)
            .field("user_scope", &self.user_scope)
            .field("username", &self.username)
            .field("password", &Redacted(&self.password))
            .field("subscription_key", &Redacted(&self.subscription_key))
            .field("caller_id", &self.caller_id)
            .field("logs_only_client_id", &self.logs_only_client_id)
            .field(
                "logs_only_client_secret",
                &Redacted(&self.logs_only_client_secret),
            )
            .finish_non_exhaustive()
    }
}

/// Where and how to call the sandboxed Kaisa API (own OAuth2 endpoint, no subscription key).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KaisaSandbox {
    /// API base without the version, e.g. `http://127.0.0.1:PORT/kaisa`; requests go to
    /// `{base_url}/{api_version}/customers`.
    pub base_url: String,
    /// API version path segment: `2.4.9` (any dotted version or `vN` is served).
    pub api_version: String,
    /// Full token endpoint: `http://127.0.0.1:PORT/kaisa-auth/oauth2/token`.
    pub token_url: String,
    /// Client id.
    pub client_id: String,
    /// Secret of [`client_id`](Self::client_id).
    pub client_secret: String,
}

impl fmt::Debug for KaisaSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KaisaSandbox")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted(&self.client_secret))
            .finish_non_exhaustive()
    }
}

/// Where and how to call the sandboxed OKQ8 APIs (Azure AD v2 + APIM products).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Okq8Sandbox {
    /// API base ending in `/`, e.g. `http://127.0.0.1:PORT/okq8/`.
    pub base_url: String,
    /// Full Azure AD v2 token endpoint: `{authority}/{tenant}/oauth2/v2.0/token`.
    pub token_url: String,
    /// Entra ID authority host without the tenant: `http://127.0.0.1:PORT` (or `https://`),
    /// where production has `https://login.microsoftonline.com`. (`{authority}/login/{tenant}/...`
    /// is served too, for configurations of earlier sandboxes.)
    pub authority: String,
    /// Tenant id (GUID).
    pub tenant: String,
    /// Client id.
    pub client_id: String,
    /// Secret of [`client_id`](Self::client_id).
    pub client_secret: String,
    /// `api://apim-sandbox-api/.default`, the only scope client credentials accept
    /// (another is refused with AADSTS1002012, as Entra ID does); the access levels
    /// granted (`get`, `post`, `put`, `delete`) arrive as app roles.
    pub scope: String,
    /// A second application, granted the `get` access level only.
    pub reader_client_id: String,
    /// Secret of [`reader_client_id`](Self::reader_client_id).
    pub reader_client_secret: String,
    /// Key subscribed to the Core, Payments and Public products.
    pub subscription_key: String,
    /// Key subscribed only to the Public product (Core and Payments answer 403).
    pub other_product_subscription_key: String,
}

impl fmt::Debug for Okq8Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Okq8Sandbox")
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted(&self.client_secret))
            .field("scope", &self.scope)
            .field("reader_client_id", &self.reader_client_id)
            .field(
                "reader_client_secret",
                &Redacted(&self.reader_client_secret),
            )
            .field("subscription_key", &Redacted(&self.subscription_key))
            .field(
                "other_product_subscription_key",
                &Redacted(&self.other_product_subscription_key),
            )
            .finish_non_exhaustive()
    }
}

impl KaziSandbox {
    pub(crate) fn new(base: &str, known_talent_scan_id: &str, secrets: &Secrets) -> Self {
        let authority = base.to_owned();
        Self {
            base_url: format!("{base}/kazi"),
            token_url: format!("{authority}/{KAZI_TENANT_NAME}/oauth2/token"),
            authority,
            tenant: KAZI_TENANT.to_owned(),
            resource: KAZI_RESOURCE.to_owned(),
            client_id: KAZI_CLIENT_ID.to_owned(),
            client_secret: secrets.kazi_client_secret.clone(),
            subscription_key: secrets.kazi_subscription_key.clone(),
            limited_client_id: KAZI_LIMITED_CLIENT_ID.to_owned(),
            limited_client_secret: secrets.kazi_limited_client_secret.clone(),
            known_talent_scan_id: known_talent_scan_id.to_owned(),
        }
    }
}

impl KeyaviSandbox {
    pub(crate) fn new(base: &str, secrets: &Secrets) -> Self {
        let authority = base.to_owned();
        Self {
            base_url: format!("{base}/keyavi/api/"),
            token_url: format!("{authority}/{KEYAVI_TENANT}/oauth2/v2.0/token"),
            authority,
            tenant: KEYAVI_TENANT.to_owned(),
            app_id: KEYAVI_APP_ID.to_owned(),
            client_id: KEYAVI_CLIENT_ID.to_owned(),
            client_secret: secrets.keyavi_client_secret.clone(),
            app_scope: format!("{KEYAVI_APP_ID}/.default"),
            user_scope: format!("{KEYAVI_APP_ID}/{KEYAVI_USER_SCOPE}"),
            username: KEYAVI_USERNAME.to_owned(),
            password: secrets.keyavi_password.clone(),
            subscription_key: secrets.keyavi_subscription_key.clone(),
            caller_id: KEYAVI_CALLER_ID.to_owned(),
            logs_only_client_id: KEYAVI_LOGS_ONLY_CLIENT_ID.to_owned(),
            logs_only_client_secret: secrets.keyavi_logs_only_client_secret.clone(),
        }
    }
}

impl KaisaSandbox {
    pub(crate) fn new(base: &str, secrets: &Secrets) -> Self {
        Self {
            base_url: format!("{base}/kaisa"),
            api_version: KAISA_API_VERSION.to_owned(),
            token_url: format!("{base}/kaisa-auth/oauth2/token"),
            client_id: KAISA_CLIENT_ID.to_owned(),
            client_secret: secrets.kaisa_client_secret.clone(),
        }
    }
}

impl Okq8Sandbox {
    pub(crate) fn new(base: &str, secrets: &Secrets) -> Self {
        let authority = base.to_owned();
        Self {
            base_url: format!("{base}/okq8/"),
            token_url: format!("{authority}/{OKQ8_TENANT}/oauth2/v2.0/token"),
            authority,
            tenant: OKQ8_TENANT.to_owned(),
            client_id: OKQ8_CLIENT_ID.to_owned(),
            client_secret: secrets.okq8_client_secret.clone(),
            scope: format!("{OKQ8_RESOURCE}/.default"),
            reader_client_id: OKQ8_READER_CLIENT_ID.to_owned(),
            reader_client_secret: secrets.okq8_reader_client_secret.clone(),
            subscription_key: secrets.okq8_subscription_key.clone(),
            other_product_subscription_key: secrets.okq8_other_product_key.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let s = Secrets::generate();
        let text = format!("{:?}", KaziSandbox::new("http://h", "id", &s));
        assert!(!text.contains(&s.kazi_client_secret));
        assert!(!text.contains(&s.kazi_subscription_key));
        let text = format!("{:?}", KeyaviSandbox::new("http://h", &s));
        assert!(!text.contains(&s.keyavi_password));
        let text = format!("{:?}", Okq8Sandbox::new("http://h", &s));
        assert!(!text.contains(&s.okq8_other_product_key));
        assert!(!text.contains(&s.okq8_reader_client_secret));
        let text = format!("{:?}", KaisaSandbox::new("http://h", &s));
        assert!(!text.contains(&s.kaisa_client_secret));
        assert!(!format!("{s:?}").contains(&s.kazi_client_secret));
    }

    #[test]
    fn every_sandbox_draws_its_own_secrets() {
        let (a, b) = (Secrets::generate(), Secrets::generate());
        let all = |s: &Secrets| {
            [
                s.kazi_client_secret.clone(),
                s.kazi_limited_client_secret.clone(),
                s.kazi_subscription_key.clone(),
                s.keyavi_client_secret.clone(),
                s.keyavi_logs_only_client_secret.clone(),
                s.keyavi_password.clone(),
                s.keyavi_subscription_key.clone(),
                s.kaisa_client_secret.clone(),
                s.okq8_client_secret.clone(),
                s.okq8_reader_client_secret.clone(),
                s.okq8_subscription_key.clone(),
                s.okq8_other_product_key.clone(),
            ]
        };
        let (a, b) = (all(&a), all(&b));
        for secret in &a {
            assert!(!b.contains(secret), "{secret} drawn twice");
            assert_eq!(a.iter().filter(|x| *x == secret).count(), 1);
        }
        for key in [&a[2], &a[6], &a[10], &a[11]] {
            assert_eq!(key.len(), 32);
            assert!(key.bytes().all(|c| c.is_ascii_hexdigit()), "{key}");
        }
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "abc"));
        assert!(!same_secret("ABC", "abc"));
    }
}
