//! The Kazi client, its builder and its environments.

use std::fmt;
use std::str::FromStr;

use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, BodyFormat, ConfigError, TokenEndpoint};
use vendor_core::kit::{env, non_empty_or, AppAuth, CommonOptions, CredentialVars, VendorClient};
use vendor_core::{ApiClient, AuthErrorKind};

use crate::api::{Administrator, Expectations, TalentScans};
use crate::Result;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The Azure AD tenant Kazi's API applications live in.
pub const DEFAULT_TENANT: &str = "kazib2c.onmicrosoft.com";

/// The `resource` Kazi's tokens are requested for (Azure AD v1); a token request
/// without it is refused by the API with a 401.
pub const DEFAULT_RESOURCE: &str = "d00b610c-389f-4a05-97cc-f9a934488c8b";

/// Kazi's environments. Each has its own developer portal, subscription key and
/// client registration: credentials of one do not work on the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// `https://test-api.kazi.be` (the default).
    #[default]
    Test,
    /// `https://api.kazi.be`.
    Production,
}

impl Environment {
    /// The environment's API base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Test => "https://test-api.kazi.be",
            Environment::Production => "https://api.kazi.be",
        }
    }

    /// `test` or `production`, as `KAZI_ENV` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Test => "test",
            Environment::Production => "production",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = ConfigError;

    /// `test` or `production` (also `prod`), in any case.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "test" => Ok(Environment::Test),
            "production" | "prod" => Ok(Environment::Production),
            _ => Err(ConfigError::new(
                "environment",
                format!("`{s}` is not one of: test, production"),
            )),
        }
    }
}

/// Builds a [`Client`]: start with [`Client::builder`].
///
/// Required: [`client_credentials`](Self::client_credentials) and
/// [`subscription_key`](Self::subscription_key) (or the `KAZI_*` variables, read by
/// [`read_env`](Self::read_env)); [`build`](Self::build) names the one missing.
/// Defaults: the [`Test`](Environment::Test) environment, tenant [`DEFAULT_TENANT`],
/// resource [`DEFAULT_RESOURCE`].
#[must_use]
pub struct ClientBuilder {
    common: CommonOptions,
    environment: Environment,
    tenant: Option<String>,
    resource: Option<String>,
    credentials: Option<AppAuth>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("common", &self.common)
            .field("environment", &self.environment)
            .field("tenant", &self.tenant)
            .field("resource", &self.resource)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// What `build` says when no credentials were given.
const CREDENTIALS_HINT: &str = "set the client id and secret Kazi registered for the application: `.client_credentials(id, secret)` or KAZI_CLIENT_ID and KAZI_CLIENT_SECRET (or a certificate, a federated token file, the managed identity, or `.token_provider(..)`)";

/// The `KAZI_*` credential variables.
const CREDENTIAL_VARS: CredentialVars = CredentialVars::new(
    "KAZI_CLIENT_SECRET",
    "KAZI_CLIENT_CERTIFICATE_PATH",
    "KAZI_CLIENT_CERTIFICATE_PASSWORD",
    "KAZI_FEDERATED_TOKEN_FILE",
    "KAZI_USE_MANAGED_IDENTITY",
    "KAZI_MANAGED_IDENTITY_CLIENT_ID",
);

impl ClientBuilder {
    /// A builder configured from the `KAZI_*` environment variables (see
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
            environment: Environment::default(),
            tenant: None,
            resource: None,
            credentials: None,
        }
    }

    /// Reads the `KAZI_*` environment variables that are set into this builder (they
    /// win over what was set before; settings made afterwards win over them):
    ///
    /// - `KAZI_CLIENT_ID` and `KAZI_CLIENT_SECRET`, `KAZI_SUBSCRIPTION_KEY`: required
    ///   unless the builder already has credentials (or a token provider), a
    ///   subscription key;
    /// - instead of `KAZI_CLIENT_SECRET`, exactly one of: `KAZI_CLIENT_CERTIFICATE_PATH`
    ///   (PEM, or PKCS#12 with `KAZI_CLIENT_CERTIFICATE_PASSWORD` and the
    ///   feature `pkcs12`), `KAZI_FEDERATED_TOKEN_FILE` (falling back to
    ///   `AZURE_FEDERATED_TOKEN_FILE` when no credential variable is set), or
    ///   `KAZI_USE_MANAGED_IDENTITY=1` with optional `KAZI_MANAGED_IDENTITY_CLIENT_ID`
    ///   (then `KAZI_CLIENT_ID` is not needed); two of them are an error naming both;
    /// - `KAZI_ENV` (`test` or `production`, default `test`);
    /// - `KAZI_BASE_URL`, `KAZI_TOKEN_URL`: overrides of the environment's URLs;
    ///   `KAZI_AUTHORITY_HOST` (else `AZURE_AUTHORITY_HOST`): a sovereign cloud's
    ///   authority, by name (`AzureGovernment`, `AzureChina`) or URL;
    /// - `KAZI_ALLOW_INSECURE_LOOPBACK=1`: plain `http://` to a loopback host, as a
    ///   local sandbox serves (`vendorctl sandbox` prints it).
    ///
    /// [`Client::from_env`] is `Client::builder().read_env()?.build()`.
    ///
    /// ```no_run
    /// # fn demo() -> kazi_tagging::Result<()> {
    /// use kazi_tagging::{Client, RetryPolicy};
    ///
    /// let client = Client::builder()
    ///     .read_env()?
    ///     .retry_policy(RetryPolicy::none())
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or
    /// malformed.
    pub fn read_env(mut self) -> Result<Self> {
        let client_id = env::optional("KAZI_CLIENT_ID")?;
        let has_credentials = self.credentials.is_some() || self.common.token_provider.is_some();
        match (client_id, CREDENTIAL_VARS.read_for(has_credentials)?) {
            (_, Some(credential)) if !credential.needs_client_id() => {
                self.credentials = Some(credential.with_client_id(String::new()));
            }
            (Some(id), Some(credential)) => {
                self.credentials = Some(credential.with_client_id(id));
            }
            (Some(_), None) => Err(ConfigError::new(
                "KAZI_CLIENT_SECRET",
                "is not set (nor KAZI_CLIENT_CERTIFICATE_PATH, KAZI_FEDERATED_TOKEN_FILE or KAZI_USE_MANAGED_IDENTITY)",
            ))?,
            (None, Some(_)) => Err(ConfigError::new("KAZI_CLIENT_ID", "is not set"))?,
            (None, None)
                if self.credentials.is_none() && self.common.token_provider.is_none() =>
            {
                Err(ConfigError::new("KAZI_CLIENT_ID", "is not set"))?
            }
            (None, None) => {}
        }
        if self.common.subscription_key.is_none() {
            self.common.subscription_key = Some(env::secret("KAZI_SUBSCRIPTION_KEY")?);
        } else if let Some(key) = env::optional("KAZI_SUBSCRIPTION_KEY")? {
            self.common.subscription_key = Some(key.into());
        }
        // The same spellings as `Environment::from_str` (`prod` too), named by variable.
        if let Some(value) = env::optional("KAZI_ENV")? {
            self.environment = value
                .parse::<Environment>()
                .map_err(|e| ConfigError::new("KAZI_ENV", e.problem().to_owned()))?;
        }
        self.common.read_env(
            "KAZI_BASE_URL",
            "KAZI_TOKEN_URL",
            "KAZI_ALLOW_INSECURE_LOOPBACK",
            None,
        )?;
        self.common.read_authority_env("KAZI_AUTHORITY_HOST")?;
        Ok(self)
    }

    vendor_core::common_client_setters!(common);
    vendor_core::subscription_key_setter!(common);

    /// The application's client id and secret, registered by Kazi for it (Azure AD
    /// `client_credentials` grant). Last call wins among the credential setters.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(AppAuth::Secret {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        });
        self
    }

    vendor_core::app_auth_setters!(credentials, common);

    /// Test (default) or production; [`base_url`](Self::base_url) overrides it.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// The Azure AD tenant (default [`DEFAULT_TENANT`]).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The Azure AD v1 `resource` to request tokens for (default
    /// [`DEFAULT_RESOURCE`]).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the setting to fix: no
    /// credentials (`credentials`) or subscription key (`subscription_key`), an empty tenant or resource, a URL that is not
    /// `https://` (without
    /// [`allow_insecure_loopback`](Self::allow_insecure_loopback)).
    pub fn build(mut self) -> Result<Client> {
        let provider = if self.common.token_provider.is_some() {
            None
        } else {
            let auth = self
                .credentials
                .take()
                .ok_or_else(|| ConfigError::new("credentials", CREDENTIALS_HINT))?;
            let tenant = non_empty_or(self.tenant.as_deref(), DEFAULT_TENANT, "tenant")?;
            let resource = non_empty_or(self.resource.as_deref(), DEFAULT_RESOURCE, "resource")?;
            Some(self.common.app_provider(
                TokenEndpoint::azure_ad_v1(tenant, resource),
                auth,
                BodyFormat::Form,
                USER_AGENT,
            )?)
        };
        let core = self.common.vendor_client(
            Some(self.environment.base_url()),
            USER_AGENT,
            provider,
            true,
            &[],
        )?;
        Ok(Client {
            core,
            environment: self.environment,
        })
    }
}

/// A client of Kazi's Tagging API.
///
/// Every call carries the APIM subscription key and a bearer token for Kazi's
/// resource, fetched with client credentials from Azure AD v1, cached, and refreshed
/// ahead of expiry. Cheap to clone: clones share the connection pool and the token
/// cache.
///
/// ```no_run
/// # async fn demo() -> kazi_tagging::Result<()> {
/// use kazi_tagging::{Client, Environment};
///
/// let client = Client::builder()
///     .client_credentials("client-id", "client-secret")
///     .subscription_key("apim-subscription-key")
///     .environment(Environment::Production)
///     .build()?;
/// for e in client.expectations().list().await? {
///     println!("{} ({})", e.expectation_name.as_deref().unwrap_or("?"), e.kind());
/// }
/// # Ok(()) }
/// ```
// Derived: VendorClient's Debug leaves the secrets out.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) core: VendorClient,
    environment: Environment,
}

impl Client {
    /// Starts building a client: add
    /// [`client_credentials`](ClientBuilder::client_credentials) and
    /// [`subscription_key`](ClientBuilder::subscription_key) (or
    /// [`read_env`](ClientBuilder::read_env)), then [`build`](ClientBuilder::build).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the `KAZI_*` environment variables: see
    /// [`ClientBuilder::read_env`] for the list.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable or setting to fix.
    pub fn from_env() -> Result<Self> {
        Client::builder().read_env()?.build()
    }

    /// The environment chosen (a [`base_url`](ClientBuilder::base_url) override may
    /// point elsewhere: see [`Client::base_url`]).
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The API base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.core.base_url()
    }

    /// The expectations: `client.expectations().list().await`.
    pub fn expectations(&self) -> Expectations<'_> {
        Expectations::new(self)
    }

    /// Talent scans: `client.talent_scans().matches(id).await`.
    pub fn talent_scans(&self) -> TalentScans<'_> {
        TalentScans::new(self)
    }

    /// The Administrator API: `client.administrator().job_scans(account).await`.
    pub fn administrator(&self) -> Administrator<'_> {
        Administrator::new(self)
    }

    /// The access token the client currently uses, fetching one if needed: for
    /// diagnosis (its claims show the scopes granted, see
    /// [`Scope::granted_by`](crate::Scope::granted_by)).
    ///
    /// # Errors
    ///
    /// [`Error::Token`](crate::Error::Token) when no token could be obtained.
    pub async fn token(&self) -> Result<AccessToken> {
        self.core.token().await
    }

    /// What to check after `error`, naming the `KAZI_*` variables, when this crate
    /// knows more than the error itself says; `None` otherwise.
    ///
    /// Kazi's test and production environments have separate developer portals and
    /// subscriptions, so a subscription key that APIM rejects as invalid is often a
    /// key of the other environment: the advice names `KAZI_ENV` and the host the
    /// call went to.
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) {
    /// if let Err(e) = client.expectations().list().await {
    ///     match client.hint(&e) {
    ///         Some(hint) => eprintln!("{e} ({hint})"),
    ///         None => eprintln!("{e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn hint(&self, error: &crate::Error) -> Option<String> {
        match error.auth_kind()? {
            AuthErrorKind::SubscriptionKeyInvalid => Some(format!(
                "check KAZI_SUBSCRIPTION_KEY, and that KAZI_ENV (now `{}`, calls go to {}) is the environment the key was issued for: test and production keys differ",
                self.environment,
                self.base_url()
            )),
            AuthErrorKind::SubscriptionKeyMissing => Some(
                "set KAZI_SUBSCRIPTION_KEY: the key of your subscription in Kazi's developer portal"
                    .to_owned(),
            ),
            _ => None,
        }
    }

    /// The underlying authorized pipeline, for Kazi endpoints this crate does not
    /// model yet (it adds the same bearer, key and error mapping).
    pub fn api_client(&self) -> &ApiClient {
        self.core.api()
    }
}
