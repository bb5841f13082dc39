//! The OKQ8 client and its builder.

use std::fmt;
use std::sync::Arc;

use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, BodyFormat, ConfigError, OAuthProvider, TokenEndpoint};
use vendor_core::kit::{env, non_empty_or, AppAuth, CommonOptions, CredentialVars, VendorClient};
use vendor_core::ApiClient;

use crate::level::{default_scope, AccessLevel};
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

/// Builds a [`Client`]; start with [`Client::builder`], then choose how the client
/// authenticates, per OKQ8 API product:
/// [`client_credentials`](Self::client_credentials) for products that require OAuth
/// (then also the API: [`api`](Self::api), whose `.default` scope is requested), or
/// [`subscription_key_only`](Self::subscription_key_only) for those that do not.
///
/// Always required: the base URL ([`base_url`](Self::base_url); OKQ8 publishes no
/// default) and the subscription key ([`subscription_key`](Self::subscription_key)),
/// sent in the `Ocp-Apim-Subscription-Key` header on every call (OKQ8 does not
/// accept it as a query parameter). [`build`](Self::build) returns a
/// [`ConfigError`] naming the first missing or conflicting setting.
///
/// ```
/// use okq8::Client;
///
/// let oauth = Client::builder()
///     .client_credentials("client-id", "client-secret")
///     .api("api://apim-core-api")
///     .base_url("https://api.okq8.example/")
///     .subscription_key("apim-subscription-key")
///     .build()?;
/// let public = Client::builder()
///     .subscription_key_only()
///     .base_url("https://api.okq8.example/")
///     .subscription_key("apim-subscription-key")
///     .build()?;
/// # let _ = (oauth, public);
/// let err = Client::builder()
///     .base_url("https://api.okq8.example/")
///     .subscription_key("apim-subscription-key")
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, okq8::Error::Config(ref c) if c.field() == "credentials"));
/// # Ok::<(), okq8::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    common: CommonOptions,
    key_only: bool,
    tenant: Option<String>,
    scope: Option<String>,
    credentials: Option<AppAuth>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("common", &self.common)
            .field("key_only", &self.key_only)
            .field("tenant", &self.tenant)
            .field("scope", &self.scope)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// The `OKQ8_*` credential variables.
const CREDENTIAL_VARS: CredentialVars = CredentialVars::new(
    "OKQ8_CLIENT_SECRET",
    "OKQ8_CLIENT_CERTIFICATE_PATH",
    "OKQ8_CLIENT_CERTIFICATE_PASSWORD",
    "OKQ8_FEDERATED_TOKEN_FILE",
    "OKQ8_USE_MANAGED_IDENTITY",
    "OKQ8_MANAGED_IDENTITY_CLIENT_ID",
);

impl ClientBuilder {
    /// OAuth mode, which the credential setters choose.
    fn oauth_mode(&mut self) {
        self.key_only = false;
    }

    fn empty() -> Self {
        Self {
            common: CommonOptions::default(),
            key_only: false,
            tenant: None,
            scope: None,
            credentials: None,
        }
    }

    /// A builder configured from the `OKQ8_*` environment variables (see
    /// [`read_env`](Self::read_env)), to adjust before [`build`](Self::build):
    /// `Client::builder().read_env()`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or malformed.
    pub fn from_env() -> Result<Self> {
        Client::builder().read_env()
    }

    /// Reads the `OKQ8_*` environment variables that are set into this builder (they
    /// win over what was set before; settings made afterwards win over them), and
    /// requires only those the builder does not already have:
    ///
    /// - `OKQ8_BASE_URL` and `OKQ8_SUBSCRIPTION_KEY`: required unless already set;
    ///   optional `OKQ8_TOKEN_URL`, `OKQ8_AUTHORITY_HOST` (else `AZURE_AUTHORITY_HOST`:
    ///   a sovereign cloud by name or URL) and `OKQ8_ALLOW_INSECURE_LOOPBACK=1` (plain
    ///   `http://` to a loopback sandbox);
    /// - `OKQ8_CLIENT_ID` and `OKQ8_CLIENT_SECRET`, both or neither: when set, OAuth
    ///   with these credentials (as [`client_credentials`](Self::client_credentials));
    /// - instead of `OKQ8_CLIENT_SECRET`, exactly one of `OKQ8_CLIENT_CERTIFICATE_PATH`
    ///   (PEM, or PKCS#12 with `OKQ8_CLIENT_CERTIFICATE_PASSWORD` and the feature `pkcs12`),
    ///   `OKQ8_FEDERATED_TOKEN_FILE` (falling back to `AZURE_FEDERATED_TOKEN_FILE` when no
    ///   credential variable is set), `OKQ8_USE_MANAGED_IDENTITY=1` with optional
    ///   `OKQ8_MANAGED_IDENTITY_CLIENT_ID` (no `OKQ8_CLIENT_ID` needed); two are an error
    ///   naming both;
    /// - with OAuth (from the variables or set in code): `OKQ8_SCOPE`, required unless
    ///   the builder has a scope, and optional `OKQ8_TENANT_ID`;
    /// - subscription key only when the variables name no credentials and the builder
    ///   has none either (as [`subscription_key_only`](Self::subscription_key_only);
    ///   `OKQ8_SCOPE` and `OKQ8_TENANT_ID` are then not read).
    ///
    /// The mode setters are "last call wins", so a builder read from an environment
    /// without credentials can still be given some:
    /// `ClientBuilder::from_env()?.client_credentials(id, secret).scope(s).build()`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or malformed.
    pub fn read_env(mut self) -> Result<Self> {
        if self.common.base_url.is_none() {
            env::required("OKQ8_BASE_URL")?;
        }
        if self.common.subscription_key.is_none() {
            env::required("OKQ8_SUBSCRIPTION_KEY")?;
        }
        let client_id = env::optional("OKQ8_CLIENT_ID")?;
        let has_credentials = self.credentials.is_some() || self.common.token_provider.is_some();
        self = match (client_id, CREDENTIAL_VARS.read_for(has_credentials)?) {
            (_, Some(credential)) if !credential.needs_client_id() => {
                self.key_only = false;
                self.credentials = Some(credential.with_client_id(String::new()));
                self
            }
            (Some(id), Some(credential)) => {
                self.key_only = false;
                self.credentials = Some(credential.with_client_id(id));
                self
            }
            (None, None)
                if self.credentials.is_none()
                    && !self.key_only
                    && self.common.token_provider.is_none() =>
            {
                self.subscription_key_only()
            }
            (None, None) => self,
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "OKQ8_CLIENT_ID",
                    "is not set, but a credential is (OKQ8_CLIENT_SECRET, OKQ8_CLIENT_CERTIFICATE_PATH or OKQ8_FEDERATED_TOKEN_FILE; unset it for a subscription-key-only client)",
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
        if self.credentials.is_some() || self.common.token_provider.is_some() {
            if let Some(scope) = env::optional("OKQ8_SCOPE")? {
                self.scope = Some(scope);
            } else if self.scope.is_none() && self.common.token_provider.is_none() {
                return Err(ConfigError::new("OKQ8_SCOPE", "is not set").into());
            }
            if let Some(tenant) = env::optional("OKQ8_TENANT_ID")? {
                self.tenant = Some(tenant);
            }
        }
        self.common.read_env(
            "OKQ8_BASE_URL",
            "OKQ8_TOKEN_URL",
            "OKQ8_ALLOW_INSECURE_LOOPBACK",
            Some("OKQ8_SUBSCRIPTION_KEY"),
        )?;
        self.common.read_authority_env("OKQ8_AUTHORITY_HOST")?;
        Ok(self)
    }

    /// OAuth: the client id and secret of the application registered for the API
    /// product (Azure AD v2 client credentials). Needs the API too
    /// ([`api`](Self::api), or [`scope`](Self::scope)). Last call wins: this
    /// replaces an earlier [`subscription_key_only`](Self::subscription_key_only).
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.key_only = false;
        self.credentials = Some(AppAuth::Secret {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        });
        self
    }

    vendor_core::app_auth_setters!(credentials, common, oauth_mode);

    /// Subscription key only, for API products without OAuth: the client never asks
    /// Azure AD for a token and sends no `Authorization` header. Last call wins: this
    /// drops the credentials, scope and tenant set before (by
    /// [`client_credentials`](Self::client_credentials), say); a scope or tenant set
    /// after it is refused by [`build`](Self::build).
    pub fn subscription_key_only(mut self) -> Self {
        self.key_only = true;
        self.credentials = None;
        self.scope = None;
        self.tenant = None;
        self
    }

    vendor_core::common_client_setters!(common);
    vendor_core::subscription_key_setter!(common);

    /// The Azure AD tenant (default [`DEFAULT_TENANT`]; OAuth only).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The API to request tokens for, by its application id URI
    /// (`api://apim-xxxxx-api`): requests `api://apim-xxxxx-api/.default`, the only
    /// scope client credentials accept. The access levels the application was
    /// granted (`get`, `post`, `put`, `delete`) arrive as app roles in that token:
    /// see [`AccessLevel`] and [`Client::access_levels`] (OAuth only).
    pub fn api(self, app_id_uri: impl AsRef<str>) -> Self {
        let scope = default_scope(app_id_uri.as_ref());
        self.scope(scope)
    }

    /// The exact scope to request: it must be `<resource>/.default`, since Azure AD
    /// v2 client credentials refuse any other (AADSTS1002012); prefer
    /// [`api`](Self::api). Checked by [`build`](Self::build) (OAuth only).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the setting to fix:
    /// `credentials` when neither [`client_credentials`](Self::client_credentials) nor
    /// [`subscription_key_only`](Self::subscription_key_only) was chosen (the last
    /// one called wins); with OAuth, `scope` or `tenant`; a scope or tenant given to a
    /// subscription-key-only builder; `base_url` or `subscription_key` when missing;
    /// a URL that is not `https://` (without
    /// [`allow_insecure_loopback`](Self::allow_insecure_loopback)).
    pub fn build(mut self) -> Result<Client> {
        let mode = self.mode()?;
        let provider = match mode {
            AuthMode::OAuth if self.common.token_provider.is_none() => Some(self.provider()?),
            _ => None,
        };
        let core = self
            .common
            .vendor_client(None, USER_AGENT, provider, true, &[])?;
        Ok(Client { core, mode })
    }

    /// The mode chosen (the setters keep at most one).
    fn mode(&self) -> Result<AuthMode, ConfigError> {
        match (self.key_only, &self.credentials) {
            (false, None) if self.common.token_provider.is_some() => Ok(AuthMode::OAuth),
            (false, None) => Err(ConfigError::new(
                "credentials",
                "choose how the client authenticates: .client_credentials(client_id, client_secret) for API products that require OAuth (OKQ8_CLIENT_ID, OKQ8_CLIENT_SECRET), or .subscription_key_only() for those that do not",
            )),
            (true, None) if self.scope.is_some() => Err(ConfigError::new(
                "scope",
                "a subscription-key-only client requests no token and takes no scope",
            )),
            (true, None) if self.tenant.is_some() => Err(ConfigError::new(
                "tenant",
                "a subscription-key-only client requests no token and takes no tenant",
            )),
            (true, _) => Ok(AuthMode::SubscriptionKeyOnly),
            (false, Some(_)) => Ok(AuthMode::OAuth),
        }
    }

    fn provider(&mut self) -> Result<Arc<OAuthProvider>> {
        let credentials = self.credentials.take().ok_or_else(|| ConfigError::new(
            "credentials",
            "set the client id of the application registered for the API with .client_credentials(client_id, client_secret) (or use .subscription_key_only() for API products without OAuth)",
        ))?;
        let scope = self
            .scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ConfigError::new(
                    "scope",
                    "set the scope: the API's .default, as .api(\"api://apim-xxxxx-api\") sets it (api://apim-xxxxx-api/.default)",
                )
            })?;
        // Entra ID refuses any other scope for client credentials (AADSTS1002012):
        // refused here, before a token request can fail on it.
        if !scope.ends_with("/.default") {
            let level = scope
                .rsplit_once('/')
                .and_then(|(_, last)| last.parse::<AccessLevel>().ok());
            let problem = match level {
                Some(level) => format!(
                    "must end in /.default: client credentials cannot request the access level `{level}` as a scope; the levels granted arrive as app roles in the .default token (use .api(app_id_uri))"
                ),
                None => "must be <resource>/.default: client credentials accept no other scope (Entra ID AADSTS1002012)".to_owned(),
            };
            return Err(ConfigError::new("scope", problem).into());
        }
        let tenant = non_empty_or(self.tenant.as_deref(), DEFAULT_TENANT, "tenant")?;
        Ok(self.common.app_provider(
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
/// your own types, each returning a request builder that is awaited (or `send`), through the same pipeline as every vendor crate: subscription key,
/// bearer token (cached, refreshed ahead of expiry, renewed once on a 401), retries,
/// classified errors. Cheap to clone: clones share the connection pool and the token
/// cache.
///
/// ```no_run
/// # async fn demo() -> okq8::Result<()> {
/// use okq8::Client;
///
/// let client = Client::builder()
///     .client_credentials("client-id", "client-secret")
///     .api("api://apim-core-api")
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
    /// Starts building a client: the one way to configure one in code (see
    /// [`ClientBuilder`]); [`from_env`](Self::from_env) reads the environment.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::empty()
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

    /// The access levels the application was granted: the app roles of its token
    /// that name one (`get`, `post`, `put`, `delete`).
    ///
    /// # Errors
    ///
    /// As [`token`](Self::token); a token without readable claims (opaque) grants
    /// none that can be seen, and gives an empty list.
    pub async fn access_levels(&self) -> Result<Vec<AccessLevel>> {
        let token = self.token().await?;
        Ok(token
            .claims()
            .map(|c| {
                AccessLevel::ALL
                    .into_iter()
                    .filter(|level| c.has_role(level.as_str()))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The underlying authorized pipeline, to send [`vendor_core::Request`]s
    /// directly.
    pub fn api_client(&self) -> &ApiClient {
        self.core.api()
    }
}
