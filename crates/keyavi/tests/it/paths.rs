//! Keyavi's modelled endpoints take no id in their path; the raw pipeline
//! (`client.api_client()`) takes a path, and one that is empty-segmented with `.` or
//! `..` (also percent-encoded), or absolute, is refused before anything is sent.

use test_support::paths::server_expecting_nothing;
use vendor_core::Error;
use vendor_core::Request;

use crate::app_builder;

#[tokio::test]
async fn the_raw_pipeline_refuses_paths_that_leave_the_base_before_sending() {
    let server = server_expecting_nothing().await;
    let client = app_builder(&server).build().unwrap();
    for bad in [
        "..",
        ".",
        "%2e%2e",
        "%2E%2e",
        "payloads/..",
        "payloads/../../token",
        "logs/%2e%2e/%2E%2e",
        "logs/%252e%252e",
        "logs\\..\\..",
        "https://elsewhere.example/logs/payload",
        "//elsewhere.example/logs/payload",
    ] {
        let result = client
            .api_client()
            .send::<serde_json::Value>(Request::get(bad))
            .await;
        assert!(
            matches!(result, Err(Error::InvalidArgument(ref e)) if e.name() == "path"),
            "{bad:?}: {result:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
