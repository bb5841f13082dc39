//! `sources`: tracking numbers: listing (paged), creating, and the service status.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use vendor_core::{paginate, paginate_pages, ItemStream, Page, PageStream, Request, Response};

use crate::api::MAX_PAGE_SIZE;
use crate::models::{
    CustomerId, NewSource, OneSource, Source, SourceId, SourceServiceStatus, SourceStatus,
    SourcesEnvelope, StatusesEnvelope,
};
use crate::{Client, Error, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

/// Source endpoints: `client.sources()`.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    client: &'a Client,
}

impl<'a> Sources<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists sources (tracking numbers): `GET sources`, with optional filters; one
    /// page ([`ListSourcesRequest::send`], or `.await`), every page
    /// ([`ListSourcesRequest::stream`]) or page by page ([`ListSourcesRequest::pages`]).
    /// The `{"sources":[...]}` envelope is removed.
    ///
    /// Kaisa pages this resource as it pages `statistics/cdrs/out` ("see the note on
    /// paging"): `page` from 0, `pagesize` at most 1000.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use kaisa::SourceStatus;
    ///
    /// let active: Vec<kaisa::Source> = client
    ///     .sources()
    ///     .list()
    ///     .customer_id("407382")
    ///     .status(SourceStatus::Active)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// for source in active {
    ///     println!("{} {:?} -> {:?}", source.source_id, source.phonenr, source.destnr);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201158642-Developer-API-sources>.
    pub fn list(&self) -> ListSourcesRequest {
        ListSourcesRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            spec: Spec::default(),
            page: None,
        }
    }

    /// Creates a source (allocates a tracking number): `POST sources` with
    /// url-encoded parameters; the answer is `{"sources":[<created>]}`. Without an
    /// activation date the source is active at once.
    ///
    /// A POST is not idempotent: the client does not retry it after a 5xx or a dropped
    /// connection.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use kaisa::NewSource;
    ///
    /// let source = client
    ///     .sources()
    ///     .create(NewSource::new("407382", "AdWords").media("Google.com").phonenr("0890510"))
    ///     .await?;
    /// println!("{} calls go to {:?}", source.source_id, source.phonenr);
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201298061-Kaisa-API-Getting-started>,
    /// <https://support.kaisa.io/hc/en-us/articles/201158642-Developer-API-sources>.
    pub fn create(&self, source: NewSource) -> CreateSourceRequest {
        CreateSourceRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            source,
        }
    }

    /// The service status of sources: `GET sources/statuses`. Only sources with a
    /// problem are listed (`service` is usually `OOS`, out of service); an empty list
    /// means none has one.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// for status in client.sources().statuses().customer_id("407382").await? {
    ///     println!("{} is {:?}", status.source_id, status.service);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201309701-Developer-API-sources-statuses>.
    pub fn statuses(&self) -> ListSourceStatusesRequest {
        ListSourceStatusesRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            source_id: None,
            customer_id: None,
            custnr: None,
        }
    }
}

/// What a listing asks for, detached from the client so that a stream can own it.
#[derive(Debug, Clone, Default)]
struct Spec {
    source_id: Option<SourceId>,
    customer_id: Option<CustomerId>,
    custnr: Option<String>,
    destnr: Option<String>,
    campaign_id: Option<String>,
    status: Option<SourceStatus>,
    class: Option<String>,
    page_size: Option<u32>,
}

/// The query string; `Request::query` leaves out the `None` fields.
#[derive(Serialize)]
struct Query<'q> {
    source_id: Option<&'q str>,
    customer_id: Option<&'q str>,
    custnr: Option<&'q str>,
    destnr: Option<&'q str>,
    campaign_id: Option<&'q str>,
    status: Option<&'q str>,
    class: Option<&'q str>,
    page: Option<u32>,
    pagesize: Option<u32>,
}

impl Spec {
    fn check(&self) -> Result<()> {
        match self.page_size {
            Some(size) if !(1..=MAX_PAGE_SIZE).contains(&size) => Err(Error::invalid(
                "page_size",
                format!("{size} is outside 1..={MAX_PAGE_SIZE}"),
            )),
            _ => Ok(()),
        }
    }

    fn request(&self, page: Option<u32>) -> Request {
        let query = Query {
            source_id: self.source_id.as_ref().map(SourceId::as_str),
            customer_id: self.customer_id.as_ref().map(CustomerId::as_str),
            custnr: self.custnr.as_deref(),
            destnr: self.destnr.as_deref(),
            campaign_id: self.campaign_id.as_deref(),
            status: self.status.as_ref().map(SourceStatus::as_str),
            class: self.class.as_deref(),
            page,
            pagesize: self.page_size,
        };
        Request::get("sources")
            .query(&query)
            .operation("kaisa.sources.list")
    }
}

/// A source listing being built: see [`Sources::list`]. Send it with `.await`,
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response) for one
/// page, or read every page with [`stream`](Self::stream) or [`pages`](Self::pages).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited, sent or streamed"]
pub struct ListSourcesRequest {
    client: Client,
    options: CallOptions,
    spec: Spec,
    page: Option<u32>,
}

impl ListSourcesRequest {
    call_options!();

    /// Only this source (`source_id=`).
    pub fn source_id(mut self, source_id: impl Into<SourceId>) -> Self {
        self.spec.source_id = Some(source_id.into());
        self
    }

    /// Only sources of this customer (`customer_id=`).
    pub fn customer_id(mut self, customer_id: impl Into<CustomerId>) -> Self {
        self.spec.customer_id = Some(customer_id.into());
        self
    }

    /// Only sources of the customer with this customer number (`custnr=`).
    pub fn custnr(mut self, custnr: impl Into<String>) -> Self {
        self.spec.custnr = Some(custnr.into());
        self
    }

    /// Only sources forwarding to this number (`destnr=`).
    pub fn destnr(mut self, destnr: impl Into<String>) -> Self {
        self.spec.destnr = Some(destnr.into());
        self
    }

    /// Only sources of this campaign (`campaign_id=`).
    pub fn campaign_id(mut self, campaign_id: impl Into<String>) -> Self {
        self.spec.campaign_id = Some(campaign_id.into());
        self
    }

    /// Only sources in this state (`status=`).
    pub fn status(mut self, status: impl Into<SourceStatus>) -> Self {
        self.spec.status = Some(status.into());
        self
    }

    /// Only sources of this class (`class=`).
    pub fn class(mut self, class: impl Into<String>) -> Self {
        self.spec.class = Some(class.into());
        self
    }

    /// The page to fetch, from 0 (`page=`); for [`stream`](Self::stream), the page to
    /// start at.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Sources per page, 1 to 1000 (`pagesize=`; Kaisa's default is 1000).
    pub fn page_size(mut self, size: u32) -> Self {
        self.spec.page_size = Some(size);
        self
    }

    fn request(&self) -> Result<Request> {
        self.spec.check()?;
        Ok(self.spec.request(self.page))
    }

    /// Fetches one page (all sources when neither [`page`](Self::page) nor
    /// [`page_size`](Self::page_size) is set and Kaisa holds at most 1000).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for a page size outside 1–1000;
    /// otherwise the pipeline's errors ([`Error::Token`], [`Error::Auth`],
    /// [`Error::Api`], [`Error::Decode`], ...).
    pub async fn send(self) -> Result<Vec<Source>> {
        let envelope: SourcesEnvelope = self.client.send(self.request()?, &self.options).await?;
        Ok(envelope.sources)
    }

    /// Fetches one page; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<Source>>> {
        let response: Response<SourcesEnvelope> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|envelope| envelope.sources))
    }

    /// Every source, page after page from [`page`](Self::page) (default 0), until a
    /// page comes back shorter than the page size (default 1000, always sent) or
    /// empty. The stream owns a clone of the client; the per-call options apply to
    /// each page. An invalid page size is the stream's first and only item.
    pub fn stream(self) -> ItemStream<Source> {
        let (first, fetch) = self.fetcher();
        ItemStream::new(paginate(first, fetch))
    }

    /// Every page, as [`stream`](Self::stream) reads them. Kaisa sends no totals, so
    /// `total_items` and `total_pages` are `None`.
    pub fn pages(self) -> PageStream<Source> {
        let (first, fetch) = self.fetcher();
        PageStream::new(paginate_pages(first, fetch))
    }

    fn fetcher(self) -> (u32, impl FnMut(u32) -> PageFuture + Send + 'static) {
        let mut spec = self.spec;
        let size = spec.page_size.unwrap_or(MAX_PAGE_SIZE);
        spec.page_size = Some(size);
        let (client, options) = (self.client, self.options);
        let fetch = move |page: u32| -> PageFuture {
            let client = client.clone();
            let options = options.clone();
            let checked = spec.check().map(|()| spec.request(Some(page)));
            Box::pin(async move {
                let envelope: SourcesEnvelope = client.send(checked?, &options).await?;
                Ok(Page::new(envelope.sources).page_size(Some(u64::from(size))))
            })
        };
        (self.page.unwrap_or(0), fetch)
    }
}

/// One page being fetched, owned.
type PageFuture = Pin<Box<dyn Future<Output = Result<Page<Source>>> + Send>>;

into_future!(ListSourcesRequest => Vec<Source>);

/// A source creation being built: see [`Sources::create`]. Send it with `.await`,
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct CreateSourceRequest {
    client: Client,
    options: CallOptions,
    source: NewSource,
}

impl CreateSourceRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        self.source.check()?;
        Ok(Request::post("sources")
            .form(&self.source)
            .operation("kaisa.sources.create"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id` or
    /// `name`, or an extra parameter that repeats a typed one; otherwise the
    /// pipeline's errors, and [`Error::Decode`] when the answer holds no source.
    pub async fn send(self) -> Result<Source> {
        let OneSource(created) = self.client.send(self.request()?, &self.options).await?;
        Ok(created)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Source>> {
        let response: Response<OneSource> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|OneSource(created)| created))
    }
}

into_future!(CreateSourceRequest => Source);

/// A source status query being built: see [`Sources::statuses`]. Send it with
/// `.await`, [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ListSourceStatusesRequest {
    client: Client,
    options: CallOptions,
    source_id: Option<SourceId>,
    customer_id: Option<CustomerId>,
    custnr: Option<String>,
}

/// The query string of `sources/statuses`.
#[derive(Serialize)]
struct StatusQuery<'q> {
    source_id: Option<&'q str>,
    customer_id: Option<&'q str>,
    custnr: Option<&'q str>,
}

impl ListSourceStatusesRequest {
    call_options!();

    /// Only this source (`source_id=`).
    pub fn source_id(mut self, source_id: impl Into<SourceId>) -> Self {
        self.source_id = Some(source_id.into());
        self
    }

    /// Only sources of this customer (`customer_id=`).
    pub fn customer_id(mut self, customer_id: impl Into<CustomerId>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }

    /// Only sources of the customer with this customer number (`custnr=`).
    pub fn custnr(mut self, custnr: impl Into<String>) -> Self {
        self.custnr = Some(custnr.into());
        self
    }

    fn request(&self) -> Request {
        let query = StatusQuery {
            source_id: self.source_id.as_ref().map(SourceId::as_str),
            customer_id: self.customer_id.as_ref().map(CustomerId::as_str),
            custnr: self.custnr.as_deref(),
        };
        Request::get("sources/statuses")
            .query(&query)
            .operation("kaisa.sources.statuses")
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// The pipeline's errors ([`Error::Token`], [`Error::Auth`], [`Error::Api`],
    /// [`Error::Decode`], ...).
    pub async fn send(self) -> Result<Vec<SourceServiceStatus>> {
        let envelope: StatusesEnvelope = self.client.send(self.request(), &self.options).await?;
        Ok(envelope.0)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<SourceServiceStatus>>> {
        let response: Response<StatusesEnvelope> = self
            .client
            .send_with_response(self.request(), &self.options)
            .await?;
        Ok(response.map(|envelope| envelope.0))
    }
}

into_future!(ListSourceStatusesRequest => Vec<SourceServiceStatus>);
