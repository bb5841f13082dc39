//! `vendorctl keyavi ...` run as a process against the sandbox: the log parameters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use serde_json::Value;
use vendor_sandbox::{Sandbox, SandboxConfig};

const BIN: &str = env!("CARGO_BIN_EXE_vendorctl");

/// Runs vendorctl with the sandbox's environment (plus `extra`, minus `remove`), no
/// token cache, and checks that no secret of the sandbox reached its output.
async fn run(sandbox: &Sandbox, args: &[&str], extra: &[(&str, &str)], remove: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in sandbox.env_vars() {
        if !remove.contains(&k.as_str()) {
            cmd.env(k, v);
        }
    }
    cmd.env("VENDORCTL_INSECURE_LOOPBACK", "1")
        .env("VENDORCTL_NO_TOKEN_CACHE", "1");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("vendorctl runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for secret in [
        sandbox.keyavi().client_secret,
        sandbox.keyavi().password,
        sandbox.keyavi().subscription_key,
    ] {
        assert!(!all.contains(&secret), "a secret leaked in {args:?}: {all}");
    }
    assert!(!all.contains("panicked"), "{all}");
    out
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

fn times(doc: &Value) -> Vec<String> {
    doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["logTimestamp"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_take_page_size_time_range_sort_and_other_parameters() {
    let s = sandbox().await;
    // Newest first, three per page: the sandbox's latest records, in descending order.
    let doc = json(
        &run(
            &s,
            &[
                "-o",
                "json",
                "keyavi",
                "logs",
                "--page-size",
                "3",
                "--sort",
                "newest",
            ],
            &[],
            &[],
        )
        .await,
    );
    assert_eq!(doc["count"], 3, "{doc}");
    assert_eq!(doc["page"]["page_size"], 3, "{doc}");
    let newest = times(&doc);
    assert!(newest[0] > newest[1] && newest[1] > newest[2], "{newest:?}");

    // A time range (a date is midnight UTC; an offset is converted), oldest first, every page.
    let doc = json(
        &run(
            &s,
            &[
                "-o",
                "json",
                "keyavi",
                "logs",
                "--full",
                "--all",
                "--page-size",
                "2",
                "--since",
                "2023-05-05T16:00:00Z",
                "--until",
                "2023-05-05T20:00:00+02:00",
                "--sort",
                "+LogTimestamp",
                "--param",
                "ignored=by-the-sandbox",
            ],
            &[],
            &[],
        )
        .await,
    );
    let in_range = times(&doc);
    assert!(!in_range.is_empty(), "{doc}");
    let mut sorted = in_range.clone();
    sorted.sort();
    assert_eq!(in_range, sorted);
    for t in &in_range {
        assert!(
            t.as_str() >= "2023-05-05T16:00:00" && t.as_str() <= "2023-05-05T18:00:00",
            "{t} out of range"
        );
    }
    // The network of the full log, in full.
    let network = &doc["items"][0]["userNetwork"];
    for field in ["ipAddress", "uuid", "latLong", "address", "machineName"] {
        assert!(network[field].is_string(), "{field} in {network}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_log_parameters_are_usage_errors() {
    let s = sandbox().await;
    for (args, needle) in [
        (
            &["keyavi", "logs", "--since", "last tuesday"][..],
            "--since",
        ),
        (&["keyavi", "logs", "--param", "novalue"][..], "NAME=VALUE"),
        (&["keyavi", "logs", "--param", "page=2"][..], "page"),
        (&["keyavi", "logs", "--page-size", "0"][..], "page_size"),
        (
            &[
                "keyavi",
                "logs",
                "--since",
                "2023-05-06",
                "--until",
                "2023-05-05",
            ][..],
            "end_time",
        ),
    ] {
        let out = run(&s, args, &[], &[]).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    // The sandbox refuses a sort it does not know, with its own message.
    let out = run(&s, &["keyavi", "logs", "--sort", "-PayloadName"], &[], &[]).await;
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("sort"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scope_comes_from_keyavis_api_app_id_and_a_wrong_one_is_warned_about() {
    let s = sandbox().await;
    let app_id = s.keyavi().app_id;
    // Neither KEYAVI_API_APP_ID nor KEYAVI_SCOPE: a usage error naming both, no guess.
    let out = run(&s, &["keyavi", "logs"], &[], &["KEYAVI_SCOPE"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("KEYAVI_API_APP_ID") && err.contains("KEYAVI_SCOPE"),
        "{err}"
    );
    // KEYAVI_API_APP_ID alone builds `<id>/.default`, which the sandbox accepts.
    let doc = json(
        &run(
            &s,
            &["-o", "json", "keyavi", "logs"],
            &[("KEYAVI_API_APP_ID", &app_id)],
            &["KEYAVI_SCOPE"],
        )
        .await,
    );
    assert!(doc["count"].as_u64().unwrap() > 0, "{doc}");
    // User mode given the application scope: it runs, and with --verbose says what to
    // check (without it, only a refusal's error line would).
    let keyavi = s.keyavi();
    let out = run(
        &s,
        &["--verbose", "-o", "json", "keyavi", "logs"],
        &[
            ("KEYAVI_USERNAME", &keyavi.username),
            ("KEYAVI_PASSWORD", &keyavi.password),
            ("KEYAVI_SCOPE", &format!("{app_id}/.default")),
        ],
        &["KEYAVI_CALLER_ID"],
    )
    .await;
    let err = stderr(&out);
    assert!(
        err.contains("warning: Keyavi:") && err.contains("/access_as_user"),
        "{err}"
    );
    // A refusal names it on the error's one line.
    let out = run(
        &s,
        &["keyavi", "logs"],
        &[
            ("KEYAVI_USERNAME", &keyavi.username),
            ("KEYAVI_PASSWORD", "not-the-password"),
            ("KEYAVI_SCOPE", &format!("{app_id}/.default")),
        ],
        &["KEYAVI_CALLER_ID"],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("(note: the scope"), "{err}");
    // ... and none with the user scope built from KEYAVI_API_APP_ID.
    let out = run(
        &s,
        &["--verbose", "-o", "json", "keyavi", "logs"],
        &[
            ("KEYAVI_USERNAME", &keyavi.username),
            ("KEYAVI_PASSWORD", &keyavi.password),
            ("KEYAVI_API_APP_ID", &app_id),
        ],
        &["KEYAVI_CALLER_ID", "KEYAVI_SCOPE"],
    )
    .await;
    json(&out);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}
