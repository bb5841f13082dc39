//! `recordings`: call recordings.

use serde::Serialize;
use vendor_core::{Request, Response};

use crate::models::{CustomerId, Recording, RecordingId, RecordingsEnvelope};
use crate::{Client, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

/// Recording endpoints: `client.recordings()`.
#[derive(Debug, Clone, Copy)]
pub struct Recordings<'a> {
    client: &'a Client,
}

impl<'a> Recordings<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists call recordings: `GET recordings?customer_id=..` lists a customer's,
    /// `GET recordings?recording_id=..` fetches one with its sound (`sounddata`,
    /// base64). The `{"recordings":[...]}` envelope is removed.
    ///
    /// Kaisa's support site has no page for this resource: it is the one Kaisa's own
    /// PHP client calls (`examples/downloadRecordings.php`).
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// for listed in client.recordings().list().customer_id("407382").await? {
    ///     let one = client.recordings().list().recording_id(listed.recording_id.clone()).await?;
    ///     if let Some(recording) = one.into_iter().next().filter(|r| r.is_available()) {
    ///         println!("{}: {} base64 characters", recording.recording_id,
    ///             recording.sounddata.as_deref().unwrap_or("").len());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Source: <https://github.com/freespee/freespee-php-api-client/blob/master/examples/downloadRecordings.php>.
    pub fn list(&self) -> ListRecordingsRequest {
        ListRecordingsRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: None,
            recording_id: None,
        }
    }
}

/// A recording listing being built: see [`Recordings::list`]. Send it with `.await`,
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ListRecordingsRequest {
    client: Client,
    options: CallOptions,
    customer_id: Option<CustomerId>,
    recording_id: Option<RecordingId>,
}

/// The query string; `Request::query` leaves out the `None` fields.
#[derive(Serialize)]
struct Query<'q> {
    customer_id: Option<&'q str>,
    recording_id: Option<&'q str>,
}

impl ListRecordingsRequest {
    call_options!();

    /// The recordings of this customer (`customer_id=`).
    pub fn customer_id(mut self, customer_id: impl Into<CustomerId>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }

    /// Only this recording, with its sound (`recording_id=`).
    pub fn recording_id(mut self, recording_id: impl Into<RecordingId>) -> Self {
        self.recording_id = Some(recording_id.into());
        self
    }

    fn request(&self) -> Request {
        let query = Query {
            customer_id: self.customer_id.as_ref().map(CustomerId::as_str),
            recording_id: self.recording_id.as_ref().map(RecordingId::as_str),
        };
        Request::get("recordings")
            .query(&query)
            .operation("kaisa.recordings.list")
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// The pipeline's errors ([`crate::Error::Token`], [`crate::Error::Auth`],
    /// [`crate::Error::Api`], [`crate::Error::Decode`], ...).
    pub async fn send(self) -> Result<Vec<Recording>> {
        let envelope: RecordingsEnvelope = self.client.send(self.request(), &self.options).await?;
        Ok(envelope.recordings)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<Recording>>> {
        let response: Response<RecordingsEnvelope> = self
            .client
            .send_with_response(self.request(), &self.options)
            .await?;
        Ok(response.map(|envelope| envelope.recordings))
    }
}

into_future!(ListRecordingsRequest => Vec<Recording>);
