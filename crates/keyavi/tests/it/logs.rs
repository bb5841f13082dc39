//! `logs/payload` and `logs/full-payload`.

use futures_util::{StreamExt, TryStreamExt};
use keyavi::{ActionAttempted, Error, LogResult, PayloadLog};
use serde_json::{json, Value};
use test_support::assertions::refused_argument;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

#[tokio::test]
async fn payload_logs_send_filters_and_decode_the_documented_record() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .and(exact_query(&[
            ("actionAttempted", "Decrypt"),
            ("result", "AccessDenied"),
            ("page", "2"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("logs_payload.json")))
        .expect(1)
        .named("logs/payload filtered")
        .mount(&server)
        .await;

    let client = app_builder(&server).build().unwrap();
    let page = client
        .logs()
        .payload()
        .action_attempted(ActionAttempted::Decrypt)
        .result(LogResult::AccessDenied)
        .page(2)
        .send()
        .await
        .unwrap();

    assert_eq!(page.pagination.total_records, Some(3));
    assert_eq!(page.pagination.page_size, Some(100));
    assert_eq!(page.pagination.items_in_page, Some(3));
    assert_eq!(page.pagination.page, Some(1));
    assert_eq!(page.data.len(), 3);

    let first = &page.data[0];
    assert_eq!(first.log_id, Some(100_001));
    assert_eq!(
        first.user_id.as_ref().map(|u| u.as_str()),
        Some("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
    );
    assert_eq!(first.payload_name.as_deref(), Some("board-minutes.docx"));
    assert_eq!(first.action_attempted, Some(ActionAttempted::Decrypt));
    assert_eq!(first.result, Some(LogResult::AccessDenied));
    assert_eq!(first.result_reason.as_deref(), Some("UserPayloadNoAccess"));
    let ts = first.log_timestamp.as_ref().unwrap();
    assert_eq!(ts.date(), (2023, 5, 5));
    assert_eq!(ts.time(), (15, 54, 22));
    assert_eq!(ts.subsec_nanos(), 507_127_600);
    assert_eq!(ts.offset_seconds(), None);

    // A numeric string id is accepted.
    assert_eq!(page.data[1].log_id, Some(100_002));
    assert_eq!(page.data[1].result, Some(LogResult::RevokeAccess));
    assert_eq!(page.data[1].action_attempted, Some(ActionAttempted::Audit));

    // Values this crate does not know are kept, and so are unknown fields.
    let third = &page.data[2];
    assert_eq!(
        third.action_attempted,
        Some(ActionAttempted::Unknown("Watermark".into()))
    );
    assert_eq!(third.result, Some(LogResult::Unknown("Quarantined".into())));
    assert_eq!(third.extra.get("geoFence"), Some(&json!("EU")));
    assert!(page.data[0].log_timestamp < third.log_timestamp);
}

#[tokio::test]
async fn full_payload_logs_decode_personal_data_and_network() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/full-payload")))
        .and(api_headers(&token))
        .and(exact_query(&[("result", "RevokeAccess")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("logs_full_payload.json")))
        .expect(1)
        .named("logs/full-payload")
        .mount(&server)
        .await;

    let client = app_builder(&server).build().unwrap();
    let page = client
        .logs()
        .full_payload()
        .result("revokeaccess")
        .send()
        .await
        .unwrap();
    let record = &page.data[0];
    assert_eq!(
        record.user_last_name_first_name.as_deref(),
        Some("Doe, Jane")
    );
    assert_eq!(
        record.user_email_address.as_deref(),
        Some("jane.doe@contoso.example")
    );
    assert_eq!(
        record.current_owner_last_name_first_name.as_deref(),
        Some("Smith, Arjun")
    );
    assert_eq!(
        record.current_owner_email_address.as_deref(),
        Some("arjun.smith@contoso.example")
    );
    assert_eq!(record.result, Some(LogResult::AccessDenied));
    let network = record.user_network.as_ref().unwrap();
    assert_eq!(network.ip_address.as_deref(), Some("10.20.0.11"));
    assert_eq!(network.network_name.as_deref(), Some("contoso-corp"));
    assert_eq!(network.domain_name.as_deref(), Some("contoso.example"));
    assert_eq!(network.device_type.as_deref(), Some("Desktop"));
    assert_eq!(network.machine_name.as_deref(), Some("LAPTOP-JD4821"));
    assert_eq!(network.mac.as_deref(), Some("00-15-5D-00-01-A1"));
    assert_eq!(network.extra.get("vpn"), Some(&json!(false)));
    assert!(record.log_timestamp.is_some());
}

fn log_page(page: u64, page_size: u64, total: u64) -> Value {
    let start = (page - 1) * page_size;
    let end = (start + page_size).min(total);
    let data: Vec<Value> = (start..end)
        .map(|i| {
            json!({
                "logId": 1000 + i,
                "payloadId": format!("payload-{i}"),
                "actionAttempted": "Decrypt",
                "result": "Success",
                "logTimestamp": format!("2023-05-05T15:{:02}:22.5071276", i % 60),
            })
        })
        .collect();
    json!({
        "pagination": {"totalRecords": total, "pageSize": page_size, "itemsInPage": data.len(), "page": page},
        "data": data,
    })
}

async fn mount_log_pages(server: &MockServer, token: &str, pages: &[u64], total: u64) {
    for &page in pages {
        let page_text = page.to_string();
        Mock::given(method("GET"))
            .and(path(format!("{API}/logs/payload")))
            .and(api_headers(token))
            .and(exact_query(&[
                ("actionAttempted", "Decrypt"),
                ("page", page_text.as_str()),
            ]))
            .respond_with(ResponseTemplate::new(200).set_body_json(log_page(page, 2, total)))
            .expect(1)
            .named(format!("logs/payload page {page}"))
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn stream_reads_every_page_and_stops_at_the_total() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    // 6 records, 2 per page: pages 1 to 3, and page 4 must never be asked for.
    mount_log_pages(&server, &token, &[1, 2, 3], 6).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(exact_query(&[
            ("actionAttempted", "Decrypt"),
            ("page", "4"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(log_page(4, 2, 6)))
        .expect(0)
        .named("logs/payload page 4 (past the end)")
        .mount(&server)
        .await;

    let client = app_builder(&server).build().unwrap();
    let records: Vec<PayloadLog> = client
        .logs()
        .payload()
        .action_attempted("Decrypt")
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<u64> = records.iter().filter_map(|r| r.log_id).collect();
    assert_eq!(ids, vec![1000, 1001, 1002, 1003, 1004, 1005]);
}

#[tokio::test]
async fn stream_can_start_at_a_later_page() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    // 5 records, 2 per page: start at page 2, read 2 and 3 (the short last page).
    mount_log_pages(&server, &token, &[2, 3], 5).await;
    let client = app_builder(&server).build().unwrap();
    let ids: Vec<u64> = client
        .logs()
        .payload()
        .action_attempted(ActionAttempted::Decrypt)
        .page(2)
        .stream()
        .map(|r| r.unwrap().log_id.unwrap())
        .collect()
        .await;
    assert_eq!(ids, vec![1002, 1003, 1004]);
}

#[tokio::test]
async fn stream_ends_after_an_error() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    mount_log_pages(&server, &token, &[1], 6).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(exact_query(&[
            ("actionAttempted", "Decrypt"),
            ("page", "2"),
        ]))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"statusCode": 404, "message": "Resource not found"})),
        )
        .expect(1)
        .named("logs/payload page 2 fails")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let items: Vec<keyavi::Result<PayloadLog>> = client
        .logs()
        .payload()
        .action_attempted(ActionAttempted::Decrypt)
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    let err = items[2].as_ref().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn page_zero_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(log_page(1, 2, 2)))
        .expect(0)
        .named("nothing may be sent")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let result = client.logs().payload().page(0).send().await;
    assert_eq!(refused_argument(result), "page");
    let first = client
        .logs()
        .full_payload()
        .page(0)
        .stream()
        .next()
        .await
        .unwrap();
    assert!(matches!(
        first,
        Err(Error::InvalidArgument(e))
     if e.name() == "page"));
}

#[tokio::test]
async fn every_documented_log_parameter_is_typed_and_the_network_decoded_in_full() {
    use keyavi::{LocalTimestamp, LogSort};

    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/full-payload")))
        .and(api_headers(&token))
        .and(wiremock::matchers::header(keyavi::CALLER_ID_HEADER, CALLER))
        .and(exact_query(&[
            ("actionAttempted", "Decrypt"),
            ("result", "AccessDenied"),
            ("page", "3"),
            ("pageSize", "2"),
            ("startTime", "2023-05-01T00:00:00.0000000"),
            ("endTime", "2023-05-31T23:59:59"),
            ("sort", "+LogTimestamp"),
            ("payloadName", "IdNullaUltrices.txt"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("logs_full_network.json")))
        .expect(1)
        .named("logs/full-payload with every parameter")
        .mount(&server)
        .await;

    let client = app_builder(&server).build().unwrap();
    let start = LocalTimestamp::try_from(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_682_899_200),
    )
    .unwrap();
    let page = client
        .logs()
        .full_payload()
        .action_attempted(ActionAttempted::Decrypt)
        .result(LogResult::AccessDenied)
        .page(3)
        .page_size(2)
        .start_time(start)
        .end_time(LocalTimestamp::parse("2023-05-31T23:59:59").unwrap())
        .sort(LogSort::oldest_first())
        .param("payloadName", "IdNullaUltrices.txt")
        .send()
        .await
        .unwrap();

    assert_eq!(page.pagination.total_records, Some(26_381));
    assert_eq!(page.pagination.page_size, Some(2));
    assert_eq!(page.pagination.page, Some(3));
    let record = &page.data[0];
    assert_eq!(record.log_id, Some(30_088));
    assert_eq!(
        record.user_last_name_first_name.as_deref(),
        Some("Attree,Bevin")
    );
    assert_eq!(
        record.o_id.as_deref(),
        Some("5c1f0e2d-7a3b-4c9d-8e6f-1a2b3c4d5e6f")
    );
    assert_eq!(record.o_id_provider_name.as_deref(), Some("AzureAD"));
    let network = record.user_network.as_ref().unwrap();
    assert_eq!(network.ip_address.as_deref(), Some("60.254.90.254"));
    assert_eq!(network.network_name.as_deref(), Some("Three Faces East "));
    assert_eq!(
        network.network_id.as_deref(),
        Some("7dd47255-8751-4e16-8f82-2ec428ec75b2")
    );
    assert_eq!(network.domain_name.as_deref(), Some("AzureAD"));
    assert_eq!(
        network.device_type.as_deref(),
        Some("Microsoft Windows 10 Enterprise")
    );
    assert_eq!(network.machine_name.as_deref(), Some("17bqaDnu9"));
    assert_eq!(network.mac.as_deref(), Some("9SCOO7ZEKL"));
    assert_eq!(
        network.uuid.as_deref(),
        Some("86349ada-f414-4a86-9c73-430f451e85f9")
    );
    // An empty string is "not known".
    assert_eq!(network.service_provider, None);
    assert_eq!(network.lat_long.as_deref(), Some("84.9183,-09.7229"));
    assert_eq!(network.lat_long_degrees(), Some((84.9183, -9.7229)));
    assert_eq!(
        network.address.as_deref(),
        Some("56 Nobel Terrace, New York, NY 10029, USA")
    );
    // Fields Keyavi adds later are kept.
    assert_eq!(network.extra.get("vpn"), Some(&json!(true)));
}

#[tokio::test]
async fn the_stream_sends_every_parameter_on_every_page() {
    use keyavi::LogSort;

    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    for (page, ids) in [("1", [1, 2]), ("2", [3, 4])] {
        let data: Vec<Value> = ids.iter().map(|id| json!({"logId": id})).collect();
        Mock::given(method("GET"))
            .and(path(format!("{API}/logs/payload")))
            .and(api_headers(&token))
            .and(exact_query(&[
                ("page", page),
                ("pageSize", "2"),
                ("sort", "-LogTimestamp"),
                ("userId", "u-1"),
            ]))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "pagination": {"totalRecords": 4, "pageSize": 2, "itemsInPage": 2, "page": page},
                "data": data,
            })))
            .expect(1)
            .named("a page of the sorted stream")
            .mount(&server)
            .await;
    }
    let client = app_builder(&server).build().unwrap();
    let records: Vec<PayloadLog> = client
        .logs()
        .payload()
        .page_size(2)
        .sort(LogSort::newest_first())
        .param("userId", "u-1")
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<Option<u64>> = records.iter().map(|r| r.log_id).collect();
    assert_eq!(ids, [Some(1), Some(2), Some(3), Some(4)]);
}

#[tokio::test]
async fn bad_log_parameters_are_refused_before_sending() {
    use keyavi::LocalTimestamp;

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let logs = client.logs();
    assert_eq!(
        refused_argument(logs.payload().page_size(0).send().await),
        "page_size"
    );
    assert_eq!(
        refused_argument(
            logs.payload()
                .page_size(keyavi::MAX_PAGE_SIZE + 1)
                .send()
                .await
        ),
        "page_size"
    );
    let early = LocalTimestamp::parse("2023-05-01T00:00:00").unwrap();
    let late = LocalTimestamp::parse("2023-05-02T00:00:00").unwrap();
    assert_eq!(
        refused_argument(logs.payload().start_time(late).end_time(early).send().await),
        "end_time"
    );
    for name in ["page", "pageSize", "sort", "startTime", " "] {
        assert_eq!(
            refused_argument(logs.full_payload().param(name, "1").send().await),
            "param",
            "{name}"
        );
    }
}

/// A log request shows in `Debug` (for logs) which log it reads, its filters and its
/// page.
#[tokio::test]
async fn a_log_request_shows_its_log_filters_and_page_in_debug() {
    let server = MockServer::start().await;
    let client = app_builder(&server).build().unwrap();
    let shown = format!(
        "{:?}",
        client
            .logs()
            .full_payload()
            .result(LogResult::AccessDenied)
            .page(3)
    );
    for part in ["ListLogsRequest", "logs/full-payload", "AccessDenied", "3"] {
        assert!(shown.contains(part), "{part}: {shown}");
    }
    let shown = format!("{:?}", client.logs().payload());
    assert!(shown.contains("\"logs/payload\""), "{shown}");
}

/// The bounds are inclusive: a page of exactly `MAX_PAGE_SIZE` records, and a time
/// window that starts and ends at the same instant, are sent as given.
#[tokio::test]
async fn the_largest_page_and_an_instant_window_are_sent() {
    use keyavi::LocalTimestamp;

    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    let max = keyavi::MAX_PAGE_SIZE.to_string();
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .and(exact_query(&[
            ("pageSize", max.as_str()),
            ("startTime", "2023-05-01T00:00:00"),
            ("endTime", "2023-05-01T00:00:00"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(log_page(1, 2, 0)))
        .expect(1)
        .named("the largest page of an instant")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let instant = LocalTimestamp::parse("2023-05-01T00:00:00").unwrap();
    let page = client
        .logs()
        .payload()
        .page_size(keyavi::MAX_PAGE_SIZE)
        .start_time(instant.clone())
        .end_time(instant)
        .send()
        .await
        .unwrap();
    assert!(page.data.is_empty());
}

/// An answer announcing a page size of 0 has no page count (there is none to
/// compute), and the stream of pages still ends normally.
#[tokio::test]
async fn a_page_size_of_zero_in_the_answer_gives_no_page_count() {
    let server = MockServer::start().await;
    let token = mount_app_token(&server, &["Logs.Read"]).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/logs/payload")))
        .and(api_headers(&token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "pagination": {"totalRecords": 5, "pageSize": 0, "itemsInPage": 0, "page": 1},
            "data": [],
        })))
        .expect(1)
        .named("a page announcing size 0")
        .mount(&server)
        .await;
    let client = app_builder(&server).build().unwrap();
    let pages: Vec<_> = client.logs().payload().pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert_eq!(pages[0].total_items, Some(5));
    assert_eq!(pages[0].total_pages, None);
}
