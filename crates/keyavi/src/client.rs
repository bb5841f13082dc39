//! The Keyavi client and its builder.

use std::fmt;
use std::sync::Arc;

use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, BodyFormat, ConfigError, Credentials, OAuthProvider, TokenEndpoint};
use serde::de::DeserializeOwned;
use vendor_core::kit::{env, AppAuth, CommonOptions, CredentialVars, EnvCredential, VendorClient};
use vendor_core::{Request, Response};

use crate::api::{Logs, Payloads};
use crate::caller_id::CallerId;
use crate::Result;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The header that names, in application mode, the person the application acts for.
pub const CALLER_ID_HEADER: &str = "x-api-caller-id";

/// What `build` says when no credentials were given.
const CREDENTIALS_HINT: &str = "set .app(client_id, client_secret, caller_id) or .user(client_id, username, password) (or KEYAVI_CLIENT_ID and the variables of one mode; or a certificate, a federated token file, the managed identity with .caller_id(..); or .token_provider(..))";

/// The delegated scope of user mode, after the application id.
pub(crate) const USER_SCOPE: &str = "access_as_user";

/// What `read_env` says when neither `KEYAVI_API_APP_ID` nor `KEYAVI_SCOPE` is set.
const APP_ID_HINT: &str = "is not set, nor KEYAVI_SCOPE: Keyavi's scope is `<id>/.default` (user mode: `<id>/access_as_user`) where <id> is the client ID of the identity provider configured in Keyavi's API authentication app service, which is not your KEYAVI_CLIENT_ID: ask Keyavi's administrator for it";

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
        caller_id: Option<CallerId>,
    },
}

/// The `KEYAVI_*` credential variables (application mode).
const CREDENTIAL_VARS: CredentialVars = CredentialVars::new(
    "KEYAVI_CLIENT_SECRET",
    "KEYAVI_CLIENT_CERTIFICATE_PATH",
    "KEYAVI_CLIENT_CERTIFICATE_PASSWORD",
    "KEYAVI_FEDERATED_TOKEN_FILE",
    "KEYAVI_USE_MANAGED_IDENTITY",
    "KEYAVI_MANAGED_IDENTITY_CLIENT_ID",
);

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
    /// Application mode's credential when it is not the client secret.
    app_auth: Option<AppAuth>,
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
        d.field("app_auth", &self.app_auth)
            .field("tenant", &self.tenant)
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
            app_auth: None,
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
        self.app_auth = None;
        self.mode = Some(Mode::App {
            caller_id: Some(caller_id),
        });
        self
    }

    /// Application mode's `x-api-caller-id`, for the credential setters below
    /// ([`certificate`](Self::certificate), [`federated_token_file`](Self::federated_token_file),
    /// [`managed_identity`](Self::managed_identity)) or a
    /// [`token_provider`](Self::token_provider); switches to application mode.
    pub fn caller_id(mut self, caller_id: CallerId) -> Self {
        self.mode = Some(Mode::App {
            caller_id: Some(caller_id),
        });
        self
    }

    /// Application mode, keeping its caller id (the credential setters choose it).
    fn app_mode(&mut self) {
        if !matches!(self.mode, Some(Mode::App { .. })) {
            self.mode = Some(Mode::App { caller_id: None });
        }
    }

    // Application mode only: certificate, federated token file, managed identity
    // (its scope is `<app id>/.default`: set `.app_id(..)` or `.scope(..)`). Each needs
    // a caller id (`.caller_id(..)`, or one given to `.app(..)` before).
    vendor_core::app_auth_setters!(app_auth, common, app_mode);

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
    ///   `KEYAVI_SUBSCRIPTION_KEY`: required unless already set;
    /// - `KEYAVI_API_APP_ID` (the client ID of the identity provider configured in
    ///   Keyavi's API authentication app service, which the scope is built from) or
    ///   the whole `KEYAVI_SCOPE`: one of them, unless the builder has an
    ///   [`app_id`](Self::app_id) or a [`scope`](Self::scope) already (or a
    ///   [`token_provider`](Self::token_provider)); the caller's client id is not
    ///   guessed for it;
    /// - optional `KEYAVI_TOKEN_URL`, `KEYAVI_AUTHORITY_HOST` (else
    ///   `AZURE_AUTHORITY_HOST`: a sovereign cloud by name or URL),
    ///   `KEYAVI_ALLOW_INSECURE_LOOPBACK` (`1`:
    ///   plain `http://` to a loopback host, as the local sandbox serves);
    /// - user mode, chosen when `KEYAVI_USERNAME` is set: `KEYAVI_PASSWORD` (unless
    ///   the builder is already in user mode, whose password is kept), and
    ///   `KEYAVI_CLIENT_SECRET` if the client is confidential;
    /// - application mode, chosen when `KEYAVI_CALLER_ID` is set, or when neither
    ///   variable is and the builder has no mode yet: `KEYAVI_CLIENT_SECRET` (unless
    ///   the builder has a secret) and `KEYAVI_CALLER_ID`;
    /// - otherwise the mode chosen in code ([`app`](Self::app) or
    ///   [`user`](Self::user)) stays.
    /// - application mode, instead of `KEYAVI_CLIENT_SECRET`, exactly one of
    ///   `KEYAVI_CLIENT_CERTIFICATE_PATH` (PEM, or PKCS#12 with `KEYAVI_CLIENT_CERTIFICATE_PASSWORD` and the
    ///   feature `pkcs12`), `KEYAVI_FEDERATED_TOKEN_FILE` (falling back to
    ///   `AZURE_FEDERATED_TOKEN_FILE` when no credential variable is set), or
    ///   `KEYAVI_USE_MANAGED_IDENTITY=1` with optional `KEYAVI_MANAGED_IDENTITY_CLIENT_ID`
    ///   (then `KEYAVI_CLIENT_ID` is not needed: set `KEYAVI_SCOPE`); two are an error
    ///   naming both;
    /// - with a [`token_provider`](Self::token_provider), no credential, tenant or
    ///   caller id variable is required.
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
        let provider = self.common.token_provider.is_some();
        if let Some(tenant) = env::optional("KEYAVI_TENANT_ID")? {
            self.tenant = Some(tenant);
        } else if self.tenant.is_none() && !provider {
            return Err(ConfigError::new("KEYAVI_TENANT_ID", "is not set").into());
        }
        let has_credentials = self.client_secret.is_some()
            || self.app_auth.is_some()
            || provider
            || self.mode.is_some();
        let credential = CREDENTIAL_VARS.read_for(has_credentials)?;
        let managed = matches!(credential, Some(EnvCredential::ManagedIdentity(_)))
            || (credential.is_none()
                && matches!(self.app_auth, Some(AppAuth::ManagedIdentity { .. })));
        if let Some(client_id) = env::optional("KEYAVI_CLIENT_ID")? {
            self.client_id = Some(client_id);
        } else if self.client_id.is_none() && !managed && !provider {
            return Err(ConfigError::new("KEYAVI_CLIENT_ID", "is not set").into());
        }
        if self.common.subscription_key.is_none() {
            env::required("KEYAVI_SUBSCRIPTION_KEY")?;
        }
        let username = env::optional("KEYAVI_USERNAME")?;
        match credential {
            Some(EnvCredential::Secret(secret)) => {
                self.client_secret = Some(secret);
                self.app_auth = None;
            }
            Some(_) if username.is_some() => {
                return Err(ConfigError::new(
                    "KEYAVI_USERNAME",
                    "user mode takes a client secret only: a certificate, a federated token file or the managed identity is for application mode (unset KEYAVI_USERNAME)",
                )
                .into())
            }
            Some(credential) => {
                let client_id = self.client_id.clone().unwrap_or_default();
                self.app_auth = Some(credential.with_client_id(client_id));
            }
            None => {}
        }
        let caller_id = env::optional("KEYAVI_CALLER_ID")?;
        if let Some(username) = username {
            let password = match (env::optional("KEYAVI_PASSWORD")?, self.mode.take()) {
                (Some(password), _) => SecretString::from(password),
                (None, Some(Mode::User { password, .. })) => password,
                (None, _) => return Err(ConfigError::new("KEYAVI_PASSWORD", "is not set").into()),
            };
            self.mode = Some(Mode::User { username, password });
        } else if caller_id.is_some()
            || !matches!(
                self.mode,
                Some(Mode::User { .. }) | Some(Mode::App { caller_id: Some(_) })
            )
        {
            if self.client_secret.is_none() && self.app_auth.is_none() && !provider {
                return Err(ConfigError::new(
                    "KEYAVI_CLIENT_SECRET",
                    "is not set, nor KEYAVI_CLIENT_CERTIFICATE_PATH, KEYAVI_FEDERATED_TOKEN_FILE or KEYAVI_USE_MANAGED_IDENTITY (application mode; for user mode set KEYAVI_USERNAME and KEYAVI_PASSWORD)",
                )
                .into());
            }
            // Here the builder has no caller id, or the variable names the caller.
            match caller_id {
                Some(caller_id) => {
                    let caller_id = CallerId::parse_as(&caller_id, "KEYAVI_CALLER_ID")?;
                    self.mode = Some(Mode::App {
                        caller_id: Some(caller_id),
                    });
                }
                None if provider => {}
                None => return Err(ConfigError::new("KEYAVI_CALLER_ID", "is not set").into()),
            }
        }
        if let Some(app_id) = env::optional("KEYAVI_API_APP_ID")? {
            self.app_id = Some(app_id);
        }
        if let Some(scope) = env::optional("KEYAVI_SCOPE")? {
            self.scope = Some(scope);
        }
        if self.scope.is_none() && self.app_id.is_none() && !provider {
            return Err(ConfigError::new("KEYAVI_API_APP_ID", APP_ID_HINT).into());
        }
        self.common.read_env(
            "KEYAVI_BASE_URL",
            "KEYAVI_TOKEN_URL",
            "KEYAVI_ALLOW_INSECURE_LOOPBACK",
            Some("KEYAVI_SUBSCRIPTION_KEY"),
        )?;
        self.common.read_authority_env("KEYAVI_AUTHORITY_HOST")?;
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
    /// `<app id>/.default`): per Keyavi's authentication page, "the client ID of the
    /// identity provider configured in your Keyavi API authentication app service",
    /// which Keyavi's administrator gives (`KEYAVI_API_APP_ID`). Without it or a
    /// [`scope`](Self::scope), `build` falls back to the caller's client id and says
    /// so in [`Client::warnings`]; [`read_env`](Self::read_env) refuses to guess.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The exact scope to request, replacing the one built from the application id.
    /// Keyavi's user mode needs one ending in `/access_as_user`, application mode one
    /// ending in `/.default`; another is sent as given, with a note in
    /// [`Client::warnings`].
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The client secret: required in application mode (given to
    /// [`app`](Self::app)), optional in user mode (confidential clients; call it
    /// after [`user`](Self::user) or before, either way).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(secret.into()));
        self.app_auth = None;
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
        if self.common.token_provider.is_some() {
            // The application's provider: no credentials, tenant or scope needed.
            let (mode, caller_id) = match self.mode.take() {
                Some(Mode::User { .. }) => (AuthMode::User, None),
                Some(Mode::App { caller_id }) => (AuthMode::App, caller_id),
                None => (AuthMode::App, None),
            };
            return self.finish(None, mode, caller_id, Vec::new());
        }
        let Some(mode) = self.mode.take() else {
            return Err(ConfigError::new("credentials", CREDENTIALS_HINT).into());
        };
        let app_auth = match &mode {
            Mode::App { .. } => self.app_auth.take(),
            Mode::User { .. } => None,
        };
        // The application's client id: the credential's, the builder's (for a managed
        // identity, the scope needs `.app_id(..)`, `.scope(..)` or the client id).
        let client_id = match app_auth.as_ref() {
            Some(AppAuth::ManagedIdentity { .. }) => self.client_id.take(),
            Some(auth) => auth.client_id().map(str::to_owned),
            None => self.client_id.take(),
        };
        if client_id.is_none() && !matches!(app_auth, Some(AppAuth::ManagedIdentity { .. })) {
            return Err(ConfigError::new("credentials", CREDENTIALS_HINT).into());
        }
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
        let mut warnings = Vec::new();
        let scope = match self.scope.take() {
            Some(scope) => scope,
            None => {
                let app_id = match (self.app_id.as_deref(), client_id.as_deref()) {
                    (Some(app_id), _) => app_id,
                    (None, Some(client_id)) => {
                        warnings.push(format!(
                            "the scope `{}/{suffix}` was built from the client id: Keyavi builds it from the client ID of the identity provider configured in its API authentication app service; set it with .app_id(..) (KEYAVI_API_APP_ID) or the scope with .scope(..) (KEYAVI_SCOPE)",
                            client_id.trim_end_matches('/')
                        ));
                        client_id
                    }
                    (None, None) => {
                        return Err(ConfigError::new(
                            "scope",
                            "the managed identity asks for `<app id>/.default`: set Keyavi's application id with .app_id(..) or the scope with .scope(..) (KEYAVI_API_APP_ID or KEYAVI_SCOPE)",
                        )
                        .into())
                    }
                };
                format!("{}/{suffix}", app_id.trim_end_matches('/'))
            }
        };
        let expected = format!("/{suffix}");
        if !scope.trim_end().ends_with(&expected) {
            let mode = match auth_mode {
                AuthMode::User => "user mode (the password grant)",
                AuthMode::App => "application mode (client credentials)",
            };
            warnings.push(format!(
                "the scope `{scope}` does not end in `{expected}`, which Keyavi's {mode} requires: check KEYAVI_SCOPE"
            ));
        }
        let endpoint = TokenEndpoint::azure_ad_v2(tenant, [scope]);
        let client_id = client_id.unwrap_or_default();
        let (provider, caller_id) = match mode {
            Mode::User { username, password } => (
                self.common.provider(
                    endpoint,
                    Credentials::Password {
                        client_id,
                        client_secret: self.client_secret.take(),
                        username,
                        password,
                    },
                    BodyFormat::Form,
                    USER_AGENT,
                )?,
                None,
            ),
            Mode::App { caller_id } => {
                let caller_id = caller_id.ok_or_else(|| {
                    ConfigError::new(
                        "caller_id",
                        "application mode needs the caller id sent as x-api-caller-id: .caller_id(..) or KEYAVI_CALLER_ID",
                    )
                })?;
                let auth = match app_auth {
                    Some(auth) => auth,
                    None => AppAuth::Secret {
                        client_id,
                        client_secret: self.client_secret.take().ok_or_else(|| {
                            ConfigError::new(
                                "client_secret",
                                "application mode needs a client secret (or a certificate, a federated token file, the managed identity)",
                            )
                        })?,
                    },
                };
                (
                    self.common
                        .app_provider(endpoint, auth, BodyFormat::Form, USER_AGENT)?,
                    Some(caller_id),
                )
            }
        };
        self.finish(Some(provider), auth_mode, caller_id, warnings)
    }

    fn finish(
        self,
        provider: Option<Arc<OAuthProvider>>,
        mode: AuthMode,
        caller_id: Option<CallerId>,
        warnings: Vec<String>,
    ) -> Result<Client> {
        let headers: Vec<(&str, &str)> = caller_id
            .as_ref()
            .map(|c| (CALLER_ID_HEADER, c.as_str()))
            .into_iter()
            .collect();
        let core = self
            .common
            .vendor_client(None, USER_AGENT, provider, true, &headers)?;
        Ok(Client {
            core,
            mode,
            caller_id,
            warnings: warnings.into(),
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
    warnings: Arc<[String]>,
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

    /// Settings that were accepted but are likely wrong, each a sentence naming what
    /// to check, for the application to log: a scope built from the caller's client
    /// id (no [`ClientBuilder::app_id`]), or a scope not ending in `/access_as_user`
    /// in user mode (`/.default` in application mode). Empty when all is well.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
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
