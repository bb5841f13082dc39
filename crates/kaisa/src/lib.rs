#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
mod client;
pub mod dncs;
mod hint;
pub mod models;
mod version;

pub use api::{
    CreateCallbackRequest, CreateCampaignRequest, CreateCustomerRequest, CreateSourceRequest,
    DeleteGreetingRequest, DeleteUserRequest, GetBlacklistRequest, GetCustomerRequest,
    GreetingWriteRequest, ListCallbacksRequest, ListCampaignsRequest, ListCdrsRequest,
    ListCustomersRequest, ListGreetingsRequest, ListRecordingsRequest, ListSourceStatusesRequest,
    ListSourcesRequest, ListUsersRequest, PingRequest, SetBlacklistRequest, UpdateCustomerRequest,
    WriteUserRequest, MAX_PAGE_SIZE,
};
pub use client::{Client, ClientBuilder, TokenFormat, DEFAULT_BASE_URL, DEFAULT_TOKEN_URL};
pub use hint::{access_hint, IP_ALLOW_LIST_HINT};
pub use models::{
    ActivationToken, Callback, Campaign, Cdr, CdrId, Customer, CustomerId, CustomerUpdate,
    KaisaDateTime, NewCallback, NewCampaign, NewCustomer, NewSource, Ping, Recording, RecordingId,
    Source, SourceId, SourceServiceStatus, SourceStatus, User, UserFields, VoicemailGreeting,
};
pub use oauth_core::{
    AccessToken, Claims, ConfigError, MemoryTokenCache, RetryPolicy, Timeouts, TokenCache,
    TokenError, TokenProvider,
};
/// The `time` crate, whose types the date-time models convert to and from.
pub use time;
/// Every failure of this crate: configuration, token, HTTP status, decoding, network.
pub use vendor_core::Error;
pub use vendor_core::{AuthErrorKind, ItemStream, Page, PageStream, Response};
pub use version::ApiVersion;

/// `Result` with this crate's [`Error`].
///
/// Everything an application names comes from this crate alone:
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// use futures_util::TryStreamExt;
/// use kaisa::{
///     AccessToken, AuthErrorKind, Cdr, Claims, Client, ConfigError, Error, ItemStream,
///     MemoryTokenCache, Page, PageStream, Response, Result, RetryPolicy, Timeouts,
///     TokenCache, TokenError, TokenProvider,
/// };
///
/// async fn demo() -> Result<()> {
///     let cache: Arc<dyn TokenCache> = Arc::new(MemoryTokenCache::new());
///     let client = Client::builder()
///         .client_credentials("client-id", "client-secret")
///         .retry_policy(RetryPolicy::default().max_attempts(3))
///         .timeouts(Timeouts::default())
///         .token_cache(cache)
///         .build()?;
///
///     let token: AccessToken = client.token().await?;
///     let claims: Option<&Claims> = token.claims();
///     println!("audience {:?}", claims.map(|c| &c.aud));
///
///     let answer: Response<Vec<kaisa::Customer>> =
///         client.customers().list().send_with_response().await?;
///     println!("request id {:?}", answer.request_id());
///
///     let calls: ItemStream<Cdr> = client.statistics().cdrs_out().stream();
///     let calls: Vec<Cdr> = calls.try_collect().await?;
///     let mut pages: PageStream<Cdr> = client.statistics().cdrs_out().pages();
///     while let Some(page) = pages.try_next().await? {
///         let page: Page<Cdr> = page;
///         println!("{} calls, {:?} in all", page.items.len(), page.total_items);
///     }
///     println!("{} calls", calls.len());
///
///     match client
///         .ping()
///         .timeout(Duration::from_secs(5))
///         .retry_policy(RetryPolicy::none())
///         .await
///     {
///         Ok(ping) => println!("ping: {:?}", ping.ping),
///         Err(Error::Token(e)) => {
///             let e: &TokenError = &e;
///             eprintln!("no token: {e}");
///         }
///         Err(Error::Config(e)) => {
///             let e: &ConfigError = &e;
///             eprintln!("fix {}: {}", e.field(), e.problem());
///         }
///         Err(e) if e.auth_kind() == Some(&AuthErrorKind::Forbidden) => {
///             eprintln!("not allowed: {e}");
///         }
///         Err(e) => return Err(e),
///     }
///     Ok(())
/// }
///
/// fn provider_is_shared(_: &dyn TokenProvider) {}
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;
