//! Errors of the token engine and of configuration.
//!
//! Every error here is `Clone` (a failed single-flight fetch is handed to every
//! waiter), `#[non_exhaustive]`, and never holds a secret: request bodies are never
//! kept, and response snippets are scrubbed of the credentials that were sent.

use std::fmt::{self, Write as _};
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
    /// A short, stable name of the kind of failure, for metrics and the
    /// `error.type` span field (the OAuth error code, or `transport`, `timeout`, ...).
    pub fn kind_name(&self) -> String {
        match self {
            TokenError::OAuth(e) => e.code().to_owned(),
            TokenError::Status(e) => e.status().as_u16().to_string(),
            TokenError::Transport(_) => "transport".to_owned(),
            TokenError::InvalidResponse(_) => "invalid_response".to_owned(),
            TokenError::DeadlineExceeded { .. } => "timeout".to_owned(),
            TokenError::BackingOff { .. } => "backing_off".to_owned(),
            TokenError::Abandoned => "abandoned".to_owned(),
            TokenError::Config(_) => "config".to_owned(),
        }
    }

    /// Whether asking again later may succeed (throttling, server or network trouble).
    pub fn is_retryable(&self) -> bool {
        match self {
            TokenError::OAuth(e) => is_retryable_status(e.status),
            TokenError::Status(e) => is_retryable_status(e.status),
            TokenError::Transport(e) => e.is_retryable(),
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
pub fn is_retryable_status(status: StatusCode) -> bool {
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
        if self.has_aadsts(700_027) {
            let expired = self
                .description
                .as_deref()
                .is_some_and(|d| d.contains("is expired"));
            return if expired {
                "the certificate's registration has expired: upload a new certificate to the app registration and use it"
            } else {
                "the client assertion's signature was refused: check that this certificate (its thumbprint) is registered on the app and that its private key is the one used"
            };
        }
        let known = [
            (
                50_076,
                "multi-factor authentication is required, which the password grant cannot do: use an application credential (secret, certificate, managed identity) or exclude this account from MFA",
            ),
            (
                50_079,
                "the user must register for multi-factor authentication, which the password grant cannot do: use an application credential",
            ),
            (
                50_158,
                "an external security challenge is required, which the password grant cannot answer: use an application credential",
            ),
            (
                53_003,
                "a Conditional Access policy blocked the sign-in: ask the tenant's administrator which policy applies",
            ),
            (
                65_001,
                "the application has not been granted consent for this API: ask an administrator to grant admin consent",
            ),
            (50_034, "the user account does not exist in this tenant: check the username and tenant"),
            (
                50_053,
                "the account is locked (too many sign-ins with a wrong password): wait, or ask an administrator",
            ),
            (50_055, "the user's password has expired: the user must change it"),
            (50_057, "the user account is disabled: ask an administrator"),
            (
                1_002_012,
                "client credentials need a scope of the form `<resource>/.default`: check the scope",
            ),
            (
                7_000_218,
                "the request carried no client secret or assertion: set the client secret (or a certificate)",
            ),
            (
                900_023,
                "the tenant is not a valid tenant id or domain: check the tenant",
            ),
            (
                700_024,
                "the client assertion is expired or not yet valid: check this machine's clock",
            ),
            (
                700_023,
                "the client assertion's audience is not this token endpoint: check the tenant and authority",
            ),
            (
                700_021,
                "the client assertion was made for another client id: check the client id",
            ),
            (
                70_021,
                "no federated credential of the app matches the token's issuer, subject or audience: check the app's federated credentials",
            ),
            (
                700_211,
                "no federated credential of the app matches the token's issuer: check the app's federated credentials",
            ),
            (
                700_213,
                "no federated credential of the app matches the token's subject: check the app's federated credentials",
            ),
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
        // What support asks for: the trace and correlation ids, the time, the code's page.
        let mut support = Vec::new();
        if let Some(trace) = &self.trace_id {
            support.push(format!("trace id {trace}"));
        }
        if let Some(correlation) = &self.correlation_id {
            support.push(format!("correlation id {correlation}"));
        }
        if let Some(at) = &self.timestamp {
            support.push(format!("at {at}"));
        }
        if let Some(code) = self.aadsts.first() {
            support.push(format!(
                "https://login.microsoftonline.com/error?code={code}"
            ));
        }
        if !support.is_empty() {
            write!(f, " [{}]", support.join(", "))?;
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
    /// The connection could not be made (and may be made on another try).
    Connect,
    /// The server's certificate is not trusted (unknown issuer, expired, wrong name):
    /// trying again cannot help; trust the right root or fix the URL.
    Tls,
    /// The host name could not be resolved: check the URL (trying again rarely helps).
    Dns,
    /// Nothing listens on a loopback address and port: start the server or fix the
    /// port (not retried; on other hosts a refused connection counts as
    /// [`TransportErrorKind::Connect`], which is).
    Refused,
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
            TransportErrorKind::Tls => {
                "the server's TLS certificate is not trusted (not retried: trust its root or fix the URL)"
            }
            TransportErrorKind::Dns => {
                "the host name could not be resolved (not retried: check the URL)"
            }
            TransportErrorKind::Refused => {
                "nothing listens on this loopback address and port (not retried: is the server running?)"
            }
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

    /// Whether another attempt may succeed: not for failures that repeat
    /// identically (an untrusted certificate, an unknown host, a closed loopback
    /// port, an answer over the size cap).
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self.kind,
            TransportErrorKind::TooLarge
                | TransportErrorKind::Tls
                | TransportErrorKind::Dns
                | TransportErrorKind::Refused
        )
    }

    pub(crate) fn from_reqwest(err: &reqwest::Error) -> Self {
        // reqwest's message names the URL (never a secret: secrets travel in bodies and
        // headers) and its source chain says why.
        let chain = SourceChain::walk(err);
        let message = chain.message;
        let kind = if err.is_timeout() {
            TransportErrorKind::Timeout
        } else if err.is_connect() {
            classify_connect(
                &message,
                chain.refused,
                chain.invalid_data,
                err.url().is_some_and(crate::endpoint::is_loopback),
            )
        } else if err.is_body() || err.is_decode() {
            TransportErrorKind::Body
        } else {
            TransportErrorKind::Other
        };
        Self::new(kind, message)
    }
}

/// An error's message with its whole source chain, and what the chain's I/O errors say.
#[derive(Debug)]
struct SourceChain {
    /// The messages, outermost first, joined by `": "`.
    message: String,
    /// An I/O error in the chain is `ConnectionRefused`.
    refused: bool,
    /// An I/O error in the chain is `InvalidData` (how TLS stacks report a bad
    /// certificate).
    invalid_data: bool,
}

impl SourceChain {
    fn walk(err: &dyn std::error::Error) -> Self {
        let mut chain = Self {
            message: err.to_string(),
            refused: false,
            invalid_data: false,
        };
        let mut source = err.source();
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                chain.refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
                chain.invalid_data |= io.kind() == std::io::ErrorKind::InvalidData;
            }
            chain.message.push_str(": ");
            chain.message.push_str(&s.to_string());
            source = s.source();
        }
        chain
    }
}

/// Tells the connection failures that repeat identically from the transient ones.
/// The TLS and resolver errors reach us only as text inside `io::Error`s, so their
/// messages are read (rustls: "invalid peer certificate"; native-tls on OpenSSL,
/// Secure Transport and SChannel: their own texts; the resolver: "dns error").
fn classify_connect(
    message: &str,
    refused: bool,
    invalid_data: bool,
    loopback: bool,
) -> TransportErrorKind {
    let lower = message.to_ascii_lowercase();
    const UNTRUSTED: [&str; 5] = [
        "invalid peer certificate",
        "certificate verify failed",
        "certificate was not trusted",
        "not trusted by the trust provider",
        "issued by an authority that is not trusted",
    ];
    if UNTRUSTED.iter().any(|text| lower.contains(text))
        || (invalid_data && lower.contains("certificate"))
    {
        TransportErrorKind::Tls
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        TransportErrorKind::Dns
    } else if refused && loopback {
        TransportErrorKind::Refused
    } else {
        TransportErrorKind::Connect
    }
}

/// Makes a bounded, printable snippet of a body with the given secrets removed.
pub fn body_snippet(body: &[u8], secrets: &[&str]) -> String {
    // Redact the whole body before cutting it: a secret that straddles the cut
    // would otherwise leave its first bytes in the snippet, unredacted.
    let mut text = String::from_utf8_lossy(body).into_owned();
    // A JSON body may spell a secret with `\u` escapes (.NET writes `&` as
    // `\u0026`, Python non-ASCII as `\u00e9`): such a body is scrubbed in its
    // canonical form, where every escape is undone.
    if text.contains("\\u") {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            text = value.to_string();
        }
    }
    redact(&mut text, secrets);
    make_printable(&mut text);
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

/// Secrets shorter than this are not searched for (they would match innocent text):
/// a text that holds one in any spelling is withheld whole instead.
const MIN_REDACTABLE_LEN: usize = 4;

/// How many times a secret may have been JSON-escaped and still be found: a JSON
/// error body quoting a JSON request body escapes it twice; three covers one more
/// layer of quoting.
const MAX_JSON_DEPTH: usize = 3;

/// Every spelling in which `secret` can appear in a text that quotes a request:
/// as is, form- and percent-encoded, and JSON-escaped up to `MAX_JSON_DEPTH` (3)
/// times, each also after form encoding and the other way round.
pub fn spellings(secret: &str) -> Vec<String> {
    let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let json = |s: &str| {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        quoted
            .strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .unwrap_or(&quoted)
            .to_owned()
    };
    let mut out = vec![secret.to_owned()];
    let encoded = form(secret);
    out.push(encoded.replace('+', "%20"));
    // Some encoders write the hex digits in lower case (`%2b`).
    out.push(lowercase_hex(&encoded));
    out.push(lowercase_hex(&encoded.replace('+', "%20")));
    out.push(encoded);
    let mut escaped = secret.to_owned();
    for _ in 0..MAX_JSON_DEPTH {
        escaped = json(&escaped);
        out.push(form(&escaped));
        out.push(escaped.clone());
    }
    out.push(json(&form(secret)));
    out.sort_unstable();
    out.dedup();
    out
}

/// `text` with the hex digits of its `%XX` escapes in lower case.
fn lowercase_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escape = 0;
    for c in text.chars() {
        if c == '%' {
            escape = 2;
            out.push(c);
        } else if escape > 0 {
            escape -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Scrubs every spelling (see `spellings`) of each secret from `text`.
///
/// Secrets of `MIN_REDACTABLE_LEN` (4) bytes or more are replaced with `[redacted]`
/// wherever they occur; if a shorter one occurs in any spelling, the whole text is
/// replaced, since scrubbing one or two characters would both leak and mangle.
pub fn redact(text: &mut String, secrets: &[&str]) {
    let mut forms: Vec<String> = Vec::new();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let spelled = spellings(secret);
        if secret.len() < MIN_REDACTABLE_LEN {
            if spelled.iter().any(|f| text.contains(f.as_str())) {
                *text = String::from(
                    "[redacted: withheld whole, it quotes a secret too short to scrub]",
                );
                return;
            }
            continue;
        }
        forms.extend(spelled);
    }
    // Longest first, so that a secret inside a longer encoded form of another does
    // not break the longer one up before it is found.
    forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for form in forms {
        if text.contains(form.as_str()) {
            *text = text.replace(form.as_str(), "[redacted]");
        }
    }
}

/// Makes server-supplied text safe to print on a terminal: control characters
/// (escape sequences, bell, backspace, carriage return, DEL, C1) and bidirectional
/// overrides are written out as `\x1b` or `\u{202e}` text; line feeds and tabs stay.
pub fn make_printable(text: &mut String) {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            let code = u32::from(c);
            if code < 0x100 {
                let _ = write!(out, "\\x{code:02x}");
            } else {
                out.push_str(&c.escape_unicode().to_string());
            }
        } else {
            out.push(c);
        }
    }
    *text = out;
}

/// `s` cut to at most `max` characters.
pub fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_is_cut_on_a_character_boundary() {
        let mut body = "a".repeat(MAX_SNIPPET_BYTES - 1);
        body.push_str(&"é".repeat(10));
        let s = body_snippet(body.as_bytes(), &[]);
        assert_eq!(s, format!("{}…", "a".repeat(MAX_SNIPPET_BYTES - 1)));
    }

    #[test]
    fn a_secret_of_four_bytes_is_scrubbed_and_a_shorter_one_withholds_the_text() {
        let mut text = "key abcd here".to_owned();
        redact(&mut text, &["abcd"]);
        assert_eq!(text, "key [redacted] here");
        let mut text = "key abc here".to_owned();
        redact(&mut text, &["abc"]);
        assert!(text.starts_with("[redacted: withheld whole"), "{text}");
    }

    #[test]
    fn a_secret_percent_encoded_with_lower_case_hex_is_scrubbed() {
        // `/` and `+` encoded as `%2f` and `%2b`, the letters after them kept as they are.
        let mut text = "client_secret=Ab%2fCd%2bEf&x=1".to_owned();
        redact(&mut text, &["Ab/Cd+Ef"]);
        assert_eq!(text, "client_secret=[redacted]&x=1");
    }

    #[test]
    fn connection_failures_are_told_apart_by_what_they_say() {
        use TransportErrorKind as K;
        let cases = [
            (
                "invalid peer certificate: UnknownIssuer",
                false,
                false,
                false,
                K::Tls,
            ),
            (
                "received fatal alert: BadCertificate",
                true,
                false,
                false,
                K::Tls,
            ),
            (
                "received fatal alert: BadCertificate",
                false,
                false,
                false,
                K::Connect,
            ),
            ("connection reset by peer", true, false, false, K::Connect),
            ("dns error: no such host", false, false, false, K::Dns),
            (
                "failed to lookup address information",
                false,
                false,
                false,
                K::Dns,
            ),
            ("connection refused", false, true, true, K::Refused),
            ("connection refused", false, true, false, K::Connect),
            ("connection refused", false, false, true, K::Connect),
        ];
        for (message, invalid_data, refused, loopback, kind) in cases {
            assert_eq!(
                classify_connect(message, refused, invalid_data, loopback),
                kind,
                "{message} (invalid data {invalid_data}, refused {refused}, loopback {loopback})"
            );
        }
    }

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
    fn secrets_escaped_twice_or_encoded_are_redacted() {
        let secret = r#"p"a\ss w+rd"#;
        let once = serde_json::to_string(secret).unwrap();
        let twice = serde_json::to_string(&format!(r#"{{"password":{once}}}"#)).unwrap();
        let thrice = serde_json::to_string(&twice).unwrap();
        let form = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>();
        for body in [
            twice.clone(),
            thrice,
            format!("password={form}"),
            form.replace('+', "%20"),
        ] {
            let s = body_snippet(body.as_bytes(), &[secret]);
            assert!(s.contains("[redacted]"), "{body} -> {s}");
            for spelling in spellings(secret) {
                assert!(!s.contains(&spelling), "{spelling} left in {s}");
            }
        }
    }

    #[test]
    fn a_text_quoting_a_short_secret_is_withheld_whole() {
        let s = body_snippet(br#"{"error":"bad password","echo":"pw=a%2Bb"}"#, &["a+b"]);
        assert!(!s.contains("a%2Bb") && !s.contains("echo"), "{s}");
        assert!(s.starts_with("[redacted"), "{s}");
        // A short secret that does not occur leaves the text alone.
        assert_eq!(body_snippet(b"all fine", &["zq"]), "all fine");
    }

    /// An error that wraps another, as hyper and the TLS stacks wrap `io::Error`s.
    #[derive(Debug)]
    struct Wrap(&'static str, Box<dyn std::error::Error + Send + Sync>);

    impl fmt::Display for Wrap {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrap {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&*self.1)
        }
    }

    #[test]
    fn the_source_chain_is_read_to_its_end_and_its_io_kinds_are_kept() {
        use std::io::{Error, ErrorKind};
        // A bad certificate deep in the chain, as a TLS stack reports it: the flag
        // survives the outer layers and every message is kept in order.
        let tls = Wrap(
            "client error (Connect)",
            Box::new(Wrap(
                "handshake",
                Box::new(Error::new(ErrorKind::InvalidData, "bad certificate")),
            )),
        );
        let chain = SourceChain::walk(&tls);
        assert_eq!(
            chain.message,
            "client error (Connect): handshake: bad certificate"
        );
        assert!(chain.invalid_data && !chain.refused, "{chain:?}");
        assert_eq!(
            classify_connect(&chain.message, chain.refused, chain.invalid_data, true),
            TransportErrorKind::Tls
        );
        // A refused connection beside an unrelated I/O error further down.
        let refused = Wrap(
            "tcp connect error",
            Box::new(Wrap(
                "Connection refused",
                Box::new(Error::new(ErrorKind::ConnectionRefused, "os error 111")),
            )),
        );
        let chain = SourceChain::walk(&refused);
        assert!(chain.refused && !chain.invalid_data, "{chain:?}");
        // No I/O error anywhere: neither flag.
        let plain = SourceChain::walk(&Wrap("outer", Box::new(Error::other("x"))));
        assert!(!plain.refused && !plain.invalid_data, "{plain:?}");
        assert_eq!(plain.message, "outer: x");
    }

    #[test]
    fn connection_failures_that_repeat_are_told_apart() {
        // The texts reqwest, hyper-util and rustls give for each failure.
        let tls = "error sending request for url (https://127.0.0.1:8443/token): client error (Connect): invalid peer certificate: UnknownIssuer";
        assert_eq!(
            classify_connect(tls, false, true, true),
            TransportErrorKind::Tls
        );
        // native-tls on OpenSSL, as it reaches us (no `InvalidData` io::Error).
        let openssl = "error sending request for url (https://127.0.0.1:39627/oauth2/token): client error (Connect): error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889: (unable to get local issuer certificate)";
        assert_eq!(
            classify_connect(openssl, false, false, true),
            TransportErrorKind::Tls
        );
        let dns = "error sending request for url (https://login.invalid/token): client error (Connect): dns error: failed to lookup address information: Name or service not known";
        assert_eq!(
            classify_connect(dns, false, false, false),
            TransportErrorKind::Dns
        );
        let refused = "error sending request for url (http://127.0.0.1:9/): client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(
            classify_connect(refused, true, false, true),
            TransportErrorKind::Refused
        );
        // Refused elsewhere may be a restart in progress: retried.
        assert_eq!(
            classify_connect(refused, true, false, false),
            TransportErrorKind::Connect
        );
        assert_eq!(
            classify_connect(
                "tcp connect error: Network is unreachable",
                false,
                false,
                false
            ),
            TransportErrorKind::Connect
        );
        for kind in [
            TransportErrorKind::Tls,
            TransportErrorKind::Dns,
            TransportErrorKind::Refused,
            TransportErrorKind::TooLarge,
        ] {
            assert!(!TransportError::new(kind, "x").is_retryable(), "{kind:?}");
        }
        for kind in [
            TransportErrorKind::Connect,
            TransportErrorKind::Timeout,
            TransportErrorKind::Body,
            TransportErrorKind::Other,
        ] {
            assert!(TransportError::new(kind, "x").is_retryable(), "{kind:?}");
        }
        assert!(TransportError::new(TransportErrorKind::Tls, "x")
            .to_string()
            .contains("not trusted"));
    }

    #[test]
    fn certificate_and_federation_refusals_get_their_own_hints() {
        let oauth = |code: u64, description: &str| OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client".into(),
            description: Some(format!("AADSTS{code}: {description}")),
            uri: None,
            aadsts: vec![code],
            trace_id: None,
            correlation_id: None,
            timestamp: None,
        };
        let expired = oauth(700_027, "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: 'x']");
        assert!(expired.hint().contains("has expired"), "{}", expired.hint());
        let unknown = oauth(700_027, "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found.]");
        assert!(
            unknown.hint().contains("registered on the app"),
            "{}",
            unknown.hint()
        );
        assert!(oauth(700_024, "x").hint().contains("clock"));
        assert!(oauth(700_023, "x").hint().contains("audience"));
        assert!(oauth(700_021, "x").hint().contains("client id"));
        for code in [70_021, 700_211, 700_213] {
            assert!(
                oauth(code, "x").hint().contains("federated credential"),
                "{code}"
            );
        }
    }

    #[test]
    fn server_text_cannot_carry_terminal_escapes() {
        let s = body_snippet(
            b"bad\x1b]0;pwn\x07\x1b[31m red\r\nnext\tline \xe2\x80\xae",
            &[],
        );
        assert!(
            !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{s:?}"
        );
        assert!(!s.contains('\u{202e}'), "{s:?}");
        assert!(
            s.contains("\\x1b]0;pwn\\x07") && s.contains("next\tline"),
            "{s:?}"
        );
    }

    #[test]
    fn unicode_escaped_and_lower_case_encoded_secrets_are_redacted() {
        let secret = "Tr0ub4dor&3+é";
        let dotnet = r#"{"title":"Bad Request","detail":"password 'Tr0ub4dor\u00263\u002B\u00e9' rejected"}"#;
        let s = body_snippet(dotnet.as_bytes(), &[secret]);
        assert!(!s.contains("Tr0ub4dor"), "{s}");
        assert!(s.contains("[redacted]") && s.contains("Bad Request"), "{s}");
        let lower = "password=Tr0ub4dor%263%2b%c3%a9&x=1";
        let s = body_snippet(lower.as_bytes(), &[secret]);
        assert!(!s.contains("Tr0ub4dor"), "{s}");
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
        assert!(
            text.contains("[trace id abc, https://login.microsoftonline.com/error?code=7000215]"),
            "{text}"
        );
        assert!(
            !text.contains("Trace ID: abc"),
            "only the first line: {text}"
        );
    }
}
