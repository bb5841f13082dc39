//! The authorized HTTP pipeline against wiremock servers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::StreamExt;
use oauth_core::secrecy::SecretString;
use oauth_core::{Credentials, OAuthProvider, RetryPolicy, Timeouts, TokenEndpoint, TokenProvider};
use serde::Deserialize;
use serde_json::json;
use vendor_core::Error;
use vendor_core::{paginate, ApiClient, AuthErrorKind, Page, Request};
use wiremock::matchers::{body_string, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request as WmRequest, Respond, ResponseTemplate};

const KEY: &str = "sub-key-5b1e7c2a9d";
const CALLER: &str = "ops@example.com";
const UA: &str = "test-vendor/9.9.9";

fn jwt(payload: serde_json::Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(payload.to_string())
    )
}

/// Answers the token endpoint with `tok-1`, `tok-2`, ... in turn.
struct CountingTokens(AtomicUsize);

impl Respond for CountingTokens {
    fn respond(&self, _: &WmRequest) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "access_token": format!("tok-{n}")
        }))
    }
}

async fn token_mock(server: &MockServer, expected: u64) {
    Mock::given(method("POST"))
        .and(path("/tenant/oauth2/v2.0/token"))
        .respond_with(CountingTokens(AtomicUsize::new(0)))
        .expect(expected)
        .named("token endpoint")
        .mount(server)
        .await;
}

fn provider(server: &MockServer) -> Arc<dyn TokenProvider> {
    Arc::new(
        OAuthProvider::builder()
            .endpoint(TokenEndpoint::azure_ad_v2("tenant", ["api://x/.default"]))
            .credentials(Credentials::client_credentials(
                "client",
                "client-secret-value",
            ))
            .authority(server.uri())
            .allow_insecure_loopback(true)
            .build()
            .unwrap(),
    )
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

fn client(server: &MockServer, provider: Option<Arc<dyn TokenProvider>>) -> ApiClient {
    let mut b = ApiClient::builder()
        .base_url(format!("{}/api/", server.uri()))
        .secret_header("Ocp-Apim-Subscription-Key", SecretString::from(KEY))
        .header("x-api-caller-id", CALLER)
        .user_agent(UA)
        .retry_policy(fast_retries())
        .allow_insecure_loopback(true);
    if let Some(p) = provider {
        b = b.token_provider(p);
    }
    b.build().unwrap()
}

fn with_all_headers(m: wiremock::MockBuilder, bearer: &str) -> wiremock::MockBuilder {
    m.and(header("Ocp-Apim-Subscription-Key", KEY))
        .and(header("x-api-caller-id", CALLER))
        .and(header("user-agent", UA))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
}

#[tokio::test]
async fn headers_on_every_request_including_retries() {
    let server = MockServer::start().await;
    token_mock(&server, 1).await;
    with_all_headers(Mock::given(method("GET")).and(path("/api/things")), "tok-1")
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .named("first attempt: 503")
        .mount(&server)
        .await;
    with_all_headers(Mock::given(method("GET")).and(path("/api/things")), "tok-1")
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"n": 1})))
        .expect(2)
        .named("retry and second call: 200")
        .mount(&server)
        .await;
    let api = client(&server, Some(provider(&server)));
    #[derive(Deserialize)]
    struct N {
        n: u32,
    }
    for _ in 0..2 {
        let got: N = api
            .send(Request::get("/things").query(&[("page", 2)]))
            .await
            .unwrap();
        assert_eq!(got.n, 1);
    }
}

#[tokio::test]
async fn unauthorized_refreshes_the_token_and_retries_once() {
    let server = MockServer::start().await;
    token_mock(&server, 2).await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .named("stale token refused")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([1, 2])))
        .expect(1)
        .named("fresh token accepted")
        .mount(&server)
        .await;
    let api = client(&server, Some(provider(&server)));
    let got: Vec<u32> = api.send(Request::get("things")).await.unwrap();
    assert_eq!(got, vec![1, 2]);
}

#[tokio::test]
async fn a_second_unauthorized_is_an_error_after_two_calls() {
    let server = MockServer::start().await;
    token_mock(&server, 2).await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", r#"Bearer error="invalid_token""#)
                .insert_header("x-ms-request-id", "req-42"),
        )
        .expect(2)
        .named("always 401")
        .mount(&server)
        .await;
    let api = client(&server, Some(provider(&server)));
    let err = api.send_empty(Request::get("things")).await.unwrap_err();
    assert_eq!(err.auth_kind(), Some(&AuthErrorKind::TokenRejected));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.request_id(), Some("req-42"));
}

#[tokio::test]
async fn apim_bodies_are_classified() {
    let cases = [
        (
            401,
            "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
            AuthErrorKind::SubscriptionKeyMissing,
        ),
        (
            401,
            "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
            AuthErrorKind::SubscriptionKeyInvalid,
        ),
        (
            403,
            "Access denied due to subscription not authorized for this product.",
            AuthErrorKind::SubscriptionNotAuthorized,
        ),
    ];
    for (status, message, kind) in cases {
        let server = MockServer::start().await;
        // A key problem is not fixed by a new token: one token, one call.
        token_mock(&server, 1).await;
        Mock::given(method("GET"))
            .and(path("/api/things"))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"statusCode": status, "message": message})),
            )
            .expect(1)
            .named("APIM refusal")
            .mount(&server)
            .await;
        let api = client(&server, Some(provider(&server)));
        let err = api.send_empty(Request::get("things")).await.unwrap_err();
        assert_eq!(err.auth_kind(), Some(&kind), "{message}");
        assert_eq!(err.auth().unwrap().message(), Some(message));
        let text = err.to_string();
        assert!(!text.contains(KEY), "{text}");
    }
}

#[tokio::test]
async fn the_missing_role_is_named() {
    let server = MockServer::start().await;
    let token = jwt(json!({"roles": ["read:talentscans"], "aud": "x"}));
    Mock::given(method("POST"))
        .and(path("/tenant/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token}),
        ))
        .expect(1)
        .named("token endpoint: no refetch, the claims already show the role missing")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/expectations"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"statusCode": 401, "message": "Unauthorized"})),
        )
        .expect(1)
        .named("role missing")
        .mount(&server)
        .await;
    let api = client(&server, Some(provider(&server)));
    let err = api
        .send_empty(Request::get("expectations").require_role("read:expectations"))
        .await
        .unwrap_err();
    match err.auth_kind() {
        Some(AuthErrorKind::MissingRole { required, granted }) => {
            assert_eq!(required, "read:expectations");
            assert_eq!(granted, &vec!["read:talentscans".to_owned()]);
        }
        other => panic!("expected MissingRole, got {other:?}"),
    }
    assert!(err.to_string().contains("read:expectations"), "{err}");
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/slow"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .named("throttled")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/slow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(true)))
        .expect(1)
        .named("then fine")
        .mount(&server)
        .await;
    let api = client(&server, None);
    let started = Instant::now();
    let ok: bool = api.send(Request::get("slow")).await.unwrap();
    assert!(ok);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_are_retried_for_get_but_not_for_post() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/orders"))
        .and(body_string(r#"{"qty":1}"#))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"code": "Boom", "message": "it broke"}})),
        )
        .expect(1)
        .named("POST fails once, not retried")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .named("GET fails once")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .named("GET retried")
        .mount(&server)
        .await;
    let api = client(&server, None);
    let err = api
        .send_empty(Request::post("orders").json(&json!({"qty": 1})))
        .await
        .unwrap_err();
    match &err {
        Error::Api(e) => {
            assert_eq!(e.status().as_u16(), 500);
            assert_eq!(e.code(), Some("Boom"));
            assert_eq!(e.message(), Some("it broke"));
        }
        other => panic!("expected Api error, got {other:?}"),
    }
    let list: Vec<u32> = api.send(Request::get("orders")).await.unwrap();
    assert!(list.is_empty());
}

#[tokio::test]
async fn cross_origin_redirects_are_not_followed_and_leak_nothing() {
    let api_server = MockServer::start().await;
    let other = MockServer::start().await;
    token_mock(&api_server, 1).await;
    Mock::given(method("GET"))
        .and(path("/api/moved"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/steal", other.uri()).as_str()),
        )
        .expect(1)
        .named("redirect elsewhere")
        .mount(&api_server)
        .await;
    for secret_header in [
        "authorization",
        "ocp-apim-subscription-key",
        "x-api-caller-id",
    ] {
        Mock::given(header_exists(secret_header))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .named("a secret header reached another origin")
            .mount(&other)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("any request to the other origin")
        .mount(&other)
        .await;
    let api = client(&api_server, Some(provider(&api_server)));
    let err = api.send_empty(Request::get("moved")).await.unwrap_err();
    match err {
        Error::Redirect(redirect) => {
            assert_eq!(redirect.status().as_u16(), 302);
            assert_eq!(redirect.location_origin(), other.uri());
        }
        other => panic!("expected Redirect, got {other:?}"),
    }
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn same_origin_redirects_are_followed_with_headers() {
    let server = MockServer::start().await;
    token_mock(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/api/old"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/api/new"))
        .expect(1)
        .named("moved")
        .mount(&server)
        .await;
    with_all_headers(Mock::given(method("GET")).and(path("/api/new")), "tok-1")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("here")))
        .expect(1)
        .named("new place")
        .mount(&server)
        .await;
    let api = client(&server, Some(provider(&server)));
    let got: String = api.send(Request::get("old")).await.unwrap();
    assert_eq!(got, "here");
}

#[test]
fn plain_http_is_refused_without_the_opt_in() {
    let err = ApiClient::builder()
        .base_url("http://127.0.0.1:1/api")
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "base_url");
    let err = ApiClient::builder()
        .base_url("http://example.com/api")
        .allow_insecure_loopback(true)
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "base_url");
    assert!(ApiClient::builder()
        .base_url("https://example.com/api")
        .build()
        .is_ok());
}

#[tokio::test]
async fn the_overall_deadline_bounds_a_silent_server() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/never"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .named("never answers in time")
        .mount(&server)
        .await;
    let api = ApiClient::builder()
        .base_url(format!("{}/api", server.uri()))
        .allow_insecure_loopback(true)
        .retry_policy(fast_retries())
        .timeouts(Timeouts {
            connect: Duration::from_secs(1),
            attempt: Duration::from_millis(400),
            overall: Duration::from_millis(1000),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = api.send_empty(Request::get("never")).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert!(
        matches!(err, Error::Timeout(_) | Error::Transport(_)),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/big"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(10_000)))
        .expect(1)
        .named("big body")
        .mount(&server)
        .await;
    let api = ApiClient::builder()
        .base_url(format!("{}/api", server.uri()))
        .allow_insecure_loopback(true)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let err = api.send_bytes(Request::get("big")).await.unwrap_err();
    assert!(
        matches!(&err, Error::BodyTooLarge(e) if e.limit() == 1024),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stream_over_three_pages_yields_every_item_once() {
    let server = MockServer::start().await;
    for (page, items) in [(1, json!([1, 2])), (2, json!([3, 4])), (3, json!([5]))] {
        Mock::given(method("GET"))
            .and(path("/api/items"))
            .and(query_param("page", page.to_string().as_str()))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"items": items, "totalPages": 3})),
            )
            .expect(1)
            .named("one page")
            .mount(&server)
            .await;
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Envelope {
        items: Vec<u32>,
        total_pages: u64,
    }
    let api = client(&server, None);
    let items: Vec<u32> = paginate(1, |page| {
        let api = api.clone();
        async move {
            let env: Envelope = api
                .send(Request::get("items").query(&[("page", page)]))
                .await?;
            Ok::<_, Error>(Page::new(env.items).total_pages(Some(env.total_pages)))
        }
    })
    .map(Result::unwrap)
    .collect()
    .await;
    assert_eq!(items, vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn key_only_clients_send_no_authorization() {
    let server = MockServer::start().await;
    Mock::given(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named("no bearer expected")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/prices"))
        .and(header("Ocp-Apim-Subscription-Key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"price": "21.5"})))
        .expect(1)
        .named("key only")
        .mount(&server)
        .await;
    let api = client(&server, None);
    let v: serde_json::Value = api.send(Request::get("prices")).await.unwrap();
    assert_eq!(v["price"], "21.5");
}

#[tokio::test]
async fn decode_errors_carry_the_serde_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"items": [{"id": 1}, {"id": "two"}]}))
                .insert_header("request-id", "r-7"),
        )
        .expect(1)
        .named("odd body")
        .mount(&server)
        .await;
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: u32,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Env {
        items: Vec<Item>,
    }
    let api = client(&server, None);
    let err = api.send::<Env>(Request::get("things")).await.unwrap_err();
    match &err {
        Error::Decode(d) => {
            assert_eq!(d.path(), "items[1].id");
            assert!(d.snippet().contains("two"));
            // What serde said, as the error's text shows it.
            assert!(d.message().starts_with("invalid type: string"), "{d:?}");
            assert!(d
                .to_string()
                .ends_with(&format!("{} [request id r-7]", d.message())));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_eq!(err.request_id(), Some("r-7"));
}

#[tokio::test]
async fn error_texts_and_debug_never_hold_secrets() {
    let server = MockServer::start().await;
    token_mock(&server, 1).await;
    // A proxy that echoes the request headers back in its error page.
    Mock::given(method("GET"))
        .and(path("/api/echo"))
        .respond_with(ResponseTemplate::new(502).set_body_string(format!(
            "<html>bad gateway; you sent key={KEY} and Bearer tok-1</html>"
        )))
        .expect(4)
        .named("echoing proxy")
        .mount(&server)
        .await;
    let api = client(&server, Some(provider(&server)));
    let err = api.send_empty(Request::get("echo")).await.unwrap_err();
    let texts = [format!("{err}"), format!("{err:?}"), format!("{api:?}")];
    for text in texts {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains("client-secret-value"), "{text}");
        assert!(!text.contains("Bearer tok-1"), "{text}");
    }
    let _ = server;
}

#[tokio::test]
async fn server_text_in_errors_carries_no_terminal_escape() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "Bad\u{1b}[2J",
            "message": "nope\u{1b}]0;pwn\u{7}\u{1b}[31m\r\u{202e}red",
        })))
        .expect(1)
        .named("an error whose text carries escape sequences")
        .mount(&server)
        .await;
    let err = client(&server, None)
        .send_empty(Request::get("things"))
        .await
        .unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\r'),
            "{text:?}"
        );
        assert!(!text.contains('\u{202e}'), "{text:?}");
        assert!(text.contains("nope"), "{text}");
    }
}

#[tokio::test]
async fn a_per_call_retry_policy_and_timeout_replace_the_clients() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .named("503: asked once, the call allows no retry")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .expect(1)
        .named("an answer slower than the call's deadline")
        .mount(&server)
        .await;
    // The client retries 503s (fast_retries: three attempts)...
    let api = client(&server, None);
    let err = api
        .send_empty(Request::get("flaky").retry_policy(RetryPolicy::none()))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
    // ...and waits up to its own deadline; this call gives up after 200 ms.
    let started = Instant::now();
    let err = api
        .send_empty(
            Request::get("slow")
                .timeout(Duration::from_millis(200))
                .retry_policy(RetryPolicy::none()),
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4), "{err}");
    assert!(
        matches!(&err, Error::Timeout(t) if t.deadline() == Duration::from_millis(200))
            || matches!(&err, Error::Transport(t) if t.kind() == oauth_core::TransportErrorKind::Timeout),
        "{err:?}"
    );
}

#[tokio::test]
async fn send_with_response_carries_status_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-request-id", "req-4f2a")
                .set_body_json(json!([1, 2, 3])),
        )
        .expect(1)
        .named("things")
        .mount(&server)
        .await;
    let response = client(&server, None)
        .send_with_response::<Vec<u32>>(Request::get("things"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.request_id().as_deref(), Some("req-4f2a"));
    assert_eq!(response.value(), &[1, 2, 3]);
    assert_eq!(response.map(|v| v.len()).into_value(), 3);
}

#[tokio::test]
async fn page_streams_show_totals_and_item_streams_flatten_them() {
    use vendor_core::{paginate_pages, ItemStream, PageStream};
    let fetch = |n: u32| async move {
        let items: Vec<u32> = match n {
            1 => vec![1, 2],
            2 => vec![3],
            _ => vec![],
        };
        Ok::<_, Error>(Page::new(items).total_items(Some(3)).total_pages(Some(2)))
    };
    let pages: Vec<_> = PageStream::new(paginate_pages(1, fetch)).collect().await;
    assert_eq!(pages.len(), 2);
    let first = pages[0].as_ref().unwrap();
    assert_eq!((first.total_items, first.total_pages), (Some(3), Some(2)));
    let items: Vec<u32> = ItemStream::new(paginate(1, fetch))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(items, [1, 2, 3]);
    // Owned and Unpin: usable with `.next()` without pinning.
    fn owned<S: futures_util::Stream + Send + Unpin + 'static>(_: &S) {}
    owned(&ItemStream::new(paginate(1, fetch)));
}

#[tokio::test]
async fn a_per_call_timeout_lifts_the_attempt_cap_and_ends_as_a_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([7]))
                .set_delay(Duration::from_millis(700)),
        )
        .expect(2)
        .named("an answer slower than the client's attempt timeout")
        .mount(&server)
        .await;
    let api = ApiClient::builder()
        .base_url(format!("{}/api/", server.uri()))
        .retry_policy(RetryPolicy::none())
        .timeouts(Timeouts {
            connect: Duration::from_secs(1),
            attempt: Duration::from_millis(300),
            overall: Duration::from_secs(5),
        })
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    // The call allows 3 s: the 700 ms answer arrives although attempts cap at 300 ms.
    let got: Vec<u32> = api
        .send(Request::get("slow").timeout(Duration::from_secs(3)))
        .await
        .unwrap();
    assert_eq!(got, [7]);
    // A call whose own deadline ends its only attempt is a deadline error.
    let err = api
        .send_empty(Request::get("slow").timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Timeout(t) if t.deadline() == Duration::from_millis(200)),
        "{err:?}"
    );
}

#[tokio::test]
async fn decode_errors_carry_no_terminal_escape() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"\u{1b}]0;x\u{7}": "\u{1b}[31m"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server, None)
        .send::<std::collections::BTreeMap<String, u32>>(Request::get("things"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
}

/// Mounts `/api/hop/<i>` redirecting to `/api/hop/<i + 1>` for `i < hops`, and
/// `/api/hop/<hops>` answering `"arrived"`.
async fn redirect_chain(server: &MockServer, hops: usize) {
    for i in 0..hops {
        Mock::given(method("GET"))
            .and(path(format!("/api/hop/{i}")))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", format!("/api/hop/{}", i + 1).as_str()),
            )
            .named(format!("hop {i}"))
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("/api/hop/{hops}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("arrived")))
        .named("the end of the chain")
        .mount(server)
        .await;
}

#[tokio::test]
async fn ten_redirects_within_the_origin_are_followed_and_an_eleventh_is_refused() {
    let server = MockServer::start().await;
    redirect_chain(&server, 10).await;
    let api = client(&server, None);
    let got: String = api.send(Request::get("hop/0")).await.unwrap();
    assert_eq!(got, "arrived");
    assert_eq!(server.received_requests().await.unwrap().len(), 11);

    let server = MockServer::start().await;
    redirect_chain(&server, 11).await;
    let api = client(&server, None);
    let err = api.send_empty(Request::get("hop/0")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Redirect(r) if r.status().as_u16() == 508),
        "{err:?}"
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 11, "not retried, and the end never reached");
    assert!(requests.iter().all(|r| r.url.path() != "/api/hop/11"));
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_ends_the_call_at_once_with_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/busy"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "2")
                .set_body_json(json!({"message": "come back in two seconds"})),
        )
        .named("throttled for longer than the call may take")
        .mount(&server)
        .await;
    let api = ApiClient::builder()
        .base_url(format!("{}/api", server.uri()))
        .allow_insecure_loopback(true)
        .retry_policy(fast_retries())
        .timeouts(Timeouts {
            connect: Duration::from_secs(1),
            attempt: Duration::from_secs(1),
            overall: Duration::from_secs(1),
        })
        .build()
        .unwrap();
    let err = api.send_empty(Request::get("busy")).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A plain HTTP/1.1 server on 127.0.0.1 whose first connection gets `first` (then
/// is closed) and every later one a complete `true`; counts the connections.
async fn first_answer_broken(first: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    tokio::spawn({
        let connections = connections.clone();
        async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let n = connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    // Read the request head (these requests have no body).
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let answer: &[u8] = if n == 0 {
                        first
                    } else {
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                          content-length: 4\r\nconnection: close\r\n\r\ntrue"
                    };
                    let _ = socket.write_all(answer).await;
                    let _ = socket.shutdown().await;
                });
            }
        }
    });
    (format!("http://{addr}/api/"), connections)
}

#[tokio::test]
async fn a_body_cut_short_is_a_transport_error_and_a_get_is_retried() {
    let (base, connections) = first_answer_broken(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[1, 2",
    )
    .await;
    let api = ApiClient::builder()
        .base_url(base)
        .allow_insecure_loopback(true)
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let ok: bool = api.send(Request::get("things")).await.unwrap();
    assert!(ok);
    assert_eq!(connections.load(Ordering::SeqCst), 2);

    // Not retried for a POST: the cut is a transport error, not a refused size.
    let (base, connections) = first_answer_broken(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[1, 2",
    )
    .await;
    let api = ApiClient::builder()
        .base_url(base)
        .allow_insecure_loopback(true)
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let err = api
        .send_empty(Request::post("things").json(&json!({"qty": 1})))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Transport(_)), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_retried_for_a_get() {
    let (base, connections) = first_answer_broken(b"").await;
    let api = ApiClient::builder()
        .base_url(base)
        .allow_insecure_loopback(true)
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let ok: bool = api.send(Request::get("things")).await.unwrap();
    assert!(ok);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_attempt_that_times_out_within_the_call_budget_is_retried_for_a_get() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/stalls"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([1]))
                .set_delay(Duration::from_secs(3)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("first answer: later than the attempt timeout")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/stalls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([2])))
        .expect(1)
        .named("second answer: at once")
        .mount(&server)
        .await;
    let api = ApiClient::builder()
        .base_url(format!("{}/api/", server.uri()))
        .retry_policy(fast_retries())
        .timeouts(Timeouts {
            connect: Duration::from_secs(1),
            attempt: Duration::from_millis(300),
            overall: Duration::from_secs(10),
        })
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let got: Vec<u32> = api.send(Request::get("stalls")).await.unwrap();
    assert_eq!(got, [2]);
}

#[tokio::test]
async fn a_path_segment_still_encoded_after_eight_decodings_is_refused_unsent() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("nothing may be sent")
        .mount(&server)
        .await;
    let api = client(&server, None);
    // `..` percent-encoded nine times over: a server that keeps decoding reads `..`.
    let deep_dots = format!("%{}2e", "25".repeat(8));
    for path in [
        format!("customers/{deep_dots}{deep_dots}/admin"),
        format!("customers/{deep_dots}"),
    ] {
        let err = api
            .send_empty(Request::get(path.clone()))
            .await
            .unwrap_err();
        assert!(
            err.invalid_argument().is_some_and(|e| e.name() == "path"),
            "{path}: {err:?}"
        );
    }
    // Eight times over is decoded to the end, and read as the `..` it is.
    let eight = format!("customers/%{}2e%{}2e/admin", "25".repeat(7), "25".repeat(7));
    let err = api.send_empty(Request::get(eight)).await.unwrap_err();
    assert!(err.invalid_argument().is_some(), "{err:?}");
}

#[tokio::test]
async fn a_path_whose_first_segment_holds_a_colon_but_no_scheme_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/12:30/bookings"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([3])))
        .expect(1)
        .named("a time of day as the first segment")
        .mount(&server)
        .await;
    let api = client(&server, None);
    // `12:30` cannot be a scheme (a scheme starts with a letter): a relative path.
    let got: Vec<u32> = api.send(Request::get("12:30/bookings")).await.unwrap();
    assert_eq!(got, [3]);
    // `mailto:` can: refused.
    let err = api
        .send_empty(Request::get("mailto:x/bookings"))
        .await
        .unwrap_err();
    assert!(err.invalid_argument().is_some(), "{err:?}");
}

// ---------------------------------------------------------------------------------
// The builder's HTTP settings and what a client and a response expose
// ---------------------------------------------------------------------------------

/// The test CA of oauth-core's TLS tests: a well-formed root certificate.
fn test_ca_pem() -> Vec<u8> {
    std::fs::read(format!(
        "{}/../oauth-core/tests/fixtures/certs/test-ca.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn plain_builder(server: &MockServer) -> vendor_core::ApiClientBuilder {
    ApiClient::builder()
        .base_url(format!("{}/api/", server.uri()))
        .allow_insecure_loopback(true)
}

#[tokio::test]
async fn http_options_given_to_the_builder_build_its_http_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"n": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let factory_calls = Arc::new(AtomicUsize::new(0));
    let counted = factory_calls.clone();
    let options = oauth_core::HttpOptions::default().client_builder(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        reqwest::Client::builder()
    });
    let client = plain_builder(&server)
        .http_options(options)
        .build()
        .unwrap();
    assert!(
        factory_calls.load(Ordering::SeqCst) >= 1,
        "the application's builder is used"
    );

    let value: serde_json::Value = client.send(Request::get("things")).await.unwrap();
    assert_eq!(value, json!({"n": 1}));
}

#[tokio::test]
async fn a_root_certificate_is_added_to_the_settings_already_given() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"n": 2})))
        .expect(1)
        .mount(&server)
        .await;
    let client = plain_builder(&server)
        .add_root_certificate_pem(test_ca_pem())
        .build()
        .unwrap();
    assert_eq!(client.base_url().as_str(), format!("{}/api/", server.uri()));
    let value: serde_json::Value = client.send(Request::get("things")).await.unwrap();
    assert_eq!(value, json!({"n": 2}));

    // A root that is not a certificate is refused by name, before anything is sent.
    let err = plain_builder(&server)
        .add_root_certificate_pem(b"not a certificate")
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "root_certificate", "{err}");
}

#[tokio::test]
async fn a_client_hands_back_its_token_provider() {
    let server = MockServer::start().await;
    let provider = provider(&server);
    let client = client(&server, Some(provider.clone()));
    assert!(client
        .token_provider()
        .is_some_and(|p| Arc::ptr_eq(p, &provider)));
    assert!(plain_builder(&server)
        .build()
        .unwrap()
        .token_provider()
        .is_none());
}

#[tokio::test]
async fn a_response_carries_its_status_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/things"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", "/api/things/7")
                .insert_header("x-request-id", "req-7")
                .set_body_json(json!({"id": 7})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = plain_builder(&server).build().unwrap();
    let response = client
        .send_with_response::<serde_json::Value>(Request::post("things").json(&json!({})))
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    assert_eq!(response.headers()["location"], "/api/things/7");
    assert_eq!(response.request_id().as_deref(), Some("req-7"));
    assert_eq!(response.value(), &json!({"id": 7}));
}

#[tokio::test]
async fn a_default_cap_of_16_mib_takes_a_large_answer_and_refuses_a_larger_one() {
    assert_eq!(vendor_core::DEFAULT_MAX_RESPONSE_BYTES, 16 << 20);
    let server = MockServer::start().await;
    let body = |len: usize| vec![b' '; len - 2].into_iter().chain(*b"{}");
    Mock::given(method("GET"))
        .and(path("/api/large"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body(2 << 20).collect::<Vec<_>>(), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/larger"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body((16 << 20) + 1).collect::<Vec<_>>(), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = plain_builder(&server).build().unwrap();
    let value: serde_json::Value = client.send(Request::get("large")).await.unwrap();
    assert_eq!(value, json!({}));
    let err = client
        .send::<serde_json::Value>(Request::get("larger"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::BodyTooLarge(e) if e.limit() == 16 << 20),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_query_with_nothing_in_it_adds_no_question_mark() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let client = plain_builder(&server).build().unwrap();
    let request = Request::get("things").query(&[("page", None::<u32>)]);
    assert_eq!(request.query_string(), None);
    let _: serde_json::Value = client.send(request).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.query(), None, "{}", requests[0].url);
}

#[tokio::test]
async fn a_query_or_body_that_cannot_be_encoded_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = plain_builder(&server).build().unwrap();
    // A nested value has no form or query spelling; a map with non-string keys no
    // JSON one.
    let nested = json!({"filter": {"a": 1}});
    let err = client
        .send::<serde_json::Value>(Request::get("things").query(&nested))
        .await
        .unwrap_err();
    assert_eq!(
        err.invalid_argument().map(|a| a.name()),
        Some("query"),
        "{err}"
    );
    let keys = std::collections::BTreeMap::from([((1, 2), "x")]);
    let err = client
        .send::<serde_json::Value>(Request::post("things").json(&keys))
        .await
        .unwrap_err();
    assert_eq!(
        err.invalid_argument().map(|a| a.name()),
        Some("body"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn a_request_tells_its_method_and_path() {
    let request = Request::put("things/7").query(&[("force", "true")]);
    assert_eq!(request.method(), reqwest::Method::PUT);
    assert_eq!(request.path(), "things/7");
    assert_eq!(request.query_string(), Some("force=true"));
    assert_eq!(Request::delete("a/b").method(), reqwest::Method::DELETE);
}

#[test]
fn a_builder_shows_its_settings_with_secret_headers_redacted() {
    let builder = ApiClient::builder()
        .base_url("https://api.example.com/v1/")
        .secret_header("Ocp-Apim-Subscription-Key", SecretString::from(KEY))
        .header("x-api-caller-id", CALLER);
    let text = format!("{builder:?}");
    assert!(text.starts_with("ApiClientBuilder {"), "{text}");
    for part in [
        "https://api.example.com/v1/",
        "x-api-caller-id",
        CALLER,
        "[redacted]",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(!text.contains(KEY), "{text}");
}

// ---------------------------------------------------------------------------------
// The kit the vendor crates are built from
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn call_options_give_a_call_its_own_retry_policy_and_deadline() {
    use vendor_core::kit::CallOptions;

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .named("one attempt only")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = plain_builder(&server)
        .retry_policy(fast_retries())
        .build()
        .unwrap();

    let mut once = CallOptions::default();
    once.set_retry_policy(RetryPolicy::none());
    let err = client
        .send::<serde_json::Value>(once.apply(Request::get("flaky")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.status() == 503),
        "{err:?}"
    );

    let mut quick = CallOptions::default();
    quick.set_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let err = client
        .send::<serde_json::Value>(quick.apply(Request::get("slow")))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Timeout(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn common_options_show_their_urls_but_not_the_subscription_key() {
    let options = vendor_core::kit::CommonOptions {
        base_url: Some("https://api.example.com/".to_owned()),
        token_url: Some("https://login.example.com/token".to_owned()),
        subscription_key: Some(SecretString::from(KEY)),
        ..Default::default()
    };
    let text = format!("{options:?}");
    for part in [
        "CommonOptions",
        "https://api.example.com/",
        "https://login.example.com/token",
        "[redacted]",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(!text.contains(KEY), "{text}");
}

#[test]
fn a_bad_url_from_the_environment_is_named_by_its_variable() {
    let base = vendor_core::kit::CommonOptions {
        base_url: Some("not a url".to_owned()),
        base_url_var: Some("VENDOR_BASE_URL"),
        ..Default::default()
    };
    let err = base.api_client(None, UA, None, false, &[]).unwrap_err();
    assert_eq!(err.field(), "VENDOR_BASE_URL", "{err}");

    let token = vendor_core::kit::CommonOptions {
        token_url: Some("not a url".to_owned()),
        token_url_var: Some("VENDOR_TOKEN_URL"),
        ..Default::default()
    };
    let err = token
        .provider(
            TokenEndpoint::azure_ad_v2("tenant", ["api://x/.default"]),
            Credentials::client_credentials("client", "client-secret-value"),
            oauth_core::BodyFormat::Form,
            UA,
        )
        .unwrap_err();
    assert_eq!(err.field(), "VENDOR_TOKEN_URL", "{err}");
}

#[test]
fn a_blank_subscription_key_counts_as_none() {
    let options = vendor_core::kit::CommonOptions {
        base_url: Some("https://api.example.com/".to_owned()),
        subscription_key: Some(SecretString::from("   ")),
        ..Default::default()
    };
    let err = options.api_client(None, UA, None, true, &[]).unwrap_err();
    assert_eq!(err.field(), "subscription_key", "{err}");
    // Not required: the client is built, without the header.
    assert!(options.api_client(None, UA, None, false, &[]).is_ok());
}

#[tokio::test]
async fn common_options_build_a_client_sending_the_key_and_the_extra_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/things"))
        .and(header("Ocp-Apim-Subscription-Key", KEY))
        .and(header("x-api-caller-id", CALLER))
        .and(header("user-agent", UA))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let options = vendor_core::kit::CommonOptions {
        subscription_key: Some(SecretString::from(KEY)),
        insecure_loopback: true,
        ..Default::default()
    };
    let base = format!("{}/api/", server.uri());
    let client = options
        .api_client(Some(&base), UA, None, true, &[("x-api-caller-id", CALLER)])
        .unwrap();
    let _: serde_json::Value = client.send(Request::get("things")).await.unwrap();
    // Required and missing: refused, naming it.
    let none = vendor_core::kit::CommonOptions::default();
    let err = none
        .api_client(Some(&base), UA, None, true, &[])
        .unwrap_err();
    assert_eq!(err.field(), "subscription_key", "{err}");
}

// ---------------------------------------------------------------------------------
// What every error tells: its HTTP status and the API's request id
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn each_kind_of_answered_error_tells_its_status_and_request_id() {
    let server = MockServer::start().await;
    let answer = |status: u16, id: &str, body: &str| {
        ResponseTemplate::new(status)
            .insert_header("x-request-id", id)
            .set_body_raw(body.to_owned(), "application/json")
    };
    Mock::given(path("/api/fails"))
        .respond_with(answer(500, "req-api", r#"{"message":"boom"}"#))
        .mount(&server)
        .await;
    Mock::given(path("/api/garbled"))
        .respond_with(answer(200, "req-decode", "{not json"))
        .mount(&server)
        .await;
    Mock::given(path("/api/denied"))
        .respond_with(answer(403, "req-auth", r#"{"message":"no"}"#))
        .mount(&server)
        .await;
    let plain = plain_builder(&server)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    for (route, status, id) in [
        ("fails", 500, "req-api"),
        ("garbled", 200, "req-decode"),
        ("denied", 403, "req-auth"),
    ] {
        let err = plain
            .send::<serde_json::Value>(Request::get(route))
            .await
            .unwrap_err();
        assert_eq!(
            err.status().map(|s| s.as_u16()),
            Some(status),
            "{route}: {err:?}"
        );
        assert_eq!(err.request_id(), Some(id), "{route}: {err:?}");
    }

    // A token endpoint's refusal tells the token endpoint's status; no API request id.
    let token_server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tenant/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."
        })))
        .expect(1)
        .mount(&token_server)
        .await;
    let with_token = client(&server, Some(provider(&token_server)));
    let err = with_token
        .send::<serde_json::Value>(Request::get("fails"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Token(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err:?}");
    assert_eq!(err.request_id(), None);
}

/// Whether trying again later may help, for each kind of failure an application
/// meets (its own retry loop or a queue's redelivery reads it).
#[tokio::test]
async fn each_kind_of_failure_says_whether_trying_again_may_help() {
    let server = MockServer::start().await;
    Mock::given(path("/api/busy"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(path("/api/bad"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&server)
        .await;
    let once = plain_builder(&server)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let busy = once.send_empty(Request::get("busy")).await.unwrap_err();
    assert!(
        matches!(&busy, Error::Api(_)) && busy.is_retryable(),
        "{busy:?}"
    );
    let bad = once.send_empty(Request::get("bad")).await.unwrap_err();
    assert!(
        matches!(&bad, Error::Api(_)) && !bad.is_retryable(),
        "{bad:?}"
    );

    // A body cut short: a transport failure, worth another try.
    let (base, _) = first_answer_broken(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[1, 2",
    )
    .await;
    let cut = ApiClient::builder()
        .base_url(base)
        .allow_insecure_loopback(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .send_empty(Request::get("things"))
        .await
        .unwrap_err();
    assert!(
        matches!(&cut, Error::Transport(_)) && cut.is_retryable(),
        "{cut:?}"
    );

    // The token endpoint: busy is worth another try, a refused secret is not.
    for (status, body, retryable) in [
        (503, json!({}), true),
        (401, json!({"error": "invalid_client"}), false),
    ] {
        let token_server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&token_server)
            .await;
        let provider: Arc<dyn TokenProvider> = Arc::new(
            OAuthProvider::builder()
                .endpoint(TokenEndpoint::azure_ad_v2("tenant", ["api://x/.default"]))
                .credentials(Credentials::client_credentials(
                    "client",
                    "client-secret-value",
                ))
                .authority(token_server.uri())
                .allow_insecure_loopback(true)
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap(),
        );
        let err = plain_builder(&server)
            .token_provider(provider)
            .build()
            .unwrap()
            .send_empty(Request::get("busy"))
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::Token(_)), "{err:?}");
        assert_eq!(err.is_retryable(), retryable, "{status}: {err:?}");
    }
}

/// An API error says what the API said, what to do about its status, and the
/// request id support asks for; its parts are there to read one by one.
#[tokio::test]
async fn an_api_error_says_what_the_api_said_and_what_to_do() {
    let server = MockServer::start().await;
    let mount = |route: &'static str, template: ResponseTemplate| {
        let server = &server;
        async move {
            Mock::given(path(format!("/api/{route}")))
                .respond_with(template)
                .mount(server)
                .await;
        }
    };
    mount(
        "bad",
        ResponseTemplate::new(400)
            .insert_header("x-request-id", "req-400")
            .set_body_json(json!({"code": "E1", "message": "field x is wrong"})),
    )
    .await;
    mount(
        "missing",
        ResponseTemplate::new(404).set_body_raw("no such station", "text/plain"),
    )
    .await;
    mount(
        "slow-down",
        ResponseTemplate::new(429).insert_header("retry-after", "7"),
    )
    .await;
    mount("down", ResponseTemplate::new(503)).await;
    mount("conflict", ResponseTemplate::new(409)).await;
    mount(
        "denied",
        ResponseTemplate::new(403)
            .insert_header("x-request-id", "req-403")
            .set_body_json(json!({"message": "not for you"})),
    )
    .await;
    let client = plain_builder(&server)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let fail = |route: &'static str| {
        let client = &client;
        async move { client.send_empty(Request::get(route)).await.unwrap_err() }
    };

    let err = fail("bad").await;
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.request_id(), Some("req-400"));
    assert_eq!(
        (api.code(), api.message()),
        (Some("E1"), Some("field x is wrong"))
    );
    assert_eq!(
        api.to_string(),
        "the API answered 400 Bad Request: E1: field x is wrong (check the arguments) [request id req-400]"
    );

    let err = fail("missing").await;
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.snippet(), "no such station");
    assert_eq!(
        api.to_string(),
        "the API answered 404 Not Found: no such station (check the id or path)"
    );

    let err = fail("slow-down").await;
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(
        api.to_string(),
        "the API answered 429 Too Many Requests (the API is throttling: slow down)"
    );

    let down = fail("down").await.to_string();
    assert_eq!(
        down,
        "the API answered 503 Service Unavailable (the API failed: try again later)"
    );
    let conflict = fail("conflict").await.to_string();
    assert_eq!(conflict, "the API answered 409 Conflict");

    let err = fail("denied").await;
    let auth = err.auth().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(auth.status(), reqwest::StatusCode::FORBIDDEN);
    assert_eq!(auth.request_id(), Some("req-403"));
    assert_eq!(auth.message(), Some("not for you"));
}

/// A user-assigned managed identity asks for its own client id; a blank one counts as
/// none (the system-assigned identity).
#[tokio::test]
async fn a_managed_identity_asks_for_its_client_id_and_a_blank_one_for_none() {
    use vendor_core::kit::{AppAuth, CommonOptions};

    let imds = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .and(query_param("client_id", "mi-client-7"))
        .and(header("metadata", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "mi-token-user", "expires_in": "3599", "token_type": "Bearer",
        })))
        .expect(1)
        .named("user-assigned")
        .mount(&imds)
        .await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "mi-token-system", "expires_in": "3599", "token_type": "Bearer",
        })))
        .with_priority(10)
        .expect(1)
        .named("system-assigned")
        .mount(&imds)
        .await;
    let options = CommonOptions {
        managed_identity_endpoint: Some(format!("{}/metadata/identity/oauth2/token", imds.uri())),
        insecure_loopback: true,
        ..Default::default()
    };
    for (client_id, expected) in [
        (Some("mi-client-7".to_owned()), "mi-token-user"),
        (Some("  ".to_owned()), "mi-token-system"),
    ] {
        let provider = options
            .app_provider(
                TokenEndpoint::azure_ad_v2("tenant", ["api://x/.default"]),
                AppAuth::ManagedIdentity { client_id },
                oauth_core::BodyFormat::Form,
                UA,
            )
            .unwrap();
        assert_eq!(provider.token().await.unwrap().secret(), expected);
    }
    let requests = imds.received_requests().await.unwrap();
    assert!(
        requests[1].url.query_pairs().all(|(k, _)| k != "client_id"),
        "{}",
        requests[1].url
    );
}
