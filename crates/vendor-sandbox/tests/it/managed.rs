//! Managed identity endpoints: App Service's and the instance metadata service's shapes.

use reqwest::StatusCode;
use serde_json::Value;
use vendor_sandbox::Sandbox;

use crate::support::*;

async fn app_service(
    sandbox: &Sandbox,
    header: Option<&str>,
    query: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mi = sandbox.managed_identity();
    let mut request = http().get(&mi.identity_endpoint).query(query);
    if let Some(header) = header {
        request = request.header("X-IDENTITY-HEADER", header);
    }
    json(request.send().await.unwrap()).await
}

async fn imds(
    sandbox: &Sandbox,
    metadata: Option<&str>,
    query: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mi = sandbox.managed_identity();
    let mut request = http().get(&mi.imds_endpoint).query(query);
    if let Some(metadata) = metadata {
        request = request.header("Metadata", metadata);
    }
    json(request.send().await.unwrap()).await
}

fn assert_token_shape(body: &Value, resource: &str) {
    assert_eq!(body["token_type"], "Bearer", "{body}");
    assert_eq!(body["resource"], resource, "{body}");
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    let expires_in: i64 = body["expires_in"].as_str().unwrap().parse().unwrap();
    assert!(expires_in > 0 && expires_on > expires_in, "{body}");
}

#[tokio::test]
async fn env_vars_name_the_app_service_endpoint() {
    let sandbox = start().await;
    let vars = sandbox.env_vars();
    let get = |name: &str| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let mi = sandbox.managed_identity();
    assert_eq!(get("IDENTITY_ENDPOINT"), Some(mi.identity_endpoint.clone()));
    assert_eq!(get("IDENTITY_HEADER"), Some(mi.identity_header.clone()));
    assert_eq!(
        mi.identity_endpoint,
        format!("{}/msi/token", sandbox.base_url())
    );
    assert_ne!(
        start().await.managed_identity().identity_header,
        mi.identity_header
    );
}

#[tokio::test]
async fn app_service_tokens_are_accepted_by_kazi_and_okq8() {
    let sandbox = start().await;
    let header = sandbox.managed_identity().identity_header;
    let kazi = sandbox.kazi();
    let (status, body) = app_service(
        &sandbox,
        Some(&header),
        &[("api-version", "2019-08-01"), ("resource", &kazi.resource)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_token_shape(&body, &kazi.resource);
    let (status, body) = kazi_get(
        &sandbox,
        body["access_token"].as_str().unwrap(),
        "/tagging/v2/expectations",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let o = sandbox.okq8();
    let okq8_resource = o.scope.trim_end_matches("/.default").to_owned();
    let mi = sandbox.managed_identity();
    let (status, body) = app_service(
        &sandbox,
        Some(&header),
        &[
            ("api-version", "2019-08-01"),
            ("resource", &okq8_resource),
            ("client_id", &mi.user_assigned_client_id),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    // OKQ8's API takes v2 tokens: the client is `azp` (v1 tokens name it `appid`).
    assert_eq!(claims(token)["azp"], mi.user_assigned_client_id.as_str());
    assert_eq!(claims(token)["ver"], "2.0");
    let response = http()
        .get(format!("{}core/v1/stations", o.base_url))
        .header("Ocp-Apim-Subscription-Key", &o.subscription_key)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn app_service_refuses_a_missing_or_wrong_header_and_bad_requests() {
    let sandbox = start().await;
    let header = sandbox.managed_identity().identity_header;
    let resource = sandbox.kazi().resource;
    let good = [
        ("api-version", "2019-08-01"),
        ("resource", resource.as_str()),
    ];
    let (status, _) = app_service(&sandbox, None, &good).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = app_service(&sandbox, Some("wrong"), &good).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = app_service(
        &sandbox,
        Some(&header),
        &[("api-version", "2018-02-01"), ("resource", &resource)],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &Value::from("invalid_request"))
    );
    let (status, body) = app_service(
        &sandbox,
        Some(&header),
        &[
            ("api-version", "2019-08-01"),
            ("resource", "https://vault.azure.net"),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &Value::from("invalid_request")),
        "{body}"
    );
    let (status, body) = app_service(
        &sandbox,
        Some(&header),
        &[
            ("api-version", "2019-08-01"),
            ("resource", &resource),
            ("client_id", "00000000-0000-0000-0000-000000000000"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn imds_tokens_are_accepted_by_keyavi() {
    let sandbox = start().await;
    let k = sandbox.keyavi();
    let (status, body) = imds(
        &sandbox,
        Some("true"),
        &[("api-version", "2018-02-01"), ("resource", &k.app_id)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_token_shape(&body, &k.app_id);
    let response = http()
        .get(format!("{}logs/payload", k.base_url))
        .header("Ocp-Apim-Subscription-Key", &k.subscription_key)
        .header("x-api-caller-id", &k.caller_id)
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn imds_refuses_a_missing_metadata_header_and_unknown_resources() {
    let sandbox = start().await;
    let resource = sandbox
        .okq8()
        .scope
        .trim_end_matches("/.default")
        .to_owned();
    let good = [
        ("api-version", "2018-02-01"),
        ("resource", resource.as_str()),
    ];
    for metadata in [None, Some("false")] {
        let (status, body) = imds(&sandbox, metadata, &good).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            body["error_description"],
            "Required metadata header not specified"
        );
    }
    let (status, body) = imds(
        &sandbox,
        Some("true"),
        &[
            ("api-version", "2018-02-01"),
            ("resource", "https://management.azure.com/"),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &Value::from("invalid_request")),
        "{body}"
    );
    let (status, _) = imds(&sandbox, Some("true"), &[("resource", resource.as_str())]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
