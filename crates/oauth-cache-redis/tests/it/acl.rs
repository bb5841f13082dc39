//! A Redis ACL user: the username and password come from the environment
//! (`OAUTH_CACHE_REDIS_USERNAME`, `OAUTH_CACHE_REDIS_PASSWORD`, set by `.ci/run` for
//! a user limited to the tests' key prefix), are what the cache connects with, and
//! never show: a wrong password is a typed error that holds neither password.

use std::time::Duration;

use oauth_cache_redis::RedisTokenCacheBuilder;
use oauth_core::TokenCache;

use crate::common::*;

on_each_deployment!(
    the_acl_user_from_the_environment_is_who_the_cache_connects_as,
    a_prefix_outside_the_users_acl_is_a_permission_error_and_tokens_still_come,
);
on_each_deployment!(current_thread: a_wrong_password_is_an_authentication_error_that_shows_no_secret);

/// A builder on `redis` with the credentials from the environment.
fn from_env(redis: &Redis, prefix: &str) -> RedisTokenCacheBuilder {
    builder(redis, prefix).credentials_from_env()
}

async fn the_acl_user_from_the_environment_is_who_the_cache_connects_as(redis: Redis) {
    let Some((username, password)) = env_credentials() else {
        return;
    };
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::from_millis(50));
    let a = from_env(&redis, &prefix).build().unwrap();
    let b = from_env(&redis, &prefix).build().unwrap();
    a.connect()
        .await
        .expect("the ACL user connects and subscribes");
    b.connect()
        .await
        .expect("the ACL user connects and subscribes");

    // The fleet works as the ACL user: one fetch, the token shared, an invalidation
    // reaching the other process.
    let (ta, tb) = tokio::join!(a.get(&key, &dyn_source), b.get(&key, &dyn_source));
    let (ta, tb) = (ta.unwrap(), tb.unwrap());
    assert!(ta.same_as(&tb));
    assert_eq!(source.calls(), 1, "one token request for both");
    assert!(raw_get(&redis, &a.redis_key(&key)).await.is_some());
    // A server that never ran the cache's script (a fresh one, or after a restart):
    // the user, who may not `SCRIPT LOAD`, still runs it.
    for mut conn in redis.node_connections().await {
        let _: () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    a.invalidate(&key, &ta).await;
    assert!(
        raw_get(&redis, &a.redis_key(&key)).await.is_none(),
        "the rejected token is deleted, by the script"
    );
    tokio::time::timeout(Duration::from_secs(3), async {
        while b.memory().peek(&key).is_some() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the invalidation reaches b");

    // Redis sees the user's connections: commands, and the subscriptions of both.
    let (all, subscribed) = connections_of(&redis, &username).await;
    assert!(subscribed >= 2, "{subscribed} subscribed of {all}");
    assert!(
        all > subscribed,
        "{all} connections, {subscribed} subscribed"
    );

    // Neither the username nor the password shows.
    for output in [format!("{a:?}"), format!("{:?}", from_env(&redis, &prefix))] {
        assert!(!output.contains(&password), "{output}");
        assert!(!output.contains(&username), "{output}");
        assert!(
            output.contains("username and password [redacted]"),
            "{output}"
        );
    }
}

async fn a_prefix_outside_the_users_acl_is_a_permission_error_and_tokens_still_come(redis: Redis) {
    let Some((_, password)) = env_credentials() else {
        return;
    };
    // The CI user may use `oauth-cache-redis-test:*` keys and channels only.
    let prefix = format!("outside-the-acl:{:016x}:", fastrand::u64(..));
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = from_env(&redis, &prefix).build().unwrap();

    let err = cache.connect().await.unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    assert!(err.to_string().contains("ACL rule"), "{err}");
    assert!(!err.to_string().contains(&password), "{err}");

    // Denied commands are Redis failures like any other: the token still comes.
    let token = tokio::time::timeout(Duration::from_secs(5), cache.get(&key, &dyn_source))
        .await
        .expect("not stalled")
        .unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    assert_eq!(source.calls(), 1);
    assert!(keys_under(&redis, &prefix).await.is_empty());
}

async fn a_wrong_password_is_an_authentication_error_that_shows_no_secret(redis: Redis) {
    let Some((username, password)) = env_credentials() else {
        return;
    };
    let captured = Captured::default();
    let _logs = tracing::subscriber::set_default(captured.subscriber());
    let (redis, prefix, _cleanup) = isolated(redis);
    let wrong = format!("wrong-{:024x}", fastrand::u128(..));
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let builder = builder(&redis, &prefix)
        .username(username.as_str())
        .password(wrong.as_str());
    let builder_debug = format!("{builder:?}");
    let cache = builder.build().unwrap();

    let err = cache.connect().await.unwrap_err();
    assert!(err.is_authentication(), "{err:?}");
    let shown = format!("{err} {err:?} {cache:?} {builder_debug}");
    for secret in [&wrong, &password] {
        assert!(!shown.contains(secret.as_str()), "{shown}");
    }
    assert!(
        err.to_string().contains("OAUTH_CACHE_REDIS_PASSWORD"),
        "{err}"
    );

    // Callers still get tokens, fetched without Redis; the failure is logged.
    let token = cache.get(&key, &dyn_source).await.unwrap();
    assert_eq!(token.secret(), source.token_value(1));
    cache.invalidate(&key, &token).await;
    let logs = captured.text();
    assert!(
        logs.contains("WARN") && logs.contains("Redis is unavailable"),
        "{logs}"
    );
    for secret in [&wrong, &password, &username] {
        assert!(
            !logs.contains(secret.as_str()),
            "logs hold {secret}: {logs}"
        );
    }
}
