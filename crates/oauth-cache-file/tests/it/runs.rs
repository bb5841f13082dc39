//! Runs one after the other: the second finds the first one's token.

use std::time::{Duration, Instant};

use oauth_core::TokenCache;

use crate::common::*;

#[tokio::test]
async fn a_second_run_reads_the_token_and_makes_no_token_request() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let server = token_endpoint("at-first-run", Duration::ZERO, 1).await;
        let url = format!("{}{TOKEN_PATH}", server.uri());

        let first = provider(&url, cache_on(dir.path()));
        assert_eq!(first.token().await.unwrap().secret(), "at-first-run");
        drop(first);
        assert_eq!(server.received_requests().await.unwrap().len(), 1);

        // A new cache instance and a new provider: a new run of the program.
        let second_cache = cache_on(dir.path());
        assert!(second_cache.is_persistent());
        let second = provider(&url, second_cache);
        let token = second.token().await.unwrap();
        assert_eq!(token.secret(), "at-first-run");
        assert!(token.remaining() > Duration::from_secs(3500), "{token:?}");
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "the second run asked the token endpoint"
        );
    })
    .await;
}

#[tokio::test]
async fn a_token_in_its_refresh_ahead_window_is_used_at_once_and_refreshed_once() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let path = cache_on(dir.path()).token_file(&key).unwrap();
        // 100 s left of 3600: past the refresh point (5 min before expiry), before
        // the last 30 s.
        let record = record(
            &stem(&path),
            "at-due-for-refresh",
            Duration::from_secs(100),
            Duration::from_secs(3600),
        );
        write_private(&path, record.as_bytes());

        let cache = cache_on(dir.path());
        let source = CountingSource::with_delay("at-refreshed", Duration::from_millis(300));
        let started = Instant::now();
        let token = cache.get(&key, &source.as_dyn()).await.unwrap();
        assert_eq!(token.secret(), "at-due-for-refresh");
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "the call waited for the refresh: {:?}",
            started.elapsed()
        );
        // Callers meanwhile get the old token at once; one refresh runs.
        for _ in 0..5 {
            let token = cache.get(&key, &source.as_dyn()).await.unwrap();
            assert_eq!(token.secret(), "at-due-for-refresh");
        }
        source.wait_for_calls(1).await;
        let refreshed = loop {
            let token = cache.get(&key, &source.as_dyn()).await.unwrap();
            if token.secret() != "at-due-for-refresh" {
                break token;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(refreshed.secret(), "at-refreshed-1");
        assert_eq!(source.calls(), 1, "more than one refresh");

        // The refreshed token is in the file for the next run.
        let next = CountingSource::new("at-unwanted");
        let token = cache_on(dir.path())
            .get(&key, &next.as_dyn())
            .await
            .unwrap();
        assert_eq!(token.secret(), "at-refreshed-1");
        assert_eq!(next.calls(), 0);
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_in_its_file_is_fetched_anew_and_replaced() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let path = cache_on(dir.path()).token_file(&key).unwrap();
        for (expires_in, what) in [
            (Duration::from_secs(10), "within the last 30 s"),
            (Duration::ZERO, "expired"),
        ] {
            let old = record(
                &stem(&path),
                "at-old",
                expires_in,
                Duration::from_secs(3600),
            );
            write_private(&path, old.as_bytes());
            let source = CountingSource::new("at-new");
            let token = cache_on(dir.path())
                .get(&key, &source.as_dyn())
                .await
                .unwrap();
            assert_eq!(token.secret(), "at-new-1", "{what}");
            assert_eq!(source.calls(), 1, "{what}");
            let content = std::fs::read_to_string(&path).unwrap();
            assert!(content.contains("at-new-1"), "{what}: not replaced");
        }
    })
    .await;
}

/// A run that makes one call (a CLI) and finds a token due for a refresh uses it at
/// once, and the refresh starts from that call: the next run finds the new token.
#[tokio::test]
async fn one_call_that_reads_a_token_due_for_refresh_starts_the_refresh() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let path = cache_on(dir.path()).token_file(&key).unwrap();
        let due = record(
            &stem(&path),
            "at-due-for-refresh",
            Duration::from_secs(100),
            Duration::from_secs(3600),
        );
        write_private(&path, due.as_bytes());

        let source = CountingSource::new("at-refreshed");
        let token = cache_on(dir.path())
            .get(&key, &source.as_dyn())
            .await
            .unwrap();
        assert_eq!(token.secret(), "at-due-for-refresh");
        // No second call: the refresh runs in the background all the same.
        for _ in 0..500 {
            if std::fs::read_to_string(&path)
                .unwrap_or_default()
                .contains("at-refreshed-1")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(source.calls(), 1);
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("at-refreshed-1"));
    })
    .await;
}

/// A long token (JWTs with many claims run to kilobytes) is read back from its file.
#[tokio::test]
async fn a_token_of_16_kib_is_read_back_by_the_next_run() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let long = format!("at-{}", "x".repeat(16 * 1024 - 5));
        let first = CountingSource::new(&long);
        let token = cache_on(dir.path())
            .get(&key, &first.as_dyn())
            .await
            .unwrap();
        assert_eq!(token.secret().len(), 16 * 1024);

        let next = CountingSource::new("at-unwanted");
        let again = cache_on(dir.path())
            .get(&key, &next.as_dyn())
            .await
            .unwrap();
        assert!(again.same_as(&token), "not read back from the file");
        assert_eq!(next.calls(), 0);
    })
    .await;
}
