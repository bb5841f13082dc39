//! Building blocks for vendor crates: the settings every vendor client shares,
//! reading them from the environment, and turning them into a token provider and
//! an [`ApiClient`], so that no vendor crate repeats this code.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::api::ApiClient;
use crate::cache::TokenCache;
use crate::endpoint::{BodyFormat, Credentials, Timeouts, TokenEndpoint};
use crate::error::ConfigError;
use crate::provider::{OAuthProvider, TokenProvider};
use crate::retry::RetryPolicy;

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
}

impl fmt::Debug for CommonOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommonOptions")
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("authority", &self.authority)
            .field("insecure_loopback", &self.insecure_loopback)
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
        builder.build().map(Arc::new)
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
        builder.build()
    }

    /// Reads `<PREFIX>_BASE_URL`, `<PREFIX>_TOKEN_URL` and, when `key_var` is given,
    /// the subscription key, from the environment into these settings.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable that is not valid Unicode.
    pub fn read_env(
        &mut self,
        base_var: &'static str,
        token_var: &'static str,
        key_var: Option<&'static str>,
    ) -> Result<(), ConfigError> {
        if let Some(v) = env::optional(base_var)? {
            self.base_url = Some(v);
        }
        if let Some(v) = env::optional(token_var)? {
            self.token_url = Some(v);
        }
        if let Some(var) = key_var {
            if let Some(v) = env::optional(var)? {
                self.subscription_key = Some(SecretString::from(v));
            }
        }
        Ok(())
    }
}

/// Reading configuration from environment variables, with errors that name them.
pub mod env {
    use secrecy::SecretString;

    use crate::error::ConfigError;

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
            self
        }

        /// Replaces the whole token endpoint URL.
        #[must_use]
        pub fn token_url(mut self, url: impl Into<String>) -> Self {
            self.$field.token_url = Some(url.into());
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
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.$field.retry = Some(policy);
            self
        }

        /// Timeouts for API calls and token requests.
        #[must_use]
        pub fn timeouts(mut self, timeouts: $crate::Timeouts) -> Self {
            self.$field.timeouts = Some(timeouts);
            self
        }

        /// Shares a token cache with other clients (for example a fleet-wide one).
        #[must_use]
        pub fn token_cache(mut self, cache: ::std::sync::Arc<dyn $crate::TokenCache>) -> Self {
            self.$field.cache = Some(cache);
            self
        }

        /// Largest response body accepted (default 16 MiB).
        #[must_use]
        pub fn max_response_bytes(mut self, bytes: usize) -> Self {
            self.$field.max_response_bytes = Some(bytes);
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
            self.$field.subscription_key = Some($crate::secrecy::SecretString::from(key.into()));
            self
        }
    };
}
