//! Managed identity: tokens from the host's identity endpoint instead of a secret.
//!
//! - App Service, Functions and Container Apps publish `IDENTITY_ENDPOINT` and
//!   `IDENTITY_HEADER`: `GET {endpoint}?api-version=2019-08-01&resource=...` with the
//!   header `X-IDENTITY-HEADER`.
//! - Virtual machines and AKS nodes answer at the instance metadata service,
//!   `http://169.254.169.254/metadata/identity/oauth2/token` with `Metadata: true`.
//!
//! Both are plain `http` by design; they are allowed for exactly these endpoints (a
//! loopback host, or the metadata address), nothing broader. Every endpoint is
//! configurable, so tests and local runs point it at loopback.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;
use url::Url;

use crate::body::read_capped;
use crate::cache::{CacheKey, TokenSource};
use crate::endpoint::{is_loopback, parse_error, parse_token, with_retries, Timeouts};
use crate::error::{ConfigError, TokenError, TransportError};
use crate::retry::{retry_after, RetryPolicy};
use crate::token::AccessToken;

/// The instance metadata service's token endpoint (virtual machines, AKS nodes).
pub const IMDS_TOKEN_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// The address of the instance metadata service.
const IMDS_ADDRESS: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);

/// Largest answer read from an identity endpoint.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

#[derive(Clone)]
enum Host {
    AppService { endpoint: Url, header: SecretString },
    Imds { endpoint: Url },
}

/// A token source for a managed identity, system-assigned or user-assigned.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use oauth_core::{ManagedIdentity, OAuthProvider};
///
/// // On App Service: reads IDENTITY_ENDPOINT and IDENTITY_HEADER; elsewhere the
/// // instance metadata service.
/// let identity = ManagedIdentity::builder("https://vault.azure.net")
///     .client_id("user-assigned-client-id") // omit for the system-assigned identity
///     .from_env()?
///     .build()?;
/// let provider = OAuthProvider::managed_identity(identity);
/// let token = provider.token().await?;
/// # Ok(()) }
/// ```
pub struct ManagedIdentity {
    host: Host,
    resource: String,
    client_id: Option<String>,
    key: CacheKey,
    http: reqwest::Client,
    retry: RetryPolicy,
    timeouts: Timeouts,
}

impl fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, endpoint) = match &self.host {
            Host::AppService { endpoint, .. } => ("app_service", endpoint),
            Host::Imds { endpoint } => ("imds", endpoint),
        };
        f.debug_struct("ManagedIdentity")
            .field("kind", &kind)
            .field("endpoint", &endpoint.as_str())
            .field("resource", &self.resource)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ManagedIdentity {
    /// Starts building a managed identity source for tokens to `resource` (an
    /// Azure AD v1 resource; for a v2 scope `X/.default`, pass `X`, or use
    /// [`ManagedIdentityBuilder::scope`]).
    pub fn builder(resource: impl Into<String>) -> ManagedIdentityBuilder {
        ManagedIdentityBuilder {
            resource: resource.into(),
            client_id: None,
            app_service: None,
            imds_endpoint: None,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            http: crate::HttpOptions::default(),
        }
    }

    /// The cache key of this identity's tokens (endpoint, identity and resource).
    pub fn cache_key(&self) -> &CacheKey {
        &self.key
    }

    async fn attempt(&self) -> Result<AccessToken, (TokenError, Option<Duration>)> {
        let sent_at = Instant::now();
        let sent_wall = SystemTime::now();
        let (url, request) = match &self.host {
            Host::AppService { endpoint, header } => {
                let mut url = endpoint.clone();
                url.query_pairs_mut()
                    .append_pair("api-version", "2019-08-01")
                    .append_pair("resource", &self.resource);
                if let Some(id) = &self.client_id {
                    url.query_pairs_mut().append_pair("client_id", id);
                }
                let mut value = HeaderValue::from_str(header.expose_secret()).map_err(|_| {
                    (
                        TokenError::Config(ConfigError::new(
                            "IDENTITY_HEADER",
                            "holds characters not allowed in a header",
                        )),
                        None,
                    )
                })?;
                value.set_sensitive(true);
                let request = self
                    .http
                    .get(url.clone())
                    .header("X-IDENTITY-HEADER", value);
                (url, request)
            }
            Host::Imds { endpoint } => {
                let mut url = endpoint.clone();
                url.query_pairs_mut()
                    .append_pair("api-version", "2018-02-01")
                    .append_pair("resource", &self.resource);
                if let Some(id) = &self.client_id {
                    url.query_pairs_mut().append_pair("client_id", id);
                }
                let request = self
                    .http
                    .get(url.clone())
                    .header("Metadata", HeaderValue::from_static("true"));
                (url, request)
            }
        };
        tracing::debug!(url = %url, "managed identity token request sent");
        let response = request
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .send()
            .await
            .map_err(|e| {
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
        let body = read_capped(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| (TokenError::Transport(e), None))?;
        if status.is_success() {
            parse_token(&body, content_type.as_deref(), sent_at, sent_wall).map_err(|e| (e, None))
        } else {
            let secrets: Vec<&str> = match &self.host {
                Host::AppService { header, .. } => vec![header.expose_secret()],
                Host::Imds { .. } => Vec::new(),
            };
            Err((parse_error(status, content_type, &body, &secrets), wait))
        }
    }

    /// Requests a token, retrying transient failures (the metadata service answers
    /// 429 and 5xx while it starts up) within the overall timeout.
    ///
    /// # Errors
    ///
    /// As [`crate::TokenClient::request_token`].
    pub async fn request_token(&self) -> Result<AccessToken, TokenError> {
        let endpoint = match &self.host {
            Host::AppService { endpoint, .. } | Host::Imds { endpoint } => endpoint,
        };
        with_retries(
            &self.retry,
            &self.timeouts,
            endpoint,
            "identity endpoint",
            || self.attempt(),
        )
        .await
    }
}

#[async_trait]
impl TokenSource for ManagedIdentity {
    async fn fetch(&self, _replacing: Option<&AccessToken>) -> Result<AccessToken, TokenError> {
        self.request_token().await
    }
}

/// Builds a [`ManagedIdentity`].
#[must_use]
pub struct ManagedIdentityBuilder {
    resource: String,
    client_id: Option<String>,
    app_service: Option<(String, SecretString)>,
    imds_endpoint: Option<String>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    http: crate::HttpOptions,
}

impl fmt::Debug for ManagedIdentityBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentityBuilder")
            .field("resource", &self.resource)
            .field("client_id", &self.client_id)
            .field("app_service", &self.app_service.as_ref().map(|(e, _)| e))
            .field("imds_endpoint", &self.imds_endpoint)
            .finish_non_exhaustive()
    }
}

impl ManagedIdentityBuilder {
    /// A user-assigned identity, by its client id (default: the system-assigned one).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Tokens for a v2 scope: `X/.default` asks the identity endpoint for resource `X`.
    pub fn scope(mut self, scope: &str) -> Self {
        self.resource = scope.strip_suffix("/.default").unwrap_or(scope).to_owned();
        self
    }

    /// The App Service / Container Apps endpoint and its header secret, as the
    /// platform publishes them in `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`.
    pub fn app_service(mut self, endpoint: impl Into<String>, header: impl Into<String>) -> Self {
        self.app_service = Some((endpoint.into(), SecretString::from(header.into())));
        self
    }

    /// The instance metadata service's token endpoint (default
    /// [`IMDS_TOKEN_ENDPOINT`]); tests point it at loopback.
    pub fn imds_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.imds_endpoint = Some(endpoint.into());
        self
    }

    /// Reads `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` (both or neither); without
    /// them the instance metadata service is used.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] when only one of the two is set.
    pub fn from_env(mut self) -> Result<Self, ConfigError> {
        let endpoint = std::env::var("IDENTITY_ENDPOINT")
            .ok()
            .filter(|v| !v.trim().is_empty());
        let header = std::env::var("IDENTITY_HEADER")
            .ok()
            .filter(|v| !v.trim().is_empty());
        match (endpoint, header) {
            (Some(endpoint), Some(header)) => self = self.app_service(endpoint, header),
            (None, None) => {}
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "IDENTITY_HEADER",
                    "is not set, but IDENTITY_ENDPOINT is (both come from the hosting platform)",
                ))
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "IDENTITY_ENDPOINT",
                    "is not set, but IDENTITY_HEADER is (both come from the hosting platform)",
                ))
            }
        }
        Ok(self)
    }

    /// Retries of transient failures.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeouts of token requests.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// How the HTTP client is built (extra roots for an https identity endpoint, a
    /// custom `reqwest` builder); the identity endpoints are never proxied when on
    /// loopback.
    pub fn http_options(mut self, options: crate::HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Checks the configuration and builds the source.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for an empty resource, or an endpoint that is not https, a
    /// loopback host or (for the metadata service) the metadata address.
    pub fn build(self) -> Result<ManagedIdentity, ConfigError> {
        if self.resource.trim().is_empty() {
            return Err(ConfigError::new("resource", "must not be empty"));
        }
        let (host, field) = match self.app_service {
            Some((endpoint, header)) => {
                let url = identity_url(&endpoint, "IDENTITY_ENDPOINT", false)?;
                if header.expose_secret().trim().is_empty() {
                    return Err(ConfigError::new("IDENTITY_HEADER", "must not be empty"));
                }
                (
                    Host::AppService {
                        endpoint: url,
                        header,
                    },
                    "app_service",
                )
            }
            None => {
                let text = self
                    .imds_endpoint
                    .unwrap_or_else(|| IMDS_TOKEN_ENDPOINT.to_owned());
                let url = identity_url(&text, "imds_endpoint", true)?;
                (Host::Imds { endpoint: url }, "imds")
            }
        };
        let endpoint = match &host {
            Host::AppService { endpoint, .. } | Host::Imds { endpoint } => endpoint.clone(),
        };
        let mut key = CacheKey::builder(
            endpoint.as_str(),
            self.client_id.clone().unwrap_or_default(),
            "managed_identity",
        )
        .resource(self.resource.clone())
        .credential_part("managed_identity", field.as_bytes());
        if let Host::AppService { header, .. } = &host {
            key = key.credential_part("identity_header", header.expose_secret().as_bytes());
        }
        let http = self
            .http
            .builder_for(&endpoint)?
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.timeouts.connect)
            .user_agent(concat!("oauth-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::new("http_client", format!("could not build: {e}")))?;
        Ok(ManagedIdentity {
            host,
            resource: self.resource,
            client_id: self.client_id,
            key: key.build(),
            http,
            retry: self.retry,
            timeouts: self.timeouts,
        })
    }
}

/// An identity endpoint: https anywhere, or plain http to a loopback host or (for
/// the metadata service) exactly the metadata address.
fn identity_url(text: &str, field: &'static str, imds: bool) -> Result<Url, ConfigError> {
    let url = Url::parse(text.trim())
        .map_err(|e| ConfigError::new(field, format!("`{text}` is not a valid URL: {e}")))?;
    let metadata_address = matches!(url.host(), Some(url::Host::Ipv4(ip)) if IpAddr::V4(ip) == IpAddr::V4(IMDS_ADDRESS));
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) || (imds && metadata_address) => Ok(url),
        _ => Err(ConfigError::new(
            field,
            format!("`{text}` must be https, or plain http to a loopback host or the instance metadata address"),
        )),
    }
}
