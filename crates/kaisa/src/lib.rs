#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
mod client;
pub mod models;
mod version;

pub use api::MAX_PAGE_SIZE;
pub use client::{Client, ClientBuilder, TokenFormat, DEFAULT_BASE_URL, DEFAULT_TOKEN_URL};
pub use models::{
    Cdr, CdrId, Customer, CustomerId, CustomerUpdate, KaisaDateTime, NewCustomer, Ping, Source,
    SourceId, SourceStatus,
};
pub use oauth_core::{AccessToken, ConfigError};
/// The `time` crate, whose types the date-time models convert to and from.
pub use time;
/// Every failure of this crate: configuration, token, HTTP status, decoding, network.
pub use vendor_core::Error;
pub use version::ApiVersion;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
