//! The fault matrix: one row per fault, at the token endpoint and at the API.
//!
//! Each row starts its own servers (wiremock where it can express the fault, a
//! [`RawServer`] where it cannot), drives the SDK through its public API, and checks
//! the typed error it gets (or the success after a retry) and how many requests the
//! servers saw. A row returns [`RowReport`] with every `Display` and `Debug` text of
//! what it got, so that the leak scan can look through them.
//!
//! Request counts are checked by the rows themselves rather than with wiremock's
//! `.expect(n)`: a failed expectation there panics when the server drops, and the
//! runner counts panics as the SDK's.

use std::fmt::{Debug, Display};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use oauth_core::{
    AccessToken, ClientAuth, Credentials, OAuthProvider, RetryPolicy, Timeouts, TokenClient,
    TokenEndpoint, TokenError, TokenProvider, TransportErrorKind,
};
use serde_json::json;
use vendor_core::Error;
use vendor_core::{ApiClient, ApiClientBuilder, AuthErrorKind, Request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::secrets::Secrets;
use crate::servers::{refused_url, Behaviour, RawServer};

/// What a row returns: what it observed, or why the SDK's behaviour was wrong.
pub type RowResult = Result<RowReport, String>;

/// A row's future.
pub type RowFuture = Pin<Box<dyn Future<Output = RowResult> + Send>>;

/// Where the fault is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// At the token endpoint (`TokenClient`, `OAuthProvider`).
    Token,
    /// At the API (`ApiClient`, a vendor client).
    Api,
}

impl Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layer::Token => "token",
            Layer::Api => "api",
        })
    }
}

/// One row of the matrix.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// The row's name (also the name of its own test).
    pub name: &'static str,
    /// Token endpoint or API.
    pub layer: Layer,
    /// The fault, in words.
    pub fault: &'static str,
    /// What the SDK must do, in words.
    pub expect: &'static str,
    run: fn(Arc<Secrets>) -> RowFuture,
}

impl Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("layer", &self.layer)
            .finish_non_exhaustive()
    }
}

impl Scenario {
    /// The row's future, with `secrets` as every credential it uses.
    pub fn run(&self, secrets: Arc<Secrets>) -> RowFuture {
        (self.run)(secrets)
    }
}

/// What a passing row saw.
#[derive(Debug, Default, Clone)]
pub struct RowReport {
    /// A short description of the outcome (`Transport(Connect)`, `Ok after 2 requests`).
    pub observed: String,
    /// `Display`, `Debug` and pretty `Debug` of every error and token the row got.
    pub texts: Vec<String>,
}

/// How a row ended in the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The SDK did what the row expects.
    Passed,
    /// The SDK returned something else.
    Failed(String),
    /// The row panicked (in the SDK or in the row).
    Panicked(String),
    /// The row did not finish within the runner's deadline.
    Hung,
}

/// A row's result in a matrix run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The row.
    pub scenario: Scenario,
    /// How it ended.
    pub verdict: Verdict,
    /// What it observed (empty unless it passed).
    pub observed: String,
    /// How long it took.
    pub elapsed: Duration,
    /// The texts it collected (empty unless it passed).
    pub texts: Vec<String>,
}

/// Runs one row in its own task, so that a panic is caught (`JoinError::is_panic`)
/// and a hang is cut at `deadline`.
pub async fn run_scenario(
    scenario: Scenario,
    secrets: Arc<Secrets>,
    deadline: Duration,
) -> Outcome {
    let started = Instant::now();
    let handle = tokio::spawn(scenario.run(secrets));
    let abort = handle.abort_handle();
    let (verdict, report) = match tokio::time::timeout(deadline, handle).await {
        Err(_) => {
            abort.abort();
            (Verdict::Hung, RowReport::default())
        }
        Ok(Err(join)) if join.is_panic() => {
            let payload = join.into_panic();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            (Verdict::Panicked(message), RowReport::default())
        }
        Ok(Err(_)) => (
            Verdict::Failed("the row's task was cancelled".to_owned()),
            RowReport::default(),
        ),
        Ok(Ok(Err(message))) => (Verdict::Failed(message), RowReport::default()),
        Ok(Ok(Ok(report))) => (Verdict::Passed, report),
    };
    Outcome {
        scenario,
        verdict,
        observed: report.observed,
        elapsed: started.elapsed(),
        texts: report.texts,
    }
}

/// Runs every row, `concurrency` at a time, each cut at `deadline`; outcomes in
/// table order.
pub async fn run_matrix(
    secrets: Arc<Secrets>,
    deadline: Duration,
    concurrency: usize,
) -> Vec<Outcome> {
    let mut outcomes: Vec<(usize, Outcome)> =
        futures_util::stream::iter(scenarios().into_iter().enumerate())
            .map(|(i, scenario)| {
                let secrets = secrets.clone();
                async move { (i, run_scenario(scenario, secrets, deadline).await) }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    outcomes.sort_by_key(|(i, _)| *i);
    outcomes.into_iter().map(|(_, o)| o).collect()
}

/// The row called `name`.
pub fn scenario(name: &str) -> Option<Scenario> {
    scenarios().into_iter().find(|s| s.name == name)
}

macro_rules! table {
    ($( $name:ident : $layer:ident, $fault:literal => $expect:literal; )*) => {
        /// Every row of the fault matrix, in order.
        pub fn scenarios() -> Vec<Scenario> {
            vec![$(
                Scenario {
                    name: stringify!($name),
                    layer: Layer::$layer,
                    fault: $fault,
                    expect: $expect,
                    run: |s| -> RowFuture { Box::pin($name(s)) },
                },
            )*]
        }

        /// The names of every row, in order.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

table! {
    token_connection_refused: Token, "nothing listens on the loopback port" => "Transport(Refused), not retried";
    token_reset_mid_body: Token, "200 with Content-Length 400, 20 bytes, then the connection closes" => "Transport(Body), retried once";
    token_no_answer: Token, "the server accepts and never answers" => "Transport(Timeout) after 2 attempts of 300 ms";
    token_http_500: Token, "500 with an HTML page" => "Status(500), retried once";
    token_http_502: Token, "502 with an HTML page" => "Status(502), retried once";
    token_http_503: Token, "503 with an HTML page" => "Status(503), retried once";
    token_http_504: Token, "504 with an HTML page" => "Status(504), retried once";
    token_500_then_success: Token, "500 once, then a token" => "Ok after 2 requests";
    token_429_retry_after_then_success: Token, "429 with Retry-After: 1, then a token" => "Ok after 2 requests, at least 1 s later";
    token_429_without_retry_after: Token, "429 without Retry-After" => "Status(429) after 2 requests";
    token_429_retry_after_over_cap: Token, "429 with Retry-After: 3600 (cap 5 s)" => "Status(429) at once, 1 request";
    token_200_html: Token, "200 with an HTML sign-in page" => "InvalidResponse";
    token_200_empty_body: Token, "200 with an empty body" => "InvalidResponse";
    token_200_without_access_token: Token, "200 JSON without access_token" => "InvalidResponse naming access_token";
    token_expires_in_negative: Token, "expires_in: -3600" => "Ok, lifetime 0";
    token_expires_in_zero: Token, "expires_in: 0" => "Ok, lifetime 0";
    token_expires_in_zero_is_not_cached: Token, "expires_in: 0, asked twice through a provider" => "Ok twice, 2 token requests";
    token_expires_in_huge: Token, "expires_in: 18446744073709551615" => "Ok, lifetime capped at 24 h";
    token_expires_in_not_a_number: Token, "expires_in: \"soon\"" => "Ok, default lifetime 300 s";
    token_type_not_bearer: Token, "token_type: mac" => "InvalidResponse naming token_type";
    token_fake_gzip: Token, "Content-Encoding: gzip on a body that is not gzip" => "InvalidResponse (no decompression) or Transport(Body)";
    token_oauth_invalid_client: Token, "401 invalid_client, AADSTS7000215, the secret echoed in the description" => "OAuth(invalid_client), not retried, secret redacted";
    token_redirect_not_followed: Token, "302 to another server" => "Status(302), the other server never asked";
    token_body_over_cap: Token, "200 with a 100 KiB body (cap 64 KiB)" => "Transport(TooLarge), not retried";
    token_error_echoes_request: Token, "400 text page echoing the request (Basic header, form body)" => "Status(400), snippet redacted";
    api_connection_refused: Api, "nothing listens on the loopback port" => "Transport(Refused), not retried";
    api_reset_mid_body: Api, "200 with Content-Length 400, 20 bytes, then the connection closes" => "Transport(Body), GET retried once";
    api_no_answer: Api, "the server accepts and never answers" => "Transport(Timeout) after 2 attempts of 300 ms";
    api_http_500: Api, "GET answered 500" => "Api(500), retried once";
    api_http_502: Api, "GET answered 502" => "Api(502), retried once";
    api_http_503: Api, "GET answered 503" => "Api(503), retried once";
    api_http_504: Api, "GET answered 504" => "Api(504), retried once";
    api_post_500_not_retried: Api, "POST answered 500" => "Api(500), 1 request";
    api_503_then_success: Api, "503 once, then 200" => "Ok after 2 requests";
    api_429_retry_after_then_success: Api, "429 with Retry-After: 1, then 200" => "Ok after 2 requests, at least 1 s later";
    api_429_without_retry_after: Api, "429 without Retry-After" => "Api(429) after 2 requests";
    api_200_html: Api, "200 with an HTML page, JSON expected" => "Decode";
    api_200_empty_body_typed: Api, "200 with an empty body, a list expected" => "Decode";
    api_401_repeated: Api, "401 invalid_token on every call" => "Auth(TokenRejected), 2 calls, 2 token requests";
    api_401_then_success: Api, "401 once, then 200" => "Ok, 2 calls, 2 token requests";
    api_apim_401_missing_key: Api, "401 APIM missing subscription key" => "Auth(SubscriptionKeyMissing), no token refetch";
    api_apim_403_not_authorized: Api, "403 APIM subscription not authorized for this product" => "Auth(SubscriptionNotAuthorized), 1 call";
    api_redirect_loop_same_origin: Api, "/a → 302 /b → 302 /a ..." => "Redirect(508), at most 12 hops";
    api_redirect_cross_origin: Api, "302 to another origin" => "Redirect(302), the other origin never asked";
    api_body_over_cap_declared: Api, "200 with a 4 KiB body and Content-Length (cap 1 KiB)" => "BodyTooLarge, not retried";
    api_body_over_cap_chunked: Api, "200 chunked, 16 KiB, no Content-Length (cap 4 KiB)" => "BodyTooLarge";
    api_body_trickle: Api, "200, 50-byte body at one byte per 200 ms (deadline 1.5 s)" => "Transport(Timeout) or Timeout within 3 s";
    api_token_endpoint_down: Api, "the token endpoint refuses connections" => "Token(Transport(Refused)), the API never asked";
    api_token_invalid_client: Api, "the token endpoint answers 401 invalid_client" => "Token(OAuth(invalid_client)), the API never asked";
    api_error_echoes_credentials: Api, "POST answered 500 with a page echoing the Authorization and key headers" => "Api(500), snippet redacted";
    okq8_http_500: Api, "okq8 client, GET answered 500" => "Api(500), retried once";
    okq8_apim_invalid_key: Api, "okq8 client, 401 APIM invalid subscription key" => "Auth(SubscriptionKeyInvalid), no token refetch";
    okq8_token_invalid_client: Api, "okq8 client, token endpoint answers 400 invalid_client" => "Token(OAuth(invalid_client))";
}

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

const TOKEN_PATH: &str = "/oauth2/token";
const SCOPE: &str = "api://reliability/.default";
const HTML_PAGE: &str =
    "<!DOCTYPE html><html><head><title>Upstream error</title></head><body>Try again later</body></html>";

#[derive(Default)]
struct Row {
    texts: Vec<String>,
}

impl Row {
    fn see<E: Debug + Display>(&mut self, e: &E) {
        self.texts.push(e.to_string());
        self.texts.push(format!("{e:?}"));
        self.texts.push(format!("{e:#?}"));
    }

    fn see_debug<T: Debug>(&mut self, t: &T) {
        self.texts.push(format!("{t:?}"));
        self.texts.push(format!("{t:#?}"));
    }

    fn token_err(&mut self, result: Result<AccessToken, TokenError>) -> Result<TokenError, String> {
        match result {
            Ok(token) => {
                self.see_debug(&token);
                Err(format!("expected an error, got a token: {token:?}"))
            }
            Err(e) => {
                self.see(&e);
                Ok(e)
            }
        }
    }

    fn token_ok(&mut self, result: Result<AccessToken, TokenError>) -> Result<AccessToken, String> {
        match result {
            Ok(token) => {
                self.see_debug(&token);
                Ok(token)
            }
            Err(e) => {
                self.see(&e);
                Err(format!("expected a token, got {}: {e}", describe_token(&e)))
            }
        }
    }

    fn api_err<T: Debug>(&mut self, result: Result<T, Error>) -> Result<Error, String> {
        match result {
            Ok(value) => Err(format!("expected an error, got {value:?}")),
            Err(e) => {
                self.see(&e);
                Ok(e)
            }
        }
    }

    fn api_ok<T: Debug>(&mut self, result: Result<T, Error>) -> Result<T, String> {
        match result {
            Ok(value) => {
                self.see_debug(&value);
                Ok(value)
            }
            Err(e) => {
                self.see(&e);
                Err(format!("expected success, got {}: {e}", describe_api(&e)))
            }
        }
    }

    fn pass(self, observed: impl Into<String>) -> RowResult {
        Ok(RowReport {
            observed: observed.into(),
            texts: self.texts,
        })
    }
}

fn ensure(condition: bool, problem: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(problem())
    }
}

fn io(e: std::io::Error) -> String {
    format!("test server: {e}")
}

/// A short name of a token error, looking through wrappers.
pub fn describe_token(e: &TokenError) -> String {
    match e {
        TokenError::OAuth(o) => format!("OAuth({} {})", o.status().as_u16(), o.code()),
        TokenError::Status(s) => format!("Status({})", s.status().as_u16()),
        TokenError::InvalidResponse(_) => "InvalidResponse".to_owned(),
        TokenError::Transport(t) => format!("Transport({:?})", t.kind()),
        TokenError::DeadlineExceeded { attempts, last, .. } => {
            format!("DeadlineExceeded({attempts}, {})", describe_token(last))
        }
        TokenError::BackingOff { last, .. } => format!("BackingOff({})", describe_token(last)),
        TokenError::Abandoned => "Abandoned".to_owned(),
        TokenError::Config(c) => format!("Config({})", c.field()),
        _ => "TokenError(other)".to_owned(),
    }
}

/// A short name of an API error.
pub fn describe_api(e: &Error) -> String {
    match e {
        Error::Config(c) => format!("Config({})", c.field()),
        Error::InvalidArgument(e) => format!("InvalidArgument({})", e.name()),
        Error::Token(t) => format!("Token({})", describe_token(t)),
        Error::Auth(a) => format!("Auth({} {:?})", a.status().as_u16(), a.kind()),
        Error::Api(a) => format!("Api({})", a.status().as_u16()),
        Error::Decode(d) => format!("Decode(at `{}`)", d.path()),
        Error::Transport(t) => format!("Transport({:?})", t.kind()),
        Error::Timeout(e) => format!("Timeout({} attempts)", e.attempts()),
        Error::Redirect(e) => format!("Redirect({})", e.status().as_u16()),
        Error::BodyTooLarge(e) => format!("BodyTooLarge({})", e.limit()),
        _ => "Error(other)".to_owned(),
    }
}

fn retry(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20))
        .max_retry_after(Duration::from_secs(5))
}

fn timeouts(attempt_ms: u64, overall_ms: u64) -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        attempt: Duration::from_millis(attempt_ms),
        overall: Duration::from_millis(overall_ms),
    }
}

/// Generous timeouts for rows whose fault is not about time.
fn patient() -> Timeouts {
    timeouts(5_000, 10_000)
}

fn credentials(s: &Secrets) -> Credentials {
    Credentials::password(
        s.client_id.clone(),
        Some(s.client_secret.clone()),
        s.username.clone(),
        s.password.clone(),
    )
}

fn token_client(url: &str, s: &Secrets, attempts: u32, t: Timeouts) -> Result<TokenClient, String> {
    TokenClient::builder()
        .endpoint(TokenEndpoint::url(url).with_scopes([SCOPE]))
        .credentials(credentials(s))
        .allow_insecure_loopback(true)
        .retry_policy(retry(attempts))
        .timeouts(t)
        .build()
        .map_err(|e| format!("token client: {e}"))
}

fn provider(
    url: &str,
    s: &Secrets,
    attempts: u32,
    t: Timeouts,
) -> Result<Arc<OAuthProvider>, String> {
    OAuthProvider::builder()
        .endpoint(TokenEndpoint::url(url).with_scopes([SCOPE]))
        .credentials(credentials(s))
        .allow_insecure_loopback(true)
        .retry_policy(retry(attempts))
        .timeouts(t)
        .build()
        .map(Arc::new)
        .map_err(|e| format!("provider: {e}"))
}

fn api_builder(
    base: &str,
    provider: Arc<dyn TokenProvider>,
    s: &Secrets,
    attempts: u32,
    t: Timeouts,
) -> ApiClientBuilder {
    s.api_builder(base)
        .token_provider(provider)
        .retry_policy(retry(attempts))
        .timeouts(t)
}

fn build(builder: ApiClientBuilder) -> Result<ApiClient, String> {
    builder.build().map_err(|e| format!("api client: {e}"))
}

fn token_answer(token: &str) -> serde_json::Value {
    json!({ "token_type": "Bearer", "expires_in": 3599, "access_token": token })
}

fn token_url(server: &MockServer) -> String {
    format!("{}{TOKEN_PATH}", server.uri())
}

async fn hits(server: &MockServer, p: &str) -> usize {
    server
        .received_requests()
        .await
        .map(|r| r.iter().filter(|r| r.url.path() == p).count())
        .unwrap_or(0)
}

async fn all_hits(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .map(|r| r.len())
        .unwrap_or(0)
}

async fn mount(
    server: &MockServer,
    verb: &str,
    p: &str,
    response: impl Respond + 'static,
    name: &str,
) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(response)
        .named(name)
        .mount(server)
        .await;
}

/// Answers `first` once, then `then` for every later request.
async fn mount_once_then(
    server: &MockServer,
    verb: &str,
    p: &str,
    first: ResponseTemplate,
    then: ResponseTemplate,
    name: &str,
) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .named(format!("{name}: first answer"))
        .mount(server)
        .await;
    mount(server, verb, p, then, &format!("{name}: later answers")).await;
}

/// A token endpoint that hands out the run's tokens in turn (the last one repeats).
struct TokenSequence {
    tokens: Vec<String>,
    next: AtomicUsize,
}

impl Respond for TokenSequence {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        let token = self
            .tokens
            .get(i.min(self.tokens.len().saturating_sub(1)))
            .cloned()
            .unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(token_answer(&token))
    }
}

/// A mock server with a token endpoint at [`TOKEN_PATH`].
async fn server_with_tokens(s: &Secrets) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        TokenSequence {
            tokens: vec![s.access_token.clone(), s.refreshed_token.clone()],
            next: AtomicUsize::new(0),
        },
        "token endpoint",
    )
    .await;
    server
}

/// Answers `status` with a text page that quotes the request: its headers, then its
/// body, as a debugging proxy might.
struct Echo(u16);

impl Respond for Echo {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let mut text = String::from("request was:\n");
        for (name, value) in &request.headers {
            if name == "authorization" || name.as_str().contains("subscription") {
                text.push_str(&format!(
                    "{name}: {}\n",
                    String::from_utf8_lossy(value.as_bytes())
                ));
            }
        }
        text.push_str(&String::from_utf8_lossy(&request.body));
        ResponseTemplate::new(self.0).set_body_raw(text, "text/plain")
    }
}

fn html(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(HTML_PAGE, "text/html")
}

// ---------------------------------------------------------------------------------
// Token endpoint rows
// ---------------------------------------------------------------------------------

async fn token_connection_refused(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let url = refused_url().await.map_err(io)?;
    let client = token_client(&format!("{url}{TOKEN_PATH}"), &s, 2, patient())?;
    let e = row.token_err(client.request_token().await)?;
    ensure(
        matches!(&e, TokenError::Transport(t) if t.kind() == TransportErrorKind::Refused),
        || format!("expected Transport(Refused), got {}", describe_token(&e)),
    )?;
    // Nothing listens on a loopback port: the next attempt fails the same way.
    ensure(!e.is_retryable(), || {
        "a refused loopback connection should not be retried".into()
    })?;
    row.pass(describe_token(&e))
}

async fn token_reset_mid_body(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = RawServer::start(Behaviour::ResetMidBody {
        declared: 400,
        body: br#"{"access_token":"eyJ0"#.to_vec(),
    })
    .await
    .map_err(io)?;
    let client = token_client(&format!("{}{TOKEN_PATH}", server.url()), &s, 2, patient())?;
    let e = row.token_err(client.request_token().await)?;
    ensure(
        matches!(&e, TokenError::Transport(t) if t.kind() == TransportErrorKind::Body),
        || format!("expected Transport(Body), got {}", describe_token(&e)),
    )?;
    let n = server.connections();
    ensure(n == 2, || {
        format!("expected 2 connections (one retry), got {n}")
    })?;
    row.pass(format!("{} after {n} connections", describe_token(&e)))
}

async fn token_no_answer(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = RawServer::start(Behaviour::Silent).await.map_err(io)?;
    let client = token_client(
        &format!("{}{TOKEN_PATH}", server.url()),
        &s,
        2,
        timeouts(300, 3_000),
    )?;
    let started = Instant::now();
    let e = row.token_err(client.request_token().await)?;
    let elapsed = started.elapsed();
    ensure(
        matches!(&e, TokenError::Transport(t) if t.kind() == TransportErrorKind::Timeout),
        || format!("expected Transport(Timeout), got {}", describe_token(&e)),
    )?;
    ensure(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(3),
        || format!("two 300 ms attempts took {elapsed:?}"),
    )?;
    row.pass(format!(
        "{} after {} attempts in {} ms",
        describe_token(&e),
        server.connections(),
        elapsed.as_millis()
    ))
}

async fn token_status(s: Arc<Secrets>, status: u16) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        html(status),
        "token endpoint fails",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 2, patient())?;
    let e = row.token_err(client.request_token().await)?;
    ensure(
        matches!(&e, TokenError::Status(st) if st.status().as_u16() == status),
        || format!("expected Status({status}), got {}", describe_token(&e)),
    )?;
    ensure(e.is_retryable(), || format!("{status} should be retryable"))?;
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 2, || {
        format!("expected 2 requests (one retry), got {n}")
    })?;
    row.pass(format!("{} after {n} requests", describe_token(&e)))
}

async fn token_http_500(s: Arc<Secrets>) -> RowResult {
    token_status(s, 500).await
}

async fn token_http_502(s: Arc<Secrets>) -> RowResult {
    token_status(s, 502).await
}

async fn token_http_503(s: Arc<Secrets>) -> RowResult {
    token_status(s, 503).await
}

async fn token_http_504(s: Arc<Secrets>) -> RowResult {
    token_status(s, 504).await
}

async fn token_500_then_success(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount_once_then(
        &server,
        "POST",
        TOKEN_PATH,
        html(500),
        ResponseTemplate::new(200).set_body_json(token_answer(&s.access_token)),
        "token endpoint",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 2, patient())?;
    let token = row.token_ok(client.request_token().await)?;
    ensure(token.secret() == s.access_token, || {
        "not the served token".into()
    })?;
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 2, || format!("expected 2 requests, got {n}"))?;
    row.pass(format!("Ok after {n} requests"))
}

async fn token_429_retry_after_then_success(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount_once_then(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
        ResponseTemplate::new(200).set_body_json(token_answer(&s.access_token)),
        "token endpoint",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 2, patient())?;
    let started = Instant::now();
    row.token_ok(client.request_token().await)?;
    let elapsed = started.elapsed();
    ensure(elapsed >= Duration::from_secs(1), || {
        format!("Retry-After: 1 not honoured: {elapsed:?}")
    })?;
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 2, || format!("expected 2 requests, got {n}"))?;
    row.pass(format!(
        "Ok after {n} requests in {} ms",
        elapsed.as_millis()
    ))
}

async fn token_429_without_retry_after(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(429).set_body_string("Too Many Requests"),
        "throttled",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 2, patient())?;
    let e = row.token_err(client.request_token().await)?;
    ensure(e.status().map(|s| s.as_u16()) == Some(429), || {
        format!("expected 429, got {}", describe_token(&e))
    })?;
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 2, || format!("expected 2 requests, got {n}"))?;
    row.pass(format!("{} after {n} requests", describe_token(&e)))
}

async fn token_429_retry_after_over_cap(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(429).insert_header("Retry-After", "3600"),
        "throttled for an hour",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 3, patient())?;
    let started = Instant::now();
    let e = row.token_err(client.request_token().await)?;
    ensure(e.status().map(|s| s.as_u16()) == Some(429), || {
        format!("expected 429, got {}", describe_token(&e))
    })?;
    ensure(started.elapsed() < Duration::from_secs(2), || {
        "waited for a Retry-After over the cap".into()
    })?;
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 1, || format!("expected 1 request, got {n}"))?;
    row.pass(format!("{} after {n} request", describe_token(&e)))
}

async fn token_invalid_answer(
    s: Arc<Secrets>,
    answer: ResponseTemplate,
    mentions: &str,
) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount(&server, "POST", TOKEN_PATH, answer, "token endpoint").await;
    let client = token_client(&token_url(&server), &s, 2, patient())?;
    let e = row.token_err(client.request_token().await)?;
    ensure(matches!(e, TokenError::InvalidResponse(_)), || {
        format!("expected InvalidResponse, got {}", describe_token(&e))
    })?;
    ensure(e.to_string().contains(mentions), || {
        format!("the message should mention `{mentions}`: {e}")
    })?;
    ensure(!e.is_retryable(), || {
        "an unusable answer is not retryable".into()
    })?;
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 1, || format!("expected 1 request, got {n}"))?;
    row.pass(describe_token(&e))
}

async fn token_200_html(s: Arc<Secrets>) -> RowResult {
    token_invalid_answer(s, html(200), "not a JSON token answer").await
}

async fn token_200_empty_body(s: Arc<Secrets>) -> RowResult {
    token_invalid_answer(s, ResponseTemplate::new(200), "0 bytes").await
}

async fn token_200_without_access_token(s: Arc<Secrets>) -> RowResult {
    token_invalid_answer(
        s,
        ResponseTemplate::new(200)
            .set_body_json(json!({"token_type": "Bearer", "expires_in": 3599})),
        "access_token",
    )
    .await
}

async fn token_type_not_bearer(s: Arc<Secrets>) -> RowResult {
    let answer = json!({"token_type": "mac", "expires_in": 3599, "access_token": s.access_token});
    token_invalid_answer(
        s,
        ResponseTemplate::new(200).set_body_json(answer),
        "token_type",
    )
    .await
}

async fn token_with_expires_in(
    s: Arc<Secrets>,
    expires_in: serde_json::Value,
    lifetime: Duration,
) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    let answer =
        json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": s.access_token});
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(200).set_body_json(answer),
        "token endpoint",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 2, patient())?;
    let token = row.token_ok(client.request_token().await)?;
    ensure(token.lifetime() == lifetime, || {
        format!("expected lifetime {lifetime:?}, got {:?}", token.lifetime())
    })?;
    row.pass(format!("Ok, lifetime {} s", token.lifetime().as_secs()))
}

async fn token_expires_in_negative(s: Arc<Secrets>) -> RowResult {
    token_with_expires_in(s, json!(-3600), Duration::ZERO).await
}

async fn token_expires_in_zero(s: Arc<Secrets>) -> RowResult {
    token_with_expires_in(s, json!(0), Duration::ZERO).await
}

async fn token_expires_in_huge(s: Arc<Secrets>) -> RowResult {
    token_with_expires_in(s, json!(u64::MAX), oauth_core::token::MAX_LIFETIME).await
}

async fn token_expires_in_not_a_number(s: Arc<Secrets>) -> RowResult {
    token_with_expires_in(s, json!("soon"), oauth_core::token::DEFAULT_LIFETIME).await
}

async fn token_expires_in_zero_is_not_cached(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    let answer = json!({"token_type": "Bearer", "expires_in": 0, "access_token": s.access_token});
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(200).set_body_json(answer),
        "token endpoint",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    for _ in 0..2 {
        row.token_ok(provider.token().await)?;
    }
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 2, || {
        format!(
            "expected 2 token requests (an expired token is not served from the cache), got {n}"
        )
    })?;
    row.pass(format!("Ok twice, {n} token requests"))
}

async fn token_fake_gzip(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    let answer = ResponseTemplate::new(200)
        .insert_header("Content-Encoding", "gzip")
        .set_body_raw(
            b"\x1f\x8b\x08\x00 this is not gzip at all".to_vec(),
            "application/json",
        );
    mount(&server, "POST", TOKEN_PATH, answer, "token endpoint").await;
    let client = token_client(&token_url(&server), &s, 1, patient())?;
    let e = row.token_err(client.request_token().await)?;
    ensure(
        matches!(&e, TokenError::InvalidResponse(_))
            || matches!(&e, TokenError::Transport(t) if t.kind() == TransportErrorKind::Body),
        || {
            format!(
                "expected InvalidResponse or Transport(Body), got {}",
                describe_token(&e)
            )
        },
    )?;
    row.pass(describe_token(&e))
}

async fn token_oauth_invalid_client(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    let body = json!({
        "error": "invalid_client",
        "error_description": format!(
            "AADSTS7000215: Invalid client secret provided: '{}' (password '{}').\r\nTrace ID: 0b2f4c1e",
            s.client_secret, s.password
        ),
        "error_codes": [7_000_215],
        "trace_id": "0b2f4c1e-9a8d-4e7f-b6c5-d4e3f2a1b0c9",
        "correlation_id": crate::secrets::form_component(&s.client_secret),
    });
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(401).set_body_json(body),
        "refuses",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 3, patient())?;
    let e = row.token_err(client.request_token().await)?;
    let oauth = e
        .oauth()
        .ok_or_else(|| format!("expected OAuth, got {}", describe_token(&e)))?;
    ensure(
        oauth.code() == "invalid_client" && oauth.has_aadsts(7_000_215),
        || format!("got {oauth:?}"),
    )?;
    ensure(e.to_string().contains("check the client secret"), || {
        format!("no hint: {e}")
    })?;
    ensure(
        oauth
            .description()
            .is_some_and(|d| d.contains("[redacted]")),
        || "the echoed secret was not redacted".into(),
    )?;
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 1, || {
        format!("an OAuth refusal must not be retried, got {n} requests")
    })?;
    row.pass(format!("{} after {n} request", describe_token(&e)))
}

async fn token_redirect_not_followed(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(302).insert_header("Location", token_url(&elsewhere).as_str()),
        "redirects",
    )
    .await;
    mount(
        &elsewhere,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(200).set_body_json(token_answer(&s.access_token)),
        "elsewhere",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 2, patient())?;
    let e = row.token_err(client.request_token().await)?;
    ensure(e.status().map(|s| s.as_u16()) == Some(302), || {
        format!("expected Status(302), got {}", describe_token(&e))
    })?;
    ensure(e.to_string().contains("redirects are not followed"), || {
        format!("message: {e}")
    })?;
    let other = all_hits(&elsewhere).await;
    ensure(other == 0, || {
        format!("the redirect target got {other} requests")
    })?;
    row.pass(format!(
        "{}, target asked {other} times",
        describe_token(&e)
    ))
}

async fn token_body_over_cap(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    let big = format!(
        "{{\"access_token\":\"{}\",\"pad\":\"{}\"}}",
        s.access_token,
        "x".repeat(100 * 1024)
    );
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(200).set_body_raw(big, "application/json"),
        "huge",
    )
    .await;
    let client = token_client(&token_url(&server), &s, 3, patient())?;
    let e = row.token_err(client.request_token().await)?;
    ensure(
        matches!(&e, TokenError::Transport(t) if t.kind() == TransportErrorKind::TooLarge),
        || format!("expected Transport(TooLarge), got {}", describe_token(&e)),
    )?;
    let n = hits(&server, TOKEN_PATH).await;
    ensure(n == 1, || {
        format!("too large is not retryable, got {n} requests")
    })?;
    row.pass(format!("{} after {n} request", describe_token(&e)))
}

async fn token_error_echoes_request(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount(&server, "POST", TOKEN_PATH, Echo(400), "echo").await;
    let client = TokenClient::builder()
        .endpoint(TokenEndpoint::url(token_url(&server)).with_scopes([SCOPE]))
        .credentials(credentials(&s))
        .client_auth(ClientAuth::SecretBasic)
        .allow_insecure_loopback(true)
        .retry_policy(retry(2))
        .timeouts(patient())
        .build()
        .map_err(|e| format!("token client: {e}"))?;
    let e = row.token_err(client.request_token().await)?;
    let TokenError::Status(status) = &e else {
        return Err(format!("expected Status(400), got {}", describe_token(&e)));
    };
    ensure(status.status().as_u16() == 400, || {
        format!("got {}", status.status())
    })?;
    ensure(status.snippet().contains("[redacted]"), || {
        "nothing was redacted from the echo".into()
    })?;
    ensure(status.snippet().contains("authorization: Basic"), || {
        "the echo lost its shape".into()
    })?;
    row.pass(format!("{}, snippet redacted", describe_token(&e)))
}

// ---------------------------------------------------------------------------------
// API rows
// ---------------------------------------------------------------------------------

const ITEMS: &str = "/items";

async fn api_connection_refused(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let url = refused_url().await.map_err(io)?;
    let api = build(api_builder(&url, s.token_provider(), &s, 2, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::Transport(t) if t.kind() == TransportErrorKind::Refused),
        || format!("expected Transport(Refused), got {}", describe_api(&e)),
    )?;
    // Nothing listens on a loopback port: the next attempt fails the same way.
    ensure(!e.is_retryable(), || {
        "a refused loopback connection should not be retried".into()
    })?;
    row.pass(describe_api(&e))
}

async fn api_reset_mid_body(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = RawServer::start(Behaviour::ResetMidBody {
        declared: 400,
        body: br#"{"items":[{"id":"1"#.to_vec(),
    })
    .await
    .map_err(io)?;
    let api = build(api_builder(
        &server.url(),
        s.token_provider(),
        &s,
        2,
        patient(),
    ))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::Transport(t) if t.kind() == TransportErrorKind::Body),
        || format!("expected Transport(Body), got {}", describe_api(&e)),
    )?;
    let n = server.connections();
    ensure(n == 2, || {
        format!("expected 2 connections (GET retried once), got {n}")
    })?;
    row.pass(format!("{} after {n} connections", describe_api(&e)))
}

async fn api_no_answer(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = RawServer::start(Behaviour::Silent).await.map_err(io)?;
    let api = build(api_builder(
        &server.url(),
        s.token_provider(),
        &s,
        2,
        timeouts(300, 3_000),
    ))?;
    let started = Instant::now();
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    let elapsed = started.elapsed();
    ensure(
        matches!(&e, Error::Transport(t) if t.kind() == TransportErrorKind::Timeout),
        || format!("expected Transport(Timeout), got {}", describe_api(&e)),
    )?;
    ensure(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(3),
        || format!("two 300 ms attempts took {elapsed:?}"),
    )?;
    row.pass(format!(
        "{} after {} attempts in {} ms",
        describe_api(&e),
        server.connections(),
        elapsed.as_millis()
    ))
}

async fn api_status(s: Arc<Secrets>, status: u16) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(&server, "GET", ITEMS, html(status), "api fails").await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::Api(a) if a.status().as_u16() == status),
        || format!("expected Api({status}), got {}", describe_api(&e)),
    )?;
    ensure(e.is_retryable(), || format!("{status} should be retryable"))?;
    let n = hits(&server, ITEMS).await;
    ensure(n == 2, || {
        format!("expected 2 calls (GET retried once), got {n}")
    })?;
    let t = hits(&server, TOKEN_PATH).await;
    ensure(t == 1, || {
        format!("a server error must not refetch the token: {t} token requests")
    })?;
    row.pass(format!("{} after {n} calls", describe_api(&e)))
}

async fn api_http_500(s: Arc<Secrets>) -> RowResult {
    api_status(s, 500).await
}

async fn api_http_502(s: Arc<Secrets>) -> RowResult {
    api_status(s, 502).await
}

async fn api_http_503(s: Arc<Secrets>) -> RowResult {
    api_status(s, 503).await
}

async fn api_http_504(s: Arc<Secrets>) -> RowResult {
    api_status(s, 504).await
}

async fn api_post_500_not_retried(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(&server, "POST", ITEMS, html(500), "api fails").await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 3, patient()))?;
    let e = row.api_err(
        api.send::<serde_json::Value>(Request::post(ITEMS).json(&json!({"n": 1})))
            .await,
    )?;
    ensure(
        matches!(&e, Error::Api(a) if a.status().as_u16() == 500),
        || format!("expected Api(500), got {}", describe_api(&e)),
    )?;
    let n = hits(&server, ITEMS).await;
    ensure(n == 1, || {
        format!("a POST must not be repeated after a 500, got {n} calls")
    })?;
    row.pass(format!("{} after {n} call", describe_api(&e)))
}

async fn api_503_then_success(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount_once_then(
        &server,
        "GET",
        ITEMS,
        html(503),
        ResponseTemplate::new(200).set_body_json(json!([1, 2])),
        "api",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    let value = row.api_ok(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(value == json!([1, 2]), || format!("got {value}"))?;
    let n = hits(&server, ITEMS).await;
    ensure(n == 2, || format!("expected 2 calls, got {n}"))?;
    row.pass(format!("Ok after {n} calls"))
}

async fn api_429_retry_after_then_success(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount_once_then(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(429).insert_header("Retry-After", "1").set_body_json(json!({"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."})),
        ResponseTemplate::new(200).set_body_json(json!([])),
        "api",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    let started = Instant::now();
    row.api_ok(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    let elapsed = started.elapsed();
    ensure(elapsed >= Duration::from_secs(1), || {
        format!("Retry-After: 1 not honoured: {elapsed:?}")
    })?;
    let n = hits(&server, ITEMS).await;
    ensure(n == 2, || format!("expected 2 calls, got {n}"))?;
    row.pass(format!("Ok after {n} calls in {} ms", elapsed.as_millis()))
}

async fn api_429_without_retry_after(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(429)
            .set_body_json(json!({"statusCode": 429, "message": "Rate limit is exceeded."})),
        "api",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::Api(a) if a.status().as_u16() == 429),
        || format!("expected Api(429), got {}", describe_api(&e)),
    )?;
    let n = hits(&server, ITEMS).await;
    ensure(n == 2, || format!("expected 2 calls, got {n}"))?;
    row.pass(format!("{} after {n} calls", describe_api(&e)))
}

async fn api_decode_failure(s: Arc<Secrets>, answer: ResponseTemplate, typed: bool) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(&server, "GET", ITEMS, answer, "api").await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    let e = if typed {
        row.api_err(
            api.send::<Vec<serde_json::Value>>(Request::get(ITEMS))
                .await,
        )?
    } else {
        row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?
    };
    ensure(matches!(e, Error::Decode(_)), || {
        format!("expected Decode, got {}", describe_api(&e))
    })?;
    let n = hits(&server, ITEMS).await;
    ensure(n == 1, || {
        format!("a decode failure is not retried, got {n} calls")
    })?;
    row.pass(describe_api(&e))
}

async fn api_200_html(s: Arc<Secrets>) -> RowResult {
    api_decode_failure(s, html(200), false).await
}

async fn api_200_empty_body_typed(s: Arc<Secrets>) -> RowResult {
    api_decode_failure(s, ResponseTemplate::new(200), true).await
}

async fn api_401_repeated(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(401)
            .insert_header("WWW-Authenticate", r#"Bearer error="invalid_token""#),
        "api refuses every token",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 3, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(e.auth_kind() == Some(&AuthErrorKind::TokenRejected), || {
        format!("expected Auth(TokenRejected), got {}", describe_api(&e))
    })?;
    let (n, t) = (hits(&server, ITEMS).await, hits(&server, TOKEN_PATH).await);
    ensure(n == 2 && t == 2, || {
        format!("expected 2 calls and 2 token requests, got {n} and {t}")
    })?;
    row.pass(format!(
        "{}, {n} calls, {t} token requests",
        describe_api(&e)
    ))
}

async fn api_401_then_success(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount_once_then(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(401),
        ResponseTemplate::new(200).set_body_json(json!({"ok": true})),
        "api",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    row.api_ok(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    let (n, t) = (hits(&server, ITEMS).await, hits(&server, TOKEN_PATH).await);
    ensure(n == 2 && t == 2, || {
        format!("expected 2 calls and 2 token requests, got {n} and {t}")
    })?;
    row.pass(format!("Ok, {n} calls, {t} token requests"))
}

async fn api_apim(s: Arc<Secrets>, status: u16, message: &str, kind: AuthErrorKind) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(status)
            .set_body_json(json!({"statusCode": status, "message": message})),
        "apim",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 3, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(e.auth_kind() == Some(&kind), || {
        format!("expected Auth({kind:?}), got {}", describe_api(&e))
    })?;
    let (n, t) = (hits(&server, ITEMS).await, hits(&server, TOKEN_PATH).await);
    ensure(n == 1 && t == 1, || {
        format!("expected 1 call and 1 token request, got {n} and {t}")
    })?;
    row.pass(format!("{}, {n} call, {t} token request", describe_api(&e)))
}

async fn api_apim_401_missing_key(s: Arc<Secrets>) -> RowResult {
    api_apim(
        s,
        401,
        "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
        AuthErrorKind::SubscriptionKeyMissing,
    )
    .await
}

async fn api_apim_403_not_authorized(s: Arc<Secrets>) -> RowResult {
    api_apim(
        s,
        403,
        "Access denied due to subscription not authorized for this product.",
        AuthErrorKind::SubscriptionNotAuthorized,
    )
    .await
}

async fn api_redirect_loop_same_origin(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(
        &server,
        "GET",
        "/a",
        ResponseTemplate::new(302).insert_header("Location", "/b"),
        "a → b",
    )
    .await;
    mount(
        &server,
        "GET",
        "/b",
        ResponseTemplate::new(302).insert_header("Location", "/a"),
        "b → a",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 3, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get("/a")).await)?;
    ensure(matches!(e, Error::Redirect(_)), || {
        format!("expected Redirect, got {}", describe_api(&e))
    })?;
    let hops = hits(&server, "/a").await + hits(&server, "/b").await;
    ensure(hops <= 12, || format!("the loop ran {hops} hops"))?;
    row.pass(format!("{} after {hops} hops", describe_api(&e)))
}

async fn api_redirect_cross_origin(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    let elsewhere = MockServer::start().await;
    mount(
        &elsewhere,
        "GET",
        ITEMS,
        ResponseTemplate::new(200).set_body_json(json!([])),
        "elsewhere",
    )
    .await;
    mount(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(302)
            .insert_header("Location", format!("{}{ITEMS}", elsewhere.uri()).as_str()),
        "redirects elsewhere",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 3, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::Redirect(r) if r.status().as_u16() == 302 && r.location_origin() == elsewhere.uri()),
        || {
            format!(
                "expected Redirect(302) to {}, got {}",
                elsewhere.uri(),
                describe_api(&e)
            )
        },
    )?;
    let other = all_hits(&elsewhere).await;
    ensure(other == 0, || {
        format!("the other origin got {other} requests")
    })?;
    row.pass(format!(
        "{}, other origin asked {other} times",
        describe_api(&e)
    ))
}

async fn api_body_over_cap_declared(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(200).set_body_raw(vec![b' '; 4096], "application/json"),
        "big",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api =
        build(api_builder(&server.uri(), provider, &s, 3, patient()).max_response_bytes(1024))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::BodyTooLarge(b) if b.limit() == 1024),
        || format!("expected BodyTooLarge(1024), got {}", describe_api(&e)),
    )?;
    let n = hits(&server, ITEMS).await;
    ensure(n == 1, || {
        format!("too large is not retried, got {n} calls")
    })?;
    row.pass(format!("{} after {n} call", describe_api(&e)))
}

async fn api_body_over_cap_chunked(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = RawServer::start(Behaviour::Chunked {
        chunk_size: 1024,
        chunks: 16,
    })
    .await
    .map_err(io)?;
    let api = build(
        api_builder(&server.url(), s.token_provider(), &s, 3, patient()).max_response_bytes(4096),
    )?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::BodyTooLarge(b) if b.limit() == 4096),
        || format!("expected BodyTooLarge(4096), got {}", describe_api(&e)),
    )?;
    let n = server.connections();
    ensure(n == 1, || {
        format!("too large is not retried, got {n} connections")
    })?;
    row.pass(format!("{} after {n} connection", describe_api(&e)))
}

async fn api_body_trickle(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = RawServer::start(Behaviour::Trickle {
        body: br#"{"items":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}"#.to_vec(),
        interval: Duration::from_millis(200),
    })
    .await
    .map_err(io)?;
    let api = build(api_builder(
        &server.url(),
        s.token_provider(),
        &s,
        2,
        timeouts(1_000, 1_500),
    ))?;
    let started = Instant::now();
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    let elapsed = started.elapsed();
    ensure(
        matches!(&e, Error::Transport(t) if t.kind() == TransportErrorKind::Timeout)
            || matches!(e, Error::Timeout(_)),
        || format!("expected a timeout, got {}", describe_api(&e)),
    )?;
    ensure(elapsed < Duration::from_secs(3), || {
        format!("a 1.5 s deadline took {elapsed:?}")
    })?;
    row.pass(format!(
        "{} in {} ms",
        describe_api(&e),
        elapsed.as_millis()
    ))
}

async fn api_token_endpoint_down(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(200).set_body_json(json!([])),
        "api",
    )
    .await;
    let refused = refused_url().await.map_err(io)?;
    let provider = provider(&format!("{refused}{TOKEN_PATH}"), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::Token(TokenError::Transport(t)) if t.kind() == TransportErrorKind::Refused),
        || {
            format!(
                "expected Token(Transport(Refused)), got {}",
                describe_api(&e)
            )
        },
    )?;
    let n = all_hits(&server).await;
    ensure(n == 0, || {
        format!("the API was called {n} times without a token")
    })?;
    row.pass(describe_api(&e))
}

async fn api_token_invalid_client(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    mount(&server, "POST", TOKEN_PATH, ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})), "refuses").await;
    mount(
        &server,
        "GET",
        ITEMS,
        ResponseTemplate::new(200).set_body_json(json!([])),
        "api",
    )
    .await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    let e = row.api_err(api.send::<serde_json::Value>(Request::get(ITEMS)).await)?;
    ensure(
        matches!(&e, Error::Token(t) if t.oauth().is_some_and(|o| o.code() == "invalid_client")),
        || {
            format!(
                "expected Token(OAuth(invalid_client)), got {}",
                describe_api(&e)
            )
        },
    )?;
    let (n, t) = (hits(&server, ITEMS).await, hits(&server, TOKEN_PATH).await);
    ensure(n == 0 && t == 1, || {
        format!("expected 0 calls and 1 token request, got {n} and {t}")
    })?;
    row.pass(format!("{}, {t} token request", describe_api(&e)))
}

async fn api_error_echoes_credentials(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(&server, "POST", ITEMS, Echo(500), "echo").await;
    let provider = provider(&token_url(&server), &s, 2, patient())?;
    let api = build(api_builder(&server.uri(), provider, &s, 2, patient()))?;
    let e = row.api_err(
        api.send::<serde_json::Value>(Request::post(ITEMS).json(&json!({"n": 1})))
            .await,
    )?;
    let Error::Api(api_error) = &e else {
        return Err(format!("expected Api(500), got {}", describe_api(&e)));
    };
    ensure(api_error.status().as_u16() == 500, || {
        format!("got {}", api_error.status())
    })?;
    let snippet = api_error.snippet();
    ensure(snippet.matches("[redacted]").count() >= 2, || {
        "the token and the key were not both redacted".into()
    })?;
    ensure(snippet.contains("authorization: Bearer"), || {
        "the echo lost its shape".into()
    })?;
    row.pass(format!("{}, snippet redacted", describe_api(&e)))
}

fn okq8_client(server: &MockServer, s: &Secrets) -> Result<okq8::Client, String> {
    okq8::Client::builder()
        .client_credentials(s.client_id.clone(), s.client_secret.clone())
        .scope(SCOPE)
        .base_url(format!("{}/okq8/", server.uri()))
        .token_url(token_url(server))
        .subscription_key(s.subscription_key.clone())
        .allow_insecure_loopback(true)
        .retry_policy(retry(2))
        .timeouts(patient())
        .build()
        .map_err(|e| format!("okq8 client: {e}"))
}

const STATIONS: &str = "/okq8/core/v1/stations";

async fn okq8_http_500(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    mount(&server, "GET", STATIONS, html(500), "api fails").await;
    let client = okq8_client(&server, &s)?;
    let e = row.api_err(client.get_json("core/v1/stations").await)?;
    ensure(
        matches!(&e, okq8::Error::Api(a) if a.status().as_u16() == 500),
        || format!("expected Api(500), got {}", describe_api(&e)),
    )?;
    let n = hits(&server, STATIONS).await;
    ensure(n == 2, || format!("expected 2 calls, got {n}"))?;
    row.pass(format!("{} after {n} calls", describe_api(&e)))
}

async fn okq8_apim_invalid_key(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = server_with_tokens(&s).await;
    let body = json!({"statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."});
    mount(
        &server,
        "GET",
        STATIONS,
        ResponseTemplate::new(401).set_body_json(body),
        "apim",
    )
    .await;
    let client = okq8_client(&server, &s)?;
    let e = row.api_err(client.get_json("core/v1/stations").await)?;
    ensure(
        e.auth_kind() == Some(&okq8::AuthErrorKind::SubscriptionKeyInvalid),
        || {
            format!(
                "expected Auth(SubscriptionKeyInvalid), got {}",
                describe_api(&e)
            )
        },
    )?;
    let (n, t) = (
        hits(&server, STATIONS).await,
        hits(&server, TOKEN_PATH).await,
    );
    ensure(n == 1 && t == 1, || {
        format!("expected 1 call and 1 token request, got {n} and {t}")
    })?;
    row.pass(format!("{}, {n} call, {t} token request", describe_api(&e)))
}

async fn okq8_token_invalid_client(s: Arc<Secrets>) -> RowResult {
    let mut row = Row::default();
    let server = MockServer::start().await;
    let body = json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7_000_215]});
    mount(
        &server,
        "POST",
        TOKEN_PATH,
        ResponseTemplate::new(400).set_body_json(body),
        "refuses",
    )
    .await;
    let client = okq8_client(&server, &s)?;
    let e = row.api_err(client.get_json("core/v1/stations").await)?;
    ensure(
        matches!(&e, okq8::Error::Token(t) if t.oauth().is_some_and(|o| o.code() == "invalid_client")),
        || {
            format!(
                "expected Token(OAuth(invalid_client)), got {}",
                describe_api(&e)
            )
        },
    )?;
    let n = hits(&server, STATIONS).await;
    ensure(n == 0, || {
        format!("the API was called {n} times without a token")
    })?;
    row.pass(describe_api(&e))
}
