//! `RedisTokenCache` against a real Redis (`REDIS_URL`). Each "process" of a fleet is
//! a separate `RedisTokenCache`, with its own memory cache, connection and
//! subscription; each test uses a key prefix of its own.
//!
//! Without `REDIS_URL` the Redis tests print `skipped: REDIS_URL not set` and pass,
//! unless `CI` is set: then they fail. The tests that stop Redis start a
//! redis-server of their own (skipped when it is not on PATH).

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod encryption;
mod fleet;
mod hostile;
mod hygiene;
mod invalidation;
mod outage;
mod principals;
