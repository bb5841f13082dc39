//! Kaisa API: ping, customers, sources and CDR paging.

use reqwest::{RequestBuilder, StatusCode};
use serde_json::json;
use vendor_sandbox::Sandbox;

use crate::support::*;

fn url(sandbox: &Sandbox, path: &str) -> String {
    let k = sandbox.kaisa();
    format!("{}/{}/{path}", k.base_url, k.api_version)
}

fn get(sandbox: &Sandbox, token: &str, path: &str) -> RequestBuilder {
    http().get(url(sandbox, path)).bearer_auth(token)
}

#[tokio::test]
async fn ping_needs_a_kaisa_token() {
    let sandbox = start().await;
    let token = kaisa_token(&sandbox).await;
    let (status, body) = json(
        get(&sandbox, &token, "miscellaneous/ping")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "ping": "ok" }));

    let response = http()
        .get(url(&sandbox, "miscellaneous/ping"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Any version segment of the documented forms is served...
    let v3 = format!("{}/v3/miscellaneous/ping", sandbox.kaisa().base_url);
    let response = http().get(v3).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // ...others are not.
    let bad = format!("{}/latest/miscellaneous/ping", sandbox.kaisa().base_url);
    let response = http().get(bad).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn customers_are_listed_created_and_updated() {
    let sandbox = start().await;
    let token = kaisa_token(&sandbox).await;
    let (status, body) = json(get(&sandbox, &token, "customers").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let customers = body["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 3);
    assert_eq!(customers[0]["customer_id"], "407382");
    assert!(customers[0]["receive_monthly_report"].is_string());

    let (_, body) = json(
        get(&sandbox, &token, "customers?custnr=BW-2040")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["customers"].as_array().unwrap().len(), 1);

    let post = |form: Vec<(&'static str, String)>| {
        http()
            .post(url(&sandbox, "customers"))
            .bearer_auth(&token)
            .form(&form)
            .send()
    };
    let (status, body) = json(
        post(vec![
            ("name", "Delta Bygg".into()),
            ("custnr", "DB-1".into()),
        ])
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let created = &body["customers"][0];
    assert_eq!(created["name"], "Delta Bygg");
    let id = created["customer_id"].as_str().unwrap().to_owned();
    assert!(id.parse::<u64>().is_ok());

    let (status, body) = json(
        post(vec![("name", "x".repeat(61)), ("custnr", "DB-2".into())])
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = json(
        post(vec![("name", "ok".into()), ("custnr", "9".repeat(46))])
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = json(post(vec![("name", "no custnr".into())]).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let response = http()
        .post(url(&sandbox, "customers"))
        .bearer_auth(&token)
        .json(&json!({ "name": "json", "custnr": "J" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let (status, body) = json(
        http()
            .put(url(&sandbox, &format!("customers/{id}")))
            .bearer_auth(&token)
            .form(&[("email", "info@delta.example")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["customers"][0]["email"], "info@delta.example");
    assert_eq!(body["customers"][0]["name"], "Delta Bygg");

    let response = http()
        .put(url(&sandbox, "customers/1"))
        .bearer_auth(&token)
        .form(&[("name", "nobody")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sources_filter_by_status() {
    let sandbox = start().await;
    let token = kaisa_token(&sandbox).await;
    let (_, all) = json(get(&sandbox, &token, "sources").send().await.unwrap()).await;
    assert_eq!(all["sources"].as_array().unwrap().len(), 5);
    let (_, active) = json(
        get(&sandbox, &token, "sources?status=active")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let active = active["sources"].as_array().unwrap();
    assert_eq!(active.len(), 2);
    assert!(active
        .iter()
        .all(|s| s["status"] == "active" && s["source_id"].is_string()));
}

#[tokio::test]
async fn cdrs_page_by_thousand() {
    let sandbox = start().await;
    let token = kaisa_token(&sandbox).await;
    let mut sizes = Vec::new();
    for page in 0..4 {
        let (status, body) = json(
            get(
                &sandbox,
                &token,
                &format!(
                    "statistics/cdrs/out?from_date=2024-01-01 00:00:00&to_date=2024-12-31 23:59:59&page={page}&pagesize=1000"
                ),
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let cdrs = body["cdrs"].as_array().unwrap();
        sizes.push(cdrs.len());
        if let Some(cdr) = cdrs.first() {
            for field in [
                "cdr_id",
                "start",
                "duration",
                "anum",
                "customer_id",
                "answered",
            ] {
                assert!(cdr[field].is_string(), "{field} not a string: {cdr}");
            }
            assert_eq!(cdr["anum"].as_str().unwrap().len(), 11);
            assert!(cdr["anum"].as_str().unwrap().contains("XXXXX"));
        }
    }
    assert_eq!(sizes, [1000, 1000, 500, 0]);

    // A narrower window holds fewer calls.
    let (_, body) = json(
        get(
            &sandbox,
            &token,
            "statistics/cdrs/out?from_date=2024-03-02 00:00:00&to_date=2024-03-02 23:59:59",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    let day = body["cdrs"].as_array().unwrap();
    assert!(!day.is_empty() && day.len() < 100, "{}", day.len());
    assert!(day
        .iter()
        .all(|c| c["start"].as_str().unwrap().starts_with("2024-03-02")));

    let response = get(&sandbox, &token, "statistics/cdrs/out?pagesize=1001")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
