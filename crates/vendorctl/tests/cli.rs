//! `vendorctl` run as a process against the sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use vendor_sandbox::{Sandbox, SandboxConfig, Vendor};

const BIN: &str = env!("CARGO_BIN_EXE_vendorctl");

/// Every secret the sandbox hands out: none may reach stdout or stderr.
fn secrets(sandbox: &Sandbox) -> Vec<String> {
    vec![
        sandbox.kazi().client_secret,
        sandbox.kazi().subscription_key,
        sandbox.kazi().limited_client_secret,
        sandbox.keyavi().client_secret,
        sandbox.keyavi().password,
        sandbox.keyavi().subscription_key,
        sandbox.kaisa().client_secret,
        sandbox.okq8().client_secret,
        sandbox.okq8().subscription_key,
    ]
}

/// Runs vendorctl with the sandbox's environment (plus `extra`, minus `remove`).
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
    cmd.env("VENDORCTL_INSECURE_LOOPBACK", "1");
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
    for secret in secrets(sandbox) {
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
async fn demo_json_covers_all_four_vendors() {
    let s = sandbox().await; // only for the secret list: the demo starts its own
    let doc = json(&run(&s, &["demo", "--json"], &[], &[]).await);
    assert_eq!(doc["kazi"]["expectations"].as_array().unwrap().len(), 12);
    assert_eq!(doc["kazi"]["matches_streamed"], 45);
    assert!(doc["kazi"]["missing_role_error"]
        .as_str()
        .unwrap()
        .contains("read:expectations"));
    assert_eq!(doc["kazi"]["token"]["access_token"], "[redacted]");
    assert_eq!(doc["keyavi"]["full_logs_streamed"], 45);
    assert_eq!(doc["kaisa"]["cdrs_streamed"], 2500);
    assert_eq!(doc["kaisa"]["ping"]["ping"], "ok");
    assert_eq!(doc["okq8"]["stations_streamed"], 25);
    // One token per client: Kazi has two clients (full and limited), Keyavi two modes.
    assert_eq!(doc["traffic"]["kazi"]["token_requests"], 2);
    assert_eq!(doc["traffic"]["keyavi"]["token_requests"], 2);
    assert_eq!(doc["traffic"]["kaisa"]["token_requests"], 1);
    assert_eq!(doc["traffic"]["okq8"]["token_requests"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_prints_tables() {
    let s = sandbox().await;
    let out = run(&s, &["demo"], &[], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Kazi expectations (12)",
        "Streamed every page: 45 matches",
        "Keyavi protected payload",
        "Kaisa customers (3)",
        "2500 streamed",
        "OKQ8 GET public/v1/prices",
        "[redacted]",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_shows_claims_and_hides_the_token_unless_asked() {
    let s = sandbox().await;
    let doc = json(&run(&s, &["token", "kazi", "--json"], &[], &[]).await);
    assert_eq!(doc["access_token"], "[redacted]");
    let roles: Vec<&str> = doc["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(roles.contains(&"read:expectations"), "{roles:?}");
    assert!(doc["expires_in_s"].as_u64().unwrap() > 3000);

    let doc = json(&run(&s, &["token", "okq8", "--json", "--show-token"], &[], &[]).await);
    assert_eq!(doc["access_token"].as_str().unwrap().split('.').count(), 3);
    assert_eq!(s.stats().token_requests_total(Vendor::Okq8), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_commands_return_json() {
    let s = sandbox().await;
    let scan = s.kazi().known_talent_scan_id;
    // Every list is one shape: {"items": [...], "count": n, "page": {...}}.
    let list = json(&run(&s, &["kazi", "expectations", "--json"], &[], &[]).await);
    assert_eq!(list["items"].as_array().unwrap().len(), 12);
    assert_eq!(list["count"], 12);
    assert!(list.get("page").is_none(), "{list}");
    let all = json(&run(&s, &["kazi", "matches", &scan, "--all", "--json"], &[], &[]).await);
    assert_eq!(all["items"].as_array().unwrap().len(), 45);
    assert_eq!(all["page"]["total_items"], 45);
    assert!(all["page"]["pages_fetched"].as_u64().unwrap() >= 2, "{all}");
    let page = json(
        &run(
            &s,
            &[
                "kazi",
                "matches",
                &scan,
                "--page",
                "2",
                "--page-size",
                "10",
                "--sort",
                "-created",
                "--json",
            ],
            &[],
            &[],
        )
        .await,
    );
    assert_eq!(page["page"]["page"], 2);
    assert_eq!(page["page"]["page_size"], 10);
    assert_eq!(page["page"]["total_pages"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 10);

    let logs = json(
        &run(
            &s,
            &["keyavi", "logs", "--full", "--all", "--json"],
            &[],
            &[],
        )
        .await,
    );
    assert_eq!(logs["items"].as_array().unwrap().len(), 45);
    // Keyavi writes its times without an offset, in UTC: RFC 3339 with `Z` here.
    let at = logs["items"][0]["logTimestamp"].as_str().unwrap();
    assert!(at.as_bytes()[10] == b'T' && at.ends_with('Z'), "{at}");
    assert_eq!(logs["count"], 45);
    let denied = json(
        &run(
            &s,
            &["keyavi", "logs", "--result", "AccessDenied", "--json"],
            &[],
            &[],
        )
        .await,
    );
    assert!(denied["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["result"] == "AccessDenied"));
    // A single page says where it stands: page 1 of N.
    assert_eq!(denied["page"]["page"], 1, "{denied}");
    assert!(denied["page"]["total_pages"].as_u64().is_some(), "{denied}");

    let ping = json(&run(&s, &["kaisa", "ping", "--json"], &[], &[]).await);
    assert_eq!(ping["ping"], "ok");
    let customers = json(&run(&s, &["kaisa", "customers", "--json"], &[], &[]).await);
    assert_eq!(customers["items"].as_array().unwrap().len(), 3);
    let sources = json(
        &run(
            &s,
            &["kaisa", "sources", "--status", "active", "--json"],
            &[],
            &[],
        )
        .await,
    );
    assert!(sources["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == "active"));
    let cdrs = json(&run(&s, &["kaisa", "cdrs", "--all", "--json"], &[], &[]).await);
    assert_eq!(cdrs["items"].as_array().unwrap().len(), 2500);
    // Timestamps as RFC 3339 (Kaisa writes `2024-03-01 00:04:18`, in UTC).
    let start = cdrs["items"][0]["start"].as_str().unwrap();
    assert!(
        start.len() == 20 && start.as_bytes()[10] == b'T' && start.ends_with('Z'),
        "{start}"
    );
    assert_eq!(cdrs["count"], 2500);
    // --max-items stops early and says so.
    let cut = json(
        &run(
            &s,
            &[
                "kaisa",
                "cdrs",
                "--all",
                "--max-items",
                "150",
                "--page-size",
                "100",
                "-o",
                "json",
            ],
            &[],
            &[],
        )
        .await,
    );
    assert_eq!(cut["items"].as_array().unwrap().len(), 150);
    assert_eq!(cut["page"]["pages_fetched"], 2);
    assert_eq!(cut["page"]["truncated"], true);
    // The table of --all shows every row and the count.
    let table = run(&s, &["kaisa", "cdrs", "--all"], &[], &[]).await;
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.starts_with("Kaisa outgoing calls (2500;"),
        "{}",
        &text[..80]
    );
    assert_eq!(
        text.lines().count(),
        2500 + 4,
        "title, header, rule, every row and a blank line"
    );

    let stations = json(
        &run(
            &s,
            &["okq8", "get", "core/v1/stations", "-q", "page=3", "--json"],
            &[],
            &[],
        )
        .await,
    );
    assert_eq!(stations["page"], 3);
    assert_eq!(stations["items"].as_array().unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyavi_protect_writes_the_ikd_file() {
    let s = sandbox().await;
    let dir = std::env::temp_dir().join(format!("vendorctl-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("note.txt");
    let output = dir.join("note.ikd");
    std::fs::write(&input, b"hello keyavi").unwrap();
    let doc = json(
        &run(
            &s,
            &[
                "keyavi",
                "protect",
                input.to_str().unwrap(),
                "--out",
                output.to_str().unwrap(),
                "--json",
            ],
            &[],
            &[],
        )
        .await,
    );
    assert_eq!(doc["payload_name"], "note.txt");
    let ikd = std::fs::read(&output).unwrap();
    assert_eq!(&ikd[..4], b"IKD1");
    let decoded: Vec<u8> = ikd[4..].iter().map(|b| b ^ 0x5A).collect();
    assert_eq!(decoded, b"hello keyavi");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_line_with_a_hint_and_an_exit_code() {
    let s = sandbox().await;
    // (arguments, variables set, variables removed, exit code, text expected)
    type Case<'a> = (
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        &'a [&'a str],
        i32,
        &'a [&'a str],
    );
    let other_product_key = s.okq8().other_product_subscription_key;
    let cases: [Case<'_>; 7] = [
        (
            &["kazi", "expectations"],
            &[("KAZI_SUBSCRIPTION_KEY", "not-the-right-key-123")],
            &[],
            3,
            &["subscription key", "KAZI_SUBSCRIPTION_KEY"],
        ),
        (
            &["kazi", "expectations"],
            &[("KAZI_CLIENT_SECRET", "wrong-secret-value-xyz")],
            &[],
            3,
            &["AADSTS7000215", "KAZI_CLIENT_SECRET"],
        ),
        (
            &["kaisa", "ping"],
            &[],
            &["KAISA_CLIENT_ID"],
            2,
            &["KAISA_CLIENT_ID"],
        ),
        (
            &["okq8", "get", "core/v1/stations"],
            &[("OKQ8_SUBSCRIPTION_KEY", other_product_key.as_str())],
            &[],
            3,
            &[
                "not authorised for this API product",
                "OKQ8_SUBSCRIPTION_KEY",
            ],
        ),
        (
            &["okq8", "get", "core/v1/stations"],
            &[("OKQ8_SCOPE", "api://not-an-okq8-api/.default")],
            &[],
            3,
            &["AADSTS500011", "OKQ8_SCOPE"],
        ),
        (
            &["keyavi", "logs"],
            &[
                ("KEYAVI_USERNAME", "sandbox.user@keyavi.example"),
                ("KEYAVI_PASSWORD", "wrong-secret-value-xyz"),
            ],
            &["KEYAVI_CALLER_ID"],
            3,
            &["invalid_grant", "KEYAVI_PASSWORD"],
        ),
        (
            &["kazi", "matches", "x", "--page-size", "500"],
            &[],
            &[],
            2,
            &["page_size"],
        ),
    ];
    for (args, extra, remove, code, needles) in cases {
        let out = run(&s, args, extra, remove).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        for needle in needles {
            assert!(
                err.contains(needle),
                "{args:?}: missing {needle:?} in {err}"
            );
        }
        assert!(!err.contains("wrong-secret-value-xyz"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_logs_to_stderr_without_tokens_or_secrets() {
    let s = sandbox().await;
    // `run` already fails on any client secret, password or key in the output.
    let out = run(
        &s,
        &["--verbose", "kazi", "expectations", "--json"],
        &[],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["items"].as_array().map(Vec::len), Some(12));
    let log = stderr(&out);
    assert!(log.lines().count() >= 3, "tracing goes to stderr: {log}");
    assert!(log.contains("token"), "{log}");
    // Every JWT starts with `eyJ` (`{"` in base64): none may be logged.
    assert!(!log.contains("eyJ"), "a token in the log: {log}");
    // Without --verbose, stderr stays quiet on success.
    let quiet = run(&s, &["kazi", "expectations", "--json"], &[], &[]).await;
    assert!(stderr(&quiet).trim().is_empty(), "{}", stderr(&quiet));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_works_for_every_vendor_and_single_pages_are_the_default() {
    let s = sandbox().await;
    for (vendor, claim) in [("keyavi", "Logs.Read"), ("kaisa", "api")] {
        let doc = json(&run(&s, &["token", vendor, "--json"], &[], &[]).await);
        assert_eq!(doc["access_token"], "[redacted]", "{vendor}");
        let roles = doc["roles"].as_array().cloned().unwrap_or_default();
        assert!(roles.iter().any(|r| r == claim), "{vendor}: {doc}");
    }
    let scan = s.kazi().known_talent_scan_id;
    let page = json(&run(&s, &["kazi", "matches", scan.as_str(), "--json"], &[], &[]).await);
    let all = json(
        &run(
            &s,
            &["kazi", "matches", scan.as_str(), "--all", "--json"],
            &[],
            &[],
        )
        .await,
    );
    let count = |doc: &Value| {
        doc.get("matches")
            .or_else(|| doc.get("items"))
            .unwrap_or(doc)
            .as_array()
            .map(Vec::len)
    };
    assert!(count(&page) < count(&all), "{page} vs {all}");
    assert_eq!(count(&all), Some(45));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_needs_the_opt_in() {
    let s = sandbox().await;
    let out = run(
        &s,
        &["kaisa", "ping"],
        &[("VENDORCTL_INSECURE_LOOPBACK", "0")],
        &["KAISA_ALLOW_INSECURE_LOOPBACK"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("https"), "{}", stderr(&out));
    assert!(stderr(&out).contains("KAISA_TOKEN_URL"), "{}", stderr(&out));

    // The opt-in covers loopback hosts only: another host stays refused, unasked.
    let out = run(
        &s,
        &["kaisa", "ping", "--insecure-loopback"],
        &[("KAISA_BASE_URL", "http://kaisa.example.com/")],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
    assert_eq!(s.stats().api_calls_total(Vendor::Kaisa), 0);

    // The variable the sandbox prints is an opt-in too, without the flag.
    let out = run(
        &s,
        &["kaisa", "ping"],
        &[
            ("VENDORCTL_INSECURE_LOOPBACK", "0"),
            ("KAISA_ALLOW_INSECURE_LOOPBACK", "1"),
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Ends a child process when dropped, also when an assertion fails first.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `vendorctl sandbox` prints its variables; the CLI then works against it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_works_against_vendorctl_sandbox() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let mut server = Command::new(BIN)
        .args(["sandbox", "--port", &port.to_string(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let _server = KillOnDrop(server);
    let line = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .expect("the sandbox printed its variables in time")
    .unwrap()
    .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["base_url"], format!("http://127.0.0.1:{port}"));
    let env = info["env"].as_object().unwrap().clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(BIN);
        cmd.args(["kaisa", "customers", "--json", "--insecure-loopback"])
            .env_clear();
        for (k, v) in env {
            cmd.env(k, v.as_str().unwrap());
        }
        cmd.output()
    })
    .await
    .unwrap()
    .unwrap();
    let customers = json(&out);
    assert_eq!(customers["items"].as_array().unwrap().len(), 3);

    // Runs vendorctl with the printed variables, `set` replacing or adding some.
    let with = |args: &'static [&'static str], set: Vec<(&'static str, String)>| {
        let mut vars: Vec<(String, String)> = info["env"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
            .collect();
        vars.extend(set.into_iter().map(|(k, v)| (k.to_owned(), v)));
        tokio::task::spawn_blocking(move || {
            let mut cmd = Command::new(BIN);
            cmd.args(args).arg("--insecure-loopback").env_clear();
            cmd.envs(vars);
            cmd.output().unwrap()
        })
    };
    // A secret it did not print (another sandbox's, or a fixed value earlier
    // versions accepted) is refused, with the vendor's error and the variable to check.
    let other = sandbox().await;
    for secret in [
        other.kazi().client_secret,
        "kazi-sandbox-secret~7Qm.x2Rv".to_owned(),
    ] {
        let out = with(
            &["kazi", "expectations"],
            vec![("KAZI_CLIENT_SECRET", secret)],
        )
        .await
        .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(err.contains("AADSTS7000215"), "{err}");
        assert!(err.contains("KAZI_CLIENT_SECRET"), "{err}");
    }
    let out = with(
        &["kazi", "expectations"],
        vec![("KAZI_SUBSCRIPTION_KEY", other.kazi().subscription_key)],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("KAZI_SUBSCRIPTION_KEY"),
        "{}",
        stderr(&out)
    );
    let out = with(
        &["kaisa", "ping"],
        vec![("KAISA_CLIENT_SECRET", other.kaisa().client_secret)],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid_client"), "{}", stderr(&out));

    // The other credentials it printed are its own: the user-mode password works.
    let user = &info["other_credentials"]["Keyavi user mode (password grant)"];
    let out = with(
        &["keyavi", "logs", "--json"],
        vec![
            (
                "KEYAVI_USERNAME",
                user["KEYAVI_USERNAME"].as_str().unwrap().to_owned(),
            ),
            (
                "KEYAVI_PASSWORD",
                user["KEYAVI_PASSWORD"].as_str().unwrap().to_owned(),
            ),
        ],
    )
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let limited = &info["other_credentials"]["Kazi client without read:expectations"];
    let out = with(
        &["kazi", "expectations"],
        vec![
            (
                "KAZI_CLIENT_ID",
                limited["KAZI_CLIENT_ID"].as_str().unwrap().to_owned(),
            ),
            (
                "KAZI_CLIENT_SECRET",
                limited["KAZI_CLIENT_SECRET"].as_str().unwrap().to_owned(),
            ),
        ],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("read:expectations"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn env_file_is_loaded() {
    let dir: PathBuf = std::env::temp_dir().join(format!("vendorctl-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("profile.env");
    std::fs::write(&file, "# a profile\nexport KAISA_CLIENT_ID=x\nKAISA_CLIENT_SECRET='y'\nKAISA_BASE_URL=http://example.com\n").unwrap();
    let out = Command::new(BIN)
        .args(["kaisa", "ping", "--env-file", file.to_str().unwrap()])
        .env_clear()
        .output()
        .unwrap();
    // The file was read: the error is about the (non-loopback) http URL, not a
    // missing client id.
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("KAISA_BASE_URL"), "{err}");
    assert!(!err.contains("KAISA_CLIENT_ID"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bounded HTTP/1.1 server on 127.0.0.1 that answers each request with what
/// `answer` returns for its request line (status, JSON body), one request per
/// connection. It stops when dropped, or after 60 s.
struct RawServer {
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl RawServer {
    fn start(answer: fn(&str) -> (u16, String)) -> Self {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while !stopped.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // The head, then as much body as Content-Length says.
                while let Ok(n @ 1..) = stream.read(&mut buf) {
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let head = String::from_utf8_lossy(&request);
                let (status, body) = answer(head.lines().next().unwrap_or(""));
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes());
            }
        });
        Self { url, stop }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What a hostile or compromised server may put in its text: retitle the window
/// (OSC 0, ended by BEL), turn the text red (CSI), then, for the table and the
/// JSON, a C1 CSI (U+009B) that serde_json leaves raw and a clear-screen.
const HOSTILE: &str = r"\u001b]0;pwn\u0007\u001b[31m";

fn hostile_answer(request_line: &str) -> (u16, String) {
    if request_line.contains("/token") {
        (
            400,
            format!(
                r#"{{"error":"invalid_client","error_description":"AADSTS7000215: {HOSTILE}bad secret"}}"#
            ),
        )
    } else if request_line.contains("/fails") {
        (
            400,
            format!(r#"{{"statusCode":400,"message":"{HOSTILE}not allowed"}}"#),
        )
    } else {
        (
            200,
            format!(
                r#"{{"items":[{{"name":"{HOSTILE}station\u009b2J","k\u001b[2Jey":"x\r\nforged"}}]}}"#
            ),
        )
    }
}

/// Runs vendorctl with only `vars` (and PATH) set.
fn run_with(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("VENDORCTL_INSECURE_LOOPBACK", "1");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("vendorctl runs")
}

fn assert_terminal_safe(what: &str, text: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        raw.is_empty(),
        "{what}: raw control characters {raw:?} in {text:?}"
    );
}

/// Server text reaches the terminal with its control characters made visible: in the
/// error line of an API error and of a token error, in tables and in JSON.
#[test]
fn server_text_cannot_inject_terminal_escapes() {
    let server = RawServer::start(hostile_answer);
    let okq8 = [
        ("OKQ8_BASE_URL", format!("{}/okq8/", server.url)),
        ("OKQ8_SUBSCRIPTION_KEY", "k".repeat(32)),
    ];
    let okq8: Vec<(&str, &str)> = okq8.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // An API error: one line on stderr, the escapes shown, not sent.
    let out = run_with(&["okq8", "get", "fails"], &okq8);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not allowed"), "the message is shown: {err:?}");
    assert!(err.contains(r"\x1b]0;pwn\x07\x1b[31m"), "{err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
    assert_terminal_safe("API error line", &err);

    // A token endpoint's error description.
    let kaisa_token_url = format!("{}/kaisa-auth/token", server.url);
    let kaisa_base_url = format!("{}/kaisa", server.url);
    let out = run_with(
        &["kaisa", "ping"],
        &[
            ("KAISA_CLIENT_ID", "id"),
            ("KAISA_CLIENT_SECRET", "secret-value"),
            ("KAISA_TOKEN_URL", kaisa_token_url.as_str()),
            ("KAISA_BASE_URL", kaisa_base_url.as_str()),
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "a refusal: {err}");
    assert!(err.contains("invalid_client"), "{err:?}");
    assert_terminal_safe("token error line", &err);

    // A table: cells and the column names taken from the answer.
    let out = run_with(&["okq8", "get", "stations"], &okq8);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        table.contains(r"\x1b]0;pwn\x07\x1b[31mstation\x9b2J"),
        "{table}"
    );
    assert_terminal_safe("table", &table);

    // JSON: still the same document, with every control character escaped.
    let out = run_with(&["okq8", "get", "stations", "--json"], &okq8);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_terminal_safe("JSON", &text);
    let doc = json(&out);
    assert_eq!(
        doc["items"][0]["name"], "\x1b]0;pwn\x07\x1b[31mstation\u{9b}2J",
        "{text}"
    );
}

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("vendorctl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn protect(
    s: &Sandbox,
    input: &std::path::Path,
    out: &std::path::Path,
    force: bool,
) -> Output {
    let mut args = vec![
        "keyavi",
        "protect",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    if force {
        args.push("--force");
    }
    run(s, &args, &[], &[]).await
}

fn is_ikd_of(path: &std::path::Path, plain: &[u8]) -> bool {
    let ikd = std::fs::read(path).unwrap();
    ikd.starts_with(b"IKD1") && ikd[4..].iter().map(|b| b ^ 0x5A).eq(plain.iter().copied())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protect_keeps_an_existing_output_unless_forced() {
    let s = sandbox().await;
    let dir = TempDir::new("protect-existing");
    let input = dir.0.join("note.txt");
    let output = dir.0.join("note.ikd");
    std::fs::write(&input, b"hello keyavi").unwrap();
    std::fs::write(&output, b"precious").unwrap();

    let out = protect(&s, &input, &output, false).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&output).unwrap(), b"precious");
    assert_eq!(
        s.stats().api_calls_total(Vendor::Keyavi),
        0,
        "refused before the call"
    );

    let out = protect(&s, &input, &output, true).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(is_ikd_of(&output, b"hello keyavi"));
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protect_never_writes_over_its_input() {
    let s = sandbox().await;
    let dir = TempDir::new("protect-input");
    std::fs::create_dir_all(dir.0.join("sub")).unwrap();
    let input = dir.0.join("note.txt");
    std::fs::write(&input, b"the original").unwrap();
    let mut spellings = vec![
        input.clone(),
        dir.0.join(".").join("note.txt"),
        dir.0.join("sub").join("..").join("note.txt"),
    ];
    #[cfg(unix)]
    {
        let link = dir.0.join("link-to-note");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        spellings.push(link);
        let hard = dir.0.join("hard-link-to-note");
        std::fs::hard_link(&input, &hard).unwrap();
        spellings.push(hard);
    }
    for output in &spellings {
        for force in [false, true] {
            let out = protect(&s, &input, output, force).await;
            let err = stderr(&out);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{output:?} force={force}: {err}"
            );
            assert!(
                err.contains("over its input"),
                "{output:?} force={force}: {err}"
            );
            assert_eq!(std::fs::read(&input).unwrap(), b"the original");
        }
    }
    // The input given through a symlink, the output being the real file.
    #[cfg(unix)]
    {
        let out = protect(&s, &dir.0.join("link-to-note"), &input, true).await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(std::fs::read(&input).unwrap(), b"the original");
    }
    assert_eq!(s.stats().api_calls_total(Vendor::Keyavi), 0);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protect_creates_the_output_for_its_owner_only_and_follows_no_symlink() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = sandbox().await;
    let dir = TempDir::new("protect-mode");
    let input = dir.0.join("note.txt");
    std::fs::write(&input, b"hello keyavi").unwrap();

    // A new file: mode 0600, whatever the umask lets through for other files.
    let output = dir.0.join("new.ikd");
    let out = protect(&s, &input, &output, false).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(is_ikd_of(&output, b"hello keyavi"));
    let mode = std::fs::metadata(&output).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");

    // Replaced with --force: still 0600, even where the old file was world-readable.
    let old = dir.0.join("old.ikd");
    std::fs::write(&old, b"old").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = protect(&s, &input, &old, true).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(is_ikd_of(&old, b"hello keyavi"));
    let mode = std::fs::metadata(&old).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");

    // A symlink at the output, to another file or to nowhere: refused without --force,
    // and the file it points to is never written.
    let victim = dir.0.join("victim");
    std::fs::write(&victim, b"victim").unwrap();
    let link = dir.0.join("link.ikd");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let dangling = dir.0.join("dangling.ikd");
    let nowhere = dir.0.join("nowhere");
    std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
    for output in [&link, &dangling] {
        let out = protect(&s, &input, output, false).await;
        assert_eq!(out.status.code(), Some(2), "{output:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
    assert!(
        !nowhere.exists(),
        "nothing created through the dangling symlink"
    );

    // With --force the symlink itself is replaced by a regular file.
    for output in [&link, &dangling] {
        let out = protect(&s, &input, output, true).await;
        assert!(out.status.success(), "{output:?}: {}", stderr(&out));
        let meta = std::fs::symlink_metadata(output).unwrap();
        assert!(
            meta.file_type().is_file(),
            "{output:?} is a regular file now"
        );
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert!(is_ikd_of(output, b"hello keyavi"));
    }
    assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
    assert!(!nowhere.exists());
}

/// The sandbox's test certificate and key in a PKCS#12 archive under `password`.
fn sandbox_pkcs12(password: &str) -> Vec<u8> {
    use rustls_pki_types::pem::PemObject as _;
    let cert = rustls_pki_types::CertificateDer::from_pem_slice(
        vendor_sandbox::TEST_CLIENT_CERTIFICATE_PEM.as_bytes(),
    )
    .unwrap();
    let key = rustls_pki_types::PrivatePkcs8KeyDer::from_pem_slice(
        vendor_sandbox::TEST_CLIENT_PRIVATE_KEY_PEM.as_bytes(),
    )
    .unwrap();
    let chain = p12_keystore::PrivateKeyChain::new(
        key.secret_pkcs8_der(),
        [1u8, 2, 3, 4],
        [p12_keystore::Certificate::from_der(cert.as_ref()).unwrap()],
    );
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry(
        "client",
        p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
    );
    store.writer(password).write().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_works_with_every_credential_kind() {
    let s = sandbox().await;
    let dir = std::env::temp_dir().join(format!("vendorctl-creds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = dir.join("client.pem");
    std::fs::write(
        &pem,
        format!(
            "{}\n{}",
            vendor_sandbox::TEST_CLIENT_CERTIFICATE_PEM,
            vendor_sandbox::TEST_CLIENT_PRIVATE_KEY_PEM
        ),
    )
    .unwrap();
    let federated = dir.join("federated-token");
    std::fs::write(&federated, s.federated_token(Vendor::Kazi)).unwrap();
    let pfx = dir.join("client.pfx");
    std::fs::write(&pfx, sandbox_pkcs12("pfx-password")).unwrap();
    let pem_path = pem.to_str().unwrap();
    let pfx_path = pfx.to_str().unwrap();
    let federated_path = federated.to_str().unwrap();
    let kinds: [(&str, &[(&str, &str)]); 4] = [
        ("certificate", &[("KAZI_CLIENT_CERTIFICATE_PATH", pem_path)]),
        (
            "PKCS#12 certificate",
            &[
                ("KAZI_CLIENT_CERTIFICATE_PATH", pfx_path),
                ("KAZI_CLIENT_CERTIFICATE_PASSWORD", "pfx-password"),
            ],
        ),
        (
            "federated token file",
            &[("KAZI_FEDERATED_TOKEN_FILE", federated_path)],
        ),
        ("managed identity", &[("KAZI_USE_MANAGED_IDENTITY", "1")]),
    ];
    for (kind, vars) in kinds {
        let out = run(
            &s,
            &["token", "kazi", "--json"],
            vars,
            &["KAZI_CLIENT_SECRET"],
        )
        .await;
        assert!(!stderr(&out).contains("pfx-password"), "{kind}");
        let doc = json(&out);
        assert_eq!(doc["access_token"], "[redacted]", "{kind}");
        assert!(doc["expires_in_s"].as_u64().unwrap() > 60, "{kind}: {doc}");
    }
    // Two kinds at once is a configuration error naming both (exit code 2).
    let out = run(
        &s,
        &["token", "kazi", "--json"],
        &[("KAZI_CLIENT_CERTIFICATE_PATH", pem_path)],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("KAZI_CLIENT_SECRET") && err.contains("KAZI_CLIENT_CERTIFICATE_PATH"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs vendorctl with only `PATH` and the variables of the env file `file`.
fn run_with_env_file(file: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--env-file").arg(file).args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.output().unwrap()
}

/// `vendorctl sandbox > s.env; vendorctl --env-file s.env ...` works (the variables
/// that flags default to are read after the file is loaded), the output formats and
/// `token --raw` are what scripts need, a network failure exits 4, and the sandbox
/// stops cleanly on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_env_file_round_trip_formats_raw_token_and_sigterm() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let mut server = Command::new(BIN)
        .args(["sandbox", "--port", &port.to_string()])
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = server.id();
    let stdout = server.stdout.take().unwrap();
    let stderr_pipe = server.stderr.take().unwrap();
    let server = KillOnDrop(server);
    // What `vendorctl sandbox > s.env` writes, up to its first comment line.
    let text = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::task::spawn_blocking(move || {
            let mut text = String::new();
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                let line = line.unwrap();
                let done = line.starts_with('#');
                text.push_str(&line);
                text.push('\n');
                if done {
                    break;
                }
            }
            // The rest is read too, as a shell redirection would.
            std::thread::spawn(move || lines.for_each(drop));
            text
        }),
    )
    .await
    .expect("the sandbox printed its variables in time")
    .unwrap();
    assert!(
        text.contains("export VENDORCTL_INSECURE_LOOPBACK='1'"),
        "{text}"
    );
    let dir = std::env::temp_dir().join(format!("vendorctl-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.env");
    std::fs::write(&file, &text).unwrap();
    let file2 = file.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let f = file2.as_path();
        (
            run_with_env_file(f, &["kaisa", "ping"]),
            run_with_env_file(f, &["-o", "yaml", "kaisa", "customers"]),
            run_with_env_file(f, &["-o", "tsv", "kaisa", "customers"]),
            run_with_env_file(f, &["token", "kaisa", "--raw"]),
            run_with_env_file(f, &["token", "kaisa", "--show-token"]),
            run_with_env_file(f, &["token", "kaisa", "-o", "json"]),
        )
    })
    .await
    .unwrap();
    let (ping, yaml, tsv, raw, shown, summary) = outputs;
    assert_eq!(ping.status.code(), Some(0), "{}", stderr(&ping));
    let yaml = String::from_utf8(yaml.stdout).unwrap();
    assert!(yaml.starts_with("count: 3\nitems:\n  - "), "{yaml}");
    // The exit codes are in --help.
    let help = Command::new(BIN)
        .arg("--help")
        .env_clear()
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("Exit codes") && help.contains("4 network"),
        "{help}"
    );
    let tsv = String::from_utf8(tsv.stdout).unwrap();
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three customers: {tsv}");
    assert_eq!(lines[0], "id\tname\tcustnr\temail");
    assert!(
        lines[1..].iter().all(|l| l.split('\t').count() == 4),
        "{tsv}"
    );
    // --raw: the token alone; --show-token: the same token, whole, in the table.
    assert_eq!(raw.status.code(), Some(0), "{}", stderr(&raw));
    let raw = String::from_utf8(raw.stdout).unwrap();
    let token = raw.trim_end_matches('\n');
    assert_eq!(raw.lines().count(), 1);
    assert!(token.len() > 57 && !token.contains(' '), "{raw}");
    let shown = String::from_utf8(shown.stdout).unwrap();
    let line = shown
        .lines()
        .find(|l| l.trim_start().starts_with("token"))
        .unwrap();
    let value = line.split_whitespace().nth(1).unwrap();
    assert_eq!(value.split('.').count(), 3, "a whole JWT: {shown}");
    assert!(value.len() > 57 && !value.ends_with("..."), "{shown}");
    assert!(!shown.contains("[redacted]"), "{shown}");
    let summary = json(&summary);
    assert_eq!(summary["access_token"], "[redacted]");
    let at = summary["expires_at"].as_str().unwrap();
    let bytes = at.as_bytes();
    assert!(
        at.len() == 20 && bytes[4] == b'-' && bytes[10] == b'T' && at.ends_with('Z'),
        "RFC 3339: {at}"
    );
    // A network failure (nothing listens at the API's port) exits 4.
    // (The first line of a name wins, as in the environment.)
    let env = format!(
        "export KAISA_BASE_URL='http://127.0.0.1:1/'\n{}",
        std::fs::read_to_string(&file).unwrap()
    );
    let broken = dir.join("broken.env");
    std::fs::write(&broken, env).unwrap();
    let out = tokio::task::spawn_blocking(move || run_with_env_file(&broken, &["kaisa", "ping"]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    // SIGTERM stops the sandbox gracefully: exit 0, "# stopping" on stderr.
    let mut server = server;
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let child_status = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::task::spawn_blocking(move || {
            let status = server.0.wait().unwrap();
            let mut err = String::new();
            std::io::Read::read_to_string(&mut BufReader::new(stderr_pipe), &mut err).unwrap();
            (status, err)
        }),
    )
    .await
    .expect("the sandbox stopped on SIGTERM in time")
    .unwrap();
    assert_eq!(child_status.0.code(), Some(0), "{}", child_status.1);
    assert!(child_status.1.contains("# stopping"), "{}", child_status.1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Tokens are kept across runs in the platform's cache directory: a second
/// `kazi expectations` makes no token request, `--no-token-cache` does, and
/// `cache clear` empties it; the files are the owner's only and hold no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_cached_across_runs_until_cleared() {
    let s = sandbox().await;
    let dir = std::env::temp_dir().join(format!("vendorctl-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let xdg = dir.to_str().unwrap().to_owned();
    let with_cache = [("XDG_CACHE_HOME", xdg.as_str())];
    let tokens = || s.stats().token_requests_total(Vendor::Kazi);

    let started = std::time::Instant::now();
    let first = run(
        &s,
        &["kazi", "expectations", "-o", "json"],
        &with_cache,
        &[],
    )
    .await;
    let first_time = started.elapsed();
    assert_eq!(json(&first)["count"], 12);
    assert_eq!(tokens(), 1);
    let started = std::time::Instant::now();
    let second = run(
        &s,
        &["kazi", "expectations", "-o", "json"],
        &with_cache,
        &[],
    )
    .await;
    let second_time = started.elapsed();
    assert_eq!(json(&second)["count"], 12);
    assert_eq!(tokens(), 1, "the second run reused the cached token");
    println!("first run {first_time:?} (token request), second {second_time:?} (cached token)");
    // `token --raw` prints the cached token too.
    let raw = run(&s, &["token", "kazi", "--raw"], &with_cache, &[]).await;
    assert!(raw.status.success(), "{}", stderr(&raw));
    assert_eq!(tokens(), 1);

    // The cache directory: the owner's only, and no secret in any file.
    let tokens_dir = dir.join("vendorctl").join("tokens");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&tokens_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
        for entry in std::fs::read_dir(&tokens_dir).unwrap() {
            let path = entry.unwrap().path();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{}: {mode:o}", path.display());
            let content = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            for secret in secrets(&s) {
                assert!(!content.contains(&secret), "a secret in {}", path.display());
            }
        }
    }

    // --no-token-cache asks again; `cache clear` removes the token, so the next run asks.
    let out = run(
        &s,
        &["--no-token-cache", "kazi", "expectations"],
        &with_cache,
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(tokens(), 2);
    let cleared = json(&run(&s, &["cache", "clear", "-o", "json"], &with_cache, &[]).await);
    assert_eq!(cleared["removed"], 1, "{cleared}");
    let out = run(&s, &["kazi", "expectations"], &with_cache, &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(tokens(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A token endpoint answering with the Entra ID code in its path (`/c/<code>/token`).
fn aadsts_answer(request_line: &str) -> (u16, String) {
    let code: u64 = request_line
        .split('/')
        .skip_while(|part| *part != "c")
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (
        400,
        format!(
            r#"{{"error":"invalid_grant","error_description":"AADSTS{code}: refused.","error_codes":[{code}],"trace_id":"trace-1","correlation_id":"corr-2","timestamp":"2026-12-01 10:00:00Z"}}"#
        ),
    )
}

/// The Entra ID codes users really meet get a hint naming what to do and which
/// variable, with what support asks for (trace and correlation ids, time, the code's
/// page); all are refusals (exit 3).
#[test]
fn entra_codes_get_hints_naming_the_variable_and_support_details() {
    let server = RawServer::start(aadsts_answer);
    let cases: [(u64, &[&str]); 6] = [
        (50_076, &["MFA", "KAISA_CLIENT_SECRET"]),
        (53_003, &["Conditional Access", "KAISA_CLIENT_ID"]),
        (65_001, &["consent", "KAISA_CLIENT_ID"]),
        (50_055, &["password", "KAISA_PASSWORD"]),
        (1_002_012, &["/.default", "KAISA_SCOPE"]),
        (7_000_218, &["KAISA_CLIENT_SECRET"]),
    ];
    for (code, needles) in cases {
        let token_url = format!("{}/c/{code}/token", server.url);
        let base_url = format!("{}/kaisa", server.url);
        let out = run_with(
            &["kaisa", "ping"],
            &[
                ("KAISA_CLIENT_ID", "id"),
                ("KAISA_CLIENT_SECRET", "secret-value"),
                ("KAISA_TOKEN_URL", token_url.as_str()),
                ("KAISA_BASE_URL", base_url.as_str()),
            ],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{code}: {err}");
        for needle in needles {
            assert!(err.contains(needle), "{code}: {needle} in {err}");
        }
        assert!(
            err.contains("trace id trace-1, correlation id corr-2, at 2026-12-01 10:00:00Z")
                && err.contains(&format!(
                    "https://login.microsoftonline.com/error?code={code}"
                )),
            "{err}"
        );
        assert!(!err.contains("secret-value"), "{err}");
    }
}
