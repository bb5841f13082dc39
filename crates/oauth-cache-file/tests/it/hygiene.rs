//! No secret in `Debug` output, errors or logs.

use std::time::Duration;

use oauth_core::TokenCache;

use crate::common::*;

#[tokio::test]
async fn debug_and_logs_show_no_secret() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let (_guard, logs) = capture_logs();
        let server = token_endpoint("at-hygiene-7f3a", Duration::ZERO, 2).await;
        let url = format!("{}{TOKEN_PATH}", server.uri());
        let cache = cache_on(dir.path());
        let provider = provider(&url, cache.clone());
        let token = provider.token().await.unwrap();
        cache.invalidate(provider.cache_key(), &token).await;
        let again = provider.token().await.unwrap();
        assert_ne!(again.secret(), "", "fetched again");

        let key_bytes = std::fs::read(dir.path().join("key")).unwrap();
        let key_hex: String = key_bytes.iter().map(|b| format!("{b:02x}")).collect();
        let debug = format!("{cache:?}");
        assert!(debug.contains("FileTokenCache"), "{debug}");
        for (what, text) in [("Debug", debug.as_str()), ("logs", logs.text().as_str())] {
            for secret in [CLIENT_SECRET, "at-hygiene-7f3a", key_hex.as_str()] {
                assert!(!text.contains(secret), "{what} holds a secret: {text}");
            }
        }
        assert!(logs.text().contains("token cache"), "nothing was logged");
    })
    .await;
}

#[test]
fn bad_settings_are_refused_by_name() {
    for app in ["", "..", "a/b", ".hidden"] {
        let err = oauth_cache_file::FileTokenCache::builder(app)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "app_name", "{app}");
    }
    let err = oauth_cache_file::FileTokenCache::builder(APP)
        .max_lock_wait(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "max_lock_wait");
    let default = oauth_cache_file::FileTokenCache::default_dir("vendorctl");
    if let Some(dir) = default {
        assert!(dir.ends_with("vendorctl/tokens"), "{}", dir.display());
    }
}
