//! A caller-built path must stay below the base URL: one with a `.` or `..` segment
//! (also percent-encoded), an empty segment, an empty path or an absolute URL is
//! refused by every call before anything is sent.

use futures_util::StreamExt;
use okq8::{Error, Method};
use serde_json::{json, Value};
use test_support::paths::server_expecting_nothing;

use crate::{key_only_builder, oauth_builder};

/// Paths that would leave the base URL's path, or name another resource.
const BAD_PATHS: [&str; 21] = [
    "..",
    ".",
    "",
    "/",
    "%2e%2e",
    "%2E%2e",
    "%2e",
    "core/v1/stations/..",
    "core/v1/stations/.",
    "core/v1/stations/../../../admin",
    "./core/v1/stations",
    "core/v1/%2e%2e/admin",
    "core/v1/%2E%2e/admin",
    "core/v1/%252e%252e/admin",
    "core\\..\\..\\admin",
    "core/v1/stations/..%2F..%2Fadmin",
    "core/v1/.\t./admin",
    "core/v1/stations//prices",
    "https://elsewhere.example/core/v1/stations",
    "//elsewhere.example/core/v1/stations",
    "mailto:someone@elsewhere.example",
];

fn assert_refused<T: std::fmt::Debug>(result: Result<T, Error>, call: &str, path: &str) {
    assert!(
        matches!(result, Err(Error::InvalidArgument(ref e)) if e.name() == "path"),
        "{call} {path:?}: expected the path to be refused, got {result:?}"
    );
}

#[tokio::test]
async fn every_generic_call_refuses_paths_that_leave_the_base() {
    let server = server_expecting_nothing().await;
    let client = oauth_builder(&server).build().unwrap();
    let body = json!({"amount": 450.0});
    for path in BAD_PATHS {
        assert_refused(client.get::<Value>(path).await, "get", path);
        assert_refused(
            client.get::<Value>(path).query(&[("page", 2)]).await,
            "get",
            path,
        );
        assert_refused(client.get_json(path).await, "get_json", path);
        assert_refused(client.post::<Value>(path, &body).await, "post", path);
        assert_refused(client.put::<Value>(path, &body).await, "put", path);
        assert_refused(client.delete::<()>(path).await, "delete", path);
        for method in [Method::GET, Method::PATCH, Method::HEAD] {
            assert_refused(
                client.request::<Value>(method.clone(), path).send().await,
                "request.send",
                path,
            );
            assert_refused(
                client.request::<Value>(method.clone(), path).await,
                "request.send_json",
                path,
            );
            assert_refused(
                client
                    .request::<()>(method.clone(), path)
                    .send_empty()
                    .await,
                "request.send_empty",
                path,
            );
            assert_refused(
                client.request::<()>(method, path).send_bytes().await,
                "request.send_bytes",
                path,
            );
        }
        let items: Vec<_> = client.paged::<Value>(path).stream().collect().await;
        assert_eq!(
            items.len(),
            1,
            "paged {path:?}: the stream ends at the error"
        );
        assert_refused(items.into_iter().next().unwrap(), "paged", path);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_key_only_client_refuses_them_too() {
    let server = server_expecting_nothing().await;
    let client = key_only_builder(&server).build().unwrap();
    for path in BAD_PATHS {
        assert_refused(client.get_json(path).await, "get_json", path);
        assert_refused(client.delete::<()>(path).await, "delete", path);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_raw_pipeline_refuses_them_too() {
    let server = server_expecting_nothing().await;
    let client = oauth_builder(&server).build().unwrap();
    for path in [
        "..",
        "core/v1/..",
        "core/v1/%2E%2e",
        "core\\..\\..",
        "//elsewhere.example/x",
    ] {
        let result = client
            .api_client()
            .send::<Value>(vendor_core::Request::get(path))
            .await;
        assert_refused(result, "api_client().send", path);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn path_segment_refuses_dot_and_empty_ids_naming_the_argument() {
    for id in ["..", ".", "", "%2e%2e", "%2E%2e", "a/.."] {
        assert!(
            matches!(
                okq8::path_segment("station_id", id),
                Err(Error::InvalidArgument(e))
             if e.name() == "station_id"),
            "{id:?}"
        );
    }
    assert_eq!(
        okq8::path_segment("station_id", "SE/1001?x").unwrap(),
        "SE%2F1001%3Fx"
    );
}
