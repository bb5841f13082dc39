//! Clients this project did not write, against `vendorctl sandbox --tls` run as a
//! process: MSAL for Python (tokens validated with PyJWT against the sandbox's JWKS)
//! and `curl` with nothing but the exports the sandbox prints.
//!
//! `.ci/run` installs MSAL and PyJWT into a virtual environment and names its Python in
//! `SANDBOX_CLIENTS_PYTHON`. Locally, a test whose client is missing is skipped with
//! the reason printed; under `CI=true` it fails instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vendorctl");
/// Kazi's documented resource (the SDK's default), the same in production.
const KAZI_RESOURCE: &str = "d00b610c-389f-4a05-97cc-f9a934488c8b";

/// Ends the sandbox when dropped, also when an assertion fails first, and removes its
/// TLS directory.
struct Running {
    child: Child,
    dir: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a missing client skips the test (locally) or fails it (`CI=true`).
fn missing(what: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "{what}; .ci/run provides it (CI=true: a missing client fails)"
    );
    eprintln!("SKIPPED: {what} (set up by .ci/run; fails under CI=true)");
}

fn tls_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "vendorctl-real-clients-{name}-{}",
        std::process::id()
    ))
}

/// Starts `vendorctl sandbox --tls` with `args`, and returns it with the lines it
/// printed on stdout up to `until` (inclusive), within 20 s.
fn start(name: &str, args: &[&str], until: fn(&str) -> bool) -> (Running, Vec<String>) {
    let dir = tls_dir(name);
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(BIN)
        .args(["sandbox", "--port", "0", "--tls-dir"])
        .arg(&dir)
        .args(args)
        .env_remove("VENDORCTL_PROFILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("vendorctl starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let running = Running { child, dir };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let done = until(&line);
            lines.push(line);
            if done {
                break;
            }
        }
        let _ = tx.send(lines);
    });
    let lines = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the sandbox printed its variables within 20 s");
    (running, lines)
}

/// Runs `command` to its end within `limit`, feeding it `stdin`; (status, stdout, stderr).
fn run(mut command: Command, stdin: &str, limit: Duration) -> (Option<i32>, String, String) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).expect("stdin written");
    }
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let out = read(child.stdout.take().map(|p| Box::new(p) as _));
    let err = read(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the client did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status,
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    )
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    })
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vendor-sandbox/src/fixtures")
        .join(name)
}

/// MSAL for Python: client credentials for OKQ8 and Keyavi, the password grant for
/// Keyavi, a certificate (PEM with SHA-1 thumbprint, and PKCS#12 with SHA-256) for Kazi;
/// every token validated by PyJWT against the JWKS the tenant's OpenID configuration
/// names (signature, issuer, audience, lifetime), a forged signature refused.
#[test]
fn msal_for_python_gets_tokens_that_validate_against_the_jwks() {
    let Some(python) = std::env::var_os("SANDBOX_CLIENTS_PYTHON").map(PathBuf::from) else {
        missing("SANDBOX_CLIENTS_PYTHON (a Python with msal and PyJWT[crypto]) is not set");
        return;
    };
    if !python.is_file() {
        missing(&format!(
            "SANDBOX_CLIENTS_PYTHON={} is not a file",
            python.display()
        ));
        return;
    }
    let (sandbox, lines) = start("msal", &["--json"], |_| true);
    let doc: Value = serde_json::from_str(&lines[0]).expect("one JSON document");
    let env = doc["env"].as_object().expect("env");
    let base = doc["base_url"].as_str().expect("base_url");
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    assert!(
        !env.keys().any(|k| k.ends_with("INSECURE_LOOPBACK")),
        "no loopback opt-in over https"
    );
    let ca = env["SSL_CERT_FILE"].as_str().expect("SSL_CERT_FILE");
    assert_eq!(env["REQUESTS_CA_BUNDLE"].as_str(), Some(ca));

    let mut command = Command::new(&python);
    command
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/msal_sandbox.py"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SSL_CERT_FILE", ca)
        .env("REQUESTS_CA_BUNDLE", ca)
        .env("SANDBOX_CLIENT_CERT_PEM", fixture("test-client-cert.pem"))
        .env("SANDBOX_CLIENT_KEY_PEM", fixture("test-client-key.pem"));
    let (status, out, err) = run(command, &lines[0], Duration::from_secs(120));
    println!("{out}");
    assert_eq!(status, Some(0), "MSAL run failed:\n{out}\n{err}");
    let cases: Vec<Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &Value| v.get("case").is_some())
        .collect();
    let case = |name: &str| {
        cases
            .iter()
            .find(|c| c["case"] == name)
            .unwrap_or_else(|| panic!("no case {name:?} in:\n{out}"))
            .clone()
    };
    assert!(cases.iter().all(|c| c["ok"] == true), "{out}");
    assert_eq!(cases.len(), 8, "{out}");

    let okq8_tid = env["OKQ8_TENANT_ID"].as_str().unwrap();
    assert_eq!(okq8_tid, "a53d724c-15ea-4469-a987-82a5b30ec167");
    let okq8 = case("okq8 client credentials");
    assert_eq!(okq8["ver"], "2.0");
    assert_eq!(okq8["iss"], format!("{base}/{okq8_tid}/v2.0"));
    assert_eq!(okq8["alg"], "RS256");
    assert_eq!(
        okq8["jwks_uri"],
        format!("{base}/{okq8_tid}/discovery/v2.0/keys")
    );
    assert_eq!(
        okq8["roles"],
        serde_json::json!(["get", "post", "put", "delete"])
    );
    assert_eq!(
        case("okq8 second call served from MSAL's cache")["token_source"],
        "cache"
    );
    let keyavi = case("keyavi client credentials");
    assert_eq!(keyavi["idtyp"], "app");
    assert_eq!(keyavi["client"], env["KEYAVI_CLIENT_ID"]);
    let user = case("keyavi password grant");
    assert_eq!(user["idtyp"], "user");
    assert_eq!(user["scp"], "access_as_user");
    for kazi in [
        case("kazi certificate (PEM key, x5t SHA-1, RS256)"),
        case("kazi certificate (PKCS#12, x5t#S256, PS256)"),
    ] {
        // Kazi's API takes v1 tokens, also when MSAL asks the v2 endpoint.
        assert_eq!(kazi["ver"], "1.0");
        assert_eq!(kazi["aud"], KAZI_RESOURCE);
        assert_eq!(
            kazi["iss"],
            format!("{base}/{}/", kazi["tid"].as_str().unwrap())
        );
        assert_eq!(kazi["client"], env["KAZI_CLIENT_ID"]);
    }
    assert_eq!(
        case("okq8 wrong secret refused")["error_codes"],
        serde_json::json!([7_000_215])
    );
    assert_eq!(case("unknown tenant refused at discovery")["status"], 400);
    drop(sandbox);
}

/// `curl` with nothing but the `export` lines `vendorctl sandbox --tls` prints (sourced
/// as they are, in an otherwise empty environment): a token and one API call per
/// vendor, and a managed identity token, all over https trusted through the printed CA
/// variables.
#[test]
fn curl_with_only_the_printed_exports_gets_tokens_and_calls_every_api() {
    let Some(_curl) = on_path("curl") else {
        missing("curl is not on PATH");
        return;
    };
    let (sandbox, lines) = start("curl", &[], |line| line.starts_with('#'));
    let exports: Vec<&String> = lines.iter().filter(|l| l.starts_with("export ")).collect();
    assert!(exports
        .iter()
        .any(|l| l.starts_with("export SSL_CERT_FILE=")));
    assert!(exports
        .iter()
        .any(|l| l.starts_with("export CURL_CA_BUNDLE=")));
    assert!(!exports.iter().any(|l| l.contains("INSECURE_LOOPBACK")));
    let script = format!(
        r#"set -u
{exports}
token() {{ sed -E 's/.*"access_token":"([^"]+)".*/\1/'; }}
call() {{ curl -sS -o /dev/null -w '%{{http_code}}' "$@"; }}
t=$(curl -sS --fail-with-body "$KAZI_TOKEN_URL" -d grant_type=client_credentials \
  --data-urlencode "client_id=$KAZI_CLIENT_ID" --data-urlencode "client_secret=$KAZI_CLIENT_SECRET" \
  --data-urlencode "resource={KAZI_RESOURCE}" | token)
echo "kazi ${{#t}} $(call -H "Authorization: Bearer $t" -H "Ocp-Apim-Subscription-Key: $KAZI_SUBSCRIPTION_KEY" "$KAZI_BASE_URL/tagging/v2/expectations")"
t=$(curl -sS --fail-with-body "$KEYAVI_TOKEN_URL" -d grant_type=client_credentials \
  --data-urlencode "client_id=$KEYAVI_CLIENT_ID" --data-urlencode "client_secret=$KEYAVI_CLIENT_SECRET" \
  --data-urlencode "scope=$KEYAVI_SCOPE" | token)
echo "keyavi ${{#t}} $(call -H "Authorization: Bearer $t" -H "Ocp-Apim-Subscription-Key: $KEYAVI_SUBSCRIPTION_KEY" -H "x-api-caller-id: $KEYAVI_CALLER_ID" "${{KEYAVI_BASE_URL}}logs/payload")"
t=$(curl -sS --fail-with-body "$KAISA_TOKEN_URL" -d grant_type=client_credentials \
  --data-urlencode "client_id=$KAISA_CLIENT_ID" --data-urlencode "client_secret=$KAISA_CLIENT_SECRET" | token)
echo "kaisa ${{#t}} $(call -H "Authorization: Bearer $t" "$KAISA_BASE_URL/$KAISA_API_VERSION/miscellaneous/ping")"
t=$(curl -sS --fail-with-body "$OKQ8_TOKEN_URL" -d grant_type=client_credentials \
  --data-urlencode "client_id=$OKQ8_CLIENT_ID" --data-urlencode "client_secret=$OKQ8_CLIENT_SECRET" \
  --data-urlencode "scope=$OKQ8_SCOPE" | token)
echo "okq8 ${{#t}} $(call -H "Authorization: Bearer $t" -H "Ocp-Apim-Subscription-Key: $OKQ8_SUBSCRIPTION_KEY" "${{OKQ8_BASE_URL}}core/v1/stations")"
t=$(curl -sS --fail-with-body -G "$IDENTITY_ENDPOINT" -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" \
  --data-urlencode api-version=2019-08-01 --data-urlencode resource=api://apim-sandbox-api | token)
echo "managed-identity ${{#t}} $(call -H "Authorization: Bearer $t" -H "Ocp-Apim-Subscription-Key: $OKQ8_SUBSCRIPTION_KEY" "${{OKQ8_BASE_URL}}core/v1/stations")"
"#,
        exports = exports
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    let (status, out, err) = run(command, "", Duration::from_secs(60));
    println!("{out}");
    assert_eq!(status, Some(0), "{out}\n{err}");
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split(' ').collect()).collect();
    let names: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        names,
        ["kazi", "keyavi", "kaisa", "okq8", "managed-identity"],
        "{out}\n{err}"
    );
    for row in &rows {
        let token_len: usize = row[1].parse().unwrap_or(0);
        assert!(token_len > 200, "{}: no token\n{out}\n{err}", row[0]);
        assert_eq!(row[2], "200", "{}: the API call\n{out}\n{err}", row[0]);
    }
    drop(sandbox);
}

/// `--tls-dir` keeps the CA: a second start reuses it (clients that trust it need no
/// new export), with a fresh server certificate.
#[test]
fn the_tls_dir_keeps_the_ca_across_runs() {
    let (first, _) = start("reuse", &["--json"], |_| true);
    let dir = first.dir.clone();
    let ca = std::fs::read_to_string(dir.join("ca.pem")).expect("ca.pem");
    let server = std::fs::read_to_string(dir.join("server.pem")).expect("server.pem");
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("ca-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the CA key is private");
    }
    // Stop the first without removing its directory, then start again on it.
    let mut first = first;
    let _ = first.child.kill();
    let _ = first.child.wait();
    let mut child = Command::new(BIN)
        .args(["sandbox", "--port", "0", "--json", "--tls-dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let second = Running {
        child,
        dir: dir.clone(),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    let doc: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(doc["tls_dir"], dir.display().to_string());
    assert_eq!(std::fs::read_to_string(dir.join("ca.pem")).unwrap(), ca);
    assert_ne!(
        std::fs::read_to_string(dir.join("server.pem")).unwrap(),
        server
    );
    drop(second);
    drop(first);
}

/// `vendorctl` itself with only the printed exports, over https with no loopback
/// opt-in (the CA through `SSL_CERT_FILE`); and with the token URLs removed, so that
/// the configuration differs from production only by `AZURE_AUTHORITY_HOST`: the
/// vendors' default tenants (Kazi's `kazib2c.onmicrosoft.com`, OKQ8's
/// `a53d724c-…`) are the sandbox's.
#[test]
fn vendorctl_with_only_the_printed_exports_works_over_https() {
    let (sandbox, lines) = start("vendorctl", &["--json"], |_| true);
    let doc: Value = serde_json::from_str(&lines[0]).unwrap();
    let env: Vec<(String, String)> = doc["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let home = tls_dir("vendorctl-home");
    let vendorctl = |args: &[&str], without: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.args(["--no-token-cache"])
            .args(args)
            .env_clear()
            .env("HOME", &home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        for (k, v) in &env {
            if !without.contains(&k.as_str()) {
                cmd.env(k, v);
            }
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "vendorctl {args:?}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str::<Value>(&text).unwrap()
    };
    for vendor in ["kazi", "keyavi", "kaisa", "okq8"] {
        let token = vendorctl(&["token", vendor, "--json"], &[]);
        assert!(
            token["roles"].as_array().is_some_and(|r| !r.is_empty()),
            "{token}"
        );
    }
    let expectations = vendorctl(&["kazi", "expectations", "--json"], &[]);
    assert_eq!(expectations["items"].as_array().unwrap().len(), 12);
    let token_urls = ["KAZI_TOKEN_URL", "KEYAVI_TOKEN_URL", "OKQ8_TOKEN_URL"];
    let kazi = vendorctl(&["token", "kazi", "--json"], &token_urls);
    assert_eq!(kazi["aud"][0], KAZI_RESOURCE);
    let okq8 = vendorctl(&["token", "okq8", "--json"], &token_urls);
    assert_eq!(okq8["tid"], "a53d724c-15ea-4469-a987-82a5b30ec167");
    let keyavi = vendorctl(&["token", "keyavi", "--json"], &token_urls);
    assert_eq!(keyavi["tid"], env_value(&env, "KEYAVI_TENANT_ID"));
    let _ = std::fs::remove_dir_all(&home);
    drop(sandbox);
}

fn env_value(env: &[(String, String)], name: &str) -> String {
    env.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `vendorctl demo --tls`: every vendor end to end over https, the SDK clients trusting
/// the sandbox's CA with no loopback opt-in; `vendorctl sandbox --tls` without
/// `--tls-dir` makes a private directory of its own.
#[test]
fn the_demo_runs_over_tls_and_the_default_tls_dir_is_private() {
    let out = Command::new(BIN)
        .args(["demo", "--tls", "--json"])
        .env_remove("VENDORCTL_INSECURE_LOOPBACK")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["sandbox"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    for vendor in ["kazi", "keyavi", "kaisa", "okq8"] {
        assert!(
            doc["traffic"][vendor]["api_calls"].as_u64().unwrap() > 0,
            "{vendor}: {doc}"
        );
    }

    let mut child = Command::new(BIN)
        .args(["sandbox", "--port", "0", "--tls", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(20));
    let _ = child.kill();
    let _ = child.wait();
    let doc: Value = serde_json::from_str(&line.unwrap()).unwrap();
    let dir = PathBuf::from(doc["tls_dir"].as_str().unwrap());
    assert!(dir.starts_with(std::env::temp_dir()), "{}", dir.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the TLS directory is private");
    }
    assert_eq!(
        doc["env"]["SSL_CERT_FILE"],
        dir.join("ca.pem").display().to_string()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
