//! Each vendor crate's `examples/quickstart.rs` runs against a sandbox, configured
//! only through the environment variables the sandbox prints (as a new user would
//! after `vendorctl sandbox`). Alone in its test binary: the variables are
//! process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vendor_sandbox::{Sandbox, SandboxConfig, Vendor};

#[allow(dead_code)]
#[path = "../../crates/kazi-tagging/examples/quickstart.rs"]
mod kazi_quickstart;

#[allow(dead_code)]
#[path = "../../crates/keyavi/examples/quickstart.rs"]
mod keyavi_quickstart;

#[allow(dead_code)]
#[path = "../../crates/kaisa/examples/quickstart.rs"]
mod kaisa_quickstart;

#[allow(dead_code)]
#[path = "../../crates/okq8/examples/quickstart.rs"]
mod okq8_quickstart;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_quickstart_example_runs_against_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for (name, value) in sandbox.env_vars() {
        std::env::set_var(name, value);
    }
    let bounded = |name: &'static str| {
        move |r: Result<Result<(), Box<dyn std::error::Error>>, tokio::time::error::Elapsed>| {
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("{name} quick start failed: {e}"),
                Err(_) => panic!("{name} quick start did not finish within 30 s"),
            }
        }
    };
    let limit = std::time::Duration::from_secs(30);
    bounded("kazi")(tokio::time::timeout(limit, kazi_quickstart::run()).await);
    bounded("keyavi")(tokio::time::timeout(limit, keyavi_quickstart::run()).await);
    bounded("kaisa")(tokio::time::timeout(limit, kaisa_quickstart::run()).await);
    bounded("okq8")(tokio::time::timeout(limit, okq8_quickstart::run()).await);

    // Each example reached its vendor's API through the sandbox, token and all.
    let stats = sandbox.stats();
    for vendor in [Vendor::Kazi, Vendor::Keyavi, Vendor::Kaisa, Vendor::Okq8] {
        assert!(
            stats.api_calls_total(vendor) > 0,
            "{vendor:?} was never called"
        );
    }
    sandbox.shutdown().await.unwrap();
}
