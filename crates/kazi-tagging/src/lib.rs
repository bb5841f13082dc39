#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
//!
//! ## Everything an application needs, from this crate
//!
//! The types the API mentions are re-exported, so that an application depends on
//! `kazi-tagging` alone:
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use kazi_tagging::{
//!     AccessToken, AuthErrorKind, Claims, Client, ConfigError, Error, ItemStream, JobMatch,
//!     MemoryTokenCache, Page, PageStream, Response, Result, RetryPolicy, Timeouts,
//!     TokenCache, TokenError, TokenProvider,
//! };
//! use std::sync::Arc;
//!
//! fn explain(error: &Error) -> String {
//!     match error {
//!         Error::Config(e) => format!("fix the setting {}", ConfigError::field(e)),
//!         Error::Token(e) => {
//!             let e: &TokenError = e;
//!             format!("no token: {e}")
//!         }
//!         other => match other.auth_kind() {
//!             Some(AuthErrorKind::MissingRole { required, .. }) => {
//!                 format!("grant the scope {required}")
//!             }
//!             _ => other.to_string(),
//!         },
//!     }
//! }
//!
//! async fn demo() -> Result<()> {
//!     let cache: Arc<dyn TokenCache> = Arc::new(MemoryTokenCache::new());
//!     let client = Client::builder()
//!         .read_env()?
//!         .token_cache(cache)
//!         .retry_policy(RetryPolicy::default())
//!         .timeouts(Timeouts::default())
//!         .build()?;
//!     let token: AccessToken = client.token().await?;
//!     let _claims: Option<&Claims> = token.claims();
//!     let _provider: Option<&Arc<dyn TokenProvider>> = client.api_client().token_provider();
//!     let answer: Response<Vec<kazi_tagging::Expectation>> =
//!         client.expectations().list().send_with_response().await?;
//!     println!("request id {:?}", answer.request_id());
//!     let scan = "8f14e45f-ceea-467a-9575-6d6a1b1f3f5e";
//!     let mut pages: PageStream<JobMatch> = client.talent_scans().matches(scan).pages();
//!     if let Some(page) = pages.try_next().await? {
//!         let page: Page<JobMatch> = page;
//!         println!("{:?} matches in all", page.total_items);
//!     }
//!     let matches: ItemStream<JobMatch> = client.talent_scans().matches(scan).stream();
//!     let all: Vec<JobMatch> = matches.try_collect().await?;
//!     println!("{}", all.len());
//!     Ok(())
//! }
//! # let _ = explain;
//! # let _ = demo;
//! ```

pub mod api;
mod client;
pub mod models;
mod scope;

pub use api::{
    CreateTalentScanRequest, ListAccountJobScansRequest, ListAccountScansRequest,
    ListAccountTalentScansRequest, ListExpectationsRequest, ListMatchesRequest, NewTalentScan,
};
pub use client::{Client, ClientBuilder, Environment, DEFAULT_RESOURCE, DEFAULT_TENANT};
pub use models::{
    AccountId, AccountJobScan, AccountTalentScan, Expectation, ExpectationId, ExpectationKind,
    ExpectationMatch, JobMatch, JobScanId, JobScanSummary, MatchOrder, MatchSort, Pagination,
    ScanExpectation, TalentScanId, TalentScanMatches, TalentScanSummary,
};
pub use oauth_core::{
    AccessToken, Claims, ConfigError, MemoryTokenCache, RetryPolicy, Timeouts, TokenCache,
    TokenError, TokenProvider,
};
pub use scope::Scope;
/// What a 401 or 403 means: [`Error::auth_kind`] returns one.
pub use vendor_core::AuthErrorKind;
/// Every failure of this crate: configuration, token, HTTP status, decoding, network.
pub use vendor_core::Error;
/// One page of a paged list, with the totals the API reported.
pub use vendor_core::Page;
/// A decoded answer with its status, headers and request id: what
/// `send_with_response` returns.
pub use vendor_core::Response;
/// The items of a paged list (what `stream()` returns) and its pages (what `pages()`
/// returns): owned streams, `Send + Unpin + 'static`.
pub use vendor_core::{ItemStream, PageStream};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
