//! `users`.

use kaisa::{Error, UserFields};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

#[tokio::test]
async fn list_create_update_delete_and_the_token_stays_hidden() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("users")))
        .and(api_headers(&token))
        .and(exact_query(&[("customer_id", "407382")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [
            {"user_id": "77", "name": "Eva Ek", "write_access": "1", "receive_monthly_report": "2",
             "customer_id": "407382", "token": null},
            {"user_id": 78, "name": "Olle Berg", "write_access": 0, "receive_monthly_report": 0,
             "customer_id": 407382, "token": "act-5d1e-pending", "email": "olle@acme-ror.example"}
        ]})))
        .expect(1)
        .named("users")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api_path("users")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("email", "anna@acme-ror.example"),
            ("customer_id", "407382"),
            ("name", "Anna Lind"),
            ("write_access", "1"),
            ("receive_monthly_report", "1"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [
            {"user_id": "79", "name": "Anna Lind", "write_access": "1",
             "receive_monthly_report": "1", "customer_id": "407382", "token": "act-9c2b-new"}
        ]})))
        .expect(1)
        .named("create user")
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(api_path("users/79")))
        .and(api_headers(&token))
        .and(form_body(&[("write_access", "0")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [
            {"user_id": "79", "write_access": "0", "customer_id": "407382", "token": null}
        ]})))
        .expect(1)
        .named("update user")
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(api_path("users/79")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("delete user")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let users = client.users().list().customer_id(407_382).await.unwrap();
    assert_eq!(users.len(), 2);
    assert!(users[0].is_activated());
    assert_eq!(users[0].write_access, Some(true));
    assert_eq!(users[0].receive_monthly_report, Some(2));
    assert_eq!(users[1].user_id.as_deref(), Some("78"));
    assert!(!users[1].is_activated());
    assert_eq!(
        users[1].token.as_ref().map(|t| t.expose()),
        Some("act-5d1e-pending")
    );
    assert_eq!(
        users[1].extra.get("email"),
        Some(&json!("olle@acme-ror.example"))
    );
    assert!(!format!("{users:?}").contains("act-5d1e"));

    let created = client
        .users()
        .create(
            "407382",
            "anna@acme-ror.example",
            UserFields::new()
                .name("Anna Lind")
                .write_access(true)
                .receive_monthly_report(1),
        )
        .await
        .unwrap();
    assert_eq!(created.user_id.as_deref(), Some("79"));
    assert!(!created.is_activated());
    let updated = client
        .users()
        .update("79", UserFields::new().write_access(false))
        .await
        .unwrap();
    assert_eq!(updated.write_access, Some(false));
    client.users().delete("79").await.unwrap();

    let refused = |err: Error, name: &str| {
        assert!(
            matches!(&err, Error::InvalidArgument(e) if e.name() == name),
            "{name}: {err}"
        );
    };
    refused(
        client
            .users()
            .create("407382", "not-an-email", UserFields::new())
            .await
            .unwrap_err(),
        "email",
    );
    refused(
        client
            .users()
            .create(
                "407382",
                format!("{}@x.example", "a".repeat(60)),
                UserFields::new(),
            )
            .await
            .unwrap_err(),
        "email",
    );
    refused(
        client
            .users()
            .update("79", UserFields::new())
            .await
            .unwrap_err(),
        "update",
    );
    refused(
        client
            .users()
            .update("79", UserFields::new().receive_monthly_report(3))
            .await
            .unwrap_err(),
        "receive_monthly_report",
    );
    refused(client.users().delete("..").await.unwrap_err(), "user_id");
}

#[tokio::test]
async fn an_email_of_sixty_characters_is_sent_and_one_of_sixty_one_is_refused() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    let longest = format!("{}@x.example", "a".repeat(50));
    assert_eq!(longest.chars().count(), kaisa::models::MAX_USER_EMAIL_CHARS);
    Mock::given(method("POST"))
        .and(path(api_path("users")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("email", longest.as_str()),
            ("customer_id", "407382"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [
            {"user_id": "80", "customer_id": "407382", "token": "act-1f0a-new"}
        ]})))
        .expect(1)
        .named("create user")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let created = client
        .users()
        .create("407382", longest.as_str(), UserFields::new())
        .await
        .unwrap();
    assert_eq!(created.user_id.as_deref(), Some("80"));
    let err = client
        .users()
        .create("407382", format!("a{longest}"), UserFields::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument(e) if e.name() == "email"),
        "{err}"
    );
    assert!(err.to_string().contains("61 characters"), "{err}");
}
