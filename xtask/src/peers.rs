//! `cargo xtask bench --peers`: the peer benchmarks (package `benches/peers`, outside
//! the workspace), the command-line figures (vendorctl against the sandbox, beside
//! curl) and the build of a minimal application beside one on azure_identity, written
//! into BENCHMARKS.md between two markers, which `cargo xtask bench` keeps.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The first line of the section.
pub const START: &str = "<!-- peers: written by `cargo xtask bench --peers` -->";
/// The line after it.
pub const END: &str = "<!-- peers: end -->";

/// The first line of the hand-written summary of goals, which both benchmark tasks keep.
pub const GOALS_START: &str = "<!-- goals: written by hand, kept by `cargo xtask bench` -->";
/// The line after it.
pub const GOALS_END: &str = "<!-- goals: end -->";

/// The section of `doc`, markers included, if it has one.
pub fn section(doc: &str) -> Option<&str> {
    between(doc, START, END)
}

/// The text of `doc` from the line `start` to the line `end`, both included.
pub fn between<'a>(doc: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = doc.find(start)?;
    let to = doc[from..].find(end)? + from + end.len();
    Some(&doc[from..to])
}

/// `doc` with its section replaced by (or, without one, followed by) `new`.
fn splice(doc: &str, new: &str) -> String {
    match section(doc) {
        Some(old) => doc.replacen(old, new, 1),
        None => format!("{}\n\n{new}\n", doc.trim_end()),
    }
}

/// `keep_builds`: reuse the build figures BENCHMARKS.md already holds (two cold builds
/// take minutes) and measure the rest.
pub fn run(quick: bool, keep_builds: bool) -> Result<(), String> {
    let manifest = "benches/peers/Cargo.toml";
    crate::cargo(
        &[
            "build",
            "--release",
            "--locked",
            "--manifest-path",
            manifest,
        ],
        &[],
    )?;
    let mut table_args = vec!["table"];
    if quick {
        table_args.push("--quick");
    }
    let peers = output(
        Command::new("benches/peers/target/release/peer-bench").args(&table_args),
        "peer-bench",
    )?;
    crate::cargo(&["build", "--release", "--quiet", "-p", "vendorctl"], &[])?;
    let cli = cli_figures(if quick { 3 } else { 15 })?;
    let builds_heading =
        "## 9. Building an application: one vendor crate beside azure_identity\n\n";
    let kept = std::fs::read_to_string("BENCHMARKS.md")
        .ok()
        .and_then(|doc| {
            let from = doc.find(builds_heading)? + builds_heading.len();
            let to = doc[from..].find(END)? + from;
            Some(doc[from..to].trim_end().to_owned() + "\n")
        });
    let builds = match (quick, keep_builds, kept) {
        (true, _, _) => "Not measured in a quick run.\n".to_owned(),
        (false, true, Some(kept)) => kept,
        (false, _, _) => build_figures()?,
    };
    let mut body = String::new();
    let _ = writeln!(
        body,
        "{START}\n\n## 7. Peers: azure_identity, oauth2 and a hand-written cache on one TLS endpoint\n\n{peers}\n## 8. The command line: `vendorctl` beside curl\n\n{cli}\n{builds_heading}{builds}\n{END}"
    );
    let target = if quick {
        "target/BENCHMARKS.quick.md"
    } else {
        "BENCHMARKS.md"
    };
    let doc = std::fs::read_to_string(target).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    std::fs::write(target, splice(&doc, body.trim_end())).map_err(|e| format!("{target}: {e}"))?;
    eprintln!("wrote the peer sections of {target}");
    Ok(())
}

fn output(command: &mut Command, what: &str) -> Result<String, String> {
    let out = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what} failed ({})", out.status));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{what}: {e}"))
}

fn median_range(v: &mut [f64]) -> String {
    v.sort_by(f64::total_cmp);
    match (v.first(), v.get(v.len() / 2), v.last()) {
        (Some(lo), Some(mid), Some(hi)) => format!("{mid:.1} [{lo:.1}–{hi:.1}]"),
        _ => "–".to_owned(),
    }
}

/// A scratch directory under target/, emptied first.
fn scratch(name: &str) -> Result<PathBuf, String> {
    let dir = Path::new("target").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::canonicalize(&dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// Kills the sandbox when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cli_figures(rounds: usize) -> Result<String, String> {
    let vendorctl = std::fs::canonicalize("target/release/vendorctl")
        .map_err(|e| format!("target/release/vendorctl: {e}"))?;
    let home = scratch("peer-cli-home")?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        l.local_addr().map_err(|e| e.to_string())?.port()
    };
    let mut sandbox = Child(
        Command::new(&vendorctl)
            .args(["sandbox", "--port", &port.to_string()])
            .env("HOME", &home)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("vendorctl sandbox: {e}"))?,
    );
    let stdout = sandbox.0.stdout.take().ok_or("no sandbox output")?;
    let mut env: Vec<(String, String)> = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some((k, v)) = line
            .strip_prefix("export ")
            .and_then(|kv| kv.split_once('='))
        {
            env.push((k.to_owned(), v.trim_matches('\'').to_owned()));
        }
        if line.starts_with("export VENDORCTL_INSECURE_LOOPBACK") {
            break;
        }
    }
    let get = |name: &str| {
        env.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or(format!("the sandbox printed no {name}"))
    };
    let base = get("KAZI_BASE_URL")?;
    let key = get("KAZI_SUBSCRIPTION_KEY")?;
    let run = |args: &[&str]| -> Result<(f64, String), String> {
        let start = Instant::now();
        let out = Command::new(&vendorctl)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .map_err(|e| format!("vendorctl: {e}"))?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        if !out.status.success() {
            return Err(format!(
                "vendorctl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok((ms, String::from_utf8_lossy(&out.stdout).into_owned()))
    };
    let stats = || -> Result<u64, String> {
        let out = output(
            Command::new("curl").args(["-sS", &format!("http://127.0.0.1:{port}/_sandbox/stats")]),
            "curl stats",
        )?;
        // {"token_requests":{"kazi":{"azure-v1":{"total":N,...
        Ok(out
            .split("\"token_requests\"")
            .nth(1)
            .and_then(|s| s.split("\"kazi\"").nth(1))
            .and_then(|s| s.split("\"total\":").nth(1))
            .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    };
    let (_, token) = run(&["token", "kazi", "--raw"])?;
    let token = token.trim().to_owned();
    let curl = || -> Result<f64, String> {
        let start = Instant::now();
        let code = output(
            Command::new("curl").args([
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-H",
                &format!("Authorization: Bearer {token}"),
                "-H",
                &format!("Ocp-Apim-Subscription-Key: {key}"),
                &format!("{base}/tagging/v2/expectations"),
            ]),
            "curl",
        )?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        if code.trim() != "200" {
            return Err(format!("curl: HTTP {code}"));
        }
        Ok(ms)
    };
    // Fill the file cache, then interleave the three.
    run(&["kazi", "expectations", "-o", "json"])?;
    let (mut cold, mut warm, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cold_tokens, mut warm_tokens) = (0, 0);
    for _ in 0..rounds {
        let before = stats()?;
        cold.push(run(&["--no-token-cache", "kazi", "expectations", "-o", "json"])?.0);
        let middle = stats()?;
        warm.push(run(&["kazi", "expectations", "-o", "json"])?.0);
        let after = stats()?;
        cold_tokens += middle - before;
        warm_tokens += after - middle;
        raw.push(curl()?);
    }
    let (c, w, r) = (
        median_range(&mut cold),
        median_range(&mut warm),
        median_range(&mut raw),
    );
    let med = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
    Ok(format!(
        "`vendorctl kazi expectations -o json` against `vendorctl sandbox` (plain http on 127.0.0.1), release build, {rounds} interleaved rounds, wall time of the whole process in ms (median [min–max]). Cold: `--no-token-cache`, so each run fetches a token. Warm: the token comes from vendorctl's file cache, filled by an earlier run. curl: the same API call with a token in hand (`curl -sS` with the bearer and subscription key headers). Token requests are the sandbox's own counts.\n\n| command | wall time (ms) | token requests in {rounds} runs |\n|---|---|---:|\n| vendorctl, cold | {c} | {cold_tokens} |\n| vendorctl, warm (file cache) | {w} | {warm_tokens} |\n| curl with a token in hand | {r} | 0 |\n\nRatios: warm vendorctl takes {:.2}x curl's time; cold {:.2}x.\n",
        med(&warm) / med(&raw),
        med(&cold) / med(&raw),
    ))
}

fn build_figures() -> Result<String, String> {
    let mut rows = String::new();
    for (app, what) in [
        (
            "benches/apps/vendor-app",
            "`okq8` (this workspace's vendor crate, default features)",
        ),
        (
            "benches/apps/azure-app",
            "`azure_identity` 1.0 + `azure_core` (default features)",
        ),
    ] {
        let manifest = format!("{app}/Cargo.toml");
        let tree = output(
            Command::new("cargo").args([
                "tree",
                "--locked",
                "--manifest-path",
                &manifest,
                "-e",
                "normal,build",
                "--prefix",
                "none",
                "--format",
                "{p}",
            ]),
            "cargo tree",
        )?;
        let mut packages: Vec<&str> = tree
            .lines()
            .map(|l| l.trim_end_matches(" (*)").trim())
            .filter(|l| !l.is_empty())
            .collect();
        packages.sort_unstable();
        packages.dedup();
        let deps = packages.len().saturating_sub(1);
        let target = scratch("peer-app-build")?;
        let start = Instant::now();
        let status = Command::new("cargo")
            .args([
                "build",
                "--release",
                "--locked",
                "--quiet",
                "--manifest-path",
                &manifest,
            ])
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| format!("cargo build {app}: {e}"))?;
        if !status.success() {
            return Err(format!("cargo build {app} failed"));
        }
        let secs = start.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&target);
        let _ = writeln!(rows, "| {what} | {deps} | {secs:.0} |");
        std::thread::sleep(Duration::from_secs(1));
    }
    Ok(format!(
        "Two minimal applications (`benches/apps`, each its own workspace and lock file) that get a token and make one call: one on a vendor crate, one on azure_identity. `cargo build --release` from an empty target directory (sources already downloaded), on this 2-core machine; dependencies are the distinct packages of `cargo tree -e normal,build`.\n\n| application depends on | dependencies | build from cold (s) |\n|---|---:|---:|\n{rows}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_is_replaced_in_place_or_appended() {
        let new = format!("{START}\nnew\n{END}");
        let doc = format!("# B\n\nbefore\n\n{START}\nold\n{END}\n\nafter\n");
        assert_eq!(
            splice(&doc, &new),
            format!("# B\n\nbefore\n\n{START}\nnew\n{END}\n\nafter\n")
        );
        assert_eq!(splice("# B\n", &new), format!("# B\n\n{new}\n"));
        assert_eq!(section(&doc), Some(format!("{START}\nold\n{END}").as_str()));
        assert_eq!(section("# B"), None);
    }
}
