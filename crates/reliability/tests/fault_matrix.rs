//! The fault matrix: every row as its own test (so a failure names its row), and the
//! whole table run once more as a matrix that catches panics and hangs and writes
//! `target/reliability-summary.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use reliability::matrix::{self, Verdict};
use reliability::secrets::Secrets;
use reliability::summary::{self, Summary};

/// Longer than any row's own timeouts (10 s at most): a row still running then is hung.
const ROW_DEADLINE: Duration = Duration::from_secs(20);

async fn run_row(name: &str) {
    let scenario = matrix::scenario(name).unwrap_or_else(|| panic!("no row `{name}`"));
    let outcome = matrix::run_scenario(scenario, Arc::new(Secrets::random()), ROW_DEADLINE).await;
    match outcome.verdict {
        Verdict::Passed => eprintln!("{name}: {} ({:?})", outcome.observed, outcome.elapsed),
        other => panic!("{name} ({}): {other:?}", scenario.expect),
    }
}

macro_rules! rows {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                run_row(stringify!($name)).await;
            }
        )*

        const TESTED: &[&str] = &[$(stringify!($name)),*];
    };
}

rows!(
    token_connection_refused,
    token_reset_mid_body,
    token_no_answer,
    token_http_500,
    token_http_502,
    token_http_503,
    token_http_504,
    token_500_then_success,
    token_429_retry_after_then_success,
    token_429_without_retry_after,
    token_429_retry_after_over_cap,
    token_200_html,
    token_200_empty_body,
    token_200_without_access_token,
    token_expires_in_negative,
    token_expires_in_zero,
    token_expires_in_zero_is_not_cached,
    token_expires_in_huge,
    token_expires_in_not_a_number,
    token_type_not_bearer,
    token_fake_gzip,
    token_oauth_invalid_client,
    token_redirect_not_followed,
    token_body_over_cap,
    token_error_echoes_request,
    api_connection_refused,
    api_reset_mid_body,
    api_no_answer,
    api_http_500,
    api_http_502,
    api_http_503,
    api_http_504,
    api_post_500_not_retried,
    api_503_then_success,
    api_429_retry_after_then_success,
    api_429_without_retry_after,
    api_200_html,
    api_200_empty_body_typed,
    api_401_repeated,
    api_401_then_success,
    api_apim_401_missing_key,
    api_apim_403_not_authorized,
    api_redirect_loop_same_origin,
    api_redirect_cross_origin,
    api_body_over_cap_declared,
    api_body_over_cap_chunked,
    api_body_trickle,
    api_token_endpoint_down,
    api_token_invalid_client,
    api_error_echoes_credentials,
    okq8_http_500,
    okq8_apim_invalid_key,
    okq8_token_invalid_client,
);

#[test]
fn every_row_has_its_own_test() {
    assert_eq!(TESTED, matrix::NAMES, "add the new row to rows!() above");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_matrix_has_no_failure_panic_or_hang() {
    let started = Instant::now();
    let outcomes = matrix::run_matrix(Arc::new(Secrets::random()), ROW_DEADLINE, 8).await;
    let wall = started.elapsed();
    let summary = Summary::of(&outcomes);
    let report = summary::markdown("Fault matrix", &outcomes, wall);
    let path = summary::write_target_file("reliability-summary.md", &report).unwrap();
    eprintln!("{report}\nwritten to {}", path.display());
    println!("fault matrix: {}", summary.line());
    assert_eq!(summary.scenarios, matrix::NAMES.len());
    assert_eq!(summary.panics, 0, "panics:\n{report}");
    assert_eq!(summary.hangs, 0, "hangs:\n{report}");
    assert_eq!(summary.passed, summary.scenarios, "failures:\n{report}");
}
