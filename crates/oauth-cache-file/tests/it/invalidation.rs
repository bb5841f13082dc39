//! `invalidate` removes a token file only if it still holds the rejected token.

use std::time::Duration;

use oauth_core::{AccessToken, TokenCache};

use crate::common::*;

#[tokio::test]
async fn invalidate_removes_the_file_only_if_it_still_holds_that_token() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let source = CountingSource::new("at");
        let (a, b) = (cache_on(dir.path()), cache_on(dir.path()));
        let path = a.token_file(&key).unwrap();

        let t1 = a.get(&key, &source.as_dyn()).await.unwrap();
        assert_eq!(t1.secret(), "at-1");
        // B (another run) reads T1 from the file.
        assert_eq!(
            b.get(&key, &source.as_dyn()).await.unwrap().secret(),
            "at-1"
        );
        assert_eq!(source.calls(), 1);

        // A token that is not the stored one removes nothing.
        let other = AccessToken::valid_for("at-never-stored", Duration::from_secs(3600));
        a.invalidate(&key, &other).await;
        assert!(std::fs::read_to_string(&path).unwrap().contains("at-1"));

        // T1 rejected: its file goes, and the next call fetches T2.
        a.invalidate(&key, &t1).await;
        assert!(!path.exists(), "the rejected token's file is still there");
        let t2 = a.get(&key, &source.as_dyn()).await.unwrap();
        assert_eq!(t2.secret(), "at-2");
        assert!(std::fs::read_to_string(&path).unwrap().contains("at-2"));

        // B sees T1 rejected late: the file holds T2 now and stays.
        b.invalidate(&key, &t1).await;
        assert!(std::fs::read_to_string(&path).unwrap().contains("at-2"));
        // ... and B takes T2 from it rather than fetching.
        assert_eq!(
            b.get(&key, &source.as_dyn()).await.unwrap().secret(),
            "at-2"
        );
        assert_eq!(source.calls(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_rejected_token_is_never_taken_from_a_file_again() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let source = CountingSource::new("at");
        let cache = cache_on(dir.path());
        let path = cache.token_file(&key).unwrap();

        let t1 = cache.get(&key, &source.as_dyn()).await.unwrap();
        let record_of_t1 = std::fs::read(&path).unwrap();
        cache.invalidate(&key, &t1).await;
        // A slow writer puts T1 back.
        write_private(&path, &record_of_t1);

        let token = cache.get(&key, &source.as_dyn()).await.unwrap();
        assert_eq!(token.secret(), "at-2");
        assert_eq!(source.calls(), 2);
    })
    .await;
}

/// `invalidate` compares and removes under the key's lock: while another process
/// holds it (fetching, and about to write its token), the file is left alone.
#[tokio::test]
async fn invalidate_waits_for_the_lock_before_removing_the_file() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let cache = oauth_cache_file::FileTokenCache::builder(APP)
            .dir(dir.path())
            .max_lock_wait(Duration::from_secs(20))
            .build()
            .unwrap();
        let path = cache.token_file(&key).unwrap();
        let source = CountingSource::new("at");
        let t1 = cache.get(&key, &source.as_dyn()).await.unwrap();
        let held = hold_lock(&lock_file(&path));

        let invalidating = {
            let (cache, key, t1) = (cache.clone(), key.clone(), t1.clone());
            tokio::spawn(async move { cache.invalidate(&key, &t1).await })
        };
        // Several of its looks at the lock go by (10 ms apart, growing to 100 ms).
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(
            !invalidating.is_finished(),
            "invalidate did not wait for the lock"
        );
        assert!(path.exists(), "removed while another process held the lock");

        drop(held);
        invalidating.await.unwrap();
        assert!(!path.exists(), "the rejected token's file is still there");
    })
    .await;
}
