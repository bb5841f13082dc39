//! Kazi API: gateway checks, roles and talent-scan match pagination.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;
use vendor_sandbox::{Faults, Vendor};

use crate::support::*;

#[tokio::test]
async fn expectations_are_listed() {
    let sandbox = start().await;
    let token = kazi_token(&sandbox).await;
    let (status, body) = kazi_get(&sandbox, &token, "/tagging/v2/expectations").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body.as_array().expect("array");
    assert_eq!(items.len(), 12);
    let work_values = items.iter().filter(|e| e["expectationTypeId"] == 1).count();
    assert_eq!(work_values, 6);
    assert!(items
        .iter()
        .filter(|e| e["expectationTypeId"] == 2)
        .all(|e| e["expectationTypeName"] == "Team role"));
    assert_eq!(items[0]["expectationId"].as_str().map(str::len), Some(36));
}

#[tokio::test]
async fn subscription_key_is_required_and_checked() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let token = kazi_token(&sandbox).await;
    let url = format!("{}/tagging/v2/expectations", kazi.base_url);

    let response = http().get(&url).bearer_auth(&token).send().await.unwrap();
    let (status, body) = json(response).await;
    assert_apim(status, &body, 401, MISSING_KEY);

    let response = http()
        .get(&url)
        .bearer_auth(&token)
        .header("Ocp-Apim-Subscription-Key", "0000")
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_apim(status, &body, 401, INVALID_KEY);
}

#[tokio::test]
async fn bearer_token_is_required_and_verified() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let url = format!("{}/tagging/v2/expectations", kazi.base_url);

    let response = http()
        .get(&url)
        .header("Ocp-Apim-Subscription-Key", &kazi.subscription_key)
        .send()
        .await
        .unwrap();
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\""),
        "{challenge}"
    );
    let (status, body) = json(response).await;
    assert_apim(status, &body, 401, INVALID_TOKEN);

    // A token whose signature does not match.
    let token = kazi_token(&sandbox).await;
    let forged = format!("{}x", &token[..token.len() - 1]);
    let (status, body) = kazi_get(&sandbox, &forged, "/tagging/v2/expectations").await;
    assert_apim(status, &body, 401, INVALID_TOKEN);

    // A valid token for another vendor's API.
    let okq8 = okq8_token(&sandbox, &sandbox.okq8().scope).await;
    let (status, body) = kazi_get(&sandbox, &okq8, "/tagging/v2/expectations").await;
    assert_apim(status, &body, 401, INVALID_TOKEN);
}

#[tokio::test]
async fn expired_tokens_are_rejected() {
    let sandbox = start().await;
    sandbox.set_faults(Faults::default().with_token_lifetime_secs(0));
    let issued_expired = kazi_token(&sandbox).await;
    let kazi = sandbox.kazi();
    let response = http()
        .get(format!("{}/tagging/v2/expectations", kazi.base_url))
        .header("Ocp-Apim-Subscription-Key", &kazi.subscription_key)
        .bearer_auth(&issued_expired)
        .send()
        .await
        .unwrap();
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("expired"), "{challenge}");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let minted = sandbox.mint_token(Vendor::Kazi, -60);
    let (status, body) = kazi_get(&sandbox, &minted, "/tagging/v2/expectations").await;
    assert_apim(status, &body, 401, INVALID_TOKEN);
    // ...while a minted valid token passes.
    let minted = sandbox.mint_token(Vendor::Kazi, 60);
    let (status, _) = kazi_get(&sandbox, &minted, "/tagging/v2/expectations").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn missing_role_is_a_401_naming_the_scope() {
    let sandbox = start().await;
    let kazi = sandbox.kazi();
    let token = kazi_token_for(
        &sandbox,
        &kazi.limited_client_id,
        &kazi.limited_client_secret,
    )
    .await;
    let (status, body) = kazi_get(&sandbox, &token, "/tagging/v2/expectations").await;
    assert_apim(
        status,
        &body,
        401,
        "Missing required scope read:expectations",
    );

    let path = format!(
        "/tagging/v2/bulk/talentscans/{}/matches",
        kazi.known_talent_scan_id
    );
    let (status, _) = kazi_get(&sandbox, &token, &path).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn matches_paginate_over_three_pages() {
    let sandbox = start().await;
    let token = kazi_token(&sandbox).await;
    let id = sandbox.kazi().known_talent_scan_id;
    let mut seen = HashSet::new();
    let mut sizes = Vec::new();
    for page in 1..=4 {
        let (status, body) = kazi_get(
            &sandbox,
            &token,
            &format!("/tagging/v2/bulk/talentscans/{id}/matches?page={page}&pageSize=20"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let pagination = &body["pagination"];
        assert_eq!(pagination["totalAmount"], 45);
        assert_eq!(pagination["amountOfPages"], 3);
        assert_eq!(pagination["currentPage"], page);
        assert_eq!(pagination["pageSize"], 20);
        assert_eq!(body["talentScan"]["id"], id.as_str());
        let matches = body["matches"].as_array().unwrap();
        sizes.push(matches.len());
        if !matches.is_empty() {
            assert_eq!(pagination["firstRowOnPage"], (page - 1) * 20 + 1);
            assert_eq!(pagination["lastRowOnPage"], (page - 1) * 20 + matches.len());
        }
        for m in matches {
            assert!(seen.insert(m["jobScan"]["id"].as_str().unwrap().to_owned()));
            assert!(m["expectations"][0]["expectationName"].is_string());
        }
        // Default sort is -match.
        let scores: Vec<f64> = matches
            .iter()
            .map(|m| m["match"].as_f64().unwrap())
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    }
    assert_eq!(sizes, [20, 20, 5, 0]);
}

#[tokio::test]
async fn matches_search_sort_and_validation() {
    let sandbox = start().await;
    let token = kazi_token(&sandbox).await;
    let id = sandbox.kazi().known_talent_scan_id;
    let base = format!("/tagging/v2/bulk/talentscans/{id}/matches");

    let (status, body) = kazi_get(&sandbox, &token, &format!("{base}?search=ENGINEER")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["pagination"]["totalAmount"], 6);
    assert!(body["matches"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["jobScan"]["title"].as_str().unwrap().contains("Engineer")));

    let (_, body) = kazi_get(
        &sandbox,
        &token,
        &format!("{base}?sort=work-value&pageSize=100"),
    )
    .await;
    let values: Vec<f64> = body["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subtotalWorkValues"].as_f64().unwrap())
        .collect();
    assert_eq!(values.len(), 45);
    assert!(values.windows(2).all(|w| w[0] <= w[1]));

    for bad in ["pageSize=0", "pageSize=101", "page=0", "sort=salary"] {
        let (status, body): (StatusCode, Value) =
            kazi_get(&sandbox, &token, &format!("{base}?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["status"], 400);
    }

    let (status, _) = kazi_get(
        &sandbox,
        &token,
        "/tagging/v2/bulk/talentscans/00000000-0000-4000-8000-000000000000/matches",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
