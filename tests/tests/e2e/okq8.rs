//! OKQ8: Azure AD v2 client credentials behind APIM, and a key-only product.

use futures_util::TryStreamExt;
use okq8::{ItemPage, Method};
use serde_json::{json, Value};
use vendor_sandbox::Vendor;

use super::{assert_only, assert_unique, bounded, sandbox, traffic};

#[tokio::test]
async fn every_endpoint_with_one_token() {
    let sandbox = sandbox().await;
    let client = workspace_tests::okq8_client(&sandbox).unwrap();
    let public = workspace_tests::okq8_public_client(&sandbox).unwrap();
    assert_eq!(client.auth_mode(), okq8::AuthMode::OAuth);
    assert_eq!(public.auth_mode(), okq8::AuthMode::SubscriptionKeyOnly);

    bounded(async {
        let token = client.token().await.unwrap();
        for level in ["get", "post", "put", "delete"] {
            assert_eq!(token.has_role(level), Some(true), "{level}");
        }

        let first: ItemPage<Value> = client
            .get("core/v1/stations")
            .query(&[("page", 1)])
            .await
            .unwrap();
        assert_eq!((first.page, first.total_pages), (Some(1), Some(3)));
        assert!(first.has_next());
        assert_eq!(first.items.len(), 10);
        assert_eq!(first.items[0]["id"], "SE-1001");

        let station: Value = client
            .request::<Value>(
                Method::GET,
                format!("core/v1/stations/{}", okq8::encode_segment("SE-1001")),
            )
            .require_role("get")
            .send()
            .await
            .unwrap();
        assert_eq!(station, first.items[0]);
        assert_eq!(station["city"], "Stockholm");

        let stations: Vec<Value> = client
            .paged("core/v1/stations")
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            assert_unique(
                stations
                    .iter()
                    .map(|s| s["id"].as_str().unwrap().to_owned())
            ),
            25
        );
        assert_eq!(stations[..10], first.items[..]);

        let payment: Value = client
            .post(
                "payments/v1/payments",
                &json!({"amount": 450.5, "currency": "SEK", "stationId": "SE-1001"}),
            )
            .await
            .unwrap();
        assert_eq!(payment["status"], "Accepted");
        assert_eq!(payment["amount"], 450.5);
        assert_eq!(payment["stationId"], "SE-1001");
        assert!(payment["id"].as_str().is_some_and(|id| !id.is_empty()));

        let prices = public.get_json("public/v1/prices").await.unwrap();
        let items = prices["items"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        assert!(items
            .iter()
            .all(|p| p["unit"] == "SEK/l" && p["price"].is_f64()));
        // The key-only client has no token to give.
        assert!(matches!(public.token().await, Err(okq8::Error::Config(_))));
    })
    .await;

    let stats = sandbox.stats();
    // page 1, one station, 3 streamed pages, the payment, the prices: 7 calls and the
    // OAuth client's one token (the key-only client asked for none).
    assert_eq!(traffic(&stats, Vendor::Okq8), (1, 1, 7, 6), "{stats:?}");
    assert_eq!(
        stats.api_calls_with_status(Vendor::Okq8, 201),
        1,
        "{stats:?}"
    );
    assert_only(&stats, Vendor::Okq8);
}

#[tokio::test]
async fn unknown_station_is_a_404_that_is_not_retried() {
    let sandbox = sandbox().await;
    let client = workspace_tests::okq8_client(&sandbox).unwrap();

    let err = bounded(client.get_json("core/v1/stations/SE-9999").send())
        .await
        .unwrap_err();

    let api = match &err {
        okq8::Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    };
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(api.message(), Some("Station 'SE-9999' was not found."));
    assert_eq!(sandbox.stats().api_calls_total(Vendor::Okq8), 1);
}
