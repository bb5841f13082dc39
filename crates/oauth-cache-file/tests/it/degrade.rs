//! A directory that cannot be used: tokens from memory, one warning, no error.

use std::time::Duration;

use oauth_core::TokenCache;

use crate::common::*;

#[tokio::test]
async fn an_unusable_directory_still_yields_tokens_with_one_warning() {
    bounded(async {
        let root = tempfile::tempdir().unwrap();
        // Under a regular file: cannot be created, whoever runs the test (root too).
        let blocker = root.path().join("a-file");
        std::fs::write(&blocker, b"").unwrap();
        let dir = blocker.join("tokens");
        let (_guard, logs) = capture_logs();
        let server = token_endpoint("at-memory-only", Duration::ZERO, 1).await;

        let cache = cache_on(&dir);
        assert!(!cache.is_persistent());
        assert_eq!(cache.dir(), Some(dir.as_path()));
        assert!(cache.unavailable_reason().is_some());
        let provider = provider(&format!("{}{TOKEN_PATH}", server.uri()), cache.clone());
        for _ in 0..3 {
            assert_eq!(provider.token().await.unwrap().secret(), "at-memory-only");
        }
        // Other keys too, from their sources.
        let source = CountingSource::new("at-other");
        for _ in 0..2 {
            let token = cache
                .get(&key_with_secret("other"), &source.as_dyn())
                .await
                .unwrap();
            assert_eq!(token.secret(), "at-other-1");
        }
        assert_eq!(server.received_requests().await.unwrap().len(), 1);

        let warnings = logs.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("memory only"), "{warnings:?}");
        assert!(
            warnings[0].contains(&dir.display().to_string()),
            "{warnings:?}"
        );
        let text = logs.text();
        for secret in [CLIENT_SECRET, "at-memory-only", "at-other-1"] {
            assert!(!text.contains(secret), "a log line holds {secret}");
        }
        let err = cache.clear().unwrap_err();
        assert_eq!(Some(err.problem()), cache.unavailable_reason());
        assert_eq!(err.dir(), Some(dir.as_path()));
        assert!(err.to_string().contains(err.problem()), "{err}");
        assert!(std::error::Error::source(&err).is_none(), "{err:?}");
    })
    .await;
}

/// `clear` on a directory that became unreadable says so, names it, and keeps the
/// I/O error as its source.
#[tokio::test]
async fn clear_reports_a_directory_it_cannot_read_with_the_cause() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("tokens");
    let cache = cache_on(&dir);
    assert!(cache.is_persistent());
    // Replaced by a regular file under the running program: not readable as a
    // directory, even by root.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"").unwrap();

    let err = cache.clear().unwrap_err();
    assert_eq!(err.problem(), "the token files could not be removed");
    assert_eq!(err.dir(), Some(dir.as_path()));
    let source = std::error::Error::source(&err).expect("the I/O error is kept");
    assert!(
        source.downcast_ref::<std::io::Error>().is_some(),
        "{source:?}"
    );
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn a_directory_gone_after_the_start_degrades_to_memory_with_one_warning() {
    bounded(async {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("tokens");
        let cache = cache_on(&dir);
        assert!(cache.is_persistent());
        // Removed under the running program, and its parent made a file: nothing
        // can be written there any more, even by root.
        std::fs::remove_dir_all(root.path()).unwrap();
        std::fs::write(root.path(), b"").unwrap();
        let (_guard, logs) = capture_logs();

        let source = CountingSource::new("at");
        for secret in ["one", "two", "three"] {
            let key = key_with_secret(secret);
            let first = cache.get(&key, &source.as_dyn()).await.unwrap();
            let again = cache.get(&key, &source.as_dyn()).await.unwrap();
            assert!(first.same_as(&again));
        }
        assert_eq!(source.calls(), 3);
        assert!(!cache.is_persistent());
        let warnings = logs.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("memory only"), "{warnings:?}");
        std::fs::remove_file(root.path()).unwrap();
    })
    .await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_read_only_directory_still_yields_tokens() {
    use std::os::unix::fs::PermissionsExt;

    bounded(async {
        let root = tempfile::tempdir().unwrap();
        if my_uid(root.path()) == 0 {
            // Root writes in any directory; the test above covers root.
            println!("skipped: running as root");
            return;
        }
        let dir = root.path().join("tokens");
        let cache = cache_on(&dir);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
        let (_guard, logs) = capture_logs();

        let source = CountingSource::new("at");
        let token = cache.get(&default_key(), &source.as_dyn()).await.unwrap();
        assert_eq!(token.secret(), "at-1");
        assert!(!cache.is_persistent());
        assert_eq!(logs.warnings().len(), 1, "{:?}", logs.warnings());
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    })
    .await;
}
