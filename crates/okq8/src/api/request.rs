//! A call being described: method, path, query, body, then one of the `send` forms.

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use vendor_core::{check_path, Request};

use crate::{Client, Error, Result};

/// A call to an OKQ8 API being built: from [`Client::request`] (or the shortcuts
/// [`Client::get`], [`Client::post`], ...). Ends with [`send`](Self::send) (typed),
/// [`send_json`](Self::send_json), [`send_empty`](Self::send_empty) or
/// [`send_bytes`](Self::send_bytes).
#[must_use = "a request does nothing until one of its `send` methods is awaited"]
pub struct RequestBuilder<'a> {
    client: &'a Client,
    request: Request,
}

impl fmt::Debug for RequestBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", self.request.method())
            .field("path", &self.request.path())
            .field("query", &self.request.query_string())
            .finish_non_exhaustive()
    }
}

impl<'a> RequestBuilder<'a> {
    pub(crate) fn new(client: &'a Client, request: Request) -> Self {
        Self { client, request }
    }

    /// Adds query parameters from any `Serialize` value (a struct, a slice of pairs);
    /// `None` fields are left out. Several calls add up.
    pub fn query(mut self, query: &(impl Serialize + ?Sized)) -> Self {
        self.request = self.request.query(query);
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: &(impl Serialize + ?Sized)) -> Self {
        self.request = self.request.json(body);
        self
    }

    /// Sends `body` url-encoded (`application/x-www-form-urlencoded`).
    pub fn form(mut self, body: &(impl Serialize + ?Sized)) -> Self {
        self.request = self.request.form(body);
        self
    }

    /// Declares the role or scope the endpoint needs (an access level such as
    /// `get`), so that a 401/403 caused by a token lacking it names it.
    pub fn require_role(mut self, role: impl Into<Cow<'static, str>>) -> Self {
        self.request = self.request.require_role(role);
        self
    }

    /// Names the call in traces (default `okq8.<method>`).
    pub fn operation(mut self, name: &'static str) -> Self {
        self.request = self.request.operation(name);
        self
    }

    /// The call as described so far.
    pub fn as_request(&self) -> &Request {
        &self.request
    }

    /// Sends the call and decodes the JSON answer into `T` (`()` accepts an empty
    /// answer, `serde_json::Value` any JSON).
    ///
    /// # Errors
    ///
    /// See [`Client::get`].
    pub async fn send<T: DeserializeOwned>(self) -> Result<T> {
        let (client, request) = self.checked()?;
        client.core.api().send(request).await
    }

    /// Sends the call and returns the JSON answer as is.
    ///
    /// # Errors
    ///
    /// See [`Client::get`].
    pub async fn send_json(self) -> Result<Value> {
        self.send().await
    }

    /// Sends the call and ignores the answer's body (a 204, say).
    ///
    /// # Errors
    ///
    /// See [`Client::get`]; the body is not decoded.
    pub async fn send_empty(self) -> Result<()> {
        let (client, request) = self.checked()?;
        client.core.api().send_empty(request).await
    }

    /// Sends the call and returns the answer's body undecoded.
    ///
    /// # Errors
    ///
    /// See [`Client::get`]; the body is not decoded.
    pub async fn send_bytes(self) -> Result<Vec<u8>> {
        let (client, request) = self.checked()?;
        Ok(client.core.api().send_bytes(request).await?.to_vec())
    }

    /// Refuses, before anything is sent, a path that would not stay below the base
    /// URL (see [`check_path`]): no `.` or `..` segment (also percent-encoded), no
    /// absolute URL; nor an empty path or an empty segment (`stations//prices`, where
    /// an empty id was put), which servers collapse into another endpoint. And a
    /// subscription key in the query: OKQ8 reads it only from its header (which the
    /// client sends); one in the query would not work, and would leak into logs.
    fn checked(self) -> Result<(&'a Client, Request)> {
        let path = self.request.path();
        check_path(path)?;
        let rel = path.trim_start_matches('/');
        if rel.is_empty() {
            return Err(Error::invalid(
                "path",
                "is empty: name the resource, such as `core/v1/stations`".to_owned(),
            ));
        }
        if rel
            .trim_end_matches('/')
            .split(['/', '\\'])
            .any(str::is_empty)
        {
            return Err(Error::invalid("path", "holds an empty segment (`//`): put ids through okq8::path_segment, which refuses empty ones".to_owned()));
        }
        let in_query = self.request.query_string().is_some_and(|q| {
            q.split('&').any(|pair| {
                pair.split('=')
                    .next()
                    .is_some_and(|name| name.eq_ignore_ascii_case("subscription-key"))
            })
        });
        if in_query {
            return Err(Error::invalid("query", "OKQ8 reads the subscription key only from the Ocp-Apim-Subscription-Key header, which this client sends: remove `subscription-key` from the query".to_owned()));
        }
        Ok((self.client, self.request))
    }
}
