#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
mod body;
pub mod cache;
pub mod civil;
pub mod endpoint;
pub mod error;
mod id;
mod key;
pub mod lenient;
pub mod provider;
pub mod retry;
mod text_enum;
pub mod token;
pub mod vendor;

pub use api::Error;
pub use cache::{CacheKey, CacheKeyBuilder, MemoryTokenCache, TokenCache, TokenSource};
pub use endpoint::{
    BodyFormat, ClientAuth, Credentials, Timeouts, TokenClient, TokenClientBuilder, TokenEndpoint,
    DEFAULT_AUTHORITY,
};
pub use error::{
    ConfigError, OAuthError, StatusError, TokenError, TransportError, TransportErrorKind,
};
pub use provider::{OAuthProvider, OAuthProviderBuilder, StaticTokenProvider, TokenProvider};
pub use retry::RetryPolicy;
pub use token::{AccessToken, Claims, Freshness};

/// Re-exported so that callers can name secret types without a direct dependency.
pub use secrecy;

/// What exported macros use; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}
