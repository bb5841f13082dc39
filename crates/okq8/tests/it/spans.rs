//! The span of each call names its operation, by method, for the application's
//! traces (`operation` and `otel.name`).

use std::sync::{Arc, Mutex};

use okq8::Method;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::key_only_builder;

/// What the subscriber writes, from every thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Each method's calls are named `okq8.<method>` (another method: `okq8.request`).
#[tokio::test]
async fn each_method_names_its_operation_in_the_span() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_span_events(FmtSpan::NEW)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Spans another test's thread met first, without a subscriber, are cached as
    // uninteresting: ask again, now that this thread has one.
    tracing::callsite::rebuild_interest_cache();

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
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let method_field = format!("http.request.method={method}");
        let line = logs
            .lines()
            .find(|l| {
                l.contains("api.request") && l.contains(&server.uri()) && l.contains(&method_field)
            })
            .unwrap_or_else(|| panic!("no span for {method}: {logs}"));
        assert!(
            line.contains(&format!("operation=\"{operation}\"")),
            "{method}: {line}"
        );
        assert!(line.contains(&format!("{method} {operation}")), "{line}");
    }
}
