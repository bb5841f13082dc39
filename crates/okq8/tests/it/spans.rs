//! The span of each call names its operation, by method, for the application's
//! traces (`operation` and `otel.name`).

use okq8::Method;
use serde_json::json;
use test_support::logs::LogCapture;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::key_only_builder;

/// Each method's calls are named `okq8.<method>` (another method: `okq8.request`).
#[tokio::test]
async fn each_method_names_its_operation_in_the_span() {
    let captured = LogCapture::global();

    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = key_only_builder(&server).build().unwrap();
    let expected = [
        (Method::GET, "okq8.get"),
        (Method::POST, "okq8.post"),
        (Method::PUT, "okq8.put"),
        (Method::DELETE, "okq8.delete"),
        (Method::PATCH, "okq8.patch"),
        (Method::OPTIONS, "okq8.request"),
    ];
    for (method, operation) in expected {
        client
            .request::<serde_json::Value>(method.clone(), "core/v1/stations")
            .await
            .unwrap();
        let method_field = format!("http.request.method={method}");
        let line = captured
            .span_line("api.request", &[&server.uri(), &method_field])
            .unwrap_or_else(|| panic!("no span for {method}: {}", captured.text()));
        assert!(
            line.contains(&format!("operation=\"{operation}\"")),
            "{method}: {line}"
        );
        assert!(line.contains(&format!("{method} {operation}")), "{line}");
    }
}
