#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
mod client;
mod level;
pub mod models;

pub use api::RequestBuilder;
pub use client::{AuthMode, Client, ClientBuilder, DEFAULT_TENANT};
/// HTTP methods, for [`Client::request`].
pub use http::Method;
pub use level::AccessLevel;
pub use models::ItemPage;
pub use oauth_core::{AccessToken, ConfigError};
/// Percent-encodes one path segment, so that `/`, `?` or `#` in it cannot change the
/// path; it does not refuse `.` or `..`: for an id, prefer [`path_segment`].
pub use vendor_core::encode_segment;
/// Checks and percent-encodes one path segment (an id), refusing an empty one, `.`
/// and `..` (also percent-encoded) with [`Error::InvalidArgument`] naming the argument:
/// `format!("core/v1/stations/{}", path_segment("station_id", id)?)`.
pub use vendor_core::path_segment;
/// What a 401 or 403 means: [`Error::auth_kind`] returns one.
pub use vendor_core::AuthErrorKind;
/// Every failure of this crate: configuration, token, HTTP status, decoding, network.
pub use vendor_core::Error;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
