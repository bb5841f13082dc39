//! Files that are not usable records: ignored (never a panic nor an error), then
//! replaced by a good record.

use std::path::Path;
use std::time::Duration;

use oauth_core::TokenCache;

use test_support::logs::LogCapture;

use crate::common::*;

/// Puts `content` where the token of the default key goes, then checks that a new
/// run fetches, gets its token, and leaves a good file (read by the run after it
/// without a fetch).
async fn is_ignored_and_replaced(dir: &Path, what: &str, content: &[u8]) {
    let key = default_key();
    let path = cache_on(dir).token_file(&key).unwrap();
    write_private(&path, content);

    let source = CountingSource::new("at-replacement");
    let token = cache_on(dir).get(&key, &source.as_dyn()).await;
    let token = token.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(token.secret(), "at-replacement-1", "{what}");
    assert_eq!(source.calls(), 1, "{what}");

    let next = CountingSource::new("at-unwanted");
    let token = cache_on(dir).get(&key, &next.as_dyn()).await.unwrap();
    assert_eq!(token.secret(), "at-replacement-1", "{what}: not replaced");
    assert_eq!(next.calls(), 0, "{what}: not replaced");
}

#[tokio::test]
async fn corrupt_truncated_huge_and_foreign_files_are_ignored_and_replaced() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let name = stem(&cache_on(dir.path()).token_file(&default_key()).unwrap());
        let hour = Duration::from_secs(3600);
        let good = record(&name, "at-planted", hour, hour);
        let mut huge = good.clone();
        huge.insert_str(1, &format!("\"pad\":\"{}\",", "x".repeat(1 << 20)));
        let other_version = good.replace("\"v\":1", "\"v\":2");
        assert_ne!(other_version, good);
        let other_name = record(&"0".repeat(64), "at-planted", hour, hour);
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();

        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("garbage", garbage),
            ("truncated", good.as_bytes()[..good.len() / 2].to_vec()),
            ("huge (1 MiB)", huge.into_bytes()),
            (
                "an OAuth response, not a record",
                br#"{"access_token":"at-planted","token_type":"Bearer","expires_in":3600}"#
                    .to_vec(),
            ),
            ("another version", other_version.into_bytes()),
            ("the record of another file", other_name.into_bytes()),
            ("a JSON array", b"[\"oauth-cache-file/token\",1]".to_vec()),
            ("NUL bytes", vec![0u8; 100]),
            ("not UTF-8", b"{\"format\":\"\xff\xfe\"}".to_vec()),
        ];
        for (what, content) in cases {
            is_ignored_and_replaced(dir.path(), what, &content).await;
        }
    })
    .await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_token_file_others_may_read_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;

    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let path = cache_on(dir.path()).token_file(&key).unwrap();
        let hour = Duration::from_secs(3600);
        write_private(
            &path,
            record(&stem(&path), "at-planted", hour, hour).as_bytes(),
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

        let source = CountingSource::new("at-trusted");
        let token = cache_on(dir.path())
            .get(&key, &source.as_dyn())
            .await
            .unwrap();
        assert_eq!(token.secret(), "at-trusted-1");
        assert_eq!(mode(&path), 0o600);
    })
    .await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_link_where_the_token_file_should_be_is_not_followed() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let key = default_key();
        let path = cache_on(dir.path()).token_file(&key).unwrap();
        // A good record for this very name, in a file outside, linked to.
        let hour = Duration::from_secs(3600);
        let target = elsewhere.path().join("planted.token");
        let planted = record(&stem(&path), "at-planted", hour, hour);
        write_private(&target, planted.as_bytes());
        std::os::unix::fs::symlink(&target, &path).unwrap();

        let source = CountingSource::new("at-own");
        let token = cache_on(dir.path())
            .get(&key, &source.as_dyn())
            .await
            .unwrap();
        assert_eq!(token.secret(), "at-own-1", "the link was followed");
        assert_eq!(source.calls(), 1);
        // The link was replaced by a file; its target was neither read nor written.
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_file(), "{meta:?}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), planted);
    })
    .await;
}

#[tokio::test]
async fn a_broken_key_file_is_replaced_and_the_tokens_fetched_again() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let first = CountingSource::new("at-first");
        cache_on(dir.path())
            .get(&key, &first.as_dyn())
            .await
            .unwrap();
        write_private(&dir.path().join("key"), b"not a key");

        let second = CountingSource::new("at-second");
        let cache = cache_on(dir.path());
        assert!(cache.is_persistent());
        let token = cache.get(&key, &second.as_dyn()).await.unwrap();
        assert_eq!(token.secret(), "at-second-1");
        assert_eq!(std::fs::read(dir.path().join("key")).unwrap().len(), 32);
    })
    .await;
}

#[tokio::test]
async fn an_unusable_file_is_warned_about_once_per_fetch_without_quoting_it() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let path = cache_on(dir.path()).token_file(&key).unwrap();
        write_private(
            &path,
            br#"{"format":"oauth-cache-file/token","v":1,"key":"at-planted-secret"}"#,
        );
        let logs = LogCapture::global();

        let source = CountingSource::new("at-replacement");
        let token = cache_on(dir.path())
            .get(&key, &source.as_dyn())
            .await
            .unwrap();
        assert_eq!(token.secret(), "at-replacement-1");
        // Looked at twice (before and after taking the lock), reported once.
        let lines = logs.lines_naming(&stem(&path));
        let warnings: Vec<_> = lines.iter().filter(|l| l.contains(" WARN ")).collect();
        assert_eq!(warnings.len(), 1, "{lines:#?}");
        assert!(warnings[0].contains("ignoring a token file"), "{lines:#?}");
        assert!(!logs.text().contains("at-planted-secret"));
    })
    .await;
}
