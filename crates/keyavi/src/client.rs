//! The Keyavi client and its builder.

use std::fmt;

use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, BodyFormat, ConfigError, Credentials, TokenEndpoint};
use serde::de::DeserializeOwned;
use vendor_core::kit::{env, CommonOptions, VendorClient};
use vendor_core::{Request, Response};

use crate::api::{Logs, Payloads};
use crate::caller_id::CallerId;
use crate::Result;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The header that names, in application mode, the person the application acts for.
pub const CALLER_ID_HEADER: &str = "x-api-caller-id";

/// The delegated scope of user mode, after the application id.
pub(crate) const USER_SCOPE: &str = "access_as_user";

/// How the client signs in to Azure AD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMode {
    /// As a user: the `password` grant with scope `<app id>/access_as_user`.
    User,
    /// As the application itself: `client_credentials` with scope `<app id>/.default`,
    /// and an `x-api-caller-id` on every call.
    App,
}

enum Mode {
    User {
        username: String,
        password: SecretString,
    },
    App {
        caller_id: CallerId,
    },
}

/// Builds a [`Client`]: start with [`Client::builder`], give the credentials of one
/// mode, [`app`](Self::app) (client credentials and the caller id) or
/// [`user`](Self::user) (the password grant), then the tenant, the base URL and the
/// subscription key.
///
/// ```
/// use keyavi::{CallerId, Client};
///
/// let client = Client::builder()
///     .app("client-id", "client-secret", CallerId::parse("ops@example.com")?)
///     .tenant("contoso.onmicrosoft.com")
///     .base_url("https://keyavi.example.com/api/")
///     .subscription_key("apim-key")
///     .build()?;
/// assert_eq!(client.auth_mode(), keyavi::AuthMode::App);
/// # Ok::<(), keyavi::Error>(())
/// ```
///
/// Required besides the credentials: the tenant ([`tenant`](Self::tenant)), the API's
/// base URL (`https://<host>/api/`, [`base_url`](Self::base_url)) and the APIM
/// subscription key ([`subscription_key`](Self::subscription_key)); `build` names
/// the first one missing in its [`ConfigError`].
#[must_use]
pub struct ClientBuilder {
    common: CommonOptions,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    mode: Option<Mode>,
    tenant: Option<String>,
    app_id: Option<String>,
    scope: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ClientBuilder");
        d.field("common", &self.common)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            );
        match &self.mode {
            Some(Mode::User { username, .. }) => d
                .field("mode", &AuthMode::User)
                .field("username", username)
                .field("password", &"[redacted]"),
            Some(Mode::App { caller_id }) => d
                .field("mode", &AuthMode::App)
                .field("caller_id", caller_id),
            None => d.field("mode", &None::<AuthMode>),
        };
        d.field("tenant", &self.tenant)
            .field("app_id", &self.app_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder with nothing set: [`Client::builder`] is the public entry.
    fn empty() -> Self {
        Self {
            common: CommonOptions::default(),
            client_id: None,
            client_secret: None,
            mode: None,
            tenant: None,
            app_id: None,
            scope: None,
        }
    }

    /// User mode: the application signs in as `username` (resource owner password
    /// grant) and asks for `<app id>/access_as_user`. Add
    /// [`client_secret`](Self::client_secret) for a confidential client.
    pub fn user(
        mut self,
        client_id: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.mode = Some(Mode::User {
            username: username.into(),
            password: SecretString::from(password.into()),
        });
        self
    }

    /// Application mode: client credentials for `<app id>/.default`, and `caller_id`
    /// sent as `x-api-caller-id` on every call, as Keyavi requires of applications.
    pub fn app(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        caller_id: CallerId,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(SecretString::from(client_secret.into()));
        self.mode = Some(Mode::App { caller_id });
        self
    }

    /// A builder configured from the `KEYAVI_*` environment variables (see
    /// [`read_env`](Self::read_env)), to adjust before [`build`](Self::build):
    /// `Client::builder().read_env()`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or malformed.
    pub fn from_env() -> Result<Self> {
        Client::builder().read_env()
    }

    /// Reads the `KEYAVI_*` environment variables that are set into this builder (they
    /// win over what was set before; settings made afterwards win over them), and
    /// requires only those the builder does not already have:
    ///
    /// - `KEYAVI_BASE_URL`, `KEYAVI_TENANT_ID`, `KEYAVI_CLIENT_ID`,
    ///   `KEYAVI_SUBSCRIPTION_KEY`: required unless already set; optional
    ///   `KEYAVI_SCOPE`, `KEYAVI_TOKEN_URL`, `KEYAVI_ALLOW_INSECURE_LOOPBACK` (`1`:
    ///   plain `http://` to a loopback host, as the local sandbox serves);
    /// - user mode, chosen when `KEYAVI_USERNAME` is set: `KEYAVI_PASSWORD` (unless
    ///   the builder is already in user mode, whose password is kept), and
    ///   `KEYAVI_CLIENT_SECRET` if the client is confidential;
    /// - application mode, chosen when `KEYAVI_CALLER_ID` is set, or when neither
    ///   variable is and the builder has no mode yet: `KEYAVI_CLIENT_SECRET` (unless
    ///   the builder has a secret) and `KEYAVI_CALLER_ID`;
    /// - otherwise the mode chosen in code ([`app`](Self::app) or
    ///   [`user`](Self::user)) stays.
    ///
    /// ```no_run
    /// # fn demo() -> keyavi::Result<()> {
    /// use keyavi::{CallerId, Client, RetryPolicy};
    ///
    /// let client = Client::builder()
    ///     .app("client-id", "client-secret", CallerId::parse("ops@example.com")?)
    ///     .read_env()?
    ///     .retry_policy(RetryPolicy::none())
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing or malformed.
    pub fn read_env(mut self) -> Result<Self> {
        if self.common.base_url.is_none() {
            env::required("KEYAVI_BASE_URL")?;
        }
        if let Some(tenant) = env::optional("KEYAVI_TENANT_ID")? {
            self.tenant = Some(tenant);
        } else if self.tenant.is_none() {
            return Err(ConfigError::new("KEYAVI_TENANT_ID", "is not set").into());
        }
        if let Some(client_id) = env::optional("KEYAVI_CLIENT_ID")? {
            self.client_id = Some(client_id);
        } else if self.client_id.is_none() {
            return Err(ConfigError::new("KEYAVI_CLIENT_ID", "is not set").into());
        }
        if self.common.subscription_key.is_none() {
            env::required("KEYAVI_SUBSCRIPTION_KEY")?;
        }
        if let Some(secret) = env::optional("KEYAVI_CLIENT_SECRET")? {
            self.client_secret = Some(SecretString::from(secret));
        }
        let username = env::optional("KEYAVI_USERNAME")?;
        let caller_id = env::optional("KEYAVI_CALLER_ID")?;
        if let Some(username) = username {
            let password = match (env::optional("KEYAVI_PASSWORD")?, self.mode.take()) {
                (Some(password), _) => SecretString::from(password),
                (None, Some(Mode::User { password, .. })) => password,
                (None, _) => return Err(ConfigError::new("KEYAVI_PASSWORD", "is not set").into()),
            };
            self.mode = Some(Mode::User { username, password });
        } else if caller_id.is_some() || self.mode.is_none() {
            if self.client_secret.is_none() {
                return Err(ConfigError::new(
                    "KEYAVI_CLIENT_SECRET",
                    "is not set (application mode; for user mode set KEYAVI_USERNAME and KEYAVI_PASSWORD)",
                )
                .into());
            }
            // Here the builder has no mode, or the variable names the caller.
            let caller_id =
                caller_id.ok_or_else(|| ConfigError::new("KEYAVI_CALLER_ID", "is not set"))?;
            let caller_id = CallerId::parse_as(&caller_id, "KEYAVI_CALLER_ID")?;
            self.mode = Some(Mode::App { caller_id });
        }
        if let Some(scope) = env::optional("KEYAVI_SCOPE")? {
            self.scope = Some(scope);
        }
        self.common.read_env(
            "KEYAVI_BASE_URL",
            "KEYAVI_TOKEN_URL",
            "KEYAVI_ALLOW_INSECURE_LOOPBACK",
            Some("KEYAVI_SUBSCRIPTION_KEY"),
        )?;
        Ok(self)
    }

    vendor_core::common_client_setters!(common);
    vendor_core::subscription_key_setter!(common);

    /// The Azure AD tenant (id or domain) Keyavi's application lives in. Required: the
    /// token endpoint is `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The application id the scope is built from (`<app id>/access_as_user` or
    /// `<app id>/.default`); defaults to the client id.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The exact scope to request, replacing the one built from the application id.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The client secret: required in application mode (given to
    /// [`app`](Self::app)), optional in user mode (confidential clients; call it
    /// after [`user`](Self::user) or before, either way).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) naming the setting to fix: no tenant, base URL or
    /// subscription key; a base URL that is not `https://` (without
    /// [`allow_insecure_loopback`](Self::allow_insecure_loopback)); empty credentials.
    pub fn build(mut self) -> Result<Client> {
        let (Some(client_id), Some(mode)) = (self.client_id.take(), self.mode.take()) else {
            return Err(ConfigError::new(
                "credentials",
                "set .app(client_id, client_secret, caller_id) or .user(client_id, username, password) (or KEYAVI_CLIENT_ID and the variables of one mode)",
            )
            .into());
        };
        let tenant = self
            .tenant
            .take()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                ConfigError::new(
                    "tenant",
                    "set the Azure AD tenant (id or domain) of Keyavi's application",
                )
            })?;
        let (auth_mode, suffix) = match &mode {
            Mode::User { .. } => (AuthMode::User, USER_SCOPE),
            Mode::App { .. } => (AuthMode::App, ".default"),
        };
        let scope = match self.scope.take() {
            Some(scope) => scope,
            None => {
                let app_id = self.app_id.as_deref().unwrap_or(&client_id);
                format!("{}/{suffix}", app_id.trim_end_matches('/'))
            }
        };
        let (credentials, caller_id) = match mode {
            Mode::User { username, password } => (
                Credentials::Password {
                    client_id,
                    client_secret: self.client_secret,
                    username,
                    password,
                },
                None,
            ),
            Mode::App { caller_id } => {
                let client_secret = self.client_secret.ok_or_else(|| {
                    ConfigError::new("client_secret", "application mode needs a client secret")
                })?;
                (
                    Credentials::ClientCredentials {
                        client_id,
                        client_secret,
                    },
                    Some(caller_id),
                )
            }
        };
        let provider = self.common.provider(
            TokenEndpoint::azure_ad_v2(tenant, [scope]),
            credentials,
            BodyFormat::Form,
            USER_AGENT,
        )?;
        let headers: Vec<(&str, &str)> = caller_id
            .as_ref()
            .map(|c| (CALLER_ID_HEADER, c.as_str()))
            .into_iter()
            .collect();
        let core = self
            .common
            .vendor_client(None, USER_AGENT, Some(provider), true, &headers)?;
        Ok(Client {
            core,
            mode: auth_mode,
            caller_id,
        })
    }
}

/// A client of the Keyavi API: build one with [`Client::builder`] or
/// [`Client::from_env`].
///
/// Cheap to clone: clones share the connection pool and the token cache. Every
/// endpoint method returns a request builder that owns a clone, so the builder is
/// `'static` and `Send`; send it with `.send()`, `.send_with_response()`, or `.await`.
///
/// ```no_run
/// # async fn demo() -> keyavi::Result<()> {
/// use keyavi::{CallerId, Client};
///
/// let client = Client::builder()
///     .app("client-id", "client-secret", CallerId::parse("ops@example.com")?)
///     .tenant("contoso.onmicrosoft.com")
///     .base_url("https://keyavi.example.com/api/")
///     .subscription_key("apim-key")
///     .build()?;
/// let page = client.logs().payload().await?;
/// println!("{} records", page.pagination.total_records.unwrap_or(0));
/// # Ok(()) }
/// ```
// Derived: VendorClient's Debug leaves the secrets out.
#[derive(Clone, Debug)]
pub struct Client {
    core: VendorClient,
    mode: AuthMode,
    caller_id: Option<CallerId>,
}

impl Client {
    /// Starts building a client: give the credentials of one mode with
    /// [`ClientBuilder::app`] or [`ClientBuilder::user`].
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

    /// User or application mode.
    pub fn auth_mode(&self) -> AuthMode {
        self.mode
    }

    /// The `x-api-caller-id` sent on every call (application mode only).
    pub fn caller_id(&self) -> Option<&CallerId> {
        self.caller_id.as_ref()
    }

    /// The access token the client currently uses, fetching one if needed: for
    /// diagnosis (its claims show roles, scopes and audience).
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

    /// Payloads: protecting files.
    pub fn payloads(&self) -> Payloads {
        Payloads::new(self.clone())
    }

    /// Audit logs.
    pub fn logs(&self) -> Logs {
        Logs::new(self.clone())
    }

    /// The role or scope to declare for an endpoint: the delegated scope in user mode,
    /// `app_role` in application mode. It only serves to explain a 401 or 403.
    pub(crate) fn role(&self, app_role: &'static str) -> &'static str {
        match self.mode {
            AuthMode::User => USER_SCOPE,
            AuthMode::App => app_role,
        }
    }

    pub(crate) async fn send<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        self.core.api().send(request).await
    }

    pub(crate) async fn send_with_response<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<Response<T>> {
        self.core.api().send_with_response(request).await
    }
}
