//! Customer sub-resources: voicemail greetings, callbacks, blacklist.

use kaisa::{Error, KaisaDateTime, NewCallback};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

fn refused(err: &Error, name: &str) -> bool {
    matches!(err, Error::InvalidArgument(e) if e.name() == name)
}

#[tokio::test]
async fn greetings_list_one_create_rename_delete() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    let greeting = |id: &str, name: &str| {
        json!({"vm_greeting_id": id, "name": name, "timestamp": "2024-01-10 08:00:00",
               "datalength": "20480", "locked": "0", "used_by": ["5501001", 5501002],
               "customer_id": "407382"})
    };
    Mock::given(method("GET"))
        .and(path(api_path("customers/voicemail_greetings")))
        .and(api_headers(&token))
        .and(exact_query(&[("customer_id", "407382")]))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"voicemail_greetings": [
                {"vm_greeting_id": "1", "name": "Standard", "locked": "1", "customer_id": null,
                 "used_by": [], "datalength": "10240", "timestamp": "2020-01-01 00:00:00"},
                greeting("41", "Lunch")
            ]})),
        )
        .expect(1)
        .named("greetings")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("customers/voicemail_greetings")))
        .and(api_headers(&token))
        .and(exact_query(&[
            ("customer_id", "407382"),
            ("vm_greeting_id", "41"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"vm_greeting_id": 41, "name": "Lunch", "sounddata": "SUQzBAA="}
        ])))
        .expect(1)
        .named("one greeting, as a bare array")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api_path("customers/voicemail_greetings")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("customer_id", "407382"),
            ("name", "Closed for lunch"),
        ]))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"voicemail_greetings": [{
            "vm_greeting_id": "42", "name": "Closed for lunch", "record_number": "+46812300000",
            "record_pin": 4711, "locked": 0, "used_by": null, "customer_id": 407382}]})),
        )
        .expect(1)
        .named("create greeting")
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(api_path("customers/voicemail_greetings")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("customer_id", "407382"),
            ("vm_greeting_id", "42"),
            ("name", "Closed today"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"vm_greeting_id": "42", "name": "Closed today", "customer_id": "407382"}),
        ))
        .expect(1)
        .named("rename greeting, one object")
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(api_path("customers/voicemail_greetings")))
        .and(api_headers(&token))
        .and(exact_query(&[
            ("customer_id", "407382"),
            ("vm_greeting_id", "42"),
        ]))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("delete greeting, empty answer")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let greetings = client.customers().voicemail_greetings();
    let list = greetings.list("407382").await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].locked, Some(true));
    assert_eq!(list[0].customer_id, None, "a system greeting");
    assert_eq!(list[1].vm_greeting_id.as_deref(), Some("41"));
    assert_eq!(list[1].datalength, Some(20_480));
    let used: Vec<&str> = list[1].used_by.iter().map(|s| s.as_str()).collect();
    assert_eq!(used, ["5501001", "5501002"]);
    assert_eq!(
        list[1].timestamp,
        Some(KaisaDateTime::new(2024, 1, 10, 8, 0, 0).unwrap())
    );
    let one = greetings.list(407_382).vm_greeting_id("41").await.unwrap();
    assert_eq!(one[0].sounddata.as_deref(), Some("SUQzBAA="));
    assert_eq!(one[0].vm_greeting_id.as_deref(), Some("41"));

    let created = greetings
        .create("407382", "Closed for lunch")
        .await
        .unwrap();
    assert_eq!(created.record_number.as_deref(), Some("+46812300000"));
    assert_eq!(created.record_pin.as_deref(), Some("4711"));
    assert!(created.used_by.is_empty());
    let renamed = greetings
        .rename("407382", "42", "Closed today")
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(renamed.value().name.as_deref(), Some("Closed today"));
    greetings.delete("407382", "42").await.unwrap();

    for (err, name) in [
        (greetings.list("").await.unwrap_err(), "customer_id"),
        (greetings.create("1", " ").await.unwrap_err(), "name"),
        (
            greetings.rename("1", "", "x").await.unwrap_err(),
            "vm_greeting_id",
        ),
        (
            greetings.delete("1", "").await.unwrap_err(),
            "vm_greeting_id",
        ),
    ] {
        assert!(refused(&err, name), "{name}: {err}");
    }
}

#[tokio::test]
async fn callbacks_list_and_schedule() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("customers/callbacks")))
        .and(api_headers(&token))
        .and(exact_query(&[
            ("customer_id", "407382"),
            ("from_date", "2024-03-04 00:00:00"),
            ("to_date", "2024-03-11 00:00:00"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"callbacks": [{
            "id": "9001", "customer_id": "407382", "agent_nr": "+46812345678",
            "caller_id": "+46812345678", "scheduled": "2024-03-04 09:00:00", "retries": "2",
            "retry_interval": "600", "completed": "1", "cdr_id": "7000123", "outcome": "answered"
        }]})))
        .expect(1)
        .named("callbacks")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api_path("customers/callbacks")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("customer_id", "407382"),
            ("agent_nr", "+46812345678"),
            ("requester_nr", "+46701234567"),
            ("scheduled", "2024-03-05 10:30:00"),
            ("retries", "2"),
            ("retry_interval", "600"),
            ("caller_id", "+46812345679"),
            ("custom_dynamic", r#"{"lead":"L-17"}"#),
            ("call_recording", "1"),
        ]))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"callbacks": [{
                "id": 9002, "customer_id": 407382, "agent_nr": "+46812345678",
                "scheduled": "2024-03-05 10:30:00", "retries": 2, "retry_interval": 600,
                "completed": 0, "cdr_id": null
            }]})),
        )
        .expect(1)
        .named("schedule callback")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let callbacks = client.customers().callbacks();
    let list = callbacks
        .list("407382")
        .from(KaisaDateTime::date(2024, 3, 4).unwrap())
        .to(KaisaDateTime::date(2024, 3, 11).unwrap())
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let done = &list[0];
    assert_eq!(done.id.as_deref(), Some("9001"));
    assert_eq!(done.retries, Some(2));
    assert_eq!(done.retry_interval, Some(600));
    assert_eq!(done.completed, Some(true));
    assert_eq!(done.cdr_id.as_ref().map(|c| c.as_str()), Some("7000123"));
    assert_eq!(
        done.scheduled,
        Some(KaisaDateTime::new(2024, 3, 4, 9, 0, 0).unwrap())
    );
    assert_eq!(done.extra.get("outcome"), Some(&json!("answered")));

    let mut custom = serde_json::Map::new();
    custom.insert("lead".into(), json!("L-17"));
    let created = callbacks
        .create(
            NewCallback::new("407382", "+46812345678", "+46701234567")
                .scheduled(KaisaDateTime::new(2024, 3, 5, 10, 30, 0).unwrap())
                .retries(2)
                .retry_interval(600)
                .caller_id("+46812345679")
                .custom_dynamic(custom)
                .call_recording(true),
        )
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("9002"));
    assert_eq!(created.completed, Some(false));
    assert_eq!(created.cdr_id, None);

    for (callback, name) in [
        (
            NewCallback::new("1", "0812345678", "+46701234567"),
            "agent_nr",
        ),
        (
            NewCallback::new("1", "+46812345678", "+46 70"),
            "requester_nr",
        ),
        (
            NewCallback::new("", "+46812345678", "+46701234567"),
            "customer_id",
        ),
    ] {
        let err = callbacks.create(callback).await.unwrap_err();
        assert!(refused(&err, name), "{name}: {err}");
    }
    let err = callbacks
        .list("1")
        .from(KaisaDateTime::date(2024, 3, 2).unwrap())
        .to(KaisaDateTime::date(2024, 3, 1).unwrap())
        .await
        .unwrap_err();
    assert!(refused(&err, "from"), "{err}");
}

#[tokio::test]
async fn blacklist_get_and_replace() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("customers/blacklist")))
        .and(api_headers(&token))
        .and(exact_query(&[("customer_id", "407382")]))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"blacklist": ["+46701234567", "+46709876543"]})),
        )
        .expect(1)
        .named("blacklist")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path("customers/blacklist")))
        .and(api_headers(&token))
        .and(exact_query(&[("customer_id", "407383")]))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"customers": [{"blacklist": ["+4631123456"]}]})),
        )
        .expect(1)
        .named("blacklist, one level down")
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(api_path("customers/blacklist")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("customer_id", "407382"),
            ("phonenrs", r#"["+46701234567","+46700000000"]"#),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"blacklist": []})))
        .expect(1)
        .named("replace blacklist")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let blacklist = client.customers().blacklist();
    assert_eq!(
        blacklist.get("407382").await.unwrap(),
        ["+46701234567", "+46709876543"]
    );
    assert_eq!(blacklist.get(407_383).await.unwrap(), ["+4631123456"]);
    blacklist
        .set("407382", ["+46701234567", "+46700000000"])
        .await
        .unwrap();
    let err = blacklist.set("407382", ["0701234567"]).await.unwrap_err();
    assert!(refused(&err, "phonenrs"), "{err}");
}

#[tokio::test]
async fn campaigns_of_a_customer_and_one() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(api_path("customers/campaigns")))
        .and(api_headers(&token))
        .and(exact_query(&[("customer_id", "407382"), ("campaign_id", "9001")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"campaigns": [{
            "campaign_id": "9001", "name": "Spring 2024", "partner_campaign_id": "ACME-SPRING",
            "email": "marketing@acme-ror.example", "smsnumber": "", "timestamp": "2024-02-01 08:00:00",
            "expire": "0000-00-00 00:00:00", "pricing_model_id": "standard",
            "notify_on_missed_call": "1", "notify_on_answered_call": "0", "notify_on_new_voicemail": "1",
            "vm_divert_all": "0", "vm_divert_busy": "1", "vm_divert_noanswer": "1",
            "call_recording": "1", "sources": ["5501001"], "vm_greeting_id": "41", "state": "0",
            "budget": "1200"
        }]})))
        .expect(1)
        .named("one campaign")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let campaigns = client
        .customers()
        .campaigns()
        .list("407382")
        .campaign_id("9001")
        .send_with_response()
        .await
        .unwrap();
    let spring = &campaigns.value()[0];
    assert_eq!(spring.campaign_id.as_deref(), Some("9001"));
    assert_eq!(spring.name.as_deref(), Some("Spring 2024"));
    assert_eq!(spring.partner_campaign_id.as_deref(), Some("ACME-SPRING"));
    assert_eq!(spring.smsnumber, None);
    assert_eq!(spring.expire, None, "a zero date reads as absent");
    assert_eq!(spring.notify_on_missed_call, Some(true));
    assert_eq!(spring.notify_on_answered_call, Some(false));
    assert_eq!(spring.call_recording, Some(true));
    assert_eq!(spring.sources, [json!("5501001")]);
    assert_eq!(spring.vm_greeting_id.as_deref(), Some("41"));
    assert_eq!(spring.state, Some(0));
    assert_eq!(spring.extra.get("budget"), Some(&json!("1200")));
    let err = client.customers().campaigns().list(" ").await.unwrap_err();
    assert!(refused(&err, "customer_id"), "{err}");
}

#[tokio::test]
async fn a_campaign_is_created_with_its_documented_parameters() {
    let server = MockServer::start().await;
    let token = mount_token(&server).await;
    Mock::given(method("POST"))
        .and(path(api_path("customers/campaigns")))
        .and(api_headers(&token))
        .and(form_body(&[
            ("customer_id", "407382"),
            ("pricing_model_id", "standard"),
            ("name", "Autumn 2024"),
            ("email", "marketing@acme-ror.example"),
            ("partner_campaign_id", "ACME-AUTUMN"),
            ("call_recording", "1"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"campaigns": [{
            "campaign_id": "9003", "name": "Autumn 2024", "pricing_model_id": "standard",
            "partner_campaign_id": "ACME-AUTUMN", "call_recording": "1", "sources": [], "state": "0"
        }]})))
        .expect(1)
        .named("create campaign")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let campaigns = client.customers().campaigns();
    let created = campaigns
        .create(
            kaisa::NewCampaign::new("407382", "standard", "Autumn 2024")
                .email("marketing@acme-ror.example")
                .partner_campaign_id("ACME-AUTUMN")
                .param("call_recording", "1"),
        )
        .await
        .unwrap();
    assert_eq!(created.campaign_id.as_deref(), Some("9003"));
    assert_eq!(created.call_recording, Some(true));
    assert!(created.sources.is_empty());
    for (campaign, name) in [
        (kaisa::NewCampaign::new("1", " ", "x"), "pricing_model_id"),
        (kaisa::NewCampaign::new("1", "standard", ""), "name"),
        (
            kaisa::NewCampaign::new("1", "standard", "x").param("name", "y"),
            "param",
        ),
    ] {
        let err = campaigns.create(campaign).await.unwrap_err();
        assert!(refused(&err, name), "{name}: {err}");
    }
}
