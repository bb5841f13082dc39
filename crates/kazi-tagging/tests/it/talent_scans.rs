//! `GET /tagging/v2/bulk/talentscans/{id}/matches`.

use futures_util::{StreamExt, TryStreamExt};
use kazi_tagging::{AuthErrorKind, Error, ExpectationKind, JobMatch, MatchSort};
use serde_json::json;
use test_support::assertions::refused_argument;
use test_support::matchers::exact_query;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    api_headers, builder, fixture, mount_token, mount_token_at, token_path, API, TALENT_SCAN,
};

fn matches_path(id: &str) -> String {
    format!("{API}/tagging/v2/bulk/talentscans/{id}/matches")
}

#[tokio::test]
async fn matches_sends_every_parameter_and_decodes_the_page() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(matches_path(TALENT_SCAN)))
        .and(exact_query(&[
            ("page", "2"),
            ("pageSize", "50"),
            ("search", "software engineer"),
            ("sort", "-work-value"),
        ]))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("talent_scan_matches_page1.json")),
        )
        .expect(1)
        .named("matches with every parameter")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let page = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .page(2)
        .page_size(50)
        .search("software engineer")
        .sort(MatchSort::WorkValue.descending())
        .send()
        .await
        .unwrap();

    let scan = page.talent_scan.as_ref().unwrap();
    assert_eq!(scan.id.as_str(), TALENT_SCAN);
    assert_eq!(scan.first_name.as_deref(), Some("Sam"));
    assert_eq!(scan.last_name.as_deref(), Some("Sandbox"));
    assert_eq!(page.matches.len(), 2);
    let best = &page.matches[0];
    assert_eq!(
        best.job_scan.id.as_str(),
        "1b645389-2473-4a46-8d07-372d45eb05ab"
    );
    assert_eq!(best.job_scan.title.as_deref(), Some("Software Engineer"));
    assert_eq!(best.job_scan.employer.as_deref(), Some("Acme Logistics"));
    assert_eq!(best.match_score, Some(87.5));
    assert_eq!(best.subtotal_team_roles, Some(82.1));
    assert_eq!(best.subtotal_work_values, Some(92.9));
    assert_eq!(best.expectations.len(), 2);
    let e = &best.expectations[1];
    assert_eq!(e.expectation_name.as_deref(), Some("Coordinator"));
    assert_eq!(e.match_score, Some(78.5));
    assert_eq!(e.delta, Some(1.2));
    assert_eq!(e.kind(), ExpectationKind::TeamRole);
    // Numbers sent as strings are read as numbers.
    assert_eq!(page.matches[1].match_score, Some(80.3));
    assert_eq!(page.matches[1].subtotal_team_roles, Some(75.0));
    let p = &page.pagination;
    assert_eq!(
        (
            p.current_page,
            p.amount_of_pages,
            p.page_size,
            p.total_amount,
            p.first_row_on_page,
            p.last_row_on_page
        ),
        (Some(1), Some(2), Some(2), Some(3), Some(1), Some(2))
    );
    assert!(p.has_next());
    // Serializes back to Kazi's wire names.
    let back = serde_json::to_value(&page).unwrap();
    assert_eq!(back["matches"][0]["match"], json!(87.5));
    assert_eq!(back["pagination"]["amountOfPages"], json!(2));
}

#[tokio::test]
async fn matches_without_options_sends_no_query() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(matches_path(TALENT_SCAN)))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("talent_scan_matches_page2.json")),
        )
        .expect(1)
        .named("matches, Kazi's defaults")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let page = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .search("   ")
        .send()
        .await
        .unwrap();
    assert_eq!(page.matches.len(), 1);
    assert!(!page.pagination.has_next());
}

#[tokio::test]
async fn an_ascending_sort_has_no_prefix() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(matches_path(TALENT_SCAN)))
        .and(exact_query(&[("sort", "created")]))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("talent_scan_matches_page2.json")),
        )
        .expect(1)
        .named("matches sorted by creation")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    client
        .talent_scans()
        .matches(TALENT_SCAN)
        .sort(MatchSort::Created)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_talent_scan_id_is_one_encoded_segment() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(matches_path("a%2Fb..%3Fc%20d")))
        .and(exact_query(&[]))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("talent_scan_matches_page2.json")),
        )
        .expect(1)
        .named("matches of an odd id")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    client
        .talent_scans()
        // (`a/../b` is refused: a server that decodes `%2F` would climb.)
        .matches("a/b..?c d")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn bad_arguments_are_refused_before_sending() {
    let server = MockServer::start().await;
    mount_token_at(&server, &token_path(), &["read:talentscans"], 0).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("nothing sent")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let scans = client.talent_scans();
    let cases = [
        (scans.matches(TALENT_SCAN).page_size(0), "page_size"),
        (scans.matches(TALENT_SCAN).page_size(101), "page_size"),
        (scans.matches(TALENT_SCAN).page(0), "page"),
        (scans.matches(""), "talent_scan_id"),
        (scans.matches("  "), "talent_scan_id"),
    ];
    for (request, expected) in cases {
        assert_eq!(refused_argument(request.send().await), expected);
    }
    // The stream reports the same, once, and ends.
    let items: Vec<_> = scans
        .matches(TALENT_SCAN)
        .page_size(1000)
        .stream()
        .collect()
        .await;
    assert!(
        matches!(
            items.as_slice(),
            [Err(Error::InvalidArgument(e))]
         if e.name() == "page_size"),
        "{items:?}"
    );
}

#[tokio::test]
async fn page_sizes_at_the_limits_are_sent() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    for size in ["1", "100"] {
        Mock::given(method("GET"))
            .and(path(matches_path(TALENT_SCAN)))
            .and(exact_query(&[("pageSize", size)]))
            .and(api_headers(&token))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("talent_scan_matches_page2.json")),
            )
            .expect(1)
            .named(format!("pageSize {size}"))
            .mount(&server)
            .await;
    }

    let client = builder(&server).build().unwrap();
    for size in [1, 100] {
        client
            .talent_scans()
            .matches(TALENT_SCAN)
            .page_size(size)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn stream_walks_every_page_and_stops_at_the_last() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    for (page, file, times) in [
        ("1", "talent_scan_matches_page1.json", 1),
        ("2", "talent_scan_matches_page2.json", 1),
        ("3", "talent_scan_matches_page2.json", 0),
    ] {
        Mock::given(method("GET"))
            .and(path(matches_path(TALENT_SCAN)))
            .and(exact_query(&[
                ("page", page),
                ("pageSize", "2"),
                ("sort", "-match"),
            ]))
            .and(api_headers(&token))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture(file)))
            .expect(times)
            .named(format!("matches page {page}"))
            .mount(&server)
            .await;
    }

    let client = builder(&server).build().unwrap();
    let all: Vec<JobMatch> = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .page_size(2)
        .sort(MatchSort::Match.descending())
        .stream()
        .try_collect()
        .await
        .unwrap();
    let titles: Vec<_> = all
        .iter()
        .map(|m| m.job_scan.title.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        titles,
        ["Software Engineer", "Data Analyst", "Project Manager"]
    );
}

#[tokio::test]
async fn stream_from_a_later_page_stops_at_the_last() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    let page = |n: u64| {
        json!({
            "matches": [{"jobScan": {"id": format!("job-{n}")}, "match": 50}],
            "pagination": {"currentPage": n, "amountOfPages": 4, "pageSize": 1, "totalAmount": 4}
        })
    };
    for (n, times) in [(1, 0), (3, 1), (4, 1), (5, 0)] {
        Mock::given(method("GET"))
            .and(path(matches_path(TALENT_SCAN)))
            .and(exact_query(&[("page", &n.to_string()), ("pageSize", "1")]))
            .and(api_headers(&token))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(n)))
            .expect(times)
            .named(format!("matches page {n}"))
            .mount(&server)
            .await;
    }

    let client = builder(&server).build().unwrap();
    let ids: Vec<String> = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .page(3)
        .page_size(1)
        .stream()
        .map_ok(|m| m.job_scan.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["job-3", "job-4"]);
}

#[tokio::test]
async fn stream_yields_a_failed_page_once_and_ends() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(matches_path(TALENT_SCAN)))
        .and(exact_query(&[("page", "1")]))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("talent_scan_matches_page1.json")),
        )
        .expect(1)
        .named("matches page 1")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(matches_path(TALENT_SCAN)))
        .and(exact_query(&[("page", "2")]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
        })))
        .expect(1)
        .named("matches page 2 fails")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let items: Vec<_> = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(items[0].is_ok() && items[1].is_ok());
    let err = items[2].as_ref().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
}

#[tokio::test]
async fn an_unknown_talent_scan_is_a_404() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    let unknown = "00000000-0000-0000-0000-000000000000";
    Mock::given(method("GET"))
        .and(path(matches_path(unknown)))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("content-type", "application/problem+json")
                .insert_header("request-id", "req-404-1")
                .set_body_json(fixture("talent_scan_not_found.json")),
        )
        .expect(1)
        .named("unknown talent scan")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client
        .talent_scans()
        .matches(unknown)
        .send()
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(api.status().as_u16(), 404);
    // The problem type is the RFC's generic link: the title names the problem.
    assert_eq!(api.code(), Some("Not Found"));
    assert_eq!(
        api.message(),
        Some("Talent scan '00000000-0000-0000-0000-000000000000' was not found.")
    );
    assert_eq!(err.request_id(), Some("req-404-1"));
}

#[tokio::test]
async fn a_token_without_read_talentscans_names_the_scope() {
    let server = MockServer::start().await;
    // No refetch after the 401: the token's claims already show the scope missing.
    let token = mount_token_at(&server, &token_path(), &["read:expectations"], 1).await;
    Mock::given(method("GET"))
        .and(path(matches_path(TALENT_SCAN)))
        .and(api_headers(&token))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture("missing_scope_talentscans.json")),
        )
        .expect(1)
        .named("missing scope")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .send()
        .await
        .unwrap_err();
    match err.auth_kind() {
        Some(AuthErrorKind::MissingRole { required, granted }) => {
            assert_eq!(required, "read:talentscans");
            assert_eq!(granted, &["read:expectations".to_owned()]);
        }
        other => panic!("expected MissingRole, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_subscription_key_is_named() {
    let server = MockServer::start().await;
    mount_token(&server, &["read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(matches_path(TALENT_SCAN)))
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture("apim_missing_key.json")))
        .expect(1)
        .named("apim: missing key")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client
        .talent_scans()
        .matches(TALENT_SCAN)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::SubscriptionKeyMissing)
    );
}
