//! `statistics/cdrs/out`.

use futures_util::{StreamExt, TryStreamExt};
use kaisa::{Cdr, Error, KaisaDateTime};
use serde_json::{json, Value};
use test_support::assertions::refused_argument;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

fn cdrs_path() -> String {
    api_path("statistics/cdrs/out")
}

#[tokio::test]
async fn cdrs_out_sends_every_parameter_and_decodes_records() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(cdrs_path()))
        .and(api_headers(&token))
        .and(exact_query(&[
            ("from_date", "2024-03-01 00:00:00"),
            ("to_date", "2024-03-31 23:59:59"),
            ("page", "2"),
            ("pagesize", "50"),
            ("newest_first", "1"),
            ("extended", "0"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("cdrs.json")))
        .expect(1)
        .named("cdrs/out page 2")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let cdrs = client
        .statistics()
        .cdrs_out()
        .from(KaisaDateTime::date(2024, 3, 1).unwrap())
        .to("2024-03-31 23:59:59".parse::<KaisaDateTime>().unwrap())
        .page(2)
        .page_size(50)
        .newest_first(true)
        .extended(false)
        .send()
        .await
        .unwrap();
    assert_eq!(cdrs.len(), 2);
    let first = &cdrs[0];
    assert_eq!(first.cdr_id.as_str(), "7000001");
    assert_eq!(
        first.start,
        Some(KaisaDateTime::new(2024, 3, 1, 0, 7, 12).unwrap())
    );
    assert_eq!(first.duration, Some(42));
    assert_eq!(first.anum.as_deref(), Some("4670XXXXX12"));
    assert_eq!(
        first.anum_md5.as_deref(),
        Some("9e107d9d372bb6826bd81d3542a419d6")
    );
    assert_eq!(first.bnum.as_deref(), Some("46101234500"));
    assert_eq!(first.cnum.as_deref(), Some("4687654321"));
    assert_eq!(
        first.customer_id.as_ref().map(|c| c.as_str()),
        Some("407382")
    );
    assert_eq!(first.source_id.as_ref().map(|s| s.as_str()), Some("880101"));
    assert_eq!(first.custnr.as_deref(), Some("ACME-001"));
    assert_eq!(first.answered, Some(true));
    assert_eq!(first.quarantined, Some(false));
    let second = &cdrs[1];
    assert_eq!(second.duration, Some(0));
    assert_eq!(second.answered, Some(false));
    assert_eq!(second.quarantined, Some(true));
    assert_eq!(
        second.extra.get("referrer"),
        Some(&json!("https://www.google.com/"))
    );
    // Serializes for --json output with the same field names.
    let out = serde_json::to_value(second).unwrap();
    assert_eq!(out["start"], "2024-03-01 00:23:51");
    assert_eq!(out["cdr_id"], "7000002");
}

fn cdr_page(page: usize, len: usize) -> Value {
    let cdrs: Vec<Value> = (0..len)
        .map(|i| {
            let n = page * 1000 + i;
            json!({
                "cdr_id": (7_000_000 + n).to_string(),
                "start": format!("2024-03-{:02} {:02}:{:02}:00", 1 + n / 1440 % 28, n / 60 % 24, n % 60),
                "duration": (n % 300).to_string(),
                "customer_id": "407382",
                "source_id": "880101",
                "answered": if n.is_multiple_of(7) { "0" } else { "1" },
                "quarantined": "0",
            })
        })
        .collect();
    json!({ "cdrs": cdrs })
}

#[tokio::test]
async fn stream_reads_pages_until_a_short_one() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    for (page, len) in [(0, 1000), (1, 1000), (2, 500)] {
        let page_text = page.to_string();
        Mock::given(method("GET"))
            .and(path(cdrs_path()))
            .and(api_headers(&token))
            .and(exact_query(&[
                ("from_date", "2024-03-01 00:00:00"),
                ("page", page_text.as_str()),
                ("pagesize", "1000"),
            ]))
            .respond_with(ResponseTemplate::new(200).set_body_json(cdr_page(page, len)))
            .expect(1)
            .named(format!("cdrs/out page {page}"))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(cdrs_path()))
        .and(exact_query(&[
            ("from_date", "2024-03-01 00:00:00"),
            ("page", "3"),
            ("pagesize", "1000"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"cdrs": []})))
        .expect(0)
        .named("cdrs/out page 3 (past the short page)")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let cdrs: Vec<Cdr> = client
        .statistics()
        .cdrs_out()
        .from(KaisaDateTime::date(2024, 3, 1).unwrap())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(cdrs.len(), 2500);
    for (i, cdr) in cdrs.iter().enumerate() {
        assert_eq!(cdr.cdr_id.as_str(), (7_000_000 + i).to_string());
    }
    assert_eq!(cdrs[7].answered, Some(false));
    assert_eq!(cdrs[2499].duration, Some((2499 % 300) as u64));
}

#[tokio::test]
async fn stream_of_an_exact_multiple_ends_on_the_empty_page() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    for (page, len) in [(3, 2), (4, 0)] {
        let page_text = page.to_string();
        Mock::given(method("GET"))
            .and(path(cdrs_path()))
            .and(api_headers(&token))
            .and(exact_query(&[
                ("page", page_text.as_str()),
                ("pagesize", "2"),
            ]))
            .respond_with(ResponseTemplate::new(200).set_body_json(cdr_page(page, len)))
            .expect(1)
            .named(format!("cdrs/out page {page} of 2"))
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();
    let ids: Vec<String> = client
        .statistics()
        .cdrs_out()
        .page(3)
        .page_size(2)
        .stream()
        .map(|c| c.unwrap().cdr_id.to_string())
        .collect()
        .await;
    assert_eq!(ids, vec!["7003000", "7003001"]);
}

#[tokio::test]
async fn invalid_arguments_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"cdrs": []})))
        .expect(0)
        .named("nothing may be sent")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer("t")))
        .expect(0)
        .named("no token is fetched")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    for size in [0, 1001] {
        let result = client.statistics().cdrs_out().page_size(size).send().await;
        assert_eq!(refused_argument(result), "page_size");
    }
    let from = KaisaDateTime::date(2024, 4, 1).unwrap();
    let to = KaisaDateTime::date(2024, 3, 1).unwrap();
    let result = client
        .statistics()
        .cdrs_out()
        .from(from)
        .to(to)
        .send()
        .await;
    assert_eq!(refused_argument(result), "from");

    let mut stream = client.statistics().cdrs_out().page_size(5000).stream();
    assert!(matches!(
        stream.next().await,
        Some(Err(Error::InvalidArgument(e)))
     if e.name() == "page_size"));
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn a_server_error_is_retried_once_then_reported_with_the_vendor_message() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(cdrs_path()))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"code": "E_DB", "message": "statistics are being rebuilt"})),
        )
        .expect(2)
        .named("cdrs/out failing")
        .mount(&server)
        .await;

    let client = builder(&server)
        .retry_policy(
            oauth_core::RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let err = client
        .statistics()
        .cdrs_out()
        .from(KaisaDateTime::new(2024, 3, 1, 0, 0, 0).unwrap())
        .to(KaisaDateTime::new(2024, 3, 31, 23, 59, 59).unwrap())
        .send()
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(api.status().as_u16(), 500);
    assert_eq!(api.code(), Some("E_DB"));
    assert_eq!(api.message(), Some("statistics are being rebuilt"));
    assert!(err.is_retryable());
}
