//! Test helpers shared by the vendor crates' integration tests, so that no two
//! vendor crates keep their own copy: unsigned JWTs ([`jwt`]), token endpoint mocks
//! ([`token_endpoint`]), wiremock matchers for what every call carries
//! ([`matchers`]), assertions about configuration errors and secrets
//! ([`assertions`]), and the spans and logs a call leaves ([`logs`]).
//!
//! Dev-only (`publish = false`): a vendor crate lists it under `[dev-dependencies]`.

// A test helper's job is to fail the test loudly, with the reason.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

pub mod assertions;
pub mod credentials;
pub mod jwt;
pub mod logs;
pub mod matchers;
pub mod paths;
pub mod token_endpoint;

use serde_json::Value;

/// The JSON fixture `name` of the crate whose manifest directory is `manifest_dir`
/// (pass `env!("CARGO_MANIFEST_DIR")`), read from its `tests/fixtures`.
///
/// # Panics
///
/// When the file cannot be read or is not JSON.
pub fn fixture(manifest_dir: &str, name: &str) -> Value {
    let path = format!("{manifest_dir}/tests/fixtures/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}
