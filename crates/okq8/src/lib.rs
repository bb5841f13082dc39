#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api;
mod client;
mod level;
pub mod models;

pub use api::{CallRequest, DeleteRequest, GetRequest, ListItemsRequest, PostRequest, PutRequest};
pub use client::{AuthMode, Client, ClientBuilder, DEFAULT_TENANT};
/// HTTP methods, for [`Client::request`].
pub use http::Method;
pub use level::AccessLevel;
pub use models::ItemPage;
/// What an application needs, re-exported so that it depends on this crate alone:
///
/// ```no_run
/// use okq8::{
///     AccessToken, AuthErrorKind, Claims, Client, ConfigError, Error, ItemStream,
///     MemoryTokenCache, Page, PageStream, Response, Result, RetryPolicy, Timeouts,
///     TokenCache, TokenError, TokenProvider,
/// };
/// use std::sync::Arc;
///
/// fn check(_: &dyn TokenProvider, _: Option<&ConfigError>, _: Option<&TokenError>) {}
///
/// async fn demo() -> Result<()> {
///     let cache: Arc<dyn TokenCache> = Arc::new(MemoryTokenCache::new());
///     let client = Client::builder()
///         .client_credentials("client-id", "client-secret")
///         .scope("api://apim-core-api/.default")
///         .base_url("https://api.okq8.example/")
///         .subscription_key("apim-subscription-key")
///         .retry_policy(RetryPolicy::default())
///         .timeouts(Timeouts::default())
///         .token_cache(cache)
///         .build()?;
///     let token: AccessToken = client.token().await?;
///     let _claims: Option<&Claims> = token.claims();
///     let answer: Response<serde_json::Value> =
///         client.get_json("public/v1/prices").send_with_response().await?;
///     println!("request id {:?}", answer.request_id());
///     let _items: ItemStream<serde_json::Value> = client.paged("core/v1/stations").stream();
///     let _pages: PageStream<serde_json::Value> = client.paged("core/v1/stations").pages();
///     let _page: Page<u32> = Page::new(vec![1, 2]);
///     match client.get_json("core/v1/stations").await {
///         Err(Error::Auth(e)) if e.kind() == &AuthErrorKind::SubscriptionKeyInvalid => {}
///         other => drop(other),
///     }
///     Ok(())
/// }
/// ```
pub use oauth_core::{
    AccessToken, Claims, ConfigError, MemoryTokenCache, RetryPolicy, Timeouts, TokenCache,
    TokenError, TokenProvider,
};
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
/// A decoded answer with its status, headers and request id, from `send_with_response`.
pub use vendor_core::Response;
/// Paged lists: the item and page streams of [`ListItemsRequest`], and one page.
pub use vendor_core::{ItemStream, Page, PageStream};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
