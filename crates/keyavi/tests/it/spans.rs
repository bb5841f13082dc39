//! The span of each log call names its operation, for the application's traces
//! (`operation` and `otel.name`).

use serde_json::json;
use test_support::logs::LogCapture;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

#[tokio::test]
async fn each_log_call_names_its_operation_in_the_span() {
    let captured = LogCapture::global();

    let server = MockServer::start().await;
    mount_app_token(&server, &["Logs.Read"]).await;
    let empty = json!({"data": [], "pagination": {"page": 1, "pageSize": 100}});
    for kind in ["payload", "full-payload"] {
        Mock::given(method("GET"))
            .and(path(format!("{API}/logs/{kind}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(&empty))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = app_builder(&server).build().unwrap();

    client.logs().payload().send().await.unwrap();
    client.logs().full_payload().send().await.unwrap();

    for (kind, operation) in [
        ("payload", "keyavi.logs.payload"),
        ("full-payload", "keyavi.logs.full_payload"),
    ] {
        let url = format!("{}{API}/logs/{kind}", server.uri());
        let line = captured
            .span_line("api.request", &[&url])
            .unwrap_or_else(|| panic!("no span for {kind}: {}", captured.text()));
        assert!(
            line.contains(&format!("operation=\"{operation}\"")),
            "{kind}: {line}"
        );
        assert!(line.contains(&format!("GET {operation}")), "{line}");
    }
}
