#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
mod client;
pub mod models;
mod scope;

pub use client::{Client, ClientBuilder, Environment, DEFAULT_RESOURCE, DEFAULT_TENANT};
pub use models::{
    Expectation, ExpectationId, ExpectationKind, ExpectationMatch, JobMatch, JobScanId,
    JobScanSummary, MatchOrder, MatchSort, Pagination, TalentScanId, TalentScanMatches,
    TalentScanSummary,
};
pub use oauth_core::{AccessToken, ConfigError};
pub use scope::Scope;
/// What a 401 or 403 means: [`Error::auth_kind`] returns one.
pub use vendor_core::AuthErrorKind;
/// Every failure of this crate: configuration, token, HTTP status, decoding, network.
pub use vendor_core::Error;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
