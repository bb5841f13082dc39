//! Endpoint handles and their request builders: each builder owns a clone of the
//! client, takes per-call options (`timeout`, `retry_policy`) and is sent with
//! `.send()`, `.send_with_response()` or `.await`.

mod logs;
mod payloads;

pub use logs::{
    ListFullPayloadLogsRequest, ListLogsRequest, ListPayloadLogsRequest, Logs, MAX_PAGE_SIZE,
};
pub use payloads::{Payloads, ProtectRemoteRequest};
