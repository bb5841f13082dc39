//! `cargo xtask mutants [--crate C]... [--file F]... [--in-diff REF] [--shard k/n]
//! [--max-mutants N] [--re REGEX]`: mutation testing with cargo-mutants, with the workspace's
//! settings (`.cargo/mutants.toml`), and a summary in MUTANTS.md.
//!
//! - Without `--in-diff`: the run (of the crates, or of the files, given; of every
//!   library crate without either) is recorded in MUTANTS.md between the
//!   `mutants:begin`/`mutants:end` markers: caught, missed, timeouts and unviable
//!   mutants per file and per crate, and the list of missed mutants. A shard is
//!   recorded once every shard of the same selection has run on the same commit.
//! - With `--in-diff REF`: only the mutants in code changed since `REF` (`git diff
//!   REF`, the working tree against it) are tested; `REF` may be `base`, the commit
//!   MUTANTS.md records as the oldest of its runs. Nothing is recorded.
//!   `--max-mutants N` caps the run: a larger diff is tested one shard of at most N
//!   mutants, chosen by the commit (so successive commits test different shards).
//! - With `--re REGEX`: only the mutants whose name matches (to check that new
//!   tests catch the mutants listed as missed). Nothing is recorded.
//! - With `--record-only`: nothing is run; the outcomes the last run of the same
//!   selection left in its output directory are recorded (for a run whose record
//!   another run overwrote, or that was stopped before recording).
//!
//! Either way the task fails if a mutant is missed that MUTANTS.md did not already
//! list as missed (same file and description; line numbers may move): a new gap in
//! the tests. Timeouts are reported, not failed: a mutant that hangs the tests is
//! noticed by them.
//!
//! cargo-mutants runs one job at a time under `nice -n 19`, in a copy of the tree
//! built in `target/mutants/build` (kept between runs); under CI (`CI=true`, a
//! throw-away checkout) it mutates the tree in place instead and reuses the build
//! `cargo xtask ci` already made. cargo-mutants is installed (the pinned version) if
//! missing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The cargo-mutants version installed where none is.
const CARGO_MUTANTS_VERSION: &str = "27.1.0";

const BEGIN: &str =
    "<!-- mutants:begin (written by `cargo xtask mutants`: edit outside the markers) -->";
const END: &str = "<!-- mutants:end -->";

/// The most mutants `cargo xtask ci` tests (a larger diff: one shard of this size).
/// About 30 s each in CI (an incremental build of one crate and its tests): a few
/// minutes at most.
const CI_MAX_MUTANTS: usize = 8;

/// The time each mutant's tests may take in CI, where the baseline run (which would
/// measure it) is skipped: `ci` has just run every test.
const CI_TEST_TIMEOUT_SECS: &str = "180";

/// The outcomes cargo-mutants lists, one file each in `mutants.out`.
const OUTCOMES: [&str; 4] = ["caught", "missed", "timeout", "unviable"];

#[derive(Debug, Default)]
struct Options {
    crates: Vec<String>,
    files: Vec<String>,
    in_diff: Option<String>,
    /// Only the mutants whose name matches one of these (not recorded).
    names: Vec<String>,
    shard: Option<(u32, u32)>,
    max_mutants: Option<usize>,
    /// Record the outcomes already in the selection's output directory.
    record_only: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{arg} takes {what}"))
        };
        match arg.as_str() {
            "--crate" | "-p" => options.crates.push(value("a crate name")?),
            "--file" | "-f" => options.files.push(value("a file path or glob")?),
            "--in-diff" => options.in_diff = Some(value("a git revision, or `base`")?),
            "--re" => options.names.push(value("a regular expression")?),
            "--record-only" => options.record_only = true,
            "--shard" => options.shard = Some(parse_shard(&value("k/n")?)?),
            "--max-mutants" => {
                options.max_mutants = Some(
                    value("a number")?
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("--max-mutants takes a number above 0")?,
                );
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.shard.is_some() && options.max_mutants.is_some() {
        return Err("--shard and --max-mutants cannot be combined".to_owned());
    }
    if options.record_only && (options.in_diff.is_some() || !options.names.is_empty()) {
        return Err(
            "--record-only records a whole selection: not with --in-diff or --re".to_owned(),
        );
    }
    Ok(options)
}

fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (k, n) = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)))
        .ok_or_else(|| format!("--shard takes k/n, not `{text}`"))?;
    if n == 0 || k >= n {
        return Err(format!("--shard {text}: k must be below n (0/3, 1/3, 2/3)"));
    }
    Ok((k, n))
}

/// One mutant as cargo-mutants names it: `path:line:col: description`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Mutant {
    file: String,
    line: u32,
    col: u32,
    description: String,
}

impl Mutant {
    fn parse(line: &str) -> Option<Self> {
        let line = line.trim().trim_start_matches("- ").trim_matches('`');
        let mut parts = line.splitn(4, ':');
        let file = parts.next()?.trim().to_owned();
        let line_no = parts.next()?.trim().parse().ok()?;
        let col = parts.next()?.trim().parse().ok()?;
        let description = parts.next()?.trim().to_owned();
        (!file.is_empty() && !description.is_empty()).then_some(Self {
            file,
            line: line_no,
            col,
            description,
        })
    }

    fn name(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.description
        )
    }

    /// What stays when code moves: the file and the description.
    fn identity(&self) -> (String, String) {
        (self.file.clone(), self.description.clone())
    }
}

/// The crate a workspace file belongs to (`crates/<name>/...`).
fn crate_of(file: &str) -> String {
    match file.strip_prefix("crates/") {
        Some(rest) => rest.split('/').next().unwrap_or(rest).to_owned(),
        None => file.split('/').next().unwrap_or(file).to_owned(),
    }
}

/// The outcomes of one run (or of several shards), mutant by mutant.
#[derive(Debug, Default)]
struct Outcomes {
    by_kind: BTreeMap<&'static str, Vec<Mutant>>,
}

impl Outcomes {
    fn read(dir: &Path) -> Result<Self, String> {
        let mut outcomes = Self::default();
        outcomes.add(dir)?;
        Ok(outcomes)
    }

    /// Adds the outcomes listed in `dir` (a `mutants.out`).
    fn add(&mut self, dir: &Path) -> Result<(), String> {
        for kind in OUTCOMES {
            let path = dir.join(format!("{kind}.txt"));
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(format!("{}: {e}", path.display())),
            };
            self.by_kind
                .entry(kind)
                .or_default()
                .extend(text.lines().filter_map(Mutant::parse));
        }
        Ok(())
    }

    fn of(&self, kind: &str) -> &[Mutant] {
        self.by_kind.get(kind).map_or(&[], Vec::as_slice)
    }

    /// Counts per file, in `OUTCOMES` order.
    fn per_file(&self) -> BTreeMap<String, [usize; 4]> {
        let mut files: BTreeMap<String, [usize; 4]> = BTreeMap::new();
        for (i, kind) in OUTCOMES.iter().enumerate() {
            for mutant in self.of(kind) {
                if let Some(count) = files.entry(mutant.file.clone()).or_default().get_mut(i) {
                    *count += 1;
                }
            }
        }
        files
    }
}

/// A file's row in MUTANTS.md.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    file: String,
    counts: [usize; 4],
    commit: String,
    date: String,
}

/// What MUTANTS.md records: a row per file, the missed mutants, and the base.
#[derive(Debug, Default, PartialEq, Eq)]
struct Record {
    rows: BTreeMap<String, Row>,
    missed: Vec<Mutant>,
}

impl Record {
    /// Reads the generated part of MUTANTS.md (an empty record without one).
    fn parse(doc: &str) -> Self {
        let mut record = Self::default();
        let Some(section) = section(doc) else {
            return record;
        };
        for line in section.lines() {
            let line = line.trim();
            if line.starts_with("- `") {
                if let Some(mutant) = Mutant::parse(line) {
                    record.missed.push(mutant);
                }
                continue;
            }
            let cells: Vec<&str> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`'))
                .collect();
            // | file | caught | missed | timeout | unviable | caught of viable | commit | date |
            if cells.len() != 8 || !cells[0].contains('/') {
                continue;
            }
            let count = |i: usize| cells[i].parse::<usize>().ok();
            let (Some(caught), Some(missed), Some(timeout), Some(unviable)) =
                (count(1), count(2), count(3), count(4))
            else {
                continue;
            };
            record.rows.insert(
                cells[0].to_owned(),
                Row {
                    file: cells[0].to_owned(),
                    counts: [caught, missed, timeout, unviable],
                    commit: cells[6].to_owned(),
                    date: cells[7].to_owned(),
                },
            );
        }
        record
    }

    /// Replaces what is recorded of `files` (and, for whole crates, of every file of
    /// `crates`) with `outcomes`.
    fn update(
        &mut self,
        crates: &[String],
        files: &BTreeSet<String>,
        outcomes: &Outcomes,
        commit: &str,
        date: &str,
    ) {
        let replaced =
            |file: &str| files.contains(file) || crates.iter().any(|c| *c == crate_of(file));
        self.rows.retain(|file, _| !replaced(file));
        self.missed.retain(|m| !replaced(&m.file));
        for (file, counts) in outcomes.per_file() {
            self.rows.insert(
                file.clone(),
                Row {
                    file,
                    counts,
                    commit: commit.to_owned(),
                    date: date.to_owned(),
                },
            );
        }
        self.missed.extend(outcomes.of("missed").iter().cloned());
        self.missed.sort();
    }

    /// Moves the recorded missed mutants that `outcomes` (a run of some mutants by
    /// name, on the commit recorded) shows caught or timed out to those columns of
    /// their file's row; the mutants moved.
    fn recheck(&mut self, outcomes: &Outcomes) -> Vec<Mutant> {
        let mut moved = Vec::new();
        for (column, kind) in [(0, "caught"), (2, "timeout")] {
            for mutant in outcomes.of(kind) {
                // By the whole name, line included: several mutants of a function
                // can share a description (each `||` of one condition).
                let Some(at) = self.missed.iter().position(|m| m == mutant) else {
                    continue;
                };
                let Some(row) = self.rows.get_mut(&mutant.file) else {
                    continue;
                };
                self.missed.remove(at);
                row.counts[1] = row.counts[1].saturating_sub(1);
                row.counts[column] += 1;
                moved.push(mutant.clone());
            }
        }
        moved
    }

    /// The generated section.
    fn render(&self, base: Option<&str>) -> String {
        let mut out = String::new();
        out.push_str(BEGIN);
        out.push('\n');
        match base {
            Some(base) => out.push_str(&format!(
                "\nbase: `{base}` (the oldest commit below: `cargo xtask mutants --in-diff base` tests the code changed since)\n"
            )),
            None => out.push_str("\nbase: none recorded yet\n"),
        }
        let mut crates: BTreeMap<String, [usize; 4]> = BTreeMap::new();
        for row in self.rows.values() {
            let total = crates.entry(crate_of(&row.file)).or_default();
            for (t, c) in total.iter_mut().zip(row.counts) {
                *t += c;
            }
        }
        out.push_str("\n| crate | caught | missed | timeout | unviable | caught of viable |\n|---|---:|---:|---:|---:|---:|\n");
        for (name, c) in &crates {
            out.push_str(&format!(
                "| `{name}` | {} | {} | {} | {} | {} |\n",
                c[0],
                c[1],
                c[2],
                c[3],
                score(c)
            ));
        }
        out.push_str("\n| file | caught | missed | timeout | unviable | caught of viable | commit | date |\n|---|---:|---:|---:|---:|---:|---|---|\n");
        for row in self.rows.values() {
            let c = row.counts;
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | `{}` | {} |\n",
                row.file,
                c[0],
                c[1],
                c[2],
                c[3],
                score(&c),
                row.commit,
                row.date
            ));
        }
        out.push_str("\nMissed mutants (each a gap in the tests, or an equivalent mutant to exclude in `.cargo/mutants.toml` with its reason):\n\n");
        if self.missed.is_empty() {
            out.push_str("none\n");
        }
        for mutant in &self.missed {
            out.push_str(&format!("- `{}`\n", mutant.name()));
        }
        out.push('\n');
        out.push_str(END);
        out
    }

    /// The commits of the rows, each once.
    fn commits(&self) -> BTreeSet<String> {
        self.rows
            .values()
            .map(|r| r.commit.trim_end_matches("-dirty").to_owned())
            .collect()
    }
}

/// Caught (and timed out: the tests noticed, slowly) of the viable mutants.
fn score(c: &[usize; 4]) -> String {
    let viable = c[0] + c[1] + c[2];
    if viable == 0 {
        return "-".to_owned();
    }
    format!("{:.1} %", 100.0 * (c[0] + c[2]) as f64 / viable as f64)
}

/// The generated part of a document, markers excluded.
fn section(doc: &str) -> Option<&str> {
    let start = doc.find(BEGIN)? + BEGIN.len();
    let end = doc[start..].find(END)? + start;
    Some(&doc[start..end])
}

/// `doc` with its generated part replaced (or appended).
fn replace_section(doc: &str, generated: &str) -> String {
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(start), Some(end)) if end > start => {
            format!("{}{generated}{}", &doc[..start], &doc[end + END.len()..])
        }
        _ => format!("{}\n\n{generated}\n", doc.trim_end()),
    }
}

/// The missed mutants not recorded as missed before (matched by file and
/// description, as many times as recorded).
fn new_missed(known: &[Mutant], missed: &[Mutant]) -> Vec<Mutant> {
    let mut budget: BTreeMap<(String, String), usize> = BTreeMap::new();
    for m in known {
        *budget.entry(m.identity()).or_default() += 1;
    }
    missed
        .iter()
        .filter(|m| match budget.get_mut(&m.identity()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(root())
        .args(args)
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

fn ensure_installed() -> Result<(), String> {
    let installed = Command::new(cargo_bin())
        .args(["mutants", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if installed {
        return Ok(());
    }
    eprintln!("\ncargo-mutants is not installed: installing {CARGO_MUTANTS_VERSION} (about 4 minutes on 2 cores)");
    crate::cargo(
        &[
            "install",
            "--locked",
            "cargo-mutants",
            "--version",
            CARGO_MUTANTS_VERSION,
        ],
        &[],
    )
}

/// `cargo mutants` with the selection, under `nice` where there is one; `in_place`
/// (under CI) mutates the checkout itself instead of a copy.
fn mutants_command(
    options: &Options,
    diff: Option<&Path>,
    shard: Option<(u32, u32)>,
    in_place: bool,
) -> Command {
    let mut cmd = if cfg!(unix) && Command::new("nice").arg("true").status().is_ok() {
        let mut cmd = Command::new("nice");
        cmd.args(["-n", "19"]).arg(cargo_bin());
        cmd
    } else {
        Command::new(cargo_bin())
    };
    cmd.current_dir(root())
        .args(["mutants", "--no-shuffle", "--colors", "never"]);
    for name in &options.crates {
        cmd.args(["--package", name]);
    }
    for file in &options.files {
        cmd.args(["--file", file]);
    }
    if let Some(diff) = diff {
        cmd.arg("--in-diff").arg(diff);
    }
    for name in &options.names {
        cmd.args(["--re", name]);
    }
    if let Some((k, n)) = shard {
        cmd.arg("--shard").arg(format!("{k}/{n}"));
    }
    if in_place {
        // A throw-away checkout: mutate it in place and reuse the build `ci` made;
        // `ci` has just run the tests, so no baseline run.
        // (cargo-mutants refuses `--jobs` with `--in-place`: one job is implied.)
        cmd.args([
            "--in-place",
            "--baseline",
            "skip",
            "--timeout",
            CI_TEST_TIMEOUT_SECS,
        ]);
    } else {
        // A copy of the tree, built apart from the developer's own target, without
        // debug info (faster links; a mutant's failure needs no backtrace).
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root().join("target"), PathBuf::from);
        cmd.args(["--jobs", "1"])
            .env("CARGO_TARGET_DIR", target.join("mutants").join("build"))
            .env("CARGO_PROFILE_TEST_DEBUG", "0");
    }
    cmd
}

/// The longest name of a selection's output directory.
const MAX_OUT_KEY: usize = 120;

/// Where a run of this selection keeps its outcomes.
fn out_dir(options: &Options, shard: Option<(u32, u32)>) -> PathBuf {
    let mut key: Vec<String> = Vec::new();
    key.extend(options.crates.iter().cloned());
    key.extend(options.files.iter().cloned());
    if options.in_diff.is_some() || !options.names.is_empty() {
        key.push("partial".to_owned());
    }
    let mut key: String = key
        .join("+")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if key.is_empty() {
        key = "all".to_owned();
    }
    // A directory name has at most 255 bytes: a long selection keeps its start and
    // a hash of the whole.
    if key.len() > MAX_OUT_KEY {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&key, &mut hasher);
        let hash = std::hash::Hasher::finish(&hasher);
        key.truncate(MAX_OUT_KEY - 17);
        key = format!("{key}-{hash:016x}");
    }
    let dir = root().join("target").join("mutants").join("out").join(key);
    match shard {
        Some((k, n)) if options.in_diff.is_none() => dir.join(format!("shard-{k}-of-{n}")),
        _ => dir,
    }
}

/// The diff of the Rust files since `rev` (the working tree against it), written
/// under `target/mutants`; `None` if nothing changed.
fn write_diff(rev: &str) -> Result<Option<PathBuf>, String> {
    git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{rev}^{{commit}}"),
    ])
    .map_err(|_| {
        format!("`{rev}` is not a commit of this clone (a shallow clone? `git fetch --unshallow`)")
    })?;
    let diff = git(&["diff", "--no-color", "--no-ext-diff", rev, "--", "*.rs"])?;
    if diff.trim().is_empty() {
        return Ok(None);
    }
    let dir = root().join("target").join("mutants");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("in-diff.patch");
    std::fs::write(&path, diff).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(path))
}

/// How many mutants the selection has.
fn count(options: &Options, diff: Option<&Path>) -> Result<usize, String> {
    let out = mutants_command(options, diff, None, under_ci())
        .arg("--list")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run cargo mutants: {e}"))?;
    if !out.status.success() {
        return Err(format!("`cargo mutants --list` failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| Mutant::parse(l).is_some())
        .count())
}

/// The shard of a capped run: as many shards as needed for at most `max` mutants
/// each, the one the commit picks.
fn capped_shard(total: usize, max: usize, commit: &str) -> Option<(u32, u32)> {
    if total <= max {
        return None;
    }
    let n = u32::try_from(total.div_ceil(max)).unwrap_or(u32::MAX);
    let pick = u32::from_str_radix(commit.get(..8).unwrap_or("0"), 16).unwrap_or(0);
    Some((pick % n, n))
}

/// The base commit MUTANTS.md records: the common ancestor of its rows' commits.
fn recorded_base(record: &Record) -> Result<Option<String>, String> {
    let commits: Vec<String> = record.commits().into_iter().collect();
    if commits.is_empty() {
        return Ok(None);
    }
    let mut args = vec!["merge-base", "--octopus"];
    args.extend(commits.iter().map(String::as_str));
    match git(&args) {
        Ok(base) => Ok(Some(base.trim().chars().take(12).collect())),
        // A commit of the record that this clone lacks: the oldest listed is still
        // the best guess.
        Err(_) => Ok(commits.first().cloned()),
    }
}

fn summary_text(title: &str, outcomes: &Outcomes) -> String {
    let mut record = Record::default();
    record.update(&[], &BTreeSet::new(), outcomes, "-", "-");
    format!("# {title}\n\n{}\n", record.render(None))
}

/// The step of `cargo xtask ci`: the mutants in the code changed since the base
/// MUTANTS.md records (at most [`CI_MAX_MUTANTS`]); fails on a new missed one.
pub fn ci() -> Result<(), String> {
    let args = [
        "--in-diff".to_owned(),
        "base".to_owned(),
        "--max-mutants".to_owned(),
        CI_MAX_MUTANTS.to_string(),
    ];
    eprintln!("\n==> cargo xtask mutants {}", args.join(" "));
    run(&args)
}

/// `cargo xtask mutants ...`.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    ensure_installed()?;
    let doc_path = root().join("MUTANTS.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let record = Record::parse(&doc);
    let commit_full = git(&["rev-parse", "HEAD"])?.trim().to_owned();
    let commit: String = commit_full.chars().take(12).collect();

    let diff = match options.in_diff.as_deref() {
        None => None,
        Some(rev) => {
            let rev = if rev == "base" {
                recorded_base(&record)?
                    .ok_or("MUTANTS.md records no run yet: no base to diff against")?
            } else {
                rev.to_owned()
            };
            eprintln!("\n==> mutants in the Rust code changed since {rev}");
            match write_diff(&rev)? {
                Some(path) => Some(path),
                None => {
                    eprintln!("no Rust file changed since {rev}: nothing to test");
                    return Ok(());
                }
            }
        }
    };

    let mut shard = options.shard;
    if let Some(max) = options.max_mutants {
        let total = count(&options, diff.as_deref())?;
        if total == 0 {
            eprintln!("no mutants in the selection: nothing to test");
            return Ok(());
        }
        shard = capped_shard(total, max, &commit_full);
        if let Some((k, n)) = shard {
            eprintln!("{total} mutants, more than --max-mutants {max}: testing shard {k}/{n} only (the commit picks it; the others are for a full run)");
        } else {
            eprintln!("{total} mutants");
        }
    }

    let out = out_dir(&options, shard);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let started = Instant::now();
    if options.record_only {
        eprintln!("\n==> recording the outcomes in {}", out.display());
    } else {
        let mut cmd = mutants_command(&options, diff.as_deref(), shard, under_ci());
        cmd.arg("--output").arg(&out);
        eprintln!("\n==> cargo mutants (output in {})", out.display());
        let status = cmd
            .status()
            .map_err(|e| format!("could not run cargo mutants: {e}"))?;
        // 0: all caught; 2: some missed; 3: some timed out. Anything else: no result.
        match status.code() {
            Some(0 | 2 | 3) => {}
            Some(4) => {
                return Err(
                    "the tests fail without any mutation (baseline): fix them first".to_owned(),
                )
            }
            _ => return Err(format!("cargo mutants failed ({status})")),
        }
    }
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    let mutants_out = out.join("mutants.out");
    let outcomes = Outcomes::read(&mutants_out)?;
    let title = format!("cargo xtask mutants {} ({minutes:.1} min)", args.join(" "));
    let summary = summary_text(&title, &outcomes);
    let summary_path = root().join("target").join("mutants").join("summary.md");
    std::fs::write(&summary_path, &summary)
        .map_err(|e| format!("{}: {e}", summary_path.display()))?;
    eprintln!("\n{summary}\n(also in {})", summary_path.display());

    // Read again: another run may have recorded its own files while this one ran.
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let record = Record::parse(&doc);
    let new = new_missed(&record.missed, outcomes.of("missed"));

    if options.in_diff.is_none() && !options.names.is_empty() {
        // Some mutants by name: those recorded as missed and now caught move over.
        let mut record = record;
        let moved = record.recheck(&outcomes);
        if !moved.is_empty() {
            let base = recorded_base(&record)?;
            let updated = replace_section(&doc, &record.render(base.as_deref()));
            std::fs::write(&doc_path, updated)
                .map_err(|e| format!("{}: {e}", doc_path.display()))?;
            for m in &moved {
                eprintln!("now caught: {}", m.name());
            }
            eprintln!("recorded in {}", doc_path.display());
        }
    } else if options.in_diff.is_none() {
        record_run(
            &options, shard, &out, outcomes, record, &doc, &doc_path, &commit,
        )?;
    }
    if new.is_empty() {
        Ok(())
    } else {
        for m in &new {
            eprintln!("new missed mutant: {}", m.name());
        }
        Err(format!(
            "{} missed mutant(s) MUTANTS.md does not list: add tests that catch them (or, for an equivalent mutant, an exclude_re with its reason in .cargo/mutants.toml)",
            new.len()
        ))
    }
}

/// Writes the run into MUTANTS.md (for a shard: once every shard has run).
#[allow(clippy::too_many_arguments)]
fn record_run(
    options: &Options,
    shard: Option<(u32, u32)>,
    out: &Path,
    outcomes: Outcomes,
    mut record: Record,
    doc: &str,
    doc_path: &Path,
    commit: &str,
) -> Result<(), String> {
    let outcomes = match shard {
        None => outcomes,
        Some((_, n)) => {
            std::fs::write(out.join("commit"), commit)
                .map_err(|e| format!("{}: {e}", out.display()))?;
            let parent = out.parent().unwrap_or(out);
            let mut merged = Outcomes::default();
            for i in 0..n {
                let dir = parent.join(format!("shard-{i}-of-{n}"));
                let same = std::fs::read_to_string(dir.join("commit")).is_ok_and(|c| c == commit);
                if !same {
                    eprintln!("shard {i}/{n} has not run on {commit} yet: MUTANTS.md is written once every shard has");
                    return Ok(());
                }
                merged.add(&dir.join("mutants.out"))?;
            }
            merged
        }
    };
    let files: BTreeSet<String> = OUTCOMES
        .iter()
        .flat_map(|k| outcomes.of(k))
        .map(|m| m.file.clone())
        .collect();
    // Files named with --file replace their own rows; whole crates all theirs.
    let crates: Vec<String> = if options.files.is_empty() {
        if options.crates.is_empty() {
            files.iter().map(|f| crate_of(f)).collect()
        } else {
            options.crates.clone()
        }
    } else {
        Vec::new()
    };
    // Run on uncommitted changes of these files: the commit alone does not say what.
    let mut status = vec!["status", "--porcelain", "--untracked-files=no", "--"];
    status.extend(files.iter().map(String::as_str));
    let commit = if git(&status)?.trim().is_empty() {
        commit.to_owned()
    } else {
        format!("{commit}-dirty")
    };
    let date = git(&["show", "-s", "--format=%cs", "HEAD"])?
        .trim()
        .to_owned();
    record.update(&crates, &files, &outcomes, &commit, &date);
    let base = recorded_base(&record)?;
    let doc = if doc.trim().is_empty() {
        "# Mutation testing\n".to_owned()
    } else {
        doc.to_owned()
    };
    let updated = replace_section(&doc, &record.render(base.as_deref()));
    std::fs::write(doc_path, updated).map_err(|e| format!("{}: {e}", doc_path.display()))?;
    eprintln!("recorded in {}", doc_path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutant(name: &str) -> Mutant {
        Mutant::parse(name).unwrap()
    }

    #[test]
    fn mutant_names_parse_with_colons_in_the_description() {
        let m = mutant("crates/a/src/b.rs:12:5: replace <impl fmt::Debug for X>::fmt -> fmt::Result with Ok(Default::default())");
        assert_eq!(m.file, "crates/a/src/b.rs");
        assert_eq!((m.line, m.col), (12, 5));
        assert_eq!(
            m.description,
            "replace <impl fmt::Debug for X>::fmt -> fmt::Result with Ok(Default::default())"
        );
        assert_eq!(Mutant::parse(&format!("- `{}`", m.name())), Some(m.clone()));
        assert_eq!(Mutant::parse("Found 3 mutants to test"), None);
        assert_eq!(crate_of(&m.file), "a");
        assert_eq!(crate_of("xtask/src/main.rs"), "xtask");
    }

    #[test]
    fn a_long_selection_gets_a_short_distinct_output_directory() {
        let files = |last: &str| Options {
            files: [
                "token",
                "key",
                "endpoint",
                "error",
                "assertion",
                "managed",
                last,
            ]
            .iter()
            .map(|f| format!("crates/oauth-core/src/{f}.rs"))
            .collect(),
            ..Options::default()
        };
        let name = |o: &Options| {
            out_dir(o, None)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        };
        let (a, b) = (name(&files("body")), name(&files("http")));
        assert!(a.len() <= MAX_OUT_KEY, "{a}");
        assert!(a.starts_with("crates_oauth-core_src_token_rs"), "{a}");
        assert_ne!(a, b);
        let short = Options {
            crates: vec!["okq8".to_owned()],
            ..Options::default()
        };
        assert_eq!(name(&short), "okq8");
    }

    #[test]
    fn only_missed_mutants_not_recorded_are_new() {
        let known = [
            mutant("crates/a/src/b.rs:10:1: replace f -> bool with true"),
            mutant("crates/a/src/b.rs:20:1: replace == with != in g"),
        ];
        let missed = [
            // Moved down three lines: still the known one.
            mutant("crates/a/src/b.rs:13:1: replace f -> bool with true"),
            // A second copy of a mutant recorded once: new.
            mutant("crates/a/src/b.rs:14:1: replace f -> bool with true"),
            mutant("crates/a/src/c.rs:10:1: replace f -> bool with true"),
        ];
        let new = new_missed(&known, &missed);
        assert_eq!(new, vec![missed[1].clone(), missed[2].clone()]);
        assert!(new_missed(&known, &missed[..1]).is_empty());
    }

    fn outcomes(lines: &[(&'static str, &str)]) -> Outcomes {
        let mut o = Outcomes::default();
        for (kind, name) in lines {
            o.by_kind.entry(kind).or_default().push(mutant(name));
        }
        o
    }

    #[test]
    fn the_record_round_trips_and_a_run_replaces_its_files_only() {
        let first = outcomes(&[
            ("caught", "crates/a/src/x.rs:1:1: replace f with ()"),
            ("missed", "crates/a/src/x.rs:2:1: replace g with ()"),
            ("unviable", "crates/a/src/y.rs:3:1: replace h -> u8 with 0"),
            (
                "timeout",
                "crates/b/src/z.rs:4:1: replace loop guard with true",
            ),
            ("missed", "crates/b/src/z.rs:5:1: replace k with ()"),
        ]);
        let mut record = Record::default();
        record.update(&[], &BTreeSet::new(), &first, "abc123", "2026-12-01");
        let doc = replace_section(
            "# Mutation testing\n\nHand-written text.\n",
            &record.render(Some("abc123")),
        );
        assert!(doc.starts_with("# Mutation testing\n\nHand-written text.\n"));
        assert!(doc.contains("base: `abc123`"));
        assert!(doc.contains("| `a` | 1 | 1 | 0 | 1 | 50.0 % |"), "{doc}");
        assert!(doc.contains("| `b` | 0 | 1 | 1 | 0 | 50.0 % |"), "{doc}");
        let back = Record::parse(&doc);
        assert_eq!(back, record);

        // Crate a again, its missed mutant now caught: b's rows stay.
        let second = outcomes(&[
            ("caught", "crates/a/src/x.rs:1:1: replace f with ()"),
            ("caught", "crates/a/src/x.rs:2:1: replace g with ()"),
        ]);
        let mut back = back;
        back.update(
            &["a".to_owned()],
            &BTreeSet::new(),
            &second,
            "def456",
            "2026-12-02",
        );
        let doc = replace_section(&doc, &back.render(Some("abc123")));
        assert!(doc.contains("Hand-written text."));
        assert_eq!(doc.matches(BEGIN).count(), 1);
        let again = Record::parse(&doc);
        assert!(
            !again.rows.contains_key("crates/a/src/y.rs"),
            "the whole crate ran"
        );
        assert_eq!(again.rows["crates/a/src/x.rs"].counts, [2, 0, 0, 0]);
        assert_eq!(again.rows["crates/b/src/z.rs"].commit, "abc123");
        assert_eq!(
            again.missed,
            vec![mutant("crates/b/src/z.rs:5:1: replace k with ()")]
        );
        assert_eq!(
            again.commits().into_iter().collect::<Vec<_>>(),
            ["abc123", "def456"]
        );
    }

    #[test]
    fn a_missed_mutant_caught_by_name_moves_to_the_caught_column() {
        let mut record = Record::default();
        record.update(
            &[],
            &BTreeSet::new(),
            &outcomes(&[
                ("missed", "crates/a/src/x.rs:2:1: replace g with ()"),
                ("missed", "crates/a/src/x.rs:3:1: replace h with ()"),
            ]),
            "abc123",
            "2026-12-01",
        );
        let moved = record.recheck(&outcomes(&[
            ("caught", "crates/a/src/x.rs:2:1: replace g with ()"),
            // The same description elsewhere is another mutant.
            ("caught", "crates/a/src/x.rs:4:1: replace h with ()"),
            ("caught", "crates/a/src/y.rs:3:1: replace k with ()"),
        ]));
        assert_eq!(moved.len(), 1);
        assert_eq!(record.rows["crates/a/src/x.rs"].counts, [1, 1, 0, 0]);
        assert_eq!(
            record.missed,
            vec![mutant("crates/a/src/x.rs:3:1: replace h with ()")]
        );
    }

    /// cargo-mutants 27 refuses `--jobs` beside `--in-place` (CI's mode), which once
    /// failed the CI step before it tested anything.
    #[test]
    fn in_place_runs_pass_no_jobs_and_copies_run_one_job_in_their_own_target() {
        let args = |in_place: bool| -> Vec<String> {
            mutants_command(&Options::default(), None, Some((1, 4)), in_place)
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let ci = args(true);
        assert!(ci.iter().any(|a| a == "--in-place"), "{ci:?}");
        assert!(!ci.iter().any(|a| a == "--jobs"), "{ci:?}");
        assert!(ci.windows(2).any(|w| w == ["--shard", "1/4"]), "{ci:?}");

        let cmd = mutants_command(&Options::default(), None, None, false);
        let local: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(local.windows(2).any(|w| w == ["--jobs", "1"]), "{local:?}");
        assert!(!local.iter().any(|a| a == "--in-place"), "{local:?}");
        let target = cmd
            .get_envs()
            .find(|(k, _)| *k == "CARGO_TARGET_DIR")
            .and_then(|(_, v)| v)
            .map(|v| v.to_string_lossy().into_owned());
        assert!(
            target.is_some_and(|t| t.ends_with("mutants/build")),
            "a copy builds apart from the developer's target"
        );
    }

    #[test]
    fn arguments_and_shards() {
        let args: Vec<String> = [
            "--crate",
            "kaisa",
            "--file",
            "crates/kaisa/src/client.rs",
            "--in-diff",
            "base",
            "--max-mutants",
            "20",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let o = parse(&args).unwrap();
        assert_eq!(o.crates, ["kaisa"]);
        assert_eq!(o.files, ["crates/kaisa/src/client.rs"]);
        assert_eq!(o.in_diff.as_deref(), Some("base"));
        assert_eq!(o.max_mutants, Some(20));
        assert_eq!(parse_shard("1/3"), Ok((1, 3)));
        assert!(parse_shard("3/3").is_err());
        assert!(parse_shard("1/0").is_err());
        assert!(parse(&["--shard".to_owned()]).is_err());
        assert!(parse(&["--frobnicate".to_owned()]).is_err());

        assert_eq!(capped_shard(20, 20, "ffffffff"), None);
        assert_eq!(capped_shard(41, 20, "00000004"), Some((1, 3)));
        assert_eq!(capped_shard(41, 20, "00000005"), Some((2, 3)));
    }
}
