//! A talent scan id that is empty, `.` or `..` (also percent-encoded) would send the
//! subscription key and the bearer to another endpoint (`GET
//! /tagging/v2/bulk/matches`): it is refused before anything is sent.

use futures_util::StreamExt;
use kazi_tagging::Error;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, TALENT_SCAN};

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
    "a/..",
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
            assert_eq!(name, "talent_scan_id", "{id:?}");
            assert!(problem.contains("`.` or `..`"), "{id:?}: {problem}");
        }
        other => panic!("{id:?}: expected talent_scan_id to be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn matches_send_refuses_dot_and_empty_ids_before_sending() {
    let server = server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    for id in BAD_IDS {
        assert_refused(client.talent_scans().matches(id).send().await, id);
        // Whatever else the request carries.
        let refined = client
            .talent_scans()
            .matches(id)
            .page(2)
            .page_size(10)
            .search("engineer")
            .send()
            .await;
        assert_refused(refined, id);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn matches_stream_refuses_dot_and_empty_ids_before_sending() {
    let server = server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    for id in BAD_IDS {
        let items: Vec<_> = client.talent_scans().matches(id).stream().collect().await;
        assert_eq!(items.len(), 1, "{id:?}: the stream ends at the error");
        let first = items.into_iter().next().unwrap();
        assert_refused(first, id);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_id_with_dots_inside_is_still_sent() {
    let server = MockServer::start().await;
    crate::mount_token(&server, &["read:talentscans"]).await;
    Mock::given(wiremock::matchers::path(format!(
        "{}/tagging/v2/bulk/talentscans/{TALENT_SCAN}..v2/matches",
        crate::API
    )))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(crate::fixture("talent_scan_matches_page2.json")),
    )
    .expect(1)
    .named("an id with dots inside")
    .mount(&server)
    .await;
    let client = builder(&server).build().unwrap();
    client
        .talent_scans()
        .matches(format!("{TALENT_SCAN}..v2"))
        .send()
        .await
        .unwrap();
}
