//! `cargo xtask fuzz [--seconds N] [--target NAME]... [--loop]`: runs each fuzz
//! target of `fuzz/` for a bounded time and records executions and crashes in
//! RELIABILITY.md (between the `fuzz:begin`/`fuzz:end` markers). Not part of CI.
//!
//! The engine is cargo-fuzz (libFuzzer with AddressSanitizer). Its `-Z sanitizer`
//! flags need a nightly compiler; on the stable toolchain they run with
//! `RUSTC_BOOTSTRAP=1`. Where cargo-fuzz is not installed (`cargo install
//! cargo-fuzz`) or cannot build, or with `--loop`, each target runs instead as a
//! plain release-mode loop over mutated seeds and random bytes
//! (`fuzz/examples/fuzz_loop.rs`): no coverage guidance, but the same assertions.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every fuzz target, as named in fuzz/Cargo.toml.
const TARGETS: &[&str] = &[
    "jwt_claims",
    "retry_after",
    "body_snippet",
    "lenient_numbers",
    "token_answer",
    "api_answer",
];

const BEGIN: &str = "<!-- fuzz:begin -->";
const END: &str = "<!-- fuzz:end -->";

struct Options {
    seconds: u64,
    targets: Vec<String>,
    force_loop: bool,
}

struct Run {
    target: String,
    engine: &'static str,
    seconds: u64,
    executions: u64,
    new_units: Option<u64>,
    crashes: usize,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        seconds: 60,
        targets: Vec::new(),
        force_loop: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                options.seconds = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|s| (1..=3600).contains(s))
                    .ok_or("--seconds takes a number of seconds from 1 to 3600")?;
            }
            "--target" => {
                let name = args.next().ok_or("--target takes a target name")?;
                if !TARGETS.contains(&name.as_str()) {
                    return Err(format!(
                        "unknown target `{name}`; targets: {}",
                        TARGETS.join(", ")
                    ));
                }
                options.targets.push(name.clone());
            }
            "--loop" => options.force_loop = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.targets.is_empty() {
        options.targets = TARGETS.iter().map(|t| (*t).to_owned()).collect();
    }
    Ok(options)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// A cargo command in `fuzz/` with stable's nightly features unlocked.
fn fuzz_cargo(fuzz_dir: &Path) -> Command {
    let mut command = Command::new(cargo());
    command.current_dir(fuzz_dir).env("RUSTC_BOOTSTRAP", "1");
    command
}

fn cargo_fuzz_builds(fuzz_dir: &Path) -> bool {
    let installed = Command::new(cargo())
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("cargo-fuzz is not installed (cargo install cargo-fuzz): using the plain loop");
        return false;
    }
    eprintln!("\n==> cargo fuzz build -O (RUSTC_BOOTSTRAP=1)");
    let built = fuzz_cargo(fuzz_dir)
        .args(["fuzz", "build", "-O"])
        .status()
        .is_ok_and(|s| s.success());
    if !built {
        eprintln!("cargo fuzz build failed: using the plain loop");
    }
    built
}

fn artifacts(fuzz_dir: &Path, target: &str) -> Vec<PathBuf> {
    std::fs::read_dir(fuzz_dir.join("artifacts").join(target))
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn stat(output: &str, name: &str) -> Option<u64> {
    output.lines().find_map(|line| {
        line.strip_prefix(name)
            .and_then(|rest| rest.trim_start_matches(':').trim().parse().ok())
    })
}

fn run_libfuzzer(fuzz_dir: &Path, target: &str, seconds: u64) -> Result<Run, String> {
    let corpus = format!("corpus/{target}");
    std::fs::create_dir_all(fuzz_dir.join(&corpus)).map_err(|e| format!("{corpus}: {e}"))?;
    let before = artifacts(fuzz_dir, target);
    eprintln!("\n==> cargo fuzz run -O {target} ({seconds} s)");
    let output = fuzz_cargo(fuzz_dir)
        .args([
            "fuzz",
            "run",
            "-O",
            target,
            &corpus,
            &format!("seeds/{target}"),
            "--",
        ])
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1")
        .output()
        .map_err(|e| format!("could not run cargo fuzz: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let log = root().join("target").join(format!("fuzz-{target}.log"));
    let _ = std::fs::write(&log, stderr.as_bytes());
    let executions = stat(&stderr, "stat::number_of_executed_units")
        .ok_or_else(|| format!("{target}: no libFuzzer statistics (see {})", log.display()))?;
    let new = artifacts(fuzz_dir, target)
        .into_iter()
        .filter(|p| !before.contains(p))
        .count();
    let crashes = if output.status.success() {
        new
    } else {
        new.max(1)
    };
    Ok(Run {
        target: target.to_owned(),
        engine: "libFuzzer + ASan",
        seconds,
        executions,
        new_units: stat(&stderr, "stat::new_units_added"),
        crashes,
    })
}

fn run_loop(fuzz_dir: &Path, target: &str, seconds: u64) -> Result<Run, String> {
    eprintln!("\n==> fuzz_loop {target} ({seconds} s)");
    let output = Command::new(cargo())
        .current_dir(fuzz_dir)
        .args([
            "run",
            "--release",
            "--quiet",
            "--example",
            "fuzz_loop",
            "--",
            target,
        ])
        .arg(seconds.to_string())
        .output()
        .map_err(|e| format!("could not run the fuzz loop: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("fuzz_loop {target}:")))
        .ok_or_else(|| {
            format!(
                "{target}: the loop printed no result: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let number_after = |word: &str| -> Option<u64> {
        line.split(word)
            .nth(1)?
            .trim()
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    Ok(Run {
        target: target.to_owned(),
        engine: "plain loop",
        seconds,
        executions: number_after("executions").unwrap_or(0),
        new_units: None,
        crashes: number_after("crashes").unwrap_or(0) as usize,
    })
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn table(runs: &[Run]) -> String {
    let rustc = command_line("rustc", &["--version"]);
    let date = command_line("date", &["-u", "+%Y-%m-%d"]);
    let mut out = format!(
        "{BEGIN}\nLast run: {date}, {rustc}, `cargo xtask fuzz --seconds {}`.\n\n\
         | target | engine | seconds | executions | exec/s | new corpus units | crashes |\n\
         |---|---|---|---|---|---|---|\n",
        runs.first().map(|r| r.seconds).unwrap_or(0)
    );
    for r in runs {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            r.target,
            r.engine,
            r.seconds,
            r.executions,
            r.executions / r.seconds.max(1),
            r.new_units.map_or("-".to_owned(), |n| n.to_string()),
            r.crashes
        ));
    }
    let total: u64 = runs.iter().map(|r| r.executions).sum();
    let crashes: usize = runs.iter().map(|r| r.crashes).sum();
    out.push_str(&format!(
        "| **total** | | {} | {total} | | | {crashes} |\n{END}",
        runs.iter().map(|r| r.seconds).sum::<u64>()
    ));
    out
}

fn record(runs: &[Run]) -> Result<(), String> {
    let path = root().join("RELIABILITY.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let table = table(runs);
    let updated = match (doc.find(BEGIN), doc.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{table}{}", &doc[..b], &doc[e + END.len()..]),
        _ => format!("{doc}\n## Fuzzing\n\n{table}\n"),
    };
    std::fs::write(&path, updated).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("\n{table}\nrecorded in {}", path.display());
    Ok(())
}

/// Runs the task.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let fuzz_dir = root().join("fuzz");
    let libfuzzer = !options.force_loop && cargo_fuzz_builds(&fuzz_dir);
    let mut runs = Vec::new();
    for target in &options.targets {
        let run = if libfuzzer {
            run_libfuzzer(&fuzz_dir, target, options.seconds)?
        } else {
            run_loop(&fuzz_dir, target, options.seconds)?
        };
        eprintln!(
            "{target}: {} executions, {} crashes",
            run.executions, run.crashes
        );
        runs.push(run);
    }
    record(&runs)?;
    let crashed: Vec<&str> = runs
        .iter()
        .filter(|r| r.crashes > 0)
        .map(|r| r.target.as_str())
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crashes in {}: inputs in fuzz/artifacts/<target>/",
            crashed.join(", ")
        ))
    }
}
