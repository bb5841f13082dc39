//! One module per command group.

pub mod demo;
pub mod kaisa;
pub mod kazi;
pub mod keyavi;
pub mod okq8;
pub mod sandbox;
pub mod token;
