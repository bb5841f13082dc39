//! The Identifying API's "Create a talent scan" (`write:talentscans`).

use kazi_tagging::api::CREATE_TALENT_SCAN_PATH;
use kazi_tagging::{AuthErrorKind, NewTalentScan};
use serde_json::json;
use test_support::assertions::refused_argument;
use test_support::matchers::{exact_query, json_body};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{api_headers, builder, mount_token, mount_token_at, token_path, API, TALENT_SCAN};

const DOMAIN: &str = "c0a8012e-0000-4000-8000-000000000001";

fn create_path() -> String {
    format!("{API}{CREATE_TALENT_SCAN_PATH}")
}

fn lena() -> NewTalentScan {
    NewTalentScan::new()
        .ats_client_id("ats-17")
        .cluster_id("7e1f0c2d-0000-4000-8000-00000000000a")
        .domain_id(DOMAIN)
        .domain_id(" ")
        .email("lena.peeters@example.org")
        .external_ref("CAND-9")
        .first_name("Lena")
        .last_name("Peeters")
        .nationality("BE")
        .phone("+32 470 00 00 01")
        .school_id("5c400000-0000-4000-8000-000000000003")
}

#[tokio::test]
async fn create_posts_the_documented_body_and_decodes_the_scan() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["write:talentscans"]).await;
    Mock::given(method("POST"))
        .and(path(create_path()))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .and(json_body(json!({
            "atsClientId": "ats-17",
            "clusterIds": ["7e1f0c2d-0000-4000-8000-00000000000a"],
            "domainIds": [DOMAIN],
            "email": "lena.peeters@example.org",
            "externalRef": "CAND-9",
            "firstName": "Lena",
            "lastName": "Peeters",
            "nationality": "BE",
            "phone": "+32 470 00 00 01",
            "schoolIds": ["5c400000-0000-4000-8000-000000000003"]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "clientId": crate::CLIENT_ID,
            "createdOn": "2024-05-06T07:08:09Z",
            "id": TALENT_SCAN,
            "atsClientId": "ats-17",
            "clusterIds": ["7e1f0c2d-0000-4000-8000-00000000000a"],
            "domainIds": [DOMAIN],
            "email": "lena.peeters@example.org",
            "externalRef": "CAND-9",
            "firstName": "Lena",
            "lastName": "Peeters",
            "nationality": "BE",
            "phone": "+32 470 00 00 01",
            "schoolIds": ["5c400000-0000-4000-8000-000000000003"],
            "reportUrl": "https://report.example/abc"
        })))
        .expect(1)
        .named("create a talent scan")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let answer = client
        .talent_scans()
        .create(lena())
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    let scan = answer.value();
    assert_eq!(scan.id.as_str(), TALENT_SCAN);
    assert_eq!(scan.client_id.as_deref(), Some(crate::CLIENT_ID));
    assert_eq!(scan.created_on.as_deref(), Some("2024-05-06T07:08:09Z"));
    assert_eq!(scan.first_name.as_deref(), Some("Lena"));
    assert_eq!(scan.domain_ids, [DOMAIN]);
    assert_eq!(scan.school_ids, ["5c400000-0000-4000-8000-000000000003"]);
    assert!(scan.expectations.is_empty());
    assert_eq!(
        scan.extra.get("reportUrl"),
        Some(&json!("https://report.example/abc"))
    );
}

#[tokio::test]
async fn an_empty_talent_posts_an_empty_object_and_a_failed_post_is_not_repeated() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["write:talentscans"]).await;
    Mock::given(method("POST"))
        .and(path(create_path()))
        .and(api_headers(&token))
        .and(json_body(json!({})))
        // 500 may come after the scan was stored: a POST is not sent twice.
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .named("create, a server error")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .talent_scans()
        .create(NewTalentScan::new().first_name("  "))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn create_refuses_a_bad_email_before_sending_and_names_a_missing_scope() {
    let server = MockServer::start().await;
    let token = mount_token_at(&server, &token_path(), &["read:talentscans"], 1).await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/identifying/v3/talentscans")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401,
            "message": "Missing required scope write:talentscans"
        })))
        .expect(1)
        .named("create at the portal's path: missing scope")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    assert_eq!(
        refused_argument(
            client
                .talent_scans()
                .create(NewTalentScan::new().email("not-an-address"))
                .await
        ),
        "email"
    );
    let err = client
        .talent_scans()
        .create(lena())
        .path("/identifying/v3/talentscans")
        .await
        .unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::MissingRole {
            required: "write:talentscans".to_owned(),
            granted: vec!["read:talentscans".to_owned()],
        })
    );
}

/// The replacement path of a create must be absolute and hold no query or fragment:
/// each is refused on its own, before the scan is sent.
#[tokio::test]
async fn a_create_path_is_refused_when_relative_or_with_a_query() {
    let server = test_support::paths::server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    for bad in [
        "identifying/v2/talentscans",
        "/identifying/v2/talentscans?x=1",
        "/identifying/v2/talentscans#top",
    ] {
        assert_eq!(
            refused_argument(client.talent_scans().create(lena()).path(bad).await),
            "path",
            "{bad}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
