//! A fleet sharing Redis never shares one principal's token with another: a process
//! holding a wrong password or client secret gets the endpoint's refusal, not the
//! token another process fetched with the right one, and Redis key names bind the
//! credential under the fleet's encryption key.

use std::sync::Arc;

use oauth_cache_redis::{EncryptionKey, RedisTokenCache};
use oauth_core::{AccessToken, Credentials, OAuthProvider, TokenEndpoint, TokenError};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const USER: &str = "alice-7c1e@example.com";
const PASSWORD: &str = "right-pw-3f9a1c";
const WRONG: &str = "wrong-guess-0b2d";

#[derive(Clone, Copy, Debug)]
enum Grant {
    Password,
    ClientCredentials,
}

impl Grant {
    fn right(self) -> &'static str {
        match self {
            Self::Password => PASSWORD,
            Self::ClientCredentials => CLIENT_SECRET,
        }
    }

    fn token(self) -> &'static str {
        match self {
            Self::Password => "at-alice-user-token",
            Self::ClientCredentials => "at-fleet-app-token",
        }
    }
}

async fn endpoint(refused: std::ops::RangeInclusive<u64>) -> MockServer {
    let server = MockServer::start().await;
    for (needle, token) in [
        (format!("password={PASSWORD}"), Grant::Password.token()),
        (
            format!("client_secret={CLIENT_SECRET}&"),
            Grant::ClientCredentials.token(),
        ),
    ] {
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .and(body_string_contains(needle))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "token_type": "Bearer", "expires_in": 3599, "access_token": token,
            })))
            .expect(0..=1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(body_string_contains(WRONG))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_grant",
            "error_description": "AADSTS50126: Error validating credentials.",
        })))
        .named("wrong credential")
        .expect(refused)
        .mount(&server)
        .await;
    server
}

/// One "process": its own Redis cache (same prefix and key as the fleet) and provider.
fn process(
    redis: &Redis,
    prefix: &str,
    server: &MockServer,
    grant: Grant,
    secret: &str,
) -> (RedisTokenCache, OAuthProvider) {
    let cache = builder(redis, prefix)
        .encryption_key(EncryptionKey::from([5; 32]))
        .build()
        .unwrap();
    let credentials = match grant {
        Grant::Password => Credentials::password(CLIENT_ID, None, USER, secret),
        Grant::ClientCredentials => Credentials::client_credentials(CLIENT_ID, secret),
    };
    let provider = OAuthProvider::builder()
        .endpoint(
            TokenEndpoint::url(format!("{}/oauth2/token", server.uri()))
                .with_scopes(["api://fleet-api/.default"]),
        )
        .credentials(credentials)
        .allow_insecure_loopback(true)
        .cache(Arc::new(cache.clone()))
        .build()
        .unwrap();
    (cache, provider)
}

fn assert_refused(result: Result<AccessToken, TokenError>, grant: Grant) {
    match result {
        Err(TokenError::OAuth(e)) => assert_eq!(e.code(), "invalid_grant"),
        Err(other) => panic!("{grant:?}: expected the endpoint's refusal, got {other}"),
        Ok(t) => panic!(
            "{grant:?}: a wrong credential was handed a token from Redis ({} chars)",
            t.secret().len()
        ),
    }
}

async fn right_then_wrong(grant: Grant) {
    let (redis, prefix, _cleanup) = isolated(require_redis!());
    let server = endpoint(1..=1).await;
    let (good_cache, good) = process(&redis, &prefix, &server, grant, grant.right());
    let (bad_cache, bad) = process(&redis, &prefix, &server, grant, WRONG);
    assert_ne!(
        good_cache.redis_key(good.cache_key()),
        bad_cache.redis_key(bad.cache_key())
    );
    assert_eq!(good.token().await.unwrap().secret(), grant.token());
    assert_refused(bad.token().await, grant);
    // Redis holds exactly one token, under the right credential's name, and no name
    // shows the user or the client.
    let keys = keys_under(&redis, &prefix).await;
    assert!(
        keys.contains(&good_cache.redis_key(good.cache_key())),
        "{keys:?}"
    );
    assert!(!keys.contains(&bad_cache.redis_key(bad.cache_key())));
    for key in &keys {
        assert!(!key.contains(USER) && !key.contains(CLIENT_ID), "{key}");
    }
}

async fn wrong_then_right(grant: Grant) {
    let (redis, prefix, _cleanup) = isolated(require_redis!());
    let server = endpoint(1..=1).await;
    let (_, bad) = process(&redis, &prefix, &server, grant, WRONG);
    let (_, good) = process(&redis, &prefix, &server, grant, grant.right());
    assert_refused(bad.token().await, grant);
    assert_eq!(good.token().await.unwrap().secret(), grant.token());
}

async fn concurrent(grant: Grant) {
    let (redis, prefix, _cleanup) = isolated(require_redis!());
    let server = endpoint(1..=4).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let secret = if i % 2 == 0 { grant.right() } else { WRONG };
        let (_cache, provider) = process(&redis, &prefix, &server, grant, secret);
        tasks.push(tokio::spawn(async move {
            let _keep = _cache;
            (i % 2 == 0, provider.token().await)
        }));
    }
    for task in tasks {
        match task.await.unwrap() {
            (true, result) => assert_eq!(result.unwrap().secret(), grant.token()),
            (false, Err(TokenError::OAuth(_) | TokenError::BackingOff { .. })) => {}
            (false, other) => panic!("{grant:?}: the wrong credential got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_in_another_process_is_not_handed_the_users_token() {
    right_then_wrong(Grant::Password).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_in_another_process_is_not_handed_the_apps_token() {
    right_then_wrong(Grant::ClientCredentials).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_first_does_not_block_the_right_one() {
    wrong_then_right(Grant::Password).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_first_does_not_block_the_right_one() {
    wrong_then_right(Grant::ClientCredentials).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_and_wrong_passwords_across_processes_at_once_stay_apart() {
    concurrent(Grant::Password).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_and_wrong_client_secrets_across_processes_at_once_stay_apart() {
    concurrent(Grant::ClientCredentials).await;
}
