//! What the vendor crates' path-safety tests share: ids that would climb or drop a
//! path level, a server that fails the test if anything reaches it, and the
//! assertion that an id was refused naming its argument.

use std::fmt::Debug;

use wiremock::{Mock, MockServer, ResponseTemplate};

/// Ids that URL joining (or a server decoding them) resolves to another path. The
/// last two hold a `/`; `parent` is what stands before it (`a/..`).
pub fn bad_ids(parent: &str) -> Vec<String> {
    let mut ids: Vec<String> = [
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
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    ids.push(format!("{parent}/.."));
    ids.push("..%2F..".to_owned());
    ids
}

/// A server that fails the test if anything at all reaches it (token endpoint
/// included).
pub async fn server_expecting_nothing() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("nothing may be sent")
        .mount(&server)
        .await;
    server
}

/// Asserts that `result` refused `id` as the argument `name`, saying why.
///
/// # Panics
///
/// When it did not.
pub fn assert_id_refused<T: Debug>(result: Result<T, vendor_core::Error>, name: &str, id: &str) {
    match result {
        Err(vendor_core::Error::InvalidArgument(e)) => {
            assert_eq!(e.name(), name, "{id:?}");
            assert!(
                e.problem().contains("`.` or `..`"),
                "{id:?}: {}",
                e.problem()
            );
        }
        other => panic!("{id:?}: expected {name} to be refused, got {other:?}"),
    }
}
