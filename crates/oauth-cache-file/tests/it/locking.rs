//! The key's lock between two instances of one process (each its own memory cache,
//! as two processes would be), and the bound on waiting for it.

use std::time::{Duration, Instant};

use oauth_cache_file::FileTokenCache;
use oauth_core::TokenCache;

use test_support::logs::LogCapture;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_instance_reads_the_token_of_the_one_fetching() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let (a, b) = (cache_on(dir.path()), cache_on(dir.path()));
        let slow = CountingSource::with_delay("at-from-a", Duration::from_millis(400));
        let fetching = {
            let (a, key, slow) = (a.clone(), key.clone(), slow.as_dyn());
            tokio::spawn(async move { a.get(&key, &slow).await })
        };
        // A holds the lock once its fetch has started.
        slow.wait_for_calls(1).await;
        let other = CountingSource::new("at-from-b");
        let started = Instant::now();
        let token = b.get(&key, &other.as_dyn()).await.unwrap();
        assert_eq!(token.secret(), "at-from-a-1");
        assert_eq!(other.calls(), 0, "B fetched although A was fetching");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(fetching.await.unwrap().unwrap().secret(), "at-from-a-1");
        assert_eq!(slow.calls(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_too_long_is_waited_for_at_most_max_lock_wait() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let cache = FileTokenCache::builder(APP)
            .dir(dir.path())
            .max_lock_wait(Duration::from_millis(400))
            .build()
            .unwrap();
        let token_file = cache.token_file(&key).unwrap();
        // Someone holds the lock and never writes a token (a hung fetch).
        let held = hold_lock(&lock_file(&token_file));

        let source = CountingSource::new("at-without-the-lock");
        let started = Instant::now();
        let token = cache.get(&key, &source.as_dyn()).await.unwrap();
        let waited = started.elapsed();
        assert_eq!(token.secret(), "at-without-the-lock-1");
        assert_eq!(source.calls(), 1);
        assert!(
            waited >= Duration::from_millis(400),
            "did not wait: {waited:?}"
        );
        assert!(waited < Duration::from_secs(5), "waited {waited:?}");
        // Written all the same, for the next run.
        assert!(std::fs::read_to_string(&token_file)
            .unwrap()
            .contains("at-without-the-lock-1"));
        drop(held);
    })
    .await;
}

#[tokio::test]
async fn a_wait_for_the_lock_is_announced_once_however_often_it_looks() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let cache = FileTokenCache::builder(APP)
            .dir(dir.path())
            .max_lock_wait(Duration::from_millis(300))
            .build()
            .unwrap();
        let token_file = cache.token_file(&key).unwrap();
        let held = hold_lock(&lock_file(&token_file));
        let logs = LogCapture::global();

        let source = CountingSource::new("at-after-waiting");
        let token = cache.get(&key, &source.as_dyn()).await.unwrap();
        assert_eq!(token.secret(), "at-after-waiting-1");
        // 300 ms of looks, 10 ms apart at first: many looks, one announcement, and
        // one warning when the wait is given up.
        let lines = logs.lines_naming(&stem(&token_file));
        let count = |text: &str| lines.iter().filter(|l| l.contains(text)).count();
        assert_eq!(count("waiting for its token"), 1, "{lines:#?}");
        assert_eq!(count("longer than max_lock_wait"), 1, "{lines:#?}");
        drop(held);
    })
    .await;
}
