//! The kit vendor crates are built from: the settings every vendor client shares,
//! reading them from the environment, turning them into a token provider and an
//! [`ApiClient`], the builder setter macros and lenient serde helpers, so that no
//! vendor crate repeats this code. (Dates and times are the `time` crate's.)
//!
//! **Unstable**: this module exists for the vendor crates of this workspace only. It
//! is hidden from the docs and may change in any release.

pub mod lenient;

/// Per-call options every request builder of a vendor crate carries
/// ([`call_options!`](crate::call_options) adds their setters).
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    timeout: Option<std::time::Duration>,
    retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// Sets the overall deadline of the call.
    pub fn set_timeout(&mut self, timeout: std::time::Duration) {
        self.timeout = Some(timeout);
    }

    /// Sets the retry policy of the call.
    pub fn set_retry_policy(&mut self, policy: RetryPolicy) {
        self.retry = Some(policy);
    }

    /// `request` with these options.
    pub fn apply(&self, mut request: crate::Request) -> crate::Request {
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        if let Some(retry) = &self.retry {
            request = request.retry_policy(retry.clone());
        }
        request
    }
}

/// The per-call setters (`timeout`, `retry_policy`) of a request builder with a
/// field `options: CallOptions`.
#[macro_export]
#[doc(hidden)]
macro_rules! call_options {
    () => {
        /// The overall deadline of this call (token fetch and retries included),
        /// instead of the client's timeouts.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.set_timeout(timeout);
            self
        }

        /// The retry policy of this call instead of the client's: for example
        /// `RetryPolicy::none()` to try once.
        pub fn retry_policy(mut self, policy: $crate::__private::oauth_core::RetryPolicy) -> Self {
            self.options.set_retry_policy(policy);
            self
        }
    };
}

/// `IntoFuture` for a request builder whose `send(self)` is an `async fn`, so that
/// `builder.await` works like `builder.send().await`.
#[macro_export]
#[doc(hidden)]
macro_rules! into_future {
    ($builder:ty => $output:ty) => {
        impl ::std::future::IntoFuture for $builder {
            type Output = ::std::result::Result<$output, $crate::Error>;
            type IntoFuture = ::std::pin::Pin<
                ::std::boxed::Box<
                    dyn ::std::future::Future<Output = Self::Output> + ::std::marker::Send,
                >,
            >;
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
    // A builder generic over the answer type it decodes: `into_future!(generic GetRequest<T> => T)`.
    (generic $builder:ident<$t:ident> => $output:ty) => {
        impl<$t> ::std::future::IntoFuture for $builder<$t>
        where
            $t: $crate::__private::serde::de::DeserializeOwned + ::std::marker::Send + 'static,
        {
            type Output = ::std::result::Result<$output, $crate::Error>;
            type IntoFuture = ::std::pin::Pin<
                ::std::boxed::Box<
                    dyn ::std::future::Future<Output = Self::Output> + ::std::marker::Send,
                >,
            >;
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::{ApiClient, Error};
use oauth_core::AccessToken;
use oauth_core::ConfigError;
use oauth_core::RetryPolicy;
use oauth_core::TokenCache;
use oauth_core::{BodyFormat, Credentials, Timeouts, TokenEndpoint};
use oauth_core::{OAuthProvider, TokenProvider};

/// The header Azure API Management reads the subscription key from.
pub const SUBSCRIPTION_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";

/// Settings every vendor client has. Vendor builders embed one and expose its
/// setters with [`crate::common_client_setters!`].
#[derive(Default)]
pub struct CommonOptions {
    /// Base URL override.
    pub base_url: Option<String>,
    /// Whole token URL override.
    pub token_url: Option<String>,
    /// Azure AD authority override.
    pub authority: Option<String>,
    /// `http://` to loopback hosts allowed (tests, sandbox).
    pub insecure_loopback: bool,
    /// Retry policy for API calls and token requests.
    pub retry: Option<RetryPolicy>,
    /// Timeouts for API calls and token requests.
    pub timeouts: Option<Timeouts>,
    /// A token cache shared with other clients.
    pub cache: Option<Arc<dyn TokenCache>>,
    /// The APIM subscription key.
    pub subscription_key: Option<SecretString>,
    /// Largest response body accepted.
    pub max_response_bytes: Option<usize>,
    /// Extra trusted CA certificates (PEM), for the token endpoint and the API.
    pub http: oauth_core::HttpOptions,
    /// The environment variable `base_url` came from, so that errors name it.
    pub base_url_var: Option<&'static str>,
    /// The environment variable `token_url` came from, so that errors name it.
    pub token_url_var: Option<&'static str>,
    /// A token provider the application already has, used instead of building one.
    pub token_provider: Option<Arc<dyn TokenProvider>>,
    /// The managed identity's metadata endpoint override (tests, local runs).
    pub managed_identity_endpoint: Option<String>,
}

impl fmt::Debug for CommonOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommonOptions")
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("authority", &self.authority)
            .field("insecure_loopback", &self.insecure_loopback)
            .field(
                "token_provider",
                &self.token_provider.as_ref().map(|_| "[set]"),
            )
            .field("managed_identity_endpoint", &self.managed_identity_endpoint)
            .field(
                "subscription_key",
                &self.subscription_key.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl CommonOptions {
    /// Builds the OAuth provider for `endpoint` and `credentials` with these settings.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting to fix.
    pub fn provider(
        &self,
        endpoint: TokenEndpoint,
        credentials: Credentials,
        body_format: BodyFormat,
        user_agent: &str,
    ) -> Result<Arc<OAuthProvider>, ConfigError> {
        let mut builder = OAuthProvider::builder()
            .endpoint(endpoint)
            .credentials(credentials)
            .body_format(body_format)
            .allow_insecure_loopback(self.insecure_loopback)
            .user_agent(user_agent);
        builder = builder.http_options(self.http.clone());
        if let Some(url) = &self.token_url {
            builder = builder.token_url(url.clone());
        }
        if let Some(authority) = &self.authority {
            builder = builder.authority(authority.clone());
        }
        if let Some(retry) = &self.retry {
            builder = builder.retry_policy(retry.clone());
        }
        if let Some(timeouts) = self.timeouts {
            builder = builder.timeouts(timeouts);
        }
        if let Some(cache) = &self.cache {
            builder = builder.cache(cache.clone());
        }
        builder.build().map(Arc::new).map_err(|e| self.named(e))
    }

    /// The same error, naming the environment variable a URL came from.
    fn named(&self, error: ConfigError) -> ConfigError {
        let var = match error.field() {
            "base_url" => self.base_url_var,
            "token_url" => self.token_url_var,
            _ => None,
        };
        match var {
            Some(var) => ConfigError::new(var, error.problem().to_owned()),
            None => error,
        }
    }

    /// Builds the API client: base URL (this override or `default_base`), provider,
    /// subscription key header (required when `key_required`), extra plain headers.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting to fix.
    pub fn api_client(
        &self,
        default_base: Option<&str>,
        user_agent: &str,
        provider: Option<Arc<dyn TokenProvider>>,
        key_required: bool,
        headers: &[(&str, &str)],
    ) -> Result<ApiClient, ConfigError> {
        let base = self
            .base_url
            .as_deref()
            .or(default_base)
            .ok_or_else(|| ConfigError::new("base_url", "set the API's base URL"))?;
        let mut builder = ApiClient::builder()
            .base_url(base)
            .user_agent(user_agent)
            .allow_insecure_loopback(self.insecure_loopback);
        builder = builder.http_options(self.http.clone());
        if let Some(provider) = provider {
            builder = builder.token_provider(provider);
        }
        match &self.subscription_key {
            Some(key) if !key.expose_secret().trim().is_empty() => {
                builder = builder.secret_header(SUBSCRIPTION_KEY_HEADER, key.clone());
            }
            _ if key_required => {
                return Err(ConfigError::new(
                    "subscription_key",
                    "this API needs an APIM subscription key (Ocp-Apim-Subscription-Key) from the vendor's developer portal",
                ))
            }
            _ => {}
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if let Some(retry) = &self.retry {
            builder = builder.retry_policy(retry.clone());
        }
        if let Some(timeouts) = self.timeouts {
            builder = builder.timeouts(timeouts);
        }
        if let Some(max) = self.max_response_bytes {
            builder = builder.max_response_bytes(max);
        }
        builder.build().map_err(|e| self.named(e))
    }

    /// Builds the API client as [`api_client`](Self::api_client) does, with its tokens
    /// from `provider` (none: subscription key only), and the [`VendorClient`] that
    /// holds both.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting to fix.
    pub fn vendor_client(
        &self,
        default_base: Option<&str>,
        user_agent: &str,
        provider: Option<Arc<OAuthProvider>>,
        key_required: bool,
        headers: &[(&str, &str)],
    ) -> Result<VendorClient, ConfigError> {
        let provider: Option<Arc<dyn TokenProvider>> = match &self.token_provider {
            Some(given) => Some(given.clone()),
            None => provider.map(|p| p as Arc<dyn TokenProvider>),
        };
        let api = self.api_client(
            default_base,
            user_agent,
            provider.clone(),
            key_required,
            headers,
        )?;
        Ok(VendorClient::with_token_provider(api, provider))
    }

    /// Builds the provider of `auth`: the token endpoint `endpoint` with a secret, a
    /// certificate or a federated token, or the managed identity for the endpoint's
    /// resource (Azure AD v1) or first scope (v2, `X/.default` asks for `X`).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting to fix.
    pub fn app_provider(
        &self,
        endpoint: TokenEndpoint,
        auth: AppAuth,
        body_format: BodyFormat,
        user_agent: &str,
    ) -> Result<Arc<OAuthProvider>, ConfigError> {
        let credentials = match auth {
            AppAuth::Secret {
                client_id,
                client_secret,
            } => Credentials::ClientCredentials {
                client_id,
                client_secret,
            },
            AppAuth::Certificate {
                client_id,
                certificate,
            } => Credentials::certificate(client_id, *certificate),
            AppAuth::FederatedTokenFile { client_id, path } => {
                Credentials::federated_token_file(client_id, path)
            }
            AppAuth::ManagedIdentity { client_id } => {
                return self.managed_identity_provider(&endpoint, client_id)
            }
        };
        if credentials.client_id().trim().is_empty() {
            return Err(ConfigError::new("credentials", "the client id is empty"));
        }
        self.provider(endpoint, credentials, body_format, user_agent)
    }

    fn managed_identity_provider(
        &self,
        endpoint: &TokenEndpoint,
        client_id: Option<String>,
    ) -> Result<Arc<OAuthProvider>, ConfigError> {
        let mut builder = match (endpoint.resource(), endpoint.scopes().first()) {
            (Some(resource), _) => oauth_core::ManagedIdentity::builder(resource),
            (None, Some(scope)) => oauth_core::ManagedIdentity::builder(String::new()).scope(scope),
            (None, None) => {
                return Err(ConfigError::new(
                    "managed_identity",
                    "needs the resource or scope to ask tokens for",
                ))
            }
        };
        if let Some(id) = client_id.filter(|id| !id.trim().is_empty()) {
            builder = builder.client_id(id);
        }
        // An endpoint set in code wins over the platform's variables.
        builder = match &self.managed_identity_endpoint {
            Some(url) => builder.imds_endpoint(url.clone()),
            None => builder.from_env()?,
        };
        if let Some(retry) = &self.retry {
            builder = builder.retry_policy(retry.clone());
        }
        if let Some(timeouts) = self.timeouts {
            builder = builder.timeouts(timeouts);
        }
        builder = builder.http_options(self.http.clone());
        let identity = builder.build()?;
        Ok(Arc::new(match &self.cache {
            Some(cache) => OAuthProvider::managed_identity_with_cache(identity, cache.clone()),
            None => OAuthProvider::managed_identity(identity),
        }))
    }

    /// Reads the base URL, the token URL, the loopback opt-in (`1` or `true`: plain
    /// `http://` to a loopback host, as a local sandbox serves; by convention
    /// `<PREFIX>_ALLOW_INSECURE_LOOPBACK`) and, when `key_var` is given, the
    /// subscription key, from the environment into these settings.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable that is not valid Unicode, or not a
    /// URL (`https://`, or `http://` to a loopback host, which then needs the
    /// insecure-loopback opt-in when the client is built).
    pub fn read_env(
        &mut self,
        base_var: &'static str,
        token_var: &'static str,
        loopback_var: &'static str,
        key_var: Option<&'static str>,
    ) -> Result<(), ConfigError> {
        if let Some(v) = env::optional(loopback_var)? {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => self.insecure_loopback = true,
                "" | "0" | "false" | "no" => {}
                _ => {
                    return Err(ConfigError::new(
                        loopback_var,
                        "must be 1 or 0 (true or false)",
                    ))
                }
            }
        }
        if let Some(v) = env::optional(base_var)? {
            oauth_core::__internal::check_url(&v, base_var, true)?;
            self.base_url = Some(v);
            self.base_url_var = Some(base_var);
        }
        if let Some(v) = env::optional(token_var)? {
            oauth_core::__internal::check_url(&v, token_var, true)?;
            self.token_url = Some(v);
            self.token_url_var = Some(token_var);
        }
        if let Some(var) = key_var {
            if let Some(v) = env::optional(var)? {
                self.subscription_key = Some(SecretString::from(v));
            }
        }
        Ok(())
    }

    /// Reads the Azure AD authority host from `var` (`<PREFIX>_AUTHORITY_HOST`), else
    /// from `AZURE_AUTHORITY_HOST` as the Azure SDKs do: a cloud's name
    /// (`AzureGovernment`, `AzureChina`, ...) or an `https://` URL.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable when its value is neither.
    pub fn read_authority_env(&mut self, var: &'static str) -> Result<(), ConfigError> {
        let found = match env::optional(var)? {
            Some(v) => Some((var, v)),
            None => env::optional(AZURE_AUTHORITY_HOST)?.map(|v| (AZURE_AUTHORITY_HOST, v)),
        };
        if let Some((name, value)) = found {
            let url = oauth_core::AuthorityHost::resolve(&value, name)
                .map_err(|e| ConfigError::new(name, e.problem().to_owned()))?;
            self.authority = Some(url);
        }
        Ok(())
    }
}

/// The variable the Azure SDKs read for a sovereign cloud's authority host.
pub const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";

/// How an application authenticates to Azure AD, as a vendor builder collects it:
/// the last setter called wins. `Debug` redacts the secret.
pub enum AppAuth {
    /// Client id and secret (`client_credentials`).
    Secret {
        /// Application (client) id.
        client_id: String,
        /// Client secret.
        client_secret: SecretString,
    },
    /// Client id and a certificate: signed client assertions.
    Certificate {
        /// Application (client) id.
        client_id: String,
        /// The certificate and its private key.
        certificate: Box<oauth_core::Certificate>,
    },
    /// Client id and a federated token file (workload identity): its content is
    /// the client assertion.
    FederatedTokenFile {
        /// Application (client) id.
        client_id: String,
        /// The file, read at every token request.
        path: std::path::PathBuf,
    },
    /// The host's managed identity: system-assigned, or user-assigned by client id.
    ManagedIdentity {
        /// The user-assigned identity's client id.
        client_id: Option<String>,
    },
}

impl fmt::Debug for AppAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppAuth::Secret { client_id, .. } => f
                .debug_struct("Secret")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
            AppAuth::Certificate {
                client_id,
                certificate,
            } => f
                .debug_struct("Certificate")
                .field("client_id", client_id)
                .field("certificate", certificate)
                .finish(),
            AppAuth::FederatedTokenFile { client_id, path } => f
                .debug_struct("FederatedTokenFile")
                .field("client_id", client_id)
                .field("path", path)
                .finish(),
            AppAuth::ManagedIdentity { client_id } => f
                .debug_struct("ManagedIdentity")
                .field("client_id", client_id)
                .finish(),
        }
    }
}

impl AppAuth {
    /// The application (client) id; for a managed identity, the user-assigned one.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            AppAuth::Secret { client_id, .. }
            | AppAuth::Certificate { client_id, .. }
            | AppAuth::FederatedTokenFile { client_id, .. } => Some(client_id),
            AppAuth::ManagedIdentity { client_id } => client_id.as_deref(),
        }
    }
}

/// A credential read from the environment, before it is joined to a client id.
#[derive(Debug)]
pub enum EnvCredential {
    /// `<V>_CLIENT_SECRET`.
    Secret(SecretString),
    /// `<V>_CLIENT_CERTIFICATE_PATH`, loaded.
    Certificate(Box<oauth_core::Certificate>),
    /// `<V>_FEDERATED_TOKEN_FILE` (or `AZURE_FEDERATED_TOKEN_FILE`).
    FederatedTokenFile(std::path::PathBuf),
    /// `<V>_USE_MANAGED_IDENTITY=1`, with `<V>_MANAGED_IDENTITY_CLIENT_ID`.
    ManagedIdentity(Option<String>),
}

impl EnvCredential {
    /// Whether the credential needs the application's client id.
    pub fn needs_client_id(&self) -> bool {
        !matches!(self, EnvCredential::ManagedIdentity(_))
    }

    /// Joined to `client_id` (ignored for a managed identity).
    pub fn with_client_id(self, client_id: String) -> AppAuth {
        match self {
            EnvCredential::Secret(client_secret) => AppAuth::Secret {
                client_id,
                client_secret,
            },
            EnvCredential::Certificate(certificate) => AppAuth::Certificate {
                client_id,
                certificate,
            },
            EnvCredential::FederatedTokenFile(path) => {
                AppAuth::FederatedTokenFile { client_id, path }
            }
            EnvCredential::ManagedIdentity(client_id) => AppAuth::ManagedIdentity { client_id },
        }
    }
}

/// The names of a vendor's credential variables (`<V>_CLIENT_SECRET`, ...).
#[derive(Debug, Clone, Copy)]
pub struct CredentialVars {
    /// `<V>_CLIENT_SECRET`.
    pub client_secret: &'static str,
    /// `<V>_CLIENT_CERTIFICATE_PATH`.
    pub certificate_path: &'static str,
    /// `<V>_CLIENT_CERTIFICATE_PASSWORD`.
    pub certificate_password: &'static str,
    /// `<V>_FEDERATED_TOKEN_FILE`.
    pub federated_token_file: &'static str,
    /// `<V>_USE_MANAGED_IDENTITY`.
    pub use_managed_identity: &'static str,
    /// `<V>_MANAGED_IDENTITY_CLIENT_ID`.
    pub managed_identity_client_id: &'static str,
}

/// The federated token file Azure workload identity publishes in every pod; read
/// when no credential variable of the vendor is set.
pub const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";

impl CredentialVars {
    /// The variables of vendor prefix `KAZI`, `KEYAVI`, ... (string literals).
    #[doc(hidden)]
    pub const fn new(
        client_secret: &'static str,
        certificate_path: &'static str,
        certificate_password: &'static str,
        federated_token_file: &'static str,
        use_managed_identity: &'static str,
        managed_identity_client_id: &'static str,
    ) -> Self {
        Self {
            client_secret,
            certificate_path,
            certificate_password,
            federated_token_file,
            use_managed_identity,
            managed_identity_client_id,
        }
    }

    /// Reads the credential the variables configure: at most one kind (a secret, a
    /// certificate (PEM, or PKCS#12 with its password), a federated token file, the managed identity);
    /// `AZURE_FEDERATED_TOKEN_FILE` counts only when none is set.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming both variables when two kinds are set; naming the
    /// certificate password set without a certificate, a certificate that does not
    /// load (a PKCS#12 file needs the feature `pkcs12`), or a malformed managed
    /// identity switch.
    pub fn read(&self) -> Result<Option<EnvCredential>, ConfigError> {
        self.read_for(false)
    }

    /// As [`read`](Self::read), for a builder that may already have credentials
    /// (`has_credentials`): then `AZURE_FEDERATED_TOKEN_FILE`, which the platform
    /// sets in every pod, does not replace them.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    pub fn read_for(&self, has_credentials: bool) -> Result<Option<EnvCredential>, ConfigError> {
        let secret = env::optional(self.client_secret)?;
        let certificate = env::optional(self.certificate_path)?;
        let password = env::optional(self.certificate_password)?;
        let federated = env::optional(self.federated_token_file)?;
        let managed = match env::optional(self.use_managed_identity)? {
            None => false,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(ConfigError::new(
                        self.use_managed_identity,
                        "must be 1 or 0 (true or false)",
                    ))
                }
            },
        };
        let managed_id = env::optional(self.managed_identity_client_id)?;
        let set: Vec<&'static str> = [
            (secret.is_some(), self.client_secret),
            (certificate.is_some(), self.certificate_path),
            (federated.is_some(), self.federated_token_file),
            (managed, self.use_managed_identity),
        ]
        .into_iter()
        .filter_map(|(on, var)| on.then_some(var))
        .collect();
        if let [first, second, ..] = set.as_slice() {
            return Err(ConfigError::new(
                first,
                format!("is set, and so is {second}: configure exactly one credential kind"),
            ));
        }
        if password.is_some() && certificate.is_none() {
            return Err(ConfigError::new(
                self.certificate_password,
                format!(
                    "is set, but {} is not: the password opens a PKCS#12 certificate file",
                    self.certificate_path
                ),
            ));
        }
        if managed_id.is_some() && !managed {
            return Err(ConfigError::new(
                self.managed_identity_client_id,
                format!("is set, but {} is not 1", self.use_managed_identity),
            ));
        }
        if let Some(secret) = secret {
            return Ok(Some(EnvCredential::Secret(SecretString::from(secret))));
        }
        if let Some(path) = certificate {
            let password = password.map(SecretString::from);
            let password = password.as_ref().map(ExposeSecret::expose_secret);
            let certificate = oauth_core::Certificate::from_file(&path, password)
                .map_err(|e| ConfigError::new(self.certificate_path, e.problem().to_owned()))?;
            return Ok(Some(EnvCredential::Certificate(Box::new(certificate))));
        }
        if managed {
            return Ok(Some(EnvCredential::ManagedIdentity(managed_id)));
        }
        let federated = match federated {
            Some(path) => Some(path),
            None if has_credentials => None,
            None => env::optional(AZURE_FEDERATED_TOKEN_FILE)?,
        };
        match federated {
            Some(path) => Ok(Some(EnvCredential::FederatedTokenFile(path.into()))),
            None => Ok(None),
        }
    }
}

/// Adds the credential setters of the Azure AD vendors (`certificate`,
/// `federated_token_file`, `managed_identity`, `managed_identity_endpoint`) to a
/// builder whose field `$field` is an `Option<`[`AppAuth`]`>` and `$common` holds
/// [`CommonOptions`]; the builder's method `$before(&mut self)`, when named, is
/// called first (to switch its mode).
#[macro_export]
#[doc(hidden)]
macro_rules! app_auth_setters {
    ($field:ident, $common:ident $(, $before:ident)?) => {
        /// Authenticates with a certificate (signed client assertions, no secret):
        /// `Certificate::from_pem_file(path)?`. Last call wins among the credential
        /// setters.
        pub fn certificate(
            mut self,
            client_id: impl Into<String>,
            certificate: $crate::__private::oauth_core::Certificate,
        ) -> Self {
            $(self.$before();)?
            self.$field = Some($crate::kit::AppAuth::Certificate {
                client_id: client_id.into(),
                certificate: ::std::boxed::Box::new(certificate),
            });
            self
        }

        /// Authenticates with workload identity federation: the file's content (a
        /// token Kubernetes rotates) is the client assertion, read at every token
        /// request. Last call wins among the credential setters.
        pub fn federated_token_file(
            mut self,
            client_id: impl Into<String>,
            path: impl Into<::std::path::PathBuf>,
        ) -> Self {
            $(self.$before();)?
            self.$field = Some($crate::kit::AppAuth::FederatedTokenFile {
                client_id: client_id.into(),
                path: path.into(),
            });
            self
        }

        /// Authenticates with the host's managed identity: system-assigned (`None`)
        /// or user-assigned (its client id). On App Service and Container Apps
        /// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are read, elsewhere the instance
        /// metadata service is asked. Last call wins among the credential setters.
        pub fn managed_identity(mut self, client_id: Option<String>) -> Self {
            $(self.$before();)?
            self.$field = Some($crate::kit::AppAuth::ManagedIdentity { client_id });
            self
        }

        /// The instance metadata service's token endpoint for the managed identity
        /// (default `http://169.254.169.254/...`): for tests and local runs. When set,
        /// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are not read.
        pub fn managed_identity_endpoint(mut self, url: impl Into<String>) -> Self {
            self.$common.managed_identity_endpoint = Some(url.into());
            self
        }
    };
}

/// A setting with a default: `default` when unset, the trimmed value otherwise.
///
/// # Errors
///
/// A [`ConfigError`] for `field` when the value is set but blank.
pub fn non_empty_or(
    value: Option<&str>,
    default: &str,
    field: &'static str,
) -> Result<String, ConfigError> {
    match value.map(str::trim) {
        None => Ok(default.to_owned()),
        Some("") => Err(ConfigError::new(field, "is empty")),
        Some(v) => Ok(v.to_owned()),
    }
}

/// What every vendor client holds: the authorized pipeline, and the OAuth provider
/// its tokens come from (none for a client that sends only a subscription key).
/// Vendor clients delegate to it. `Debug` shows the pipeline, which redacts secrets.
#[derive(Clone)]
pub struct VendorClient {
    api: ApiClient,
    provider: Option<Arc<dyn TokenProvider>>,
}

impl fmt::Debug for VendorClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VendorClient")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl VendorClient {
    /// A client of `api` whose tokens come from `provider`.
    pub fn new(api: ApiClient, provider: Option<Arc<OAuthProvider>>) -> Self {
        Self::with_token_provider(api, provider.map(|p| p as Arc<dyn TokenProvider>))
    }

    /// A client of `api` whose tokens come from any `provider`.
    pub fn with_token_provider(api: ApiClient, provider: Option<Arc<dyn TokenProvider>>) -> Self {
        Self { api, provider }
    }

    /// The authorized pipeline requests are sent through.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The API base URL paths are joined to.
    pub fn base_url(&self) -> &str {
        self.api.base_url().as_str()
    }

    /// The access token the client currently uses, fetching one if needed: for
    /// diagnosis (its claims show roles, scopes and audience).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a client without OAuth (subscription key only), which has
    /// no token; [`Error::Token`] when none could be obtained.
    pub async fn token(&self) -> Result<AccessToken, Error> {
        let provider = self.provider.as_ref().ok_or_else(|| {
            ConfigError::new(
                "credentials",
                "this client uses the subscription key only and has no access token",
            )
        })?;
        Ok(provider.token().await?)
    }
}

/// Reading configuration from environment variables, with errors that name them.
pub mod env {
    use secrecy::SecretString;

    use oauth_core::ConfigError;

    /// The variable's value; `None` when unset or empty.
    ///
    /// # Errors
    ///
    /// When the value is not valid Unicode.
    pub fn optional(name: &'static str) -> Result<Option<String>, ConfigError> {
        match std::env::var(name) {
            Ok(v) if v.trim().is_empty() => Ok(None),
            Ok(v) => Ok(Some(v.trim().to_owned())),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(ConfigError::new(name, "is not valid Unicode"))
            }
        }
    }

    /// The variable's value, which must be set.
    ///
    /// # Errors
    ///
    /// When unset, empty or not valid Unicode.
    pub fn required(name: &'static str) -> Result<String, ConfigError> {
        optional(name)?.ok_or_else(|| ConfigError::new(name, "is not set"))
    }

    /// A secret from the variable, which must be set.
    ///
    /// # Errors
    ///
    /// When unset, empty or not valid Unicode.
    pub fn secret(name: &'static str) -> Result<SecretString, ConfigError> {
        required(name).map(SecretString::from)
    }

    /// One of `choices` (compared case-insensitively), or `None` when unset.
    ///
    /// # Errors
    ///
    /// When set to anything else; the message lists the choices.
    pub fn choice(
        name: &'static str,
        choices: &[&'static str],
    ) -> Result<Option<&'static str>, ConfigError> {
        let Some(value) = optional(name)? else {
            return Ok(None);
        };
        choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(&value))
            .copied()
            .map(Some)
            .ok_or_else(|| {
                ConfigError::new(
                    name,
                    format!("`{value}` is not one of: {}", choices.join(", ")),
                )
            })
    }
}

/// Adds the setters of [`CommonOptions`] to a vendor's client builder whose field
/// `$field` holds one.
#[macro_export]
macro_rules! common_client_setters {
    ($field:ident) => {
        /// Overrides the API's base URL.
        #[must_use]
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.$field.base_url = Some(url.into());
            self.$field.base_url_var = None;
            self
        }

        /// Replaces the whole token endpoint URL.
        #[must_use]
        pub fn token_url(mut self, url: impl Into<String>) -> Self {
            self.$field.token_url = Some(url.into());
            self.$field.token_url_var = None;
            self
        }

        /// Overrides the Azure AD authority (sovereign clouds, tests).
        #[must_use]
        pub fn authority(mut self, authority: impl Into<String>) -> Self {
            self.$field.authority = Some(authority.into());
            self
        }

        /// Allows `http://` URLs to loopback hosts: for tests and the local sandbox only.
        #[must_use]
        pub fn allow_insecure_loopback(mut self, allow: bool) -> Self {
            self.$field.insecure_loopback = allow;
            self
        }

        /// Retry policy for API calls and token requests.
        #[must_use]
        pub fn retry_policy(mut self, policy: $crate::__private::oauth_core::RetryPolicy) -> Self {
            self.$field.retry = Some(policy);
            self
        }

        /// Timeouts for API calls and token requests.
        #[must_use]
        pub fn timeouts(mut self, timeouts: $crate::__private::oauth_core::Timeouts) -> Self {
            self.$field.timeouts = Some(timeouts);
            self
        }

        /// Shares a token cache with other clients (for example a fleet-wide one).
        #[must_use]
        pub fn token_cache(
            mut self,
            cache: ::std::sync::Arc<dyn $crate::__private::oauth_core::TokenCache>,
        ) -> Self {
            self.$field.cache = Some(cache);
            self
        }

        /// Largest response body accepted (default 16 MiB).
        #[must_use]
        pub fn max_response_bytes(mut self, bytes: usize) -> Self {
            self.$field.max_response_bytes = Some(bytes);
            self
        }

        /// A token provider the application already has (or a test double), used
        /// instead of building one: with it no credentials are needed.
        #[must_use]
        pub fn token_provider(
            mut self,
            provider: ::std::sync::Arc<dyn $crate::__private::oauth_core::TokenProvider>,
        ) -> Self {
            self.$field.token_provider = Some(provider);
            self
        }

        /// Trusts the CA certificates in `pem` (one or more `BEGIN CERTIFICATE`
        /// blocks) for the token endpoint and the API, as well as the bundled
        /// roots and the system's store (which `SSL_CERT_FILE` extends).
        pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
            self.$field.http = self.$field.http.clone().add_root_certificate_pem(pem);
            self
        }

        /// How the HTTP clients are built: a proxy, the application's own `reqwest`
        /// builder, extra roots (see `HttpOptions`). Replaces earlier
        /// `add_root_certificate_pem` calls.
        pub fn http_options(mut self, options: $crate::__private::oauth_core::HttpOptions) -> Self {
            self.$field.http = options;
            self
        }
    };
}

/// Adds a `subscription_key` setter to a vendor's client builder whose field
/// `$field` holds [`CommonOptions`].
#[macro_export]
macro_rules! subscription_key_setter {
    ($field:ident) => {
        /// The APIM subscription key (`Ocp-Apim-Subscription-Key`), from the
        /// vendor's developer portal.
        #[must_use]
        pub fn subscription_key(mut self, key: impl Into<String>) -> Self {
            self.$field.subscription_key = Some(
                $crate::__private::oauth_core::secrecy::SecretString::from(key.into()),
            );
            self
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_empty_or_defaults_trims_and_refuses_blanks() {
        assert_eq!(non_empty_or(None, "dflt", "tenant").unwrap(), "dflt");
        assert_eq!(non_empty_or(Some(" t1 "), "dflt", "tenant").unwrap(), "t1");
        let err = non_empty_or(Some("  "), "dflt", "tenant").unwrap_err();
        assert_eq!((err.field(), err.problem()), ("tenant", "is empty"));
    }

    #[tokio::test]
    async fn a_client_without_oauth_has_no_token() {
        let api = ApiClient::builder()
            .base_url("https://api.example/v1/")
            .build()
            .unwrap();
        let client = VendorClient::new(api, None);
        assert_eq!(client.base_url(), "https://api.example/v1/");
        assert_eq!(client.api().base_url().as_str(), client.base_url());
        assert!(format!("{client:?}").contains("https://api.example/v1/"));
        match client.token().await {
            Err(Error::Config(e)) => assert_eq!(e.field(), "credentials"),
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }
}
