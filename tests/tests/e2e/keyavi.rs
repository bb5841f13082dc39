//! Keyavi: Azure AD v2 in application mode (client credentials + caller id) and user
//! mode (password grant), APIM key, every endpoint.

use futures_util::TryStreamExt;
use keyavi::{ActionAttempted, FullPayloadLog, LogResult};
use vendor_sandbox::Vendor;

use super::{assert_only, assert_unique, bounded, sandbox, traffic};

/// What the sandbox's fake protection makes of `plain` (see its README): the magic
/// `IKD1`, then every byte XORed with 0x5A.
fn expected_ikd(plain: &[u8]) -> Vec<u8> {
    b"IKD1"
        .iter()
        .copied()
        .chain(plain.iter().map(|b| b ^ 0x5a))
        .collect()
}

#[tokio::test]
async fn app_mode_every_endpoint_with_one_token() {
    let sandbox = sandbox().await;
    let client = workspace_tests::keyavi_app_client(&sandbox).unwrap();
    assert_eq!(client.auth_mode(), keyavi::AuthMode::App);
    assert_eq!(
        client.caller_id().map(|c| c.as_str().to_owned()),
        Some(sandbox.keyavi().caller_id)
    );

    bounded(async {
        let token = client.token().await.unwrap();
        assert_eq!(token.has_role("Payloads.Protect"), Some(true));
        assert_eq!(token.has_role("Logs.Read"), Some(true));

        // Every byte value, so that the XOR and the base64 round trip are both tested.
        let document: Vec<u8> = (0..=255u8).chain(*b"Quarterly report").collect();
        let payload = client
            .payloads()
            .protect_remote(document.clone(), "q3-report.bin")
            .send()
            .await
            .unwrap();
        assert_eq!(payload.payload_name.as_deref(), Some("q3-report.bin"));
        assert!(payload.payload_id.is_some());
        assert!(payload.owner_id.is_some());
        assert!(payload.created_on.is_some());
        assert_eq!(
            payload.ikd_bytes(),
            Some(expected_ikd(&document).as_slice())
        );

        let page = client.logs().payload().page(1).send().await.unwrap();
        let p = &page.pagination;
        assert_eq!(
            (p.total_records, p.page_size, p.items_in_page, p.page),
            (Some(45), Some(20), Some(20), Some(1))
        );
        assert_eq!(p.total_pages(), Some(3));
        assert_eq!(page.data.len(), 20);
        // `logs/payload` carries no personal data: nothing left over in `extra`.
        assert!(page
            .data
            .iter()
            .all(|r| r.log_id.is_some() && r.extra.is_empty()));

        let last = client.logs().payload().page(3).send().await.unwrap();
        assert_eq!(last.data.len(), 5);

        let full: Vec<FullPayloadLog> = client
            .logs()
            .full_payload()
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            assert_unique(
                full.iter()
                    .map(|r| r.log_id.expect("every record has an id"))
            ),
            45
        );
        assert!(full.iter().all(|r| r.user_email_address.is_some()
            && r.user_network
                .as_ref()
                .is_some_and(|n| n.ip_address.is_some())
            && r.log_timestamp.is_some()));
    })
    .await;

    let stats = sandbox.stats();
    // protect (201) + 2 pages + 3 streamed pages (200), one token.
    assert_eq!(traffic(&stats, Vendor::Keyavi), (1, 1, 6, 5), "{stats:?}");
    assert_eq!(stats.api_calls_with_status(Vendor::Keyavi, 201), 1);
    assert_only(&stats, Vendor::Keyavi);
}

#[tokio::test]
async fn user_mode_every_endpoint_with_one_token() {
    let sandbox = sandbox().await;
    let client = workspace_tests::keyavi_user_client(&sandbox).unwrap();
    assert_eq!(client.auth_mode(), keyavi::AuthMode::User);
    assert!(client.caller_id().is_none());

    bounded(async {
        let token = client.token().await.unwrap();
        let claims = token.claims().expect("the sandbox issues JWTs");
        assert_eq!(claims.scopes, vec!["access_as_user".to_owned()]);
        assert!(claims.roles.is_empty());
        assert_eq!(
            claims.preferred_username.as_deref(),
            Some(sandbox.keyavi().username.as_str())
        );

        let payload = client
            .payloads()
            .protect_remote(b"for my eyes only".to_vec(), "note.txt")
            .send()
            .await
            .unwrap();
        assert_eq!(
            payload.ikd_bytes(),
            Some(expected_ikd(b"for my eyes only").as_slice())
        );

        // Filters go through: 45 records, 7 kinds of event in turn, one of them
        // (Decrypt, AccessDenied) twice.
        let denied = client
            .logs()
            .payload()
            .action_attempted(ActionAttempted::Decrypt)
            .result(LogResult::AccessDenied)
            .send()
            .await
            .unwrap();
        assert!(!denied.data.is_empty());
        assert!(denied.data.iter().all(|r| {
            r.action_attempted == Some(ActionAttempted::Decrypt)
                && r.result == Some(LogResult::AccessDenied)
        }));
        assert_eq!(
            denied.pagination.total_records,
            Some(denied.data.len() as u64)
        );

        let full: Vec<FullPayloadLog> = client
            .logs()
            .full_payload()
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            assert_unique(
                full.iter()
                    .map(|r| r.log_id.expect("every record has an id"))
            ),
            45
        );
    })
    .await;

    let stats = sandbox.stats();
    assert_eq!(traffic(&stats, Vendor::Keyavi), (1, 1, 5, 4), "{stats:?}");
    assert_eq!(stats.api_calls_with_status(Vendor::Keyavi, 201), 1);
    assert_only(&stats, Vendor::Keyavi);
}

#[tokio::test]
async fn log_parameters_page_size_time_range_sort_and_the_full_network() {
    use keyavi::{LocalTimestamp, LogSort, PayloadLog};

    let sandbox = sandbox().await;
    let client = workspace_tests::keyavi_app_client(&sandbox).unwrap();

    bounded(async {
        // Newest first, ten per page.
        let page = client
            .logs()
            .payload()
            .page_size(10)
            .sort(LogSort::newest_first())
            .send()
            .await
            .unwrap();
        let p = &page.pagination;
        assert_eq!(
            (
                p.total_records,
                p.page_size,
                p.items_in_page,
                p.total_pages()
            ),
            (Some(45), Some(10), Some(10), Some(5))
        );
        let ids: Vec<u64> = page.data.iter().filter_map(|r| r.log_id).collect();
        assert_eq!(ids.first(), Some(&100_044));
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

        // A time range (bounds inclusive), oldest first, two per page, streamed; an
        // extra parameter goes through (the sandbox ignores what it does not know).
        let in_range: Vec<PayloadLog> = client
            .logs()
            .payload()
            .start_time(LocalTimestamp::parse("2023-05-05T16:00:00").unwrap())
            .end_time(LocalTimestamp::parse("2023-05-05T20:00:00").unwrap())
            .sort(LogSort::oldest_first())
            .page_size(2)
            .param("includeArchived", "false")
            .stream()
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<Option<u64>> = in_range.iter().map(|r| r.log_id).collect();
        assert_eq!(ids, [Some(100_001), Some(100_002), Some(100_003)]);
        assert!(in_range.iter().all(|r| r.o_id.is_some()
            && r.o_id_provider_name.as_deref() == Some("AzureAD")
            && r.extra.is_empty()));

        // The full log's network, every documented field.
        let full = client
            .logs()
            .full_payload()
            .page_size(4)
            .send()
            .await
            .unwrap();
        for record in &full.data {
            let n = record.user_network.as_ref().expect("a network");
            assert!(n.uuid.is_some() && n.address.is_some(), "{n:?}");
            assert!(n.lat_long_degrees().is_some(), "{n:?}");
            assert!(n.extra.is_empty(), "{n:?}");
        }

        // The sandbox refuses what Keyavi would not know.
        let err = client
            .logs()
            .payload()
            .sort(LogSort::descending("PayloadName"))
            .send()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("sort"), "{err}");
    })
    .await;
    assert_only(&sandbox.stats(), Vendor::Keyavi);
}
