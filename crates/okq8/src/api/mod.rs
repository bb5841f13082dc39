//! Typed generic calls: OKQ8 publishes no endpoint list, so paths and types are the
//! caller's, and everything else (key, token, retries, errors) is the pipeline's.

mod generic;
mod request;

pub use request::RequestBuilder;
