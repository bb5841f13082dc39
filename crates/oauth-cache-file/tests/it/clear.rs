//! `clear` removes the token files and says how many.

use std::time::{Duration, SystemTime};

use oauth_core::TokenCache;

use crate::common::*;

#[tokio::test]
async fn clear_removes_the_token_files_and_counts_them() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let (key_a, key_b) = (key_with_secret("secret-a"), key_with_secret("secret-b"));
        let source = CountingSource::new("at");
        let cache = cache_on(dir.path());
        cache.get(&key_a, &source.as_dyn()).await.unwrap();
        cache.get(&key_b, &source.as_dyn()).await.unwrap();
        assert_eq!(source.calls(), 2);

        // A temporary file left by a crash long ago, one being written now, a lock
        // someone holds, and a file that is not the cache's.
        let stale = dir
            .path()
            .join(format!(".{}.0123456789abcdef.tmp", "e".repeat(64)));
        write_private(&stale, b"{}");
        let old = SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let fresh = dir
            .path()
            .join(format!(".{}.fedcba9876543210.tmp", "e".repeat(64)));
        write_private(&fresh, b"{}");
        let held_path = lock_file(&cache.token_file(&key_b).unwrap());
        let held = hold_lock(&held_path);
        write_private(&dir.path().join("notes.txt"), b"mine");

        assert_eq!(cache.clear().unwrap(), 2);
        let left = file_names(dir.path());
        assert!(!left.iter().any(|n| n.ends_with(".token")), "{left:?}");
        let fresh_name = fresh.file_name().unwrap().to_str().unwrap().to_owned();
        let held_name = held_path.file_name().unwrap().to_str().unwrap().to_owned();
        let mut expected = vec![
            fresh_name,
            held_name,
            "key".to_owned(),
            "notes.txt".to_owned(),
        ];
        expected.sort();
        assert_eq!(left, expected);
        drop(held);

        // The next run fetches again; a second clear finds nothing.
        let next = CountingSource::new("at-next");
        let token = cache_on(dir.path())
            .get(&key_a, &next.as_dyn())
            .await
            .unwrap();
        assert_eq!(token.secret(), "at-next-1");
        assert_eq!(cache.clear().unwrap(), 1);
        assert_eq!(cache.clear().unwrap(), 0);
    })
    .await;
}
