//! The shape every vendor crate shares: owned request builders sent with `.await`,
//! `send` or `send_with_response`; per-call options; owned item and page streams;
//! the builder's missing-credentials error.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use kaisa::{
    Cdr, Client, CustomerUpdate, Error, ListCdrsRequest, ListCustomersRequest, NewCustomer, Page,
    PingRequest, RetryPolicy,
};
use serde_json::json;
use test_support::assertions::config_field;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

fn assert_owned<T: Send + Sync + Unpin + 'static>(_: &T) {}

fn assert_owned_stream<T: Send + Unpin + 'static>(_: &T) {}

fn one_customer(id: &str) -> serde_json::Value {
    json!({"customers": [{"customer_id": id, "name": "Cobalt Tandvård", "custnr": "COB-77"}]})
}

#[tokio::test]
async fn every_builder_is_sent_by_await() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    let ok = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
    for (verb, resource, body) in [
        ("GET", "miscellaneous/ping", json!({"ping": "ok"})),
        ("GET", "customers", one_customer("407382")),
        ("POST", "customers", one_customer("407385")),
        ("PUT", "customers/407385", one_customer("407385")),
        (
            "GET",
            "sources",
            json!({"sources": [{"source_id": "880101"}]}),
        ),
        (
            "GET",
            "statistics/cdrs/out",
            json!({"cdrs": [{"cdr_id": "7000001"}]}),
        ),
    ] {
        Mock::given(method(verb))
            .and(path(api_path(resource)))
            .and(api_headers(&token))
            .respond_with(ok(body))
            .expect(1)
            .named(format!("{verb} {resource}"))
            .mount(&server)
            .await;
    }

    let client = builder(&server).build().unwrap();
    assert!(client.ping().await.unwrap().is_ok());
    let customers = client.customers().list().custnr("COB-77").await.unwrap();
    assert_eq!(customers[0].customer_id.as_str(), "407382");
    let created = client
        .customers()
        .create(NewCustomer::new("Cobalt Tandvård", "COB-77"))
        .await
        .unwrap();
    let updated = client
        .customers()
        .update(created.customer_id, CustomerUpdate::new().name("Cobalt"))
        .await
        .unwrap();
    assert_eq!(updated.customer_id.as_str(), "407385");
    let sources = client.sources().list().await.unwrap();
    assert_eq!(sources[0].source_id.as_str(), "880101");
    let cdrs = client.statistics().cdrs_out().page(0).await.unwrap();
    assert_eq!(cdrs[0].cdr_id.as_str(), "7000001");
}

#[tokio::test]
async fn builders_own_the_client_and_outlive_it() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("miscellaneous/ping")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ping": "ok"})))
        .expect(1)
        .named("ping from a spawned task")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("customers")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(one_customer("1")))
        .expect(1)
        .named("customers from a spawned task")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let ping: PingRequest = client.ping();
    let list: ListCustomersRequest = client.customers().list();
    let cdrs: ListCdrsRequest = client.statistics().cdrs_out();
    assert_owned(&ping);
    assert_owned(&list);
    assert_owned(&cdrs);
    assert_owned_stream(&cdrs.clone().stream());
    assert_owned_stream(&cdrs.pages());
    drop(client);
    // 'static and Send: the builders go to other tasks after the client is gone.
    let ping = tokio::spawn(ping.into_future_send())
        .await
        .unwrap()
        .unwrap();
    assert!(ping.is_ok());
    let customers = tokio::spawn(async move { list.await }).await.unwrap();
    assert_eq!(customers.unwrap().len(), 1);
}

/// `IntoFuture` spelled out, so that the future itself is seen to be `Send`.
trait IntoFutureSend: std::future::IntoFuture {
    fn into_future_send(self) -> Self::IntoFuture
    where
        Self::IntoFuture: Send + 'static;
}

impl<T: std::future::IntoFuture> IntoFutureSend for T {
    fn into_future_send(self) -> Self::IntoFuture
    where
        Self::IntoFuture: Send + 'static,
    {
        self.into_future()
    }
}

async fn unavailable(server: &MockServer, token: &str, times: u64, name: &str) {
    Mock::given(method("GET"))
        .and(path(api_path("customers")))
        .and(api_headers(token))
        .respond_with(ResponseTemplate::new(503))
        .expect(times)
        .named(name)
        .mount(server)
        .await;
}

fn retrying(server: &MockServer) -> Client {
    builder(server)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_per_call_retry_policy_overrides_the_clients() {
    // The client's policy: three attempts.
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    unavailable(&server, &token, 3, "503, the client's three attempts").await;
    let err = retrying(&server).customers().list().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    server.verify().await;

    // This call's policy: one attempt.
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    unavailable(&server, &token, 1, "503, tried once").await;
    let err = retrying(&server)
        .customers()
        .list()
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn per_call_options_apply_to_every_page_of_a_stream() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    // Page 0 is full (two records of a page size of two), so the stream goes on to
    // page 1, which is unavailable.
    Mock::given(method("GET"))
        .and(path(api_path("statistics/cdrs/out")))
        .and(api_headers(&token))
        .and(exact_query(&[("page", "0"), ("pagesize", "2")]))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"cdrs": [{"cdr_id": "1"}, {"cdr_id": "2"}]})),
        )
        .expect(1)
        .named("cdrs/out page 0, full")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("statistics/cdrs/out")))
        .and(api_headers(&token))
        .and(exact_query(&[("page", "1"), ("pagesize", "2")]))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .named("cdrs/out page 1 503, tried once: the per-call policy reached it")
        .mount(&server)
        .await;
    // The client's own policy would try page 1 three times.
    let results: Vec<Result<Cdr, Error>> = futures_util::StreamExt::collect(
        retrying(&server)
            .statistics()
            .cdrs_out()
            .page_size(2)
            .retry_policy(RetryPolicy::none())
            .stream(),
    )
    .await;
    assert_eq!(results.len(), 3, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap().cdr_id.as_str(), "1");
    assert_eq!(results[1].as_ref().unwrap().cdr_id.as_str(), "2");
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    server.verify().await;
}

#[tokio::test]
async fn a_per_call_timeout_overrides_the_clients() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("miscellaneous/ping")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ping": "ok"}))
                .set_delay(Duration::from_secs(3)),
        )
        .named("a slow ping")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    // The token is fetched first, so that the deadline covers the API call only.
    client.token().await.unwrap();
    let started = Instant::now();
    let err = client
        .ping()
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}: {err}");
    // The call's own deadline ended it: a timeout naming that deadline.
    assert!(
        matches!(&err, Error::Timeout(t) if t.deadline() == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn send_with_response_carries_status_headers_and_request_id() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("sources")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-request-id", "req-sources-42")
                .set_body_json(json!({"sources": [{"source_id": "880101"}]})),
        )
        .expect(1)
        .named("sources with x-ms-request-id")
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(api_path("customers/407385")))
        .and(api_headers(&token))
        .and(form_body(&[("email", "new@cobalt-tand.example")]))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("request-id", "req-update-7")
                .set_body_json(one_customer("407385")),
        )
        .expect(1)
        .named("update with request-id")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("statistics/cdrs/out")))
        .and(api_headers(&token))
        .and(exact_query(&[("page", "4"), ("pagesize", "10")]))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-request-id", "req-cdrs-4")
                .set_body_json(json!({"cdrs": [{"cdr_id": "1"}, {"cdr_id": "2"}]})),
        )
        .expect(1)
        .named("cdrs/out page 4")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let sources = client.sources().list().send_with_response().await.unwrap();
    assert_eq!(sources.status().as_u16(), 200);
    assert_eq!(sources.request_id().as_deref(), Some("req-sources-42"));
    assert_eq!(
        sources.headers().get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(sources.value()[0].source_id.as_str(), "880101");

    let updated = client
        .customers()
        .update(
            407_385,
            CustomerUpdate::new().email("new@cobalt-tand.example"),
        )
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(updated.request_id().as_deref(), Some("req-update-7"));
    assert_eq!(updated.into_value().customer_id.as_str(), "407385");

    let page = client
        .statistics()
        .cdrs_out()
        .page(4)
        .page_size(10)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(page.request_id().as_deref(), Some("req-cdrs-4"));
    assert_eq!(page.value().len(), 2);

    // Arguments are still checked before anything is sent.
    let err = client
        .customers()
        .create(NewCustomer::new("", "C-1"))
        .send_with_response()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(ref e) if e.name() == "name"));
}

#[tokio::test]
async fn pages_yield_each_page_with_its_size_and_no_totals() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    for (page, ids) in [(0, vec!["1", "2"]), (1, vec!["3"])] {
        let page_text = page.to_string();
        let cdrs: Vec<_> = ids.iter().map(|id| json!({"cdr_id": id})).collect();
        Mock::given(method("GET"))
            .and(path(api_path("statistics/cdrs/out")))
            .and(api_headers(&token))
            .and(exact_query(&[
                ("page", page_text.as_str()),
                ("pagesize", "2"),
            ]))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "cdrs": cdrs })))
            .expect(1)
            .named(format!("cdrs/out page {page} of 2"))
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();
    let pages: Vec<Page<Cdr>> = client
        .statistics()
        .cdrs_out()
        .page_size(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2, "the short page is the last");
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, vec![2, 1]);
    for page in &pages {
        assert_eq!(page.page_size, Some(2));
        // Kaisa sends no totals.
        assert_eq!((page.total_items, page.total_pages), (None, None));
    }
    assert_eq!(pages[1].items[0].cdr_id.as_str(), "3");
}

#[test]
fn building_without_credentials_names_them() {
    let err = Client::builder().build().unwrap_err();
    let Error::Config(config) = &err else {
        panic!("expected a configuration error, got {err:?}");
    };
    assert_eq!(config.field(), "credentials");
    assert!(
        config.problem().contains(".client_credentials(")
            && config.problem().contains("KAISA_CLIENT_ID"),
        "{}",
        config.problem()
    );
    // Every other setting does not make up for them.
    assert_eq!(
        config_field(
            Client::builder()
                .base_url("https://api.example")
                .api_version("2.4.9")
                .build()
        ),
        "credentials"
    );
    // A blank id or secret is named as such.
    assert_eq!(
        config_field(
            Client::builder()
                .client_credentials(" ", CLIENT_SECRET)
                .build()
        ),
        "client_id"
    );
    assert_eq!(
        config_field(Client::builder().client_credentials(CLIENT_ID, "").build()),
        "client_secret"
    );
}

#[test]
fn an_authority_is_refused_with_a_pointer_to_token_url() {
    // Kaisa's token endpoint is a whole URL: an Azure AD authority would be ignored.
    let err = Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .authority("https://login.microsoftonline.us")
        .build()
        .unwrap_err();
    let Error::Config(config) = &err else {
        panic!("expected a configuration error, got {err:?}");
    };
    assert_eq!(config.field(), "authority");
    assert!(
        config.problem().contains(".token_url("),
        "{}",
        config.problem()
    );
    // The token URL is the way to point the client elsewhere.
    assert!(Client::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url("https://auth.example/oauth2/token")
        .build()
        .is_ok());
}
