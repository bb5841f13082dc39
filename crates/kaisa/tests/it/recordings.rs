//! `recordings` and the IP allow-list hint.

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

#[tokio::test]
async fn a_customers_recordings_then_one_with_its_sound() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("recordings")))
        .and(api_headers(&token))
        .and(exact_query(&[("customer_id", "407382")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"recordings": [
            {"recording_id": "3100001", "expired": "1", "customer_id": "407382", "cdr_id": "7000002"},
            {"recording_id": "3100003", "expired": "0", "customer_id": "407382", "cdr_id": "7000004",
             "timestamp": "2024-03-01 01:07:00", "datalength": "31", "format": "mp3"}
        ]})))
        .expect(1)
        .named("recordings of a customer")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("recordings")))
        .and(api_headers(&token))
        .and(exact_query(&[("recording_id", "3100003")]))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"recordings": [
                {"recording_id": "3100003", "expired": "0", "sounddata": "SUQzBAA="}
            ]})),
        )
        .expect(1)
        .named("one recording")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let listed = client
        .recordings()
        .list()
        .customer_id(407_382)
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert!(!listed[0].is_available());
    assert_eq!(listed[0].expired, Some(true));
    assert_eq!(
        listed[0].cdr_id.as_ref().map(|c| c.as_str()),
        Some("7000002")
    );
    assert!(listed[1].is_available());
    assert_eq!(listed[1].datalength, Some(31));
    assert_eq!(
        listed[1].timestamp.map(|t| t.to_string()).as_deref(),
        Some("2024-03-01 01:07:00")
    );
    assert_eq!(listed[1].sounddata, None);
    assert_eq!(listed[1].extra.get("format"), Some(&json!("mp3")));

    let one = client
        .recordings()
        .list()
        .recording_id(listed[1].recording_id.clone())
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(one.value().len(), 1);
    assert_eq!(one.value()[0].sounddata.as_deref(), Some("SUQzBAA="));
    assert_eq!(one.value()[0].expired, Some(false));
}

#[tokio::test]
async fn a_refused_call_hints_at_the_ip_allow_list() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("recordings")))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"error": {"code": 403, "message": "Access denied"}})),
        )
        .expect(1)
        .named("recordings forbidden")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client.recordings().list().await.unwrap_err();
    let hint = kaisa::access_hint(&err).expect("a hint for a 403");
    assert_eq!(hint, kaisa::IP_ALLOW_LIST_HINT);
    assert!(hint.contains("IP address"), "{hint}");
    assert!(hint.contains("201298061"), "{hint}");
    // A refused token request is about the credentials, not the address.
    let other = kaisa::Error::invalid("x", "y");
    assert_eq!(kaisa::access_hint(&other), None);
}
