#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod assertion;
mod body;
pub mod cache;
mod endpoint;
mod error;
mod http;
mod key;
mod managed;
mod provider;
mod retry;
pub mod token;

pub use assertion::{
    AssertionCallback, Certificate, ClientAssertion, FederatedTokenFile, SigningAlgorithm,
    JWT_BEARER_ASSERTION_TYPE,
};
pub use cache::{CacheKey, CacheKeyBuilder, MemoryTokenCache, TokenCache, TokenSource};
pub use endpoint::{
    AuthorityHost, BodyFormat, ClientAuth, Credentials, Timeouts, TokenClient, TokenClientBuilder,
    TokenEndpoint, DEFAULT_AUTHORITY,
};
pub use error::{
    ConfigError, OAuthError, StatusError, TokenError, TransportError, TransportErrorKind,
    MAX_SNIPPET_BYTES,
};
pub use http::HttpOptions;
pub use managed::{ManagedIdentity, ManagedIdentityBuilder, IMDS_TOKEN_ENDPOINT};
pub use provider::{OAuthProvider, OAuthProviderBuilder, StaticTokenProvider, TokenProvider};
pub use retry::RetryPolicy;
pub use token::{AccessToken, Claims, Freshness};

/// Re-exported so that callers can name secret types without a direct dependency.
pub use secrecy;

/// The HTTP plumbing the token engine shares with `vendor-core` (capped body reads,
/// URL policy, proxy policy, redaction, `Retry-After`, transport error
/// classification), so that both behave the same way.
///
/// **Not public API**: no stability promise, may change in any release.
#[doc(hidden)]
pub mod __internal {
    pub use crate::body::read_capped;
    pub use crate::endpoint::{check_url, is_loopback};
    pub use crate::error::{
        body_snippet, is_retryable_status, make_printable, redact, truncate_chars,
        MAX_SNIPPET_BYTES,
    };
    pub use crate::http::same_origin_redirects;
    pub use crate::retry::{parse_retry_after, retry_after, spread};

    /// A [`crate::TransportError`] from a `reqwest` failure, classified.
    pub fn transport_error(err: &reqwest::Error) -> crate::TransportError {
        crate::TransportError::from_reqwest(err)
    }
}
