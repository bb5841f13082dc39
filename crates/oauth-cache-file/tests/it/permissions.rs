//! The directory is 0700 and every file 0600; an open directory is repaired, one of
//! another user refused.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use oauth_core::TokenCache;

use crate::common::*;

#[tokio::test]
async fn the_directory_and_its_files_are_private() {
    bounded(async {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a").join("b").join("tokens");
        let server = token_endpoint("at-private", Duration::ZERO, 1).await;
        let cache = cache_on(&dir);
        assert!(cache.is_persistent(), "{cache:?}");
        let provider = provider(&format!("{}{TOKEN_PATH}", server.uri()), cache.clone());
        let token = provider.token().await.unwrap();
        let key = provider.cache_key().clone();

        for created in [root.path().join("a"), root.path().join("a/b"), dir.clone()] {
            assert_eq!(mode(&created), 0o700, "{}", created.display());
        }
        let token_file = cache.token_file(&key).unwrap();
        let name = stem(&token_file);
        assert_eq!(
            file_names(&dir),
            vec![
                format!("{name}.lock"),
                format!("{name}.token"),
                "key".to_owned()
            ],
            "temporary files left, or unexpected files"
        );
        for file in file_names(&dir) {
            assert_eq!(mode(&dir.join(&file)), 0o600, "{file}");
        }
        assert_eq!(std::fs::read(dir.join("key")).unwrap().len(), 32);

        // The name is 64 hex digits; nothing of the key or the credential is in it.
        assert_eq!(name.len(), 64);
        assert!(name.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
        // Only the token and its expiry are stored: no client secret, no client id.
        let content = std::fs::read_to_string(&token_file).unwrap();
        assert!(content.contains(token.secret()));
        for file in file_names(&dir) {
            let bytes = std::fs::read(dir.join(&file)).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !file.contains(CLIENT_ID) && !file.contains(CLIENT_SECRET),
                "{file}"
            );
            assert!(
                !text.contains(CLIENT_SECRET),
                "{file} holds the client secret"
            );
            assert!(!text.contains(CLIENT_ID), "{file} holds the client id");
        }
    })
    .await;
}

#[tokio::test]
async fn a_directory_open_to_others_is_made_private() {
    bounded(async {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("tokens");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let (_guard, logs) = capture_logs();

        let cache = cache_on(&dir);
        assert!(cache.is_persistent(), "{cache:?}");
        assert_eq!(mode(&dir), 0o700);
        let warnings = logs.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("mode is now 700"), "{warnings:?}");

        let source = CountingSource::new("at-repaired");
        let token = cache.get(&default_key(), &source.as_dyn()).await.unwrap();
        assert_eq!(token.secret(), "at-repaired-1");
        assert_eq!(mode(&cache.token_file(&default_key()).unwrap()), 0o600);
    })
    .await;
}

#[tokio::test]
async fn a_directory_of_another_user_is_not_used() {
    bounded(async {
        let root = tempfile::tempdir().unwrap();
        if my_uid(root.path()) != 0 {
            // Giving a directory to another user takes root.
            println!("skipped: not running as root");
            return;
        }
        let dir = root.path().join("tokens");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        let (_guard, logs) = capture_logs();

        let cache = cache_on(&dir);
        assert!(!cache.is_persistent());
        let reason = cache.unavailable_reason().unwrap();
        assert!(reason.contains("owned by another user"), "{reason}");
        assert_eq!(logs.warnings().len(), 1, "{:?}", logs.warnings());

        // Tokens all the same, from memory after the first fetch.
        let source = CountingSource::new("at-memory-only");
        for _ in 0..3 {
            let token = cache.get(&default_key(), &source.as_dyn()).await.unwrap();
            assert_eq!(token.secret(), "at-memory-only-1");
        }
        assert_eq!(source.calls(), 1);
        assert!(file_names(&dir).is_empty(), "{:?}", file_names(&dir));
        assert!(cache.token_file(&default_key()).is_none());
        let err = cache.clear().unwrap_err();
        assert!(err.to_string().contains("owned by another user"), "{err}");
        assert_eq!(err.dir(), Some(dir.as_path()));
    })
    .await;
}
