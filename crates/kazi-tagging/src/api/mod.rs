//! Endpoint handles: `client.expectations()`, `client.talent_scans()`.

mod expectations;
mod talent_scans;

pub use expectations::Expectations;
pub use talent_scans::{MatchesRequest, TalentScans, MAX_PAGE_SIZE};
