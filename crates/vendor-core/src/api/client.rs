//! The authorized HTTP pipeline: one send path for every vendor crate.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use http::{HeaderMap, HeaderValue, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument as _;
use url::Url;

use super::error::{classify, is_subscription_key_problem, request_id, DecodeError, Error};
use super::request::{check_path, Request};
use oauth_core::__internal::check_url;
use oauth_core::__internal::read_capped;
use oauth_core::__internal::retry_after;
use oauth_core::__internal::{body_snippet, make_printable, redact};
use oauth_core::AccessToken;
use oauth_core::RetryPolicy;
use oauth_core::Timeouts;
use oauth_core::TokenProvider;
use oauth_core::{ConfigError, TransportError, TransportErrorKind};

/// Default cap on a response body: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Most redirects followed within one origin.
const MAX_REDIRECTS: usize = 10;

/// A complete answer of the API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse {
    /// HTTP status (a success).
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The token the request carried, so that a decode error's snippet is scrubbed of
    /// it when the API echoes it back.
    bearer: Option<AccessToken>,
}

impl ApiResponse {
    /// The request id the API sent, if any.
    pub fn request_id(&self) -> Option<String> {
        request_id(&self.headers)
    }
}

/// A decoded answer with its metadata: status, headers and the request id the API
/// sent (quote it in a support ticket).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> Response<T> {
    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }
    /// The decoded value, taken out.
    pub fn into_value(self) -> T {
        self.value
    }
    /// The HTTP status (a success).
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The request id the API sent, if any.
    pub fn request_id(&self) -> Option<String> {
        request_id(&self.headers)
    }
    /// The same metadata with the value changed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            status: self.status,
            headers: self.headers,
        }
    }
}

/// The client every vendor crate sends through.
///
/// It holds one `reqwest::Client` (rustls, connection pooling), the base URL, the
/// optional token provider and the static headers, and applies the same rules to
/// every call: bearer and headers attached; a 401 invalidates the token and retries
/// once with a fresh one; 429 and 503 wait for `Retry-After` or back off; 500, 502,
/// 504 and network failures are retried for idempotent methods only; redirects are
/// followed within the same origin only; bodies are capped; errors are classified.
///
/// Cheap to clone: clones share everything.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    provider: Option<Arc<dyn TokenProvider>>,
    headers: HeaderMap,
    secrets: Vec<SecretString>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    max_body: usize,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are left out: some are secrets.
        let names: Vec<&str> = self.inner.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("ApiClient")
            .field("base_url", &self.inner.base.as_str())
            .field("provider", &self.inner.provider)
            .field("headers", &names)
            .field("retry", &self.inner.retry)
            .field("timeouts", &self.inner.timeouts)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

/// Builds an [`ApiClient`].
#[must_use]
pub struct ApiClientBuilder {
    base_url: Option<String>,
    provider: Option<Arc<dyn TokenProvider>>,
    headers: Vec<(String, HeaderSource)>,
    user_agent: String,
    retry: RetryPolicy,
    timeouts: Timeouts,
    max_body: usize,
    insecure_loopback: bool,
    http: oauth_core::HttpOptions,
}

enum HeaderSource {
    Plain(String),
    Secret(SecretString),
}

impl fmt::Debug for ApiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str(),
                    match v {
                        HeaderSource::Plain(v) => v.as_str(),
                        HeaderSource::Secret(_) => "[redacted]",
                    },
                )
            })
            .collect();
        f.debug_struct("ApiClientBuilder")
            .field("base_url", &self.base_url)
            .field("provider", &self.provider)
            .field("headers", &headers)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl Default for ApiClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            provider: None,
            headers: Vec::new(),
            user_agent: concat!("oauth-core/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            max_body: DEFAULT_MAX_RESPONSE_BYTES,
            insecure_loopback: false,
            http: oauth_core::HttpOptions::default(),
        }
    }
}

impl ApiClientBuilder {
    /// The API's base URL; request paths are joined to it (keeping its path).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The token provider (leave unset for APIs that need only a subscription key).
    pub fn token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// A header sent on every call.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((name.into(), HeaderSource::Plain(value.into())));
        self
    }

    /// A secret header sent on every call (a subscription key): marked sensitive,
    /// never printed, scrubbed from error snippets.
    pub fn secret_header(mut self, name: impl Into<String>, value: SecretString) -> Self {
        self.headers
            .push((name.into(), HeaderSource::Secret(value)));
        self
    }

    /// The `User-Agent`, normally `<crate>/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Retries (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Connect, per-attempt and overall timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Largest response body accepted (default 16 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Allows an `http://` base URL to a loopback host: tests and the sandbox only.
    pub fn allow_insecure_loopback(mut self, allow: bool) -> Self {
        self.insecure_loopback = allow;
        self
    }

    /// Trusts the CA certificates in `pem` as well as the bundled roots and the
    /// system's store (which `SSL_CERT_FILE` extends).
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.http = self.http.add_root_certificate_pem(pem);
        self
    }

    /// How the HTTP client is built: a proxy, the application's own `reqwest`
    /// builder, extra roots. Replaces earlier `add_root_certificate_pem` calls.
    pub fn http_options(mut self, options: oauth_core::HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for a missing or non-https base URL, or a header name or
    /// value that HTTP does not allow.
    pub fn build(self) -> Result<ApiClient, ConfigError> {
        let text = self
            .base_url
            .ok_or_else(|| ConfigError::new("base_url", "set the API's base URL"))?;
        let mut base = check_url(&text, "base_url", self.insecure_loopback)?;
        base.set_query(None);
        base.set_fragment(None);
        let mut headers = HeaderMap::new();
        let mut secrets = Vec::new();
        for (name, source) in self.headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                ConfigError::new("header", format!("`{name}` is not a valid header name"))
            })?;
            let value = match &source {
                HeaderSource::Plain(v) => HeaderValue::from_str(v).map_err(|_| {
                    ConfigError::new(
                        "header",
                        format!("the value of `{name}` is not a valid header value"),
                    )
                })?,
                HeaderSource::Secret(s) => {
                    if s.expose_secret().is_empty() {
                        return Err(ConfigError::new(
                            "header",
                            format!("the secret `{name}` is empty"),
                        ));
                    }
                    let mut v = HeaderValue::from_str(s.expose_secret()).map_err(|_| {
                        ConfigError::new(
                            "header",
                            format!("the secret `{name}` holds characters not allowed in a header"),
                        )
                    })?;
                    v.set_sensitive(true);
                    v
                }
            };
            if let HeaderSource::Secret(s) = source {
                secrets.push(s);
            }
            headers.insert(header, value);
        }
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = self
            .http
            .builder_for(&base)?
            .redirect(oauth_core::__internal::same_origin_redirects(MAX_REDIRECTS))
            .connect_timeout(self.timeouts.connect)
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| ConfigError::new("http_client", format!("could not build: {e}")))?;
        Ok(ApiClient {
            inner: Arc::new(Inner {
                http,
                base,
                provider: self.provider,
                headers,
                secrets,
                retry: self.retry,
                timeouts: self.timeouts,
                max_body: self.max_body,
            }),
        })
    }
}

enum Attempt {
    Answer(StatusCode, HeaderMap, Bytes),
    Failed(Error, bool),
}

impl ApiClient {
    /// Starts building a client.
    pub fn builder() -> ApiClientBuilder {
        ApiClientBuilder::default()
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The token provider, if any.
    pub fn token_provider(&self) -> Option<&Arc<dyn TokenProvider>> {
        self.inner.provider.as_ref()
    }

    /// Sends `request` and decodes a JSON answer into `T`.
    ///
    /// # Errors
    ///
    /// See [`Error`]: every failure is classified.
    pub async fn send<T: DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        let response = self.execute(request).await?;
        self.decode(&response)
    }

    /// Sends `request` and decodes a JSON answer into `T`, with the answer's status,
    /// headers and request id (for support tickets).
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub async fn send_with_response<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<Response<T>, Error> {
        let response = self.execute(request).await?;
        let value = self.decode(&response)?;
        Ok(Response {
            value,
            status: response.status,
            headers: response.headers,
        })
    }

    /// Sends `request` and returns the raw body.
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub async fn send_bytes(&self, request: Request) -> Result<Bytes, Error> {
        Ok(self.execute(request).await?.body)
    }

    /// Sends `request` and ignores the body (204 and the like).
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub async fn send_empty(&self, request: Request) -> Result<(), Error> {
        self.execute(request).await.map(|_| ())
    }

    /// Decodes a JSON answer, reporting the serde path on failure.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] with the path, serde's message and a bounded snippet.
    pub fn decode<T: DeserializeOwned>(&self, response: &ApiResponse) -> Result<T, Error> {
        let body: &[u8] = if response.body.is_empty() {
            b"null"
        } else {
            &response.body
        };
        // The fast path: plain serde_json, which also refuses bytes after the value (a
        // document cut and followed by a proxy's page, or two documents run together).
        let first_error = match serde_json::from_slice::<T>(body) {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        // Only on failure: again with path tracking, to say where it failed (the path
        // is the root when only trailing bytes are wrong).
        let mut de = serde_json::Deserializer::from_slice(body);
        let (mut path, error) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(_) => (".".to_owned(), first_error),
            Err(e) => (e.path().to_string(), e.into_inner()),
        };
        let mut secrets = self.secret_refs();
        if let Some(token) = &response.bearer {
            secrets.push(token.secret());
        }
        // The path holds the body's own keys, and serde's message its values: an API
        // that echoes a credential can put it in either.
        redact(&mut path, &secrets);
        make_printable(&mut path);
        let mut message = error.to_string();
        redact(&mut message, &secrets);
        make_printable(&mut message);
        Err(Error::Decode(Box::new(DecodeError {
            status: response.status,
            path,
            message,
            request_id: response.request_id(),
            snippet: body_snippet(&response.body, &secrets),
        })))
    }

    fn secret_refs(&self) -> Vec<&str> {
        self.inner
            .secrets
            .iter()
            .map(|s| s.expose_secret())
            .collect()
    }

    /// Builds the URL of `request`: the base URL's path, then the request's path.
    fn url_for(&self, request: &Request) -> Result<Url, Error> {
        join(&self.inner.base, &request.path, request.query.as_deref())
    }

    /// Sends `request` through the whole pipeline and returns the successful answer.
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub async fn execute(&self, request: Request) -> Result<ApiResponse, Error> {
        request.check()?;
        let url = self.url_for(&request)?;
        // OpenTelemetry's HTTP client conventions (`otel.*` fields name and kind the
        // span for tracing-opentelemetry). `url.full` leaves the query out: the
        // vendor's own parameters, which the spans need not carry.
        // (A slice of the URL, evaluated only when the span is enabled.)
        let span = tracing::info_span!(
            "api.request",
            "otel.name" = %format_args!("{} {}", request.method, request.operation),
            "otel.kind" = "client",
            "otel.status_code" = tracing::field::Empty,
            operation = request.operation,
            "http.request.method" = %request.method,
            "server.address" = url.host_str().unwrap_or_default(),
            "server.port" = url.port_or_known_default().unwrap_or_default(),
            "url.full" = %&url[..url::Position::AfterPath],
            "http.response.status_code" = tracing::field::Empty,
            "http.request.resend_count" = tracing::field::Empty,
            "error.type" = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        self.run(&request, url).instrument(span).await
    }

    async fn run(&self, request: &Request, url: Url) -> Result<ApiResponse, Error> {
        let started = Instant::now();
        let overall = request.timeout.unwrap_or(self.inner.timeouts.overall);
        let retry_policy = request.retry.as_ref().unwrap_or(&self.inner.retry);
        let deadline = started + overall;
        let span = tracing::Span::current();
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        let outcome = loop {
            attempt += 1;
            let token = match self.token(deadline, overall, attempt).await {
                Ok(token) => token,
                Err(e) => break Err(e),
            };
            let now = Instant::now();
            // A per-call timeout is the call's whole budget: it may lift the
            // client's per-attempt cap as well as lower it.
            let attempt_cap = match request.timeout {
                Some(timeout) => timeout.max(self.inner.timeouts.attempt),
                None => self.inner.timeouts.attempt,
            };
            let budget = deadline.saturating_duration_since(now).min(attempt_cap);
            let result =
                match tokio::time::timeout(budget, self.attempt(request, &url, token.as_ref()))
                    .await
                {
                    Ok(result) => result,
                    // The call's own deadline ended this attempt: the call is over.
                    Err(_) if Instant::now() >= deadline => {
                        break Err(Error::deadline(overall, attempt));
                    }
                    Err(_) => Attempt::Failed(
                        Error::Transport(TransportError::new(
                            TransportErrorKind::Timeout,
                            format!("no complete answer within {budget:?}"),
                        )),
                        request.is_idempotent(),
                    ),
                };
            let (error, retry, wait) = match result {
                Attempt::Answer(status, headers, body) if status.is_success() => {
                    span.record("http.response.status_code", status.as_u16());
                    break Ok(ApiResponse {
                        status,
                        headers,
                        body,
                        bearer: token,
                    });
                }
                Attempt::Answer(status, headers, _) if status.is_redirection() => {
                    span.record("http.response.status_code", status.as_u16());
                    break Err(redirect_error(status, &headers, &url));
                }
                Attempt::Answer(status, headers, body) => {
                    span.record("http.response.status_code", status.as_u16());
                    if status == StatusCode::UNAUTHORIZED && !refreshed {
                        if let (Some(provider), Some(token)) = (&self.inner.provider, &token) {
                            // A new token cannot fix a subscription key, nor grant a role
                            // the current token's claims show missing (refetching on every
                            // such call would hammer the token endpoint).
                            let lacks_role = request
                                .required_role
                                .as_deref()
                                .zip(token.claims())
                                .is_some_and(|(role, claims)| !claims.has_role(role));
                            if !lacks_role && !is_subscription_key_problem(&body) {
                                tracing::debug!(
                                    attempt,
                                    "401: invalidating the token and retrying once"
                                );
                                provider.invalidate(token).await;
                                refreshed = true;
                                continue;
                            }
                        }
                    }
                    let retry = match status.as_u16() {
                        429 | 503 => true,
                        408 | 500 | 502 | 504 => request.is_idempotent(),
                        _ => false,
                    };
                    let wait = retry_after(&headers);
                    let mut secrets = self.secret_refs();
                    if let Some(token) = &token {
                        secrets.push(token.secret());
                    }
                    let error = classify(
                        status,
                        &headers,
                        &body,
                        token.as_ref(),
                        request.required_role.as_deref(),
                        refreshed,
                        &secrets,
                    );
                    (error, retry, wait)
                }
                Attempt::Failed(error, retry) => (error, retry, None),
            };
            if !retry || attempt >= retry_policy.attempts() {
                break Err(error);
            }
            let Some(delay) = retry_policy.delay(attempt, wait) else {
                break Err(error);
            };
            if Instant::now() + delay >= deadline {
                break Err(if wait.is_some() {
                    error
                } else {
                    Error::deadline(overall, attempt)
                });
            }
            tracing::info!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
            tokio::time::sleep(delay).await;
        };
        if attempt > 1 {
            span.record("http.request.resend_count", attempt - 1);
        }
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        if let Err(e) = &outcome {
            span.record("error.type", e.kind_name());
            span.record("otel.status_code", "ERROR");
            tracing::debug!(error = %e, "call failed");
        }
        outcome
    }

    async fn token(
        &self,
        deadline: Instant,
        overall: Duration,
        attempt: u32,
    ) -> Result<Option<AccessToken>, Error> {
        let Some(provider) = &self.inner.provider else {
            return Ok(None);
        };
        if let Some(token) = provider.cached() {
            return Ok(Some(token));
        }
        match tokio::time::timeout_at(deadline, provider.token()).await {
            Ok(Ok(token)) => Ok(Some(token)),
            Ok(Err(e)) => Err(Error::Token(e)),
            Err(_) => Err(Error::deadline(overall, attempt)),
        }
    }

    async fn attempt(&self, request: &Request, url: &Url, token: Option<&AccessToken>) -> Attempt {
        let mut headers = self.inner.headers.clone();
        if let Some(token) = token {
            headers.insert(AUTHORIZATION, token.authorization_header().clone());
        }
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url.clone())
            .headers(headers);
        if let Some((content_type, body)) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, content_type.clone())
                .body(body.clone());
        }
        let mut response = match builder.send().await {
            Ok(r) => r,
            Err(e) => {
                // A failed connection never reached the server: safe to retry any
                // method. Anything later is retried only when idempotent.
                let retry = e.is_connect() || request.is_idempotent();
                if e.is_redirect() {
                    let error = Error::redirect(
                        StatusCode::LOOP_DETECTED,
                        "too many redirects within the API's origin".to_owned(),
                    );
                    return Attempt::Failed(error, false);
                }
                // An untrusted certificate, an unknown host or a closed loopback port
                // fails the same way every time: not retried.
                let transport = oauth_core::__internal::transport_error(&e);
                let retry = retry && transport.is_retryable();
                return Attempt::Failed(Error::Transport(transport), retry);
            }
        };
        let status = response.status();
        // Taken, not cloned: the body reader needs only the stream.
        let headers = std::mem::take(response.headers_mut());
        match read_capped(response, self.inner.max_body).await {
            Ok(body) => Attempt::Answer(status, headers, body),
            Err(e) if e.kind() == TransportErrorKind::TooLarge => {
                Attempt::Failed(Error::too_large(self.inner.max_body), false)
            }
            Err(e) => Attempt::Failed(Error::Transport(e), request.is_idempotent()),
        }
    }
}

/// The base URL's path, then `path`, then `query`.
///
/// `path` is checked first ([`check_path`]); then, whatever the checks missed, the
/// joined URL must keep the base URL's origin, start with its path, and hold every
/// segment of both (the `url` crate resolves `.` and `..`, also percent-encoded, so a
/// segment that went missing climbed): otherwise nothing is sent, and no credential
/// reaches another path of the host.
fn join(base: &Url, path: &str, query: Option<&str>) -> Result<Url, Error> {
    check_path(path)?;
    let base_path = base.path().trim_end_matches('/');
    let rel = path.trim_start_matches('/');
    let mut url = base.clone();
    url.set_path(&format!("{base_path}/{rel}"));
    url.set_query(query);
    // `\` is a separator too for the `url` crate, in http(s) URLs.
    let expected_segments = segment_count(base_path) + rel.split(['/', '\\']).count();
    if stays_under(base, &url, expected_segments) {
        Ok(url)
    } else {
        Err(Error::invalid(
            "path",
            "resolves outside the base URL's path: not sent",
        ))
    }
}

/// The segments of an absolute path without a trailing `/` (`""` has none).
fn segment_count(path: &str) -> usize {
    match path.strip_prefix('/') {
        Some(rest) => rest.split('/').count(),
        None => 0,
    }
}

/// Whether `joined` has the origin of `base`, starts with its path, and holds
/// `expected_segments` segments (none resolved away).
fn stays_under(base: &Url, joined: &Url, expected_segments: usize) -> bool {
    let prefix = base.path().trim_end_matches('/');
    let under = joined
        .path()
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with('/'));
    let segments = joined.path_segments().map_or(0, Iterator::count);
    // The origin, compared part by part (`Url::origin` would copy the host for each).
    let same_origin = joined.scheme() == base.scheme()
        && joined.host() == base.host()
        && joined.port_or_known_default() == base.port_or_known_default();
    same_origin && under && segments == expected_segments
}

fn redirect_error(status: StatusCode, headers: &HeaderMap, url: &Url) -> Error {
    let location_origin = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|loc| url.join(loc).ok())
        .map(|target| target.origin().ascii_serialization())
        .unwrap_or_else(|| "an unknown origin".to_owned());
    Error::redirect(status, location_origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn refused_path(result: Result<Url, Error>) -> String {
        match result {
            Err(Error::InvalidArgument(e)) if e.name() == "path" => e.problem().to_owned(),
            other => panic!("expected the path to be refused, got {other:?}"),
        }
    }

    #[test]
    fn paths_are_joined_below_the_base_path() {
        let base = url("https://api.example/2.4.9/");
        let cases = [
            (
                "customers/407382",
                "https://api.example/2.4.9/customers/407382",
            ),
            (
                "/customers/407382",
                "https://api.example/2.4.9/customers/407382",
            ),
            (
                "customers/40%2F7",
                "https://api.example/2.4.9/customers/40%2F7",
            ),
            (
                "payloads/protect-remote/",
                "https://api.example/2.4.9/payloads/protect-remote/",
            ),
            ("", "https://api.example/2.4.9/"),
            (
                "a.b/..c/c../...d",
                "https://api.example/2.4.9/a.b/..c/c../...d",
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(
                join(&base, path, None).unwrap().as_str(),
                expected,
                "{path}"
            );
        }
        let root = url("https://api.example");
        assert_eq!(
            join(&root, "/tagging/v2/expectations", Some("page=2"))
                .unwrap()
                .as_str(),
            "https://api.example/tagging/v2/expectations?page=2"
        );
    }

    #[test]
    fn paths_that_climb_or_leave_are_refused() {
        let base = url("https://api.example/2.4.9/");
        for path in [
            "..",
            ".",
            "customers/..",
            "customers/.",
            "customers/../../admin",
            "./customers",
            "%2e%2e",
            "%2E%2e",
            "customers/%2e",
            "customers/%252e%252E/x",
            "customers\\..\\..\\admin",
            "customers/..%2F..%2Fadmin",
            "customers/.\t./admin",
            "customers/.\n\r./admin",
            "https://elsewhere.example/x",
            "//elsewhere.example/x",
            "/https://elsewhere.example/x",
            "mailto:someone@elsewhere.example",
        ] {
            refused_path(join(&base, path, None));
        }
    }

    #[test]
    fn the_guard_refuses_a_joined_url_outside_the_base() {
        let base = url("https://api.example/2.4.9/");
        // Resolved away: the `url` crate turns `/2.4.9/customers/..` (3 segments) into
        // `/2.4.9/` (2).
        assert!(!stays_under(&base, &url("https://api.example/2.4.9/"), 3));
        // Climbed above the base path, or into a sibling that shares its prefix.
        assert!(!stays_under(&base, &url("https://api.example/admin"), 1));
        assert!(!stays_under(&base, &url("https://api.example/2.4.9x/a"), 1));
        // Another origin.
        assert!(!stays_under(
            &base,
            &url("https://elsewhere.example/2.4.9/a"),
            2
        ));
        assert!(!stays_under(&base, &url("http://api.example/2.4.9/a"), 2));
        // Under the base, every segment kept.
        assert!(stays_under(&base, &url("https://api.example/2.4.9/a"), 2));
        let root = url("https://api.example/");
        assert!(stays_under(&root, &url("https://api.example/a/b"), 2));
        assert!(!stays_under(&root, &url("https://api.example/a"), 2));
        assert_eq!(segment_count(""), 0);
        assert_eq!(segment_count("/2.4.9"), 1);
        assert_eq!(segment_count("/keyavi/api"), 2);
    }

    #[test]
    fn the_url_crate_resolves_dots_which_is_why_they_are_refused() {
        // The behaviour the checks defend against: if this ever changes, they still hold.
        let mut u = url("https://api.example/2.4.9/");
        u.set_path("/2.4.9/customers/%2E%2e");
        assert_eq!(u.path(), "/2.4.9/");
        u.set_path("/2.4.9/customers\\..\\..\\admin");
        assert_eq!(u.path(), "/admin");
        // Tabs and newlines are dropped from URLs, so `.<TAB>.` is `..`.
        u.set_path("/2.4.9/customers/.\t./x");
        assert_eq!(u.path(), "/2.4.9/x");
    }

    #[test]
    fn url_for_refuses_before_anything_is_sent() {
        let api = ApiClient::builder()
            .base_url("https://api.example/2.4.9/")
            .build()
            .unwrap();
        let problem = refused_path(api.url_for(&Request::put("customers/..")));
        assert!(problem.contains("`..`"), "{problem}");
        // Bypassing the path checks, the final guard still refuses.
        let joined = {
            let mut u = api.base_url().clone();
            u.set_path("/2.4.9/customers/..");
            u
        };
        assert!(!stays_under(api.base_url(), &joined, 3));
        assert_eq!(
            api.url_for(&Request::put("customers/407382"))
                .unwrap()
                .as_str(),
            "https://api.example/2.4.9/customers/407382"
        );
    }
}
