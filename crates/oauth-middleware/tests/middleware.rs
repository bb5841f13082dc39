//! The middleware against two wiremock servers (two origins) and a wiremock token
//! endpoint that counts its requests and hands out `tok-1`, `tok-2`, ...

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use oauth_core::{
    AccessToken, Credentials, OAuthProvider, TokenEndpoint, TokenError, TokenProvider,
};
use oauth_middleware::{redirect_policy, OAuthMiddleware};
use reqwest::StatusCode;
use reqwest_middleware::ClientWithMiddleware;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers every token request with the next token, `tok-1`, `tok-2`, ...
struct CountingTokens(Arc<AtomicUsize>);

impl Respond for CountingTokens {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "access_token": format!("tok-{n}"),
        }))
    }
}

/// A provider that counts the invalidations it passes on.
#[derive(Debug)]
struct Counted {
    inner: OAuthProvider,
    invalidations: AtomicUsize,
}

#[async_trait]
impl TokenProvider for Counted {
    async fn token(&self) -> Result<AccessToken, TokenError> {
        self.inner.token().await
    }
    fn cached(&self) -> Option<AccessToken> {
        TokenProvider::cached(&self.inner)
    }
    async fn invalidate(&self, token: &AccessToken) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        self.inner.invalidate(token).await;
    }
}

struct Setup {
    token_server: MockServer,
    token_requests: Arc<AtomicUsize>,
    provider: Arc<Counted>,
    allowed: MockServer,
    other: MockServer,
}

impl Setup {
    async fn new() -> Self {
        let token_server = MockServer::start().await;
        let token_requests = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(CountingTokens(token_requests.clone()))
            .mount(&token_server)
            .await;
        let inner = OAuthProvider::builder()
            .endpoint(TokenEndpoint::url(format!("{}/token", token_server.uri())))
            .credentials(Credentials::client_credentials(
                "client-id",
                "client-secret",
            ))
            .allow_insecure_loopback(true)
            .build()
            .unwrap();
        Self {
            token_server,
            token_requests,
            provider: Arc::new(Counted {
                inner,
                invalidations: AtomicUsize::new(0),
            }),
            allowed: MockServer::start().await,
            other: MockServer::start().await,
        }
    }

    fn middleware(&self) -> OAuthMiddleware {
        OAuthMiddleware::new(self.provider.clone())
            .allowed_origin(&self.allowed.uri())
            .unwrap()
    }

    /// The middleware on a client with [`redirect_policy`].
    fn client_with_redirect_policy(&self) -> ClientWithMiddleware {
        let reqwest_client = reqwest::Client::builder()
            .redirect(redirect_policy())
            .build()
            .unwrap();
        client_with(reqwest_client, self.middleware())
    }

    fn client(&self) -> ClientWithMiddleware {
        client_with(reqwest::Client::new(), self.middleware())
    }

    fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }

    fn invalidations(&self) -> usize {
        self.provider.invalidations.load(Ordering::SeqCst)
    }
}

fn client_with(client: reqwest::Client, middleware: OAuthMiddleware) -> ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(client)
        .with(middleware)
        .build()
}

/// The `Authorization` header of every request `server` received.
async fn authorizations(server: &MockServer) -> Vec<Option<String>> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect()
}

async fn answer(server: &MockServer, bearer: &str, status: u16) {
    Mock::given(header("authorization", format!("Bearer {bearer}")))
        .respond_with(ResponseTemplate::new(status))
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_token_goes_to_the_allowed_origin_only() {
    let s = Setup::new().await;
    answer(&s.allowed, "tok-1", 200).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&s.other)
        .await;
    let client = s.client();

    for _ in 0..2 {
        let r = client
            .get(format!("{}/a", s.allowed.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = client
            .get(format!("{}/b", s.other.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }

    assert_eq!(
        authorizations(&s.allowed).await,
        vec![Some("Bearer tok-1".to_owned()); 2]
    );
    assert_eq!(authorizations(&s.other).await, vec![None, None]);
    assert_eq!(s.token_requests(), 1);
}

#[tokio::test]
async fn no_allowed_origin_means_no_token_for_anyone() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&s.allowed)
        .await;
    let client = client_with(
        reqwest::Client::new(),
        OAuthMiddleware::new(s.provider.clone()),
    );

    let r = client.get(s.allowed.uri()).send().await.unwrap();

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(authorizations(&s.allowed).await, vec![None]);
    assert_eq!(s.token_requests(), 0);
}

#[tokio::test]
async fn an_authorization_set_by_the_application_is_left_alone() {
    let s = Setup::new().await;
    answer(&s.allowed, "mine", 401).await;

    let r = s
        .client()
        .get(s.allowed.uri())
        .bearer_auth("mine")
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        authorizations(&s.allowed).await,
        vec![Some("Bearer mine".to_owned())]
    );
    assert_eq!(s.token_requests(), 0);
}

#[tokio::test]
async fn a_401_invalidates_and_retries_once_with_a_fresh_token() {
    let s = Setup::new().await;
    answer(&s.allowed, "tok-1", 401).await;
    answer(&s.allowed, "tok-2", 200).await;

    let r = s
        .client()
        .post(s.allowed.uri())
        .body("clonable")
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        authorizations(&s.allowed).await,
        vec![
            Some("Bearer tok-1".to_owned()),
            Some("Bearer tok-2".to_owned())
        ]
    );
    let bodies: Vec<_> = s
        .allowed
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies, vec![b"clonable".to_vec(), b"clonable".to_vec()]);
    assert_eq!(s.token_requests(), 2);
    assert_eq!(s.invalidations(), 1);
}

#[tokio::test]
async fn a_second_401_is_returned_after_two_attempts() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("go away"))
        .mount(&s.allowed)
        .await;

    let r = s.client().get(s.allowed.uri()).send().await.unwrap();

    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.text().await.unwrap(), "go away");
    assert_eq!(
        authorizations(&s.allowed).await,
        vec![
            Some("Bearer tok-1".to_owned()),
            Some("Bearer tok-2".to_owned())
        ]
    );
    assert_eq!(s.token_requests(), 2);
    assert_eq!(s.invalidations(), 1);
}

#[tokio::test]
async fn a_streaming_body_is_not_retried() {
    let s = Setup::new().await;
    answer(&s.allowed, "tok-1", 401).await;
    answer(&s.allowed, "tok-2", 200).await;
    let chunks: Vec<Result<&'static [u8], std::io::Error>> = vec![Ok(b"a"), Ok(b"b")];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));

    let r = s
        .client()
        .post(s.allowed.uri())
        .body(body)
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        authorizations(&s.allowed).await,
        vec![Some("Bearer tok-1".to_owned())]
    );
    assert_eq!(s.token_requests(), 1);
    assert_eq!(s.invalidations(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_401s_cause_one_refresh() {
    let s = Setup::new().await;
    // The 401s are slow, so that all ten requests are sent with tok-1 before the first
    // refusal comes back.
    Mock::given(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401).set_delay(Duration::from_millis(300)))
        .mount(&s.allowed)
        .await;
    answer(&s.allowed, "tok-2", 200).await;
    let client = s.client();
    TokenProvider::token(&*s.provider).await.unwrap();
    let start = Arc::new(tokio::sync::Barrier::new(10));

    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let client = client.clone();
            let url = format!("{}/{i}", s.allowed.uri());
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                client.get(url).send().await.unwrap().status()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }

    // Every request refused with tok-1 invalidates it once, but only the first call
    // drops it (compare-and-invalidate) and the single-flight cache fetches tok-2 once
    // for everyone: two token requests in all.
    assert_eq!(s.token_requests(), 2);
    let seen = authorizations(&s.allowed).await;
    let refused = seen
        .iter()
        .filter(|a| a.as_deref() == Some("Bearer tok-1"))
        .count();
    assert_eq!(s.invalidations(), refused);
    assert_eq!(seen.len(), 10 + refused);
    // Normally all ten; fewer only if a task got going 300 ms late, which does not
    // change the point: still two token requests.
    assert!(refused >= 2, "only {refused} requests were refused");
}

#[tokio::test]
async fn a_token_failure_is_a_middleware_error_and_nothing_is_sent() {
    let s = Setup::new().await;
    s.token_server.reset().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "bad secret",
        })))
        .mount(&s.token_server)
        .await;

    let err = s.client().get(s.allowed.uri()).send().await.unwrap_err();

    match &err {
        reqwest_middleware::Error::Middleware(e) => {
            let token_error = e.downcast_ref::<TokenError>().unwrap();
            assert_eq!(token_error.oauth().unwrap().code(), "invalid_client");
        }
        other => panic!("not a middleware error: {other:?}"),
    }
    assert!(authorizations(&s.allowed).await.is_empty());
}

/// The allowed origin redirects to the other one.
async fn mount_redirect(s: &Setup) {
    Mock::given(path("/start"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/landing", s.other.uri())),
        )
        .mount(&s.allowed)
        .await;
    Mock::given(path("/landing"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&s.other)
        .await;
}

#[tokio::test]
async fn reqwests_default_redirects_drop_the_token_across_origins() {
    let s = Setup::new().await;
    mount_redirect(&s).await;

    let url = format!("{}/start", s.allowed.uri());
    let r = s.client().get(url).send().await.unwrap();

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        authorizations(&s.allowed).await,
        vec![Some("Bearer tok-1".to_owned())]
    );
    assert_eq!(authorizations(&s.other).await, vec![None]);
}

#[tokio::test]
async fn redirect_policy_stops_at_another_origin() {
    let s = Setup::new().await;
    mount_redirect(&s).await;
    Mock::given(path("/here"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/start"))
        .mount(&s.allowed)
        .await;
    let client = s.client_with_redirect_policy();

    // Same origin followed (/here -> /start), the cross-origin hop returned as is.
    let r = client
        .get(format!("{}/here", s.allowed.uri()))
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(
        authorizations(&s.allowed).await,
        vec![Some("Bearer tok-1".to_owned()); 2]
    );
    assert!(authorizations(&s.other).await.is_empty());
}

#[tokio::test]
async fn debug_shows_no_token() {
    let s = Setup::new().await;
    answer(&s.allowed, "tok-1", 200).await;
    let middleware = s.middleware();
    s.client().get(s.allowed.uri()).send().await.unwrap();
    assert!(TokenProvider::cached(&*s.provider).is_some());

    let debug = format!("{middleware:?}");

    assert!(debug.contains(&s.allowed.uri()), "{debug}");
    assert!(!debug.contains("tok-1"), "{debug}");
    assert!(!debug.contains("client-secret"), "{debug}");
}

/// Mounts `/hop/<i>` redirecting to `/hop/<i + 1>` for `i < hops`, and `/hop/<hops>`
/// answering 200.
async fn redirect_chain(server: &MockServer, hops: usize) {
    for i in 0..hops {
        Mock::given(path(format!("/hop/{i}")))
            .respond_with(
                ResponseTemplate::new(302).insert_header("location", format!("/hop/{}", i + 1)),
            )
            .mount(server)
            .await;
    }
    Mock::given(path(format!("/hop/{hops}")))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
}

#[tokio::test]
async fn redirect_policy_follows_ten_hops_within_the_origin_and_refuses_an_eleventh() {
    assert_eq!(oauth_middleware::MAX_REDIRECTS, 10);
    let s = Setup::new().await;
    redirect_chain(&s.allowed, 10).await;
    redirect_chain(&s.other, 11).await;
    let client = s.client_with_redirect_policy();

    let r = client
        .get(format!("{}/hop/0", s.allowed.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(authorizations(&s.allowed).await.len(), 11);

    let err = client
        .get(format!("{}/hop/0", s.other.uri()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_redirect(), "{err:?}");
    let reached = authorizations(&s.other).await;
    assert_eq!(reached.len(), 11, "the end of the chain is never asked for");
}
