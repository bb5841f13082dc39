//! A talent scan id that is empty, `.` or `..` (also percent-encoded) would send the
//! subscription key and the bearer to another endpoint (`GET
//! /tagging/v2/bulk/matches`): it is refused before anything is sent.

use futures_util::StreamExt;
use test_support::paths::{assert_id_refused, bad_ids, server_expecting_nothing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, TALENT_SCAN};

#[tokio::test]
async fn matches_send_refuses_dot_and_empty_ids_before_sending() {
    let server = server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    for id in bad_ids("a").iter().map(String::as_str) {
        assert_id_refused(
            client.talent_scans().matches(id).send().await,
            "talent_scan_id",
            id,
        );
        // Whatever else the request carries.
        let refined = client
            .talent_scans()
            .matches(id)
            .page(2)
            .page_size(10)
            .search("engineer")
            .send()
            .await;
        assert_id_refused(refined, "talent_scan_id", id);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn matches_stream_refuses_dot_and_empty_ids_before_sending() {
    let server = server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    for id in bad_ids("a").iter().map(String::as_str) {
        let items: Vec<_> = client.talent_scans().matches(id).stream().collect().await;
        assert_eq!(items.len(), 1, "{id:?}: the stream ends at the error");
        let first = items.into_iter().next().unwrap();
        assert_id_refused(first, "talent_scan_id", id);
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
