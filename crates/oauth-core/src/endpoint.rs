//! Token requests: Azure AD v1 and v2 and generic token endpoints, form or JSON
//! bodies, `client_credentials` and `password` grants, lenient answers.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use base64::Engine as _;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use crate::assertion::{ClientAssertion, JWT_BEARER_ASSERTION_TYPE};
use crate::body::read_capped;
use crate::cache::{CacheKey, TokenSource};
use crate::error::{
    body_snippet, ConfigError, OAuthError, StatusError, TokenError, TransportError,
    TransportErrorKind,
};
use crate::retry::{retry_after, RetryPolicy};
use crate::token::{AccessToken, DEFAULT_LIFETIME, MAX_LIFETIME};

/// The Azure AD authority used unless another is set (sovereign clouds, tests).
pub const DEFAULT_AUTHORITY: &str = AuthorityHost::AzurePublicCloud.url();

/// Microsoft Entra ID's cloud instances, each with its own authority host (see
/// Microsoft's "National clouds" page).
///
/// ```
/// use oauth_core::AuthorityHost;
///
/// assert_eq!(AuthorityHost::AzureGovernment.url(), "https://login.microsoftonline.us");
/// let china: AuthorityHost = "AzureChina".parse()?;
/// assert_eq!(china.url(), "https://login.chinacloudapi.cn");
/// # Ok::<(), oauth_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorityHost {
    /// The global Azure cloud: `https://login.microsoftonline.com`.
    AzurePublicCloud,
    /// Azure Government (US): `https://login.microsoftonline.us`.
    AzureGovernment,
    /// Azure operated by 21Vianet (China): `https://login.chinacloudapi.cn`.
    AzureChina,
}

impl AuthorityHost {
    /// The authority's base URL.
    pub const fn url(self) -> &'static str {
        match self {
            Self::AzurePublicCloud => "https://login.microsoftonline.com",
            Self::AzureGovernment => "https://login.microsoftonline.us",
            Self::AzureChina => "https://login.chinacloudapi.cn",
        }
    }

    /// An authority from configuration text: a cloud's name (`AzurePublicCloud`,
    /// `public`, `AzureGovernment`, `usgov`, `AzureChina`, `china`, in any case) or
    /// an `https://` URL (as `AZURE_AUTHORITY_HOST` holds it; `http://` only to a
    /// loopback host, which the client then needs the insecure-loopback opt-in
    /// for), returned as the URL.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for `field` when the text is neither.
    pub fn resolve(text: &str, field: &'static str) -> Result<String, ConfigError> {
        if let Ok(host) = text.parse::<Self>() {
            return Ok(host.url().to_owned());
        }
        check_url(text.trim(), field, true)?;
        Ok(text.trim().trim_end_matches('/').to_owned())
    }
}

impl std::str::FromStr for AuthorityHost {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "azurepubliccloud" | "public" | "global" => Ok(Self::AzurePublicCloud),
            "azuregovernment" | "usgov" | "usgovernment" => Ok(Self::AzureGovernment),
            "azurechina" | "china" => Ok(Self::AzureChina),
            _ => Err(ConfigError::new(
                "authority_host",
                "is not a cloud name (AzurePublicCloud, AzureGovernment, AzureChina) or an https:// URL",
            )),
        }
    }
}

/// Most bytes read from a token endpoint's answer.
const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// Which token endpoint to ask, and for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEndpoint {
    kind: EndpointKind,
    scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum EndpointKind {
    AzureV1 { tenant: String, resource: String },
    AzureV2 { tenant: String },
    Url(String),
}

impl TokenEndpoint {
    /// Azure AD v1: `{authority}/{tenant}/oauth2/token` with `resource=`.
    pub fn azure_ad_v1(tenant: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            kind: EndpointKind::AzureV1 {
                tenant: tenant.into(),
                resource: resource.into(),
            },
            scopes: Vec::new(),
        }
    }

    /// Azure AD v2: `{authority}/{tenant}/oauth2/v2.0/token` with `scope=` (several
    /// scopes are joined with spaces).
    pub fn azure_ad_v2<S: Into<String>>(
        tenant: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            kind: EndpointKind::AzureV2 {
                tenant: tenant.into(),
            },
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }

    /// Any token endpoint URL; add scopes with [`TokenEndpoint::with_scopes`].
    pub fn url(url: impl Into<String>) -> Self {
        Self {
            kind: EndpointKind::Url(url.into()),
            scopes: Vec::new(),
        }
    }

    /// Sets the scopes to request (replacing any).
    #[must_use]
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes requested.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The resource requested (Azure AD v1 only).
    pub fn resource(&self) -> Option<&str> {
        match &self.kind {
            EndpointKind::AzureV1 { resource, .. } => Some(resource),
            _ => None,
        }
    }

    fn tenant(&self) -> Option<&str> {
        match &self.kind {
            EndpointKind::AzureV1 { tenant, .. } | EndpointKind::AzureV2 { tenant } => Some(tenant),
            EndpointKind::Url(_) => None,
        }
    }

    fn url_for(&self, authority: &str) -> String {
        let authority = authority.trim_end_matches('/');
        match &self.kind {
            EndpointKind::AzureV1 { tenant, .. } => format!("{authority}/{tenant}/oauth2/token"),
            EndpointKind::AzureV2 { tenant } => format!("{authority}/{tenant}/oauth2/v2.0/token"),
            EndpointKind::Url(url) => url.clone(),
        }
    }
}

/// How the token request body is encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded` (RFC 6749; every vendor accepts it).
    #[default]
    Form,
    /// `application/json` (accepted by some generic endpoints, such as Kaisa's).
    Json,
}

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the body (`client_secret_post`).
    #[default]
    SecretPost,
    /// HTTP Basic with the client id and secret (`client_secret_basic`).
    SecretBasic,
}

/// The grant and the credentials it needs. More kinds will come (certificates,
/// federated and managed identities): match with a wildcard arm.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// `client_credentials`: the application acts as itself.
    ClientCredentials {
        /// Application (client) id.
        client_id: String,
        /// Client secret.
        client_secret: SecretString,
    },
    /// `password` (resource owner password credentials): the application acts as a user.
    Password {
        /// Application (client) id.
        client_id: String,
        /// Client secret, for confidential clients.
        client_secret: Option<SecretString>,
        /// The user's name.
        username: String,
        /// The user's password.
        password: SecretString,
    },
    /// `client_credentials` with a client assertion (RFC 7523) instead of a secret:
    /// a [`Certificate`](crate::Certificate), a
    /// [`FederatedTokenFile`](crate::FederatedTokenFile), an
    /// [`AssertionCallback`](crate::AssertionCallback) or any
    /// [`ClientAssertion`]. A fresh assertion is made for every token request.
    ClientAssertion {
        /// Application (client) id.
        client_id: String,
        /// What makes the assertions.
        assertion: Arc<dyn ClientAssertion>,
    },
}

impl Credentials {
    /// Client credentials grant.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self::ClientCredentials {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        }
    }

    /// Password grant, with an optional client secret.
    pub fn password(
        client_id: impl Into<String>,
        client_secret: Option<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self::Password {
            client_id: client_id.into(),
            client_secret: client_secret.map(SecretString::from),
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// Client credentials grant with a client assertion from `assertion` (a
    /// certificate, a federated token file, a callback, ...).
    pub fn client_assertion(
        client_id: impl Into<String>,
        assertion: impl ClientAssertion + 'static,
    ) -> Self {
        Self::ClientAssertion {
            client_id: client_id.into(),
            assertion: Arc::new(assertion),
        }
    }

    /// Client credentials grant with a certificate: assertions signed with its key.
    pub fn certificate(client_id: impl Into<String>, certificate: crate::Certificate) -> Self {
        Self::client_assertion(client_id, certificate)
    }

    /// Client credentials grant with workload identity federation: the assertion is
    /// read from `path` at every token request (Kubernetes rotates the file).
    pub fn federated_token_file(
        client_id: impl Into<String>,
        path: impl Into<std::path::PathBuf>,
    ) -> Self {
        Self::client_assertion(client_id, crate::FederatedTokenFile::new(path))
    }

    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        match self {
            Self::ClientCredentials { client_id, .. }
            | Self::Password { client_id, .. }
            | Self::ClientAssertion { client_id, .. } => client_id,
        }
    }

    /// The grant type name sent as `grant_type`.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::ClientCredentials { .. } | Self::ClientAssertion { .. } => "client_credentials",
            Self::Password { .. } => "password",
        }
    }

    fn username(&self) -> Option<&str> {
        match self {
            Self::Password { username, .. } => Some(username),
            Self::ClientCredentials { .. } | Self::ClientAssertion { .. } => None,
        }
    }

    fn client_secret(&self) -> Option<&SecretString> {
        match self {
            Self::ClientCredentials { client_secret, .. } => Some(client_secret),
            Self::Password { client_secret, .. } => client_secret.as_ref(),
            Self::ClientAssertion { .. } => None,
        }
    }

    fn assertion(&self) -> Option<&Arc<dyn ClientAssertion>> {
        match self {
            Self::ClientAssertion { assertion, .. } => Some(assertion),
            _ => None,
        }
    }

    fn secrets(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .client_secret()
            .map(|s| s.expose_secret())
            .into_iter()
            .collect();
        if let Self::Password { password, .. } = self {
            out.push(password.expose_secret());
        }
        out
    }

    /// The cache key of tokens fetched with these credentials: the public parts,
    /// and every secret plus the extra token parameters as credential material (so
    /// that only a keyed fingerprint of them is part of the key).
    fn cache_key(
        &self,
        token_url: &str,
        resource: Option<&str>,
        scopes: &[String],
        extra: &[(String, String)],
    ) -> CacheKey {
        let mut key =
            CacheKey::builder(token_url, self.client_id(), self.grant_type()).scopes(scopes);
        if let Some(username) = self.username() {
            key = key.username(username);
        }
        if let Some(resource) = resource {
            key = key.resource(resource);
        }
        if let Some(secret) = self.client_secret() {
            key = key.credential_part("client_secret", secret.expose_secret().as_bytes());
        }
        if let Self::Password { password, .. } = self {
            key = key.credential_part("password", password.expose_secret().as_bytes());
        }
        if let Some(assertion) = self.assertion() {
            key = key.credential_part("client_assertion", &assertion.key_material());
        }
        for (name, value) in extra {
            key = key
                .credential_part("extra_param", name.as_bytes())
                .credential_part("extra_value", value.as_bytes());
        }
        key.build()
    }

    /// The secrets a token request carries, and the Basic credentials: error
    /// snippets are scrubbed of each in every spelling a server could echo it in
    /// (see `error::redact`).
    fn redactions(
        &self,
        basic: Option<&HeaderValue>,
        extra: &[(String, String)],
    ) -> Vec<SecretString> {
        let mut out: Vec<String> = self.secrets().into_iter().map(str::to_owned).collect();
        // Extra parameters may carry secrets too (an assertion, a refresh token):
        // those by name at any length; others when long enough to be one without
        // withholding every short value's error text whole.
        for (name, value) in extra {
            let secret_name = matches!(
                name.as_str(),
                "client_assertion"
                    | "assertion"
                    | "refresh_token"
                    | "code"
                    | "code_verifier"
                    | "client_secret"
                    | "password"
            );
            if !value.is_empty() && (secret_name || value.len() >= 16) {
                out.push(value.clone());
            }
        }
        if let Some(credentials) = basic
            .and_then(|b| b.to_str().ok())
            .and_then(|b| b.strip_prefix("Basic "))
        {
            out.push(credentials.to_owned());
        }
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(SecretString::from).collect()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
            Self::Password {
                client_id,
                client_secret,
                username,
                ..
            } => f
                .debug_struct("Password")
                .field("client_id", client_id)
                .field(
                    "client_secret",
                    &client_secret.as_ref().map(|_| "[redacted]"),
                )
                .field("username", username)
                .field("password", &"[redacted]")
                .finish(),
            Self::ClientAssertion {
                client_id,
                assertion,
            } => f
                .debug_struct("ClientAssertion")
                .field("client_id", client_id)
                .field("assertion", assertion)
                .finish(),
        }
    }
}

/// Timeouts of token requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed to open a connection.
    pub connect: Duration,
    /// Time allowed for one attempt (connect, send, read the answer).
    pub attempt: Duration,
    /// Time allowed for the whole operation, retries and waits included.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(10),
            overall: Duration::from_secs(30),
        }
    }
}

/// Builds a [`TokenClient`].
#[must_use]
pub struct TokenClientBuilder {
    endpoint: Option<TokenEndpoint>,
    credentials: Option<Credentials>,
    authority: String,
    token_url: Option<String>,
    body_format: BodyFormat,
    client_auth: ClientAuth,
    extra: Vec<(String, String)>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    insecure_loopback: bool,
    http: crate::HttpOptions,
    user_agent: Option<String>,
}

impl fmt::Debug for TokenClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("authority", &self.authority)
            .field("token_url", &self.token_url)
            .field("body_format", &self.body_format)
            .field("client_auth", &self.client_auth)
            .field(
                "extra_params",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Default for TokenClientBuilder {
    fn default() -> Self {
        Self {
            endpoint: None,
            credentials: None,
            authority: DEFAULT_AUTHORITY.to_owned(),
            token_url: None,
            body_format: BodyFormat::default(),
            client_auth: ClientAuth::default(),
            extra: Vec::new(),
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            insecure_loopback: false,
            http: crate::HttpOptions::default(),
            user_agent: None,
        }
    }
}

impl TokenClientBuilder {
    /// The token endpoint and what to ask it for.
    pub fn endpoint(mut self, endpoint: TokenEndpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// The grant and its credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The Azure AD authority (default [`DEFAULT_AUTHORITY`]).
    pub fn authority(mut self, authority: impl Into<String>) -> Self {
        self.authority = authority.into();
        self
    }

    /// Replaces the whole token endpoint URL, keeping the endpoint's parameters
    /// (`resource` for v1, `scope` for v2).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Form (default) or JSON body.
    pub fn body_format(mut self, format: BodyFormat) -> Self {
        self.body_format = format;
        self
    }

    /// Secret in the body (default) or HTTP Basic.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Adds a parameter to every token request.
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Retries of transient failures (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeouts (default 5 s connect, 10 s per attempt, 30 s overall).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Allows `http://` token URLs whose host is a loopback address (`127.0.0.1`,
    /// `::1`, `localhost`). Meant for tests and the local sandbox only.
    pub fn allow_insecure_loopback(mut self, allow: bool) -> Self {
        self.insecure_loopback = allow;
        self
    }

    /// Trusts the CA certificates in `pem` (one or more `BEGIN CERTIFICATE`
    /// blocks) as well as the bundled roots and the system's store (which
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR` extend): a corporate TLS-inspecting
    /// proxy's CA, or a local sandbox's.
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.http = self.http.add_root_certificate_pem(pem);
        self
    }

    /// How the HTTP client is built: a proxy, the application's own `reqwest`
    /// builder, extra roots (see [`HttpOptions`](crate::HttpOptions)). Replaces
    /// earlier `add_root_certificate_pem` calls.
    pub fn http_options(mut self, options: crate::HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// The `User-Agent` sent (default `oauth-core/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting to fix: missing endpoint or credentials,
    /// an empty client id, secret, username, password, scope or resource, a malformed
    /// tenant, or a token URL that is not `https://` (without the loopback opt-in).
    pub fn build(self) -> Result<TokenClient, ConfigError> {
        let endpoint = self
            .endpoint
            .ok_or_else(|| ConfigError::new("endpoint", "set the token endpoint"))?;
        let credentials = self
            .credentials
            .ok_or_else(|| ConfigError::new("credentials", "set the client credentials"))?;
        validate_credentials(&credentials)?;
        if let Some(tenant) = endpoint.tenant() {
            validate_tenant(tenant)?;
        }
        if let Some(resource) = endpoint.resource() {
            if resource.trim().is_empty() {
                return Err(ConfigError::new("resource", "must not be empty"));
            }
        }
        if matches!(endpoint.kind, EndpointKind::AzureV2 { .. }) && endpoint.scopes.is_empty() {
            return Err(ConfigError::new(
                "scope",
                "Azure AD v2 needs at least one scope, such as `api://<app>/.default`",
            ));
        }
        if endpoint.scopes.iter().any(|s| s.trim().is_empty()) {
            return Err(ConfigError::new("scope", "must not be empty"));
        }
        let url_text = self
            .token_url
            .clone()
            .unwrap_or_else(|| endpoint.url_for(&self.authority));
        let field = if self.token_url.is_some() || matches!(endpoint.kind, EndpointKind::Url(_)) {
            "token_url"
        } else {
            "authority"
        };
        let url = check_url(&url_text, field, self.insecure_loopback)?;

        let body = encode_body(
            &endpoint,
            &credentials,
            self.body_format,
            self.client_auth,
            &self.extra,
        )?;
        let basic = match (self.client_auth, credentials.client_secret()) {
            (ClientAuth::SecretBasic, Some(secret)) => Some(basic_header(
                credentials.client_id(),
                secret.expose_secret(),
            )?),
            (ClientAuth::SecretBasic, None) => {
                return Err(ConfigError::new(
                    "client_auth",
                    "HTTP Basic client authentication needs a client secret",
                ))
            }
            _ => None,
        };
        let mut scopes = endpoint.scopes.clone();
        if let Some(resource) = endpoint.resource() {
            scopes.push(resource.to_owned());
        }
        let key = credentials.cache_key(
            url.as_str(),
            endpoint.resource(),
            &endpoint.scopes,
            &self.extra,
        );
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| concat!("oauth-core/", env!("CARGO_PKG_VERSION")).to_owned());
        let http = self
            .http
            .builder_for(&url)?
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.timeouts.connect)
            .user_agent(user_agent)
            .build()
            .map_err(|e| ConfigError::new("http_client", format!("could not build: {e}")))?;
        let content_type = match self.body_format {
            BodyFormat::Form => "application/x-www-form-urlencoded",
            BodyFormat::Json => "application/json",
        };
        let redactions = credentials.redactions(basic.as_ref(), &self.extra);
        Ok(TokenClient {
            http,
            url,
            key,
            credentials,
            body,
            content_type: HeaderValue::from_static(content_type),
            format: self.body_format,
            basic,
            redactions,
            scopes,
            retry: self.retry,
            timeouts: self.timeouts,
        })
    }
}

fn validate_credentials(c: &Credentials) -> Result<(), ConfigError> {
    if c.client_id().trim().is_empty() {
        return Err(ConfigError::new("client_id", "must not be empty"));
    }
    if let Some(secret) = c.client_secret() {
        if secret.expose_secret().is_empty() {
            return Err(ConfigError::new("client_secret", "must not be empty"));
        }
    }
    if let Credentials::Password {
        username, password, ..
    } = c
    {
        if username.trim().is_empty() {
            return Err(ConfigError::new("username", "must not be empty"));
        }
        if password.expose_secret().is_empty() {
            return Err(ConfigError::new("password", "must not be empty"));
        }
    }
    Ok(())
}

fn validate_tenant(tenant: &str) -> Result<(), ConfigError> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 256
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new(
            "tenant",
            format!(
                "`{tenant}` is not a tenant id or domain (expected a GUID such as \
                 `72f988bf-86f1-41af-91ab-2d7cd011db47` or a domain such as `contoso.onmicrosoft.com`)"
            ),
        ))
    }
}

/// Parses `text` as a URL that is `https://`, or `http://` to a loopback host when
/// `insecure_loopback` is set. `field` names the setting in the error.
pub fn check_url(
    text: &str,
    field: &'static str,
    insecure_loopback: bool,
) -> Result<Url, ConfigError> {
    // Errors quote the URL: never with a user or password it may carry.
    let original = text;
    let shown = without_userinfo(text);
    let text = shown.as_str();
    let url = Url::parse(original.trim())
        .map_err(|e| ConfigError::new(field, format!("`{text}` is not a valid URL: {e}")))?;
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(ConfigError::new(field, format!("`{text}` has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::new(
            field,
            "must not carry credentials in the URL; configure them separately",
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if insecure_loopback && is_loopback(&url) => Ok(url),
        "http" if insecure_loopback => Err(ConfigError::new(
            field,
            format!("`{text}`: plain http is allowed only to a loopback host (127.0.0.1, ::1, localhost)"),
        )),
        "http" => Err(ConfigError::new(
            field,
            format!("`{text}` must use https:// (plain http is only for loopback tests, with the insecure-loopback opt-in)"),
        )),
        other => Err(ConfigError::new(field, format!("unsupported scheme `{other}`; use https://"))),
    }
}

/// `text` with anything between `://` and an `@` in its authority replaced, so that
/// a URL's user and password never show in an error.
fn without_userinfo(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return text.to_owned();
    };
    let rest = &text[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}[redacted]@{}", &text[..start], &rest[at + 1..]),
        None => text.to_owned(),
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn encode_body(
    endpoint: &TokenEndpoint,
    credentials: &Credentials,
    format: BodyFormat,
    auth: ClientAuth,
    extra: &[(String, String)],
) -> Result<SecretBody, ConfigError> {
    let mut pairs: Vec<(&str, &str)> = vec![("grant_type", credentials.grant_type())];
    if auth == ClientAuth::SecretPost || credentials.client_secret().is_none() {
        pairs.push(("client_id", credentials.client_id()));
    }
    if auth == ClientAuth::SecretPost {
        if let Some(secret) = credentials.client_secret() {
            pairs.push(("client_secret", secret.expose_secret()));
        }
    }
    if let Credentials::Password {
        username, password, ..
    } = credentials
    {
        pairs.push(("username", username));
        pairs.push(("password", password.expose_secret()));
    }
    if let Some(resource) = endpoint.resource() {
        pairs.push(("resource", resource));
    }
    let scope = endpoint.scopes.join(" ");
    if !scope.is_empty() {
        pairs.push(("scope", &scope));
    }
    for (k, v) in extra {
        pairs.push((k, v));
    }
    let bytes = match format {
        BodyFormat::Form => serde_urlencoded::to_string(&pairs)
            .map_err(|e| ConfigError::new("extra_param", format!("cannot encode: {e}")))?
            .into_bytes(),
        // Serialized straight from the borrowed pairs: no `Value` copies of a secret.
        BodyFormat::Json => serde_json::to_vec(&JsonPairs(&pairs))
            .map_err(|e| ConfigError::new("extra_param", format!("cannot encode: {e}")))?,
    };
    Ok(SecretBody(Arc::new(SecretBox::new(
        bytes.into_boxed_slice(),
    ))))
}

/// Pairs serialized as one JSON object, in order.
struct JsonPairs<'a>(&'a [(&'a str, &'a str)]);

impl serde::Serialize for JsonPairs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().copied())
    }
}

/// The encoded token request body. Every attempt sends it without copying it (the
/// request body borrows this allocation), and it is zeroed when the client and the
/// last attempt are done with it. Buffers inside the HTTP and TLS stacks are outside
/// this crate's reach.
#[derive(Clone)]
struct SecretBody(Arc<SecretBox<[u8]>>);

impl SecretBody {
    /// This body with `client_assertion_type` and `client_assertion` added: form
    /// pairs appended, or two members added to the JSON object.
    fn with_assertion(&self, format: BodyFormat, assertion: &SecretString) -> SecretBody {
        let base = self.0.expose_secret();
        let mut out: Vec<u8> =
            Vec::with_capacity(base.len() + assertion.expose_secret().len() + 96);
        match format {
            BodyFormat::Form => {
                out.extend_from_slice(base);
                out.extend_from_slice(b"&client_assertion_type=");
                out.extend_from_slice(
                    form_urlencoded_component(JWT_BEARER_ASSERTION_TYPE).as_bytes(),
                );
                out.extend_from_slice(b"&client_assertion=");
                out.extend_from_slice(
                    Zeroizing::new(form_urlencoded_component(assertion.expose_secret())).as_bytes(),
                );
            }
            BodyFormat::Json => {
                // The prepared body is a JSON object with at least `grant_type`.
                let open = base.strip_suffix(b"}").unwrap_or(base);
                out.extend_from_slice(open);
                out.extend_from_slice(b",\"client_assertion_type\":");
                out.extend_from_slice(
                    serde_json::to_string(JWT_BEARER_ASSERTION_TYPE)
                        .unwrap_or_default()
                        .as_bytes(),
                );
                out.extend_from_slice(b",\"client_assertion\":");
                out.extend_from_slice(
                    Zeroizing::new(
                        serde_json::to_string(assertion.expose_secret()).unwrap_or_default(),
                    )
                    .as_bytes(),
                );
                out.push(b'}');
            }
        }
        SecretBody(Arc::new(SecretBox::new(out.into_boxed_slice())))
    }
}

impl AsRef<[u8]> for SecretBody {
    fn as_ref(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

fn basic_header(client_id: &str, secret: &str) -> Result<HeaderValue, ConfigError> {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64. The temporary
    // texts are wiped; the header value itself lives (shared, never copied per
    // request) as long as the client, in memory `http` does not let us wipe.
    let enc = |s: &str| Zeroizing::new(form_urlencoded_component(s));
    let raw = Zeroizing::new(format!(
        "{}:{}",
        enc(client_id).as_str(),
        enc(secret).as_str()
    ));
    let text = Zeroizing::new(format!(
        "Basic {}",
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())).as_str()
    ));
    let mut value = HeaderValue::from_str(&text)
        .map_err(|_| ConfigError::new("client_secret", "cannot be sent in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

fn form_urlencoded_component(s: &str) -> String {
    let encoded = serde_urlencoded::to_string([("", s)]).unwrap_or_default();
    encoded.trim_start_matches('=').to_owned()
}

/// Fetches tokens from one token endpoint with one set of credentials.
///
/// It follows no redirects (a token request must never be replayed to another
/// host), retries transient failures (connection errors, timeouts, 408, 429, 500,
/// 502, 503, 504) with full-jitter backoff and `Retry-After`, and never retries an
/// OAuth refusal such as `invalid_client`.
pub struct TokenClient {
    http: reqwest::Client,
    url: Url,
    key: CacheKey,
    credentials: Credentials,
    body: SecretBody,
    content_type: HeaderValue,
    format: BodyFormat,
    basic: Option<HeaderValue>,
    /// The secrets, in every form they are sent, to scrub from error snippets.
    redactions: Vec<SecretString>,
    scopes: Vec<String>,
    retry: RetryPolicy,
    timeouts: Timeouts,
}

impl fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenClient")
            .field("url", &self.url.as_str())
            .field("credentials", &self.credentials)
            .field("scopes", &self.scopes)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl TokenClient {
    /// Starts building a token client.
    pub fn builder() -> TokenClientBuilder {
        TokenClientBuilder::default()
    }

    /// The token endpoint URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The cache key of the tokens this client fetches.
    pub fn cache_key(&self) -> &CacheKey {
        &self.key
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        self.credentials.client_id()
    }

    /// Requests a new token, retrying transient failures.
    ///
    /// # Errors
    ///
    /// [`TokenError::OAuth`] when the endpoint refuses (never retried),
    /// [`TokenError::Status`] for other failures with a bounded body snippet,
    /// [`TokenError::InvalidResponse`] for an unusable success answer,
    /// [`TokenError::Transport`] for network trouble, and
    /// [`TokenError::DeadlineExceeded`] when the overall deadline ends the retries.
    pub async fn request_token(&self) -> Result<AccessToken, TokenError> {
        // A span of its own, after OpenTelemetry's HTTP client conventions; nothing
        // secret in any field (the URL holds the tenant at most, never a credential).
        let span = tracing::info_span!(
            "oauth.token_request",
            "otel.name" = "POST token",
            "otel.kind" = "client",
            "otel.status_code" = tracing::field::Empty,
            "http.request.method" = "POST",
            "server.address" = self.url.host_str().unwrap_or_default(),
            "server.port" = self.url.port_or_known_default().unwrap_or_default(),
            "url.full" = %self.url,
            "oauth.grant_type" = self.credentials.grant_type(),
            "http.request.resend_count" = tracing::field::Empty,
            "error.type" = tracing::field::Empty,
        );
        let result =
            tracing::Instrument::instrument(self.request_token_inner(), span.clone()).await;
        if let Err(e) = &result {
            span.record("error.type", e.kind_name());
            span.record("otel.status_code", "ERROR");
        }
        result
    }

    async fn request_token_inner(&self) -> Result<AccessToken, TokenError> {
        with_retries(
            &self.retry,
            &self.timeouts,
            &self.url,
            "token endpoint",
            || self.attempt(),
        )
        .await
    }

    async fn attempt(&self) -> Result<AccessToken, (TokenError, Option<Duration>)> {
        // A client assertion is made anew for every attempt (never an expired one)
        // and appended to the prepared body.
        let assertion = match self.credentials.assertion() {
            Some(source) => Some(
                source
                    .assertion(self.credentials.client_id(), self.url.as_str())
                    .await
                    .map_err(|e| (e, None))?,
            ),
            None => None,
        };
        let body = match &assertion {
            Some(assertion) => {
                bytes::Bytes::from_owner(self.body.with_assertion(self.format, assertion))
            }
            None => bytes::Bytes::from_owner(self.body.clone()),
        };
        let sent_at = Instant::now();
        let sent_wall = SystemTime::now();
        let mut request = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, self.content_type.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .body(body);
        if let Some(basic) = &self.basic {
            request = request.header(AUTHORIZATION, basic.clone());
        }
        let response = request.send().await.map_err(|e| {
            (
                TokenError::Transport(TransportError::from_reqwest(&e)),
                None,
            )
        })?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(response, MAX_TOKEN_RESPONSE_BYTES)
            .await
            .map_err(|e| (TokenError::Transport(e), None))?;
        if status.is_success() {
            parse_token(&body, content_type.as_deref(), sent_at, sent_wall)
                .map(|t| t.with_scopes(self.scopes.clone()))
                .map_err(|e| (e, None))
        } else {
            let mut secrets: Vec<&str> =
                self.redactions.iter().map(|s| s.expose_secret()).collect();
            if let Some(assertion) = &assertion {
                secrets.push(assertion.expose_secret());
            }
            Err((parse_error(status, content_type, &body, &secrets), wait))
        }
    }
}

/// One attempt's outcome: the token, or the error and the server's `Retry-After`.
pub(crate) type AttemptResult = Result<AccessToken, (TokenError, Option<Duration>)>;

/// Runs `attempt` until it succeeds, fails for good, or the retries or the overall
/// deadline run out: each attempt within `timeouts.attempt`, transient failures
/// retried with the policy's backoff or `Retry-After`. Shared by every token source.
pub(crate) async fn with_retries<F, Fut>(
    retry: &RetryPolicy,
    timeouts: &Timeouts,
    url: &Url,
    what: &str,
    mut attempt: F,
) -> Result<AccessToken, TokenError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = AttemptResult>,
{
    let deadline = Instant::now() + timeouts.overall;
    let mut n: u32 = 0;
    loop {
        n += 1;
        let now = Instant::now();
        let budget = deadline
            .saturating_duration_since(now)
            .min(timeouts.attempt);
        tracing::debug!(url = %url, attempt = n, "token request sent");
        let outcome = match tokio::time::timeout(budget, attempt()).await {
            Ok(outcome) => outcome,
            Err(_) => Err((
                TokenError::Transport(TransportError::new(
                    TransportErrorKind::Timeout,
                    format!("no answer from the {what} within {budget:?}"),
                )),
                None,
            )),
        };
        let latency_ms = now.elapsed().as_millis() as u64;
        let (err, retry_after) = match outcome {
            Ok(token) => {
                tracing::debug!(url = %url, attempt = n, latency_ms, "token received");
                return Ok(token);
            }
            Err(e) => e,
        };
        tracing::debug!(
            url = %url, attempt = n, latency_ms,
            status = err.status().map(|s| s.as_u16()),
            error = %err,
            "token request failed"
        );
        if !err.is_retryable() || n >= retry.attempts() {
            return Err(err);
        }
        let Some(delay) = retry.delay(n, retry_after) else {
            return Err(err);
        };
        if Instant::now() + delay >= deadline {
            return Err(TokenError::DeadlineExceeded {
                deadline: timeouts.overall,
                attempts: n,
                last: Box::new(err),
            });
        }
        tracing::info!(url = %url, attempt = n, delay_ms = delay.as_millis() as u64, "token request will be retried");
        tokio::time::sleep(delay).await;
    }
}

#[async_trait]
impl TokenSource for TokenClient {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        self.request_token().await
    }
}

#[derive(Deserialize)]
struct RawToken {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    expires_on: Option<serde_json::Value>,
}

/// A number, or a string holding one, as Azure AD v1 sends them (`3599`, `"3599"`,
/// `" 3599 "`); a fraction is cut to its whole part and a value beyond `i64`
/// saturates. `None` for anything else.
pub(crate) fn lenient_i64(value: &serde_json::Value) -> Option<i64> {
    // `as` from f64 saturates and cuts the fraction, as documented.
    #[allow(clippy::cast_possible_truncation)]
    fn from_f64(f: f64) -> Option<i64> {
        f.is_finite().then_some(f as i64)
    }
    match value {
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|_| i64::MAX))
            .or_else(|| n.as_f64().and_then(from_f64)),
        serde_json::Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(from_f64))
        }
        _ => None,
    }
}

/// Parses a success answer of a token endpoint into a token whose lifetime counts
/// from `sent_at` (when the request was sent).
pub(crate) fn parse_token(
    body: &[u8],
    content_type: Option<&str>,
    sent_at: Instant,
    sent_wall: SystemTime,
) -> Result<AccessToken, TokenError> {
    // The body holds a token: never quote it in an error.
    if !crate::token::is_json_object(body) {
        return Err(TokenError::InvalidResponse(format!(
            "the body is not a JSON token answer (not a JSON object; {} bytes, content type {})",
            body.len(),
            content_type.unwrap_or("none"),
        )));
    }
    let raw: RawToken = serde_json::from_slice(body).map_err(|e| {
        TokenError::InvalidResponse(format!(
            "the body is not a JSON token answer ({} bytes, content type {}, {:?} error at line {} column {})",
            body.len(),
            content_type.unwrap_or("none"),
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let access_token = raw
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| TokenError::InvalidResponse("the answer has no access_token".into()))?;
    if let Some(kind) = &raw.token_type {
        if !kind.eq_ignore_ascii_case("bearer") {
            // Quoted for diagnosis, but never the token itself (a server that mixes up
            // the fields would otherwise put it in the error).
            // Only a short plain word (`MAC`, `DPoP`, `pop`) that is no part of the
            // token is quoted; anything longer may be a header value or a token.
            let plain = kind.len() <= 16
                && kind
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !access_token.contains(kind.as_str());
            let shown = if plain {
                format!("`{kind}`")
            } else {
                format!("of {} characters", kind.chars().count())
            };
            return Err(TokenError::InvalidResponse(format!(
                "token_type {shown} is not supported (only Bearer)"
            )));
        }
    }
    if HeaderValue::from_str(&access_token).is_err() {
        return Err(TokenError::InvalidResponse(
            "the access_token holds characters not allowed in an HTTP header".into(),
        ));
    }
    let lifetime = if let Some(secs) = raw.expires_in.as_ref().and_then(lenient_i64) {
        Duration::from_secs(secs.clamp(0, MAX_LIFETIME.as_secs() as i64) as u64)
    } else if let Some(on) = raw.expires_on.as_ref().and_then(lenient_i64) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let left = on
            .saturating_sub(now)
            .clamp(0, MAX_LIFETIME.as_secs() as i64) as u64;
        // Counted from now, not from when the request was sent.
        let elapsed = sent_at.elapsed();
        Duration::from_secs(left) + elapsed
    } else {
        if raw.expires_in.is_some() {
            tracing::warn!("token answer has an expires_in that is not a number; assuming the default lifetime");
        }
        DEFAULT_LIFETIME
    };
    Ok(AccessToken::new(
        access_token,
        raw.token_type.unwrap_or_else(|| "Bearer".to_owned()),
        sent_at,
        sent_wall,
        lifetime,
    ))
}

#[derive(Deserialize)]
struct RawOAuthError {
    error: String,
    error_description: Option<String>,
    error_uri: Option<String>,
    error_codes: Option<serde_json::Value>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
    timestamp: Option<String>,
}

/// Parses a non-success answer of a token endpoint; never quotes a secret.
pub(crate) fn parse_error(
    status: StatusCode,
    content_type: Option<String>,
    body: &[u8],
    secrets: &[&str],
) -> TokenError {
    let scrub = |s: Option<String>| {
        s.map(|mut s| {
            crate::error::redact(&mut s, secrets);
            crate::error::make_printable(&mut s);
            s
        })
    };
    let parsed = if crate::token::is_json_object(body) {
        serde_json::from_slice::<RawOAuthError>(body).ok()
    } else {
        None
    };
    match parsed {
        Some(raw) => {
            let description = scrub(raw.error_description);
            let mut aadsts: Vec<u64> = match raw.error_codes {
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| lenient_i64(v).and_then(|n| u64::try_from(n).ok()))
                    .collect(),
                _ => Vec::new(),
            };
            if aadsts.is_empty() {
                aadsts = description.as_deref().map(aadsts_in).unwrap_or_default();
            }
            let mut error = raw.error;
            crate::error::redact(&mut error, secrets);
            crate::error::make_printable(&mut error);
            TokenError::OAuth(Box::new(OAuthError {
                status,
                error,
                description,
                uri: scrub(raw.error_uri),
                aadsts,
                trace_id: scrub(raw.trace_id),
                correlation_id: scrub(raw.correlation_id),
                timestamp: scrub(raw.timestamp),
            }))
        }
        None => TokenError::Status(Box::new(StatusError {
            status,
            content_type,
            snippet: body_snippet(body, secrets),
        })),
    }
}

/// Finds `AADSTS<digits>` numbers in a text.
fn aadsts_in(text: &str) -> Vec<u64> {
    text.match_indices("AADSTS")
        .filter_map(|(i, m)| {
            let digits: String = text[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_hosts_by_name_or_url() {
        assert_eq!(
            AuthorityHost::resolve("AzureGovernment", "h").unwrap(),
            "https://login.microsoftonline.us"
        );
        assert_eq!(
            AuthorityHost::resolve(" china ", "h").unwrap(),
            "https://login.chinacloudapi.cn"
        );
        assert_eq!(
            AuthorityHost::resolve("https://login.example.test/", "h").unwrap(),
            "https://login.example.test"
        );
        assert_eq!(DEFAULT_AUTHORITY, AuthorityHost::AzurePublicCloud.url());
        let err = AuthorityHost::resolve("mars", "AZURE_AUTHORITY_HOST").unwrap_err();
        assert_eq!(err.field(), "AZURE_AUTHORITY_HOST");
        assert!(AuthorityHost::resolve("http://login.example.test", "h").is_err());
    }

    #[test]
    fn a_json_array_is_neither_a_token_nor_an_oauth_error() {
        // serde's derived structs read an array as their fields in order.
        let now = (Instant::now(), SystemTime::now());
        for body in [
            &br#"["t0k3n",null,null,null]"#[..],
            br#" ["t0k3n","Bearer",3600]"#,
        ] {
            let err = parse_token(body, Some("application/json"), now.0, now.1).unwrap_err();
            assert!(matches!(err, TokenError::InvalidResponse(_)), "{err:?}");
            assert!(!format!("{err:?}").contains("t0k3n"));
        }
        let ok = parse_token(br#" {"access_token":"t0k3n"}"#, None, now.0, now.1).unwrap();
        assert_eq!(ok.secret(), "t0k3n");
        let err = parse_error(
            StatusCode::BAD_REQUEST,
            None,
            br#"["invalid_client","bad",null]"#,
            &[],
        );
        assert!(matches!(err, TokenError::Status(_)), "{err:?}");
        let err = parse_error(
            StatusCode::BAD_REQUEST,
            None,
            br#"{"error":"invalid_client"}"#,
            &[],
        );
        assert!(matches!(err, TokenError::OAuth(_)), "{err:?}");
    }

    #[test]
    fn lenient_numbers() {
        use serde_json::json;
        assert_eq!(lenient_i64(&json!(3599)), Some(3599));
        assert_eq!(lenient_i64(&json!("3599")), Some(3599));
        assert_eq!(lenient_i64(&json!(" 3599 ")), Some(3599));
        assert_eq!(lenient_i64(&json!("3599.0")), Some(3599));
        assert_eq!(lenient_i64(&json!(-5)), Some(-5));
        assert_eq!(lenient_i64(&json!(u64::MAX)), Some(i64::MAX));
        assert_eq!(lenient_i64(&json!("soon")), None);
        assert_eq!(lenient_i64(&json!(null)), None);
        assert_eq!(lenient_i64(&json!([1])), None);
    }

    #[test]
    fn aadsts_numbers_from_text() {
        assert_eq!(
            aadsts_in("AADSTS7000215: Invalid. AADSTS90002 x"),
            vec![7_000_215, 90_002]
        );
        assert!(aadsts_in("AADSTS: none").is_empty());
    }

    #[test]
    fn tenant_validation() {
        assert!(validate_tenant("kazib2c.onmicrosoft.com").is_ok());
        assert!(validate_tenant("a53d724c-15ea-4469-a987-82a5b30ec167").is_ok());
        assert!(validate_tenant("").is_err());
        assert!(validate_tenant("a/b").is_err());
        assert!(validate_tenant("x?y").is_err());
        assert!(validate_tenant("has space").is_err());
    }

    #[test]
    fn url_policy() {
        assert!(check_url("https://login.microsoftonline.com/x", "token_url", false).is_ok());
        let e = check_url("http://127.0.0.1:9/x", "token_url", false).unwrap_err();
        assert_eq!(e.field(), "token_url");
        assert!(e.problem().contains("https"));
        assert!(check_url("http://127.0.0.1:9/x", "token_url", true).is_ok());
        assert!(check_url("http://[::1]:9/x", "token_url", true).is_ok());
        assert!(check_url("http://localhost:9/x", "token_url", true).is_ok());
        assert!(check_url("http://example.com/x", "token_url", true).is_err());
        assert!(check_url("ftp://example.com/x", "token_url", true).is_err());
        assert!(check_url("https://user:pw@example.com/x", "token_url", false).is_err());
        assert!(check_url("not a url", "token_url", false).is_err());
    }

    #[test]
    fn basic_header_is_urlencoded_and_sensitive() {
        let h = basic_header("id:1", "s p+").unwrap();
        assert!(h.is_sensitive());
        let text = h.to_str().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text.trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "id%3A1:s+p%2B");
    }
}
