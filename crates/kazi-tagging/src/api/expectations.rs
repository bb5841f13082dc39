//! `GET /tagging/v2/expectations`.

use vendor_core::kit::CallOptions;
use vendor_core::Request;

use crate::models::{Expectation, ExpectationList};
use crate::{Client, Response, Result, Scope};

/// The expectations (work values and team roles): `client.expectations()`.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    client: &'a Client,
}

impl<'a> Expectations<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Every expectation with its name, kind and description:
    /// `GET /tagging/v2/expectations`. Needs the scope `read:expectations`.
    ///
    /// The list is static reference data: the descriptions of the expectations that
    /// scans and matches refer to by id. Await the request (or call
    /// [`send`](ListExpectationsRequest::send)); see [`ListExpectationsRequest`] for
    /// the per-call options.
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// use kazi_tagging::ExpectationKind;
    ///
    /// let expectations = client.expectations().list().await?;
    /// let team_roles = expectations
    ///     .iter()
    ///     .filter(|e| e.kind() == ExpectationKind::TeamRole)
    ///     .count();
    /// println!("{} expectations, {team_roles} team roles", expectations.len());
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://docs.kazi.co/docs/api/tutorials/api-client-setup/>.
    pub fn list(&self) -> ListExpectationsRequest {
        ListExpectationsRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
        }
    }
}

/// The expectations list being asked for: see [`Expectations::list`]. Await it, or
/// call [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
///
/// It owns a clone of the client, so it can be moved to another task.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or `.send()` is awaited"]
pub struct ListExpectationsRequest {
    client: Client,
    options: CallOptions,
}

impl ListExpectationsRequest {
    vendor_core::call_options!();

    fn request(&self) -> Request {
        self.options.apply(
            Request::get("/tagging/v2/expectations")
                .require_role(Scope::ReadExpectations)
                .operation("kazi_tagging.expectations.list"),
        )
    }

    /// Sends the request and returns the list.
    ///
    /// # Errors
    ///
    /// - [`Error::Auth`](crate::Error::Auth) on a 401/403: a missing or invalid
    ///   subscription key, or a token without `read:expectations`
    ///   ([`AuthErrorKind::MissingRole`](crate::AuthErrorKind::MissingRole)).
    /// - [`Error::Token`](crate::Error::Token) when Azure AD refuses the credentials.
    /// - [`Error::Decode`](crate::Error::Decode) when the answer is not a list of
    ///   expectations; [`Error::Api`](crate::Error::Api), transport and timeout errors
    ///   as for every call.
    pub async fn send(self) -> Result<Vec<Expectation>> {
        let list: ExpectationList = self.client.core.api().send(self.request()).await?;
        Ok(list.0)
    }

    /// Sends the request and returns the list with the answer's status, headers and
    /// request id (quote it in a support ticket).
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// let answer = client.expectations().list().send_with_response().await?;
    /// println!("{} expectations, request id {:?}", answer.value().len(), answer.request_id());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<Expectation>>> {
        let answer: Response<ExpectationList> = self
            .client
            .core
            .api()
            .send_with_response(self.request())
            .await?;
        Ok(answer.map(|list| list.0))
    }
}

vendor_core::into_future!(ListExpectationsRequest => Vec<Expectation>);
