//! The request builders the generic calls return: method, path, query, body and
//! per-call options, then `.await` (or one of the `send` forms).

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use serde::de::DeserializeOwned;
use serde::Serialize;
use vendor_core::{check_path, paginate, paginate_pages, ItemStream, Page, PageStream, Request};

use crate::models::ItemPage;
use crate::{Client, Error, Response, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

/// What the `send` forms of every builder do: the checks, the per-call options, then
/// the pipeline.
fn prepared(options: &CallOptions, request: Request) -> Result<Request> {
    check(&request)?;
    Ok(options.apply(request))
}

/// Refuses, before anything is sent, a path that would not stay below the base URL
/// (see [`check_path`]): no `.` or `..` segment (also percent-encoded), no absolute
/// URL; nor an empty path or an empty segment (`stations//prices`, where an empty id
/// was put), which servers collapse into another endpoint. And a subscription key in
/// the query: OKQ8 reads it only from its header (which the client sends); one in the
/// query would not work, and would leak into logs.
fn check(request: &Request) -> Result<()> {
    let path = request.path();
    check_path(path)?;
    let rel = path.trim_start_matches('/');
    if rel.is_empty() {
        return Err(Error::invalid(
            "path",
            "is empty: name the resource, such as `core/v1/stations`".to_owned(),
        ));
    }
    if rel
        .trim_end_matches('/')
        .split(['/', '\\'])
        .any(str::is_empty)
    {
        return Err(Error::invalid("path", "holds an empty segment (`//`): put ids through okq8::path_segment, which refuses empty ones".to_owned()));
    }
    let in_query = request.query_string().is_some_and(|q| {
        q.split('&').any(|pair| {
            pair.split('=')
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("subscription-key"))
        })
    });
    if in_query {
        return Err(Error::invalid("query", "OKQ8 reads the subscription key only from the Ocp-Apim-Subscription-Key header, which this client sends: remove `subscription-key` from the query".to_owned()));
    }
    Ok(())
}

/// A request builder of the generic calls: the struct, its `Debug`, the setters
/// every one has, the `send` forms and `IntoFuture`.
macro_rules! generic_request {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Owns a clone of the client (`Send + 'static`: it can be moved into a
        /// task). Per-call options: [`timeout`](Self::timeout) and
        /// [`retry_policy`](Self::retry_policy).
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct $name<T = serde_json::Value> {
            client: Client,
            request: Request,
            options: CallOptions,
            output: PhantomData<fn() -> T>,
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("method", self.request.method())
                    .field("path", &self.request.path())
                    .field("query", &self.request.query_string())
                    .field("options", &self.options)
                    .finish_non_exhaustive()
            }
        }

        impl<T> $name<T> {
            pub(crate) fn new(client: Client, request: Request) -> Self {
                Self {
                    client,
                    request,
                    options: CallOptions::default(),
                    output: PhantomData,
                }
            }

            /// Adds query parameters from any `Serialize` value (a struct, a slice of
            /// pairs); `None` fields are left out. Several calls add up.
            pub fn query(mut self, query: &(impl Serialize + ?Sized)) -> Self {
                self.request = self.request.query(query);
                self
            }

            /// Declares the role or scope the endpoint needs (an access level such as
            /// `get`), so that a 401/403 caused by a token lacking it names it.
            pub fn require_role(mut self, role: impl Into<Cow<'static, str>>) -> Self {
                self.request = self.request.require_role(role);
                self
            }

            /// Names the call in traces (default `okq8.<method>`).
            pub fn operation(mut self, name: &'static str) -> Self {
                self.request = self.request.operation(name);
                self
            }

            call_options!();

            /// The call as described so far (per-call options are applied when sent).
            pub fn as_request(&self) -> &Request {
                &self.request
            }

            /// Sends the call and ignores the answer's body (a 204, say).
            ///
            /// # Errors
            ///
            /// See [`Client::get`]; the body is not decoded.
            pub async fn send_empty(self) -> Result<()> {
                let request = prepared(&self.options, self.request)?;
                self.client.core.api().send_empty(request).await
            }

            /// Sends the call and returns the answer's body undecoded.
            ///
            /// # Errors
            ///
            /// See [`Client::get`]; the body is not decoded.
            pub async fn send_bytes(self) -> Result<Vec<u8>> {
                let request = prepared(&self.options, self.request)?;
                Ok(self.client.core.api().send_bytes(request).await?.to_vec())
            }
        }

        impl<T: DeserializeOwned> $name<T> {
            /// Sends the call and decodes the JSON answer into `T` (`()` accepts an
            /// empty answer, `serde_json::Value` any JSON). Awaiting the builder does
            /// the same.
            ///
            /// # Errors
            ///
            /// See [`Client::get`].
            pub async fn send(self) -> Result<T> {
                let request = prepared(&self.options, self.request)?;
                self.client.core.api().send(request).await
            }

            /// As [`send`](Self::send), with the answer's status, headers and request
            /// id (`request_id()`, from `x-ms-request-id` or `request-id`: quote it
            /// in a support ticket).
            ///
            /// # Errors
            ///
            /// See [`Client::get`].
            pub async fn send_with_response(self) -> Result<Response<T>> {
                let request = prepared(&self.options, self.request)?;
                self.client.core.api().send_with_response(request).await
            }
        }

        into_future!(generic $name<T> => T);
    };
}

generic_request!(
    /// `GET path`, from [`Client::get`] or [`Client::get_json`]: decodes the answer
    /// into `T`.
    GetRequest
);

generic_request!(
    /// `POST path` with a JSON body, from [`Client::post`]: decodes the answer into
    /// `T`. Not retried after a failure that may have reached the server (POST is not
    /// idempotent); 429 and 503 are.
    PostRequest
);

generic_request!(
    /// `PUT path` with a JSON body, from [`Client::put`]: decodes the answer into `T`
    /// (`()` for an empty one).
    PutRequest
);

generic_request!(
    /// `DELETE path`, from [`Client::delete`]: decodes the answer into `T` (`()` for
    /// an empty one).
    DeleteRequest
);

generic_request!(
    /// A call with any method, from [`Client::request`]: adds
    /// [`json`](Self::json) and [`form`](Self::form) bodies; decodes the answer into
    /// `T`. For [`send_empty`](Self::send_empty) or [`send_bytes`](Self::send_bytes),
    /// which decode nothing, name any `T`: `client.request::<()>(..)`.
    CallRequest
);

impl<T> CallRequest<T> {
    /// Sends `body` as JSON.
    pub fn json(mut self, body: &(impl Serialize + ?Sized)) -> Self {
        self.request = self.request.json(body);
        self
    }

    /// Sends `body` url-encoded (`application/x-www-form-urlencoded`).
    pub fn form(mut self, body: &(impl Serialize + ?Sized)) -> Self {
        self.request = self.request.form(body);
        self
    }
}

/// Every item of a paged list shaped `{"items": [...], "page": N, "totalPages": M}`
/// (see [`ItemPage`]), from [`Client::paged`]: [`stream`](Self::stream) yields the
/// items of every page, [`pages`](Self::pages) the pages with their totals, and
/// awaiting (or [`send`](Self::send)) fetches one page ([`page`](Self::page), default
/// the first).
///
/// Owns a clone of the client (`Send + 'static`). Per-call options
/// ([`timeout`](Self::timeout), [`retry_policy`](Self::retry_policy)) apply to each
/// page's call.
#[must_use = "a request does nothing until it is awaited, sent or streamed"]
pub struct ListItemsRequest<T = serde_json::Value> {
    client: Client,
    request: Request,
    page: u32,
    options: CallOptions,
    output: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ListItemsRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListItemsRequest")
            .field("path", &self.request.path())
            .field("query", &self.request.query_string())
            .field("page", &self.page)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T> ListItemsRequest<T> {
    pub(crate) fn new(client: Client, request: Request) -> Self {
        Self {
            client,
            request,
            page: 1,
            options: CallOptions::default(),
            output: PhantomData,
        }
    }

    /// Adds query parameters from any `Serialize` value (a struct, a slice of pairs)
    /// to every page's call; `None` fields are left out. Several calls add up. The
    /// client adds `page` itself.
    pub fn query(mut self, query: &(impl Serialize + ?Sized)) -> Self {
        self.request = self.request.query(query);
        self
    }

    /// Declares the role or scope the list needs (an access level such as `get`).
    pub fn require_role(mut self, role: impl Into<Cow<'static, str>>) -> Self {
        self.request = self.request.require_role(role);
        self
    }

    /// Names the calls in traces (default `okq8.paged`).
    pub fn operation(mut self, name: &'static str) -> Self {
        self.request = self.request.operation(name);
        self
    }

    /// The page [`send`](Self::send) fetches, from 1 (default 1); for
    /// [`stream`](Self::stream) and [`pages`](Self::pages), the page to start at.
    pub fn page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    call_options!();

    /// The call of one page, before `page` and the per-call options are added.
    pub fn as_request(&self) -> &Request {
        &self.request
    }
}

impl<T: DeserializeOwned + Send + 'static> ListItemsRequest<T> {
    /// Fetches one page ([`page`](Self::page)).
    ///
    /// # Errors
    ///
    /// See [`Client::get`].
    pub async fn send(self) -> Result<ItemPage<T>> {
        fetch(&self.client, &self.options, &self.request, self.page).await
    }

    /// As [`send`](Self::send), with the answer's status, headers and request id.
    ///
    /// # Errors
    ///
    /// See [`Client::get`].
    pub async fn send_with_response(self) -> Result<Response<ItemPage<T>>> {
        let request = page_request(&self.options, &self.request, self.page)?;
        self.client.core.api().send_with_response(request).await
    }

    /// Every item of every page: from [`page`](Self::page) (default `page=1`), then
    /// the next and so on, until `totalPages`, the total item count or an empty page.
    ///
    /// # Errors
    ///
    /// The stream yields the first error of any page (see [`Client::get`]) and
    /// ends there.
    pub fn stream(self) -> ItemStream<T> {
        let (first, fetch) = self.fetcher();
        ItemStream::new(paginate(first, fetch))
    }

    /// Every page, from [`page`](Self::page) (default 1), with `total_pages` and
    /// `total_items` as the API sends them (the whole list's, whichever page the
    /// stream starts at).
    ///
    /// # Errors
    ///
    /// As [`stream`](Self::stream).
    pub fn pages(self) -> PageStream<T> {
        let (first, fetch) = self.fetcher();
        PageStream::new(WholeListTotals {
            inner: PageStream::new(paginate_pages(first, fetch)),
            skipped: u64::from(first.saturating_sub(1)),
        })
    }

    /// The first page and "fetch page n" over owned clones of the client, call and
    /// options.
    #[allow(clippy::type_complexity)]
    fn fetcher(
        self,
    ) -> (
        u32,
        impl FnMut(u32) -> Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>> + Send + 'static,
    ) {
        let Self {
            client,
            request,
            options,
            page: first,
            ..
        } = self;
        // Pages before `first` are not read: the stop rule counts only those from it
        // on (the total of items may stay: the items read never reach it early).
        let skipped = u64::from(first.saturating_sub(1));
        let fetch_page = move |n: u32| {
            let (client, options, request) = (client.clone(), options.clone(), request.clone());
            let fut: Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>> = Box::pin(async move {
                let page = fetch(&client, &options, &request, n).await?;
                let remaining = page.total_pages.map(|t| t.saturating_sub(skipped));
                Ok(into_page(page).total_pages(remaining))
            });
            fut
        };
        (first, fetch_page)
    }
}

into_future!(generic ListItemsRequest<T> => ItemPage<T>);

/// The pages of a stream that started after page 1, with `total_pages` back to the
/// whole list's count: the fetcher counts pages from the first one read, for the
/// stop rule.
struct WholeListTotals<T> {
    inner: PageStream<T>,
    skipped: u64,
}

impl<T> Stream for WholeListTotals<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let skipped = self.skipped;
        Pin::new(&mut self.inner).poll_next(cx).map(|next| {
            next.map(|page| {
                page.map(|mut page| {
                    page.total_pages = page.total_pages.map(|t| t.saturating_add(skipped));
                    page
                })
            })
        })
    }
}

/// The call of page `n`, checked, with the per-call options.
fn page_request(options: &CallOptions, request: &Request, n: u32) -> Result<Request> {
    prepared(options, request.clone().query(&[("page", n)]))
}

/// Fetches page `n`.
async fn fetch<T: DeserializeOwned>(
    client: &Client,
    options: &CallOptions,
    request: &Request,
    n: u32,
) -> Result<ItemPage<T>> {
    let request = page_request(options, request, n)?;
    client.core.api().send(request).await
}

/// The OKQ8 page as a pipeline page: items and totals.
fn into_page<T>(page: ItemPage<T>) -> Page<T> {
    Page::new(page.items)
        .total_pages(page.total_pages)
        .total_items(page.total_items)
}
