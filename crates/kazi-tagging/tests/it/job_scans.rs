//! The Administrator API's `GetJobScansForAccount`: an account's job scans, paged by
//! offset and count.

use futures_util::TryStreamExt;
use kazi_tagging::api::ACCOUNT_JOB_SCANS_PATH;
use kazi_tagging::{AuthErrorKind, Error};
use serde_json::json;
use test_support::assertions::refused_argument;
use test_support::matchers::exact_query;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{api_headers, builder, fixture, mount_token, mount_token_at, token_path, API};

const ACCOUNT: &str = "0f5e8a2c-4b7d-4e19-9c3a-6d2b8e1f7a40";
const AUTONOMY: &str = "3f2b9c1e-6a4d-4e8b-9f1a-2c7d5e8b0a11";
const CHALLENGE: &str = "7c1d0e2f-3b4a-4c5d-8e6f-9a0b1c2d3e22";
const INNOVATOR: &str = "9b3e7f10-2a4c-4d6e-8f01-3c5e7a9b1d44";
const COORDINATOR: &str = "4e6a8c0b-1d3f-4a5c-9e7b-2d4f6a8c0e55";
const DOMAIN: &str = "c0a8012e-0000-4000-8000-000000000001";

fn job_scans_path() -> String {
    format!("{API}{ACCOUNT_JOB_SCANS_PATH}")
}

/// `n` job scans, numbered from `first`.
fn scans(first: usize, n: usize) -> serde_json::Value {
    (first..first + n)
        .map(|i| json!({"id": format!("job-{i}"), "title": format!("Job {i}")}))
        .collect()
}

#[tokio::test]
async fn job_scans_send_every_parameter_and_decode_the_scans() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:jobscans"]).await;
    Mock::given(method("GET"))
        .and(path(job_scans_path()))
        .and(exact_query(&[
            ("accountId", ACCOUNT),
            ("externalRef", "ACME-2024-017"),
            ("shouldHaveExpectations", "true"),
            ("includeExpectations", "true"),
            ("teamRoleIds", &format!("{INNOVATOR},{COORDINATOR}")),
            ("workValueIds", AUTONOMY),
            ("offset", "20"),
            ("count", "10"),
            ("sort", "-createdon,contactlastname"),
            ("search", "engineer"),
            ("domainIds", DOMAIN),
        ]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("account_job_scans.json")))
        .expect(1)
        .named("job scans with every parameter")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let scans = client
        .administrator()
        .job_scans(ACCOUNT)
        .external_ref("ACME-2024-017")
        .should_have_expectations(true)
        .include_expectations(true)
        .team_role_ids([INNOVATOR, COORDINATOR])
        .work_value_ids([AUTONOMY])
        .offset(20)
        .count(10)
        .sort("-createdon")
        .sort("contactlastname")
        .search("engineer")
        .domain_ids([DOMAIN])
        .send()
        .await
        .unwrap();

    assert_eq!(scans.len(), 2);
    let first = &scans[0];
    assert_eq!(first.id.as_str(), "1b645389-2473-4a46-8d07-372d45eb05ab");
    assert_eq!(first.title.as_deref(), Some("Software Engineer"));
    assert_eq!(first.employer.as_deref(), Some("Acme Logistics"));
    assert_eq!(first.created_on.as_deref(), Some("2024-03-01T09:15:00Z"));
    assert_eq!(
        first.client_id.as_deref(),
        Some("5d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a")
    );
    assert_eq!(
        (
            first.contact_first_name.as_deref(),
            first.contact_last_name.as_deref()
        ),
        (Some("Lena"), Some("Peeters"))
    );
    assert_eq!(
        first.contact_email.as_deref(),
        Some("lena.peeters@acme.example")
    );
    assert_eq!(
        first.contact_cc_email,
        ["hr@acme.example", "cto@acme.example"]
    );
    assert_eq!(first.contact_phone.as_deref(), Some("+32 470 12 34 56"));
    assert_eq!(first.external_ref.as_deref(), Some("ACME-2024-017"));
    assert_eq!(first.domain_ids, [DOMAIN]);
    // Unknown fields are kept.
    assert_eq!(
        first.extra.get("clusterIds"),
        Some(&json!(["7e1f0c2d-0000-4000-8000-00000000000a"]))
    );
    let e = &first.expectations;
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].expectation_id.as_ref().unwrap().as_str(), AUTONOMY);
    assert_eq!(
        (e[0].score, e[0].out_dated, e[0].rank, e[0].report_rank),
        (Some(3.8), Some(false), Some(1), Some(1))
    );
    // `id` stands in for `expectationId`; numbers and booleans as strings are read.
    assert_eq!(e[1].expectation_id.as_ref().unwrap().as_str(), INNOVATOR);
    assert_eq!(
        (e[1].score, e[1].out_dated, e[1].rank),
        (Some(3.2), Some(true), Some(2))
    );
    assert_eq!(e[1].extra.get("weight"), Some(&json!(0.5)));
    // A null list is empty; a lone cc address is a list of one.
    let second = &scans[1];
    assert!(second.expectations.is_empty());
    assert_eq!(second.contact_cc_email, ["team@fjord.example"]);
    assert!(second.domain_ids.is_empty());
    // Serializes back to Kazi's wire names.
    let back = serde_json::to_value(first).unwrap();
    assert_eq!(back["contactFirstName"], json!("Lena"));
    assert_eq!(back["expectations"][1]["expectationId"], json!(INNOVATOR));
    assert_eq!(
        back["clusterIds"][0],
        json!("7e1f0c2d-0000-4000-8000-00000000000a")
    );
}

#[tokio::test]
async fn job_scans_without_options_send_only_the_account() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:jobscans"]).await;
    Mock::given(method("GET"))
        .and(path(job_scans_path()))
        .and(exact_query(&[("accountId", ACCOUNT)]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .named("job scans, Kazi's defaults")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let answer = client
        .administrator()
        .job_scans(ACCOUNT)
        .search("  ")
        .external_ref("")
        .domain_ids([" "])
        .sort("")
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert!(answer.value().is_empty());
}

#[tokio::test]
async fn the_stream_walks_offsets_by_count_until_a_short_batch() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:jobscans"]).await;
    for (offset, body) in [("5", scans(5, 2)), ("7", scans(7, 2)), ("9", scans(9, 1))] {
        Mock::given(method("GET"))
            .and(path(job_scans_path()))
            .and(exact_query(&[
                ("accountId", ACCOUNT),
                ("offset", offset),
                ("count", "2"),
                ("sort", "title"),
            ]))
            .and(api_headers(&token))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .named(format!("job scans from offset {offset}"))
            .mount(&server)
            .await;
    }

    let client = builder(&server).build().unwrap();
    let request = client
        .administrator()
        .job_scans(ACCOUNT)
        .sort("title")
        .offset(5)
        .count(2);
    let pages: Vec<_> = request.clone().pages().try_collect().await.unwrap();
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    assert!(pages
        .iter()
        .all(|p| p.page_size == Some(2) && p.total_items.is_none()));
    server.reset().await;
    // The same walk, item by item, from a fresh server expecting each batch once.
    let token = mount_token(&server, &["read:jobscans"]).await;
    for (offset, body) in [("5", scans(5, 2)), ("7", scans(7, 2)), ("9", scans(9, 1))] {
        Mock::given(method("GET"))
            .and(path(job_scans_path()))
            .and(exact_query(&[
                ("accountId", ACCOUNT),
                ("offset", offset),
                ("count", "2"),
                ("sort", "title"),
            ]))
            .and(api_headers(&token))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .named(format!("job scans from offset {offset}, streamed"))
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();
    let ids: Vec<String> = client
        .administrator()
        .job_scans(ACCOUNT)
        .sort("title")
        .offset(5)
        .count(2)
        .stream()
        .map_ok(|s| s.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["job-5", "job-6", "job-7", "job-8", "job-9"]);
}

#[tokio::test]
async fn the_stream_counts_in_batches_of_100_by_default() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:jobscans"]).await;
    for (offset, body) in [("0", scans(0, 100)), ("100", scans(100, 0))] {
        Mock::given(method("GET"))
            .and(path(job_scans_path()))
            .and(exact_query(&[("accountId", ACCOUNT), ("offset", offset)]))
            .and(api_headers(&token))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .named(format!("job scans from offset {offset}"))
            .mount(&server)
            .await;
    }
    let client = builder(&server).build().unwrap();
    let all: Vec<_> = client
        .administrator()
        .job_scans(ACCOUNT)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 100);
}

#[tokio::test]
async fn arguments_kazi_would_refuse_are_refused_before_sending() {
    let server = test_support::paths::server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    let admin = client.administrator();
    assert_eq!(
        refused_argument(admin.job_scans(" ").send().await),
        "account_id"
    );
    assert_eq!(
        refused_argument(admin.job_scans(ACCOUNT).count(0).send().await),
        "count"
    );
    assert_eq!(
        refused_argument(
            admin
                .job_scans(ACCOUNT)
                .team_role_ids([INNOVATOR, COORDINATOR, "a", "b", "c"])
                .send()
                .await
        ),
        "team_role_ids"
    );
    assert_eq!(
        refused_argument(
            admin
                .job_scans(ACCOUNT)
                .work_value_ids([AUTONOMY, CHALLENGE, "a", "b"])
                .send()
                .await
        ),
        "work_value_ids"
    );
    assert_eq!(
        refused_argument(admin.job_scans(ACCOUNT).path("jobscans?x=1").send().await),
        "path"
    );
    let first = admin.job_scans(ACCOUNT).count(0).stream().try_next().await;
    assert_eq!(refused_argument(first), "count");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_portal_path_replaces_ours() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:jobscans"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/admin/v2/accounts/jobscans")))
        .and(exact_query(&[("accountId", ACCOUNT)]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(scans(0, 1)))
        .expect(1)
        .named("job scans at the portal's path")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let scans = client
        .administrator()
        .job_scans(ACCOUNT)
        .path("/admin/v2/accounts/jobscans")
        .await
        .unwrap();
    assert_eq!(scans.len(), 1);
}

#[tokio::test]
async fn a_bad_request_is_an_api_error_and_a_missing_scope_is_named() {
    let server = MockServer::start().await;
    let token = mount_token_at(&server, &token_path(), &["read:talentscans"], 1).await;
    Mock::given(method("GET"))
        .and(path(job_scans_path()))
        .and(exact_query(&[("accountId", ACCOUNT), ("sort", "salary")]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {"sort": ["The value 'salary' is not valid for sort."]}
        })))
        .expect(1)
        .named("job scans: bad sort")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(job_scans_path()))
        .and(exact_query(&[("accountId", ACCOUNT)]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401,
            "message": "Missing required scope read:jobscans"
        })))
        .expect(1)
        .named("job scans: missing scope")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let err = client
        .administrator()
        .job_scans(ACCOUNT)
        .sort("salary")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));

    let err = client.administrator().job_scans(ACCOUNT).await.unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::MissingRole {
            required: "read:jobscans".to_owned(),
            granted: vec!["read:talentscans".to_owned()],
        })
    );
}

fn talent_scans_path() -> String {
    format!("{API}{}", kazi_tagging::api::ACCOUNT_TALENT_SCANS_PATH)
}

#[tokio::test]
async fn talent_scans_send_every_parameter_and_decode_the_talents() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:talentscans"]).await;
    Mock::given(method("GET"))
        .and(path(talent_scans_path()))
        .and(exact_query(&[
            ("accountId", ACCOUNT),
            ("atsClientId", "ats-17"),
            ("externalRef", "CAND-9"),
            ("shouldHaveExpectations", "true"),
            ("includeExpectations", "true"),
            ("workValueIds", &format!("{AUTONOMY},{CHALLENGE}")),
            ("offset", "0"),
            ("count", "5"),
            ("sort", "-lastname"),
            ("search", "peeters"),
            ("domainIds", DOMAIN),
        ]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "clientId": "5d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a",
            "createdOn": "2024-04-02T10:00:00Z",
            "expectations": [{"expectationId": AUTONOMY, "score": "4.1", "outDated": false, "rank": 1, "reportRank": 1}],
            "id": crate::TALENT_SCAN,
            "atsClientId": "ats-17",
            "clusterIds": ["c1"],
            "domainIds": [DOMAIN],
            "email": "lena.peeters@example.org",
            "externalRef": "CAND-9",
            "firstName": "Lena",
            "lastName": "Peeters",
            "nationality": "BE",
            "phone": "+32 470 00 00 01",
            "schoolIds": null,
            "birthYear": 1994
        }])))
        .expect(1)
        .named("talent scans with every parameter")
        .mount(&server)
        .await;

    let client = builder(&server).build().unwrap();
    let talents = client
        .administrator()
        .talent_scans(ACCOUNT)
        .ats_client_id("ats-17")
        .external_ref("CAND-9")
        .should_have_expectations(true)
        .include_expectations(true)
        .work_value_ids([AUTONOMY, CHALLENGE])
        .offset(0)
        .count(5)
        .sort("-lastname")
        .search("peeters")
        .domain_ids([DOMAIN])
        .await
        .unwrap();

    assert_eq!(talents.len(), 1);
    let t = &talents[0];
    assert_eq!(t.id.as_str(), crate::TALENT_SCAN);
    assert_eq!(
        (
            t.first_name.as_deref(),
            t.last_name.as_deref(),
            t.email.as_deref()
        ),
        (
            Some("Lena"),
            Some("Peeters"),
            Some("lena.peeters@example.org")
        )
    );
    assert_eq!(t.ats_client_id.as_deref(), Some("ats-17"));
    assert_eq!(t.nationality.as_deref(), Some("BE"));
    assert_eq!(t.phone.as_deref(), Some("+32 470 00 00 01"));
    assert_eq!(t.external_ref.as_deref(), Some("CAND-9"));
    assert_eq!(t.created_on.as_deref(), Some("2024-04-02T10:00:00Z"));
    assert_eq!(
        (t.cluster_ids.as_slice(), t.domain_ids.as_slice()),
        (&["c1".to_owned()][..], &[DOMAIN.to_owned()][..])
    );
    assert!(t.school_ids.is_empty());
    assert_eq!(t.expectations[0].score, Some(4.1));
    assert_eq!(t.extra.get("birthYear"), Some(&json!(1994)));
}

#[tokio::test]
async fn talent_scans_need_read_talentscans() {
    let server = MockServer::start().await;
    let token = mount_token_at(&server, &token_path(), &["read:jobscans"], 1).await;
    Mock::given(method("GET"))
        .and(path(talent_scans_path()))
        // A stream names every batch's offset, the first too.
        .and(exact_query(&[("accountId", ACCOUNT), ("offset", "0")]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401,
            "message": "Missing required scope read:talentscans"
        })))
        .expect(1)
        .named("talent scans: missing scope")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .administrator()
        .talent_scans(ACCOUNT)
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        err.auth_kind(),
        Some(&AuthErrorKind::MissingRole {
            required: "read:talentscans".to_owned(),
            granted: vec!["read:jobscans".to_owned()],
        })
    );
}

/// Kazi's bounds are inclusive: its top 4 team roles and top 3 work values may all
/// be given, and are sent as comma-separated lists.
#[tokio::test]
async fn the_filters_take_as_many_ids_as_kazi_allows() {
    let server = MockServer::start().await;
    let token = mount_token(&server, &["read:jobscans"]).await;
    let team_roles = [INNOVATOR, COORDINATOR, "role-3", "role-4"];
    let work_values = [AUTONOMY, CHALLENGE, "value-3"];
    Mock::given(method("GET"))
        .and(path(job_scans_path()))
        .and(exact_query(&[
            ("accountId", ACCOUNT),
            ("teamRoleIds", &team_roles.join(",")),
            ("workValueIds", &work_values.join(",")),
        ]))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(scans(0, 1)))
        .expect(1)
        .named("job scans with the most filters Kazi takes")
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let found = client
        .administrator()
        .job_scans(ACCOUNT)
        .team_role_ids(team_roles)
        .work_value_ids(work_values)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

/// A replacement path must be absolute and hold no query or fragment: each is
/// refused on its own, before anything is sent.
#[tokio::test]
async fn a_replacement_path_is_refused_when_relative_or_with_a_query() {
    let server = test_support::paths::server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    let admin = client.administrator();
    for bad in [
        "admin/v2/jobscans",
        "/admin/v2/jobscans?x=1",
        "/admin/v2/jobscans#top",
    ] {
        assert_eq!(
            refused_argument(admin.job_scans(ACCOUNT).path(bad).send().await),
            "path",
            "{bad}"
        );
        assert_eq!(
            refused_argument(admin.talent_scans(ACCOUNT).path(bad).send().await),
            "path",
            "{bad}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// A request shows what it will ask for in `Debug` (for logs), the account and the
/// filters.
#[tokio::test]
async fn a_request_shows_its_account_and_filters_in_debug() {
    let server = test_support::paths::server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    let request = client
        .administrator()
        .job_scans(ACCOUNT)
        .search("engineer")
        .count(7);
    let shown = format!("{request:?}");
    for part in [
        "ListAccountScansRequest",
        ACCOUNT,
        "engineer",
        "count: Some(7)",
    ] {
        assert!(shown.contains(part), "{part}: {shown}");
    }
}
