//! Describing one API call.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method};
use oauth_core::RetryPolicy;
use serde::Serialize;

use super::error::Error;

/// One call to an API, described by a vendor crate and sent by
/// [`super::ApiClient::send`] and friends.
///
/// ```
/// use vendor_core::Request;
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
    /// Overrides the client's overall deadline for this call.
    pub(crate) timeout: Option<Duration>,
    /// Overrides the client's retry policy for this call.
    pub(crate) retry: Option<RetryPolicy>,
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
            timeout: None,
            retry: None,
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

    /// The overall deadline of this call, retries and token fetch included,
    /// instead of the client's; it also lifts the client's per-attempt cap, so a
    /// call may be given longer than the client's timeouts as well as shorter.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy of this call, instead of the client's. (A token request the
    /// call waits for keeps the token client's own policy.)
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
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

/// Percent-encodes one path segment, so that `/`, `?` or `#` in it cannot change the
/// path.
///
/// It does not refuse the segments that URL joining resolves: `.` and `..` (and their
/// percent-encoded spellings, which the `url` crate and servers normalise too) would
/// still drop or climb a level. For an id supplied by a caller, use
/// [`path_segment`], which refuses them.
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

/// What an id refused by [`path_segment`] is told.
const SEGMENT_PROBLEM: &str =
    "an id cannot be empty, `.` or `..` (nor spell one percent-encoded or between slashes)";

/// Checks and percent-encodes one path segment supplied by a caller (an id), so that
/// it names exactly one resource below the path it is put in.
///
/// `name` is the argument the segment came from (`customer_id`), for the error.
///
/// ```
/// use vendor_core::path_segment;
/// use vendor_core::Error;
///
/// assert_eq!(path_segment("station_id", "SE/1001")?, "SE%2F1001");
/// for bad in ["", " ", ".", "..", "%2e%2E", "%252e%252e", "a/../b"] {
///     let err = path_segment("station_id", bad).unwrap_err();
///     assert!(matches!(err, Error::InvalidArgument(ref e) if e.name() == "station_id"), "{bad}");
/// }
/// # Ok::<(), Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming `name` when the segment is empty (or only
/// whitespace) or is made of dots only (`.`, `..`), also once percent-decoded (as many
/// times as it decodes: `%2e`, `%252E`), or holds such a part between `/` or `\` (a
/// server that decodes `%2F` before routing would resolve it).
pub fn path_segment(name: &'static str, segment: &str) -> Result<String, Error> {
    if is_refused_segment(segment) {
        return Err(Error::invalid(name, SEGMENT_PROBLEM));
    }
    Ok(encode_segment(segment))
}

/// Checks a path supplied by a caller before it is joined to the base URL: it must be
/// relative to the base URL and must not climb out of it.
///
/// A leading `/` is allowed (the path is still joined below the base URL's path);
/// an absolute URL (`https://...`, `mailto:...`), a network-path reference
/// (`//host/...`) and any `.` or `..` segment are refused, also percent-encoded
/// (`%2e%2E`), decoded several times (`%252e`), or separated by `\` (which URL
/// parsers read as `/`).
///
/// ```
/// use vendor_core::check_path;
///
/// assert!(check_path("/core/v1/stations/SE%2F1001").is_ok());
/// for bad in ["..", "core/../admin", "core/%2E%2e/admin", "core\\..\\admin",
///             "https://elsewhere.example/x", "//elsewhere.example/x"] {
///     assert!(check_path(bad).is_err(), "{bad}");
/// }
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming `path`.
pub fn check_path(path: &str) -> Result<(), Error> {
    // Most paths are plain (`core/v1/stations/SE-1001`): nothing in them can make a
    // scheme (`:`), a query or fragment, a separator other than `/`, an escape (`%`)
    // or a dot segment (`.`), so none of the checks below can refuse them. One pass
    // over the bytes instead of the splits and decodes.
    if !path.starts_with("//") && path.bytes().all(is_plain_path_byte) {
        return Ok(());
    }
    check_path_in_full(path)
}

/// [`check_path`] without its shortcut for plain paths.
fn check_path_in_full(path: &str) -> Result<(), Error> {
    let rel = path.trim_start_matches('/');
    if path.starts_with("//") || rel.contains("://") || has_scheme(path) {
        return Err(Error::invalid(
            "path",
            "must be relative to the base URL (not an absolute URL)",
        ));
    }
    if rel.contains(['?', '#']) {
        return Err(Error::invalid(
            "path",
            "cannot hold `?` or `#`: pass query parameters with `.query(..)`",
        ));
    }
    if rel.split(['/', '\\']).any(climbs) {
        return Err(Error::invalid(
            "path",
            "cannot hold a `.` or `..` segment (nor spell one percent-encoded)",
        ));
    }
    Ok(())
}

/// An unreserved byte of RFC 3986 other than `.`, or `/`.
fn is_plain_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~' | b'/')
}

/// Whether `segment`, as an id, is empty or resolves to `.` or `..`.
fn is_refused_segment(segment: &str) -> bool {
    match fully_decoded(segment) {
        Some(decoded) => decoded.trim().is_empty() || decoded.split(['/', '\\']).any(is_dots),
        None => true,
    }
}

/// Whether one segment of a path is `.` or `..` (or only dots), also once decoded.
fn climbs(segment: &str) -> bool {
    match fully_decoded(segment) {
        Some(decoded) => decoded.split(['/', '\\']).any(is_dots),
        None => true,
    }
}

/// Whether a part is made of dots only, ignoring whitespace and a `;parameter`: URL
/// parsers drop tabs and newlines (`.<TAB>.` is `..`), and servers that strip
/// trailing dots and spaces, or path parameters, read `...`, `.. ` or `..;x` as `..`.
fn is_dots(part: &str) -> bool {
    let part = part.split(';').next().unwrap_or_default();
    let mut dots = false;
    for c in part.chars() {
        match c {
            '.' => dots = true,
            c if c.is_whitespace() => {}
            _ => return false,
        }
    }
    dots
}

/// Most rounds of percent-decoding tried; a text still decoding after them is refused.
const MAX_DECODE_ROUNDS: usize = 8;

/// `text` percent-decoded until nothing is left to decode (`%252e` is `.`), or `None`
/// when it still decodes after [`MAX_DECODE_ROUNDS`] rounds.
fn fully_decoded(text: &str) -> Option<Cow<'_, str>> {
    let mut current = Cow::Borrowed(text);
    for _ in 0..MAX_DECODE_ROUNDS {
        match percent_decode_once(&current) {
            Some(next) => current = Cow::Owned(next),
            None => return Some(current),
        }
    }
    None
}

/// One round of percent-decoding, or `None` when `text` holds no `%XX`.
fn percent_decode_once(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'%') {
        return None;
    }
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut decoded_any = false;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match (byte, hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(high), Some(low)) => {
                out.push(((high << 4) | low) as u8);
                decoded_any = true;
                i += 3;
            }
            _ => {
                out.push(byte);
                i += 1;
            }
        }
    }
    decoded_any.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// Whether `path` starts with a URL scheme (`https:`, `mailto:`), so that it could be
/// read as an absolute URL.
fn has_scheme(path: &str) -> bool {
    let first = path.split(['/', '\\', '?', '#']).next().unwrap_or_default();
    let Some((scheme, _)) = first.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
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

    fn refused(result: Result<String, Error>) -> (&'static str, String) {
        match result {
            Err(Error::InvalidArgument(e)) => (e.name(), e.problem().to_owned()),
            other => panic!("expected an invalid argument, got {other:?}"),
        }
    }

    #[test]
    fn path_segment_refuses_empty_and_dot_segments_naming_the_argument() {
        for bad in [
            "",
            " ",
            "\t",
            ".",
            "..",
            "...",
            ".\t.",
            ".%0A.",
            " .. ",
            "..;x",
            "%2e",
            "%2E",
            "%2e%2e",
            "%2E%2e",
            "%2e.",
            ".%2E",
            "%252e%252e",
            "%25252E",
            "%20",
            "a/..",
            "../a",
            "a/./b",
            "a\\..",
            "..%2Fa",
            "a%2F..%2Fb",
            "a%5C..",
        ] {
            let (name, problem) = refused(path_segment("talent_scan_id", bad));
            assert_eq!(name, "talent_scan_id", "{bad:?}");
            assert!(
                problem.contains("cannot be empty, `.` or `..`"),
                "{problem}"
            );
        }
        let err = path_segment("customer_id", "..").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid argument `customer_id`: an id cannot be empty, `.` or `..`"),
            "{err}"
        );
        // Encoded past any server's decoding: refused rather than trusted.
        let deep = (0..MAX_DECODE_ROUNDS).fold("%2e".to_owned(), |s, _| s.replace('%', "%25"));
        refused(path_segment("id", &deep));
    }

    #[test]
    fn path_segment_encodes_every_other_id() {
        let cases = [
            (
                "8f14e45f-ceea-467a-9575-6d6a1b1f3f5e",
                "8f14e45f-ceea-467a-9575-6d6a1b1f3f5e",
            ),
            ("407382", "407382"),
            ("a.b", "a.b"),
            ("..a", "..a"),
            ("a..", "a.."),
            ("v1.2", "v1.2"),
            ("40/7", "40%2F7"),
            ("a b", "a%20b"),
            ("50%", "50%25"),
            ("%2e%2ex", "%252e%252ex"),
            ("SE/1001?x", "SE%2F1001%3Fx"),
        ];
        for (id, encoded) in cases {
            assert_eq!(path_segment("id", id).unwrap(), encoded, "{id:?}");
        }
    }

    #[test]
    fn encode_segment_is_unchanged_and_does_not_check() {
        assert_eq!(encode_segment(".."), "..");
        assert_eq!(encode_segment(""), "");
        assert_eq!(encode_segment("%2e"), "%252e");
    }

    #[test]
    fn the_shortcut_for_plain_paths_agrees_with_the_full_check() {
        // Every path of up to four bytes over an alphabet of plain bytes and each kind
        // of byte the full check looks at.
        let alphabet = [
            "a", "Z", "0", "-", "_", "~", "/", ".", "%", "2", "e", ":", "?", "#", "\\", " ", ";",
            "\t",
        ];
        let mut paths = vec![String::new()];
        let mut checked = 0;
        for _ in 0..4 {
            let mut longer = Vec::new();
            for p in &paths {
                for c in alphabet {
                    let path = format!("{p}{c}");
                    assert_eq!(
                        check_path(&path).is_ok(),
                        check_path_in_full(&path).is_ok(),
                        "{path:?}"
                    );
                    checked += 1;
                    longer.push(path);
                }
            }
            paths = longer;
        }
        assert!(checked > 100_000);
    }

    #[test]
    fn check_path_refuses_queries_and_fragments_in_the_path() {
        for bad in ["stations?fuel=HVO", "a#b", "/x/y?z"] {
            let err = check_path(bad).unwrap_err();
            assert!(err.to_string().contains(".query("), "{bad}: {err}");
        }
        assert!(check_path("stations/SE%3F1").is_ok());
    }

    #[test]
    fn check_path_refuses_climbing_and_absolute_paths() {
        for bad in [
            "..",
            ".",
            "/..",
            "../x",
            "a/../../x",
            "a/./b",
            "a/%2e%2e/b",
            "a/%2E%2e/b",
            "a/%252e/b",
            "a\\..\\b",
            "a/..%2Fb",
            "a/...",
            "a/.\t./b",
            "a/.%09./b",
            "a/. \n/b",
            "https://elsewhere.example/x",
            "/https://elsewhere.example/x",
            "//elsewhere.example/x",
            "mailto:x@elsewhere.example",
            "https:elsewhere.example",
        ] {
            let err = check_path(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidArgument(ref e) if e.name() == "path"),
                "{bad:?}: {err:?}"
            );
        }
        for good in [
            "",
            "/",
            "items",
            "/tagging/v2/bulk/talentscans/8f14e45f/matches",
            "customers/40%2F7",
            "payloads/protect-remote/",
            "a.b/c..d/..e",
            "/stations:search",
            "a//b",
        ] {
            assert!(check_path(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn idempotency_by_method() {
        assert!(Request::get("/").is_idempotent());
        assert!(Request::put("/").is_idempotent());
        assert!(!Request::post("/").is_idempotent());
        assert!(!Request::patch("/").is_idempotent());
    }
}
