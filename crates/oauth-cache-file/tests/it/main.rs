//! `FileTokenCache` on temporary directories: each "run" of a program is a new cache
//! instance (with its own memory cache) on the same directory, and the parallel-run
//! tests start this test binary again as child processes (see `processes`). Token
//! endpoints are wiremock servers on 127.0.0.1, or counting token sources.

// Test helpers outside `#[test]` functions fail loudly too (clippy.toml's
// allow-*-in-tests covers only the test functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod clear;
mod credentials;
mod degrade;
mod hostile;
mod hygiene;
mod invalidation;
mod locking;
mod permissions;
mod processes;
mod runs;
