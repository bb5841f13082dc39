//! A customer id that is empty, `.` or `..` (also percent-encoded) would send the
//! bearer and the form to another resource (`PUT /2.4.9/`): it is refused before
//! anything is sent.

use kaisa::{CustomerId, CustomerUpdate, Error};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::builder;

/// Ids that URL joining (or a server decoding them) resolves to another path.
const BAD_IDS: [&str; 12] = [
    "..",
    ".",
    "",
    " ",
    "%2e%2e",
    "%2E%2e",
    "%2e",
    "%252e%252e",
    ".%2E",
    "...",
    "40/..",
    "..%2F..",
];

/// A server that fails the test if anything at all reaches it (token endpoint
/// included).
async fn server_expecting_nothing() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("nothing may be sent")
        .mount(&server)
        .await;
    server
}

fn assert_refused<T: std::fmt::Debug>(result: Result<T, Error>, id: &str) {
    match result {
        Err(Error::InvalidArgument(e)) => {
            let (name, problem) = (e.name(), e.problem());
            assert_eq!(name, "customer_id", "{id:?}");
            assert!(problem.contains("`.` or `..`"), "{id:?}: {problem}");
        }
        other => panic!("{id:?}: expected customer_id to be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn update_refuses_dot_and_empty_ids_before_sending() {
    let server = server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    for id in BAD_IDS {
        let result = client
            .customers()
            .update(id, CustomerUpdate::new().name("X"))
            .await;
        assert_refused(result, id);
        // An id parsed from an answer is checked just the same.
        let parsed: CustomerId =
            serde_json::from_value(serde_json::json!(id)).unwrap_or_else(|_| CustomerId::new(id));
        let result = client
            .customers()
            .update(parsed, CustomerUpdate::new().email("a@b.example"))
            .await;
        assert_refused(result, id);
        // The id is named even when the update would be refused too.
        assert_refused(
            client.customers().update(id, CustomerUpdate::new()).await,
            id,
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
