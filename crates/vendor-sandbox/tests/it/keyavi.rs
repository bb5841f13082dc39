//! Keyavi API: caller-id rule, protect-remote and audit logs.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};
use vendor_sandbox::Sandbox;

use crate::support::*;

fn get(sandbox: &Sandbox, token: &str, path: &str) -> RequestBuilder {
    let k = sandbox.keyavi();
    http()
        .get(format!("{}{path}", k.base_url))
        .header("Ocp-Apim-Subscription-Key", &k.subscription_key)
        .bearer_auth(token)
}

#[tokio::test]
async fn app_callers_need_a_caller_id_and_users_do_not() {
    let sandbox = start().await;
    let app_token = keyavi_app_token(&sandbox).await;
    let (status, body) = json(
        get(&sandbox, &app_token, "logs/payload")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_apim(
        status,
        &body,
        400,
        "x-api-caller-id header is required for application callers",
    );

    let caller = sandbox.keyavi().caller_id;
    let (status, body) = json(
        get(&sandbox, &app_token, "logs/payload")
            .header("x-api-caller-id", &caller)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let user_token = keyavi_user_token(&sandbox).await;
    let (status, body) = json(
        get(&sandbox, &user_token, "logs/payload")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn missing_key_comes_before_the_token_check() {
    let sandbox = start().await;
    let k = sandbox.keyavi();
    let response = http()
        .get(format!("{}logs/payload", k.base_url))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_apim(status, &body, 401, MISSING_KEY);
}

#[tokio::test]
async fn logs_paginate_and_filter() {
    let sandbox = start().await;
    let token = keyavi_user_token(&sandbox).await;
    let mut sizes = Vec::new();
    for page in 1..=3 {
        let (status, body) = json(
            get(&sandbox, &token, &format!("logs/full-payload?page={page}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["pagination"]["totalRecords"], 45);
        assert_eq!(body["pagination"]["pageSize"], 20);
        assert_eq!(body["pagination"]["page"], page);
        let data = body["data"].as_array().unwrap();
        assert_eq!(body["pagination"]["itemsInPage"], data.len());
        sizes.push(data.len());
        let item = &data[0];
        assert!(item["userEmailAddress"].as_str().unwrap().contains('@'));
        assert!(item["userNetwork"]["ipAddress"].is_string());
        let timestamp = item["logTimestamp"].as_str().unwrap();
        // 2023-05-05T15:54:22.5071276: seven fractional digits, no offset.
        assert_eq!(timestamp.len(), 27, "{timestamp}");
        assert_eq!(timestamp.split('.').nth(1).map(str::len), Some(7));
    }
    assert_eq!(sizes, [20, 20, 5]);
    let (_, first) = json(
        get(&sandbox, &token, "logs/full-payload")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        first["data"][0]["logTimestamp"],
        "2023-05-05T15:54:22.5071276"
    );

    let (_, body) = json(
        get(
            &sandbox,
            &token,
            "logs/payload?actionAttempted=Decrypt&result=AccessDenied",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(body["pagination"]["totalRecords"], 13);
    let data = body["data"].as_array().unwrap();
    assert!(data
        .iter()
        .all(|i| i["actionAttempted"] == "Decrypt" && i["result"] == "AccessDenied"));
    // The PII-free variant omits names, emails and the network.
    for field in [
        "userEmailAddress",
        "userLastNameFirstName",
        "userNetwork",
        "currentOwnerEmailAddress",
    ] {
        assert!(data[0].get(field).is_none(), "{field} present");
    }
    assert!(data[0]["logId"].is_u64());

    let (status, _) = json(
        get(&sandbox, &token, "logs/payload?page=0")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn protect_remote_returns_fake_ikd_bytes() {
    let sandbox = start().await;
    let k = sandbox.keyavi();
    let token = keyavi_app_token(&sandbox).await;
    let content = b"quarterly numbers";
    // The documented path has a trailing slash; the base URL ends with one too.
    let response = http()
        .post(format!("{}payloads/protect-remote/", k.base_url))
        .header("Ocp-Apim-Subscription-Key", &k.subscription_key)
        .header("x-api-caller-id", &k.caller_id)
        .bearer_auth(&token)
        .json(&json!({ "fileName": "report.pdf", "fileContent": STANDARD.encode(content) }))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["payloadName"], "report.pdf");
    assert_eq!(body["payloadId"].as_str().map(str::len), Some(36));
    assert_eq!(body["ownerId"], claims(&token)["oid"]);
    let created: &str = body["createdOn"].as_str().unwrap();
    assert_eq!(
        created.split('.').nth(1).map(str::len),
        Some(7),
        "{created}"
    );
    let ikd = STANDARD
        .decode(body["fileContent"].as_str().unwrap())
        .unwrap();
    assert_eq!(&ikd[..4], b"IKD1");
    assert_eq!(ikd.len(), content.len() + 4);
    let restored: Vec<u8> = ikd[4..].iter().map(|b| b ^ 0x5a).collect();
    assert_eq!(restored, content);

    let response = http()
        .post(format!("{}payloads/protect-remote/", k.base_url))
        .header("Ocp-Apim-Subscription-Key", &k.subscription_key)
        .header("x-api-caller-id", &k.caller_id)
        .bearer_auth(&token)
        .json(&json!({ "fileName": "x.bin", "fileContent": "%%%not base64" }))
        .send()
        .await
        .unwrap();
    let (status, body): (StatusCode, Value) = json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
