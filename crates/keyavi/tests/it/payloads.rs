//! `payloads/protect-remote/`.

use base64::Engine as _;
use keyavi::Error;
use serde_json::json;
use test_support::assertions::refused_argument;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

const FILE: &[u8] = b"%PDF-1.7 quarterly report";

fn protect_path() -> String {
    format!("{API}/payloads/protect-remote/")
}

#[tokio::test]
async fn protect_remote_sends_the_file_base64_and_decodes_the_ikd_file() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Payloads.Protect"]).await;
    Mock::given(method("POST"))
        .and(path(protect_path()))
        .and(api_headers(&token))
        .and(header(keyavi::CALLER_ID_HEADER, CALLER))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "fileName": "report.pdf",
            "fileContent": "JVBERi0xLjcgcXVhcnRlcmx5IHJlcG9ydA==",
            "policyId": "pol-1",
            "classification": "confidential",
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("protect_remote.json")))
        .expect(1)
        .named("protect-remote")
        .mount(&server)
        .await;

    let client = app_builder(&server).build().unwrap();
    let payload = client
        .payloads()
        .protect_remote(FILE, "report.pdf")
        .policy_id("pol-1")
        .field("classification", "confidential")
        .send()
        .await
        .unwrap();

    let mut expected = b"IKD1".to_vec();
    expected.extend(FILE.iter().map(|b| b ^ 0x5a));
    assert_eq!(payload.ikd_bytes(), Some(expected.as_slice()));
    assert_eq!(
        payload.payload_id.as_ref().map(|id| id.as_str()),
        Some("5b0c7e4a-2f1d-4c3b-9a8e-7d6f5e4c3b2a")
    );
    assert_eq!(payload.payload_name.as_deref(), Some("report.pdf"));
    assert_eq!(
        payload
            .owner_id
            .as_ref()
            .map(|id| id.to_string())
            .as_deref(),
        Some("e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7")
    );
    assert_eq!(payload.policy_id.as_ref().map(AsRef::as_ref), Some("pol-1"));
    let created = payload.created_on.as_ref().unwrap();
    assert_eq!(created.as_str(), "2023-05-05T15:54:22.5071276");
    assert_eq!(created.unix_seconds(), 1_683_302_062);
    assert_eq!(created.subsec_nanos(), 507_127_600);
    // Unknown fields are kept.
    assert_eq!(
        payload.extra.get("protectionLevel"),
        Some(&json!("Standard"))
    );
    // And serialize back for --json output, with the file re-encoded.
    let out = serde_json::to_value(&payload).unwrap();
    assert_eq!(
        out["fileContent"],
        base64::engine::general_purpose::STANDARD.encode(&expected)
    );
    assert_eq!(out["createdOn"], "2023-05-05T15:54:22.5071276");
    assert_eq!(payload.into_ikd_bytes(), Some(expected));
}

#[tokio::test]
async fn protect_remote_reads_alternative_field_names() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Payloads.Protect"]).await;
    Mock::given(method("POST"))
        .and(path(protect_path()))
        .and(api_headers(&token))
        .and(body_json(json!({
            "fileName": "notes.txt",
            "fileContent": "bm90ZXM=",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "p-9",
            "name": "notes.txt",
            "created_at": "2024-01-02T03:04:05Z",
            "protectedFile": "SUtEMQ",
        })))
        .expect(1)
        .named("protect-remote, other spellings")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let payload = client
        .payloads()
        .protect_remote(b"notes".to_vec(), "notes.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(payload.payload_id.as_ref().map(|p| p.as_str()), Some("p-9"));
    assert_eq!(payload.payload_name.as_deref(), Some("notes.txt"));
    assert_eq!(payload.ikd_bytes(), Some(&b"IKD1"[..]));
    assert_eq!(
        payload.created_on.as_ref().map(|t| t.offset_seconds()),
        Some(Some(0))
    );
}

#[tokio::test]
async fn invalid_arguments_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named("nothing may be sent")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();

    let result = client.payloads().protect_remote(FILE, "  ").send().await;
    assert_eq!(refused_argument(result), "file_name");
    let result = client
        .payloads()
        .protect_remote(FILE, "a.pdf")
        .field("fileContent", "AAAA")
        .send()
        .await;
    assert_eq!(refused_argument(result), "field");
}

#[tokio::test]
async fn protect_remote_is_not_retried_after_a_server_error() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Payloads.Protect"]).await;
    Mock::given(method("POST"))
        .and(path(protect_path()))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "statusCode": 500, "message": "Protection service unavailable"
        })))
        .expect(1)
        .named("protect-remote fails once, and is not repeated")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let err = client
        .payloads()
        .protect_remote(FILE, "report.pdf")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(
        err.to_string().contains("Protection service unavailable"),
        "{err}"
    );
}

#[tokio::test]
async fn a_file_that_is_not_base64_is_a_decode_error() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Payloads.Protect"]).await;
    Mock::given(method("POST"))
        .and(path(protect_path()))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"payloadId": "p", "fileContent": "***not base64***"})),
        )
        .expect(1)
        .named("protect-remote, broken file")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let err = client
        .payloads()
        .protect_remote(FILE, "report.pdf")
        .send()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert!(decode.message().contains("fileContent"), "{decode}");
}

/// A protect-remote request shows in `Debug` the file's name and size, never its
/// content.
#[tokio::test]
async fn a_protect_remote_request_shows_the_file_name_and_size_not_the_content() {
    let server = MockServer::start().await;
    let client = app_builder(&server).build().unwrap();
    let request = client
        .payloads()
        .protect_remote(b"quarterly-figures-secret".to_vec(), "report.pdf");
    let shown = format!("{request:?}");
    for part in ["ProtectRemoteRequest", "report.pdf", "file_bytes: 24"] {
        assert!(shown.contains(part), "{part}: {shown}");
    }
    assert!(!shown.contains("quarterly"), "{shown}");
    assert!(!shown.contains("113, 117, 97"), "{shown}");
}
