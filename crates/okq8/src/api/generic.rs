//! The typed generic calls on [`Client`].

use crate::AccessLevel;
use http::Method;
use serde::Serialize;
use serde_json::Value;
use vendor_core::Request;

use super::{CallRequest, DeleteRequest, GetRequest, ListItemsRequest, PostRequest, PutRequest};
use crate::Client;

/// The default trace name of a call with `method`.
fn operation(method: &Method) -> &'static str {
    match *method {
        Method::GET => "okq8.get",
        Method::POST => "okq8.post",
        Method::PUT => "okq8.put",
        Method::DELETE => "okq8.delete",
        Method::PATCH => "okq8.patch",
        _ => "okq8.request",
    }
}

impl Client {
    /// The request, naming the access level (app role) its method needs, so that a
    /// 403 says which role the application lacks.
    fn describe(&self, method: Method, path: impl Into<String>) -> Request {
        let op = operation(&method);
        let level = AccessLevel::for_method(&method);
        let request = Request::new(method, path.into()).operation(op);
        match level {
            Some(level) => request.require_role(level.as_str()),
            None => request,
        }
    }

    /// A call with any method, decoding the JSON answer into `T`; add a body with
    /// [`json`](CallRequest::json) or [`form`](CallRequest::form). `path` is joined to
    /// the base URL (keeping the base URL's own path), and must stay below it: a path
    /// with a `.` or `..` segment (also percent-encoded), an empty segment, or an
    /// absolute URL is refused before sending. Put caller-supplied ids through
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
    ///     .await?;
    /// // Nothing to decode: name any type, and send_empty (or send_bytes).
    /// client
    ///     .request::<()>(Method::PATCH, "core/v1/cards/4711")
    ///     .json(&serde_json::json!({"nickname": "Work car"}))
    ///     .send_empty()
    ///     .await?;
    /// # let _ = station;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    ///
    /// Vendor docs: <https://developer.test.api.okq8.se/api-authentication>.
    pub fn request<T>(&self, method: Method, path: impl Into<String>) -> CallRequest<T> {
        CallRequest::new(self.clone(), self.describe(method, path))
    }

    /// `GET path`, decoding the JSON answer into `T`; add query parameters with
    /// [`query`](GetRequest::query).
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// #[derive(serde::Deserialize)]
    /// struct Station { id: String, name: String }
    /// #[derive(serde::Deserialize)]
    /// struct Stations { items: Vec<Station> }
    ///
    /// let page = client.get::<Stations>("core/v1/stations").query(&[("page", 2)]).await?;
    /// for s in page.items {
    ///     println!("{} {}", s.id, s.name);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// What awaiting the request (or its `send`) returns:
    ///
    /// - [`Error::Auth`](crate::Error::Auth) on a 401/403, classified as OKQ8
    ///   documents them: `err.auth_kind()` is
    ///   [`SubscriptionKeyMissing`](crate::AuthErrorKind::SubscriptionKeyMissing)
    ///   or
    ///   [`SubscriptionKeyInvalid`](crate::AuthErrorKind::SubscriptionKeyInvalid)
    ///   (401), or
    ///   [`SubscriptionNotAuthorized`](crate::AuthErrorKind::SubscriptionNotAuthorized)
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
    pub fn get<T>(&self, path: impl Into<String>) -> GetRequest<T> {
        GetRequest::new(self.clone(), self.describe(Method::GET, path))
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
    pub fn get_json(&self, path: impl Into<String>) -> GetRequest<Value> {
        self.get(path)
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
    pub fn post<T>(
        &self,
        path: impl Into<String>,
        body: &(impl Serialize + ?Sized),
    ) -> PostRequest<T> {
        PostRequest::new(self.clone(), self.describe(Method::POST, path).json(body))
    }

    /// `PUT path` with `body` as JSON, decoding the JSON answer into `T` (`()` for an
    /// empty answer).
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// use serde_json::json;
    ///
    /// client
    ///     .put::<()>("core/v1/cards/4711/nickname", &json!({"nickname": "Work car"}))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    ///
    /// Vendor docs: <https://developer.test.api.okq8.se/api-authentication>.
    pub fn put<T>(
        &self,
        path: impl Into<String>,
        body: &(impl Serialize + ?Sized),
    ) -> PutRequest<T> {
        PutRequest::new(self.clone(), self.describe(Method::PUT, path).json(body))
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
    pub fn delete<T>(&self, path: impl Into<String>) -> DeleteRequest<T> {
        DeleteRequest::new(self.clone(), self.describe(Method::DELETE, path))
    }

    /// A paged list shaped `{"items": [...], "page": N, "totalPages": M}` (see
    /// [`ItemPage`](crate::ItemPage)): `GET path?query&page=1`, then `page=2` and so
    /// on, until `totalPages` (or `totalItems`, or an empty page).
    /// [`stream`](ListItemsRequest::stream) yields the items,
    /// [`pages`](ListItemsRequest::pages) the pages with their totals; awaiting
    /// fetches one page.
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Station { id: String, city: String }
    ///
    /// let stations: Vec<Station> = client
    ///     .paged("core/v1/stations")
    ///     .query(&[("fuel", "HVO100")])
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// println!("{} stations", stations.len());
    ///
    /// let mut pages = client.paged::<Station>("core/v1/stations").pages();
    /// if let Some(page) = pages.try_next().await? {
    ///     println!("{:?} pages", page.total_pages);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// For other page shapes, use [`vendor_core::paginate`] with
    /// [`get`](Self::get):
    ///
    /// ```no_run
    /// # async fn demo(client: okq8::Client) -> okq8::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use okq8::Page;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Transactions { data: Vec<serde_json::Value>, total: u64 }
    ///
    /// let all: Vec<serde_json::Value> = vendor_core::paginate(0, |n| {
    ///     let request = client
    ///         .get::<Transactions>("cards/v1/transactions")
    ///         .query(&[("offset", n * 50), ("limit", 50)]);
    ///     async move {
    ///         let t = request.await?;
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
    /// The streams yield the first error of any page (see [`get`](Self::get)) and
    /// end there.
    pub fn paged<T>(&self, path: impl Into<String>) -> ListItemsRequest<T> {
        ListItemsRequest::new(
            self.clone(),
            self.describe(Method::GET, path).operation("okq8.paged"),
        )
    }
}
