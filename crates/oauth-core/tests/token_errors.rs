//! Failures of the token endpoint: OAuth errors (never retried), other statuses with
//! a bounded snippet, retries of transient failures with backoff and `Retry-After`,
//! and the per-attempt and overall deadlines.
//!
//! These use real time: wiremock serves real sockets, and tokio's paused clock would
//! auto-advance through the client's timeouts.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use http::StatusCode;
use oauth_core::MAX_SNIPPET_BYTES;
use oauth_core::{
    RetryPolicy, Timeouts, TokenClient, TokenEndpoint, TokenError, TransportErrorKind,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A generic client on the mock server with fast backoff, so that only `Retry-After`
/// (or the policy under test) can make a test slow.
fn client(server: &MockServer, retry: RetryPolicy) -> TokenClient {
    builder_for(server, TokenEndpoint::url(token_url(server)))
        .retry_policy(retry)
        .build()
        .unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20))
}

async fn request_count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn azure_invalid_client_is_an_oauth_error_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            fixture("azure_error_invalid_client.json"),
            "application/json",
        ))
        .expect(1)
        .named("token endpoint refusing the client secret")
        .mount(&server)
        .await;

    // Default policy: up to 4 attempts, but an OAuth refusal is final.
    let err = client(&server, fast_retries())
        .request_token()
        .await
        .unwrap_err();

    let TokenError::OAuth(oauth) = &err else {
        panic!("expected TokenError::OAuth, got {err:?}");
    };
    assert_eq!(oauth.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(oauth.code(), "invalid_client");
    assert_eq!(oauth.aadsts_codes(), [7_000_215]);
    assert!(oauth.has_aadsts(7_000_215));
    assert_eq!(
        oauth.trace_id(),
        Some("0e7a55b2-9c4f-4b3e-8f1a-6d2c0b9e4a00")
    );
    assert_eq!(
        oauth.correlation_id(),
        Some("5f1d2c3b-7a8e-4d6f-b2c1-9e0a3f4b5c6d")
    );
    assert_eq!(oauth.timestamp(), Some("2013-12-31 06:31:41Z"));
    assert_eq!(
        oauth.uri(),
        Some("https://login.microsoftonline.com/error?code=7000215")
    );
    assert!(oauth
        .description()
        .unwrap()
        .starts_with("AADSTS7000215: Invalid client secret provided."));
    assert!(!err.is_retryable());
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(err.oauth().map(|o| o.code()), Some("invalid_client"));

    let text = err.to_string();
    assert!(text.contains("401"), "{text}");
    assert!(text.contains("invalid_client"), "{text}");
    assert!(text.contains("AADSTS7000215"), "{text}");
    assert!(text.contains("check the client secret"), "{text}");
    assert!(
        text.contains("0e7a55b2-9c4f-4b3e-8f1a-6d2c0b9e4a00"),
        "{text}"
    );
    assert!(
        !text.contains("\r\n"),
        "only the first description line: {text}"
    );
}

#[tokio::test]
async fn error_codes_are_read_from_their_array_when_the_description_names_none() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "interaction_required",
            "error_description": "Multi-factor authentication is required.",
            "error_codes": [50076, "50079"],
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server, fast_retries())
        .request_token()
        .await
        .unwrap_err();
    let oauth = err.oauth().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(oauth.aadsts_codes(), [50_076, 50_079]);
}

/// An unsupported `token_type` is named when it is a short plain word that is no part
/// of the token; anything else only by its length (it may be the token itself).
#[tokio::test]
async fn an_unsupported_token_type_is_quoted_only_when_plainly_a_word() {
    for (token_type, shown) in [
        ("MAC", "`MAC`"),
        ("po-p_2", "`po-p_2`"),
        ("ABCDEFGHIJKLMNOP", "`ABCDEFGHIJKLMNOP`"),
        ("ABCDEFGHIJKLMNOPQ", "of 17 characters"),
        ("a.b", "of 3 characters"),
        ("tok", "of 3 characters"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": "the-tok-value", "token_type": token_type,
            })))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server, fast_retries())
            .request_token()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, TokenError::InvalidResponse(m)
                if *m == format!("token_type {shown} is not supported (only Bearer)")),
            "{token_type}: {err:?}"
        );
    }
}

#[tokio::test]
async fn azure_400_without_error_codes_reads_aadsts_from_the_description() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            fixture("azure_error_tenant_not_found.json"),
            "application/json",
        ))
        .expect(1)
        .named("token endpoint: tenant not found")
        .mount(&server)
        .await;

    let err = client(&server, fast_retries())
        .request_token()
        .await
        .unwrap_err();

    let oauth = err.oauth().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(oauth.status(), StatusCode::BAD_REQUEST);
    assert_eq!(oauth.code(), "invalid_request");
    assert_eq!(oauth.aadsts_codes(), [90_002]);
    assert_eq!(
        oauth.correlation_id(),
        Some("1a2b3c4d-0000-4000-8000-000000000002")
    );
    assert!(err.to_string().contains("check the tenant"), "{err}");
}

#[tokio::test]
async fn an_html_502_is_a_status_error_with_a_bounded_snippet() {
    let mut page =
        String::from("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>");
    while page.len() < 5 * 1024 {
        page.push_str("<p>The upstream token service did not answer in time.</p>");
    }
    page.push_str("</body></html>");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page.clone(), "text/html"))
        .expect(1)
        .named("proxy answering 502")
        .mount(&server)
        .await;

    let err = client(&server, RetryPolicy::none())
        .request_token()
        .await
        .unwrap_err();

    let TokenError::Status(status) = &err else {
        panic!("expected TokenError::Status, got {err:?}");
    };
    assert_eq!(status.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(status.content_type(), Some("text/html"));
    let snippet = status.snippet();
    assert!(
        snippet.len() <= MAX_SNIPPET_BYTES + '…'.len_utf8(),
        "snippet of {} bytes",
        snippet.len()
    );
    assert!(snippet.len() >= MAX_SNIPPET_BYTES / 2, "snippet too short");
    assert!(snippet.starts_with("<!DOCTYPE html>"), "{snippet}");
    assert!(snippet.ends_with('…'), "a cut snippet says so: {snippet}");
    assert!(err.is_retryable(), "a 502 is worth another try later");
    assert!(
        err.to_string().len() < 1024,
        "the message stays short: {err}"
    );
}

#[tokio::test]
async fn a_503_then_success_takes_exactly_two_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("first answer: 503")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("second answer: token")
        .mount(&server)
        .await;

    let token = client(&server, fast_retries())
        .request_token()
        .await
        .unwrap();

    assert_eq!(token.secret(), ACCESS_TOKEN);
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn an_oauth_503_temporarily_unavailable_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(503).set_body_json(serde_json::json!({
            "error": "temporarily_unavailable",
            "error_description": "AADSTS90055: throttled",
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("first answer: OAuth 503")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("second answer: token")
        .mount(&server)
        .await;

    let token = client(&server, fast_retries())
        .request_token()
        .await
        .unwrap();
    assert_eq!(token.secret(), ACCESS_TOKEN);
}

#[tokio::test]
async fn retry_after_on_a_429_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "2")
                .set_body_string("slow down"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("first answer: 429 with Retry-After: 2")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("second answer: token")
        .mount(&server)
        .await;

    let started = Instant::now();
    // Backoff alone would wait at most 20 ms: only Retry-After explains 2 s.
    let token = client(&server, fast_retries())
        .request_token()
        .await
        .unwrap();
    let elapsed = started.elapsed();

    assert_eq!(token.secret(), ACCESS_TOKEN);
    assert!(elapsed >= Duration::from_secs(2), "waited only {elapsed:?}");
    assert!(elapsed < Duration::from_secs(6), "waited {elapsed:?}");
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_ends_the_retries_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_string("come back in two minutes"),
        )
        .expect(1)
        .named("429 with a long Retry-After")
        .mount(&server)
        .await;

    let started = Instant::now();
    let err = client(
        &server,
        fast_retries().max_retry_after(Duration::from_secs(60)),
    )
    .request_token()
    .await
    .unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn persistent_5xx_stops_after_max_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .expect(3)
        .named("token endpoint always failing")
        .mount(&server)
        .await;

    let err = client(&server, fast_retries().max_attempts(3))
        .request_token()
        .await
        .unwrap_err();

    assert!(
        matches!(&err, TokenError::Status(s) if s.status() == StatusCode::INTERNAL_SERVER_ERROR),
        "{err:?}"
    );
    assert_eq!(request_count(&server).await, 3);
}

fn is_timeout(err: &TokenError) -> bool {
    match err {
        TokenError::Transport(t) => t.kind() == TransportErrorKind::Timeout,
        TokenError::DeadlineExceeded { last, .. } => is_timeout(last),
        _ => false,
    }
}

#[tokio::test]
async fn a_slow_server_hits_the_attempt_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_answer(ACCESS_TOKEN))
                .set_delay(Duration::from_secs(10)),
        )
        .expect(1)
        .named("token endpoint slower than the attempt timeout")
        .mount(&server)
        .await;

    let client = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .retry_policy(RetryPolicy::none())
        .timeouts(Timeouts {
            connect: Duration::from_secs(1),
            attempt: Duration::from_millis(300),
            overall: Duration::from_secs(5),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.request_token().await.unwrap_err();
    let elapsed = started.elapsed();

    assert!(
        matches!(&err, TokenError::Transport(t) if t.kind() == TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn the_overall_deadline_bounds_retries_of_a_slow_server() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_answer(ACCESS_TOKEN))
                .set_delay(Duration::from_secs(10)),
        )
        .expect(2..=4)
        .named("token endpoint that never answers in time")
        .mount(&server)
        .await;

    let client = builder_for(&server, TokenEndpoint::url(token_url(&server)))
        .retry_policy(fast_retries().max_attempts(10))
        .timeouts(Timeouts {
            connect: Duration::from_secs(1),
            attempt: Duration::from_millis(400),
            overall: Duration::from_secs(1),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.request_token().await.unwrap_err();
    let elapsed = started.elapsed();

    assert!(is_timeout(&err), "{err:?}");
    // Ten attempts of 400 ms would take 4 s; the 1 s deadline cuts them short.
    assert!(elapsed >= Duration::from_millis(800), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1800), "{elapsed:?}");
}

#[tokio::test]
async fn a_closed_loopback_port_is_a_refused_error_not_retried() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = TokenClient::builder()
        .endpoint(TokenEndpoint::url(format!(
            "http://127.0.0.1:{port}/oauth2/token"
        )))
        .credentials(oauth_core::Credentials::client_credentials(
            CLIENT_ID,
            CLIENT_SECRET,
        ))
        .allow_insecure_loopback(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let err = client.request_token().await.unwrap_err();
    assert!(
        matches!(&err, TokenError::Transport(t) if t.kind() == TransportErrorKind::Refused),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_oversized_answer_is_refused() {
    let server = MockServer::start().await;
    let huge = format!(
        r#"{{"access_token":"{}","expires_in":3599}}"#,
        "a".repeat(100 * 1024)
    );
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .expect(1)
        .named("token endpoint answering 100 KiB")
        .mount(&server)
        .await;

    let err = client(&server, RetryPolicy::none())
        .request_token()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TokenError::Transport(t) if t.kind() == TransportErrorKind::TooLarge),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_retry_after_equal_to_the_cap_is_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_string("slow down"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("first answer: 429 with Retry-After: 1")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(ACCESS_TOKEN)))
        .expect(1)
        .named("second answer: token")
        .mount(&server)
        .await;

    let token = client(
        &server,
        fast_retries().max_retry_after(Duration::from_secs(1)),
    )
    .request_token()
    .await
    .unwrap();

    assert_eq!(token.secret(), ACCESS_TOKEN);
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_lowered_retry_after_cap_ends_the_retries_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "2")
                .set_body_string("come back in two seconds"),
        )
        .expect(1)
        .named("429 with Retry-After: 2, past the cap of 1 s")
        .mount(&server)
        .await;

    let policy = fast_retries().max_retry_after(Duration::from_secs(1));
    let err = client(&server, policy.clone())
        .request_token()
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS), "{err:?}");
    assert_eq!(request_count(&server).await, 1);
    assert_eq!(policy.retry_after_cap(), Duration::from_secs(1));
}

#[test]
fn backoff_bounds_double_with_each_attempt_up_to_the_cap() {
    let policy = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_millis(1000));
    for (attempt, bound_ms) in [
        (1, 100u64),
        (2, 200),
        (3, 400),
        (4, 800),
        (5, 1000),
        (9, 1000),
    ] {
        let bound = Duration::from_millis(bound_ms);
        let samples: Vec<Duration> = (0..200).map(|_| policy.backoff(attempt)).collect();
        let longest = samples.iter().max().copied().unwrap();
        // Full jitter: anywhere up to the bound, so 200 draws reach its upper half.
        assert!(
            longest <= bound,
            "attempt {attempt}: {longest:?} > {bound:?}"
        );
        assert!(
            longest > bound / 2,
            "attempt {attempt}: the longest of 200 delays is {longest:?}, bound {bound:?}"
        );
        // Without Retry-After, the delay is the backoff.
        let delay = policy.delay(attempt, None).unwrap();
        assert!(delay <= bound, "attempt {attempt}: delay {delay:?}");
    }
}

/// What an application reads from a failure that wraps another (the cache backing
/// off after a refusal, the deadline after a throttled answer): the endpoint's OAuth
/// error and status are found through the wrapper, and each kind has its metric name.
#[tokio::test]
async fn a_wrapped_failure_still_tells_the_endpoints_error_and_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            fixture("azure_error_invalid_client.json"),
            "application/json",
        ))
        .expect(1)
        .named("one refusal; the cache backs off after it")
        .mount(&server)
        .await;
    let provider = oauth_core::OAuthProvider::builder()
        .endpoint(TokenEndpoint::url(token_url(&server)))
        .credentials(oauth_core::Credentials::client_credentials(
            CLIENT_ID,
            CLIENT_SECRET,
        ))
        .allow_insecure_loopback(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let first = provider.token().await.unwrap_err();
    assert_eq!(first.kind_name(), "invalid_client");
    let again = provider.token().await.unwrap_err();
    assert!(matches!(&again, TokenError::BackingOff { .. }), "{again:?}");
    assert_eq!(again.kind_name(), "backing_off");
    assert_eq!(again.oauth().map(|o| o.code()), Some("invalid_client"));
    assert_eq!(again.status(), Some(StatusCode::UNAUTHORIZED));

    let deadline = TokenError::DeadlineExceeded {
        deadline: Duration::from_secs(30),
        attempts: 4,
        last: Box::new(first),
    };
    assert_eq!(deadline.kind_name(), "timeout");
    assert_eq!(deadline.oauth().map(|o| o.code()), Some("invalid_client"));
    assert_eq!(deadline.status(), Some(StatusCode::UNAUTHORIZED));
    for (err, name) in [
        (TokenError::Abandoned, "abandoned"),
        (TokenError::InvalidResponse("x".into()), "invalid_response"),
        (
            TokenError::Transport(oauth_core::TransportError::new(
                TransportErrorKind::Connect,
                "refused",
            )),
            "transport",
        ),
    ] {
        assert_eq!(err.kind_name(), name);
        assert_eq!((err.oauth().is_none(), err.status()), (true, None));
    }
}

/// Each standard OAuth error code gets its own advice (RFC 6749 §5.2), and the first
/// line of the server's description follows it.
#[tokio::test]
async fn each_oauth_error_code_says_what_to_check() {
    let cases = [
        (
            "invalid_client",
            "the client credentials were refused: check the client id and secret",
        ),
        (
            "unauthorized_client",
            "this client may not use this grant: check the app registration",
        ),
        (
            "invalid_grant",
            "the grant was refused: check the username and password",
        ),
        ("invalid_scope", "the scope was refused: check the scope"),
        (
            "invalid_resource",
            "the resource was refused: check the resource",
        ),
        (
            "invalid_request",
            "the token request was malformed: check tenant, scope and resource",
        ),
        (
            "unsupported_grant_type",
            "the token endpoint does not support this grant",
        ),
        (
            "temporarily_unavailable",
            "the token endpoint is busy: try again later",
        ),
        ("access_denied", "see the error description"),
    ];
    for (code, hint) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(400).set_body_json(serde_json::json!({ "error": code })),
            )
            .mount(&server)
            .await;
        let err = client(&server, RetryPolicy::none())
            .request_token()
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("the token endpoint answered 400 `{code}`: {hint}"),
            "{code}"
        );
    }
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_scope", "error_description": "scope `x` is unknown\nmore detail",
        })))
        .mount(&server)
        .await;
    let err = client(&server, RetryPolicy::none())
        .request_token()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the token endpoint answered 400 `invalid_scope`: the scope was refused: check the scope; server said: scope `x` is unknown"
    );
}
