//! `GET /tagging/v2/expectations`.

use kazi_tagging::{AuthErrorKind, Error, ExpectationKind};
use serde_json::json;
use test_support::matchers::{exact_query, form_body};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{api_headers, builder, fixture, mount_token, mount_token_at, token_path, API};

fn expectations_path() -> String {
    format!("{API}/tagging/v2/expectations")
}

#[tokio::test]
async fn list_sends_key_and_bearer_and_decodes_the_list() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:expectations"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("expectations.json")))
        .expect(1)
        .named("expectations")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let list = client.expectations().list().await.unwrap();

    assert_eq!(list.len(), 4);
    let autonomy = &list[0];
    assert_eq!(autonomy.id_str(), "3f2b9c1e-6a4d-4e8b-9f1a-2c7d5e8b0a11");
    assert_eq!(autonomy.expectation_name.as_deref(), Some("Autonomy"));
    assert_eq!(autonomy.expectation_type_id, Some(1));
    assert_eq!(autonomy.kind(), ExpectationKind::WorkValue);
    assert_eq!(
        autonomy.description.as_deref(),
        Some("Deciding for yourself how and when the work gets done.")
    );
    assert!(autonomy.extra.is_empty());
    // A numeric string is read as a number; unknown fields are kept.
    assert_eq!(list[1].expectation_type_id, Some(1));
    assert_eq!(list[1].extra.get("sortOrder"), Some(&json!(2)));
    assert_eq!(list[2].kind(), ExpectationKind::TeamRole);
    assert_eq!(list[3].description, None);
    // Serializes back to Kazi's wire names, extra fields included.
    let back = serde_json::to_value(&list[1]).unwrap();
    assert_eq!(back["expectationTypeId"], json!(1));
    assert_eq!(back["expectationName"], json!("Challenge"));
    assert_eq!(back["sortOrder"], json!(2));
}

#[tokio::test]
async fn list_accepts_an_envelope() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:expectations"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("expectations_envelope.json")),
        )
        .expect(1)
        .named("expectations in an envelope")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let list = client.expectations().list().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].expectation_name.as_deref(), Some("Autonomy"));
}

#[tokio::test]
async fn list_reads_id_when_expectation_id_is_missing_and_keeps_items_without_either() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:expectations"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "3f2b9c1e-6a4d-4e8b-9f1a-2c7d5e8b0a11", "expectationName": "Autonomy", "expectationTypeId": 1},
            {"expectationId": "7c1d0e2f-3b4a-4c5d-8e6f-9a0b1c2d3e22", "id": 17, "expectationName": "Challenge"},
            {"expectationName": "Innovator", "expectationTypeName": "Team role"}
        ])))
        .expect(1)
        .named("expectations keyed by id")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let list = client.expectations().list().await.unwrap();

    assert_eq!(list.len(), 3, "no item fails the list");
    assert_eq!(list[0].id_str(), "3f2b9c1e-6a4d-4e8b-9f1a-2c7d5e8b0a11");
    assert_eq!(list[0].kind(), ExpectationKind::WorkValue);
    assert!(!list[0].extra.contains_key("id"));
    // `expectationId` wins; the other `id` is kept as sent.
    assert_eq!(list[1].id_str(), "7c1d0e2f-3b4a-4c5d-8e6f-9a0b1c2d3e22");
    assert_eq!(list[1].extra.get("id"), Some(&json!(17)));
    assert_eq!(list[2].expectation_id, None);
    assert_eq!(list[2].expectation_name.as_deref(), Some("Innovator"));
    assert_eq!(list[2].kind(), ExpectationKind::TeamRole);
}

#[tokio::test]
async fn the_token_is_fetched_once_across_calls() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:expectations", "read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("expectations.json")))
        .expect(3)
        .named("expectations")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let clone = client.clone();
    for c in [&client, &clone, &client] {
        assert_eq!(c.expectations().list().await.unwrap().len(), 4);
    }
}

#[tokio::test]
async fn tenant_and_resource_can_be_overridden() {
    let server = MockServer::start().await;
    let token = crate::app_token(&["read:expectations"]);
    Mock::given(method("POST"))
        .and(path("/contoso.onmicrosoft.com/oauth2/token"))
        .and(form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", crate::CLIENT_ID),
            ("client_secret", crate::CLIENT_SECRET),
            ("resource", "api://kazi-other"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(crate::token_answer(&token)))
        .expect(1)
        .named("token endpoint of another tenant")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .named("expectations")
        .mount(&server)
        .await;

    let client = builder(&server)
        .tenant("contoso.onmicrosoft.com")
        .resource("api://kazi-other")
        .build()
        .unwrap();
    assert!(client.expectations().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn token_url_replaces_the_azure_endpoint() {
    let server = MockServer::start().await;
    let token = mount_token_at(&server, "/token", &["read:expectations"], 1).await;
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named("default token endpoint, unused")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .named("expectations")
        .mount(&server)
        .await;

    let client = builder(&server)
        .token_url(format!("{}/token", server.uri()))
        .build()
        .unwrap();
    client.expectations().list().await.unwrap();
}

#[tokio::test]
async fn a_missing_subscription_key_is_named() {
    let server = MockServer::start().await;
    mount_token(&server, &["read:expectations"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture("apim_missing_key.json")))
        .expect(1)
        .named("apim: missing key")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client.expectations().list().await.unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::SubscriptionKeyMissing)
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(!err.to_string().contains(crate::SUBSCRIPTION_KEY));
    assert!(client
        .hint(&err)
        .unwrap()
        .contains("set KAZI_SUBSCRIPTION_KEY"));
}

#[tokio::test]
async fn an_invalid_subscription_key_is_named() {
    let server = MockServer::start().await;
    mount_token(&server, &["read:expectations"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture("apim_invalid_key.json")))
        .expect(1)
        .named("apim: invalid key")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client.expectations().list().await.unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::SubscriptionKeyInvalid)
    );
    // Test and production keys differ: the hint names KAZI_ENV and where calls went.
    let hint = client.hint(&err).unwrap();
    assert!(hint.contains("KAZI_SUBSCRIPTION_KEY"), "{hint}");
    assert!(hint.contains("KAZI_ENV (now `test`"), "{hint}");
    assert!(hint.contains(&server.uri()), "{hint}");
    assert!(!hint.contains(crate::SUBSCRIPTION_KEY));
    let production = builder(&server)
        .environment(kazi_tagging::Environment::Production)
        .build()
        .unwrap();
    assert!(production.hint(&err).unwrap().contains("now `production`"));
}

#[tokio::test]
async fn a_token_without_read_expectations_names_the_scope() {
    let server = MockServer::start().await;
    // No refetch after the 401: the token's claims already show the scope missing.
    let token = mount_token_at(&server, &token_path(), &["read:talentscans"], 1).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture("missing_scope_expectations.json")),
        )
        .expect(1)
        .named("missing scope")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client.expectations().list().await.unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::MissingRole {
            required: "read:expectations".to_owned(),
            granted: vec!["read:talentscans".to_owned()],
        })
    );
    assert!(err.to_string().contains("read:expectations"), "{err}");
}

#[tokio::test]
async fn a_malformed_answer_reports_where() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:expectations"]).await;
    Mock::given(method("GET"))
        .and(path(expectations_path()))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"expectationId": "e1", "expectationName": "Autonomy"},
            {"expectationName": "no id", "expectationTypeId": "two"}
        ])))
        .expect(1)
        .named("malformed expectations")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client.expectations().list().await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}");
    };
    assert!(decode.path().starts_with("[1]"), "{}", decode.path());
}
