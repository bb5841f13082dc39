//! The fuzz targets as a plain loop over random inputs, for machines where
//! cargo-fuzz (a nightly-only `-Z sanitizer` build) cannot run:
//!
//! ```text
//! cargo run --release --example fuzz_loop -- <target|all> <seconds> [seed]
//! ```
//!
//! Inputs are the seed files of `seeds/<target>/`, mutated (bit flips, byte
//! insertions and deletions, splices of two seeds, truncation), and plain random
//! bytes. A panic is caught, counted, and its input saved to
//! `artifacts/<target>/loop-crash-*`. The last line per target reads
//! `fuzz_loop <target>: executions N, crashes M, seconds S`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    out.push(Vec::new());
    out
}

fn mutate(rng: &mut fastrand::Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if rng.u8(..) < 16 {
        let len = rng.usize(0..512);
        return (0..len).map(|_| rng.u8(..)).collect();
    }
    let mut input = seeds[rng.usize(..seeds.len())].clone();
    for _ in 0..rng.usize(1..8) {
        match rng.u8(0..6) {
            0 if !input.is_empty() => {
                let i = rng.usize(..input.len());
                input[i] ^= 1 << rng.u8(0..8);
            }
            1 => {
                let i = rng.usize(..=input.len());
                let byte = *rng
                    .choice(b"{}[]\":,0123456789-.eE \\u\xff\x00ab".iter())
                    .unwrap_or(&b'x');
                input.insert(i, if rng.bool() { byte } else { rng.u8(..) });
            }
            2 if !input.is_empty() => {
                let i = rng.usize(..input.len());
                input.remove(i);
            }
            3 if !input.is_empty() => {
                let cut = rng.usize(..=input.len());
                input.truncate(cut);
            }
            4 => {
                let other = &seeds[rng.usize(..seeds.len())];
                let at = rng.usize(..=input.len());
                let from = rng.usize(..=other.len());
                input.splice(at..at, other[from..].iter().copied());
            }
            _ => {
                let i = rng.usize(..=input.len());
                let repeat = rng.usize(1..64);
                input.splice(i..i, std::iter::repeat_n(b'9', repeat));
            }
        }
    }
    input
}

fn run(name: &str, target: fn(&[u8]), seconds: u64, seed: u64) -> usize {
    let seeds = seeds(name);
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let budget = Duration::from_secs(seconds);
    let (mut executions, mut crashes) = (0u64, 0usize);
    while started.elapsed() < budget {
        let input = mutate(&mut rng, &seeds);
        executions += 1;
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            crashes += 1;
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("artifacts")
                .join(name);
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(
                dir.join(format!(
                    "loop-crash-{}-{crashes}",
                    vendor_sdks_fuzz::now_secs()
                )),
                &input,
            );
        }
    }
    println!(
        "fuzz_loop {name}: executions {executions}, crashes {crashes}, seconds {}",
        started.elapsed().as_secs()
    );
    crashes
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map(String::as_str).unwrap_or("all");
    let seconds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0x5EED);
    let mut crashes = 0;
    let mut ran = 0;
    for (name, target) in vendor_sdks_fuzz::TARGETS {
        if which == "all" || which == *name {
            ran += 1;
            crashes += run(name, *target, seconds, seed);
        }
    }
    if ran == 0 {
        eprintln!("unknown target `{which}`");
        std::process::exit(2);
    }
    std::process::exit(i32::from(crashes > 0));
}
