//! OKQ8: products, access levels and station pages.

use reqwest::{RequestBuilder, StatusCode};
use serde_json::json;
use vendor_sandbox::Sandbox;

use crate::support::*;

fn request(sandbox: &Sandbox, method: reqwest::Method, path: &str, key: &str) -> RequestBuilder {
    let o = sandbox.okq8();
    http()
        .request(method, format!("{}{path}", o.base_url))
        .header("Ocp-Apim-Subscription-Key", key)
}

#[tokio::test]
async fn stations_page_by_ten() {
    let sandbox = start().await;
    let key = sandbox.okq8().subscription_key;
    let token = okq8_token(&sandbox, &sandbox.okq8().scope).await;
    let mut sizes = Vec::new();
    for page in 1..=3 {
        let (status, body) = json(
            request(
                &sandbox,
                reqwest::Method::GET,
                &format!("core/v1/stations?page={page}"),
                &key,
            )
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["page"], page);
        assert_eq!(body["totalPages"], 3);
        sizes.push(body["items"].as_array().unwrap().len());
    }
    assert_eq!(sizes, [10, 10, 5]);

    let (status, body) = json(
        request(
            &sandbox,
            reqwest::Method::GET,
            "core/v1/stations/SE-1001",
            &key,
        )
        .bearer_auth(&token)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], "SE-1001");
    assert!(body["fuels"].as_array().is_some_and(|f| !f.is_empty()));
}

#[tokio::test]
async fn keys_of_other_products_and_invalid_keys() {
    let sandbox = start().await;
    let o = sandbox.okq8();
    let token = okq8_token(&sandbox, &o.scope).await;

    let (status, body) = json(
        request(
            &sandbox,
            reqwest::Method::GET,
            "core/v1/stations",
            &o.other_product_subscription_key,
        )
        .bearer_auth(&token)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_apim(
        status,
        &body,
        403,
        "Access denied due to subscription not authorized for this product.",
    );

    let (status, body) = json(
        request(&sandbox, reqwest::Method::GET, "core/v1/stations", "bogus")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_apim(status, &body, 401, INVALID_KEY);

    let response = http()
        .get(format!("{}core/v1/stations", o.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_apim(status, &body, 401, MISSING_KEY);

    // Public prices need only a key, and the other product's key is enough.
    let (status, body) = json(
        request(
            &sandbox,
            reqwest::Method::GET,
            "public/v1/prices",
            &o.other_product_subscription_key,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn access_levels_gate_methods() {
    let sandbox = start().await;
    let o = sandbox.okq8();
    let get_only = okq8_reader_token(&sandbox).await;
    let payment = json!({ "amount": 499.5, "currency": "SEK", "stationId": "SE-1001" });

    let (status, body) = json(
        request(
            &sandbox,
            reqwest::Method::POST,
            "payments/v1/payments",
            &o.subscription_key,
        )
        .bearer_auth(&get_only)
        .json(&payment)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["statusCode"], 403);

    let full = okq8_token(&sandbox, &o.scope).await;
    let (status, body) = json(
        request(
            &sandbox,
            reqwest::Method::POST,
            "payments/v1/payments",
            &o.subscription_key,
        )
        .bearer_auth(&full)
        .json(&payment)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["amount"], 499.5);
    assert_eq!(body["stationId"], "SE-1001");
    assert_eq!(body["id"].as_str().map(str::len), Some(36));

    // A Keyavi token is for another audience.
    let keyavi = keyavi_app_token(&sandbox).await;
    let (status, body) = json(
        request(
            &sandbox,
            reqwest::Method::GET,
            "core/v1/stations",
            &o.subscription_key,
        )
        .bearer_auth(&keyavi)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_apim(status, &body, 401, INVALID_TOKEN);
}

#[tokio::test]
async fn unknown_operations_are_apim_404s() {
    let sandbox = start().await;
    let o = sandbox.okq8();
    let (status, body) = json(
        request(
            &sandbox,
            reqwest::Method::GET,
            "core/v1/nothing-here",
            &o.subscription_key,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_apim(status, &body, 404, "Resource not found");
}
