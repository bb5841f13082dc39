//! Invalidation reaches the memory cache of every process.

use std::sync::Arc;
use std::time::Duration;

use oauth_cache_redis::RedisTokenCache;
use oauth_core::{OAuthProvider, TokenCache, TokenProvider, TokenSource};
use tokio::time::Instant;

use crate::common::*;

on_each_deployment!(
    an_invalidation_in_one_process_empties_the_memory_of_the_others,
    an_invalidation_in_one_process_stops_the_providers_of_the_others,
    a_lost_subscription_is_renewed_and_what_was_missed_is_dropped,
);

async fn an_invalidation_in_one_process_empties_the_memory_of_the_others(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);

    let a = builder(&redis, &prefix).build().unwrap();
    let b = builder(&redis, &prefix).build().unwrap();
    // The control: a process that does not listen keeps the token in memory.
    let deaf = builder(&redis, &prefix)
        .subscribe_invalidations(false)
        .build()
        .unwrap();
    b.connect().await.expect("b subscribes");
    assert!(b.is_subscribed());
    assert!(!deaf.is_subscribed());

    let first = a.get(&key, &dyn_source).await.unwrap();
    for cache in [&b, &deaf] {
        assert!(cache.get(&key, &dyn_source).await.unwrap().same_as(&first));
        assert!(cache.memory().peek(&key).unwrap().same_as(&first));
    }
    assert_eq!(source.calls(), 1);

    // An API rejected the token in process a.
    let started = Instant::now();
    a.invalidate(&key, &first).await;
    assert!(
        raw_get(&redis, &a.redis_key(&key)).await.is_none(),
        "gone from Redis"
    );
    tokio::time::timeout(Duration::from_secs(2), async {
        while b.memory().peek(&key).is_some() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("b drops the token from memory");
    println!(
        "invalidation reached another process in {:?}",
        started.elapsed()
    );

    // b's next call does not return the rejected token: it fetches once, for all.
    let second = b.get(&key, &dyn_source).await.unwrap();
    assert!(!second.same_as(&first));
    assert_eq!(second.secret(), source.token_value(2));
    assert!(a.get(&key, &dyn_source).await.unwrap().same_as(&second));
    assert_eq!(source.calls(), 2);

    // Without the subscription the rejected token would have stayed in memory.
    assert!(deaf.memory().peek(&key).unwrap().same_as(&first));
}

async fn an_invalidation_in_one_process_stops_the_providers_of_the_others(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let source = FakeSource::new(Duration::ZERO);
    let provider = |cache: RedisTokenCache| {
        OAuthProvider::from_source(
            key.clone(),
            source.clone() as Arc<dyn TokenSource>,
            Arc::new(cache),
        )
    };
    let b_cache = builder(&redis, &prefix).build().unwrap();
    b_cache.connect().await.expect("b subscribes");
    let a = provider(builder(&redis, &prefix).build().unwrap());
    let b = provider(b_cache);

    let first = a.token().await.unwrap();
    assert!(b.token().await.unwrap().same_as(&first));
    assert!(
        b.cached().is_some_and(|t| t.same_as(&first)),
        "b's hot path has it"
    );
    assert_eq!(source.calls(), 1);

    a.invalidate(&first).await;
    tokio::time::timeout(Duration::from_secs(2), async {
        while b.cached().is_some() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("b's provider stops handing out the rejected token");
    let second = b.token().await.unwrap();
    assert!(!second.same_as(&first));
    assert_eq!(second.secret(), source.token_value(2));
    assert!(a.token().await.unwrap().same_as(&second));
    assert_eq!(source.calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_process_that_missed_invalidations_catches_up_when_it_resubscribes() {
    // Kills pub/sub connections on the server: needs a redis-server of its own.
    let Some(redis) = OwnRedis::start().await else {
        return;
    };
    let prefix = unique_prefix();
    let key = default_key();
    let (_, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = builder(&redis.redis, &prefix).build().unwrap();
    cache.connect().await.unwrap();
    let first = cache.get(&key, &dyn_source).await.unwrap();

    // The token disappears from Redis without any message (as if the message had
    // been published while this process was not subscribed), then the subscription
    // drops.
    let mut conn = raw(&redis.redis).await;
    let _: i64 = redis::cmd("DEL")
        .arg(cache.redis_key(&key))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(cache.memory().peek(&key).is_some());
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(killed, 1);

    // On resubscribing, it drops what Redis no longer holds.
    tokio::time::timeout(Duration::from_secs(3), async {
        while cache.memory().peek(&key).is_some() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the token Redis no longer holds is dropped after resubscribing");
    let second = cache.get(&key, &dyn_source).await.unwrap();
    assert!(!second.same_as(&first));
    assert!(cache.is_subscribed());
}

async fn a_lost_subscription_is_renewed_and_what_was_missed_is_dropped(redis: Redis) {
    // The cache connects as a user of the test's own, so that killing that user's
    // subscription leaves the other tests' alone.
    let (redis, prefix, _cleanup) = isolated(redis);
    let user = AclUser::create(&redis).await;
    let key = default_key();
    let (_, dyn_source) = FakeSource::shared(Duration::ZERO);
    let cache = builder(&redis, &prefix)
        .username(user.name.as_str())
        .password(user.password.as_str())
        .build()
        .unwrap();
    let other = builder(&redis, &prefix).build().unwrap();
    cache.connect().await.unwrap();
    let first = cache.get(&key, &dyn_source).await.unwrap();
    assert_eq!(
        connections_of(&redis, &user.name).await.1,
        1,
        "one subscription"
    );

    // The token disappears from Redis without a message (as if it had been published
    // while this process was not subscribed), then the subscription drops.
    let _: i64 = redis::cmd("DEL")
        .arg(cache.redis_key(&key))
        .query_async(&mut raw(&redis).await)
        .await
        .unwrap();
    assert!(cache.memory().peek(&key).is_some());
    assert_eq!(user.kill_connections("pubsub").await, 1);

    // It subscribes again (on a cluster, through the next node) and drops what
    // Redis no longer holds.
    tokio::time::timeout(Duration::from_secs(5), async {
        while cache.memory().peek(&key).is_some() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the token Redis no longer holds is dropped after resubscribing");
    tokio::time::timeout(Duration::from_secs(5), async {
        while !cache.is_subscribed() || connections_of(&redis, &user.name).await.1 != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("subscribed again");

    // And the new subscription works: another process's invalidation arrives.
    let second = cache.get(&key, &dyn_source).await.unwrap();
    assert!(!second.same_as(&first));
    assert!(other.get(&key, &dyn_source).await.unwrap().same_as(&second));
    other.invalidate(&key, &second).await;
    tokio::time::timeout(Duration::from_secs(3), async {
        while cache.memory().peek(&key).is_some() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("an invalidation reaches the renewed subscription");
}
