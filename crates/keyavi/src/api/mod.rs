//! Endpoint handles: each describes its requests and sends them through the client.

mod logs;
mod payloads;

pub use logs::{LogQuery, Logs};
pub use payloads::{Payloads, ProtectRemote};
