//! The supply-chain checks of `cargo xtask ci`, with cargo-deny (configured by
//! `deny.toml` at the workspace root):
//!
//! - `cargo deny check licenses bans sources`: always; any error fails CI.
//! - `cargo deny check advisories`: needs the RustSec advisory database, fetched from
//!   GitHub. Where it cannot be fetched the check is skipped with a plain note; where
//!   it can, any advisory found fails CI.
//!
//! cargo-deny is installed (`cargo install --locked`, the pinned version) if missing.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The cargo-deny version installed where none is (its `deny.toml` format is v2).
const CARGO_DENY_VERSION: &str = "0.20.2";

/// How long fetching the advisory database and checking may take before the
/// database counts as unreachable (a network that drops packets never answers).
const ADVISORIES_TIMEOUT: Duration = Duration::from_secs(300);

/// The note printed when the advisory database cannot be fetched.
pub const SKIPPED: &str = "advisories check skipped: advisory database not reachable";

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// The workspace root, where `deny.toml` is: cargo-deny runs there wherever
/// `cargo xtask` was started.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `cargo deny [--config CONFIG] check CHECKS...` in the workspace root.
fn deny(config: Option<&Path>, checks: &[&str]) -> Command {
    let mut cmd = Command::new(cargo_bin());
    cmd.current_dir(workspace_root()).arg("deny");
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    cmd.arg("check").args(checks).stdin(Stdio::null());
    cmd
}

/// Runs every supply-chain check.
pub fn check() -> Result<(), String> {
    ensure_installed()?;
    eprintln!("\n==> cargo deny check licenses bans sources");
    let status = deny(None, &["licenses", "bans", "sources"])
        .status()
        .map_err(|e| format!("could not run cargo deny: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo deny check licenses bans sources` failed ({status})"
        ));
    }
    eprintln!("\n==> cargo deny check advisories");
    advisories(None, &[]).map(|_| ())
}

/// Installs the pinned cargo-deny unless `cargo deny` already runs.
fn ensure_installed() -> Result<(), String> {
    let installed = Command::new(cargo_bin())
        .args(["deny", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if installed {
        return Ok(());
    }
    eprintln!("\ncargo-deny is not installed: installing {CARGO_DENY_VERSION} (about 6 minutes on 2 cores)");
    let started = Instant::now();
    crate::cargo(
        &[
            "install",
            "--locked",
            "cargo-deny",
            "--version",
            CARGO_DENY_VERSION,
        ],
        &[],
    )?;
    eprintln!("installed cargo-deny in {} s", started.elapsed().as_secs());
    Ok(())
}

/// What `cargo deny check advisories` came to.
#[derive(Debug, PartialEq, Eq)]
enum Advisories {
    /// The database was fetched and nothing was found.
    Clean,
    /// The database could not be fetched: nothing was checked.
    Unreachable,
    /// The check ran and failed (an advisory, or another error).
    Failed,
}

/// Reads the outcome from the exit status and what cargo-deny wrote to stderr.
fn classify(success: bool, stderr: &str) -> Advisories {
    if success {
        return Advisories::Clean;
    }
    // A finding is reported as a diagnostic (`error[vulnerability]`, `error[unmaintained]`,
    // `error[yanked]`, ...): it always fails, whatever else was written.
    if stderr.contains("error[") {
        return Advisories::Failed;
    }
    let lower = stderr.to_ascii_lowercase();
    let fetch_failed = lower.contains("advisory database")
        && ["failed to fetch", "unable to fetch", "failed to clone"]
            .iter()
            .any(|needle| lower.contains(needle));
    if fetch_failed {
        Advisories::Unreachable
    } else {
        Advisories::Failed
    }
}

/// Runs `cargo deny check advisories` (with `config` instead of `deny.toml`, and
/// `envs` set, for the tests): `Ok` when clean or when the database could not be
/// fetched (with the plain note), `Err` on any finding or other failure.
fn advisories(config: Option<&Path>, envs: &[(&str, &str)]) -> Result<Advisories, String> {
    let mut child = deny(config, &["advisories"])
        .envs(envs.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run cargo deny: {e}"))?;
    // Read stderr on a thread, so that a full pipe cannot stall the check.
    let mut pipe = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = pipe.as_mut() {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    });
    let deadline = Instant::now() + ADVISORIES_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => return Err(format!("cargo deny check advisories: {e}")),
        }
    };
    let stderr = reader.join().unwrap_or_default();
    eprint!("{stderr}");
    let outcome = match status {
        Some(status) => classify(status.success(), &stderr),
        None => {
            eprintln!(
                "cargo deny check advisories did not finish within {} s",
                ADVISORIES_TIMEOUT.as_secs()
            );
            Advisories::Unreachable
        }
    };
    match outcome {
        Advisories::Unreachable => {
            eprintln!("{SKIPPED}");
            Ok(outcome)
        }
        Advisories::Clean => Ok(outcome),
        Advisories::Failed => Err("`cargo deny check advisories` failed".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What cargo-deny 0.20 writes where github.com cannot be reached.
    const NO_NETWORK: &str = "2026-12-01 15:14:17 [ERROR] failed to fetch advisory database https://github.com/RustSec/advisory-db with cli: failed to clone: [\"clone\", \"--depth=1\", \"--branch\", \"main\", \"https://github.com/RustSec/advisory-db\", \"/root/.cargo/advisory-dbs/advisory-db-3157b0e258782691\"]\nCloning into '/root/.cargo/advisory-dbs/advisory-db-3157b0e258782691'...\nfatal: unable to access 'https://github.com/RustSec/advisory-db/': Could not resolve host: github.com\n";

    /// A finding, as cargo-deny 0.20 reports one (from a local test database).
    const FINDING: &str = "error[vulnerability]: Made-up advisory to test the CI check\n   ┌─ /work/main/Cargo.lock:98:1\n   │\n98 │ matchit 0.8.4 registry+https://github.com/rust-lang/crates.io-index\n   │ ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ security vulnerability detected\n   │\n   ├ ID: RUSTSEC-2099-0001\n   ├ Solution: Upgrade to >=99.0.0 (try `cargo update -p matchit`)\n\nadvisories FAILED\n";

    #[test]
    fn an_unreachable_database_is_a_skip() {
        assert_eq!(classify(false, NO_NETWORK), Advisories::Unreachable);
    }

    #[test]
    fn a_finding_fails_even_next_to_a_fetch_error() {
        assert_eq!(classify(false, FINDING), Advisories::Failed);
        assert_eq!(
            classify(false, &format!("{NO_NETWORK}{FINDING}")),
            Advisories::Failed
        );
        assert_eq!(
            classify(false, "error: failed to parse deny.toml"),
            Advisories::Failed
        );
    }

    #[test]
    fn success_is_clean() {
        assert_eq!(classify(true, "advisories ok\n"), Advisories::Clean);
    }

    /// A git repository in the advisory database's layout with one advisory that
    /// every version of `package` is affected by.
    fn fake_database(dir: &Path, package: &str) {
        let crate_dir = dir.join("crates").join(package);
        std::fs::create_dir_all(&crate_dir).unwrap();
        std::fs::write(
            crate_dir.join("RUSTSEC-2099-0001.md"),
            format!(
                "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"{package}\"\ndate = \"2099-01-01\"\nurl = \"https://example.invalid/advisory\"\n\n[versions]\npatched = [\">= 999.0.0\"]\n```\n\n# A made-up advisory\n\nOnly in the test database of xtask: nothing is wrong with {package}.\n"
            ),
        )
        .unwrap();
        let git = |args: &[&str]| {
            let status = Command::new("git")
                .current_dir(dir)
                .args([
                    "-c",
                    "user.name=xtask",
                    "-c",
                    "user.email=xtask@example.invalid",
                ])
                .args(args)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        };
        git(&["init", "-q", "-b", "main"]);
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "advisories"]);
    }

    /// `deny.toml` with the advisory database at `url`, cloned into `db_path`.
    fn config_with_database(dir: &Path, url: &str, db_path: &Path) -> PathBuf {
        let deny_toml = std::fs::read_to_string(workspace_root().join("deny.toml")).unwrap();
        let config = deny_toml.replacen(
            "[advisories]\n",
            &format!(
                "[advisories]\ndb-path = \"{}\"\ndb-urls = [\"{url}\"]\n",
                db_path.display()
            ),
            1,
        );
        assert_ne!(config, deny_toml, "deny.toml has an [advisories] table");
        let path = dir.join("deny.toml");
        std::fs::write(&path, config).unwrap();
        path
    }

    /// The advisories check end to end, where cargo-deny is installed (`cargo xtask
    /// ci` installs it before the tests run): a finding in a local database fails, a
    /// database that cannot be fetched is a skip, a database without findings passes.
    #[test]
    fn advisories_fail_on_a_finding_and_skip_an_unreachable_database() {
        let installed = deny(None, &[])
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            eprintln!(
                "cargo-deny is not installed: this test needs it (cargo xtask deny installs it)"
            );
            return;
        }
        let root = std::env::temp_dir().join(format!("xtask-advisories-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        // The fake databases are served from local repositories under a URL that
        // git rewrites (cargo-deny wants a host name in the URL).
        let url = "https://advisories.example.invalid/advisory-db";
        let rewrite = |repo: &Path| -> Vec<(&'static str, String)> {
            vec![
                ("GIT_CONFIG_COUNT", "1".to_owned()),
                (
                    "GIT_CONFIG_KEY_0",
                    format!("url.{}.insteadOf", repo.display()),
                ),
                ("GIT_CONFIG_VALUE_0", url.to_owned()),
            ]
        };
        // serde is in every build of the workspace.
        let affected = root.join("affected");
        fake_database(&affected, "serde");
        let config = config_with_database(&root, url, &root.join("db-affected"));
        let envs = rewrite(&affected);
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert!(advisories(Some(&config), &envs).is_err(), "a finding fails");

        let unaffected = root.join("unaffected");
        fake_database(&unaffected, "a-crate-nobody-depends-on");
        let config = config_with_database(&root, url, &root.join("db-unaffected"));
        let envs = rewrite(&unaffected);
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(advisories(Some(&config), &envs), Ok(Advisories::Clean));

        // .invalid never resolves (RFC 6761), on any network.
        let config = config_with_database(&root, url, &root.join("db-unreachable"));
        assert_eq!(advisories(Some(&config), &[]), Ok(Advisories::Unreachable));
        let _ = std::fs::remove_dir_all(&root);
    }
}
