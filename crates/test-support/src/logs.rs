//! Capturing what the SDK logs and the spans it opens, to assert on them.

use std::sync::{Arc, Mutex};

pub use tracing::Level;
use tracing_subscriber::fmt::format::FmtSpan;

/// Log lines and span openings, written by a subscriber from every thread.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Installs a subscriber writing here (events at `level` and up, and a line
    /// for each span opened, with its fields) as this thread's default until the
    /// guard is dropped. Use it on a current-thread runtime (`#[tokio::test]`).
    pub fn install(&self, level: Level) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_span_events(FmtSpan::NEW)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        // Call sites another test's thread met first, without a subscriber, are
        // cached as uninteresting: ask again, now that this thread has one.
        tracing::callsite::rebuild_interest_cache();
        guard
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// The first line opening a span named `span` that contains every one of
    /// `needles`, if any.
    pub fn span_line(&self, span: &str, needles: &[&str]) -> Option<String> {
        self.text()
            .lines()
            .find(|line| line.contains(span) && needles.iter().all(|n| line.contains(n)))
            .map(str::to_owned)
    }
}
