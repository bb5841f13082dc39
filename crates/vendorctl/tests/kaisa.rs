//! `vendorctl kaisa ...` run as a process against the sandbox: one customer, sources
//! paged, source statuses, recordings and the IP allow-list hint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use serde_json::Value;
use vendor_sandbox::{Sandbox, SandboxConfig};

const BIN: &str = env!("CARGO_BIN_EXE_vendorctl");

/// Runs vendorctl with `sandbox`'s environment plus `extra` (no token cache kept).
async fn run(sandbox: &Sandbox, args: &[&str], extra: &[(&str, String)]) -> Output {
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
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("vendorctl runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains(&sandbox.kaisa().client_secret),
        "the secret leaked in {args:?}"
    );
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

fn is_rfc3339(text: &str) -> bool {
    text.len() == 20 && text.as_bytes()[10] == b'T' && text.ends_with('Z')
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_customer_by_id() {
    let s = sandbox().await;
    let one = json(&run(&s, &["kaisa", "customer", "407383", "--json"], &[]).await);
    assert_eq!(one["customer_id"], "407383");
    assert_eq!(one["name"], "Brightwave Media");
    assert_eq!(one["custnr"], "BW-2040");

    let missing = run(&s, &["kaisa", "customer", "999", "--json"], &[]).await;
    assert_eq!(missing.status.code(), Some(1));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("404") && err.contains("Customer 999 not found"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_page_by_page_and_all() {
    let s = sandbox().await;
    // Without paging flags: every source, no page block, times as RFC 3339.
    let all = json(&run(&s, &["kaisa", "sources", "--json"], &[]).await);
    assert_eq!(all["count"], 5);
    assert!(all.get("page").is_none(), "{all}");
    let created = all["items"][0]["created"].as_str().unwrap();
    assert!(is_rfc3339(created), "{created}");

    // One page: page 1 of size 2 is the third and fourth source.
    let page = json(
        &run(
            &s,
            &[
                "kaisa",
                "sources",
                "--page",
                "1",
                "--page-size",
                "2",
                "--json",
            ],
            &[],
        )
        .await,
    );
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["source_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["5501003", "5501004"]);
    assert_eq!(page["page"]["page"], 1);
    assert_eq!(page["page"]["page_size"], 2);

    // --all with small pages reads three pages and every source.
    let every = json(
        &run(
            &s,
            &[
                "kaisa",
                "sources",
                "--all",
                "--page-size",
                "2",
                "-o",
                "json",
            ],
            &[],
        )
        .await,
    );
    assert_eq!(every["count"], 5);
    assert_eq!(every["page"]["pages_fetched"], 3);
    // --max-items stops early and says so.
    let cut = json(
        &run(
            &s,
            &[
                "kaisa",
                "sources",
                "--all",
                "--page-size",
                "2",
                "--max-items",
                "3",
                "--json",
            ],
            &[],
        )
        .await,
    );
    assert_eq!(cut["count"], 3);
    assert_eq!(cut["page"]["truncated"], true);
    // A page size Kaisa refuses is refused before anything is sent.
    let bad = run(&s, &["kaisa", "sources", "--page-size", "1001"], &[]).await;
    assert_eq!(
        bad.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_statuses_list_the_out_of_service_ones() {
    let s = sandbox().await;
    let statuses = json(&run(&s, &["kaisa", "source-statuses", "--json"], &[]).await);
    assert_eq!(statuses["count"], 1, "{statuses}");
    assert_eq!(statuses["items"][0]["source_id"], "5501004");
    assert_eq!(statuses["items"][0]["service"], "OOS");
    // Acme has no problem: an empty list.
    let none = json(
        &run(
            &s,
            &[
                "kaisa",
                "source-statuses",
                "--customer-id",
                "407382",
                "--json",
            ],
            &[],
        )
        .await,
    );
    assert_eq!(none["count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_of_a_customer_then_one_with_its_sound() {
    let s = sandbox().await;
    let listed = json(
        &run(
            &s,
            &["kaisa", "recordings", "--customer-id", "407382", "--json"],
            &[],
        )
        .await,
    );
    let items = listed["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|r| r["customer_id"] == "407382"));
    assert!(items.iter().all(|r| r["sounddata"].is_null()));
    assert!(is_rfc3339(items[0]["timestamp"].as_str().unwrap()));
    let kept = items
        .iter()
        .find(|r| r["expired"] == false)
        .expect("a recording still kept");
    let id = kept["recording_id"].as_str().unwrap();

    let one = json(
        &run(
            &s,
            &["kaisa", "recordings", "--recording-id", id, "--json"],
            &[],
        )
        .await,
    );
    assert_eq!(one["count"], 1);
    let sound = one["items"][0]["sounddata"].as_str().unwrap();
    // base64 of the sandbox's stand-in MP3, which starts with an ID3 tag.
    assert!(sound.starts_with("SUQz"), "{sound}");

    // Neither a customer nor a recording: a usage error.
    let usage = run(&s, &["kaisa", "recordings"], &[]).await;
    assert_eq!(usage.status.code(), Some(2));
}

/// A stand-in for Kaisa on 127.0.0.1 that issues tokens but refuses every API call
/// with 403, as Kaisa does for an address it was not told about; answers `limit`
/// requests, then stops.
async fn refusing_kaisa(limit: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..limit {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head and the (small) body.
            while let Ok(n) = conn.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let text = String::from_utf8_lossy(&request);
            let (status, body) = if text.starts_with("POST /token") {
                (
                    "200 OK",
                    r#"{"access_token":"opaque-token","token_type":"Bearer","expires_in":300}"#,
                )
            } else {
                (
                    "403 Forbidden",
                    r#"{"error":{"code":403,"message":"Access denied"}}"#,
                )
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(answer.as_bytes()).await;
            let _ = conn.shutdown().await;
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_call_names_the_ip_allow_list() {
    let s = sandbox().await;
    let kaisa = refusing_kaisa(8).await;
    let out = run(
        &s,
        &["kaisa", "sources"],
        &[
            ("KAISA_TOKEN_URL", format!("{kaisa}/token")),
            ("KAISA_BASE_URL", format!("{kaisa}/kaisa")),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("403"), "{err}");
    assert!(err.contains("IP addresses"), "{err}");
    assert!(err.contains("Kaisa support"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greetings_callbacks_and_blacklist_of_a_customer() {
    let s = sandbox().await;
    let greetings = json(&run(&s, &["kaisa", "greetings", "407382", "--json"], &[]).await);
    assert_eq!(greetings["count"], 2, "{greetings}");
    let own = greetings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["locked"] == false)
        .unwrap();
    assert!(is_rfc3339(own["timestamp"].as_str().unwrap()));
    let id = own["vm_greeting_id"].as_str().unwrap();
    let one = json(
        &run(
            &s,
            &["kaisa", "greetings", "407382", "--id", id, "--json"],
            &[],
        )
        .await,
    );
    assert!(one["items"][0]["sounddata"]
        .as_str()
        .unwrap()
        .starts_with("SUQz"));

    let callbacks = json(&run(&s, &["kaisa", "callbacks", "407382", "--json"], &[]).await);
    assert_eq!(callbacks["count"], 2, "{callbacks}");
    assert!(is_rfc3339(
        callbacks["items"][0]["scheduled"].as_str().unwrap()
    ));
    let bad = run(
        &s,
        &["kaisa", "callbacks", "407382", "--from", "tomorrow"],
        &[],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));

    let campaigns = json(&run(&s, &["kaisa", "campaigns", "407382", "--json"], &[]).await);
    assert_eq!(campaigns["count"], 2, "{campaigns}");
    assert_eq!(campaigns["items"][0]["name"], "Spring 2024");
    assert_eq!(campaigns["items"][0]["sources"][0], "5501001");
    let one = json(
        &run(
            &s,
            &["kaisa", "campaigns", "407382", "--id", "9002", "--json"],
            &[],
        )
        .await,
    );
    assert_eq!(one["count"], 1);
    assert_eq!(one["items"][0]["campaign_id"], "9002");

    let blacklist = json(&run(&s, &["kaisa", "blacklist", "407382", "--json"], &[]).await);
    assert_eq!(blacklist["items"][0], "+46701234567");
    assert_eq!(blacklist["count"], 2);
    let table = run(&s, &["kaisa", "blacklist", "407382"], &[]).await;
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.starts_with("Kaisa blacklist (2)"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_without_their_activation_tokens() {
    let s = sandbox().await;
    let all = json(&run(&s, &["kaisa", "users", "--json"], &[]).await);
    assert_eq!(all["count"], 4, "{all}");
    let acme = json(
        &run(
            &s,
            &["kaisa", "users", "--customer-id", "407382", "--json"],
            &[],
        )
        .await,
    );
    assert_eq!(acme["count"], 2);
    let pending = acme["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| !u["token"].is_null())
        .expect("a user not activated yet");
    assert_eq!(pending["token"], "[redacted]");
    let table = run(&s, &["kaisa", "users", "--customer-id", "407382"], &[]).await;
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.starts_with("Kaisa users (2)"), "{text}");
    assert!(!text.contains("redacted"), "{text}");
}
