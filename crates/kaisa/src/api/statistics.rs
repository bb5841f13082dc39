//! `statistics/...`: call detail records.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use vendor_core::{paginate, paginate_pages, ItemStream, Page, PageStream, Request, Response};

use crate::models::{Cdr, CdrsEnvelope, KaisaDateTime};
use crate::{Client, Error, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

/// Largest page Kaisa serves, and its default.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Statistics endpoints: `client.statistics()`.
#[derive(Debug, Clone, Copy)]
pub struct Statistics<'a> {
    client: &'a Client,
}

impl<'a> Statistics<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Outgoing call detail records: `GET statistics/cdrs/out`, one page
    /// ([`ListCdrsRequest::send`], or `.await`), all of them
    /// ([`ListCdrsRequest::stream`]) or page by page ([`ListCdrsRequest::pages`]).
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use kaisa::KaisaDateTime;
    ///
    /// let calls: Vec<kaisa::Cdr> = client
    ///     .statistics()
    ///     .cdrs_out()
    ///     .from(KaisaDateTime::date(2024, 3, 1)?)
    ///     .to("2024-03-31 23:59:59".parse::<KaisaDateTime>()?)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// let answered = calls.iter().filter(|c| c.answered == Some(true)).count();
    /// println!("{answered} of {} calls answered", calls.len());
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/360014513858-Developer-API-statistics-cdrs-out>.
    pub fn cdrs_out(&self) -> ListCdrsRequest {
        ListCdrsRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            from: None,
            to: None,
            page: None,
            page_size: None,
            newest_first: None,
            extended: None,
        }
    }
}

/// An outgoing-CDR query being built: see [`Statistics::cdrs_out`]. Send it with
/// `.await`, [`send`](Self::send) or [`send_with_response`](Self::send_with_response)
/// for one page, or read every page with [`stream`](Self::stream) or
/// [`pages`](Self::pages).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited, sent or streamed"]
pub struct ListCdrsRequest {
    client: Client,
    options: CallOptions,
    from: Option<KaisaDateTime>,
    to: Option<KaisaDateTime>,
    page: Option<u32>,
    page_size: Option<u32>,
    newest_first: Option<bool>,
    extended: Option<bool>,
}

/// The query string; `Request::query` leaves out the `None` fields.
#[derive(Serialize)]
struct Query {
    from_date: Option<String>,
    to_date: Option<String>,
    page: Option<u32>,
    pagesize: Option<u32>,
    newest_first: Option<u8>,
    extended: Option<u8>,
}

/// What a query asks for, detached from the client so that a stream can own it.
#[derive(Debug, Clone)]
struct Spec {
    from: Option<KaisaDateTime>,
    to: Option<KaisaDateTime>,
    page_size: Option<u32>,
    newest_first: Option<bool>,
    extended: Option<bool>,
}

impl Spec {
    fn check(&self) -> Result<()> {
        if let Some(size) = self.page_size {
            if !(1..=MAX_PAGE_SIZE).contains(&size) {
                return Err(Error::invalid(
                    "page_size",
                    format!("{size} is outside 1..={MAX_PAGE_SIZE}"),
                ));
            }
        }
        super::check_window(self.from, self.to)?;
        Ok(())
    }

    fn request(&self, page: Option<u32>) -> Request {
        let query = Query {
            from_date: self.from.map(|t| t.to_string()),
            to_date: self.to.map(|t| t.to_string()),
            page,
            pagesize: self.page_size,
            newest_first: self.newest_first.map(u8::from),
            extended: self.extended.map(u8::from),
        };
        Request::get("statistics/cdrs/out")
            .query(&query)
            .operation("kaisa.statistics.cdrs_out")
    }
}

impl ListCdrsRequest {
    call_options!();

    /// Calls from this time on, UTC (`from_date=`).
    pub fn from(mut self, from: impl Into<KaisaDateTime>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Calls up to this time, UTC (`to_date=`).
    pub fn to(mut self, to: impl Into<KaisaDateTime>) -> Self {
        self.to = Some(to.into());
        self
    }

    /// The page to fetch, from 0 (`page=`); for [`stream`](Self::stream), the page to
    /// start at.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Records per page, 1 to 1000 (`pagesize=`; Kaisa's default is 1000).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Newest calls first (`newest_first=1`).
    pub fn newest_first(mut self, newest_first: bool) -> Self {
        self.newest_first = Some(newest_first);
        self
    }

    /// Extended records, with more fields (`extended=1`); the extra fields land in
    /// [`Cdr::extra`].
    pub fn extended(mut self, extended: bool) -> Self {
        self.extended = Some(extended);
        self
    }

    fn spec(&self) -> Spec {
        Spec {
            from: self.from,
            to: self.to,
            page_size: self.page_size,
            newest_first: self.newest_first,
            extended: self.extended,
        }
    }

    fn request(&self) -> Result<Request> {
        let spec = self.spec();
        spec.check()?;
        Ok(spec.request(self.page))
    }

    /// Fetches one page. The `{"cdrs":[...]}` envelope is removed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for a page size outside 1–1000 or
    /// `from` after `to`; otherwise the pipeline's errors ([`Error::Token`],
    /// [`Error::Auth`], [`Error::Api`], [`Error::Decode`], ...).
    pub async fn send(self) -> Result<Vec<Cdr>> {
        let envelope: CdrsEnvelope = self.client.send(self.request()?, &self.options).await?;
        Ok(envelope.cdrs)
    }

    /// Fetches one page, with the answer's status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<Cdr>>> {
        let response: Response<CdrsEnvelope> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|envelope| envelope.cdrs))
    }

    /// Every record, page after page from [`page`](Self::page) (default 0), until a
    /// page comes back shorter than the page size (default 1000, always sent) or
    /// empty. The stream owns a clone of the client, so it may outlive this builder;
    /// the per-call options apply to each page.
    ///
    /// An item is an error when the arguments are invalid (before anything is sent)
    /// or a page fails; the stream then ends.
    pub fn stream(self) -> ItemStream<Cdr> {
        let (first, fetch) = self.fetcher();
        ItemStream::new(paginate(first, fetch))
    }

    /// Every page, as [`stream`](Self::stream) reads them, each with its items and
    /// page size. Kaisa sends no totals, so `total_items` and `total_pages` are
    /// `None`: the last page is the first one shorter than the page size.
    pub fn pages(self) -> PageStream<Cdr> {
        let (first, fetch) = self.fetcher();
        PageStream::new(paginate_pages(first, fetch))
    }

    /// The first page number and a page fetcher owning everything it needs.
    fn fetcher(self) -> (u32, impl FnMut(u32) -> PageFuture + Send + 'static) {
        let mut spec = self.spec();
        let size = spec.page_size.unwrap_or(MAX_PAGE_SIZE);
        spec.page_size = Some(size);
        let (client, options) = (self.client, self.options);
        let fetch = move |page: u32| -> PageFuture {
            let client = client.clone();
            let options = options.clone();
            let checked = spec.check().map(|()| spec.request(Some(page)));
            Box::pin(async move {
                let envelope: CdrsEnvelope = client.send(checked?, &options).await?;
                Ok(Page::new(envelope.cdrs).page_size(Some(u64::from(size))))
            })
        };
        (self.page.unwrap_or(0), fetch)
    }
}

/// One page being fetched, owned.
type PageFuture = Pin<Box<dyn Future<Output = Result<Page<Cdr>>> + Send>>;

into_future!(ListCdrsRequest => Vec<Cdr>);
