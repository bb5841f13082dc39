//! The Redis Cluster (`REDIS_CLUSTER_URLS`, three masters): a token and its lock
//! share a slot, tokens spread over the masters, and a dead seed node is passed over.
//! (The other tests run on the cluster too.)

use std::sync::Arc;
use std::time::Duration;

use oauth_core::{CacheKey, TokenCache, TokenSource};

use crate::common::*;

/// The cluster, or `None` (see [`required_var`]).
fn cluster() -> Option<Redis> {
    Redis::from_env(Deployment::Cluster)
}

/// `CLUSTER KEYSLOT name`.
async fn slot(raw: &mut Raw, name: &str) -> u16 {
    redis::cmd("CLUSTER")
        .arg("KEYSLOT")
        .arg(name)
        .query_async(raw)
        .await
        .expect("CLUSTER KEYSLOT")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_and_its_lock_share_a_slot_and_tokens_spread_over_the_masters() {
    let Some(redis) = cluster() else {
        return;
    };
    assert!(redis.urls.len() >= 3, "three masters: {:?}", redis.urls);
    let (redis, prefix, _cleanup) = isolated(redis);
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);
    let a = builder(&redis, &prefix).build().unwrap();
    let b = builder(&redis, &prefix).build().unwrap();
    let keys: Vec<CacheKey> = (0..16)
        .map(|i| CacheKey::custom(format!("cluster-key-{i}")))
        .collect();

    for key in &keys {
        a.get(key, &dyn_source).await.unwrap();
    }
    assert_eq!(source.calls(), keys.len());
    // Another process finds every one of them, wherever it lives.
    for key in &keys {
        let token = b.get(key, &dyn_source).await.unwrap();
        assert!(token.same_as(&a.memory().peek(key).unwrap()));
    }
    assert_eq!(source.calls(), keys.len(), "no fetch by the second process");

    let mut raw = raw(&redis).await;
    let mut slots = std::collections::BTreeSet::new();
    for key in &keys {
        let value = a.redis_key(key);
        let lock = format!("{value}:lock");
        let value_slot = slot(&mut raw, &value).await;
        assert_eq!(value_slot, slot(&mut raw, &lock).await, "{value}");
        // The hash tag decides, not the prefix.
        let hash = key_hash(&a, &prefix, key);
        assert_eq!(value_slot, slot(&mut raw, &hash).await);
        slots.insert(value_slot);
    }
    assert!(slots.len() > 1, "{slots:?}");

    // The tokens live on more than one master.
    let mut masters_holding = 0;
    for mut conn in redis.node_connections().await {
        let held: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        masters_holding += usize::from(!held.is_empty());
    }
    println!(
        "{} tokens in {} slots on {masters_holding} masters",
        keys.len(),
        slots.len()
    );
    assert!(masters_holding >= 2, "{masters_holding}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dead_seed_node_is_passed_over_for_commands_and_the_subscription() {
    let Some(redis) = cluster() else {
        return;
    };
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let source = FakeSource::new(Duration::ZERO);
    let dyn_source = source.clone() as Arc<dyn TokenSource>;
    // Nothing listens on port 1: the first seed is dead.
    let mut seeds = vec!["redis://127.0.0.1:1/".to_owned()];
    seeds.extend(redis.urls.iter().cloned());
    let with_dead_seed = |prefix: &str| {
        oauth_cache_redis::RedisTokenCache::cluster_builder(seeds.clone())
            .key_prefix(prefix)
            .encryption_key(TEST_KEY)
            .redis_timeout(SLOW_CONNECT_TIMEOUT)
            .build()
            .unwrap()
    };
    let a = builder(&redis, &prefix).build().unwrap();
    let b = with_dead_seed(&prefix);
    assert!(
        format!("{b:?}").contains("redis_cluster_nodes: [\"redis://127.0.0.1:1/\""),
        "{b:?}"
    );
    b.connect()
        .await
        .expect("connected and subscribed through a live node");

    let first = a.get(&key, &dyn_source).await.unwrap();
    assert!(b.get(&key, &dyn_source).await.unwrap().same_as(&first));
    assert_eq!(source.calls(), 1);
    a.invalidate(&key, &first).await;
    tokio::time::timeout(Duration::from_secs(3), async {
        while b.memory().peek(&key).is_some() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the invalidation reaches b through the node it subscribed to");
    let second = b.get(&key, &dyn_source).await.unwrap();
    assert_eq!(second.secret(), source.token_value(2));
}
