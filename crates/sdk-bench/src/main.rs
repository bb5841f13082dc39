//! Side-by-side benchmarks of the token cache and the pipeline against the usual
//! baselines, measured in one run and written as Markdown.
//!
//! Run with `cargo xtask bench` (release build, writes BENCHMARKS.md), or
//! `cargo run --release -p sdk-bench -- [--out FILE] [--quick] [--only NAME[,NAME...]]`,
//! where the names are those of [`SECTIONS`].

mod alloc;

/// Every allocation is counted per thread (the pipeline section reports them per call).
#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

// The timed sections; the `sim` build (paused clock) runs only `short`.
#[cfg(not(feature = "sim"))]
mod baseline;
#[cfg(not(feature = "sim"))]
mod fleet;
#[cfg(not(feature = "sim"))]
mod herd;
#[cfg(not(feature = "sim"))]
mod pipeline;
#[cfg(not(feature = "sim"))]
mod refresh;
#[cfg(not(feature = "sim"))]
mod server;
#[cfg(feature = "sim")]
mod short;
#[cfg(not(feature = "sim"))]
mod warm;

use std::fmt::Write as _;
use std::process::ExitCode;

/// Scale of a run: `--quick` shrinks every loop for a smoke test.
#[derive(Clone, Copy)]
pub struct Scale {
    /// Shrink every loop.
    pub quick: bool,
}

impl Scale {
    /// `full` normally, `quick` under `--quick`.
    pub fn pick(self, full: usize, quick: usize) -> usize {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

/// Every section, in the order they run (the nanosecond-scale warm path first, on a
/// process that has not yet run thousands of tasks): the first five in the normal build, `short`
/// in the `sim` build.
pub const SECTIONS: [&str; 6] = ["warm", "herd", "refresh", "pipeline", "fleet", "short"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    #[cfg(not(feature = "sim"))]
    if args.first().map(String::as_str) == Some(fleet::CHILD_ARG) {
        return fleet::child_main(&args[1..]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1).cloned());
    let only = match only_sections(&args) {
        Ok(only) => only,
        Err(message) => {
            eprintln!("sdk-bench: {message}");
            return ExitCode::from(2);
        }
    };
    let scale = Scale { quick };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sdk-bench: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut doc = String::new();
    if !cfg!(feature = "sim") {
        let _ = writeln!(doc, "{}", machine_section());
    }
    for name in SECTIONS {
        if only.as_ref().is_some_and(|only| !only.contains(&name)) {
            continue;
        }
        let Some(text) = run_section(name, scale, &runtime) else {
            continue; // a section of the other build
        };
        eprintln!("sdk-bench: {name} done");
        doc.push_str(&text);
        doc.push('\n');
    }
    match out {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, &doc) {
                eprintln!("sdk-bench: cannot write {path}: {e}");
                return ExitCode::FAILURE;
            }
            eprintln!("sdk-bench: wrote {path}");
        }
        None => print!("{doc}"),
    }
    ExitCode::SUCCESS
}

/// The sections named by `--only a,b` (`None`: all), or why the argument is wrong.
fn only_sections(args: &[String]) -> Result<Option<Vec<&'static str>>, String> {
    let Some(i) = args.iter().position(|a| a == "--only") else {
        return Ok(None);
    };
    let expected = SECTIONS.join(", ");
    let Some(list) = args.get(i + 1) else {
        return Err(format!("--only needs section names: {expected}"));
    };
    let mut names = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match SECTIONS.iter().find(|s| **s == name) {
            Some(section) => names.push(*section),
            None => return Err(format!("unknown section `{name}` (expected {expected})")),
        }
    }
    if names.is_empty() {
        return Err(format!("--only needs section names: {expected}"));
    }
    Ok(Some(names))
}

/// Runs the section `name` if this build has it.
#[cfg(not(feature = "sim"))]
fn run_section(name: &str, scale: Scale, runtime: &tokio::runtime::Runtime) -> Option<String> {
    Some(match name {
        "herd" => runtime.block_on(herd::run(scale)),
        "warm" => runtime.block_on(warm::run(scale)),
        "refresh" => runtime.block_on(refresh::run(scale)),
        "pipeline" => runtime.block_on(pipeline::run(scale)),
        "fleet" => runtime.block_on(fleet::run()),
        _ => return None,
    })
}

/// Runs the section `name` if this build has it.
#[cfg(feature = "sim")]
fn run_section(name: &str, scale: Scale, _runtime: &tokio::runtime::Runtime) -> Option<String> {
    match name {
        "short" => Some(short::run(scale)),
        _ => None,
    }
}

fn machine_section() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let rustc = std::env::var("SDK_BENCH_RUSTC").unwrap_or_else(|_| "unknown rustc".to_owned());
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let versions: Vec<String> = ["tokio", "reqwest", "hyper", "arc-swap", "axum"]
        .iter()
        .filter_map(|name| lock_version(&lock, name).map(|v| format!("{name} {v}")))
        .collect();
    format!(
        "# Benchmarks\n\nGenerated by `cargo xtask bench` (crate `sdk-bench`); every table compares \
         figures measured side by side in the same run on the same machine.\n\n\
         - Machine: {cpu}, {cores} cores available\n- Toolchain: {rustc}, release profile\n\
         - Crates: oauth-core {}, {}\n",
        env!("CARGO_PKG_VERSION"),
        versions.join(", ")
    )
}

fn lock_version(lock: &str, name: &str) -> Option<String> {
    let needle = format!("name = \"{name}\"\n");
    let start = lock.find(&needle)? + needle.len();
    let line = lock[start..].lines().next()?;
    line.strip_prefix("version = \"")
        .map(|v| v.trim_end_matches('"').to_owned())
}

/// Percentile of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
