//! Kazi Tagging: Azure AD v1 client credentials + APIM key, every endpoint.

use futures_util::TryStreamExt;
use kazi_tagging::{ExpectationKind, JobMatch};
use vendor_sandbox::Vendor;

use super::{assert_only, assert_unique, bounded, sandbox, traffic};

#[tokio::test]
async fn every_endpoint_with_one_token() {
    let sandbox = sandbox().await;
    let scan_id = sandbox.kazi().known_talent_scan_id;
    let client = workspace_tests::kazi_client(&sandbox).unwrap();

    bounded(async {
        let token = client.token().await.unwrap();
        assert_eq!(token.has_role("read:expectations"), Some(true));
        assert_eq!(token.has_role("read:talentscans"), Some(true));

        let expectations = client.expectations().list().await.unwrap();
        assert_eq!(expectations.len(), 12);
        assert_unique(expectations.iter().map(|e| e.id_str()));
        let work_values = expectations
            .iter()
            .filter(|e| e.kind() == ExpectationKind::WorkValue)
            .count();
        let team_roles = expectations
            .iter()
            .filter(|e| e.kind() == ExpectationKind::TeamRole)
            .count();
        assert_eq!((work_values, team_roles), (6, 6));
        let autonomy = expectations
            .iter()
            .find(|e| e.expectation_name.as_deref() == Some("Autonomy"))
            .expect("the seeded expectation Autonomy");
        assert!(autonomy
            .description
            .as_deref()
            .is_some_and(|d| d.contains("how and when")));

        let page = client
            .talent_scans()
            .matches(scan_id.as_str())
            .page_size(20)
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.talent_scan.as_ref().map(|t| t.id.as_str()),
            Some(scan_id.as_str())
        );
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
            (Some(1), Some(3), Some(20), Some(45), Some(1), Some(20))
        );
        assert!(p.has_next());
        assert_eq!(page.matches.len(), 20);
        // Kazi's default order is `-match`: best match first.
        let scores: Vec<f64> = page
            .matches
            .iter()
            .map(|m| m.match_score.expect("every match has a score"))
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        assert!(page.matches.iter().all(|m| !m.expectations.is_empty()));

        let all: Vec<JobMatch> = client
            .talent_scans()
            .matches(scan_id.as_str())
            .page_size(20)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            assert_unique(all.iter().map(|m| m.job_scan.id.as_str())),
            45
        );
        // The stream starts where the single page did.
        let first_ids: Vec<&str> = page
            .matches
            .iter()
            .map(|m| m.job_scan.id.as_str())
            .collect();
        let streamed_ids: Vec<&str> = all[..20].iter().map(|m| m.job_scan.id.as_str()).collect();
        assert_eq!(first_ids, streamed_ids);
    })
    .await;

    let stats = sandbox.stats();
    // One token for the whole session; 1 + 1 + 3 pages of API calls, all 200.
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 1, 5, 5), "{stats:?}");
    assert_only(&stats, Vendor::Kazi);
}

#[tokio::test]
async fn unknown_talent_scan_is_a_404() {
    let sandbox = sandbox().await;
    let client = workspace_tests::kazi_client(&sandbox).unwrap();

    let err = bounded(
        client
            .talent_scans()
            .matches("00000000-0000-0000-0000-000000000000")
            .send(),
    )
    .await
    .unwrap_err();

    assert!(
        matches!(err, kazi_tagging::Error::Api(_)),
        "expected Error::Api, got {err:?}"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert!(!err.is_retryable());
    assert!(err.request_id().is_some(), "{err:?}");
    let stats = sandbox.stats();
    assert_eq!(
        stats.api_calls_with_status(Vendor::Kazi, 404),
        1,
        "{stats:?}"
    );
}

#[tokio::test]
async fn pages_show_the_totals_and_answers_their_request_id() {
    let sandbox = sandbox().await;
    let scan_id = sandbox.kazi().known_talent_scan_id;
    let client = workspace_tests::kazi_client(&sandbox).unwrap();

    let pages: Vec<kazi_tagging::Page<JobMatch>> = bounded(
        client
            .talent_scans()
            .matches(scan_id.as_str())
            .page_size(20)
            .pages()
            .try_collect(),
    )
    .await
    .unwrap();
    let seen: Vec<_> = pages
        .iter()
        .map(|p| (p.items.len(), p.total_items, p.total_pages))
        .collect();
    assert_eq!(
        seen,
        [
            (20, Some(45), Some(3)),
            (20, Some(45), Some(3)),
            (5, Some(45), Some(3))
        ]
    );
    let answer = bounded(client.expectations().list().send_with_response())
        .await
        .unwrap();
    assert_eq!(answer.value().len(), 12);
    assert!(answer.request_id().is_some(), "{:?}", answer.headers());

    let stats = sandbox.stats();
    // One token; 3 pages and the list, all 200.
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 1, 4, 4), "{stats:?}");
    assert_only(&stats, Vendor::Kazi);
}

#[tokio::test]
async fn an_accounts_job_scans_are_the_matched_jobs_in_offset_batches() {
    // The sandbox's seeded account (docs/WIRE_SHAPES.md, Kazi).
    const ACCOUNT: &str = "0f5e8a2c-4b7d-4e19-9c3a-6d2b8e1f7a40";
    let sandbox = sandbox().await;
    let scan_id = sandbox.kazi().known_talent_scan_id;
    let client = workspace_tests::kazi_client(&sandbox).unwrap();

    bounded(async {
        let scans: Vec<kazi_tagging::AccountJobScan> = client
            .administrator()
            .job_scans(ACCOUNT)
            .count(20)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(assert_unique(scans.iter().map(|s| s.id.as_str())), 45);
        // Oldest first by default; each is one of the talent scan's matched jobs.
        assert!(scans.windows(2).all(|w| w[0].created_on <= w[1].created_on));
        let matched: Vec<JobMatch> = client
            .talent_scans()
            .matches(scan_id.as_str())
            .page_size(100)
            .stream()
            .try_collect()
            .await
            .unwrap();
        for scan in &scans {
            let job = matched
                .iter()
                .find(|m| m.job_scan.id == scan.id)
                .expect("every job scan is matched");
            assert_eq!(job.job_scan.title, scan.title);
        }

        let calculated = client
            .administrator()
            .job_scans(ACCOUNT)
            .should_have_expectations(true)
            .include_expectations(true)
            .sort("-createdon")
            .await
            .unwrap();
        assert_eq!(calculated.len(), 39);
        assert!(calculated.iter().all(|s| s.expectations.len() == 12
            && s.expectations
                .iter()
                .all(|e| e.rank.is_some_and(|r| (1..=6).contains(&r)))));
    })
    .await;

    let stats = sandbox.stats();
    // One token; 3 batches of job scans, 1 page of matches, 1 filtered call.
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 1, 5, 5), "{stats:?}");
    assert_only(&stats, Vendor::Kazi);
}

#[tokio::test]
async fn an_accounts_talent_scans_start_with_the_matched_talent() {
    const ACCOUNT: &str = "0f5e8a2c-4b7d-4e19-9c3a-6d2b8e1f7a40";
    let sandbox = sandbox().await;
    let scan_id = sandbox.kazi().known_talent_scan_id;
    let client = workspace_tests::kazi_client(&sandbox).unwrap();

    let talents: Vec<kazi_tagging::AccountTalentScan> = bounded(
        client
            .administrator()
            .talent_scans(ACCOUNT)
            .count(10)
            .stream()
            .try_collect(),
    )
    .await
    .unwrap();
    assert_eq!(assert_unique(talents.iter().map(|t| t.id.as_str())), 24);
    assert_eq!(talents[0].id.as_str(), scan_id);
    assert_eq!(talents[0].last_name.as_deref(), Some("Sandbox"));

    let stats = sandbox.stats();
    // One token; batches of 10, 10 and 4.
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 1, 3, 3), "{stats:?}");
    assert_only(&stats, Vendor::Kazi);
}

#[tokio::test]
async fn creating_a_talent_scan_without_write_talentscans_names_the_scope() {
    let sandbox = sandbox().await;
    let client = workspace_tests::kazi_client(&sandbox).unwrap();

    let err = bounded(
        client.talent_scans().create(
            kazi_tagging::NewTalentScan::new()
                .first_name("Lena")
                .email("lena@example.org"),
        ),
    )
    .await
    .unwrap_err();
    match err.auth_kind() {
        Some(kazi_tagging::AuthErrorKind::MissingRole { required, granted }) => {
            assert_eq!(required, "write:talentscans");
            assert!(
                granted.iter().any(|g| g == "read:talentscans"),
                "{granted:?}"
            );
        }
        other => panic!("expected a missing role, got {other:?}: {err}"),
    }
    let stats = sandbox.stats();
    assert_eq!(
        stats.api_calls_with_status(Vendor::Kazi, 401),
        1,
        "{stats:?}"
    );
}
