//! The shape every request builder has: awaitable, owned, per-call options, the
//! answer's metadata, pages with totals.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use kazi_tagging::{
    Error, ItemStream, JobMatch, ListExpectationsRequest, ListMatchesRequest, Page, PageStream,
    RetryPolicy,
};
use serde_json::json;
use test_support::matchers::exact_query;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    api_headers, builder, fixture, mount_token, mount_token_at, token_path, API, TALENT_SCAN,
};

fn expectations_path() -> String {
    format!("{API}/tagging/v2/expectations")
}

fn matches_path() -> String {
    format!("{API}/tagging/v2/bulk/talentscans/{TALENT_SCAN}/matches")
}

/// Builders and streams can be moved to other tasks and kept anywhere.
#[test]
fn builders_and_streams_are_owned() {
    fn owned<T: Send + 'static>() {}
    fn owned_stream<T: Send + Unpin + 'static>() {}
    owned::<ListExpectationsRequest>();
    owned::<ListMatchesRequest>();
    owned_stream::<ItemStream<JobMatch>>();
    owned_stream::<PageStream<JobMatch>>();
}

#[tokio::test]
async fn awaiting_a_builder_sends_it() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:expectations", "read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("expectations.json")))
        .expect(1)
        .named("expectations")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(matches_path()))
        .and(exact_query(&[("page", "2"), ("pageSize", "2")]))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("talent_scan_matches_page2.json")),
        )
        .expect(1)
        .named("matches page 2")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    // The builder outlives the client it came from, and runs on another task.
    let request = client.expectations().list();
    let matches = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .page(2)
        .page_size(2);
    drop(client);
    let list = tokio::spawn(async move { request.await })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list.len(), 4);
    let page = matches.await.unwrap();
    assert_eq!(page.matches.len(), 1);
    assert_eq!(page.pagination.current_page, Some(2));
}

#[tokio::test]
async fn a_per_call_retry_policy_replaces_the_clients() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:expectations"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        // 3 by the client's policy, then 1 with the call's own.
        .expect(4)
        .named("expectations, unavailable")
        .mount(&server)
        .await;

    let client = builder(&server)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let err = client.expectations().list().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1 + 3);

    let err = client
        .expectations()
        .list()
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1 + 4);
}

#[tokio::test]
async fn a_stream_applies_the_call_options_to_every_page() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    // Page 1 of 3 (five matches, two a page), so the stream asks for page 2, which
    // is unavailable.
    mount_pages_of_five(&server, &token, &[(1, 1)]).await;
    Mock::given(method("GET"))
        .and(path(matches_path()))
        .and(exact_query(&[("page", "2"), ("pageSize", "2")]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .expect(1)
        .named("matches page 2, unavailable, tried once: the per-call policy reached it")
        .mount(&server)
        .await;

    // The client's own policy would try page 2 three times.
    let client = builder(&server)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let items: Vec<_> = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .page_size(2)
        .retry_policy(RetryPolicy::none())
        .stream()
        .collect()
        .await;
    assert!(
        matches!(
            items.as_slice(),
            [Ok(_), Ok(_), Err(e)] if e.status().map(|s| s.as_u16()) == Some(503)
        ),
        "{items:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_per_call_timeout_bounds_the_call() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(matches_path()))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("talent_scan_matches_page2.json"))
                .set_delay(Duration::from_secs(5)),
        )
        .expect(1)
        .named("matches, slow")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let started = Instant::now();
    let err = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    // The call's own deadline ended it: a timeout naming that deadline.
    assert!(
        matches!(&err, Error::Timeout(t) if t.deadline() == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn send_with_response_shows_the_request_id() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:expectations", "read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-request-id", "kazi-req-1")
                .set_body_json(fixture("expectations_envelope.json")),
        )
        .expect(1)
        .named("expectations with a request id")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(matches_path()))
        .and(exact_query(&[("pageSize", "2")]))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("request-id", "kazi-req-2")
                .set_body_json(fixture("talent_scan_matches_page1.json")),
        )
        .expect(1)
        .named("matches with a request id")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let answer = client
        .expectations()
        .list()
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.request_id().as_deref(), Some("kazi-req-1"));
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.value().len(), 1);
    assert_eq!(
        answer.into_value()[0].expectation_name.as_deref(),
        Some("Autonomy")
    );

    let answer = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .page_size(2)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.request_id().as_deref(), Some("kazi-req-2"));
    assert_eq!(answer.value().matches.len(), 2);
    assert_eq!(answer.value().pagination.total_amount, Some(3));
}

/// Five matches in pages of two: page `n` of 3.
fn page_of_five(n: u64) -> serde_json::Value {
    let first = (n - 1) * 2 + 1;
    let last = (first + 1).min(5);
    let matches: Vec<_> = (first..=last)
        .map(|i| json!({"jobScan": {"id": format!("job-{i}")}, "match": 100 - i}))
        .collect();
    json!({
        "matches": matches,
        "pagination": {
            "currentPage": n, "amountOfPages": 3, "pageSize": 2, "totalAmount": 5,
            "firstRowOnPage": first, "lastRowOnPage": last
        }
    })
}

async fn mount_pages_of_five(server: &MockServer, token: &str, pages: &[(u64, u64)]) {
    for &(n, times) in pages {
        Mock::given(method("GET"))
            .and(path(matches_path()))
            .and(exact_query(&[("page", &n.to_string()), ("pageSize", "2")]))
            .and(api_headers(token))
            .respond_with(ResponseTemplate::new(200).set_body_json(page_of_five(n)))
            .expect(times)
            .named(format!("matches page {n}"))
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn pages_show_the_totals() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    mount_pages_of_five(&server, &token, &[(1, 1), (2, 1), (3, 1), (4, 0)]).await;

    let client = builder(&server).build().unwrap();
    let pages: Vec<Page<JobMatch>> = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .page_size(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let seen: Vec<_> = pages
        .iter()
        .map(|p| (p.items.len(), p.total_items, p.total_pages, p.page_size))
        .collect();
    assert_eq!(
        seen,
        [
            (2, Some(5), Some(3), Some(2)),
            (2, Some(5), Some(3), Some(2)),
            (1, Some(5), Some(3), Some(2)),
        ]
    );
}

#[tokio::test]
async fn pages_from_a_later_page_show_the_whole_lists_totals() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    mount_pages_of_five(&server, &token, &[(1, 0), (2, 1), (3, 1), (4, 0)]).await;

    let client = builder(&server).build().unwrap();
    let pages: Vec<Page<JobMatch>> = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .page(2)
        .page_size(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let seen: Vec<_> = pages
        .iter()
        .map(|p| (p.items.len(), p.total_items, p.total_pages))
        .collect();
    assert_eq!(seen, [(2, Some(5), Some(3)), (1, Some(5), Some(3))]);
}

#[tokio::test]
async fn a_missing_credential_is_a_config_error_before_anything_is_sent() {
    let server = MockServer::start().await;
    mount_token_at(&server, &token_path(), &[], 0).await;
    let no_credentials = kazi_tagging::Client::builder()
        .subscription_key(crate::SUBSCRIPTION_KEY)
        .authority(server.uri())
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
        .build();
    match no_credentials {
        Err(Error::Config(e)) => {
            assert_eq!(e.field(), "credentials");
            assert!(e.problem().contains("client_credentials"), "{e}");
            assert!(e.problem().contains("KAZI_CLIENT_ID"), "{e}");
        }
        other => panic!("expected a ConfigError for credentials, got {other:?}"),
    }
    let no_key = kazi_tagging::Client::builder()
        .client_credentials(crate::CLIENT_ID, crate::CLIENT_SECRET)
        .authority(server.uri())
        .base_url(format!("{}{API}", server.uri()))
        .allow_insecure_loopback(true)
        .build();
    match no_key {
        Err(Error::Config(e)) => assert_eq!(e.field(), "subscription_key"),
        other => panic!("expected a ConfigError for subscription_key, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
