//! `sources`: tracking numbers.

use serde::Serialize;
use vendor_core::{Request, Response};

use crate::models::{CustomerId, Source, SourceId, SourceStatus, SourcesEnvelope};
use crate::{Client, Result};
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

    /// Lists sources (tracking numbers): `GET sources`, with optional filters. The
    /// `{"sources":[...]}` envelope is removed.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use kaisa::SourceStatus;
    ///
    /// let active = client
    ///     .sources()
    ///     .list()
    ///     .customer_id("407382")
    ///     .status(SourceStatus::Active)
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
            source_id: None,
            customer_id: None,
            custnr: None,
            destnr: None,
            campaign_id: None,
            status: None,
            class: None,
        }
    }
}

/// A source listing being built: see [`Sources::list`]. Send it with `.await`,
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ListSourcesRequest {
    client: Client,
    options: CallOptions,
    source_id: Option<SourceId>,
    customer_id: Option<CustomerId>,
    custnr: Option<String>,
    destnr: Option<String>,
    campaign_id: Option<String>,
    status: Option<SourceStatus>,
    class: Option<String>,
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
}

impl ListSourcesRequest {
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

    /// Only sources forwarding to this number (`destnr=`).
    pub fn destnr(mut self, destnr: impl Into<String>) -> Self {
        self.destnr = Some(destnr.into());
        self
    }

    /// Only sources of this campaign (`campaign_id=`).
    pub fn campaign_id(mut self, campaign_id: impl Into<String>) -> Self {
        self.campaign_id = Some(campaign_id.into());
        self
    }

    /// Only sources in this state (`status=`).
    pub fn status(mut self, status: impl Into<SourceStatus>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Only sources of this class (`class=`).
    pub fn class(mut self, class: impl Into<String>) -> Self {
        self.class = Some(class.into());
        self
    }

    fn request(&self) -> Request {
        let query = Query {
            source_id: self.source_id.as_ref().map(SourceId::as_str),
            customer_id: self.customer_id.as_ref().map(CustomerId::as_str),
            custnr: self.custnr.as_deref(),
            destnr: self.destnr.as_deref(),
            campaign_id: self.campaign_id.as_deref(),
            status: self.status.as_ref().map(SourceStatus::as_str),
            class: self.class.as_deref(),
        };
        Request::get("sources")
            .query(&query)
            .operation("kaisa.sources.list")
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// The pipeline's errors ([`crate::Error::Token`], [`crate::Error::Auth`],
    /// [`crate::Error::Api`], [`crate::Error::Decode`], ...).
    pub async fn send(self) -> Result<Vec<Source>> {
        let envelope: SourcesEnvelope = self.client.send(self.request(), &self.options).await?;
        Ok(envelope.sources)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<Source>>> {
        let response: Response<SourcesEnvelope> = self
            .client
            .send_with_response(self.request(), &self.options)
            .await?;
        Ok(response.map(|envelope| envelope.sources))
    }
}

into_future!(ListSourcesRequest => Vec<Source>);
