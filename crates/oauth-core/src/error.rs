//! Errors of the token engine and of configuration.
//!
//! Every error here is `Clone` (a failed single-flight fetch is handed to every
//! waiter), `#[non_exhaustive]`, and never holds a secret: request bodies are never
//! kept, and response snippets are scrubbed of the credentials that were sent.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

/// Most bytes of a response body kept in an error, for diagnosis.
pub const MAX_SNIPPET_BYTES: usize = 512;

/// A configuration value was refused when a client or provider was built.
///
/// The message says which setting is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration for `{field}`: {problem}")]
pub struct ConfigError {
    field: &'static str,
    problem: String,
}

impl ConfigError {
    /// Creates an error about `field`.
    pub fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self {
            field,
            problem: problem.into(),
        }
    }

    /// The setting (or environment variable) that is wrong.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

/// Why a token could not be obtained.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token endpoint answered with an OAuth 2.0 error (RFC 6749 §5.2).
    #[error(transparent)]
    OAuth(Box<OAuthError>),
    /// The token endpoint answered with a non-success status and a body that is not
    /// an OAuth error (for example an HTML page from a proxy).
    #[error(transparent)]
    Status(Box<StatusError>),
    /// The token endpoint answered with success, but the answer is not a usable token.
    #[error("the token endpoint sent an unusable answer: {0}")]
    InvalidResponse(String),
    /// The token endpoint could not be reached, or the connection failed.
    #[error(transparent)]
    Transport(TransportError),
    /// Attempts or the overall deadline ran out.
    #[error("no token within the deadline of {deadline:?} after {attempts} attempt(s); last failure: {last}")]
    DeadlineExceeded {
        /// The configured overall deadline.
        deadline: Duration,
        /// Attempts made.
        attempts: u32,
        /// The last failure seen.
        last: Box<TokenError>,
    },
    /// A recent fetch failed and the cache is waiting before it asks again.
    #[error("a recent token request failed; next attempt allowed in {retry_in:?}: {last}")]
    BackingOff {
        /// Time left before the cache asks the token endpoint again.
        retry_in: Duration,
        /// The failure that started the wait.
        last: Box<TokenError>,
    },
    /// The fetch task ended without an answer (the runtime shut down).
    #[error("the token fetch was abandoned before it finished")]
    Abandoned,
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl TokenError {
    /// Whether asking again later may succeed (throttling, server or network trouble).
    pub fn is_retryable(&self) -> bool {
        match self {
            TokenError::OAuth(e) => is_retryable_status(e.status),
            TokenError::Status(e) => is_retryable_status(e.status),
            TokenError::Transport(e) => e.kind() != TransportErrorKind::TooLarge,
            TokenError::Abandoned => true,
            TokenError::DeadlineExceeded { last, .. } | TokenError::BackingOff { last, .. } => {
                last.is_retryable()
            }
            TokenError::InvalidResponse(_) | TokenError::Config(_) => false,
        }
    }

    /// The OAuth error the token endpoint sent, if any (looking through wrappers).
    pub fn oauth(&self) -> Option<&OAuthError> {
        match self {
            TokenError::OAuth(e) => Some(e),
            TokenError::DeadlineExceeded { last, .. } | TokenError::BackingOff { last, .. } => {
                last.oauth()
            }
            _ => None,
        }
    }

    /// The HTTP status of the token endpoint's answer, if one came.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            TokenError::OAuth(e) => Some(e.status),
            TokenError::Status(e) => Some(e.status),
            TokenError::DeadlineExceeded { last, .. } | TokenError::BackingOff { last, .. } => {
                last.status()
            }
            _ => None,
        }
    }
}

/// Statuses worth retrying at any endpoint: timeouts, throttling, transient server trouble.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// An OAuth 2.0 error answer, with the extra fields Azure AD adds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    pub(crate) status: StatusCode,
    pub(crate) error: String,
    pub(crate) description: Option<String>,
    pub(crate) uri: Option<String>,
    pub(crate) aadsts: Vec<u64>,
    pub(crate) trace_id: Option<String>,
    pub(crate) correlation_id: Option<String>,
    pub(crate) timestamp: Option<String>,
}

impl OAuthError {
    /// HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The RFC 6749 `error` code, e.g. `invalid_client`.
    pub fn code(&self) -> &str {
        &self.error
    }
    /// The server's `error_description`.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// The server's `error_uri`.
    pub fn uri(&self) -> Option<&str> {
        self.uri.as_deref()
    }
    /// Azure AD `AADSTS` numbers, from `error_codes` or the description.
    pub fn aadsts_codes(&self) -> &[u64] {
        &self.aadsts
    }
    /// Whether Azure AD reported the given `AADSTS` number.
    pub fn has_aadsts(&self, code: u64) -> bool {
        self.aadsts.contains(&code)
    }
    /// Azure AD's `trace_id`, to quote when asking the vendor for help.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }
    /// Azure AD's `correlation_id`.
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }
    /// Azure AD's `timestamp`, as sent.
    pub fn timestamp(&self) -> Option<&str> {
        self.timestamp.as_deref()
    }

    /// A hint about what to change, from the error code and AADSTS numbers.
    pub fn hint(&self) -> &'static str {
        let known = [
            (
                7_000_215,
                "the client secret is wrong or expired: check the client secret",
            ),
            (7_000_222, "the client secret has expired: create a new one"),
            (
                700_016,
                "the application was not found in the tenant: check the client id and tenant",
            ),
            (
                90_002,
                "the tenant was not found: check the tenant id or domain",
            ),
            (
                70_011,
                "the scope is not valid: check the scope (it usually ends in /.default)",
            ),
            (
                500_011,
                "the resource was not found in the tenant: check the resource or scope",
            ),
            (50_126, "the username or password is wrong"),
            (
                50_001,
                "the resource is missing or unknown: check the resource",
            ),
            (
                90_055,
                "the token endpoint is throttling this client: slow down",
            ),
            (
                50_196,
                "the client is looping on the token endpoint: cache tokens",
            ),
        ];
        if let Some((_, hint)) = known.iter().find(|(code, _)| self.has_aadsts(*code)) {
            return hint;
        }
        match self.error.as_str() {
            "invalid_client" => {
                "the client credentials were refused: check the client id and secret"
            }
            "unauthorized_client" => {
                "this client may not use this grant: check the app registration"
            }
            "invalid_grant" => "the grant was refused: check the username and password",
            "invalid_scope" => "the scope was refused: check the scope",
            "invalid_resource" => "the resource was refused: check the resource",
            "invalid_request" => {
                "the token request was malformed: check tenant, scope and resource"
            }
            "unsupported_grant_type" => "the token endpoint does not support this grant",
            "temporarily_unavailable" => "the token endpoint is busy: try again later",
            _ => "see the error description",
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the token endpoint answered {} `{}`",
            self.status.as_u16(),
            self.error
        )?;
        if let Some(first) = self.aadsts.first() {
            write!(f, " (AADSTS{first})")?;
        }
        write!(f, ": {}", self.hint())?;
        if let Some(line) = self
            .description
            .as_deref()
            .and_then(|d| d.lines().next())
            .filter(|l| !l.is_empty())
        {
            write!(f, "; server said: {}", truncate_chars(line, 200))?;
        }
        if let Some(trace) = &self.trace_id {
            write!(f, " [trace id {trace}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for OAuthError {}

/// A non-success answer whose body is not in a shape we understand.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusError {
    pub(crate) status: StatusCode,
    pub(crate) content_type: Option<String>,
    pub(crate) snippet: String,
}

impl StatusError {
    /// HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The `Content-Type` of the answer.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
    /// The start of the body (at most [`MAX_SNIPPET_BYTES`] bytes).
    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status.is_redirection() {
            // Token requests never follow redirects: a credential must not be replayed.
            return write!(
                f,
                "the token endpoint redirected ({}); redirects are not followed for token requests: configure the final token URL",
                self.status
            );
        }
        write!(
            f,
            "the token endpoint answered {} with a body that is not an OAuth error",
            self.status
        )?;
        if !self.snippet.is_empty() {
            write!(f, ": {}", self.snippet)?;
        }
        Ok(())
    }
}

impl std::error::Error for StatusError {}

/// What kind of network failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made.
    Connect,
    /// An attempt took longer than its timeout.
    Timeout,
    /// Reading the body failed.
    Body,
    /// The body was larger than the configured cap.
    TooLarge,
    /// Any other failure.
    Other,
}

/// The network failed before an answer arrived.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind_text}: {message}")]
pub struct TransportError {
    kind: TransportErrorKind,
    kind_text: &'static str,
    message: String,
}

impl TransportError {
    /// Creates a transport error (the message must not contain a secret).
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        let kind_text = match kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Body => "could not read the answer",
            TransportErrorKind::TooLarge => "the answer is too large",
            TransportErrorKind::Other => "the request failed",
        };
        Self {
            kind,
            kind_text,
            message: message.into(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    pub(crate) fn from_reqwest(err: &reqwest::Error) -> Self {
        let kind = if err.is_timeout() {
            TransportErrorKind::Timeout
        } else if err.is_connect() {
            TransportErrorKind::Connect
        } else if err.is_body() || err.is_decode() {
            TransportErrorKind::Body
        } else {
            TransportErrorKind::Other
        };
        // reqwest's message names the URL (never a secret: secrets travel in bodies and
        // headers) and its source chain says why.
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Self::new(kind, message)
    }
}

/// Makes a bounded, printable snippet of a body with the given secrets removed.
pub fn body_snippet(body: &[u8], secrets: &[&str]) -> String {
    // Redact the whole body before cutting it: a secret that straddles the cut
    // would otherwise leave its first bytes in the snippet, unredacted.
    let mut text = String::from_utf8_lossy(body).into_owned();
    redact(&mut text, secrets);
    let text = text.trim();
    if text.len() <= MAX_SNIPPET_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_SNIPPET_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text[..end].trim_end())
}

/// Replaces every occurrence of each (non-trivial) secret with `[redacted]`.
pub(crate) fn redact(text: &mut String, secrets: &[&str]) {
    // Longest first, so that a secret inside a longer encoded form of another does
    // not break the longer one up before it is found.
    let mut secrets = secrets.to_vec();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets {
        if secret.len() >= 4 && text.contains(secret) {
            *text = text.replace(secret, "[redacted]");
        }
    }
}

pub(crate) fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded_and_redacted() {
        let mut body = b"<html>secret-value ".to_vec();
        body.extend(std::iter::repeat_n(b'x', 2000));
        let s = body_snippet(&body, &["secret-value"]);
        assert!(s.len() <= MAX_SNIPPET_BYTES + 4);
        assert!(!s.contains("secret-value"));
        assert!(s.contains("[redacted]"));
        assert!(s.ends_with('…'));
    }

    #[test]
    fn snippet_does_not_split_utf8() {
        let body = "é".repeat(600);
        let s = body_snippet(body.as_bytes(), &[]);
        assert!(!s.contains('\u{FFFD}'));
    }

    #[test]
    fn oauth_error_display_has_code_hint_and_trace() {
        let e = OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client".into(),
            description: Some(
                "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: abc".into(),
            ),
            uri: None,
            aadsts: vec![7_000_215],
            trace_id: Some("abc".into()),
            correlation_id: None,
            timestamp: None,
        };
        let text = e.to_string();
        assert!(text.contains("AADSTS7000215"), "{text}");
        assert!(text.contains("check the client secret"), "{text}");
        assert!(text.contains("[trace id abc]"), "{text}");
        assert!(
            !text.contains("Trace ID: abc"),
            "only the first line: {text}"
        );
    }
}
