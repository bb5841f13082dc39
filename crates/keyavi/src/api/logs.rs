//! `logs/...`: audit logs.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use vendor_core::{paginate, paginate_pages, ItemStream, Page, PageStream, Request, Response};

use crate::models::{
    ActionAttempted, FullPayloadLog, LocalTimestamp, LogPage, LogResult, LogSort, PayloadLog,
};
use crate::{Client, Error, Result};
use vendor_core::call_options;
use vendor_core::kit::CallOptions;

/// The application role the local sandbox requires for reading logs (ours: Keyavi does
/// not publish role names). Only used to explain a 401 or 403.
const LOGS_ROLE: &str = "Logs.Read";

/// Audit log endpoints: `client.logs()`.
#[derive(Debug, Clone)]
pub struct Logs {
    client: Client,
}

/// `GET logs/payload`: see [`Logs::payload`].
pub type ListPayloadLogsRequest = ListLogsRequest<PayloadLog>;

/// `GET logs/full-payload`: see [`Logs::full_payload`].
pub type ListFullPayloadLogsRequest = ListLogsRequest<FullPayloadLog>;

impl Logs {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// Payload audit records without personal data: `GET logs/payload`.
    ///
    /// ```no_run
    /// # async fn demo(client: keyavi::Client) -> keyavi::Result<()> {
    /// use keyavi::{ActionAttempted, LogResult};
    ///
    /// let page = client
    ///     .logs()
    ///     .payload()
    ///     .action_attempted(ActionAttempted::Decrypt)
    ///     .result(LogResult::AccessDenied)
    ///     .page(2)
    ///     .await?;
    /// for record in &page.data {
    ///     println!("{:?} {:?}", record.payload_name, record.log_timestamp);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://docs.keyavi.com/API-docs/api-reference.htm>,
    /// <https://docs.keyavi.com/API-docs/filtering-sorting.htm>.
    pub fn payload(&self) -> ListPayloadLogsRequest {
        ListLogsRequest::new(self.client.clone(), Kind::Payload)
    }

    /// Payload audit records with personal data (names, email addresses, network):
    /// `GET logs/full-payload`.
    ///
    /// ```no_run
    /// # async fn demo(client: keyavi::Client) -> keyavi::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use keyavi::LogResult;
    ///
    /// let denied: Vec<_> = client
    ///     .logs()
    ///     .full_payload()
    ///     .result(LogResult::AccessDenied)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// for record in denied {
    ///     println!("{:?} was refused {:?}", record.user_email_address, record.payload_name);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://docs.keyavi.com/API-docs/api-reference.htm>,
    /// <https://docs.keyavi.com/API-docs/filtering-sorting.htm>.
    pub fn full_payload(&self) -> ListFullPayloadLogsRequest {
        ListLogsRequest::new(self.client.clone(), Kind::FullPayload)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Payload,
    FullPayload,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Payload => "logs/payload",
            Kind::FullPayload => "logs/full-payload",
        }
    }

    fn operation(self) -> &'static str {
        match self {
            Kind::Payload => "keyavi.logs.payload",
            Kind::FullPayload => "keyavi.logs.full_payload",
        }
    }
}

/// An audit log request being built: see [`Logs::payload`]
/// ([`ListPayloadLogsRequest`]) and [`Logs::full_payload`]
/// ([`ListFullPayloadLogsRequest`]).
///
/// Send one page with [`send`](Self::send) (or `.await`), read every record with
/// [`stream`](Self::stream), or every page with its totals with
/// [`pages`](Self::pages).
#[must_use = "a request does nothing until it is sent (`.send()`, `.await`) or streamed"]
pub struct ListLogsRequest<T> {
    client: Client,
    kind: Kind,
    filters: Filters,
    page: Option<u32>,
    options: CallOptions,
    records: PhantomData<fn() -> T>,
}

/// The query parameters of a log request other than the page.
#[derive(Debug, Clone, Default)]
struct Filters {
    action_attempted: Option<ActionAttempted>,
    result: Option<LogResult>,
    page_size: Option<u32>,
    start_time: Option<LocalTimestamp>,
    end_time: Option<LocalTimestamp>,
    sort: Option<LogSort>,
    /// Parameters this crate does not type, in the order given.
    params: Vec<(String, String)>,
}

/// The parameters the typed setters own; [`ListLogsRequest::param`] refuses them.
const TYPED: [&str; 7] = [
    "actionAttempted",
    "result",
    "page",
    "pageSize",
    "startTime",
    "endTime",
    "sort",
];

/// The largest page size asked for (ours: Keyavi's own log export asks for 1000 per
/// page; the reference publishes no maximum).
pub const MAX_PAGE_SIZE: u32 = 1000;

impl<T> Clone for ListLogsRequest<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            kind: self.kind,
            filters: self.filters.clone(),
            page: self.page,
            options: self.options.clone(),
            records: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ListLogsRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListLogsRequest")
            .field("path", &self.kind.path())
            .field("filters", &self.filters)
            .field("page", &self.page)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The query string; `Request::query` leaves out the `None` fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Query<'q> {
    action_attempted: Option<&'q str>,
    result: Option<&'q str>,
    page: Option<u32>,
    page_size: Option<u32>,
    start_time: Option<&'q str>,
    end_time: Option<&'q str>,
    sort: Option<String>,
}

/// What a request asks for, detached from the client so that a stream can own it.
#[derive(Clone)]
struct Spec {
    kind: Kind,
    role: &'static str,
    filters: Filters,
    options: CallOptions,
}

impl Spec {
    fn request(&self, page: Option<u32>) -> Result<Request> {
        if page == Some(0) {
            return Err(Error::invalid(
                "page",
                "Keyavi numbers pages from 1".to_owned(),
            ));
        }
        let f = &self.filters;
        match f.page_size {
            Some(size) if size == 0 || size > MAX_PAGE_SIZE => {
                return Err(Error::invalid(
                    "page_size",
                    format!("must be between 1 and {MAX_PAGE_SIZE}"),
                ));
            }
            _ => {}
        }
        if let (Some(start), Some(end)) = (&f.start_time, &f.end_time) {
            if start > end {
                return Err(Error::invalid(
                    "end_time",
                    format!("{end} is before the start time {start}"),
                ));
            }
        }
        if let Some((key, _)) = f
            .params
            .iter()
            .find(|(k, _)| k.trim().is_empty() || TYPED.contains(&k.as_str()))
        {
            return Err(Error::invalid(
                "param",
                format!("`{key}` is empty or set by a typed setter of this request"),
            ));
        }
        let query = Query {
            action_attempted: f.action_attempted.as_ref().map(ActionAttempted::as_str),
            result: f.result.as_ref().map(LogResult::as_str),
            page,
            page_size: f.page_size,
            start_time: f.start_time.as_ref().map(LocalTimestamp::as_str),
            end_time: f.end_time.as_ref().map(LocalTimestamp::as_str),
            sort: f.sort.as_ref().map(LogSort::to_string),
        };
        let request = Request::get(self.kind.path())
            .query(&query)
            .query(&f.params)
            .require_role(self.role)
            .operation(self.kind.operation());
        Ok(self.options.apply(request))
    }
}

impl<T> ListLogsRequest<T> {
    fn new(client: Client, kind: Kind) -> Self {
        Self {
            client,
            kind,
            filters: Filters::default(),
            page: None,
            options: CallOptions::default(),
            records: PhantomData,
        }
    }

    /// Only records of this action (`actionAttempted=`).
    pub fn action_attempted(mut self, action: impl Into<ActionAttempted>) -> Self {
        self.filters.action_attempted = Some(action.into());
        self
    }

    /// Only records with this outcome (`result=`).
    pub fn result(mut self, result: impl Into<LogResult>) -> Self {
        self.filters.result = Some(result.into());
        self
    }

    /// Records per page (`pageSize=`), 1 to [`MAX_PAGE_SIZE`]; the server's default
    /// otherwise (100 in Keyavi's example). Checked when sent.
    pub fn page_size(mut self, size: u32) -> Self {
        self.filters.page_size = Some(size);
        self
    }

    /// Only records logged at or after this instant (`startTime=`), sent as Keyavi
    /// writes its timestamps (UTC, no offset: `2023-05-05T15:54:22.5071276`); build
    /// one from a `SystemTime` or an `OffsetDateTime` with
    /// [`LocalTimestamp::try_from`].
    pub fn start_time(mut self, start: LocalTimestamp) -> Self {
        self.filters.start_time = Some(start);
        self
    }

    /// Only records logged up to this instant (`endTime=`), written as
    /// [`start_time`](Self::start_time) is; not before the start time (checked when
    /// sent).
    pub fn end_time(mut self, end: LocalTimestamp) -> Self {
        self.filters.end_time = Some(end);
        self
    }

    /// The order of the records (`sort=`), such as
    /// [`LogSort::oldest_first`] (`+LogTimestamp`, what Keyavi's own log export asks
    /// for) or [`LogSort::newest_first`].
    pub fn sort(mut self, sort: LogSort) -> Self {
        self.filters.sort = Some(sort);
        self
    }

    /// Any other query parameter, for those Keyavi documents after this crate was
    /// written; sent as given, after the typed ones. A name a typed setter owns
    /// (`page`, `pageSize`, `actionAttempted`, `result`, `startTime`, `endTime`,
    /// `sort`) or an empty name is refused when sent.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.filters.params.push((name.into(), value.into()));
        self
    }

    /// The page to fetch, from 1 (`page=`); for [`stream`](Self::stream) and
    /// [`pages`](Self::pages), the page to start at.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    call_options!();

    fn spec(&self) -> Spec {
        Spec {
            kind: self.kind,
            role: self.client.role(LOGS_ROLE),
            filters: self.filters.clone(),
            options: self.options.clone(),
        }
    }
}

impl<T> ListLogsRequest<T>
where
    T: DeserializeOwned + Send + 'static,
{
    /// Fetches one page ([`page`](Self::page), by default the API's first).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for page 0, a page size out of range, an end time
    /// before the start time or a refused [`param`](Self::param), before sending;
    /// otherwise the pipeline's
    /// errors ([`Error::Auth`], [`Error::Api`], [`Error::Decode`], ...).
    pub async fn send(self) -> Result<LogPage<T>> {
        let request = self.spec().request(self.page)?;
        self.client.send(request).await
    }

    /// Fetches one page as [`send`](Self::send) does, with the answer's status,
    /// headers and request id (quote it in a support ticket).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<LogPage<T>>> {
        let request = self.spec().request(self.page)?;
        self.client.send_with_response(request).await
    }

    /// Every record, page after page from [`page`](Self::page) (default 1), until the
    /// pages announced by `totalRecords` and `pageSize` are read, or a page comes back
    /// short or empty. The stream owns a clone of the client, so it may outlive this
    /// builder; the per-call options apply to every page.
    ///
    /// # Errors
    ///
    /// An item is an error when a page fails (the stream then ends), as for
    /// [`send`](Self::send).
    pub fn stream(self) -> ItemStream<T> {
        let (first, fetch) = self.fetcher();
        ItemStream::new(paginate(first, fetch))
    }

    /// Every page, from [`page`](Self::page) (default 1), with the totals the API
    /// announced: [`Page::total_items`](vendor_core::Page) is `totalRecords`, and
    /// `total_pages` the number of pages of the whole list (counted from page 1,
    /// whichever page the stream starts at). Stops as [`stream`](Self::stream) does.
    ///
    /// # Errors
    ///
    /// An item is an error when a page fails (the stream then ends).
    pub fn pages(self) -> PageStream<T> {
        let (first, fetch) = self.fetcher();
        PageStream::new(paginate_pages(first, fetch).map(|page| {
            page.map(|mut page| {
                // The fetcher counts pages from the first one read, for the stop
                // rule; the caller sees the whole list's count.
                page.total_pages = match (page.total_items, page.page_size) {
                    (Some(total), Some(size)) if size > 0 => Some(total.div_ceil(size)),
                    _ => None,
                };
                page
            })
        }))
    }

    /// The first page and "fetch page n" over an owned client clone.
    #[allow(clippy::type_complexity)]
    fn fetcher(
        self,
    ) -> (
        u32,
        impl FnMut(u32) -> Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>> + Send + 'static,
    ) {
        let client = self.client.clone();
        let spec = self.spec();
        let first = self.page.unwrap_or(1);
        let fetch = move |page: u32| {
            let client = client.clone();
            let request = spec.request(Some(page));
            let fut: Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>> = Box::pin(async move {
                let answer: LogPage<T> = client.send(request?).await?;
                // Pages before `first` are not read: the stop rule counts only
                // those from it on (the total of records may stay: the records
                // read never reach it early).
                let skipped = u64::from(first.saturating_sub(1));
                let remaining_pages = answer
                    .pagination
                    .total_pages()
                    .map(|t| t.saturating_sub(skipped));
                Ok(Page::new(answer.data)
                    .total_pages(remaining_pages)
                    .total_items(answer.pagination.total_records)
                    .page_size(answer.pagination.page_size))
            });
            fut
        };
        (first, fetch)
    }
}

impl<T> IntoFuture for ListLogsRequest<T>
where
    T: DeserializeOwned + Send + 'static,
{
    type Output = Result<LogPage<T>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<LogPage<T>>> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
