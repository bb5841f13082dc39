//! The shape every vendor crate shares: one entry (`Client::builder()`), request
//! builders that own the client and can be awaited, per-call options,
//! `send_with_response`, owned item and page streams.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use keyavi::{
    Client, Error, ItemStream, ListFullPayloadLogsRequest, ListPayloadLogsRequest, Page,
    PageStream, PayloadLog, ProtectRemoteRequest, RetryPolicy,
};
use serde_json::{json, Value};
use test_support::assertions::config_field;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

fn records(from: u64, to: u64) -> Vec<Value> {
    (from..to)
        .map(|i| json!({"logId": 1000 + i, "actionAttempted": "Decrypt", "result": "Success"}))
        .collect()
}

/// `total` records, `size` per page: page `page` of them.
fn page_body(page: u64, size: u64, total: u64) -> Value {
    let start = (page - 1) * size;
    let data = records(start, (start + size).min(total));
    json!({
        "pagination": {"totalRecords": total, "pageSize": size, "itemsInPage": data.len(), "page": page},
        "data": data,
    })
}

fn assert_owned<T: Send + 'static>(_: &T) {}

#[test]
fn request_builders_and_streams_are_owned_and_send() {
    let client = Client::builder()
        .app(CLIENT_ID, CLIENT_SECRET, CallerId::parse(CALLER).unwrap())
        .tenant(TENANT)
        .base_url("https://keyavi.example.com/api/")
        .subscription_key(SUBSCRIPTION_KEY)
        .build()
        .unwrap();
    let payload: ListPayloadLogsRequest = client.logs().payload();
    let full: ListFullPayloadLogsRequest = client.logs().full_payload();
    let protect: ProtectRemoteRequest = client.payloads().protect_remote(b"x".to_vec(), "x");
    assert_owned(&payload);
    assert_owned(&full);
    assert_owned(&protect);
    // The builders outlive the client they came from.
    drop(client);
    let items: ItemStream<PayloadLog> = payload.clone().stream();
    let pages: PageStream<PayloadLog> = payload.pages();
    assert_owned(&items);
    assert_owned(&pages);
    fn unpin<T: Unpin>(_: &T) {}
    unpin(&items);
    unpin(&pages);
}

#[test]
fn building_without_credentials_names_them() {
    let result = Client::builder()
        .tenant(TENANT)
        .base_url("https://keyavi.example.com/api/")
        .subscription_key(SUBSCRIPTION_KEY)
        .build();
    let Err(Error::Config(e)) = &result else {
        panic!("expected a configuration error, got {result:?}")
    };
    assert_eq!(e.field(), "credentials");
    assert!(
        e.problem().contains(".app(") && e.problem().contains(".user("),
        "{e}"
    );
    assert_eq!(config_field(Client::builder().build()), "credentials");
}

#[tokio::test]
async fn request_builders_can_be_awaited() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read", "Payloads.Protect"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .and(exact_query(&[("result", "Success")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_body(1, 10, 3)))
        .expect(2)
        .named("logs/payload, awaited here and in a spawned task")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/payloads/protect-remote/")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("protect_remote.json")))
        .expect(1)
        .named("protect-remote, awaited")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let page = client.logs().payload().result("Success").await.unwrap();
    assert_eq!(page.data.len(), 3);
    assert_eq!(page.pagination.total_records, Some(3));
    let protected = client
        .payloads()
        .protect_remote(b"x".to_vec(), "x.txt")
        .await
        .unwrap();
    assert!(protected.ikd_bytes().is_some());
    // And from another task: the builder is 'static and Send.
    let request = client.logs().payload().result("Success");
    let spawned = tokio::spawn(async move { request.await });
    assert_eq!(spawned.await.unwrap().unwrap().data.len(), 3);
}

#[tokio::test]
async fn send_with_response_returns_the_request_id() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read", "Payloads.Protect"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/full-payload")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-request-id", "keyavi-req-42")
                .set_body_json(page_body(1, 10, 2)),
        )
        .expect(1)
        .named("logs/full-payload with a request id")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/payloads/protect-remote/")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("request-id", "keyavi-req-43")
                .set_body_json(fixture("protect_remote.json")),
        )
        .expect(1)
        .named("protect-remote with a request id")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();

    let answer = client
        .logs()
        .full_payload()
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.request_id().as_deref(), Some("keyavi-req-42"));
    assert_eq!(answer.value().data.len(), 2);
    assert_eq!(answer.into_value().pagination.total_records, Some(2));

    let answer = client
        .payloads()
        .protect_remote(b"x".to_vec(), "x.txt")
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    assert_eq!(answer.request_id().as_deref(), Some("keyavi-req-43"));
    assert!(answer.value().ikd_bytes().is_some());
}

#[tokio::test]
async fn per_call_retry_policy_none_tries_a_503_once() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read", "Payloads.Protect"]).await;
    for (verb, route) in [
        ("GET", "logs/payload"),
        ("POST", "payloads/protect-remote/"),
    ] {
        Mock::given(method(verb))
            .and(path(format!("{API}/{route}")))
            .and(api_headers(&token))
            .respond_with(
                ResponseTemplate::new(503)
                    .insert_header("retry-after", "0")
                    .set_body_json(json!({"statusCode": 503, "message": "busy"})),
            )
            .expect(1)
            .named(format!("{route}: 503, tried once"))
            .mount(&server)
            .await;
    }
    // The client retries (3 attempts); this call does not.
    let client = app_builder(&server)
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .build()
        .unwrap();
    let err = client
        .logs()
        .payload()
        .retry_policy(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    let err = client
        .payloads()
        .protect_remote(b"x".to_vec(), "x.txt")
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

/// Page 1 of a list of four records, two per page (so the stream asks for page 2),
/// and page 2 answering 503, expected `page2_attempts` times.
async fn full_page_then_unavailable(server: &MockServer, token: &str, page2_attempts: u64) {
    mount_pages(server, token, &[1], 2, 4).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(token))
        .and(exact_query(&[("page", "2")]))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"statusCode": 503, "message": "busy"})),
        )
        .expect(page2_attempts)
        .named(format!(
            "logs/payload page 2: 503, tried {page2_attempts} times"
        ))
        .mount(server)
        .await;
}

/// What a stream yields: the records of page 1, then page 2's error.
async fn collect_records(stream: ItemStream<PayloadLog>) -> Vec<keyavi::Result<PayloadLog>> {
    futures_util::StreamExt::collect(stream).await
}

#[tokio::test]
async fn per_call_retry_policy_replaces_the_clients() {
    let policy = RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5));

    // The client retries (three attempts); this stream does not, on page 2 either.
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    full_page_then_unavailable(&server, &token, 1).await;
    let client = app_builder(&server)
        .retry_policy(policy.clone())
        .build()
        .unwrap();
    let results = collect_records(
        client
            .logs()
            .payload()
            .retry_policy(RetryPolicy::none())
            .stream(),
    )
    .await;
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results[..2].iter().all(Result::is_ok), "{results:?}");
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    server.verify().await;

    // The client does not retry; this stream does, on page 2 too.
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    full_page_then_unavailable(&server, &token, 3).await;
    let client = app_builder(&server)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let results = collect_records(client.logs().payload().retry_policy(policy).stream()).await;
    assert_eq!(results.len(), 3, "{results:?}");
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
}

#[tokio::test]
async fn per_call_timeout_bounds_the_call() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(5))
                .set_body_json(page_body(1, 10, 1)),
        )
        .named("logs/payload, slow")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let started = Instant::now();
    let err = client
        .logs()
        .payload()
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    // The call's own deadline ended it: a timeout naming that deadline.
    assert!(
        matches!(&err, Error::Timeout(t) if t.deadline() == Duration::from_millis(300)),
        "expected a timeout of 300 ms, got {err:?}"
    );
}

async fn mount_pages(server: &MockServer, token: &str, pages: &[u64], size: u64, total: u64) {
    for &page in pages {
        let text = page.to_string();
        Mock::given(method("GET"))
            .and(path(format!("{API}/logs/payload")))
            .and(api_headers(token))
            .and(exact_query(&[("page", text.as_str())]))
            .respond_with(ResponseTemplate::new(200).set_body_json(page_body(page, size, total)))
            .expect(1)
            .named(format!("logs/payload page {page}"))
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn pages_expose_the_totals() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    // 6 records, 2 per page: exactly pages 1 to 3 (page 4 is not mounted: a request
    // for it would fail the stream).
    mount_pages(&server, &token, &[1, 2, 3], 2, 6).await;
    let client = app_builder(&server).build().unwrap();
    let pages: Vec<Page<PayloadLog>> = client.logs().payload().pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    for page in &pages {
        assert_eq!(page.total_items, Some(6));
        assert_eq!(page.total_pages, Some(3));
        assert_eq!(page.page_size, Some(2));
        assert_eq!(page.items.len(), 2);
    }
    let ids: Vec<u64> = pages
        .iter()
        .flat_map(|p| p.items.iter().filter_map(|r| r.log_id))
        .collect();
    assert_eq!(ids, vec![1000, 1001, 1002, 1003, 1004, 1005]);
}

#[tokio::test]
async fn pages_from_a_later_page_still_show_the_whole_lists_totals() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    // 8 records, 2 per page: start at page 3, read 3 and 4 (both full) and stop.
    mount_pages(&server, &token, &[3, 4], 2, 8).await;
    let client = app_builder(&server).build().unwrap();
    let pages: Vec<Page<PayloadLog>> = client
        .logs()
        .payload()
        .page(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    for page in &pages {
        assert_eq!((page.total_items, page.total_pages), (Some(8), Some(4)));
    }
}
