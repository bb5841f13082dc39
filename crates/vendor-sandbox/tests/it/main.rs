//! Integration tests: a real sandbox on 127.0.0.1 driven with reqwest.

// clippy.toml allows these inside `#[test]` functions only; the helpers in `support` are
// test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod assertions;
mod faults;
mod kaisa;
mod kazi;
mod keyavi;
mod managed;
mod okq8;
mod security;
mod support;
mod tls_entra;
mod tokens;
