//! The figures of a matrix run, as Markdown.

use std::path::PathBuf;
use std::time::Duration;

use crate::matrix::{Layer, Outcome, Verdict};

/// Counts of a matrix run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows run.
    pub scenarios: usize,
    /// Rows at the token endpoint.
    pub token_rows: usize,
    /// Rows at the API.
    pub api_rows: usize,
    /// Rows that passed.
    pub passed: usize,
    /// Rows whose expectation failed.
    pub failed: usize,
    /// Rows that panicked.
    pub panics: usize,
    /// Rows cut at the deadline.
    pub hangs: usize,
    /// Slowest row.
    pub slowest: Duration,
}

impl Summary {
    /// Counts `outcomes`.
    pub fn of(outcomes: &[Outcome]) -> Self {
        let mut s = Summary {
            scenarios: outcomes.len(),
            ..Summary::default()
        };
        for o in outcomes {
            match o.scenario.layer {
                Layer::Token => s.token_rows += 1,
                Layer::Api => s.api_rows += 1,
            }
            match o.verdict {
                Verdict::Passed => s.passed += 1,
                Verdict::Failed(_) => s.failed += 1,
                Verdict::Panicked(_) => s.panics += 1,
                Verdict::Hung => s.hangs += 1,
            }
            s.slowest = s.slowest.max(o.elapsed);
        }
        s
    }

    /// One line: `scenarios 52, passed 52, failed 0, panics 0, hangs 0`.
    pub fn line(&self) -> String {
        format!(
            "scenarios {} ({} token, {} api), passed {}, failed {}, panics {}, hangs {}",
            self.scenarios,
            self.token_rows,
            self.api_rows,
            self.passed,
            self.failed,
            self.panics,
            self.hangs
        )
    }
}

/// The run as Markdown: the counts, then one table line per row.
pub fn markdown(title: &str, outcomes: &[Outcome], wall: Duration) -> String {
    let s = Summary::of(outcomes);
    let mut out = format!(
        "# {title}\n\n{}; wall time {} ms, slowest row {} ms.\n\n\
         | # | row | layer | fault | expected | observed | result | ms |\n\
         |---|---|---|---|---|---|---|---|\n",
        s.line(),
        wall.as_millis(),
        s.slowest.as_millis()
    );
    for (i, o) in outcomes.iter().enumerate() {
        let result = match &o.verdict {
            Verdict::Passed => "passed".to_owned(),
            Verdict::Failed(m) => format!("FAILED: {m}"),
            Verdict::Panicked(m) => format!("PANIC: {m}"),
            Verdict::Hung => "HUNG".to_owned(),
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} | {} |\n",
            i + 1,
            o.scenario.name,
            o.scenario.layer,
            cell(o.scenario.fault),
            cell(o.scenario.expect),
            cell(&o.observed),
            cell(&result),
            o.elapsed.as_millis()
        ));
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `<workspace>/target/<name>` (or under `CARGO_TARGET_DIR`).
pub fn target_path(name: &str) -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    dir.join(name)
}

/// Writes `text` to [`target_path`]`(name)`, creating the directory.
///
/// # Errors
///
/// When the file cannot be written.
pub fn write_target_file(name: &str, text: &str) -> std::io::Result<PathBuf> {
    let path = target_path(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, text)?;
    Ok(path)
}
