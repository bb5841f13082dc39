//! The typed generic calls: get, get_json, post, put, delete, request, paged.

use futures_util::{StreamExt, TryStreamExt};
use okq8::{encode_segment, Error, ItemPage, Method};
use serde::{Deserialize, Serialize};
use serde_json::json;
use test_support::assertions::refused_argument;
use test_support::matchers::{exact_query, form_body, json_body, NoBody};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{api_headers, fixture, mount_token, oauth_builder, API};

#[derive(Debug, Deserialize, PartialEq)]
struct Station {
    id: String,
    name: String,
    city: String,
    fuels: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewPayment<'a> {
    station_id: &'a str,
    amount: f64,
    currency: &'a str,
    card_token: &'a str,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payment {
    id: String,
    status: String,
    station_id: String,
    amount: f64,
}

fn api_path(rest: &str) -> String {
    format!("{API}/{rest}")
}

#[tokio::test]
async fn get_sends_the_query_and_decodes_into_the_callers_type() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations")))
        .and(exact_query(&[("page", "2"), ("city", "Malmö")]))
        .and(api_headers(&token))
        .and(NoBody)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("stations_page2.json")))
        .expect(1)
        .named("stations page 2")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    #[derive(Serialize)]
    struct Filter<'a> {
        page: u32,
        city: Option<&'a str>,
        fuel: Option<&'a str>,
    }
    let page: ItemPage<Station> = client
        .get("core/v1/stations")
        .query(&Filter {
            page: 2,
            city: Some("Malmö"),
            fuel: None,
        })
        .await
        .unwrap();
    assert_eq!(page.page, Some(2));
    assert_eq!(page.total_pages, Some(3));
    assert_eq!(
        page.items[0],
        Station {
            id: "SE-1003".to_owned(),
            name: "OKQ8 Göteborg Hisingen".to_owned(),
            city: "Göteborg".to_owned(),
            fuels: vec![
                "GoEasy Bensin 95".to_owned(),
                "GoEasy Bensin 98".to_owned(),
                "GoEasy Diesel".to_owned(),
                "Laddning".to_owned()
            ],
        }
    );
}

#[tokio::test]
async fn get_with_no_query_and_an_encoded_id() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations/SE%2F1001%3Fx")))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("station.json")))
        .expect(1)
        .named("one station")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let station: Station = client
        .get(format!("core/v1/stations/{}", encode_segment("SE/1001?x")))
        .await
        .unwrap();
    assert_eq!(station.id, "SE-1001");
}

#[tokio::test]
async fn get_json_returns_the_document() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    Mock::given(method("GET"))
        .and(path(api_path("public/v1/prices")))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("prices.json")))
        .expect(1)
        .named("prices")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let prices = client.get_json("/public/v1/prices").await.unwrap();
    assert_eq!(prices, fixture("prices.json"));
}

#[tokio::test]
async fn post_sends_the_body_as_json_and_decodes_the_answer() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get", "post"]).await;
    Mock::given(method("POST"))
        .and(path(api_path("payments/v1/payments")))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .and(json_body(json!({
            "stationId": "SE-1001",
            "amount": 450.0,
            "currency": "SEK",
            "cardToken": "tok_4f8a2c",
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("payment_created.json")))
        .expect(1)
        .named("create payment")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let payment: Payment = client
        .post(
            "payments/v1/payments",
            &NewPayment {
                station_id: "SE-1001",
                amount: 450.0,
                currency: "SEK",
                card_token: "tok_4f8a2c",
            },
        )
        .await
        .unwrap();
    assert_eq!(payment.id, "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f");
    assert_eq!(payment.status, "Accepted");
    assert_eq!(payment.station_id, "SE-1001");
    assert!((payment.amount - 450.0).abs() < f64::EPSILON);
}

#[tokio::test]
async fn put_and_delete_accept_empty_answers() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["put", "delete"]).await;
    Mock::given(method("PUT"))
        .and(path(api_path("core/v1/cards/4711/nickname")))
        .and(api_headers(&token))
        .and(json_body(json!({"nickname": "Work car"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("put nickname")
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(api_path("core/v1/cards/4711/nickname")))
        .and(api_headers(&token))
        .and(NoBody)
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("delete nickname")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    client
        .put::<()>(
            "core/v1/cards/4711/nickname",
            &json!({"nickname": "Work car"}),
        )
        .await
        .unwrap();
    client
        .delete::<()>("core/v1/cards/4711/nickname")
        .await
        .unwrap();
}

#[tokio::test]
async fn request_builds_any_call() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["post"]).await;
    Mock::given(method("PATCH"))
        .and(path(api_path("core/v1/cards/4711")))
        .and(exact_query(&[("dryRun", "true")]))
        .and(api_headers(&token))
        .and(form_body(&[("nickname", "Work car"), ("limit", "2000")]))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .named("patch card")
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path(api_path("core/v1/cards/4711")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("head card")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let body = client
        .request::<()>(Method::PATCH, "core/v1/cards/4711")
        .query(&[("dryRun", true)])
        .form(&[("nickname", "Work car"), ("limit", "2000")])
        .require_role("post")
        .operation("okq8.cards.patch")
        .send_bytes()
        .await
        .unwrap();
    assert_eq!(body, b"ok");
    client
        .request::<()>(Method::HEAD, "core/v1/cards/4711")
        .send_empty()
        .await
        .unwrap();
}

#[tokio::test]
async fn paged_walks_every_page_and_stops_at_the_last() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    for (page, times) in [("1", 1), ("2", 1), ("3", 1), ("4", 0)] {
        let body = if times == 0 {
            json!({"items": [], "page": 4, "totalPages": 3})
        } else {
            fixture(&format!("stations_page{page}.json"))
        };
        Mock::given(method("GET"))
            .and(path(api_path("core/v1/stations")))
            .and(exact_query(&[("fuel", "HVO100"), ("page", page)]))
            .and(api_headers(&token))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(times)
            .named(format!("stations page {page}"))
            .mount(&server)
            .await;
    }

    let client = oauth_builder(&server).build().unwrap();
    let ids: Vec<String> = client
        .paged::<Station>("core/v1/stations")
        .query(&[("fuel", "HVO100")])
        .stream()
        .map_ok(|s| s.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["SE-1001", "SE-1002", "SE-1003", "SE-1004", "SE-1005"]);
}

#[tokio::test]
async fn paged_yields_a_wrong_shape_once_and_ends() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations")))
        .and(exact_query(&[("page", "1")]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .expect(1)
        .named("stations in another shape")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let items: Vec<_> = client
        .paged::<Station>("core/v1/stations")
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    match &items[0] {
        Err(Error::Decode(d)) => assert!(d.message().contains("items"), "{d}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_shape_reports_where() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["get"]).await;
    Mock::given(method("GET"))
        .and(path(api_path("core/v1/stations/SE-1001")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "SE-1001", "name": "OKQ8", "city": "Malmö", "fuels": ["E85", 95]
        })))
        .expect(1)
        .named("station with a bad fuel")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let err = client
        .get::<Station>("core/v1/stations/SE-1001")
        .await
        .unwrap_err();
    match &err {
        Error::Decode(d) => assert_eq!(d.path(), "fuels[1]"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn refused_before_sending() {
    let server = MockServer::start().await;
    crate::mount_token_for(&server, &crate::default_scope(), &["get"], 0).await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("nothing sent")
        .mount(&server)
        .await;

    let client = oauth_builder(&server).build().unwrap();
    let cases = [
        (
            client
                .get::<serde_json::Value>("core/v1/stations")
                .query(&[("subscription-key", "k")])
                .await,
            "query",
        ),
        (
            client
                .get::<serde_json::Value>("core/v1/stations")
                .query(&[("Subscription-Key", "k")])
                .await,
            "query",
        ),
        (client.get_json("https://elsewhere.example/x").await, "path"),
        (
            client
                .get::<serde_json::Value>("core/v1/stations")
                .query(&json!([1, 2]))
                .await,
            "query",
        ),
    ];
    for (result, expected) in cases {
        assert_eq!(refused_argument(result), expected);
    }
}
