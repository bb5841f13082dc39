//! The shape every vendor crate shares: one builder entry with a named missing
//! credential, request builders that are awaited, owned and `Send`, per-call options,
//! `send_with_response`, and page streams with totals.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use okq8::{Client, Error, ItemPage, Method, Page, PageStream, RetryPolicy};
use serde_json::{json, Value};
use test_support::assertions::config_field;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    api_headers, fixture, key_only_builder, key_only_headers, mount_token, oauth_builder, API,
    APP_ID_URI, CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY,
};

fn api_path(rest: &str) -> String {
    format!("{API}/{rest}")
}

#[test]
fn the_builder_names_a_missing_or_conflicting_mode() {
    let base = || {
        Client::builder()
            .base_url("https://api.okq8.example/")
            .subscription_key(SUBSCRIPTION_KEY)
    };
    // Neither OAuth credentials nor key-only chosen.
    assert_eq!(config_field(base().build()), "credentials");
    let err = base().build().unwrap_err().to_string();
    assert!(
        err.contains(".client_credentials(") && err.contains(".subscription_key_only()"),
        "{err}"
    );
    // Both: the last one called wins.
    let key_only = base()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(format!("{APP_ID_URI}/.default"))
        .tenant("contoso")
        .subscription_key_only()
        .build()
        .unwrap();
    assert_eq!(key_only.auth_mode(), okq8::AuthMode::SubscriptionKeyOnly);
    let oauth = base()
        .subscription_key_only()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(format!("{APP_ID_URI}/.default"))
        .build()
        .unwrap();
    assert_eq!(oauth.auth_mode(), okq8::AuthMode::OAuth);
    // A blank client id.
    assert_eq!(
        config_field(
            base()
                .client_credentials(" ", CLIENT_SECRET)
                .scope(format!("{APP_ID_URI}/.default"))
                .build()
        ),
        "credentials"
    );
    // OAuth settings given to a key-only client.
    assert_eq!(
        config_field(
            base()
                .subscription_key_only()
                .scope("api://x/.default")
                .build()
        ),
        "scope"
    );
    assert_eq!(
        config_field(base().subscription_key_only().tenant("contoso").build()),
        "tenant"
    );
    assert!(base().subscription_key_only().build().is_ok());
    assert!(base()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(format!("{APP_ID_URI}/.default"))
        .build()
        .is_ok());
}

fn assert_owned_and_send<T: Send + 'static>(_: &T) {}

#[tokio::test]
async fn every_builder_is_awaited_owned_and_send() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get", "post", "put", "delete"]).await;
    let station = fixture("station.json");
    for (verb, status, body, times) in [
        ("GET", 200, station.clone(), 3),
        ("POST", 201, fixture("payment_created.json"), 1),
        ("PUT", 200, json!({"nickname": "Work car"}), 1),
        ("DELETE", 204, Value::Null, 1),
        ("PATCH", 200, json!({"ok": true}), 1),
    ] {
        let mut answer = ResponseTemplate::new(status);
        if !body.is_null() {
            answer = answer.set_body_json(body);
        }
        Mock::given(method(verb))
            .and(path(api_path("core/v1/stations/SE-1001")))
            .and(api_headers(&token))
            .respond_with(answer)
            .expect(times)
            .named(verb)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations")))
        .and(query_param("page", "2"))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("stations_page2.json")))
        .expect(1)
        .named("stations page 2")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let get = client.get::<Value>("core/v1/stations/SE-1001");
    let post = client.post::<Value>("core/v1/stations/SE-1001", &json!({"a": 1}));
    let put = client.put::<Value>("core/v1/stations/SE-1001", &json!({"a": 1}));
    let delete = client.delete::<()>("core/v1/stations/SE-1001");
    let call = client.request::<Value>(Method::PATCH, "core/v1/stations/SE-1001");
    let list = client.paged::<Value>("core/v1/stations").page(2);
    assert_owned_and_send(&get);
    assert_owned_and_send(&post);
    assert_owned_and_send(&put);
    assert_owned_and_send(&delete);
    assert_owned_and_send(&call);
    assert_owned_and_send(&list);
    assert_owned_and_send(&client.paged::<Value>("x").stream());
    assert_owned_and_send(&client.paged::<Value>("x").pages());
    // The client may go: the builders hold their own clone.
    let spare = client.clone();
    drop(client);

    assert_eq!(get.await.unwrap(), station);
    assert_eq!(post.await.unwrap()["status"], "Accepted");
    assert_eq!(put.await.unwrap()["nickname"], "Work car");
    delete.await.unwrap();
    assert_eq!(call.await.unwrap(), json!({"ok": true}));
    let page: ItemPage<Value> = list.await.unwrap();
    assert_eq!((page.page, page.total_pages), (Some(2), Some(3)));

    // Moved into a task.
    let (a, b) = (
        spare.get_json("core/v1/stations/SE-1001"),
        spare.get::<Value>("core/v1/stations/SE-1001"),
    );
    let a = tokio::spawn(std::future::IntoFuture::into_future(a));
    let b = tokio::spawn(async move { b.send().await });
    assert_eq!(a.await.unwrap().unwrap(), station);
    assert_eq!(b.await.unwrap().unwrap(), station);
}

#[tokio::test]
async fn a_per_call_retry_policy_replaces_the_clients() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api_path("public/v1/prices")))
        .and(key_only_headers())
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .expect(1)
        .named("unavailable, asked once")
        .mount(&server)
        .await;

    // The client's own policy retries 503s.
    let client = key_only_builder(&server)
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap();
    let err = client
        .get_json("public/v1/prices")
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
}

#[tokio::test]
async fn per_call_options_apply_to_every_page_of_a_stream() {
    let server = MockServer::start().await;
    // Page 1 of 3, so the stream asks for page 2, which is unavailable.
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations")))
        .and(query_param("page", "1"))
        .and(key_only_headers())
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("stations_page1.json")))
        .expect(1)
        .named("page 1 of 3")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations")))
        .and(query_param("page", "2"))
        .and(key_only_headers())
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .expect(1)
        .named("page 2 unavailable, asked once: the per-call policy reached it")
        .mount(&server)
        .await;

    // The client's own policy would ask for page 2 three times.
    let client = key_only_builder(&server)
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .build()
        .unwrap();
    let items: Vec<okq8::Result<Value>> = futures_util::StreamExt::collect(
        client
            .paged::<Value>("core/v1/stations")
            .retry_policy(RetryPolicy::none())
            .stream(),
    )
    .await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap()["id"], "SE-1001");
    assert_eq!(items[1].as_ref().unwrap()["id"], "SE-1002");
    let err = items[2].as_ref().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    server.verify().await;
}

#[tokio::test]
async fn streams_start_at_the_page_set() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations")))
        .and(query_param("page", "3"))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("stations_page3.json")))
        .expect(2)
        .named("page 3 of 3, for the stream and for pages()")
        .mount(&server)
        .await;
    for page in ["1", "2", "4"] {
        Mock::given(method("GET"))
            .and(path(api_path("core/v1/stations")))
            .and(query_param("page", page))
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .named(format!("page {page}, never asked"))
            .mount(&server)
            .await;
    }

    let client = oauth_builder(&server).build().unwrap();
    let items: Vec<Value> = client
        .paged("core/v1/stations")
        .page(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = items.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids, ["SE-1005"]);
    let pages: Vec<Page<Value>> = client
        .paged("core/v1/stations")
        .page(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    // The whole list's count, not the pages read.
    assert_eq!(pages[0].total_pages, Some(3));
    server.verify().await;
}

#[tokio::test]
async fn without_a_per_call_policy_the_clients_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api_path("public/v1/prices")))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .named("unavailable once")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("public/v1/prices")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("prices.json")))
        .expect(1)
        .named("then available")
        .mount(&server)
        .await;
    let client = key_only_builder(&server).build().unwrap();
    assert_eq!(
        client.get_json("public/v1/prices").await.unwrap(),
        fixture("prices.json")
    );
}

#[tokio::test]
async fn a_per_call_timeout_ends_the_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api_path("public/v1/prices")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("prices.json"))
                .set_delay(Duration::from_secs(5)),
        )
        .named("slow")
        .mount(&server)
        .await;
    let client = key_only_builder(&server).build().unwrap();
    let started = Instant::now();
    let err = client
        .get_json("public/v1/prices")
        .timeout(Duration::from_millis(300))
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
        "{err:?}"
    );
}

#[tokio::test]
async fn send_with_response_carries_the_request_id() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get", "post"]).await;
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations/SE-1001")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-request-id", "okq8-req-42")
                .set_body_json(fixture("station.json")),
        )
        .expect(1)
        .named("station with a request id")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api_path("payments/v1/payments")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("request-id", "okq8-req-43")
                .set_body_json(fixture("payment_created.json")),
        )
        .expect(1)
        .named("payment with a request id")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let response = client
        .get::<Value>("core/v1/stations/SE-1001")
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(response.request_id().as_deref(), Some("okq8-req-42"));
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.value()["id"], "SE-1001");
    let response = client
        .post::<Value>("payments/v1/payments", &json!({"amount": 1}))
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(response.request_id().as_deref(), Some("okq8-req-43"));
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.into_value()["status"], "Accepted");
}

#[tokio::test]
async fn pages_expose_the_totals() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    for page in 1..=3 {
        let mut body = fixture(&format!("stations_page{page}.json"));
        body["totalItems"] = json!(5);
        Mock::given(method("GET"))
            .and(path(api_path("core/v1/stations")))
            .and(query_param("page", page.to_string()))
            .and(query_param("fuel", "HVO100"))
            .and(api_headers(&token))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .named(format!("stations page {page}"))
            .mount(&server)
            .await;
    }

    let client = oauth_builder(&server).build().unwrap();
    let pages: PageStream<Value> = client
        .paged("core/v1/stations")
        .query(&[("fuel", "HVO100")])
        .pages();
    let pages: Vec<Page<Value>> = pages.try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    for page in &pages {
        assert_eq!(page.total_pages, Some(3));
        assert_eq!(page.total_items, Some(5));
    }
    let counts: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(counts, [2, 2, 1]);
}
