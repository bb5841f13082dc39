//! `miscellaneous/...`.

use vendor_core::{Request, Response};

use crate::models::Ping;
use crate::{Client, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

/// Miscellaneous endpoints: `client.miscellaneous()`.
#[derive(Debug, Clone, Copy)]
pub struct Miscellaneous<'a> {
    client: &'a Client,
}

impl<'a> Miscellaneous<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `GET miscellaneous/ping`, which answers `{"ping":"ok"}` (also as
    /// [`Client::ping`]).
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// assert!(client.miscellaneous().ping().await?.is_ok());
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201298061-Kaisa-API-Getting-started>.
    pub fn ping(&self) -> PingRequest {
        PingRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
        }
    }
}

/// A ping being built: see [`Miscellaneous::ping`]. Send it with `.await`,
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct PingRequest {
    client: Client,
    options: CallOptions,
}

impl PingRequest {
    call_options!();

    fn request() -> Request {
        Request::get("miscellaneous/ping").operation("kaisa.miscellaneous.ping")
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// The pipeline's errors: [`crate::Error::Token`] for refused credentials,
    /// [`crate::Error::Auth`], [`crate::Error::Api`], [`crate::Error::Transport`], ...
    pub async fn send(self) -> Result<Ping> {
        self.client.send(Self::request(), &self.options).await
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Ping>> {
        self.client
            .send_with_response(Self::request(), &self.options)
            .await
    }
}

into_future!(PingRequest => Ping);
