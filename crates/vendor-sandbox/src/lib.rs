#![doc = include_str!("../README.md")]
#![allow(
    clippy::result_large_err,
    reason = "handlers return early with a finished `Response` as the error; size is irrelevant in a local test server"
)]

mod assertion;
mod config;
mod control;
mod creds;
mod entra;
mod error;
mod gate;
mod http;
mod ids;
mod jwt;
mod kaisa;
mod kazi;
mod keyavi;
mod managed;
mod okq8;
mod server;
mod state;
mod stats;
mod time;
mod tls;
mod token;

pub use assertion::{
    JWT_BEARER_ASSERTION_TYPE, TEST_CLIENT_CERTIFICATE_PEM, TEST_CLIENT_CERTIFICATE_X5T_S256,
    TEST_CLIENT_PRIVATE_KEY_PEM, TEST_EXPIRED_CLIENT_CERTIFICATE_PEM,
};
pub use config::{Faults, SandboxConfig, Vendor};
pub use creds::{KaisaSandbox, KaziSandbox, KeyaviSandbox, Okq8Sandbox};
pub use error::SandboxError;
pub use managed::ManagedIdentitySandbox;
pub use server::Sandbox;
pub use stats::{Stats, StatusCounts};
pub use tls::SandboxTls;
