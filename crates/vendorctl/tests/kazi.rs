//! `vendorctl kazi ...` run as a process against the sandbox: the Administrator
//! API's job scans and the Kazi-specific hints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use serde_json::Value;
use vendor_sandbox::{Sandbox, SandboxConfig, Vendor};

const BIN: &str = env!("CARGO_BIN_EXE_vendorctl");

/// The account the sandbox seeds with 45 job scans (WIRE_SHAPES, Kazi).
const ACCOUNT: &str = "0f5e8a2c-4b7d-4e19-9c3a-6d2b8e1f7a40";

/// Runs vendorctl with the sandbox's environment plus `extra`; no secret may be printed.
async fn run(sandbox: &Sandbox, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in sandbox.env_vars() {
        cmd.env(k, v);
    }
    cmd.env("VENDORCTL_INSECURE_LOOPBACK", "1");
    cmd.env("VENDORCTL_NO_TOKEN_CACHE", "1");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        tokio::task::spawn_blocking(move || cmd.output()),
    )
    .await
    .expect("vendorctl finishes within a minute")
    .unwrap()
    .expect("vendorctl runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let kazi = sandbox.kazi();
    for secret in [kazi.client_secret, kazi.subscription_key] {
        assert!(!all.contains(&secret), "a secret leaked in {args:?}: {all}");
    }
    assert!(!all.contains("panicked"), "{all}");
    out
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_scans_lists_one_batch_or_every_batch() {
    let s = sandbox().await;
    let doc = json(
        &run(
            &s,
            &["kazi", "job-scans", ACCOUNT, "--count", "20", "--json"],
            &[],
        )
        .await,
    );
    assert_eq!(doc["count"], 20);
    assert_eq!(doc["page"]["page_size"], 20);
    let first = &doc["items"][0];
    for field in [
        "id",
        "title",
        "employer",
        "contactFirstName",
        "contactEmail",
        "createdOn",
    ] {
        assert!(first[field].is_string(), "{field} in {first}");
    }
    // Oldest first, Kazi's default order.
    let created: Vec<&str> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["createdOn"].as_str().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]), "{created:?}");

    let doc = json(
        &run(
            &s,
            &[
                "kazi",
                "job-scans",
                ACCOUNT,
                "--all",
                "--count",
                "10",
                "--json",
            ],
            &[],
        )
        .await,
    );
    assert_eq!(doc["count"], 45);
    assert_eq!(doc["page"]["pages_fetched"], 5);
    let mut ids: Vec<&str> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 45, "no scan twice across batches");
    // One token for both runs' calls would need the cache; each run asks once.
    assert_eq!(s.stats().token_requests_total(Vendor::Kazi), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_scans_filters_reach_the_api() {
    let s = sandbox().await;
    let doc = json(
        &run(
            &s,
            &[
                "kazi",
                "job-scans",
                ACCOUNT,
                "--calculated",
                "--with-expectations",
                "--search",
                "engineer",
                "--sort",
                "-createdon",
                "--json",
            ],
            &[],
        )
        .await,
    );
    let items = doc["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for scan in items {
        assert!(
            scan["title"].as_str().unwrap().contains("Engineer"),
            "{scan}"
        );
        assert_eq!(scan["expectations"].as_array().unwrap().len(), 12);
    }
    let created: Vec<&str> = items
        .iter()
        .map(|i| i["createdOn"].as_str().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");

    // The table names the account and the columns.
    let out = run(&s, &["kazi", "job-scans", ACCOUNT, "--count", "3"], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("Job scans of account {ACCOUNT} (3)")),
        "{text}"
    );
    assert!(text.contains("employer"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_scans_errors_say_what_to_fix() {
    let s = sandbox().await;
    let out = run(&s, &["kazi", "job-scans", ACCOUNT, "--count", "0"], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("count"), "{}", stderr(&out));

    let five = ["a", "b", "c", "d", "e"]
        .iter()
        .flat_map(|id| ["--team-role", id])
        .collect::<Vec<_>>();
    let mut args = vec!["kazi", "job-scans", ACCOUNT];
    args.extend(five);
    let out = run(&s, &args, &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("team_role_ids"), "{}", stderr(&out));

    let out = run(
        &s,
        &["kazi", "job-scans", "5e1c0000-0000-4000-8000-000000000000"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    // Nothing was sent for the refused arguments.
    assert_eq!(s.stats().token_requests_total(Vendor::Kazi), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_key_hint_names_kazi_env() {
    let s = sandbox().await;
    let out = run(
        &s,
        &["kazi", "expectations"],
        &[(
            "KAZI_SUBSCRIPTION_KEY",
            "a-key-of-the-other-environment-123",
        )],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for needle in [
        "subscription key was rejected",
        "KAZI_SUBSCRIPTION_KEY",
        "KAZI_ENV (now `test`",
        "test and production keys differ",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn talent_scans_lists_the_accounts_talents() {
    let s = sandbox().await;
    let known = s.kazi().known_talent_scan_id;
    let doc = json(&run(&s, &["kazi", "talent-scans", ACCOUNT, "--json"], &[]).await);
    assert_eq!(doc["count"], 24);
    assert_eq!(doc["items"][0]["id"], known.as_str());
    assert_eq!(doc["items"][0]["lastName"], "Sandbox");

    let doc = json(
        &run(
            &s,
            &[
                "kazi",
                "talent-scans",
                ACCOUNT,
                "--all",
                "--count",
                "7",
                "--calculated",
                "--with-expectations",
                "--sort",
                "-lastname,firstname",
                "--json",
            ],
            &[],
        )
        .await,
    );
    let items = doc["items"].as_array().unwrap();
    assert_eq!(items.len(), 20, "every 5th talent has no expectations yet");
    assert_eq!(doc["page"]["pages_fetched"], 3);
    assert!(items
        .iter()
        .all(|t| t["expectations"].as_array().unwrap().len() == 12));
    let last_names: Vec<&str> = items
        .iter()
        .map(|t| t["lastName"].as_str().unwrap())
        .collect();
    assert!(
        last_names.windows(2).all(|w| w[0] >= w[1]),
        "{last_names:?}"
    );

    let out = run(
        &s,
        &["kazi", "talent-scans", ACCOUNT, "--search", "sam.sandbox"],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("Talent scans of account {ACCOUNT} (1)")),
        "{text}"
    );
    assert!(text.contains("Sam Sandbox"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_talent_scan_needs_write_talentscans_and_checks_the_email_first() {
    let s = sandbox().await;
    // The sandbox's client is not granted write:talentscans, as a read-only
    // registration would not be: the call is refused and the hint names the scope.
    let out = run(
        &s,
        &[
            "kazi",
            "create-talent-scan",
            "--first-name",
            "Lena",
            "--last-name",
            "Peeters",
            "--email",
            "lena.peeters@example.org",
            "--domain",
            "c0a8012e-0000-4000-8000-000000000001",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("write:talentscans"), "{err}");
    assert!(err.contains("KAZI_CLIENT_ID"), "{err}");
    assert_eq!(s.stats().api_calls_with_status(Vendor::Kazi, 401), 1);

    let out = run(
        &s,
        &["kazi", "create-talent-scan", "--email", "not-an-address"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("email"), "{}", stderr(&out));
    // Refused before anything was sent.
    assert_eq!(s.stats().api_calls_with_status(Vendor::Kazi, 401), 1);
}
