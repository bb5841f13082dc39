//! `sources`.

use kaisa::{KaisaDateTime, SourceStatus};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

#[tokio::test]
async fn list_sends_every_filter_and_decodes_sources() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("sources")))
        .and(api_headers(&token))
        .and(exact_query(&[
            ("source_id", "880101"),
            ("customer_id", "407382"),
            ("custnr", "ACME-001"),
            ("destnr", "4687654321"),
            ("campaign_id", "9001"),
            ("status", "quarantined"),
            ("class", "static"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sources.json")))
        .expect(1)
        .named("sources filtered")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let sources = client
        .sources()
        .list()
        .source_id("880101")
        .customer_id(407_382)
        .custnr("ACME-001")
        .destnr("4687654321")
        .campaign_id("9001")
        .status(SourceStatus::Quarantined)
        .class("static")
        .send()
        .await
        .unwrap();
    assert_eq!(sources.len(), 2);

    let ads = &sources[0];
    assert_eq!(ads.source_id.as_str(), "880101");
    assert_eq!(ads.name.as_deref(), Some("Google Ads - Search"));
    assert_eq!(ads.email.as_deref(), Some("marketing@acme-ror.example"));
    assert_eq!(ads.smsnumber, None);
    assert_eq!(ads.media.as_deref(), Some("Google Ads"));
    assert_eq!(ads.customer_id.as_ref().map(|c| c.as_str()), Some("407382"));
    assert_eq!(ads.campaign_id.as_deref(), Some("9001"));
    assert_eq!(ads.phonenr.as_deref(), Some("46101234500"));
    assert_eq!(ads.destnr.as_deref(), Some("4687654321"));
    assert_eq!(
        ads.timestamp,
        Some(KaisaDateTime::new(2024, 2, 1, 9, 0, 0).unwrap())
    );
    assert_eq!(ads.expire, None, "a zero date reads as absent");
    assert_eq!(
        ads.created.map(|t| t.to_string()).as_deref(),
        Some("2024-02-01 08:00:00")
    );
    assert_eq!(ads.class.as_deref(), Some("static"));
    assert_eq!(ads.status, Some(SourceStatus::Active));
    assert_eq!(ads.notify_on_missed_call, Some(true));
    assert!(ads.alt_numbers.is_empty());
    assert_eq!(ads.extra.get("vm_divert_timeout"), Some(&json!("25")));

    let old = &sources[1];
    assert_eq!(old.source_id.as_str(), "880105");
    assert_eq!(old.customer_id.as_ref().map(|c| c.as_str()), Some("407384"));
    assert_eq!(old.campaign_id, None);
    assert_eq!(old.modified, None);
    assert!(old.expire.is_some());
    assert_eq!(old.status, Some(SourceStatus::Unknown("ported".into())));
    assert_eq!(old.notify_on_missed_call, Some(false));
    assert_eq!(old.alt_numbers[0]["label"], "fax");
}

#[tokio::test]
async fn a_forbidden_answer_is_a_classified_auth_error() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("sources")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-request-id", "req-403-sources")
                .set_body_json(json!({"error": {"code": "forbidden", "message": "no access to this customer"}})),
        )
        .expect(1)
        .named("sources forbidden")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client.sources().list().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        err.auth_kind(),
        Some(&vendor_core::AuthErrorKind::Forbidden)
    );
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("no access to this customer"), "{text}");
    assert!(text.contains("req-403-sources"), "{text}");
}

fn page_of(first: u32, n: u32) -> serde_json::Value {
    let sources: Vec<serde_json::Value> = (first..first + n)
        .map(|i| json!({"source_id": i.to_string(), "name": format!("source {i}"), "customer_id": "407382", "status": "active"}))
        .collect();
    json!({ "sources": sources })
}

#[tokio::test]
async fn list_pages_from_zero_until_a_short_page() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    for (page, body) in [
        ("0", page_of(1, 2)),
        ("1", page_of(3, 2)),
        ("2", page_of(5, 1)),
    ] {
        Mock::given(method("GET"))
            .and(path(api_path("sources")))
            .and(api_headers(&token))
            .and(exact_query(&[
                ("customer_id", "407382"),
                ("page", page),
                ("pagesize", "2"),
            ]))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .named(format!("sources page {page}"))
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();
    let all: Vec<kaisa::Source> = futures_util::TryStreamExt::try_collect(
        client
            .sources()
            .list()
            .customer_id("407382")
            .page_size(2)
            .stream(),
    )
    .await
    .unwrap();
    let ids: Vec<&str> = all.iter().map(|s| s.source_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    assert_eq!(all[4].status, Some(SourceStatus::Active));
}

#[tokio::test]
async fn one_page_sends_page_and_pagesize_and_pages_carry_the_size() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("sources")))
        .and(api_headers(&token))
        .and(exact_query(&[("page", "3"), ("pagesize", "1000")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_of(10, 1)))
        .expect(2)
        .named("sources page 3")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let one = client
        .sources()
        .list()
        .page(3)
        .page_size(1000)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    let mut pages = client.sources().list().page(3).pages();
    let page = futures_util::TryStreamExt::try_next(&mut pages)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.items[0].source_id.as_str(), "10");
    assert_eq!(page.page_size, Some(1000));
    assert_eq!(page.total_items, None);
    assert!(futures_util::TryStreamExt::try_next(&mut pages)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_page_size_over_1000_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();
    for err in [
        client.sources().list().page_size(1001).await.unwrap_err(),
        client.sources().list().page_size(0).await.unwrap_err(),
        futures_util::TryStreamExt::try_collect::<Vec<_>>(
            client.sources().list().page_size(5000).stream(),
        )
        .await
        .unwrap_err(),
    ] {
        assert!(
            matches!(&err, kaisa::Error::InvalidArgument(e) if e.name() == "page_size"),
            "{err}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn create_posts_the_getting_started_form_and_decodes_the_source() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    // Kaisa's getting-started answer, as published.
    let answer = json!({"sources": [{
        "source_id": "643971", "name": "AdWords", "email": null, "smsnumber": null,
        "media": "Google.com", "customer_id": "407390", "phonenr": "+46890510",
        "destnr": "+4612345678", "timestamp": "2011-11-14 23:00:00", "expire": null,
        "created": "2011-10-15 16:09:31", "modified": "2011-10-15 16:09:31", "class": "0",
        "status": "active", "vm_greeting_id": null, "notify_on_missed_call": "0",
        "vm_divert_all": "0", "vm_divert_busy": "0", "vm_divert_noanswer": "0", "alt_numbers": []
    }]});
    Mock::given(method("POST"))
        .and(path(api_path("sources")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("customer_id", "407390"),
            ("name", "AdWords"),
            ("media", "Google.com"),
            ("phonenr", "0890510"),
            ("destnr", "+4612345678"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .named("create source")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let created = client
        .sources()
        .create(
            kaisa::NewSource::new(407_390, "AdWords")
                .media("Google.com")
                .phonenr("0890510")
                .param("destnr", "+4612345678"),
        )
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 200);
    let source = created.value();
    assert_eq!(source.source_id.as_str(), "643971");
    assert_eq!(source.phonenr.as_deref(), Some("+46890510"));
    assert_eq!(source.email, None);
    assert_eq!(source.expire, None);
    assert_eq!(source.class.as_deref(), Some("0"));
    assert_eq!(source.status, Some(SourceStatus::Active));
    assert_eq!(source.notify_on_missed_call, Some(false));
    assert_eq!(
        source.created,
        Some(KaisaDateTime::new(2011, 10, 15, 16, 9, 31).unwrap())
    );
    assert_eq!(source.extra.get("vm_divert_busy"), Some(&json!("0")));
}

#[tokio::test]
async fn create_refuses_bad_arguments_and_an_empty_answer() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    let client = builder(&server).build().unwrap();
    for (source, name) in [
        (kaisa::NewSource::new("", "x"), "customer_id"),
        (kaisa::NewSource::new("1", " "), "name"),
        (kaisa::NewSource::new("1", "x").param("name", "y"), "param"),
        (kaisa::NewSource::new("1", "x").param("", "y"), "param"),
    ] {
        let err = client.sources().create(source).await.unwrap_err();
        assert!(
            matches!(&err, kaisa::Error::InvalidArgument(e) if e.name() == name),
            "{err}"
        );
    }
    Mock::given(method("POST"))
        .and(path(api_path("sources")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sources": []})))
        .expect(1)
        .named("create source, empty answer")
        .mount(&server)
        .await;
    let err = client
        .sources()
        .create(kaisa::NewSource::new("1", "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, kaisa::Error::Decode(_)), "{err}");
}

#[tokio::test]
async fn statuses_send_the_filters_and_read_any_list_shape() {
    for (i, body) in [
        json!({"statuses": [{"source_id": "5501004", "service": "OOS", "since": "2024-03-01"}]}),
        json!({"sources": [{"source_id": 5501004, "service": "OOS", "since": "2024-03-01"}]}),
        json!([{"source_id": "5501004", "service": "OOS", "since": "2024-03-01"}]),
    ]
    .into_iter()
    .enumerate()
    {
        let server = MockServer::start().await;
        let token = mount_token(&server).await;
        Mock::given(method("GET"))
            .and(path(api_path("sources/statuses")))
            .and(api_headers(&token))
            .and(exact_query(&[
                ("source_id", "5501004"),
                ("customer_id", "407383"),
                ("custnr", "BW-2040"),
            ]))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .named("source statuses")
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        let statuses = client
            .sources()
            .statuses()
            .source_id(5_501_004)
            .customer_id("407383")
            .custnr("BW-2040")
            .await
            .unwrap();
        assert_eq!(statuses.len(), 1, "shape {i}");
        assert_eq!(statuses[0].source_id.as_str(), "5501004");
        assert_eq!(statuses[0].service.as_deref(), Some("OOS"));
        assert_eq!(statuses[0].extra.get("since"), Some(&json!("2024-03-01")));
    }
    // No problem: an empty result.
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("sources/statuses")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("no statuses")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    assert!(client.sources().statuses().await.unwrap().is_empty());
}
