#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
mod caller_id;
mod client;
pub mod models;

pub use caller_id::CallerId;
pub use client::{AuthMode, Client, ClientBuilder, CALLER_ID_HEADER};
pub use models::{
    ActionAttempted, FullPayloadLog, LocalTimestamp, LogPage, LogResult, Pagination,
    ParseTimestampError, PayloadId, PayloadLog, PolicyId, ProtectedPayload, UserId, UserNetwork,
};
pub use oauth_core::{AccessToken, ConfigError};
/// The `time` crate, whose types the date-time models convert to and from.
pub use time;
/// Every failure of this crate: configuration, token, HTTP status, decoding, network.
pub use vendor_core::Error;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
