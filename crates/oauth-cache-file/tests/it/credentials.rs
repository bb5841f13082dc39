//! Keys bound to the credential: another secret, another file, never the other's token.

use oauth_core::TokenCache;

use crate::common::*;

#[tokio::test]
async fn a_different_credential_gets_its_own_file_and_never_the_other_token() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        // Everything alike but the client secret.
        let (key_a, key_b) = (key_with_secret("secret-a"), key_with_secret("secret-b"));
        let (source_a, source_b) = (CountingSource::new("at-a"), CountingSource::new("at-b"));

        let token_a = cache_on(dir.path())
            .get(&key_a, &source_a.as_dyn())
            .await
            .unwrap();
        assert_eq!(token_a.secret(), "at-a-1");
        // Another run with the other secret: its own fetch, not A's token.
        let token_b = cache_on(dir.path())
            .get(&key_b, &source_b.as_dyn())
            .await
            .unwrap();
        assert_eq!(token_b.secret(), "at-b-1");
        assert_eq!((source_a.calls(), source_b.calls()), (1, 1));

        let cache = cache_on(dir.path());
        let (file_a, file_b) = (
            cache.token_file(&key_a).unwrap(),
            cache.token_file(&key_b).unwrap(),
        );
        assert_ne!(file_a, file_b);
        assert!(std::fs::read_to_string(&file_a).unwrap().contains("at-a-1"));
        assert!(std::fs::read_to_string(&file_b).unwrap().contains("at-b-1"));

        // A third run gets each its own, without fetching.
        assert_eq!(
            cache
                .get(&key_a, &source_a.as_dyn())
                .await
                .unwrap()
                .secret(),
            "at-a-1"
        );
        assert_eq!(
            cache
                .get(&key_b, &source_b.as_dyn())
                .await
                .unwrap()
                .secret(),
            "at-b-1"
        );
        assert_eq!((source_a.calls(), source_b.calls()), (1, 1));
    })
    .await;
}

#[test]
fn file_names_depend_on_the_directory_key() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let key = default_key();
    let in_one = cache_on(one.path()).token_file(&key).unwrap();
    let in_two = cache_on(two.path()).token_file(&key).unwrap();
    // Same key, another random directory key: another name.
    assert_ne!(in_one.file_name(), in_two.file_name());
    // Stable for the directory.
    assert_eq!(in_one, cache_on(one.path()).token_file(&key).unwrap());
}
