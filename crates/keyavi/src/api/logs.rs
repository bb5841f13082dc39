//! `logs/...`: audit logs.

use std::fmt;
use std::marker::PhantomData;

use futures_core::Stream;
use serde::de::DeserializeOwned;
use serde::Serialize;
use vendor_core::{paginate, Page, Request};

use crate::models::{ActionAttempted, FullPayloadLog, LogPage, LogResult, PayloadLog};
use crate::{Client, Error, Result};

/// The application role the local sandbox requires for reading logs (ours: Keyavi does
/// not publish role names). Only used to explain a 401 or 403.
const LOGS_ROLE: &str = "Logs.Read";

/// Audit log endpoints: `client.logs()`.
#[derive(Debug, Clone, Copy)]
pub struct Logs<'a> {
    client: &'a Client,
}

impl<'a> Logs<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
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
    ///     .send()
    ///     .await?;
    /// for record in &page.data {
    ///     println!("{:?} {:?}", record.payload_name, record.log_timestamp);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://docs.keyavi.com/API-docs/api-reference.htm>,
    /// <https://docs.keyavi.com/API-docs/filtering-sorting.htm>.
    pub fn payload(&self) -> LogQuery<'a, PayloadLog> {
        LogQuery::new(self.client, Kind::Payload)
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
    pub fn full_payload(&self) -> LogQuery<'a, FullPayloadLog> {
        LogQuery::new(self.client, Kind::FullPayload)
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

/// An audit log query being built: see [`Logs::payload`] and [`Logs::full_payload`].
#[must_use = "a query does nothing until `.send()` is awaited or `.stream()` is polled"]
pub struct LogQuery<'a, T> {
    client: &'a Client,
    kind: Kind,
    action_attempted: Option<ActionAttempted>,
    result: Option<LogResult>,
    page: Option<u32>,
    records: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for LogQuery<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogQuery")
            .field("path", &self.kind.path())
            .field("action_attempted", &self.action_attempted)
            .field("result", &self.result)
            .field("page", &self.page)
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
}

/// What a query asks for, detached from the client so that a stream can own it.
#[derive(Clone)]
struct Spec {
    kind: Kind,
    role: &'static str,
    action_attempted: Option<ActionAttempted>,
    result: Option<LogResult>,
}

impl Spec {
    fn request(&self, page: Option<u32>) -> Result<Request> {
        if page == Some(0) {
            return Err(Error::invalid(
                "page",
                "Keyavi numbers pages from 1".to_owned(),
            ));
        }
        let query = Query {
            action_attempted: self.action_attempted.as_ref().map(ActionAttempted::as_str),
            result: self.result.as_ref().map(LogResult::as_str),
            page,
        };
        Ok(Request::get(self.kind.path())
            .query(&query)
            .require_role(self.role)
            .operation(self.kind.operation()))
    }
}

impl<'a, T> LogQuery<'a, T> {
    fn new(client: &'a Client, kind: Kind) -> Self {
        Self {
            client,
            kind,
            action_attempted: None,
            result: None,
            page: None,
            records: PhantomData,
        }
    }

    /// Only records of this action (`actionAttempted=`).
    pub fn action_attempted(mut self, action: impl Into<ActionAttempted>) -> Self {
        self.action_attempted = Some(action.into());
        self
    }

    /// Only records with this outcome (`result=`).
    pub fn result(mut self, result: impl Into<LogResult>) -> Self {
        self.result = Some(result.into());
        self
    }

    /// The page to fetch, from 1 (`page=`); for [`stream`](Self::stream), the page to
    /// start at.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    fn spec(&self) -> Spec {
        Spec {
            kind: self.kind,
            role: self.client.role(LOGS_ROLE),
            action_attempted: self.action_attempted.clone(),
            result: self.result.clone(),
        }
    }
}

impl<T> LogQuery<'_, T>
where
    T: DeserializeOwned + Send + 'static,
{
    /// Fetches one page.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for page 0, before sending; otherwise the pipeline's
    /// errors ([`Error::Auth`], [`Error::Api`], [`Error::Decode`], ...).
    pub async fn send(self) -> Result<LogPage<T>> {
        let request = self.spec().request(self.page)?;
        self.client.send(request).await
    }

    /// Every record, page after page from [`page`](Self::page) (default 1), until the
    /// pages announced by `totalRecords` and `pageSize` are read, a page comes back
    /// short or empty. The stream owns a clone of the client, so it may outlive this
    /// builder.
    ///
    /// # Errors
    ///
    /// An item is an error when a page fails (the stream then ends), as for
    /// [`send`](Self::send).
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + Unpin + 'static {
        let client = self.client.clone();
        let spec = self.spec();
        let first = self.page.unwrap_or(1);
        // Boxed so that callers can use `.next()` without pinning it themselves.
        Box::pin(paginate(first, move |page| {
            let client = client.clone();
            let request = spec.request(Some(page));
            async move {
                let answer: LogPage<T> = client.send(request?).await?;
                // Pages before `first` are not read: count only those from it on.
                let skipped = u64::from(first.saturating_sub(1));
                let remaining_pages = answer
                    .pagination
                    .total_pages()
                    .map(|t| t.saturating_sub(skipped));
                Ok(Page::new(answer.data)
                    .total_pages(remaining_pages)
                    .page_size(answer.pagination.page_size))
            }
        }))
    }
}
