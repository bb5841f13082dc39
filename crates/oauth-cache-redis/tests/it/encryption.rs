//! Encryption at rest: Redis holds no token, the right key reads it back.

use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use oauth_core::TokenCache;

use crate::common::*;

on_each_deployment!(with_encryption_the_raw_value_holds_no_token_and_decrypts_back,);

const KEY: [u8; 32] = [0x5a; 32];

async fn with_encryption_the_raw_value_holds_no_token_and_decrypts_back(redis: Redis) {
    let (redis, prefix, _cleanup) = isolated(redis);
    let key = default_key();
    let (source, dyn_source) = FakeSource::shared(Duration::ZERO);

    let writer = builder(&redis, &prefix)
        .encryption_key(KEY)
        .build()
        .unwrap();
    let token = writer.get(&key, &dyn_source).await.unwrap();
    let redis_key = writer.redis_key(&key);

    let stored = raw_get(&redis, &redis_key)
        .await
        .expect("the token is stored");
    assert!(
        !stored.contains(token.secret()),
        "raw value holds the token"
    );
    assert!(
        !stored.contains("access_token"),
        "raw value is not plain JSON"
    );
    assert!(!stored.contains(CLIENT_ID));

    // base64(nonce || ciphertext), AES-256-GCM, the Redis key as associated data.
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&stored)
        .expect("base64");
    let (nonce, sealed) = bytes.split_at(12);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&KEY));
    let plain = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: redis_key.as_bytes(),
            },
        )
        .expect("decrypts with the key");
    let record: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(record["access_token"], token.secret());
    assert_eq!(record["token_type"], "Bearer");
    assert_eq!(record["lifetime_ms"], 3_600_000);
    assert_eq!(record["scopes"][0], "api://fleet-api/.default");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&redis_key)
        .query_async(&mut raw(&redis).await)
        .await
        .unwrap();
    assert!(
        (3_590_000..=3_600_000).contains(&ttl),
        "TTL is the token's remaining life: {ttl}"
    );

    // Another process with the same key reads it: no fetch.
    let reader = builder(&redis, &prefix)
        .encryption_key(KEY)
        .build()
        .unwrap();
    let read = reader.get(&key, &dyn_source).await.unwrap();
    assert!(read.same_as(&token));
    assert_eq!(source.calls(), 1);

    // A process with another key, or none, cannot: it fetches its own.
    let stranger = builder(&redis, &prefix)
        .encryption_key([0x11; 32])
        .build()
        .unwrap();
    let own = stranger.get(&key, &dyn_source).await.unwrap();
    assert_eq!(own.secret(), source.token_value(2));
    let plain_reader = plain_builder(&redis, &prefix).build().unwrap();
    let own = plain_reader.get(&key, &dyn_source).await.unwrap();
    assert_eq!(own.secret(), source.token_value(3));
    assert_eq!(source.calls(), 3);
}
