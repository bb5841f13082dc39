//! `customers`: list, create, update.

use kaisa::{CustomerId, CustomerUpdate, Error, NewCustomer};
use serde_json::json;
use test_support::assertions::refused_argument;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

fn created_customer() -> serde_json::Value {
    json!({"customers": [{
        "customer_id": "407385",
        "name": "Cobalt Tandvård",
        "custnr": "COB-77",
        "corporateid": "556123-9876",
        "email": "info@cobalt-tand.example",
        "uuid": "3b0f5e2a-8c41-4d7e-9f10-6a2b4c8d0e13",
        "custom_1": "south",
        "receive_monthly_report": "0",
        "freespee_caller_id": "",
        "dncs_class_name": "default"
    }]})
}

#[tokio::test]
async fn list_filters_and_decodes_numbers_sent_as_strings() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("customers")))
        .and(api_headers(&token))
        .and(exact_query(&[
            ("customer_id", "407382"),
            ("custnr", "ACME-001"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customers.json")))
        .expect(1)
        .named("customers filtered")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("customers")))
        .and(api_headers(&token))
        .and(exact_query(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"customers": []})))
        .expect(1)
        .named("customers unfiltered")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let customers = client
        .customers()
        .list()
        .customer_id(407_382)
        .custnr("ACME-001")
        .send()
        .await
        .unwrap();
    assert_eq!(customers.len(), 2);
    let acme = &customers[0];
    assert_eq!(acme.customer_id, CustomerId::from("407382"));
    assert_eq!(acme.name.as_deref(), Some("Acme Rörservice AB"));
    assert_eq!(acme.custnr.as_deref(), Some("ACME-001"));
    assert_eq!(acme.corporateid.as_deref(), Some("556677-8899"));
    assert_eq!(acme.email.as_deref(), Some("ekonomi@acme-ror.example"));
    assert_eq!(
        acme.uuid.as_deref(),
        Some("0e6f1c52-4b7a-4d39-9a51-2f8c3b7d9e10")
    );
    assert_eq!(acme.receive_monthly_report, Some(2));
    assert_eq!(acme.freespee_caller_id.as_deref(), Some("46101234500"));
    assert_eq!(acme.dncs_class_name.as_deref(), Some("default"));
    assert_eq!(acme.custom(1), Some("north region"));
    assert_eq!(acme.custom(2), None);

    // The same fields as JSON numbers decode too; empty strings read as absent.
    let brightwave = &customers[1];
    assert_eq!(brightwave.customer_id.as_str(), "407383");
    assert_eq!(brightwave.receive_monthly_report, Some(0));
    assert_eq!(brightwave.corporateid, None);
    assert_eq!(brightwave.extra.get("invoice_group"), Some(&json!("B")));

    assert!(client.customers().list().send().await.unwrap().is_empty());
}

#[tokio::test]
async fn create_sends_url_encoded_parameters() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("POST"))
        .and(path(api_path("customers")))
        .and(api_headers(&token))
        .and(exact_query(&[]))
        .and(form_body(&[
            ("name", "Cobalt Tandvård"),
            ("custnr", "COB-77"),
            ("email", "info@cobalt-tand.example"),
            ("corporateid", "556123-9876"),
            ("custom_1", "south"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(created_customer()))
        .expect(1)
        .named("create customer")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let created = client
        .customers()
        .create(
            NewCustomer::new("Cobalt Tandvård", "COB-77")
                .email("info@cobalt-tand.example")
                .corporateid("556123-9876")
                .custom(1, "south"),
        )
        .await
        .unwrap();
    assert_eq!(created.customer_id.as_str(), "407385");
    assert_eq!(created.name.as_deref(), Some("Cobalt Tandvård"));
    assert_eq!(created.custom(1), Some("south"));
    assert_eq!(created.receive_monthly_report, Some(0));
}

#[tokio::test]
async fn create_checks_lengths_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(created_customer()))
        .expect(0)
        .named("nothing may be sent")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let cases = [
        (NewCustomer::new("n".repeat(61), "C-1"), "name"),
        (NewCustomer::new("", "C-1"), "name"),
        (NewCustomer::new("Name", "c".repeat(46)), "custnr"),
        (NewCustomer::new("Name", " "), "custnr"),
        (NewCustomer::new("Name", "C-1").custom(0, "x"), "custom"),
    ];
    for (customer, field) in cases {
        assert_eq!(
            refused_argument(client.customers().create(customer).await),
            field
        );
    }
    // 60 and 45 characters (not bytes) are the limits themselves.
    let err = client
        .customers()
        .update("1", CustomerUpdate::new().name("ö".repeat(61)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(ref e) if e.name() == "name"));
}

#[tokio::test]
async fn create_is_not_retried_after_a_server_error() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("POST"))
        .and(path(api_path("customers")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .named("create fails once, not repeated")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .customers()
        .create(NewCustomer::new("Name", "C-1"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
}

#[tokio::test]
async fn update_puts_url_encoded_changes() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    let mut answer = created_customer();
    answer["customers"][0]["email"] = json!("new@cobalt-tand.example");
    answer["customers"][0]["receive_monthly_report"] = json!("1");
    Mock::given(method("PUT"))
        .and(path(api_path("customers/407385")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("email", "new@cobalt-tand.example"),
            ("receive_monthly_report", "1"),
            ("custom_20", "vip"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .named("update customer")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let updated = client
        .customers()
        .update(
            407_385,
            CustomerUpdate::new()
                .email("new@cobalt-tand.example")
                .receive_monthly_report(1)
                .custom(20, "vip"),
        )
        .await
        .unwrap();
    assert_eq!(updated.email.as_deref(), Some("new@cobalt-tand.example"));
    assert_eq!(updated.receive_monthly_report, Some(1));
}

#[tokio::test]
async fn update_encodes_the_id_and_refuses_empty_updates() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("PUT"))
        .and(path(api_path("customers/40%2F7")))
        .and(api_headers(&token))
        .and(form_body(&[("name", "X")]))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"code": 404, "message": "Customer 40/7 not found"}
        })))
        .expect(1)
        .named("update with an encoded id")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .customers()
        .update("40/7", CustomerUpdate::new().name("X"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));

    let err = client
        .customers()
        .update("407385", CustomerUpdate::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(ref e) if e.name() == "update"));
    let err = client
        .customers()
        .update("407385", CustomerUpdate::new().receive_monthly_report(7))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument(e)
     if e.name() == "receive_monthly_report"));
}

#[tokio::test]
async fn an_answer_without_the_customer_is_a_decode_error() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("POST"))
        .and(path(api_path("customers")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"customers": []})))
        .expect(1)
        .named("create answers no customer")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .customers()
        .create(NewCustomer::new("Name", "C-1"))
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert!(decode.message().contains("no customer"), "{decode}");
}

#[tokio::test]
async fn get_reads_one_customer_by_id() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("customers/407382")))
        .and(api_headers(&token))
        .and(exact_query(&[]))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"customers": [{
                "customer_id": "407382", "name": "DailyLoans", "custnr": "1412", "corporateid": "",
                "email": "", "uuid": "0097bfcb-9c9c-45ae-b811-2dcc3e799100", "dncs_class_name": "",
                "receive_monthly_report": "0", "freespee_caller_id": "0", "custom_3": "north"
            }]})),
        )
        .expect(1)
        .named("one customer")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("customers/999")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            serde_json::json!({"error": {"code": 404, "message": "Customer 999 not found"}}),
        ))
        .expect(1)
        .named("unknown customer")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let customer = client.customers().get(407_382).await.unwrap();
    assert_eq!(customer.customer_id.as_str(), "407382");
    assert_eq!(customer.name.as_deref(), Some("DailyLoans"));
    assert_eq!(customer.email, None, "an empty string reads as absent");
    assert_eq!(customer.receive_monthly_report, Some(0));
    assert_eq!(customer.custom(3), Some("north"));
    let missing = client.customers().get("999").await.unwrap_err();
    assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));
    for bad in ["", "..", "%2e%2e"] {
        let err = client.customers().get(bad).await.unwrap_err();
        assert!(
            matches!(&err, kaisa::Error::InvalidArgument(e) if e.name() == "customer_id"),
            "{bad}: {err}"
        );
    }
}
