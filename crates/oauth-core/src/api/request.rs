//! Describing one API call.

use std::borrow::Cow;

use bytes::Bytes;
use http::{HeaderValue, Method};
use serde::Serialize;

use super::error::Error;

/// One call to an API, described by a vendor crate and sent by
/// [`super::ApiClient::send`] and friends.
///
/// ```
/// use oauth_core::api::Request;
///
/// let req = Request::get("/tagging/v2/expectations")
///     .operation("kazi.expectations.list")
///     .require_role("read:expectations");
/// assert_eq!(req.path(), "/tagging/v2/expectations");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: Cow<'static, str>,
    pub(crate) query: Option<String>,
    pub(crate) body: Option<(HeaderValue, Bytes)>,
    pub(crate) required_role: Option<Cow<'static, str>>,
    pub(crate) operation: &'static str,
    pub(crate) encode_error: Option<(&'static str, String)>,
}

impl Request {
    /// A call with any method; `path` is joined to the client's base URL.
    pub fn new(method: Method, path: impl Into<Cow<'static, str>>) -> Self {
        Self {
            method,
            path: path.into(),
            query: None,
            body: None,
            required_role: None,
            operation: "api.call",
            encode_error: None,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(path: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Adds query parameters from any `Serialize` value (a struct, a slice of
    /// pairs); `None` fields are left out. Several calls add up.
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        match serde_urlencoded::to_string(query) {
            Ok(encoded) if encoded.is_empty() => {}
            Ok(encoded) => {
                self.query = Some(match self.query.take() {
                    Some(existing) => format!("{existing}&{encoded}"),
                    None => encoded,
                });
            }
            Err(e) => self.encode_error = Some(("query", e.to_string())),
        }
        self
    }

    /// Sends `body` as JSON.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some((
                    HeaderValue::from_static("application/json"),
                    Bytes::from(bytes),
                ));
            }
            Err(e) => self.encode_error = Some(("body", e.to_string())),
        }
        self
    }

    /// Sends `body` url-encoded (`application/x-www-form-urlencoded`).
    pub fn form<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_urlencoded::to_string(body) {
            Ok(text) => {
                self.body = Some((
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                    Bytes::from(text),
                ));
            }
            Err(e) => self.encode_error = Some(("body", e.to_string())),
        }
        self
    }

    /// Declares the role or scope the endpoint needs, so that a 401/403 can name it
    /// when the token lacks it.
    pub fn require_role(mut self, role: impl Into<Cow<'static, str>>) -> Self {
        self.required_role = Some(role.into());
        self
    }

    /// Names the operation for tracing (`<crate>.<resource>.<op>`).
    pub fn operation(mut self, name: &'static str) -> Self {
        self.operation = name;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, relative to the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The encoded query string, if any.
    pub fn query_string(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// Whether a failed attempt may be repeated without risk of doing it twice.
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET
                | Method::HEAD
                | Method::OPTIONS
                | Method::PUT
                | Method::DELETE
                | Method::TRACE
        )
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.encode_error {
            Some((name, problem)) => Err(Error::invalid(name, format!("cannot encode: {problem}"))),
            None => Ok(()),
        }
    }
}

/// Percent-encodes one path segment (an id supplied by a caller), so that `/`, `?`
/// or `#` in it cannot change the path.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_accumulates_and_skips_none() {
        #[derive(Serialize)]
        struct Q {
            page: u32,
            search: Option<&'static str>,
        }
        let r = Request::get("/x")
            .query(&Q {
                page: 2,
                search: None,
            })
            .query(&[("sort", "-match")]);
        assert_eq!(r.query_string(), Some("page=2&sort=-match"));
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("ab-12_x.y~"), "ab-12_x.y~");
        assert_eq!(encode_segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
    }

    #[test]
    fn idempotency_by_method() {
        assert!(Request::get("/").is_idempotent());
        assert!(Request::put("/").is_idempotent());
        assert!(!Request::post("/").is_idempotent());
        assert!(!Request::patch("/").is_idempotent());
    }
}
