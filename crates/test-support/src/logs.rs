//! Capturing what the SDK logs and the spans it opens, to assert on them.

use std::sync::{Arc, Mutex, OnceLock};

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
    /// The capture of this test binary: a subscriber writing here (events at every
    /// level, and a line for each span opened, with its fields) installed once as
    /// the global default. Every test of the binary writes into it, so a test looks
    /// for the lines that name its own server or file (see
    /// [`span_line`](Self::span_line), [`lines_naming`](Self::lines_naming)).
    ///
    /// Global rather than per-thread: a callsite another test's thread meets first
    /// while no subscriber is interested can be cached as uninteresting for every
    /// thread, which made a per-thread capture miss spans now and then.
    pub fn global() -> &'static LogCapture {
        static GLOBAL: OnceLock<LogCapture> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            let capture = LogCapture::default();
            let writer = capture.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_span_events(FmtSpan::NEW)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in this test binary");
            capture
        })
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// The lines that contain `needle` (a server's address, a file's name).
    pub fn lines_naming(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| line.contains(needle))
            .map(str::to_owned)
            .collect()
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
