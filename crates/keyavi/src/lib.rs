#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
mod caller_id;
mod client;
pub mod models;

pub use api::{
    ListFullPayloadLogsRequest, ListLogsRequest, ListPayloadLogsRequest, Logs, Payloads,
    ProtectRemoteRequest, MAX_PAGE_SIZE,
};
pub use caller_id::CallerId;
pub use client::{AuthMode, Client, ClientBuilder, CALLER_ID_HEADER};
pub use models::{
    ActionAttempted, FullPayloadLog, LocalTimestamp, LogPage, LogResult, LogSort, LogSortField,
    Pagination, ParseTimestampError, PayloadId, PayloadLog, PolicyId, ProtectedPayload, UserId,
    UserNetwork,
};
/// The token engine's types, so that an application depends on this crate alone.
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// use keyavi::{
///     AccessToken, AuthErrorKind, Claims, Client, ConfigError, Error, ItemStream,
///     MemoryTokenCache, Page, PageStream, PayloadLog, Response, Result, RetryPolicy,
///     TokenCache, TokenError, TokenProvider, Timeouts,
/// };
///
/// fn settings() -> std::result::Result<Client, ConfigError> {
///     let cache: Arc<dyn TokenCache> = Arc::new(MemoryTokenCache::default());
///     let built: Result<Client> = Client::from_env().map(|client| client);
///     let _ = built;
///     Client::builder()
///         .user("client-id", "jane@contoso.example", "password")
///         .tenant("contoso.onmicrosoft.com")
///         .base_url("https://keyavi.example.com/api/")
///         .subscription_key("apim-key")
///         .retry_policy(RetryPolicy::default())
///         .timeouts(Timeouts::default())
///         .token_cache(cache)
///         .build()
///         .map_err(|e| match e {
///             Error::Config(config) => config,
///             other => ConfigError::new("client", other.to_string()),
///         })
/// }
///
/// async fn diagnose(client: &Client) -> Result<()> {
///     let token: AccessToken = client.token().await?;
///     let claims: Option<&Claims> = token.claims();
///     println!("roles: {:?}", claims.map(|c| &c.roles));
///     let answer: Response<keyavi::LogPage<PayloadLog>> = client
///         .logs()
///         .payload()
///         .timeout(Duration::from_secs(10))
///         .retry_policy(RetryPolicy::none())
///         .send_with_response()
///         .await?;
///     println!("request id: {:?}", answer.request_id());
///     let _records: ItemStream<PayloadLog> = client.logs().payload().stream();
///     let _pages: PageStream<PayloadLog> = client.logs().payload().pages();
///     let _page: Option<Page<PayloadLog>> = None;
///     Ok(())
/// }
///
/// fn explain(error: &Error) {
///     match error.auth_kind() {
///         Some(AuthErrorKind::SubscriptionKeyMissing) => eprintln!("set KEYAVI_SUBSCRIPTION_KEY"),
///         Some(kind) => eprintln!("refused: {kind:?}"),
///         None => {
///             if let Error::Token(token_error) = error {
///                 let token_error: &TokenError = token_error;
///                 eprintln!("no token: {token_error}");
///             }
///         }
///     }
/// }
///
/// fn provider(_: &dyn TokenProvider) {}
/// ```
pub use oauth_core::{
    AccessToken, Claims, ConfigError, MemoryTokenCache, RetryPolicy, Timeouts, TokenCache,
    TokenError, TokenProvider,
};
/// The `time` crate, whose types the date-time models convert to and from.
pub use time;
/// Every failure of this crate: configuration, token, HTTP status, decoding, network.
pub use vendor_core::Error;
pub use vendor_core::{AuthErrorKind, ItemStream, Page, PageStream, Response};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
