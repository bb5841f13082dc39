//! Developer tasks for this workspace: `cargo xtask <task>`.
//!
//! - `ci`: formatting, supply-chain checks (cargo-deny: licences, bans, sources,
//!   advisories where the database is reachable), lints, tests and docs, exactly as
//!   CI runs them.
//! - `deny`: the supply-chain checks of `ci` alone.
//! - `bench`: the side-by-side benchmarks (release build), written to BENCHMARKS.md.
//! - `fuzz`: each fuzz target for a bounded time, recorded in RELIABILITY.md (not in CI).
//! - `man`: vendorctl's man page, written to `target/man/vendorctl.1`.
//! - `mutants`: mutation testing with cargo-mutants, summarised in MUTANTS.md; `ci`
//!   runs it on the code changed since MUTANTS.md's recorded base.

use std::process::{Command, ExitCode};

mod deny;
mod fuzz;
mod mutants;
mod peers;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let result = match task {
        "ci" => ci(),
        "deny" => deny::check(),
        "bench" if args.iter().any(|a| a == "--peers") => peers::run(
            args.iter().any(|a| a == "--quick"),
            args.iter().any(|a| a == "--keep-builds"),
        ),
        "bench" => bench(args.iter().any(|a| a == "--quick")),
        "fuzz" => fuzz::run(&args[1..]),
        "man" => man(),
        "mutants" => mutants::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <task>\n\ntasks:\n  ci      fmt check, cargo deny (licences, bans, sources, advisories), clippy -D warnings, tests, docs with warnings denied\n  deny    the supply-chain checks of ci alone (cargo deny; installs cargo-deny if missing)\n  bench   benchmarks side by side, written to BENCHMARKS.md (--quick: a short smoke run; --peers: the peer crates, the CLI and build times, from benches/; --keep-builds: reuse the recorded build times)\n  fuzz    each fuzz target for a bounded time, recorded in RELIABILITY.md (--seconds N, --target NAME, --loop)\n  man     vendorctl's man page, written to target/man/vendorctl.1\n  mutants mutation testing (cargo-mutants), summary in MUTANTS.md (--crate C, --file F, --in-diff REF|base, --shard k/n, --max-mutants N, --re REGEX, --record-only)");
            return if task == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {task}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("\n==> cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--check"], &[])?;
    deny::check()?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    // The benchmarks' paused-clock build (`cargo xtask bench` runs it) is linted too.
    cargo(
        &[
            "clippy",
            "-p",
            "sdk-bench",
            "--features",
            "sim",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(&["test", "--workspace", "--all-targets"], &[])?;
    cargo(&["test", "--workspace", "--doc"], &[])?;
    features()?;
    cargo(
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    mutants::ci()
}

/// vendorctl's man page (its hidden `__man` command prints it) in
/// `target/man/vendorctl.1` (under `CARGO_TARGET_DIR` when set).
fn man() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("\n==> cargo run -p vendorctl -- __man");
    let out = Command::new(cargo)
        .args(["run", "--quiet", "-p", "vendorctl", "--", "__man"])
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`vendorctl __man` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let xtask = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            xtask.parent().unwrap_or(xtask).join("target")
        });
    let dir = target.join("man");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let page = dir.join("vendorctl.1");
    std::fs::write(&page, &out.stdout)
        .map_err(|e| format!("cannot write {}: {e}", page.display()))?;
    eprintln!(
        "wrote {} (read it with `man -l {}`)",
        page.display(),
        page.display()
    );
    Ok(())
}

/// The TLS and certificate features outside the workspace's own build: native-tls
/// trusts a private CA (given or through `SSL_CERT_FILE`) and reads PKCS#12, a vendor
/// crate builds on it, and oauth-core builds with no TLS backend at all.
fn features() -> Result<(), String> {
    cargo(
        &[
            "test",
            "-p",
            "oauth-core",
            "--no-default-features",
            "--features",
            "native-tls,pkcs12",
            "--test",
            "tls",
            "--test",
            "assertions",
        ],
        &[],
    )?;
    cargo(
        &[
            "clippy",
            "-p",
            "kazi-tagging",
            "--no-default-features",
            "--features",
            "native-tls,pkcs12",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(
        &[
            "clippy",
            "-p",
            "oauth-core",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )
}

fn bench(quick: bool) -> Result<(), String> {
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown rustc".to_owned());
    let env = [("SDK_BENCH_RUSTC", rustc.as_str())];
    let quick_flag: &[&str] = if quick { &["--quick"] } else { &[] };
    let main_out = "target/bench-main.md";
    let sim_out = "target/bench-sim.md";
    let mut args = vec![
        "run",
        "--release",
        "--quiet",
        "-p",
        "sdk-bench",
        "--",
        "--out",
        main_out,
    ];
    args.extend_from_slice(quick_flag);
    cargo(&args, &env)?;
    // The paused-clock simulation needs tokio's test-util, which slows the clock for
    // everything else, so it runs from a build of its own.
    let mut args = vec![
        "run",
        "--release",
        "--quiet",
        "-p",
        "sdk-bench",
        "--features",
        "sim",
        "--",
        "--out",
        sim_out,
    ];
    args.extend_from_slice(quick_flag);
    cargo(&args, &env)?;
    let mut doc = std::fs::read_to_string(main_out).map_err(|e| format!("{main_out}: {e}"))?;
    doc.push_str(&std::fs::read_to_string(sim_out).map_err(|e| format!("{sim_out}: {e}"))?);
    let target = if quick {
        "target/BENCHMARKS.quick.md"
    } else {
        "BENCHMARKS.md"
    };
    // The summary of goals (after the title) and the sections `bench --peers` wrote
    // stay.
    let old = std::fs::read_to_string(target).unwrap_or_default();
    if let Some(goals) = peers::between(&old, peers::GOALS_START, peers::GOALS_END) {
        doc = match doc.split_once('\n') {
            Some((title, rest)) => format!("{title}\n\n{goals}\n{rest}"),
            None => format!("{doc}\n\n{goals}\n"),
        };
    }
    if let Some(peers) = peers::section(&old) {
        doc = format!("{}\n\n{peers}\n", doc.trim_end());
    }
    std::fs::write(target, doc).map_err(|e| format!("{target}: {e}"))?;
    eprintln!("wrote {target}");
    Ok(())
}
