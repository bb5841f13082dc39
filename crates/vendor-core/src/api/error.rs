//! The error of every call through the pipeline, shared by the vendor crates.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use oauth_core::__internal::{body_snippet, make_printable, redact, truncate_chars};
use oauth_core::AccessToken;
use oauth_core::{ConfigError, TokenError, TransportError};

/// Why a call to a vendor API failed.
///
/// Each variant says what to fix; vendor codes, messages and request ids are kept
/// for support tickets; no variant ever holds a secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An argument was refused before anything was sent.
    #[error(transparent)]
    InvalidArgument(InvalidArgument),
    /// No token could be obtained. (The token error is shown in this error's own
    /// text and is not repeated as its `source()`, so that an error-chain printer
    /// shows it once.)
    #[error("could not obtain an access token: {0}")]
    Token(TokenError),
    /// The API refused the caller (HTTP 401 or 403), classified.
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// The API answered with another non-success status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The API's answer could not be decoded into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The network failed.
    #[error(transparent)]
    Transport(TransportError),
    /// The overall deadline passed before the call completed.
    #[error(transparent)]
    Timeout(DeadlineExceeded),
    /// The API redirected to another origin; the call was stopped so that no
    /// credential is sent there.
    #[error(transparent)]
    Redirect(CrossOriginRedirect),
    /// The answer was larger than the configured cap.
    #[error(transparent)]
    BodyTooLarge(BodyTooLarge),
}

impl From<TokenError> for Error {
    fn from(e: TokenError) -> Self {
        Error::Token(e)
    }
}

/// An argument refused before anything was sent ([`Error::InvalidArgument`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid argument `{name}`: {problem}")]
#[non_exhaustive]
pub struct InvalidArgument {
    name: &'static str,
    problem: String,
}

impl InvalidArgument {
    /// The argument, as the method names it.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

/// The call's overall deadline passed ([`Error::Timeout`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the call did not complete within its deadline of {deadline:?} ({attempts} attempt(s))")]
#[non_exhaustive]
pub struct DeadlineExceeded {
    deadline: Duration,
    attempts: u32,
}

impl DeadlineExceeded {
    /// The deadline in force for the call.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }
    /// Attempts made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// The API redirected to another origin ([`Error::Redirect`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the API redirected ({status}) to another origin, {location_origin}; not followed, so no credential leaves the API's origin")]
#[non_exhaustive]
pub struct CrossOriginRedirect {
    status: StatusCode,
    location_origin: String,
}

impl CrossOriginRedirect {
    /// The redirect status (508 for a loop within the origin).
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// Scheme, host and port of the target (never its path or query).
    pub fn location_origin(&self) -> &str {
        &self.location_origin
    }
}

/// The answer was larger than the cap ([`Error::BodyTooLarge`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the answer is larger than the limit of {limit} bytes")]
#[non_exhaustive]
pub struct BodyTooLarge {
    limit: usize,
}

impl BodyTooLarge {
    /// The cap in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

impl Error {
    /// The HTTP status of the API's answer, if one came.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Auth(e) => Some(e.status),
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Redirect(e) => Some(e.status),
            Error::Token(e) => e.status(),
            _ => None,
        }
    }

    /// The request id the API sent, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Auth(e) => e.request_id.as_deref(),
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Token(e) => e.is_retryable(),
            Error::Api(e) => oauth_core::__internal::is_retryable_status(e.status),
            Error::Transport(e) => e.is_retryable(),
            Error::Timeout(_) => true,
            _ => false,
        }
    }

    /// The classified 401/403, if that is what this is.
    pub fn auth(&self) -> Option<&AuthError> {
        match self {
            Error::Auth(e) => Some(e),
            _ => None,
        }
    }

    /// The kind of 401/403, if that is what this is.
    pub fn auth_kind(&self) -> Option<&AuthErrorKind> {
        self.auth().map(AuthError::kind)
    }

    /// A short, stable name of the kind of failure, for metrics and the
    /// `error.type` span field (`timeout`, `auth`, `decode`, or the HTTP status).
    pub fn kind_name(&self) -> String {
        match self {
            Error::Config(_) => "config".to_owned(),
            Error::InvalidArgument(_) => "invalid_argument".to_owned(),
            Error::Token(_) => "token".to_owned(),
            Error::Auth(e) => e.status.as_u16().to_string(),
            Error::Api(e) => e.status.as_u16().to_string(),
            Error::Decode(_) => "decode".to_owned(),
            Error::Transport(_) => "transport".to_owned(),
            Error::Timeout(_) => "timeout".to_owned(),
            Error::Redirect(_) => "redirect".to_owned(),
            Error::BodyTooLarge(_) => "body_too_large".to_owned(),
        }
    }

    /// The argument refused, if that is what this is.
    pub fn invalid_argument(&self) -> Option<&InvalidArgument> {
        match self {
            Error::InvalidArgument(e) => Some(e),
            _ => None,
        }
    }

    /// An [`Error::InvalidArgument`]: `name` as the method names the argument, and
    /// what is wrong with it (for vendor crates).
    pub fn invalid(name: &'static str, problem: impl Into<String>) -> Self {
        Error::InvalidArgument(InvalidArgument {
            name,
            problem: problem.into(),
        })
    }

    pub(crate) fn deadline(deadline: Duration, attempts: u32) -> Self {
        Error::Timeout(DeadlineExceeded { deadline, attempts })
    }

    pub(crate) fn redirect(status: StatusCode, location_origin: String) -> Self {
        Error::Redirect(CrossOriginRedirect {
            status,
            location_origin,
        })
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Error::BodyTooLarge(BodyTooLarge { limit })
    }
}

/// What a 401 or 403 means, so that the caller knows what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No subscription key was sent (Azure API Management).
    SubscriptionKeyMissing,
    /// The subscription key is wrong or its subscription is not active.
    SubscriptionKeyInvalid,
    /// The subscription is not authorised for this API product, or is suspended (403).
    SubscriptionNotAuthorized,
    /// The token does not carry the role or scope the endpoint needs.
    MissingRole {
        /// The role the endpoint declared.
        required: String,
        /// The roles and scopes the token carries.
        granted: Vec<String>,
    },
    /// The token was refused even after a fresh one was fetched.
    TokenRejected,
    /// Another 401.
    Unauthorized,
    /// Another 403.
    Forbidden,
}

/// A classified 401 or 403.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthError {
    pub(crate) kind: AuthErrorKind,
    pub(crate) status: StatusCode,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
}

impl AuthError {
    /// What went wrong.
    pub fn kind(&self) -> &AuthErrorKind {
        &self.kind
    }
    /// 401 or 403.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The API's own message, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The request id the API sent.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.status.as_u16();
        match &self.kind {
            AuthErrorKind::SubscriptionKeyMissing => write!(
                f,
                "{code}: the API needs a subscription key (Ocp-Apim-Subscription-Key) and none was sent: configure the subscription key"
            )?,
            AuthErrorKind::SubscriptionKeyInvalid => write!(
                f,
                "{code}: the subscription key was rejected: check the subscription key and that its subscription is active"
            )?,
            AuthErrorKind::SubscriptionNotAuthorized => write!(
                f,
                "{code}: the subscription is not authorised for this API product, or is suspended: subscribe to the product in the developer portal"
            )?,
            AuthErrorKind::MissingRole { required, granted } => write!(
                f,
                "{code}: the token lacks the role `{required}` this endpoint needs (granted: {}): grant it to the application",
                if granted.is_empty() { "none".to_owned() } else { granted.join(", ") }
            )?,
            AuthErrorKind::TokenRejected => write!(
                f,
                "{code}: the API rejected the access token, even a freshly fetched one: check the tenant, resource or scope the token is requested for"
            )?,
            AuthErrorKind::Unauthorized => write!(
                f,
                "{code}: the API refused the credentials: check client id, secret, scope and subscription key"
            )?,
            AuthErrorKind::Forbidden => write!(
                f,
                "{code}: the API forbids this call for this caller: check its roles and subscription"
            )?,
        }
        if let Some(message) = &self.message {
            write!(f, "; the API said: {message}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthError {}

/// A non-success answer other than 401/403.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) snippet: String,
}

impl ApiError {
    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The vendor's error code, if the body had one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
    /// The vendor's message, if the body had one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The request id the API sent.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The server's `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// The start of the body (at most 512 bytes), secrets removed.
    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the API answered {}", self.status)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, ": {code}: {message}")?,
            (Some(text), None) | (None, Some(text)) => write!(f, ": {text}")?,
            (None, None) if !self.snippet.is_empty() => write!(f, ": {}", self.snippet)?,
            (None, None) => {}
        }
        let hint = match self.status.as_u16() {
            400 | 422 => Some("check the arguments"),
            404 => Some("check the id or path"),
            429 => Some("the API is throttling: slow down"),
            500..=599 => Some("the API failed: try again later"),
            _ => None,
        };
        if let Some(hint) = hint {
            write!(f, " ({hint})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// An answer that did not decode into the expected type.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    pub(crate) status: StatusCode,
    pub(crate) path: String,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
    pub(crate) snippet: String,
}

impl DecodeError {
    /// Where in the document decoding failed (`matches[3].jobScan.id`).
    pub fn path(&self) -> &str {
        &self.path
    }
    /// What serde said.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The start of the body (at most 512 bytes), secrets removed.
    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the API's answer ({}) did not match the expected shape at `{}`: {}",
            self.status, self.path, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// Headers that carry a request id, most specific first.
const REQUEST_ID_HEADERS: [&str; 7] = [
    "x-ms-request-id",
    "request-id",
    "x-request-id",
    "apim-request-id",
    "x-correlation-id",
    "x-ms-correlation-request-id",
    "traceparent",
];

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(128).collect())
    })
}

/// The vendor's code and message, read leniently from the usual error shapes:
/// `{statusCode,message}` (APIM), `{error:{code,message}}`, `{error,error_description}`,
/// `{code,message}`, `{message}`, and `application/problem+json`.
pub(crate) fn vendor_code_message(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return (None, None);
    };
    let text = |v: Option<&serde_json::Value>| -> Option<String> {
        match v? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let get = |keys: &[&str]| keys.iter().find_map(|k| text(map.get(*k)));
    if let Some(serde_json::Value::Object(inner)) = map.get("error") {
        let code = ["code", "Code"].iter().find_map(|k| text(inner.get(*k)));
        let message = ["message", "Message"]
            .iter()
            .find_map(|k| text(inner.get(*k)));
        return (code, message);
    }
    if map.contains_key("title") || map.contains_key("detail") {
        // A `type` that only points at the RFC (or is `about:blank`) names no problem
        // of the vendor's: its `title` does.
        let code = get(&["type"])
            .filter(|t| !is_generic_problem_type(t))
            .or_else(|| get(&["title"]));
        let message = get(&["detail", "title"]);
        return (code, message);
    }
    let code = get(&["error", "code", "Code", "errorCode"]);
    let message = get(&["message", "Message", "error_description", "errorMessage"]);
    (code, message)
}

/// Whether a problem+json `type` is `about:blank` or a link to the HTTP RFCs (as
/// ASP.NET writes by default) rather than a vendor's own problem type.
fn is_generic_problem_type(problem_type: &str) -> bool {
    const RFC_HOSTS: [&str; 3] = [
        "https://tools.ietf.org/",
        "https://datatracker.ietf.org/",
        "https://www.rfc-editor.org/",
    ];
    problem_type == "about:blank" || RFC_HOSTS.iter().any(|h| problem_type.starts_with(h))
}

/// Longest vendor code or message kept in an error, in characters.
const MAX_VENDOR_TEXT: usize = 500;

/// Classifies a non-success answer into an [`Error`].
pub(crate) fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    token: Option<&AccessToken>,
    required_role: Option<&str>,
    refreshed: bool,
    secrets: &[&str],
) -> Error {
    // Scrubbed before they are cut, so that a secret straddling the cut is still
    // recognised.
    let (code, message) = vendor_code_message(body);
    let scrub = |mut text: String| {
        redact(&mut text, secrets);
        make_printable(&mut text);
        truncate_chars(&text, MAX_VENDOR_TEXT).to_owned()
    };
    let (code, message) = (code.map(scrub), message.map(scrub));
    let request_id = request_id(headers);
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        let kind = auth_kind(
            status,
            headers,
            message.as_deref(),
            token,
            required_role,
            refreshed,
        );
        return Error::Auth(Box::new(AuthError {
            kind,
            status,
            message,
            request_id,
        }));
    }
    let snippet = body_snippet(body, secrets);
    Error::Api(Box::new(ApiError {
        status,
        code,
        message,
        request_id,
        retry_after: oauth_core::__internal::retry_after(headers),
        snippet,
    }))
}

/// Whether the answer is APIM's complaint about the subscription key, which a new
/// token cannot fix.
pub(crate) fn is_subscription_key_problem(body: &[u8]) -> bool {
    let (_, message) = vendor_code_message(body);
    message
        .map(|m| m.to_ascii_lowercase().contains("subscription key"))
        .unwrap_or(false)
}

fn auth_kind(
    status: StatusCode,
    headers: &HeaderMap,
    message: Option<&str>,
    token: Option<&AccessToken>,
    required_role: Option<&str>,
    refreshed: bool,
) -> AuthErrorKind {
    let lower = message.map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.contains("missing subscription key") {
        return AuthErrorKind::SubscriptionKeyMissing;
    }
    if lower.contains("invalid subscription key") {
        return AuthErrorKind::SubscriptionKeyInvalid;
    }
    if status == StatusCode::FORBIDDEN
        && (lower.contains("not authorized for this product")
            || lower.contains("not authorised for this product")
            || lower.contains("suspended")
            || (lower.contains("subscription") && lower.contains("not active")))
    {
        return AuthErrorKind::SubscriptionNotAuthorized;
    }
    if let (Some(required), Some(claims)) = (required_role, token.and_then(AccessToken::claims)) {
        if !claims.has_role(required) {
            return AuthErrorKind::MissingRole {
                required: required.to_owned(),
                granted: claims.granted().into_iter().map(str::to_owned).collect(),
            };
        }
    }
    let invalid_token = headers
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("invalid_token"));
    if status == StatusCode::UNAUTHORIZED && (invalid_token || (refreshed && token.is_some())) {
        return AuthErrorKind::TokenRejected;
    }
    if status == StatusCode::FORBIDDEN {
        AuthErrorKind::Forbidden
    } else {
        AuthErrorKind::Unauthorized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prints an error and its `source()` chain, as anyhow and eyre do.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }

    #[test]
    fn a_token_error_shows_its_cause_once_in_a_chain() {
        let cause = TokenError::InvalidResponse("no access_token in the answer".into());
        let err = Error::from(cause);
        let text = chain(&err);
        assert_eq!(
            text.matches("no access_token in the answer").count(),
            1,
            "{text}"
        );
        assert!(
            text.starts_with("could not obtain an access token"),
            "{text}"
        );
    }

    #[test]
    fn struct_variants_expose_accessors() {
        let e = Error::invalid("page", "Kazi numbers pages from 1");
        let arg = e.invalid_argument().unwrap();
        assert_eq!(
            (arg.name(), arg.problem()),
            ("page", "Kazi numbers pages from 1")
        );
        assert_eq!(
            e.to_string(),
            "invalid argument `page`: Kazi numbers pages from 1"
        );
        assert_eq!(e.kind_name(), "invalid_argument");
        let t = Error::deadline(Duration::from_secs(2), 3);
        assert!(
            matches!(&t, Error::Timeout(d) if d.deadline() == Duration::from_secs(2) && d.attempts() == 3)
        );
        assert!(t.is_retryable());
        let r = Error::redirect(StatusCode::FOUND, "https://elsewhere.example".into());
        assert_eq!(r.status(), Some(StatusCode::FOUND));
        assert!(
            matches!(&r, Error::Redirect(x) if x.location_origin() == "https://elsewhere.example")
        );
        assert!(matches!(Error::too_large(10), Error::BodyTooLarge(b) if b.limit() == 10));
    }

    #[test]
    fn reads_the_usual_error_shapes() {
        let cases: [(&str, Option<&str>, Option<&str>); 7] = [
            (
                r#"{"statusCode":401,"message":"Access denied"}"#,
                None,
                Some("Access denied"),
            ),
            (
                r#"{"error":{"code":"BadThing","message":"it broke"}}"#,
                Some("BadThing"),
                Some("it broke"),
            ),
            (
                r#"{"error":"invalid_request","error_description":"nope"}"#,
                Some("invalid_request"),
                Some("nope"),
            ),
            (r#"{"code":"E1","message":"m"}"#, Some("E1"), Some("m")),
            (r#"{"message":"only"}"#, None, Some("only")),
            (
                r#"{"type":"https://x/probs/out-of-credit","title":"No credit","detail":"Balance 30"}"#,
                Some("https://x/probs/out-of-credit"),
                Some("Balance 30"),
            ),
            ("<html>no</html>", None, None),
        ];
        assert_code_and_message(&cases);
    }

    #[test]
    fn problem_json_with_a_generic_type_is_coded_by_its_title() {
        let cases: [(&str, Option<&str>, Option<&str>); 6] = [
            (
                r#"{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.4","title":"Not Found","status":404,"traceId":"00-1"}"#,
                Some("Not Found"),
                Some("Not Found"),
            ),
            (
                r#"{"type":"https://datatracker.ietf.org/doc/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","detail":"page must be positive"}"#,
                Some("One or more validation errors occurred."),
                Some("page must be positive"),
            ),
            (
                r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110#section-15.6.1","title":"Internal Server Error"}"#,
                Some("Internal Server Error"),
                Some("Internal Server Error"),
            ),
            (
                r#"{"type":"about:blank","title":"Too Many Requests","detail":"slow down"}"#,
                Some("Too Many Requests"),
                Some("slow down"),
            ),
            (
                r#"{"type":"about:blank","detail":"no title"}"#,
                None,
                Some("no title"),
            ),
            (
                r#"{"type":"https://kazi.example/problems/scan-not-found","title":"Scan not found"}"#,
                Some("https://kazi.example/problems/scan-not-found"),
                Some("Scan not found"),
            ),
        ];
        assert_code_and_message(&cases);
    }

    /// Checks what `vendor_code_message` reads from each body.
    fn assert_code_and_message(cases: &[(&str, Option<&str>, Option<&str>)]) {
        for (body, code, message) in cases {
            let (c, m) = vendor_code_message(body.as_bytes());
            assert_eq!(c.as_deref(), *code, "{body}");
            assert_eq!(m.as_deref(), *message, "{body}");
        }
    }

    /// A 400 with `body`, classified as the caller gets it, and its API error.
    fn bad_request(body: &[u8]) -> (Error, ApiError) {
        let err = classify(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body,
            None,
            None,
            false,
            &[],
        );
        let Error::Api(api) = &err else {
            panic!("expected an API error, got {err:?}");
        };
        let api = (**api).clone();
        (err, api)
    }

    #[test]
    fn a_numeric_vendor_code_is_read_as_the_code() {
        let cases: [(&str, Option<&str>, Option<&str>); 3] = [
            (
                r#"{"code":1001,"message":"Page out of range"}"#,
                Some("1001"),
                Some("Page out of range"),
            ),
            (
                r#"{"error":{"code":40401,"message":"Scan not found"}}"#,
                Some("40401"),
                Some("Scan not found"),
            ),
            (
                r#"{"errorCode":7,"errorMessage":"Quota exhausted"}"#,
                Some("7"),
                Some("Quota exhausted"),
            ),
        ];
        assert_code_and_message(&cases);
        // As the caller sees it.
        let (err, api) = bad_request(br#"{"code":1001,"message":"Page out of range"}"#);
        assert_eq!(api.code(), Some("1001"));
        assert_eq!(
            err.to_string(),
            "the API answered 400 Bad Request: 1001: Page out of range (check the arguments)"
        );
    }

    #[test]
    fn an_empty_vendor_code_or_message_counts_as_none() {
        let cases: [(&str, Option<&str>, Option<&str>); 4] = [
            (
                r#"{"code":"","message":"bad page"}"#,
                None,
                Some("bad page"),
            ),
            // An empty `error` gives way to the next key that has a code.
            (
                r#"{"error":"","code":"E42","message":"m"}"#,
                Some("E42"),
                Some("m"),
            ),
            (
                r#"{"error":"invalid_grant","message":"","error_description":"the grant expired"}"#,
                Some("invalid_grant"),
                Some("the grant expired"),
            ),
            (r#"{"error":{"code":"","message":""}}"#, None, None),
        ];
        assert_code_and_message(&cases);
        // As the caller sees it: no empty code before the message.
        let (err, api) = bad_request(br#"{"code":"","message":"bad page"}"#);
        assert_eq!(api.code(), None);
        assert_eq!(
            err.to_string(),
            "the API answered 400 Bad Request: bad page (check the arguments)"
        );
    }

    #[test]
    fn a_decode_error_says_where_what_serde_said_and_the_request_id() {
        let decode = DecodeError {
            status: StatusCode::OK,
            path: "matches[3].jobScan.id".to_owned(),
            message: "invalid type: null, expected a string at line 1 column 42".to_owned(),
            request_id: Some("req-7f3a".to_owned()),
            snippet: r#"{"matches":[{},{},{},{"jobScan":{"id":null}}]}"#.to_owned(),
        };
        let expected = "the API's answer (200 OK) did not match the expected shape at \
             `matches[3].jobScan.id`: invalid type: null, expected a string at line 1 column 42 \
             [request id req-7f3a]";
        assert_eq!(decode.to_string(), expected);
        let err = Error::Decode(Box::new(decode.clone()));
        assert_eq!(err.to_string(), expected);
        assert_eq!(err.status(), Some(StatusCode::OK));
        assert_eq!(err.request_id(), Some("req-7f3a"));
        assert_eq!(err.kind_name(), "decode");
        assert!(!err.is_retryable());

        let without_id = DecodeError {
            request_id: None,
            ..decode
        };
        assert_eq!(
            without_id.to_string(),
            "the API's answer (200 OK) did not match the expected shape at \
             `matches[3].jobScan.id`: invalid type: null, expected a string at line 1 column 42"
        );
    }

    /// An APIM-style error body (`{statusCode, message}`).
    fn apim_body(status: u16, message: &str) -> Vec<u8> {
        serde_json::json!({ "statusCode": status, "message": message })
            .to_string()
            .into_bytes()
    }

    /// The kind of a 401/403 answer, classified as the pipeline classifies it.
    fn auth_kind_of(
        status: u16,
        www_authenticate: Option<&'static str>,
        message: &str,
        token: Option<&AccessToken>,
        refreshed: bool,
    ) -> AuthErrorKind {
        let status = StatusCode::from_u16(status).unwrap();
        let mut headers = HeaderMap::new();
        if let Some(challenge) = www_authenticate {
            headers.insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(challenge),
            );
        }
        let body = apim_body(status.as_u16(), message);
        let err = classify(status, &headers, &body, token, None, refreshed, &[]);
        assert_eq!(err.status(), Some(status), "{err:?}");
        err.auth_kind()
            .cloned()
            .unwrap_or_else(|| panic!("expected an auth error, got {err:?}"))
    }

    #[test]
    fn apim_subscription_answers_are_classified_by_status_and_message() {
        use AuthErrorKind::*;
        // Each row differs from a neighbour in one condition only, which alone
        // decides the kind.
        let cases: [(u16, &str, AuthErrorKind); 14] = [
            (
                401,
                "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
                SubscriptionKeyMissing,
            ),
            (
                401,
                "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
                SubscriptionKeyInvalid,
            ),
            // "not authorized for this product": only on a 403.
            (
                403,
                "The subscription is not authorized for this product.",
                SubscriptionNotAuthorized,
            ),
            (
                401,
                "The subscription is not authorized for this product.",
                Unauthorized,
            ),
            // British spelling.
            (
                403,
                "The subscription is not authorised for this product.",
                SubscriptionNotAuthorized,
            ),
            // "suspended" alone.
            (403, "Access suspended by the API publisher.", SubscriptionNotAuthorized),
            (403, "Subscription 4711 is suspended.", SubscriptionNotAuthorized),
            (401, "Subscription 4711 is suspended.", Unauthorized),
            // "subscription" and "not active" together, neither alone.
            (403, "Subscription 4711 is not active.", SubscriptionNotAuthorized),
            (403, "Subscription 4711 has used up its call quota.", Forbidden),
            (403, "The client application is not active.", Forbidden),
            (401, "Subscription 4711 is not active.", Unauthorized),
            // Nothing APIM-specific.
            (403, "Forbidden", Forbidden),
            (401, "Unauthorized", Unauthorized),
        ];
        for (status, message, kind) in cases {
            assert_eq!(
                auth_kind_of(status, None, message, None, false),
                kind,
                "{status} {message}"
            );
        }
    }

    #[test]
    fn a_401_is_a_rejected_token_when_the_api_says_so_or_a_fresh_token_was_refused() {
        use AuthErrorKind::*;
        const INVALID_TOKEN: &str =
            r#"Bearer error="invalid_token", error_description="The token expired""#;
        const NO_TOKEN_PROBLEM: &str = r#"Bearer realm="kazi""#;
        let token = AccessToken::valid_for("opaque-token", Duration::from_secs(3600));
        let t = Some(&token);
        // (status, WWW-Authenticate, token sent, token was just refreshed, kind)
        let cases = [
            // The API calls the token invalid: even without a refresh, even with no
            // token in hand.
            (401, Some(INVALID_TOKEN), None, false, TokenRejected),
            (401, Some(INVALID_TOKEN), t, false, TokenRejected),
            // ... but a 403 stays a 403.
            (403, Some(INVALID_TOKEN), t, false, Forbidden),
            (401, Some(NO_TOKEN_PROBLEM), None, false, Unauthorized),
            // A freshly fetched token refused: a refresh and a token, both needed.
            (401, None, t, true, TokenRejected),
            (401, None, None, true, Unauthorized),
            (401, None, t, false, Unauthorized),
            (403, None, t, true, Forbidden),
            // Neither.
            (401, None, None, false, Unauthorized),
            (403, None, None, false, Forbidden),
        ];
        for (status, challenge, token, refreshed, kind) in cases {
            assert_eq!(
                auth_kind_of(status, challenge, "Unauthorized", token, refreshed),
                kind,
                "{status} {challenge:?} token: {} refreshed: {refreshed}",
                token.is_some()
            );
        }
    }

    #[test]
    fn a_token_without_the_required_role_is_named_as_such() {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = serde_json::json!({ "roles": ["read:talentscans"], "aud": "api://kazi" });
        let jwt = format!(
            "{}.{}.sig",
            b64.encode(r#"{"alg":"none"}"#),
            b64.encode(payload.to_string())
        );
        let token = AccessToken::valid_for(jwt, Duration::from_secs(3600));
        let classify_with = |role: &str| {
            classify(
                StatusCode::FORBIDDEN,
                &HeaderMap::new(),
                &apim_body(403, "Forbidden"),
                Some(&token),
                Some(role),
                false,
                &[],
            )
        };
        assert_eq!(
            classify_with("write:talentscans").auth_kind(),
            Some(&AuthErrorKind::MissingRole {
                required: "write:talentscans".to_owned(),
                granted: vec!["read:talentscans".to_owned()],
            })
        );
        assert_eq!(
            classify_with("read:talentscans").auth_kind(),
            Some(&AuthErrorKind::Forbidden)
        );
    }
}
