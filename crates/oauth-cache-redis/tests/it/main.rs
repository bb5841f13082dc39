//! `RedisTokenCache` against real Redis deployments: a single node (`REDIS_URL`), a
//! TLS node (`REDIS_TLS_URL`, its CA in `REDIS_TLS_CA_FILE`) and a Redis Cluster
//! (`REDIS_CLUSTER_URLS`, its masters' URLs, comma-separated), as `.ci/run` starts
//! them. Most tests run on each (`<test>::single_node`, `::tls`, `::cluster`). Each
//! "process" of a fleet is a separate `RedisTokenCache`, with its own memory cache,
//! connections and subscription; each test uses a key prefix of its own.
//!
//! Without a deployment's variables its tests print `skipped: <VAR> not set` and
//! pass, unless `CI` is set: then they fail. The ACL tests also need the ACL user's
//! credentials, `OAUTH_CACHE_REDIS_USERNAME` and `OAUTH_CACHE_REDIS_PASSWORD`. The
//! tests that stop Redis start a redis-server of their own (skipped when it is not
//! on PATH).

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod acl;
mod cluster;
mod encryption;
mod fleet;
mod hostile;
mod hygiene;
mod invalidation;
mod lifecycle;
mod outage;
mod principals;
mod tls;
