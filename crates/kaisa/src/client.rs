//! The Kaisa client and its builder.

use std::fmt;

use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, ConfigError, Credentials, TokenEndpoint};
use serde::de::DeserializeOwned;
use vendor_core::kit::{env, CommonOptions, VendorClient};
use vendor_core::{Request, Response};

use crate::api::{Customers, Miscellaneous, PingRequest, Recordings, Sources, Statistics, Users};
use crate::version::ApiVersion;
use crate::Result;
use vendor_core::kit::CallOptions;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Kaisa's OAuth2 token endpoint (client credentials; tokens live 300 s).
pub const DEFAULT_TOKEN_URL: &str = "https://auth.freespee.com/oauth2/token";

/// Kaisa's API host; the version is appended: `https://api.analytics.freespee.com/2.4.9/`.
pub const DEFAULT_BASE_URL: &str = "https://api.analytics.freespee.com";

/// How the token request body is encoded: form (default) or JSON; Kaisa accepts both.
pub use oauth_core::BodyFormat as TokenFormat;

/// Builds a [`Client`]: start with [`Client::builder`].
///
/// ```no_run
/// # fn demo() -> kaisa::Result<()> {
/// use kaisa::{ApiVersion, Client, TokenFormat};
///
/// let client = Client::builder()
///     .client_credentials("client-id", "client-secret")
///     .api_version(ApiVersion::V2_4_9)
///     .token_format(TokenFormat::Json)
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    common: CommonOptions,
    credentials: Option<(String, SecretString)>,
    api_version: ApiVersion,
    token_format: TokenFormat,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("common", &self.common)
            .field(
                "client_id",
                &self.credentials.as_ref().map(|(id, _)| id.as_str()),
            )
            .field(
                "client_secret",
                &self.credentials.as_ref().map(|_| "[redacted]"),
            )
            .field("api_version", &self.api_version)
            .field("token_format", &self.token_format)
            .finish_non_exhaustive()
    }
}

/// What a missing-credentials [`ConfigError`](crate::ConfigError) says.
const CREDENTIALS_HINT: &str =
    "set .client_credentials(client_id, client_secret), or KAISA_CLIENT_ID and KAISA_CLIENT_SECRET for Client::from_env()";

impl ClientBuilder {
    /// A builder configured from the `KAISA_*` environment variables (see
    /// [`read_env`](Self::read_env)), to adjust before [`build`](Self::build); the
    /// same entry as the other vendor crates' `ClientBuilder::from_env`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or
    /// malformed.
    pub fn from_env() -> Result<Self> {
        Client::builder().read_env()
    }

    fn new() -> Self {
        Self {
            common: CommonOptions::default(),
            credentials: None,
            api_version: ApiVersion::default(),
            token_format: TokenFormat::Form,
        }
    }

    /// The OAuth2 client credentials Kaisa issued (required).
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some((client_id.into(), SecretString::from(client_secret.into())));
        self
    }

    /// Reads the `KAISA_*` environment variables that are set into this builder (they
    /// win over what was set before; settings made afterwards win over them):
    ///
    /// - `KAISA_CLIENT_ID` and `KAISA_CLIENT_SECRET`: required unless the builder
    ///   already has credentials ([`client_credentials`](Self::client_credentials)) or
    ///   a [`token_provider`](Self::token_provider);
    ///   one without the other is refused;
    /// - `KAISA_API_VERSION`, `KAISA_BASE_URL`, `KAISA_TOKEN_URL`,
    ///   `KAISA_TOKEN_FORMAT` (`form` or `json`);
    /// - `KAISA_ALLOW_INSECURE_LOOPBACK=1`: plain `http://` to a loopback sandbox.
    ///
    /// [`Client::from_env`] is `Client::builder().read_env()?.build()`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or malformed.
    pub fn read_env(mut self) -> Result<Self> {
        let client_id = env::optional("KAISA_CLIENT_ID")?;
        let client_secret = env::optional("KAISA_CLIENT_SECRET")?;
        match (client_id, client_secret) {
            (Some(id), Some(secret)) => {
                self.credentials = Some((id, SecretString::from(secret)));
            }
            (Some(_), None) => Err(ConfigError::new("KAISA_CLIENT_SECRET", "is not set"))?,
            (None, Some(_)) => Err(ConfigError::new("KAISA_CLIENT_ID", "is not set"))?,
            (None, None) if self.credentials.is_none() && self.common.token_provider.is_none() => {
                Err(ConfigError::new("KAISA_CLIENT_ID", "is not set"))?
            }
            (None, None) => {}
        }
        if let Some(version) = env::optional("KAISA_API_VERSION")? {
            let version = ApiVersion::from(version);
            version.check("KAISA_API_VERSION")?;
            self.api_version = version;
        }
        match env::choice("KAISA_TOKEN_FORMAT", &["form", "json"])? {
            Some("json") => self.token_format = TokenFormat::Json,
            Some(_) => self.token_format = TokenFormat::Form,
            None => {}
        }
        self.common.read_env(
            "KAISA_BASE_URL",
            "KAISA_TOKEN_URL",
            "KAISA_ALLOW_INSECURE_LOOPBACK",
            None,
        )?;
        Ok(self)
    }

    vendor_core::common_client_setters!(common);

    /// The API version, a path segment after the host (default `2.4.9`):
    /// [`ApiVersion::V2_4_9`], [`ApiVersion::V3`], [`ApiVersion::custom`] or a string.
    /// It is appended to the base URL, overridden or not.
    pub fn api_version(mut self, version: impl Into<ApiVersion>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Form (default) or JSON token request body.
    pub fn token_format(mut self, format: TokenFormat) -> Self {
        self.token_format = format;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// The API base is the base URL (default [`DEFAULT_BASE_URL`]) followed by the
    /// version: `http://127.0.0.1:8080/kaisa` with `2.4.9` calls
    /// `http://127.0.0.1:8080/kaisa/2.4.9/customers`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the setting to fix:
    /// `credentials` when [`client_credentials`](Self::client_credentials) was not
    /// called, `client_id` or `client_secret` when blank, a malformed
    /// version, a URL that is not `https://` (without
    /// [`allow_insecure_loopback`](Self::allow_insecure_loopback)), and `authority`
    /// when [`authority`](Self::authority) was set: Kaisa's token endpoint is not an
    /// Azure AD authority, so replace it whole with [`token_url`](Self::token_url).
    pub fn build(mut self) -> Result<Client> {
        if self.common.authority.is_some() {
            return Err(ConfigError::new(
                "authority",
                "Kaisa's token endpoint is a full URL, not an Azure AD authority: use .token_url(..) (or KAISA_TOKEN_URL) to replace it",
            )
            .into());
        }
        // A token provider the application has replaces the credentials.
        let credentials = if self.common.token_provider.is_some() {
            None
        } else {
            // A blank id or secret is refused by the token engine, naming it.
            Some(
                self.credentials
                    .take()
                    .ok_or_else(|| ConfigError::new("credentials", CREDENTIALS_HINT))?,
            )
        };
        self.api_version.check("api_version")?;
        let host = self
            .common
            .base_url
            .take()
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base = format!(
            "{}/{}/",
            host.trim().trim_end_matches('/'),
            self.api_version.as_str()
        );
        let provider = match credentials {
            Some((client_id, client_secret)) => Some(self.common.provider(
                TokenEndpoint::url(DEFAULT_TOKEN_URL),
                Credentials::ClientCredentials {
                    client_id,
                    client_secret,
                },
                self.token_format,
                USER_AGENT,
            )?),
            None => None,
        };
        let core = self
            .common
            .vendor_client(Some(&base), USER_AGENT, provider, false, &[])?;
        Ok(Client {
            core,
            api_version: self.api_version,
        })
    }
}

/// A client of Kaisa's REST API.
///
/// Cheap to clone: clones share the connection pool and the token cache. Kaisa's
/// tokens live 300 s; a new one is fetched in the background about 150 s before expiry.
///
/// ```no_run
/// # async fn demo() -> kaisa::Result<()> {
/// let client = kaisa::Client::builder()
///     .client_credentials("client-id", "client-secret")
///     .build()?;
/// client.ping().await?;
/// for customer in client.customers().list().await? {
///     println!("{} {:?}", customer.customer_id, customer.name);
/// }
/// # Ok(()) }
/// ```
// Derived: VendorClient's Debug leaves the secrets out.
#[derive(Clone, Debug)]
pub struct Client {
    core: VendorClient,
    api_version: ApiVersion,
}

impl Client {
    /// Starts building a client; set its credentials with
    /// [`ClientBuilder::client_credentials`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment: `KAISA_CLIENT_ID` and
    /// `KAISA_CLIENT_SECRET`, and optionally `KAISA_API_VERSION`, `KAISA_BASE_URL`,
    /// `KAISA_TOKEN_URL`, `KAISA_TOKEN_FORMAT` and `KAISA_ALLOW_INSECURE_LOOPBACK`
    /// (see [`ClientBuilder::read_env`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable or setting to fix.
    pub fn from_env() -> Result<Self> {
        Self::builder().read_env()?.build()
    }

    /// The API version called.
    pub fn api_version(&self) -> &ApiVersion {
        &self.api_version
    }

    /// The access token the client currently uses, fetching one if needed: for
    /// diagnosis (its claims show the audience and grants).
    ///
    /// # Errors
    ///
    /// [`Error::Token`](crate::Error::Token) when no token can be obtained.
    pub async fn token(&self) -> Result<AccessToken> {
        self.core.token().await
    }

    /// The API base URL paths are joined to.
    pub fn base_url(&self) -> &str {
        self.core.base_url()
    }

    /// The underlying authorized pipeline, for endpoints this crate does not model
    /// yet (it adds the same bearer, headers and error mapping).
    pub fn api_client(&self) -> &vendor_core::ApiClient {
        self.core.api()
    }

    /// Checks that the API is reachable and the credentials work:
    /// `GET miscellaneous/ping`, which answers `{"ping":"ok"}`.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// let ping = client.ping().await?;
    /// assert!(ping.is_ok());
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201298061-Kaisa-API-Getting-started>.
    ///
    /// Sending fails with the pipeline's errors: see [`PingRequest::send`].
    pub fn ping(&self) -> PingRequest {
        self.miscellaneous().ping()
    }

    /// Miscellaneous endpoints.
    pub fn miscellaneous(&self) -> Miscellaneous<'_> {
        Miscellaneous::new(self)
    }

    /// Customers (accounts).
    pub fn customers(&self) -> Customers<'_> {
        Customers::new(self)
    }

    /// Sources (tracking numbers).
    pub fn sources(&self) -> Sources<'_> {
        Sources::new(self)
    }

    /// Call statistics.
    pub fn statistics(&self) -> Statistics<'_> {
        Statistics::new(self)
    }

    /// Call recordings.
    pub fn recordings(&self) -> Recordings<'_> {
        Recordings::new(self)
    }

    /// Users (the people who log in to Kaisa for a customer).
    pub fn users(&self) -> Users<'_> {
        Users::new(self)
    }

    /// Sends `request` with `options` applied and decodes the answer.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        request: Request,
        options: &CallOptions,
    ) -> Result<T> {
        self.core.api().send(options.apply(request)).await
    }

    /// Sends `request` with `options` applied; the answer's body is not read as JSON.
    pub(crate) async fn send_empty(&self, request: Request, options: &CallOptions) -> Result<()> {
        self.core.api().send_empty(options.apply(request)).await
    }

    /// Sends `request` with `options` applied and decodes the answer, with its
    /// status, headers and request id.
    pub(crate) async fn send_with_response<T: DeserializeOwned>(
        &self,
        request: Request,
        options: &CallOptions,
    ) -> Result<Response<T>> {
        self.core
            .api()
            .send_with_response(options.apply(request))
            .await
    }
}
