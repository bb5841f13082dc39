//! Providers that share a cache never share a principal's token: the cache key binds
//! a keyed fingerprint of the credential (secret, password, extra parameters), so a
//! provider holding a wrong secret or password gets the endpoint's refusal, never
//! the token another provider fetched with the right one, and its failures put only
//! its own entry into back-off.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::*;
use oauth_core::{
    CacheKey, Credentials, MemoryTokenCache, OAuthProvider, TokenCache, TokenEndpoint, TokenError,
};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WRONG: &str = "wr0ng-c4f2-guess";
const USER: &str = "alice@example.com";

/// A token endpoint that grants a token only for the right password (password grant)
/// or the right client secret (client credentials), and refuses anything else.
async fn endpoint(
    expect_granted: u64,
    expect_refused: std::ops::RangeInclusive<u64>,
) -> MockServer {
    let server = MockServer::start().await;
    let grant_for = |needle: String, token: &str| {
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .and(body_string_contains(needle))
            .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(token)))
    };
    grant_for(format!("password={PASSWORD}"), "alice-token")
        .named("right password")
        .expect(0..=expect_granted)
        .mount(&server)
        .await;
    grant_for(format!("client_secret={CLIENT_SECRET}&"), "app-token")
        .named("right secret")
        .expect(0..=expect_granted)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(body_string_contains(WRONG))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_grant",
            "error_description": "AADSTS50126: Error validating credentials due to invalid username or password.",
        })))
        .named("wrong credential")
        .expect(expect_refused)
        .mount(&server)
        .await;
    server
}

#[derive(Clone, Copy, Debug)]
enum Grant {
    Password,
    ClientCredentials,
}

fn provider(
    server: &MockServer,
    grant: Grant,
    secret: &str,
    cache: &Arc<MemoryTokenCache>,
) -> OAuthProvider {
    let credentials = match grant {
        Grant::Password => Credentials::password(CLIENT_ID, None, USER, secret),
        // The secret sits before `&scope=`, so the right one is matched with its `&`.
        Grant::ClientCredentials => Credentials::client_credentials(CLIENT_ID, secret),
    };
    OAuthProvider::builder()
        .endpoint(TokenEndpoint::url(token_url(server)).with_scopes(["api://x/.default"]))
        .credentials(credentials)
        .allow_insecure_loopback(true)
        .cache(cache.clone())
        .build()
        .unwrap()
}

fn right(grant: Grant) -> &'static str {
    match grant {
        Grant::Password => PASSWORD,
        Grant::ClientCredentials => CLIENT_SECRET,
    }
}

fn expected_token(grant: Grant) -> &'static str {
    match grant {
        Grant::Password => "alice-token",
        Grant::ClientCredentials => "app-token",
    }
}

fn assert_refused(result: Result<oauth_core::AccessToken, TokenError>, grant: Grant) {
    match result {
        Err(TokenError::OAuth(e)) => assert_eq!(e.code(), "invalid_grant", "{grant:?}"),
        Err(other) => panic!("{grant:?}: expected the endpoint's refusal, got {other}"),
        Ok(token) => panic!(
            "{grant:?}: a wrong credential was handed a token ({} chars) without proving itself",
            token.secret().len()
        ),
    }
}

async fn right_then_wrong(grant: Grant) {
    let server = endpoint(1, 1..=1).await;
    let cache = Arc::new(MemoryTokenCache::new());
    let good = provider(&server, grant, right(grant), &cache);
    let bad = provider(&server, grant, WRONG, &cache);
    assert_ne!(good.cache_key(), bad.cache_key());

    assert_eq!(good.token().await.unwrap().secret(), expected_token(grant));
    assert_refused(bad.token().await, grant);
    // The right caller still has its token, from the cache.
    assert_eq!(good.token().await.unwrap().secret(), expected_token(grant));
    assert_eq!(cache.len(), 2);
}

async fn wrong_then_right(grant: Grant) {
    let server = endpoint(1, 1..=1).await;
    let cache = Arc::new(MemoryTokenCache::new());
    let bad = provider(&server, grant, WRONG, &cache);
    let good = provider(&server, grant, right(grant), &cache);

    assert_refused(bad.token().await, grant);
    // The wrong caller's failure put its own entry into back-off, not the right one's.
    assert!(matches!(
        bad.token().await,
        Err(TokenError::BackingOff { .. })
    ));
    assert_eq!(good.token().await.unwrap().secret(), expected_token(grant));
}

async fn concurrent(grant: Grant) {
    let server = endpoint(1, 1..=8).await;
    let cache = Arc::new(
        MemoryTokenCache::new()
            .failure_backoff(std::time::Duration::ZERO, std::time::Duration::ZERO),
    );
    let good = Arc::new(provider(&server, grant, right(grant), &cache));
    let bad = Arc::new(provider(&server, grant, WRONG, &cache));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (good, bad) = (good.clone(), bad.clone());
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                (true, good.token().await)
            } else {
                (false, bad.token().await)
            }
        }));
    }
    for task in tasks {
        match task.await.unwrap() {
            (true, result) => assert_eq!(result.unwrap().secret(), expected_token(grant)),
            (false, Err(TokenError::OAuth(_) | TokenError::BackingOff { .. })) => {}
            (false, other) => panic!("{grant:?}: the wrong credential got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_wrong_password_is_not_handed_the_users_token() {
    right_then_wrong(Grant::Password).await;
}

#[tokio::test]
async fn a_wrong_client_secret_is_not_handed_the_apps_token() {
    right_then_wrong(Grant::ClientCredentials).await;
}

#[tokio::test]
async fn a_wrong_password_does_not_put_the_right_one_into_back_off() {
    wrong_then_right(Grant::Password).await;
}

#[tokio::test]
async fn a_wrong_client_secret_does_not_put_the_right_one_into_back_off() {
    wrong_then_right(Grant::ClientCredentials).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_and_wrong_passwords_at_once_stay_apart() {
    concurrent(Grant::Password).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_and_wrong_client_secrets_at_once_stay_apart() {
    concurrent(Grant::ClientCredentials).await;
}

#[tokio::test]
async fn the_same_credential_still_shares_one_token() {
    let server = endpoint(1, 0..=0).await;
    let cache = Arc::new(MemoryTokenCache::new());
    let a = provider(&server, Grant::Password, PASSWORD, &cache);
    let b = provider(&server, Grant::Password, PASSWORD, &cache);
    assert_eq!(a.cache_key(), b.cache_key());
    let first = a.token().await.unwrap();
    assert!(b.token().await.unwrap().same_as(&first));
    assert_eq!(cache.len(), 1);
}

#[test]
fn keys_bind_the_credential_without_showing_it() {
    let key = |secret: &str, extra: Option<(&str, &str)>| {
        let mut builder = oauth_core::TokenClient::builder()
            .endpoint(TokenEndpoint::url("https://login.example/token").with_scopes(["s"]))
            .credentials(Credentials::password(
                CLIENT_ID,
                Some(CLIENT_SECRET.into()),
                USER,
                secret,
            ));
        if let Some((name, value)) = extra {
            builder = builder.extra_param(name, value);
        }
        builder.build().unwrap().cache_key().clone()
    };
    let right = key(PASSWORD, None);
    assert_eq!(right, key(PASSWORD, None));
    assert_ne!(right, key(WRONG, None));
    assert_ne!(right, key(PASSWORD, Some(("audience", "other"))));
    assert!(right.binds_credential());
    for shown in [right.as_str().to_owned(), format!("{right:?}")] {
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(!shown.contains(CLIENT_SECRET), "{shown}");
        assert!(shown.contains(USER), "{shown}");
    }
    // A shared cache's name for the key depends on the fleet's secret and on the
    // credential, so names read from Redis cannot be checked against a guess.
    assert_ne!(
        right.keyed_digest(b"fleet-a"),
        right.keyed_digest(b"fleet-b")
    );
    assert_ne!(
        right.keyed_digest(b"fleet-a"),
        key(WRONG, None).keyed_digest(b"fleet-a")
    );
}

#[test]
fn usernames_and_scopes_cannot_be_chosen_to_collide() {
    // Joined with `|` and spaces, each pair below read the same.
    let pairs = [
        (
            CacheKey::builder("u", "c", "password")
                .username("ann|x")
                .build(),
            CacheKey::builder("u", "c", "password")
                .username("ann")
                .scopes(["x"])
                .build(),
        ),
        (
            CacheKey::builder("u", "c", "password")
                .scopes(["a b"])
                .build(),
            CacheKey::builder("u", "c", "password")
                .scopes(["a", "b"])
                .build(),
        ),
        (
            CacheKey::builder("u|c", "x", "g").build(),
            CacheKey::builder("u", "c|x", "g").build(),
        ),
        (
            CacheKey::builder("u", "c", "g").resource("r").build(),
            CacheKey::builder("u", "c", "g").scopes(["r"]).build(),
        ),
    ];
    for (a, b) in pairs {
        assert_ne!(a, b, "{a:?} and {b:?}");
    }
    assert_eq!(
        CacheKey::builder("u", "c", "g")
            .scopes(["b", "a", "a"])
            .build(),
        CacheKey::builder("u", "c", "g").scopes(["a", "b"]).build(),
    );
    assert_ne!(
        CacheKey::custom("token;url=1:u;"),
        CacheKey::builder("u", "", "").build()
    );
}

#[tokio::test]
async fn invalidating_one_principals_token_leaves_the_others() {
    let server = endpoint(2, 0..=0).await;
    let cache = Arc::new(MemoryTokenCache::new());
    let user = provider(&server, Grant::Password, PASSWORD, &cache);
    let app = provider(&server, Grant::ClientCredentials, CLIENT_SECRET, &cache);
    let user_token = user.token().await.unwrap();
    let app_token = app.token().await.unwrap();
    cache.invalidate(user.cache_key(), &app_token).await;
    assert!(cache
        .peek(app.cache_key())
        .is_some_and(|t| t.same_as(&app_token)));
    assert!(cache
        .peek(user.cache_key())
        .is_some_and(|t| t.same_as(&user_token)));
}

/// A custom token source's key builder shows whose key it is, never the credential
/// material bound into it.
#[test]
fn a_key_builder_shows_the_principal_but_not_the_credential() {
    let builder = CacheKey::builder(
        "https://login.example/token",
        "client-7",
        "client_credentials",
    )
    .credential_part("client_secret", b"s3cr3t-material-9f");
    let text = format!("{builder:?}");
    for part in [
        "CacheKeyBuilder",
        "https://login.example/token",
        "client-7",
        "client_credentials",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(!text.contains("s3cr3t-material-9f"), "{text}");
}

/// What a token grants, for the errors that name a missing role: its app roles, then
/// its delegated scopes.
#[test]
fn a_token_grants_its_roles_then_its_scopes() {
    let jwt = unsigned_jwt(
        &serde_json::json!({ "roles": ["Orders.Read", "Orders.Write"], "scp": "user.read offline_access" }),
    );
    let token = oauth_core::AccessToken::valid_for(jwt, std::time::Duration::from_secs(60));
    let claims = token.claims().unwrap();
    assert_eq!(
        claims.granted(),
        ["Orders.Read", "Orders.Write", "user.read", "offline_access"]
    );
}
