//! vendorctl's configuration as a process against the sandbox: every missing
//! variable in one error, `token` without the API's variables, `<NAME>_FILE`,
//! profiles, `config show`, `help environment`, `doctor`, completions, the man page.
//! Each child runs with a cleared environment, HOME and the config and cache
//! directories in a temporary directory, and is killed after a timeout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use vendor_sandbox::{Sandbox, SandboxConfig};

const BIN: &str = env!("CARGO_BIN_EXE_vendorctl");
const TIMEOUT: Duration = Duration::from_secs(90);

/// A temporary directory, removed when dropped.
struct Temp(PathBuf);

impl Temp {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("vendorctl-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str, content: &str) -> String {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `cmd`, killing it after [`TIMEOUT`].
fn output_within(mut cmd: Command) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("vendorctl starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vendorctl {cmd:?} took over {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// The environment of a child: PATH, and HOME and the XDG directories in `home`.
fn command(home: &Temp, args: &[&str], vars: &[(String, String)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("HOME", &home.0)
        .env("XDG_CONFIG_HOME", home.0.join("config"))
        .env("XDG_CACHE_HOME", home.0.join("cache"));
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// Runs vendorctl in `home` with `vars`; no secret of `sandbox` may be printed.
async fn run(
    sandbox: Option<&Sandbox>,
    home: &Temp,
    args: &[&str],
    vars: &[(String, String)],
) -> Output {
    let cmd = command(home, args, vars);
    let out = tokio::task::spawn_blocking(move || output_within(cmd))
        .await
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(s) = sandbox {
        for secret in secrets(s) {
            assert!(!all.contains(&secret), "a secret leaked in {args:?}: {all}");
        }
    }
    assert!(!all.contains("panicked"), "{all}");
    out
}

fn secrets(s: &Sandbox) -> Vec<String> {
    vec![
        s.kazi().client_secret,
        s.kazi().subscription_key,
        s.kazi().limited_client_secret,
        s.keyavi().client_secret,
        s.keyavi().password,
        s.keyavi().subscription_key,
        s.kaisa().client_secret,
        s.okq8().client_secret,
        s.okq8().subscription_key,
    ]
}

/// The sandbox's variables, minus `remove`, plus `extra`.
fn vars(s: &Sandbox, remove: &[&str], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = s
        .env_vars()
        .into_iter()
        .filter(|(k, _)| !remove.contains(&k.as_str()))
        .collect();
    v.push(("VENDORCTL_INSECURE_LOOPBACK".into(), "1".into()));
    v.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    v
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        stderr(out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

/// A usage error: exit code 2 and one line on stderr.
fn usage_error(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_missing_variable_is_named_in_one_error() {
    let home = Temp::new("missing");
    // A Keyavi newcomer in app mode: six variables, one run.
    let out = run(None, &home, &["keyavi", "logs"], &[]).await;
    let err = usage_error(&out);
    assert!(err.contains("Keyavi: 6 variables missing: "), "{err}");
    for name in [
        "KEYAVI_BASE_URL",
        "KEYAVI_TENANT_ID",
        "KEYAVI_CLIENT_ID",
        "KEYAVI_SUBSCRIPTION_KEY",
        "KEYAVI_CALLER_ID",
        "KEYAVI_CLIENT_SECRET",
    ] {
        assert!(err.contains(name), "{name} in {err}");
    }
    // Missing and malformed together, without quoting a URL (it may hold a password).
    let out = run(
        None,
        &home,
        &["kazi", "expectations"],
        &[
            ("KAZI_ENV".into(), "staging".into()),
            (
                "KAZI_BASE_URL".into(),
                "http://user:hunter22@kazi.example.com/".into(),
            ),
        ],
    )
    .await;
    let err = usage_error(&out);
    for needle in [
        "Kazi: 3 variables missing: KAZI_CLIENT_ID",
        "KAZI_SUBSCRIPTION_KEY",
        "2 variables not usable: KAZI_ENV (`staging` is not one of",
        "KAZI_BASE_URL (must use https://",
    ] {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    assert!(!err.contains("hunter22"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_needs_none_of_the_apis_variables() {
    let s = sandbox().await;
    let home = Temp::new("token");
    // Kazi without its subscription key: the token works, an API call does not.
    let env = vars(&s, &["KAZI_SUBSCRIPTION_KEY"], &[]);
    let doc = ok_json(&run(Some(&s), &home, &["token", "kazi", "--json"], &env).await);
    assert_eq!(doc["access_token"], "[redacted]");
    let err = usage_error(&run(Some(&s), &home, &["kazi", "expectations"], &env).await);
    assert!(
        err.contains("Kazi: 1 variable missing: KAZI_SUBSCRIPTION_KEY"),
        "{err}"
    );
    // Keyavi without the key, the base URL and the caller id (app mode).
    let env = vars(
        &s,
        &[
            "KEYAVI_SUBSCRIPTION_KEY",
            "KEYAVI_BASE_URL",
            "KEYAVI_CALLER_ID",
        ],
        &[],
    );
    let doc = ok_json(&run(Some(&s), &home, &["token", "keyavi", "--json"], &env).await);
    assert!(
        doc["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "Logs.Read"),
        "{doc}"
    );
    let err = usage_error(&run(Some(&s), &home, &["keyavi", "logs"], &env).await);
    assert!(err.contains("Keyavi: 3 variables missing"), "{err}");
    // ... also when the credential is Azure's federated token file, which the
    // caller id's placeholder must not hide.
    let federated = home.file(
        "keyavi-federated",
        &s.federated_token(vendor_sandbox::Vendor::Keyavi),
    );
    let env = vars(
        &s,
        &[
            "KEYAVI_SUBSCRIPTION_KEY",
            "KEYAVI_BASE_URL",
            "KEYAVI_CALLER_ID",
            "KEYAVI_CLIENT_SECRET",
        ],
        &[("AZURE_FEDERATED_TOKEN_FILE", federated.as_str())],
    );
    let doc = ok_json(&run(Some(&s), &home, &["token", "keyavi", "--json"], &env).await);
    assert_eq!(doc["access_token"], "[redacted]");
    // OKQ8 without the key and the base URL; its token needs OAuth, though.
    let env = vars(&s, &["OKQ8_SUBSCRIPTION_KEY", "OKQ8_BASE_URL"], &[]);
    ok_json(&run(Some(&s), &home, &["token", "okq8", "--json"], &env).await);
    let env = vars(
        &s,
        &["OKQ8_CLIENT_ID", "OKQ8_CLIENT_SECRET", "OKQ8_SCOPE"],
        &[],
    );
    let err = usage_error(&run(Some(&s), &home, &["token", "okq8"], &env).await);
    assert!(
        err.contains("OKQ8: 3 variables missing: OKQ8_CLIENT_ID"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_come_from_files_from_the_environment_or_the_env_file() {
    let s = sandbox().await;
    let home = Temp::new("files");
    let secret_file = home.file("kazi-secret", &format!("{}\n", s.kazi().client_secret));
    let key_file = home.file("kazi-key", &s.kazi().subscription_key);
    // KAZI_CLIENT_SECRET_FILE in the environment, KAZI_SUBSCRIPTION_KEY_FILE in the
    // env file.
    let env_file = home.file(
        "kazi.env",
        &format!("KAZI_SUBSCRIPTION_KEY_FILE={key_file}\n"),
    );
    let env = vars(
        &s,
        &["KAZI_CLIENT_SECRET", "KAZI_SUBSCRIPTION_KEY"],
        &[("KAZI_CLIENT_SECRET_FILE", secret_file.as_str())],
    );
    let doc = ok_json(
        &run(
            Some(&s),
            &home,
            &["--env-file", &env_file, "kazi", "expectations", "--json"],
            &env,
        )
        .await,
    );
    assert!(doc.to_string().contains("expectationId"), "{doc}");

    // Both forms at once: refused, naming both.
    let env = vars(
        &s,
        &[],
        &[("KAZI_CLIENT_SECRET_FILE", secret_file.as_str())],
    );
    let err = usage_error(&run(Some(&s), &home, &["token", "kazi"], &env).await);
    assert!(
        err.contains("KAZI_CLIENT_SECRET and KAZI_CLIENT_SECRET_FILE both set"),
        "{err}"
    );
    // Both in one env file too.
    let both = home.file(
        "both.env",
        &format!("KAISA_CLIENT_SECRET=x-value-x\nKAISA_CLIENT_SECRET_FILE={secret_file}\n"),
    );
    let err = usage_error(
        &run(
            Some(&s),
            &home,
            &["--env-file", &both, "kaisa", "ping"],
            &vars(&s, &["KAISA_CLIENT_SECRET"], &[]),
        )
        .await,
    );
    assert!(
        err.contains("KAISA_CLIENT_SECRET and KAISA_CLIENT_SECRET_FILE"),
        "{err}"
    );
    assert!(!err.contains("x-value-x"), "{err}");
    // The environment's secret wins over the env file's _FILE form, silently.
    let ok = run(
        Some(&s),
        &home,
        &["--env-file", &env_file, "kazi", "expectations", "--json"],
        &vars(&s, &[], &[]),
    )
    .await;
    ok_json(&ok);

    // An unreadable file: the variable and the path, exit code 2.
    let missing = home.0.join("no-such-secret");
    let env = vars(
        &s,
        &["KAZI_CLIENT_SECRET"],
        &[("KAZI_CLIENT_SECRET_FILE", missing.to_str().unwrap())],
    );
    let err = usage_error(&run(Some(&s), &home, &["token", "kazi"], &env).await);
    assert!(
        err.contains("KAZI_CLIENT_SECRET_FILE: cannot read"),
        "{err}"
    );
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    // Not UTF-8: named, its content never shown.
    let binary = home.0.join("binary-secret");
    std::fs::write(&binary, b"secret-bytes-\xff\xfe").unwrap();
    let env = vars(
        &s,
        &["KAZI_CLIENT_SECRET"],
        &[("KAZI_CLIENT_SECRET_FILE", binary.to_str().unwrap())],
    );
    let err = usage_error(&run(Some(&s), &home, &["token", "kazi"], &env).await);
    assert!(
        err.contains("KAZI_CLIENT_SECRET_FILE") && err.contains("not UTF-8"),
        "{err}"
    );
    assert!(!err.contains("secret-bytes"), "{err}");
}

/// The sandbox's non-secret Kazi settings as a profile.
fn kazi_profile(s: &Sandbox, name: &str) -> String {
    let k = s.kazi();
    format!(
        "# vendorctl profiles\n[profile {name}]\nKAZI_CLIENT_ID = {}\nKAZI_BASE_URL = \"{}\"\nKAZI_TOKEN_URL = {}\nKAZI_ALLOW_INSECURE_LOOPBACK = 1\nKAZI_ENV = test\n\n[profile other]\nKAISA_API_VERSION = v3\n",
        k.client_id, k.base_url, k.token_url
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_hold_settings_the_environment_overrides_and_no_secret() {
    let s = sandbox().await;
    let home = Temp::new("profiles");
    home.file("config/vendorctl/config", &kazi_profile(&s, "sandbox"));
    let secrets_only = vars(
        &s,
        &[
            "KAZI_CLIENT_ID",
            "KAZI_BASE_URL",
            "KAZI_TOKEN_URL",
            "KAZI_ALLOW_INSECURE_LOOPBACK",
        ],
        &[],
    );
    // The profile completes the environment, by flag or by variable.
    let doc = ok_json(
        &run(
            Some(&s),
            &home,
            &["--profile", "sandbox", "kazi", "expectations", "--json"],
            &secrets_only,
        )
        .await,
    );
    assert!(doc.to_string().contains("expectationId"), "{doc}");
    let mut by_var = secrets_only.clone();
    by_var.push(("VENDORCTL_PROFILE".into(), "sandbox".into()));
    ok_json(&run(Some(&s), &home, &["token", "kazi", "--json"], &by_var).await);
    // Without it, the settings are missing.
    let err = usage_error(&run(Some(&s), &home, &["kazi", "expectations"], &secrets_only).await);
    assert!(err.contains("KAZI_CLIENT_ID"), "{err}");

    // The environment wins over the profile.
    let mut env = secrets_only.clone();
    env.push(("KAZI_ENV".into(), "production".into()));
    let doc = ok_json(
        &run(
            Some(&s),
            &home,
            &["--profile", "sandbox", "config", "show", "kazi", "--json"],
            &env,
        )
        .await,
    );
    let var = |name: &str| {
        doc["variables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(var("KAZI_ENV")["value"], "production");
    assert_eq!(var("KAZI_ENV")["source"], "environment");
    assert_eq!(var("KAZI_CLIENT_ID")["source"], "profile");
    assert_eq!(var("KAZI_CLIENT_ID")["from"], "sandbox");
    assert_eq!(doc["profile"]["name"], "sandbox");

    // VENDORCTL_CONFIG names another file; a secret in it is refused by line.
    let other = home.file(
        "elsewhere.ini",
        "[profile leaky]\nKAZI_ENV = test\nKAZI_CLIENT_SECRET = hunter2-in-a-file\n",
    );
    let mut env = secrets_only.clone();
    env.push(("VENDORCTL_CONFIG".into(), other.clone()));
    let err = usage_error(
        &run(
            Some(&s),
            &home,
            &["--profile", "leaky", "token", "kazi"],
            &env,
        )
        .await,
    );
    assert!(
        err.contains(&format!("{other}:3: KAZI_CLIENT_SECRET is a secret")),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    // A profile that is not there.
    let err = usage_error(
        &run(
            Some(&s),
            &home,
            &["--profile", "nope", "kazi", "expectations"],
            &secrets_only,
        )
        .await,
    );
    assert!(
        err.contains("no [profile nope]") && err.contains("(profiles: other, sandbox)"),
        "{err}"
    );
    // `config path` follows the same rules.
    let out = run(Some(&s), &home, &["config", "path"], &env).await;
    assert_eq!(stdout(&out).trim(), other);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_show_names_every_source_and_redacts_secrets() {
    let s = sandbox().await;
    let home = Temp::new("show");
    home.file("config/vendorctl/config", &kazi_profile(&s, "p"));
    let key_file = home.file("okq8-key", &s.okq8().subscription_key);
    let env_file = home.file(
        "extra.env",
        &format!(
            "KAISA_TOKEN_FORMAT=json\nOKQ8_SUBSCRIPTION_KEY_FILE={key_file}\nHTTPS_PROXY=http://proxyuser:proxy-pa55@127.0.0.1:9\n"
        ),
    );
    let env = vars(
        &s,
        &[
            "OKQ8_SUBSCRIPTION_KEY",
            "KAZI_CLIENT_ID",
            "KAISA_API_VERSION",
        ],
        &[("KAISA_BASE_URL", "http://user:url-pa55@127.0.0.1:9/kaisa")],
    );
    let args = [
        "--env-file",
        env_file.as_str(),
        "--profile",
        "p",
        "config",
        "show",
    ];
    let doc = ok_json(&run(Some(&s), &home, &[&args[..], &["--json"]].concat(), &env).await);
    let text = doc.to_string();
    assert!(!text.contains("url-pa55"), "{text}");
    let var = |name: &str| {
        doc["variables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {text}"))
    };
    for (name, source, value) in [
        ("KAZI_CLIENT_SECRET", "environment", Value::from("[set]")),
        ("KAZI_CLIENT_ID", "profile", Value::from(s.kazi().client_id)),
        ("KAISA_TOKEN_FORMAT", "env file", Value::from("json")),
        ("OKQ8_SUBSCRIPTION_KEY", "secret file", Value::from("[set]")),
        ("KAISA_API_VERSION", "default", Value::from("2.4.9")),
        ("KAZI_CLIENT_CERTIFICATE_PATH", "unset", Value::Null),
        (
            "KAISA_BASE_URL",
            "environment",
            Value::from("http://***:***@127.0.0.1:9/kaisa"),
        ),
    ] {
        let v = var(name);
        assert_eq!(v["source"], source, "{name}: {v}");
        assert_eq!(v["value"], value, "{name}: {v}");
    }
    assert_eq!(var("KAZI_CLIENT_SECRET")["secret"], true);
    assert!(var("OKQ8_SUBSCRIPTION_KEY")["from"]
        .as_str()
        .unwrap()
        .starts_with("OKQ8_SUBSCRIPTION_KEY_FILE ("));
    // Every secret of the catalog is `[set]` or absent, never its value (run checks
    // the sandbox's secrets too).
    for v in doc["variables"].as_array().unwrap() {
        if v["secret"] == true {
            assert!(v["value"] == "[set]" || v["value"].is_null(), "{v}");
        }
    }
    // The table: one line per variable, secrets as [set].
    let out = run(Some(&s), &home, &args, &env).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("profile p from "), "{table}");
    let line = table
        .lines()
        .find(|l| l.contains("KAZI_SUBSCRIPTION_KEY"))
        .unwrap();
    assert!(
        line.contains("[set]") && line.contains("environment"),
        "{line}"
    );
    let line = table
        .lines()
        .find(|l| l.contains("OKQ8_SUBSCRIPTION_KEY"))
        .unwrap();
    assert!(
        line.contains("secret file OKQ8_SUBSCRIPTION_KEY_FILE"),
        "{line}"
    );
    assert!(!table.contains("url-pa55"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_the_variables_suggests_and_colours_unless_no_color() {
    let home = Temp::new("help");
    let out = run(None, &home, &["help", "environment"], &[]).await;
    assert!(out.status.success());
    let text = stdout(&out);
    for needle in [
        "KAZI_SUBSCRIPTION_KEY             secret  required                API",
        "KEYAVI_CALLER_ID                            app mode only           API",
        "KEYAVI_PASSWORD                     secret  user mode only          token",
        "KAISA_TOKEN_FORMAT",
        "OKQ8_SCOPE                                OAuth only              token",
        "<NAME>_FILE",
        "VENDORCTL_PROFILE",
        "AZURE_FEDERATED_TOKEN_FILE",
        "read:expectations",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    for (vendor, var) in [
        ("kazi", "KAZI_CLIENT_SECRET"),
        ("keyavi", "KEYAVI_USERNAME"),
        ("kaisa", "KAISA_API_VERSION"),
        ("okq8", "OKQ8_SUBSCRIPTION_KEY"),
    ] {
        let out = run(None, &home, &[vendor, "--help"], &[]).await;
        assert!(out.status.success());
        let help = stdout(&out);
        assert!(help.contains(var) && help.contains("secret"), "{help}");
        assert!(help.contains("vendorctl help environment"), "{help}");
    }
    // Did you mean: a mistyped subcommand is a usage error with a suggestion.
    let out = run(None, &home, &["kazi", "expectatons"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("similar subcommand exists: 'expectations'"),
        "{}",
        stderr(&out)
    );
    // Colour when forced, none under NO_COLOR (which wins).
    let forced = [("CLICOLOR_FORCE".to_owned(), "1".to_owned())];
    let out = run(None, &home, &["--help"], &forced).await;
    assert!(stdout(&out).contains("\x1b["), "{}", stdout(&out));
    let no_color = [
        ("CLICOLOR_FORCE".to_owned(), "1".to_owned()),
        ("NO_COLOR".to_owned(), "1".to_owned()),
    ];
    let out = run(None, &home, &["--help"], &no_color).await;
    assert!(!stdout(&out).contains('\x1b'), "{}", stdout(&out));
}

fn doctor_lines(out: &Output) -> Vec<String> {
    stdout(out).lines().skip(1).map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_a_healthy_sandbox_and_fails_a_wrong_secret() {
    let s = sandbox().await;
    let home = Temp::new("doctor");
    let out = run(Some(&s), &home, &["doctor"], &vars(&s, &[], &[])).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let lines = doctor_lines(&out);
    for vendor in ["Kazi", "Keyavi", "Kaisa", "OKQ8"] {
        for check in [
            "variables",
            "token host dns",
            "API host dns",
            "clock",
            "token",
            "roles",
        ] {
            assert!(
                lines.iter().any(|l| l.starts_with("ok ")
                    && l.split_whitespace().nth(1) == Some(vendor)
                    && l.contains(&format!("  {check}  "))),
                "{vendor} {check} ok in:\n{}",
                stdout(&out)
            );
        }
        assert!(lines.iter().any(|l| l.starts_with("skip ")
            && l.contains(vendor)
            && l.contains("tls")
            && l.contains("loopback")));
    }
    assert!(!stdout(&out).contains("FAIL"), "{}", stdout(&out));
    let kazi_roles = lines
        .iter()
        .find(|l| l.contains("Kazi") && l.contains("  roles  "))
        .expect("Kazi's roles line");
    assert!(
        kazi_roles.contains("read:jobscans")
            && kazi_roles.contains(
                "not granted, needed only to write: write:talentscans (for `vendorctl kazi create-talent-scan`)"
            ),
        "{kazi_roles}"
    );
    assert!(
        lines[0].contains("proxy") && lines[0].contains("none"),
        "{}",
        lines[0]
    );
    let doc = ok_json(
        &run(
            Some(&s),
            &home,
            &["doctor", "kazi", "--json"],
            &vars(&s, &[], &[]),
        )
        .await,
    );
    assert_eq!(doc["failed"], 0);
    assert!(doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["vendor"] != "Keyavi"));

    // Tracing on, the secret from a file: still no secret on stdout or stderr (run
    // checks every secret of the sandbox).
    let secret_file = home.file("kazi-secret", &s.kazi().client_secret);
    let env = vars(
        &s,
        &["KAZI_CLIENT_SECRET"],
        &[("KAZI_CLIENT_SECRET_FILE", secret_file.as_str())],
    );
    let out = run(Some(&s), &home, &["--verbose", "doctor", "kazi"], &env).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("token"),
        "tracing on stderr: {}",
        stderr(&out)
    );

    // A wrong secret: the token line fails, with the vendor's code and a hint.
    let env = vars(&s, &[], &[("KAZI_CLIENT_SECRET", "wrong-secret-value-xyz")]);
    let out = run(Some(&s), &home, &["doctor", "kazi"], &env).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let token = doctor_lines(&out)
        .into_iter()
        .find(|l| l.contains("  token  "))
        .unwrap();
    assert!(token.starts_with("FAIL"), "{token}");
    assert!(token.contains("KAZI_CLIENT_SECRET"), "{token}");
    assert!(
        !stdout(&out).contains("wrong-secret-value-xyz"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("doctor: 1 check failed"),
        "{}",
        stderr(&out)
    );

    // A missing variable is listed; the token still works without it.
    let env = vars(&s, &["KAZI_SUBSCRIPTION_KEY"], &[]);
    let out = run(Some(&s), &home, &["doctor", "kazi"], &env).await;
    assert_eq!(out.status.code(), Some(1));
    let lines = doctor_lines(&out);
    assert!(
        lines.iter().any(|l| l.starts_with("FAIL")
            && l.contains("missing")
            && l.contains("KAZI_SUBSCRIPTION_KEY")),
        "{}",
        stdout(&out)
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("ok ") && l.contains("  token  ")));

    // A limited client: its roles lack read:expectations (a warning, not a failure).
    let limited = s.kazi();
    let env = vars(
        &s,
        &[],
        &[
            ("KAZI_CLIENT_ID", limited.limited_client_id.as_str()),
            ("KAZI_CLIENT_SECRET", limited.limited_client_secret.as_str()),
        ],
    );
    let out = run(Some(&s), &home, &["doctor", "kazi"], &env).await;
    assert!(out.status.success(), "{}", stdout(&out));
    let roles = doctor_lines(&out)
        .into_iter()
        .find(|l| l.contains("  roles  "))
        .unwrap();
    assert!(
        roles.starts_with("warn") && roles.contains("read:expectations"),
        "{roles}"
    );

    // A proxy's credentials are never shown.
    let env = vars(
        &s,
        &[],
        &[("HTTPS_PROXY", "http://me:proxy-pa55@127.0.0.1:9")],
    );
    let out = run(Some(&s), &home, &["doctor", "kaisa"], &env).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("HTTPS_PROXY=http://***:***@127.0.0.1:9/"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("proxy-pa55"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_without_configuration_says_so() {
    let home = Temp::new("doctor-empty");
    let out = run(None, &home, &["doctor"], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no vendor is configured"),
        "{}",
        stdout(&out)
    );
    // A vendor named is checked even so: its variables are missing.
    let out = run(None, &home, &["doctor", "kaisa"], &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("KAISA_CLIENT_SECRET"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_and_the_man_page() {
    let home = Temp::new("completions");
    let out = run(None, &home, &["completions", "bash"], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let bash = stdout(&out);
    for word in [
        "_vendorctl()",
        "doctor",
        "completions",
        "config",
        "kazi",
        "expectations",
        "--profile",
    ] {
        assert!(bash.contains(word), "{word} in bash completions");
    }
    for shell in ["zsh", "fish", "powershell"] {
        let out = run(None, &home, &["completions", shell], &[]).await;
        assert!(
            out.status.success() && stdout(&out).contains("doctor"),
            "{shell}"
        );
    }
    let out = run(None, &home, &["completions", "tcsh"], &[]).await;
    assert_eq!(out.status.code(), Some(2));

    let out = run(None, &home, &["__man"], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let roff = stdout(&out);
    assert!(
        roff.starts_with(".ie") || roff.starts_with(".TH"),
        "{}",
        &roff[..80.min(roff.len())]
    );
    for needle in [
        ".TH vendorctl 1",
        "doctor",
        ".SH ENVIRONMENT",
        "KAZI_CLIENT_SECRET",
    ] {
        assert!(roff.contains(needle), "{needle} in the man page");
    }
    render_man(&home, &roff);
}

/// Renders the page with groff where it is installed (warnings are errors).
fn render_man(home: &Temp, roff: &str) {
    let page = home.file("vendorctl.1", roff);
    let Ok(out) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z", &page])
        .output()
    else {
        eprintln!("groff is not installed: the man page was checked as text only");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "groff: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", &page])
        .output()
        .unwrap();
    // Overstruck bold and underline (`N\x08N`) read as the plain letter.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&out.stdout).chars() {
        if c == '\x08' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    for needle in ["NAME", "ENVIRONMENT", "doctor", "KAZI_SUBSCRIPTION_KEY"] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandboxs_variables_work_from_an_env_file() {
    // `vendorctl sandbox > s.env; vendorctl --env-file s.env kaisa ping`: the opt-in
    // for plain http (VENDORCTL_INSECURE_LOOPBACK) comes from the file too.
    let s = sandbox().await;
    let home = Temp::new("envfile");
    let mut text = String::new();
    for (k, v) in s.env_vars() {
        text.push_str(&format!("export {k}='{v}'\n"));
    }
    text.push_str("export VENDORCTL_INSECURE_LOOPBACK=1\n");
    let file = home.file("s.env", &text);
    for args in [
        &["kaisa", "ping", "--json"][..],
        &["keyavi", "logs", "--json"],
        &["okq8", "get", "public/v1/prices", "--json"],
    ] {
        let out = run(
            Some(&s),
            &home,
            &[&["--env-file", file.as_str()], args].concat(),
            &[],
        )
        .await;
        ok_json(&out);
    }
}

/// A TLS server on 127.0.0.1 with a certificate of oauth-core's test CA, answering
/// every request with a 404 (and no `Date`); its URL and the CA's file.
async fn tls_server() -> (String, String) {
    use rustls_pki_types::pem::PemObject as _;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../oauth-core/tests/fixtures/certs"
    );
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(format!("{dir}/server-cert.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/server-key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(socket)).await
                else {
                    return;
                };
                let mut buf = vec![0u8; 8192];
                let _ = tokio::time::timeout(Duration::from_secs(10), tls.read(&mut buf)).await;
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (
        format!("https://127.0.0.1:{port}/oauth2/token"),
        format!("{dir}/test-ca.pem"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_tls_handshake() {
    let s = sandbox().await;
    let home = Temp::new("doctor-tls");
    let (url, ca) = tls_server().await;
    let tls_line = |out: &Output| {
        doctor_lines(out)
            .into_iter()
            .find(|l| l.contains("token host tls"))
            .unwrap()
    };
    // Untrusted: the handshake fails, and so does the token.
    let env = vars(&s, &[], &[("KAISA_TOKEN_URL", url.as_str())]);
    let out = run(Some(&s), &home, &["doctor", "kaisa"], &env).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let line = tls_line(&out);
    assert!(
        line.starts_with("FAIL") && line.contains("certificate"),
        "{line}"
    );
    // Trusted through SSL_CERT_FILE: the handshake is ok (the 404 does not matter).
    let env = vars(
        &s,
        &[],
        &[
            ("KAISA_TOKEN_URL", url.as_str()),
            ("SSL_CERT_FILE", ca.as_str()),
        ],
    );
    let out = run(Some(&s), &home, &["doctor", "kaisa"], &env).await;
    let line = tls_line(&out);
    assert!(
        line.starts_with("ok") && line.contains("(HTTP 404)"),
        "{line}\n{}",
        stdout(&out)
    );
}
