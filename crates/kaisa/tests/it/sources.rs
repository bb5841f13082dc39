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
