//! What the Keyavi API sends and receives.

mod ids;
mod logs;
mod payloads;
mod timestamp;

pub use ids::{PayloadId, PolicyId, UserId};
pub use logs::{
    ActionAttempted, FullPayloadLog, LogPage, LogResult, LogSort, LogSortField, Pagination,
    PayloadLog, UserNetwork,
};
pub use payloads::ProtectedPayload;
pub use timestamp::{LocalTimestamp, ParseTimestampError};
