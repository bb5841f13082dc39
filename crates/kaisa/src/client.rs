//! The Kaisa client and its builder.

use std::fmt;

use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, Credentials, TokenEndpoint};
use serde::de::DeserializeOwned;
use vendor_core::kit::{env, CommonOptions, VendorClient};
use vendor_core::Request;

use crate::api::{Customers, Miscellaneous, Sources, Statistics};
use crate::models::Ping;
use crate::version::ApiVersion;
use crate::Result;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Kaisa's OAuth2 token endpoint (client credentials; tokens live 300 s).
pub const DEFAULT_TOKEN_URL: &str = "https://auth.freespee.com/oauth2/token";

/// Kaisa's API host; the version is appended: `https://api.analytics.freespee.com/2.4.9/`.
pub const DEFAULT_BASE_URL: &str = "https://api.analytics.freespee.com";

/// How the token request body is encoded: form (default) or JSON; Kaisa accepts both.
pub use oauth_core::BodyFormat as TokenFormat;

/// Builds a [`Client`].
///
/// ```no_run
/// # fn demo() -> kaisa::Result<()> {
/// use kaisa::{ApiVersion, ClientBuilder, TokenFormat};
///
/// let client = ClientBuilder::new("client-id", "client-secret")
///     .api_version(ApiVersion::V2_4_9)
///     .token_format(TokenFormat::Json)
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    common: CommonOptions,
    client_id: String,
    client_secret: SecretString,
    api_version: ApiVersion,
    token_format: TokenFormat,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("common", &self.common)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("api_version", &self.api_version)
            .field("token_format", &self.token_format)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder for the client credentials Kaisa issued.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            common: CommonOptions::default(),
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            api_version: ApiVersion::default(),
            token_format: TokenFormat::Form,
        }
    }

    /// Reads the configuration from the environment: `KAISA_CLIENT_ID` and
    /// `KAISA_CLIENT_SECRET` (required), `KAISA_API_VERSION`, `KAISA_BASE_URL`,
    /// `KAISA_TOKEN_URL` and `KAISA_TOKEN_FORMAT` (`form` or `json`). The builder can
    /// still be adjusted before [`build`](Self::build).
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or malformed.
    pub fn from_env() -> Result<Self> {
        let client_id = env::required("KAISA_CLIENT_ID")?;
        let client_secret = env::secret("KAISA_CLIENT_SECRET")?;
        let mut builder = Self {
            common: CommonOptions::default(),
            client_id,
            client_secret,
            api_version: ApiVersion::default(),
            token_format: TokenFormat::Form,
        };
        if let Some(version) = env::optional("KAISA_API_VERSION")? {
            let version = ApiVersion::from(version);
            version.check("KAISA_API_VERSION")?;
            builder.api_version = version;
        }
        builder.token_format = match env::choice("KAISA_TOKEN_FORMAT", &["form", "json"])? {
            Some("json") => TokenFormat::Json,
            _ => TokenFormat::Form,
        };
        builder
            .common
            .read_env("KAISA_BASE_URL", "KAISA_TOKEN_URL", None)?;
        Ok(builder)
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
    /// [`Error::Config`](crate::Error::Config) naming the setting to fix: an empty
    /// client id or secret, a malformed version, a URL that is not `https://` (without
    /// [`allow_insecure_loopback`](Self::allow_insecure_loopback)).
    pub fn build(mut self) -> Result<Client> {
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
        let provider = self.common.provider(
            TokenEndpoint::url(DEFAULT_TOKEN_URL),
            Credentials::ClientCredentials {
                client_id: self.client_id,
                client_secret: self.client_secret,
            },
            self.token_format,
            USER_AGENT,
        )?;
        let core =
            self.common
                .vendor_client(Some(&base), USER_AGENT, Some(provider), false, &[])?;
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
/// let client = kaisa::Client::builder("client-id", "client-secret").build()?;
/// client.ping().await?;
/// for customer in client.customers().list().send().await? {
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
    /// Starts building a client: see [`ClientBuilder::new`].
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientBuilder {
        ClientBuilder::new(client_id, client_secret)
    }

    /// A client configured from the environment: see [`ClientBuilder::from_env`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable or setting to fix.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
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
    /// # Errors
    ///
    /// The pipeline's errors: [`Error::Token`](crate::Error::Token) for refused
    /// credentials, [`Error::Auth`](crate::Error::Auth),
    /// [`Error::Api`](crate::Error::Api), [`Error::Transport`](crate::Error::Transport),
    /// ...
    pub async fn ping(&self) -> Result<Ping> {
        self.miscellaneous().ping().await
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

    pub(crate) async fn send<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        self.core.api().send(request).await
    }
}
