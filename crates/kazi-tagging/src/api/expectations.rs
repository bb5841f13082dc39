//! `GET /tagging/v2/expectations`.

use vendor_core::Request;

use crate::models::{Expectation, ExpectationList};
use crate::{Client, Result, Scope};

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
    /// scans and matches refer to by id.
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
    /// # Errors
    ///
    /// - [`Error::Auth`](crate::Error::Auth) on a 401/403: a missing or invalid
    ///   subscription key, or a token without `read:expectations`
    ///   ([`AuthErrorKind::MissingRole`](vendor_core::AuthErrorKind::MissingRole)).
    /// - [`Error::Token`](crate::Error::Token) when Azure AD refuses the credentials.
    /// - [`Error::Decode`](crate::Error::Decode) when the answer is not a list of
    ///   expectations; [`Error::Api`](crate::Error::Api), transport and timeout errors
    ///   as for every call.
    ///
    /// Vendor docs: <https://docs.kazi.co/docs/api/tutorials/api-client-setup/>.
    pub async fn list(&self) -> Result<Vec<Expectation>> {
        let request = Request::get("/tagging/v2/expectations")
            .require_role(Scope::ReadExpectations)
            .operation("kazi_tagging.expectations.list");
        let list: ExpectationList = self.client.core.api().send(request).await?;
        Ok(list.0)
    }
}
