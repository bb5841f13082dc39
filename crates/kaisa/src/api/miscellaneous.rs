//! `miscellaneous/...`.

use vendor_core::Request;

use crate::models::Ping;
use crate::{Client, Result};

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
    ///
    /// # Errors
    ///
    /// The pipeline's errors ([`crate::Error::Token`], [`crate::Error::Auth`],
    /// [`crate::Error::Api`], ...).
    pub async fn ping(&self) -> Result<Ping> {
        self.client
            .send(Request::get("miscellaneous/ping").operation("kaisa.miscellaneous.ping"))
            .await
    }
}
