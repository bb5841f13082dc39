//! The OKQ8 client and its builder.

use std::fmt;
use std::sync::Arc;

use oauth_core::{AccessToken, BodyFormat, ConfigError, OAuthProvider, TokenEndpoint};
use vendor_core::kit::{env, non_empty_or, AppCredentials, CommonOptions, VendorClient};
use vendor_core::ApiClient;

use crate::level::AccessLevel;
use crate::Result;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The Azure AD tenant OKQ8's API applications live in.
pub const DEFAULT_TENANT: &str = "a53d724c-15ea-4469-a987-82a5b30ec167";

/// How the client authenticates, per OKQ8 API product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMode {
    /// Subscription key and a bearer token (Azure AD v2 client credentials).
    OAuth,
    /// Subscription key only: no token is ever fetched or sent.
    SubscriptionKeyOnly,
}

/// Builds a [`Client`]: [`ClientBuilder::new`] for API products that require OAuth,
/// [`ClientBuilder::subscription_key_only`] for those that do not.
///
/// Always required: the base URL ([`base_url`](Self::base_url); OKQ8 publishes no
/// default) and the subscription key ([`subscription_key`](Self::subscription_key)),
/// sent in the `Ocp-Apim-Subscription-Key` header on every call (OKQ8 does not
/// accept it as a query parameter). With OAuth, also
/// [`credentials`](Self::credentials) and a scope ([`scope`](Self::scope) or
/// [`scope_for`](Self::scope_for)).
#[must_use]
pub struct ClientBuilder {
    common: CommonOptions,
    mode: AuthMode,
    tenant: Option<String>,
    scope: Option<String>,
    credentials: Option<AppCredentials>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("common", &self.common)
            .field("mode", &self.mode)
            .field("tenant", &self.tenant)
            .field("scope", &self.scope)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// A builder for API products that require OAuth: add
    /// [`credentials`](Self::credentials), a scope, the base URL and the
    /// subscription key.
    pub fn new() -> Self {
        Self::with_mode(AuthMode::OAuth)
    }

    /// A builder for API products that need only the subscription key: the client
    /// never asks Azure AD for a token and sends no `Authorization` header.
    pub fn subscription_key_only() -> Self {
        Self::with_mode(AuthMode::SubscriptionKeyOnly)
    }

    fn with_mode(mode: AuthMode) -> Self {
        Self {
            common: CommonOptions::default(),
            mode,
            tenant: None,
            scope: None,
            credentials: None,
        }
    }

    /// Reads the configuration from the environment:
    ///
    /// - always: `OKQ8_BASE_URL` and `OKQ8_SUBSCRIPTION_KEY`;
    /// - OAuth, chosen when `OKQ8_CLIENT_ID` or `OKQ8_CLIENT_SECRET` is set: both of
    ///   them and `OKQ8_SCOPE`; optional `OKQ8_TENANT_ID` and `OKQ8_TOKEN_URL`;
    /// - subscription key only when neither is set.
    ///
    /// The builder can still be adjusted before [`build`](Self::build).
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or malformed.
    pub fn from_env() -> Result<Self> {
        let base_url = env::required("OKQ8_BASE_URL")?;
        let subscription_key = env::secret("OKQ8_SUBSCRIPTION_KEY")?;
        let client_id = env::optional("OKQ8_CLIENT_ID")?;
        let client_secret = env::optional("OKQ8_CLIENT_SECRET")?;
        let mut builder = match (client_id, client_secret) {
            (None, None) => Self::subscription_key_only(),
            (Some(id), Some(secret)) => {
                let mut b = Self::new().credentials(id, secret);
                b.scope = Some(env::required("OKQ8_SCOPE")?);
                b.tenant = env::optional("OKQ8_TENANT_ID")?;
                b
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "OKQ8_CLIENT_ID",
                    "is not set, but OKQ8_CLIENT_SECRET is (unset both for a subscription-key-only client)",
                )
                .into())
            }
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "OKQ8_CLIENT_SECRET",
                    "is not set, but OKQ8_CLIENT_ID is (unset both for a subscription-key-only client)",
                )
                .into())
            }
        };
        builder
            .common
            .read_env("OKQ8_BASE_URL", "OKQ8_TOKEN_URL", None)?;
        builder.common.base_url = Some(base_url);
        builder.common.subscription_key = Some(subscription_key);
        Ok(builder)
    }

    vendor_core::common_client_setters!(common);
    vendor_core::subscription_key_setter!(common);
    vendor_core::app_credentials_setter!(
        /// The application's client id and secret (OAuth mode).
        credentials
    );

    /// The Azure AD tenant (default [`DEFAULT_TENANT`]).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The exact scope to request, such as `api://apim-xxxxx-api/.default`.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The scope for an access level of an API: `.scope_for("api://apim-xxxxx-api",
    /// AccessLevel::Get)` requests `api://apim-xxxxx-api/get`.
    pub fn scope_for(self, app_id_uri: impl AsRef<str>, level: AccessLevel) -> Self {
        let scope = level.scope_for(app_id_uri.as_ref());
        self.scope(scope)
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the setting to fix: no base URL
    /// or subscription key; with OAuth, no credentials, scope or tenant; credentials
    /// given to a subscription-key-only builder; a URL that is not `https://` (without
    /// [`allow_insecure_loopback`](Self::allow_insecure_loopback)).
    pub fn build(self) -> Result<Client> {
        let provider = match self.mode {
            AuthMode::SubscriptionKeyOnly => {
                if self.credentials.is_some() {
                    return Err(ConfigError::new(
                        "credentials",
                        "a subscription-key-only client takes no OAuth credentials; use ClientBuilder::new() for API products that require OAuth",
                    )
                    .into());
                }
                None
            }
            AuthMode::OAuth => Some(self.provider()?),
        };
        let core = self
            .common
            .vendor_client(None, USER_AGENT, provider, true, &[])?;
        Ok(Client {
            core,
            mode: self.mode,
        })
    }

    fn provider(&self) -> Result<Arc<OAuthProvider>> {
        let credentials = AppCredentials::client_credentials(
            self.credentials.as_ref(),
            "set the client id and secret of the application registered for the API (or use ClientBuilder::subscription_key_only() for API products without OAuth)",
        )?;
        let scope = self
            .scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ConfigError::new(
                    "scope",
                    "set the scope, such as api://apim-xxxxx-api/.default (see scope_for and AccessLevel)",
                )
            })?;
        let tenant = non_empty_or(self.tenant.as_deref(), DEFAULT_TENANT, "tenant")?;
        Ok(self.common.provider(
            TokenEndpoint::azure_ad_v2(tenant, [scope]),
            credentials,
            BodyFormat::Form,
            USER_AGENT,
        )?)
    }
}

/// A client of OKQ8's APIs behind Azure API Management.
///
/// OKQ8 publishes no endpoint list, so the client offers typed generic calls
/// ([`get`](Self::get), [`post`](Self::post), [`put`](Self::put),
/// [`delete`](Self::delete), [`request`](Self::request), [`paged`](Self::paged)) with
/// your own types, through the same pipeline as every vendor crate: subscription key,
/// bearer token (cached, refreshed ahead of expiry, renewed once on a 401), retries,
/// classified errors. Cheap to clone: clones share the connection pool and the token
/// cache.
///
/// ```no_run
/// # async fn demo() -> okq8::Result<()> {
/// use okq8::{AccessLevel, Client};
///
/// let client = Client::builder()
///     .credentials("client-id", "client-secret")
///     .scope_for("api://apim-core-api", AccessLevel::Default)
///     .base_url("https://api.okq8.example/")
///     .subscription_key("apim-subscription-key")
///     .build()?;
/// let stations: serde_json::Value = client.get_json("core/v1/stations").await?;
/// println!("{stations}");
/// # Ok(()) }
/// ```
// Derived: VendorClient's Debug leaves the secrets out.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) core: VendorClient,
    mode: AuthMode,
}

impl Client {
    /// Starts building a client for API products that require OAuth.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment: see [`ClientBuilder::from_env`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable or setting to fix.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// OAuth or subscription key only.
    pub fn auth_mode(&self) -> AuthMode {
        self.mode
    }

    /// The API base URL paths are joined to.
    pub fn base_url(&self) -> &str {
        self.core.base_url()
    }

    /// The access token the client currently uses, fetching one if needed: for
    /// diagnosis (its claims show roles, scopes and audience).
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) for a subscription-key-only client,
    /// which has no token; [`Error::Token`](crate::Error::Token) when none could be
    /// obtained.
    pub async fn token(&self) -> Result<AccessToken> {
        self.core.token().await
    }

    /// The underlying authorized pipeline, to send [`vendor_core::Request`]s
    /// directly.
    pub fn api_client(&self) -> &ApiClient {
        self.core.api()
    }
}
