//! The typed generic calls on [`Client`].

use futures_core::Stream;
use http::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use vendor_core::{paginate, Page, Request};

use super::RequestBuilder;
use crate::models::ItemPage;
use crate::{Client, Result};

impl Client {
    /// Starts describing a call with any method; `path` is joined to the base URL
    /// (keeping the base URL's own path), and must stay below it: a path with a `.`
    /// or `..` segment (also percent-encoded), an empty segment, or an absolute URL is
    /// refused before sending. Put caller-supplied ids through
    /// [`path_segment`](crate::path_segment).
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// use okq8::Method;
    ///
    /// let station_id = "SE-1001";
    /// let station: serde_json::Value = client
    ///     .request(
    ///         Method::GET,
    ///         format!("core/v1/stations/{}", okq8::path_segment("station_id", station_id)?),
    ///     )
    ///     .require_role("get")
    ///     .operation("okq8.stations.get")
    ///     .send()
    ///     .await?;
    /// # let _ = station;
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://developer.test.api.okq8.se/api-authentication>.
    pub fn request(&self, method: Method, path: impl Into<String>) -> RequestBuilder<'_> {
        let operation = match method {
            Method::GET => "okq8.get",
            Method::POST => "okq8.post",
            Method::PUT => "okq8.put",
            Method::DELETE => "okq8.delete",
            Method::PATCH => "okq8.patch",
            _ => "okq8.request",
        };
        RequestBuilder::new(self, Request::new(method, path.into()).operation(operation))
    }

    /// `GET path?query`, decoding the JSON answer into `T`. Pass `&()` for no query.
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// #[derive(serde::Deserialize)]
    /// struct Station { id: String, name: String }
    /// #[derive(serde::Deserialize)]
    /// struct Stations { items: Vec<Station> }
    ///
    /// let page = client.get::<Stations>("core/v1/stations", &[("page", 2)]).await?;
    /// for s in page.items {
    ///     println!("{} {}", s.id, s.name);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::Auth`](crate::Error::Auth) on a 401/403, classified as OKQ8
    ///   documents them: `err.auth_kind()` is
    ///   [`SubscriptionKeyMissing`](vendor_core::AuthErrorKind::SubscriptionKeyMissing)
    ///   or
    ///   [`SubscriptionKeyInvalid`](vendor_core::AuthErrorKind::SubscriptionKeyInvalid)
    ///   (401), or
    ///   [`SubscriptionNotAuthorized`](vendor_core::AuthErrorKind::SubscriptionNotAuthorized)
    ///   when the subscription is not authorised for the API product or is suspended
    ///   (403); a token lacking a declared role gives `MissingRole`.
    /// - [`Error::InvalidArgument`](crate::Error::InvalidArgument) before sending, for
    ///   a query or body that cannot be encoded; a `path` that is empty, is an
    ///   absolute URL, or holds a `.`, `..` (also percent-encoded) or empty segment; or
    ///   a `subscription-key` query parameter.
    /// - [`Error::Token`](crate::Error::Token) when Azure AD refuses the credentials or
    ///   scope.
    /// - [`Error::Decode`](crate::Error::Decode) when the answer does not fit `T` (with
    ///   the path in the document); [`Error::Api`](crate::Error::Api) for other
    ///   statuses; transport and timeout errors.
    ///
    /// Vendor docs: <https://developer.test.api.okq8.se/api-authentication>.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &(impl Serialize + ?Sized),
    ) -> Result<T> {
        self.request(Method::GET, path).query(query).send().await
    }

    /// `GET path`, returning the JSON answer as is: for exploring an API.
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// let prices = client.get_json("public/v1/prices").await?;
    /// println!("{}", serde_json::to_string_pretty(&prices).unwrap_or_default());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get), except that any JSON decodes.
    ///
    /// Vendor docs: <https://developer.test.api.okq8.se/api-authentication>.
    pub async fn get_json(&self, path: &str) -> Result<Value> {
        self.request(Method::GET, path).send_json().await
    }

    /// `POST path` with `body` as JSON, decoding the JSON answer into `T`.
    ///
    /// POST is not retried after a failure that may have reached the server (it is
    /// not idempotent); 429 and 503 are.
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// use serde_json::json;
    ///
    /// let payment: serde_json::Value = client
    ///     .post("payments/v1/payments", &json!({"amount": 450.0, "currency": "SEK"}))
    ///     .await?;
    /// println!("{}", payment["id"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    ///
    /// Vendor docs: <https://developer.test.api.okq8.se/api-authentication>.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<T> {
        self.request(Method::POST, path).json(body).send().await
    }

    /// `PUT path` with `body` as JSON, decoding the JSON answer into `T` (`()` for an
    /// empty answer).
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// use serde_json::json;
    ///
    /// let updated: serde_json::Value = client
    ///     .put("core/v1/cards/4711/nickname", &json!({"nickname": "Work car"}))
    ///     .await?;
    /// # let _ = updated;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    ///
    /// Vendor docs: <https://developer.test.api.okq8.se/api-authentication>.
    pub async fn put<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<T> {
        self.request(Method::PUT, path).json(body).send().await
    }

    /// `DELETE path`, decoding the answer into `T` (`()` for an empty answer).
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// client.delete::<()>("core/v1/cards/4711/nickname").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    ///
    /// Vendor docs: <https://developer.test.api.okq8.se/api-authentication>.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.request(Method::DELETE, path).send().await
    }

    /// Every item of a paged list shaped `{"items": [...], "page": N, "totalPages":
    /// M}` (see [`ItemPage`]): `GET path?query&page=1`, then `page=2` and so on, until
    /// `totalPages` (or an empty page).
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Station { id: String, city: String }
    ///
    /// let stations: Vec<Station> = client.paged("core/v1/stations", &()).try_collect().await?;
    /// println!("{} stations", stations.len());
    /// # Ok(()) }
    /// ```
    ///
    /// For other page shapes, use [`vendor_core::paginate`] with
    /// [`get`](Self::get):
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use vendor_core::{paginate, Page};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Transactions { data: Vec<serde_json::Value>, total: u64 }
    ///
    /// let all: Vec<serde_json::Value> = paginate(0, |n| {
    ///     let client = &client;
    ///     async move {
    ///         let t: Transactions = client
    ///             .get("cards/v1/transactions", &[("offset", n * 50), ("limit", 50)])
    ///             .await?;
    ///         Ok::<_, okq8::Error>(Page::new(t.data).total_items(Some(t.total)).page_size(Some(50)))
    ///     }
    /// })
    /// .try_collect()
    /// .await?;
    /// # let _ = all;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The stream yields the first error of any page (see [`get`](Self::get)) and
    /// ends there.
    pub fn paged<'a, T: DeserializeOwned + 'a>(
        &'a self,
        path: &str,
        query: &(impl Serialize + ?Sized),
    ) -> impl Stream<Item = Result<T>> + 'a {
        let template = self
            .request(Method::GET, path)
            .operation("okq8.paged")
            .query(query);
        let client = self;
        let template = template.as_request().clone();
        paginate(1, move |n| {
            let request = RequestBuilder::new(client, template.clone().query(&[("page", n)]));
            async move {
                let page: ItemPage<T> = request.send().await?;
                Ok(Page::new(page.items).total_pages(page.total_pages))
            }
        })
    }
}
