//! Building a cache that keeps tokens in plaintext logs one warning per process.
//!
//! Alone in its binary: the warning is once per process, and `tracing` caches each
//! call site's interest process-wide, so the subscriber is global and set first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use oauth_cache_redis::RedisTokenCache;

/// Log lines, captured from every thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_plaintext_cache_warns_once_per_process() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let logs = || String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();

    // With a key: no warning.
    RedisTokenCache::builder("redis://127.0.0.1:1/")
        .encryption_key([3; 32])
        .build()
        .unwrap();
    // Refused: no warning either.
    RedisTokenCache::builder("redis://127.0.0.1:1/")
        .build()
        .unwrap_err();
    assert!(!logs().contains("plaintext"), "{}", logs());

    for _ in 0..3 {
        RedisTokenCache::builder("redis://127.0.0.1:1/")
            .allow_plaintext(true)
            .build()
            .unwrap();
    }
    let logs = logs();
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("plaintext"))
        .collect();
    assert_eq!(warnings.len(), 1, "{logs}");
    println!("{}", warnings[0]);
    for words in [
        "can use them",
        "a token of their choice",
        "openssl rand -base64 32",
    ] {
        assert!(warnings[0].contains(words), "{words}: {}", warnings[0]);
    }
}
