//! The authorized HTTP pipeline shared by the vendor crates.
//!
//! A vendor crate describes each endpoint as a [`Request`] and sends it through one
//! [`ApiClient`]; everything common to calling an OAuth- and APIM-protected API
//! (bearer, subscription key, caller id, 401 refresh, retries, redirect safety,
//! timeouts, error classification, tracing) happens here, once.
//!
//! ```no_run
//! # async fn demo() -> Result<(), oauth_core::Error> {
//! use std::sync::Arc;
//! use oauth_core::api::{ApiClient, Request};
//! use oauth_core::{Credentials, OAuthProvider, TokenEndpoint};
//! use oauth_core::secrecy::SecretString;
//!
//! let provider = OAuthProvider::builder()
//!     .endpoint(TokenEndpoint::azure_ad_v1("kazib2c.onmicrosoft.com", "d00b610c-389f-4a05-97cc-f9a934488c8b"))
//!     .credentials(Credentials::client_credentials("client-id", "client-secret"))
//!     .build()?;
//! let api = ApiClient::builder()
//!     .base_url("https://test-api.kazi.be")
//!     .token_provider(Arc::new(provider))
//!     .secret_header("Ocp-Apim-Subscription-Key", SecretString::from("key"))
//!     .user_agent("kazi-tagging/0.1.0")
//!     .build()?;
//! let expectations: serde_json::Value = api
//!     .send(Request::get("/tagging/v2/expectations").require_role("read:expectations"))
//!     .await?;
//! # Ok(()) }
//! ```

mod client;
mod error;
mod paginate;
mod request;

pub use client::{ApiClient, ApiClientBuilder, ApiResponse, DEFAULT_MAX_RESPONSE_BYTES};
pub use error::{ApiError, AuthError, AuthErrorKind, DecodeError, Error};
pub use paginate::{paginate, Page, MAX_PAGES};
pub use request::{check_path, encode_segment, path_segment, Request};
